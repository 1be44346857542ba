package reminder

import (
	"context"
	"crm/models/settings"
	"crm/sms"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"time"
	"unicode/utf8"

	"golang.org/x/sync/errgroup"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Worker sends the reminders due. Several may run at once, in one process
// or many: a batch is claimed (status sending, with the batch's token) in
// a transaction of its own before anything is sent, so a reminder is sent
// by the one worker that claimed it. One still sending a Lease after its
// claim was cut off (the process died mid-send) and becomes unknown; it
// is never sent again, so a reminder goes out at most once.
type Worker struct {
	DB          *gorm.DB
	Sender      sms.Sender
	Clinic      func(ctx context.Context) settings.ClinicSettings // the clinic's name and zone
	Batch       int                                               // reminders claimed at once
	Concurrency int                                               // sends at once
	MaxAttempts int                                               // sends of one reminder before it fails
	Backoff     time.Duration                                     // before the second attempt; doubled each time after
	Lease       time.Duration                                     // how long a claim may be sending
	SendTimeout time.Duration
	Log         *slog.Logger
}

// Pass counts what one SendDue did.
type Pass struct{ Sent, Retried, Failed, Skipped, Cancelled, Unknown int }

func (p *Pass) add(o Pass) {
	p.Sent += o.Sent
	p.Retried += o.Retried
	p.Failed += o.Failed
	p.Skipped += o.Skipped
	p.Cancelled += o.Cancelled
	p.Unknown += o.Unknown
}

// Messages the send log shows for what was not sent.
const (
	reasonInterrupted = "发送中断，可能已发出：为免重复不再重发"
	reasonChanged     = "预约已改期或结束"
	reasonNoConsent   = "患者未同意短信提醒"
	reasonNoMobile    = "无手机号"
	reasonTooLate     = "已过预约时间"
	reasonQuiet       = "免打扰时段至预约开始"
)

// SendDue sends every reminder due by now, batch after batch, when
// reminders are enabled.
func (w Worker) SendDue(ctx context.Context, now time.Time) (Pass, error) {
	var pass Pass
	db := w.DB.WithContext(ctx)
	res := db.Model(&Reminder{}).Where(clause.Eq{Column: "status", Value: StatusSending}).
		Where("claimed_at < ?", now.Add(-w.Lease).Unix()).
		Updates(map[string]any{"status": StatusUnknown, "error": reasonInterrupted, "updated_at": now}) // the claim stays: a late answer still lands
	if res.Error != nil {
		return pass, res.Error
	}
	pass.Unknown += int(res.RowsAffected)
	s, err := Load(db)
	if err != nil || !s.Enabled {
		return pass, err
	}
	clinic := w.Clinic(ctx)
	for ctx.Err() == nil {
		token, claimed, err := w.claim(db, now)
		if err != nil || claimed == 0 {
			return pass, err
		}
		batch, err := w.sendClaimed(ctx, db, token, s, clinic, now)
		pass.add(batch)
		if err != nil || claimed < w.Batch {
			return pass, err
		}
	}
	return pass, ctx.Err()
}

// claim marks up to Batch due reminders sending under a new token. On
// MySQL the rows another worker is claiming are skipped, not waited for.
func (w Worker) claim(db *gorm.DB, now time.Time) (string, int, error) {
	token := newToken()
	claimed := 0
	err := db.Transaction(func(tx *gorm.DB) error {
		q := tx.Model(&Reminder{}).Where(clause.Eq{Column: "status", Value: StatusPending}).Where("due_at <= ?", now.Unix())
		if tx.Dialector.Name() == "mysql" {
			q = q.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
		}
		var ids []uint64
		if err := q.Order("status, due_at").Limit(w.Batch).Pluck("id", &ids).Error; err != nil || len(ids) == 0 {
			return err
		}
		res := tx.Model(&Reminder{}).Where("id IN ?", ids).Where(clause.Eq{Column: "status", Value: StatusPending}).
			Updates(map[string]any{"status": StatusSending, "claim": token, "claimed_at": now.Unix(),
				"attempts": gorm.Expr("attempts + 1"), "updated_at": now})
		claimed = int(res.RowsAffected)
		return res.Error
	})
	return token, claimed, err
}

func newToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read does not fail on Linux
	return hex.EncodeToString(b)
}

// claimedRow is a claimed reminder with what its message needs.
type claimedRow struct {
	ID                uint64
	Rule              string
	StartTime         int64
	Attempts          int16
	AppointmentStatus string
	AppointmentStart  int64
	PatientName       string
	TelDigits         string
	SmsConsent        int8
	DeletedAt         *time.Time
	DoctorName        *string
}

// result is what becomes of one claimed reminder.
type result struct {
	id      uint64
	changes map[string]any
}

func (w Worker) sendClaimed(ctx context.Context, db *gorm.DB, token string, s Settings, clinic settings.ClinicSettings, now time.Time) (Pass, error) {
	var rows []claimedRow
	err := db.Table("reminders").Select("reminders.id, reminders.rule, reminders.start_time, reminders.attempts, " +
		"appointments.status AS appointment_status, appointments.start_time AS appointment_start, " +
		"patients.name AS patient_name, patients.tel_digits, patients.sms_consent, patients.deleted_at, doctors.name AS doctor_name").
		Joins("JOIN appointments ON appointments.id = reminders.appointment_id").
		Joins("JOIN patients ON patients.id = reminders.patient_id").
		Joins("LEFT JOIN doctors ON doctors.id = appointments.doctor_id").
		Where(clause.Eq{Column: "reminders.claim", Value: token}).Where(clause.Eq{Column: "reminders.status", Value: StatusSending}).
		Scan(&rows).Error
	if err != nil {
		return Pass{}, err
	}
	loc := clinic.Location()
	results := make([]result, len(rows))
	var pass Pass
	group, sendCtx := errgroup.WithContext(context.WithoutCancel(ctx))
	group.SetLimit(max(w.Concurrency, 1))
	for i, r := range rows {
		done := func(status, reason string) {
			results[i] = result{r.ID, map[string]any{"status": status, "error": reason}}
		}
		mobile := Mobile(r.TelDigits)
		switch {
		case r.AppointmentStatus != "booked" || r.AppointmentStart != r.StartTime || r.DeletedAt != nil:
			done(StatusCancelled, reasonChanged)
			pass.Cancelled++
			continue
		case r.SmsConsent != 1:
			done(StatusSkipped, reasonNoConsent)
			pass.Skipped++
			continue
		case mobile == "":
			done(StatusSkipped, reasonNoMobile)
			pass.Skipped++
			continue
		case r.StartTime <= now.Unix():
			done(StatusSkipped, reasonTooLate)
			pass.Skipped++
			continue
		}
		if quiet, end := s.Quiet(now.In(loc)); quiet {
			if end.Unix() >= r.StartTime {
				done(StatusSkipped, reasonQuiet)
				pass.Skipped++
			} else { // not an attempt: back to the queue until the quiet hours end
				results[i] = result{r.ID, map[string]any{"status": StatusPending, "due_at": end.Unix(), "attempts": r.Attempts - 1}}
			}
			continue
		}
		doctor := ""
		if r.DoctorName != nil {
			doctor = *r.DoctorName
		}
		values := map[string]string{"name": r.PatientName, "doctor": doctor, "clinic": clinic.ClinicName, "address": s.Address,
			"time": time.Unix(r.StartTime, 0).In(loc).Format("1月2日 15:04")}
		m := sms.Message{Phone: mobile, Params: values, Text: Render(s.Template, values)}
		group.Go(func() error {
			one, cancel := context.WithTimeout(sendCtx, w.SendTimeout)
			defer cancel()
			receipt, err := w.Sender.Send(one, m)
			results[i] = w.outcome(r, m, receipt, err, now)
			return nil
		})
	}
	_ = group.Wait() // the sends report through results
	for _, r := range results {
		switch r.changes["status"] {
		case StatusSent:
			pass.Sent++
		case StatusFailed:
			pass.Failed++
		case StatusUnknown:
			pass.Unknown++
		case StatusPending:
			if _, retried := r.changes["error_code"]; retried {
				pass.Retried++
			}
		}
	}
	err = db.Transaction(func(tx *gorm.DB) error {
		for _, r := range results {
			r.changes["claim"], r.changes["updated_at"] = nil, now
			if err := tx.Model(&Reminder{}).Where(clause.Eq{Column: "id", Value: r.id}).
				Where(clause.Eq{Column: "claim", Value: token}).Updates(r.changes).Error; err != nil {
				return err
			}
		}
		return nil
	})
	return pass, err
}

// outcome is what a send's answer makes of the reminder.
func (w Worker) outcome(r claimedRow, m sms.Message, receipt sms.Receipt, err error, now time.Time) result {
	changes := map[string]any{"provider": w.Sender.Name(), "body": clip(m.Text, 500)}
	if err == nil {
		changes["status"], changes["sent_at"] = StatusSent, now.Unix()
		changes["provider_id"], changes["request_id"] = clip(receipt.ProviderID, 64), clip(receipt.RequestID, 64)
		changes["error_code"], changes["error"] = "", ""
		return result{r.ID, changes}
	}
	var e *sms.Error
	if !errors.As(err, &e) {
		e = &sms.Error{Outcome: sms.Unknown, Code: "error", Message: err.Error()}
	}
	changes["error_code"], changes["error"], changes["request_id"] = clip(e.Code, 64), clip(e.Message, 255), clip(e.RequestID, 64)
	switch {
	case e.Outcome == sms.Retry && int(r.Attempts) < w.MaxAttempts:
		changes["status"] = StatusPending
		changes["due_at"] = now.Add(w.Backoff << (r.Attempts - 1)).Unix()
	case e.Outcome == sms.Unknown:
		changes["status"] = StatusUnknown
	default:
		changes["status"] = StatusFailed
	}
	if w.Log != nil {
		w.Log.Warn("reminder not sent", "reminder", r.ID, "provider", w.Sender.Name(), "code", e.Code, "status", changes["status"])
	}
	return result{r.ID, changes}
}

// Mobile is a mainland mobile number from a patient's digits (with or
// without 86 / 0086 before it), or "" when they are not one.
func Mobile(digits string) string {
	switch {
	case len(digits) == 15 && digits[:4] == "0086":
		digits = digits[4:]
	case len(digits) == 13 && digits[:2] == "86":
		digits = digits[2:]
	}
	if len(digits) != 11 || digits[0] != '1' || digits[1] < '3' {
		return ""
	}
	return digits
}

func clip(s string, runes int) string {
	if utf8.RuneCountInString(s) <= runes {
		return s
	}
	return string([]rune(s)[:runes])
}
