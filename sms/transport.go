package sms

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"syscall"
)

// maxReply bounds what is read of a provider's answer.
const maxReply = 1 << 20

// post sends req and decodes its JSON answer into reply. A request that
// never left (no connection) is Retry; one that broke after it was
// written, or an answer that does not read, is Unknown: it may have been
// taken.
func post(c *http.Client, req *http.Request, reply any) (int, error) {
	resp, err := c.Do(req)
	if err != nil {
		if notSent(err) {
			return 0, &Error{Outcome: Retry, Code: "connect", Message: "provider not reached"}
		}
		return 0, &Error{Outcome: Unknown, Code: "transport", Message: "no answer from the provider"}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxReply))
	if err != nil {
		return resp.StatusCode, &Error{Outcome: Unknown, Code: "transport", Message: "answer cut off"}
	}
	if err := json.Unmarshal(body, reply); err != nil {
		outcome := Unknown
		if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
			outcome = Retry // a proxy's error page: the request went no further
		}
		return resp.StatusCode, &Error{Outcome: outcome, Code: "http " + strconv.Itoa(resp.StatusCode), Message: "answer is not JSON"}
	}
	return resp.StatusCode, nil
}

// notSent tells a failure to connect (nothing was written) from one after.
func notSent(err error) bool {
	var dns *net.DNSError
	if errors.As(err, &dns) || errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
