// Package sms sends the appointment reminders' text messages. A Sender is
// one provider: Log (records what would be sent), Aliyun (SendSms with
// the V3 ACS3-HMAC-SHA256 signature) and Tencent (SendSms 2021-01-11 with
// TC3-HMAC-SHA256). The two clients are written here, after the vendors'
// signature documents, because their SDKs are not served by our module
// proxy or bring a dozen modules for one call.
package sms

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"unicode/utf8"
)

// Message is one text to one mobile number. Params are the template's
// variables by name; Text is the message as our own template renders it
// (what the log provider records; the vendors render their own template,
// registered with them, from Params).
type Message struct {
	Phone  string // 11 digits, a mainland mobile number
	Params map[string]string
	Text   string
}

// Receipt is what a provider says of a message it took.
type Receipt struct {
	ProviderID string // the vendor's id of the message (BizId, SerialNo)
	RequestID  string
}

// Sender sends one message.
type Sender interface {
	Name() string
	Send(ctx context.Context, m Message) (Receipt, error)
}

// Outcome says what a failed send means for the message.
type Outcome int

const (
	// Refused: the provider did not take the message and will not (a bad
	// number, a bad signature, no balance). Not retried.
	Refused Outcome = iota
	// Retry: the provider did not take it this time (throttled, busy, or
	// never reached). Sent again later, with backoff.
	Retry
	// Unknown: the request may have reached the provider (the connection
	// broke after it was written). Never sent again: a reminder goes out
	// at most once.
	Unknown
)

// Error is a failed send: the vendor's code and message, its request id.
type Error struct {
	Outcome   Outcome
	Code      string
	Message   string
	RequestID string
}

func (e *Error) Error() string { return fmt.Sprintf("sms: %s: %s", e.Code, e.Message) }

// OutcomeOf is what err means for the message; an error not from a
// Sender's classification counts as Unknown.
func OutcomeOf(err error) Outcome {
	var e *Error
	if errors.As(err, &e) {
		return e.Outcome
	}
	return Unknown
}

// Log is the default provider: it sends nothing and logs that it would
// have, with the number masked and without the text (it names the
// patient; the outbox keeps it for those who may read it).
type Log struct{ Logger *slog.Logger }

func (Log) Name() string { return "log" }

func (l Log) Send(_ context.Context, m Message) (Receipt, error) {
	l.Logger.Info("reminder (log provider: not sent)", "phone", Mask(m.Phone), "characters", utf8.RuneCountInString(m.Text))
	return Receipt{}, nil
}

// Mask keeps a number's first three and last four digits, as the pool
// shows numbers to those who may not see them whole.
func Mask(phone string) string {
	if len(phone) < 8 {
		return strings.Repeat("*", len(phone))
	}
	return phone[:3] + strings.Repeat("*", len(phone)-7) + phone[len(phone)-4:]
}
