package middleware

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"slices"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"crm/apierr"
	"crm/models/idempotency"
	"crm/models/store"
)

// IdempotencyKeyHeader names the header that makes a creating POST safe to
// retry.
const IdempotencyKeyHeader = "Idempotency-Key"

// maxIdempotencyKey is the longest key taken (a UUID is 36).
const maxIdempotencyKey = 255

// Replayer answers for what an earlier attempt created when its answer was
// lost after the commit: the creation is not repeated.
type Replayer func(c *gin.Context, resourceID uint64) (any, error)

// Idempotency is the middleware of creating POSTs: with an Idempotency-Key
// header (printable ASCII, 1-255 characters; keys are the user's own), a
// retry within 24 h of the same request (same route and parameters; the
// token aside) gets the first answer, and nothing is stored again. The
// same key with other parameters is refused (46002), as is a retry while
// the first attempt may still be running. staleAfter is how long an
// attempt can run at most; replay answers for a commit whose answer was
// lost (nil: a 46002 that says so).
func Idempotency(db *gorm.DB, now func() time.Time, staleAfter time.Duration, replay Replayer, log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		key, sent := c.Request.Header[IdempotencyKeyHeader]
		if !sent {
			c.Next()
			return
		}
		if len(key) != 1 || !validIdempotencyKey(key[0]) {
			Fail(c, apierr.Invalid(IdempotencyKeyHeader))
			return
		}
		viewer, err := CurrentUser(c)
		if err != nil {
			Fail(c, err)
			return
		}
		ctx := c.Request.Context()
		claim, err := idempotency.ClaimIdempotencyKey(ctx, db, idempotency.IdempotentRequest{
			UserID: viewer.UserID, Key: key[0], Request: c.Request.Method + " " + c.FullPath(),
			Fingerprint: ParamsOf(c).fingerprint(),
		}, now(), staleAfter)
		if err != nil {
			Fail(c, err)
			return
		}
		if claim.Replay() {
			replayAnswer(c, claim, replay)
			return
		}

		recorder := &answerRecorder{ResponseWriter: c.Writer}
		c.Writer = recorder
		c.Request = c.Request.WithContext(idempotency.WithIdempotencyClaim(ctx, claim))
		c.Next()
		c.Writer = recorder.ResponseWriter

		// The outcome is kept even when the request's own deadline has
		// passed: it is what a retry will be told.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if len(c.Errors) == 0 {
			err = idempotency.AnswerIdempotencyKey(ctx, db, claim, recorder.Status(), recorder.Header().Get("Content-Type"), recorder.body.String())
		} else if !store.IsUnavailable(c.Errors.Last().Err) {
			// Refused before anything was written: a retry runs again. A
			// database that failed mid-way may still have committed; then
			// the claim stays, and says so to the retry.
			err = idempotency.ReleaseIdempotencyKey(ctx, db, claim)
		}
		if err != nil {
			log.Warn("idempotency key: outcome not kept", "request_id", RequestID(c), "error", err.Error())
		}
	}
}

func replayAnswer(c *gin.Context, claim idempotency.IdempotencyKey, replay Replayer) {
	c.Header("Idempotent-Replayed", "true")
	switch {
	case claim.Answered():
		c.Data(claim.Status, claim.ContentType, []byte(*claim.Body))
	case replay != nil && claim.ResourceID != nil:
		body, err := replay(c, *claim.ResourceID)
		if err != nil {
			Fail(c, err)
			return
		}
		Respond(c, body)
	default:
		Fail(c, apierr.Conflict("该请求已完成，但应答未能保存"))
	}
	c.Abort()
}

func validIdempotencyKey(key string) bool {
	if key == "" || len(key) > maxIdempotencyKey {
		return false
	}
	for i := range len(key) {
		if key[i] < 0x21 || key[i] > 0x7e {
			return false
		}
	}
	return true
}

// answerRecorder keeps a copy of the answer as it is written.
type answerRecorder struct {
	gin.ResponseWriter
	body bytes.Buffer
}

func (r *answerRecorder) Write(b []byte) (int, error) {
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

func (r *answerRecorder) WriteString(s string) (int, error) {
	r.body.WriteString(s)
	return r.ResponseWriter.WriteString(s)
}

// fingerprint identifies the parameters, the token aside: a retry may
// carry a refreshed one.
func (p Params) fingerprint() string {
	names := make([]string, 0, len(p.values))
	for name := range p.values {
		if name != "token" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	h := sha256.New()
	for _, name := range names {
		v := p.values[name]
		h.Write([]byte(name))
		h.Write([]byte{0})
		h.Write([]byte(v.Value))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}
