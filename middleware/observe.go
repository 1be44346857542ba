package middleware

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"crm/models/access"
)

const requestIDHeader = "X-Request-ID"

// AssignRequestID gives every request an id, returned in X-Request-ID and quoted
// in 50001 messages, so a user's report leads to the log line. Incoming ids
// are not trusted: they would let a client forge log correlations.
func AssignRequestID(c *gin.Context) {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	id := hex.EncodeToString(b)
	c.Set(requestIDKey, id)
	c.Header(requestIDHeader, id)
	c.Next()
}

func RequestID(c *gin.Context) string {
	id, _ := valueOf[string](c, requestIDKey)
	return id
}

// AccessLog replaces Gin's logger, which writes the raw query string and
// with it the token the frontend sends there. Sensitive parameters are
// redacted; headers are not logged at all.
func AccessLog(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		attrs := []slog.Attr{
			slog.String("request_id", RequestID(c)),
			slog.String("method", c.Request.Method),
			slog.String("path", c.Request.URL.Path),
			slog.String("query", redactQuery(c.Request.URL.RawQuery)),
			slog.Int("status", c.Writer.Status()),
			slog.Duration("duration", time.Since(start)),
			slog.String("client", c.ClientIP()),
			slog.Int("bytes", c.Writer.Size()),
		}
		level := slog.LevelInfo
		if _, gone := valueOf[bool](c, clientGoneKey); gone {
			attrs = append(attrs, slog.Bool("client_gone", true))
		} else if code, ok := valueOf[int](c, stateCodeKey); ok {
			attrs = append(attrs, slog.Int("state_code", code))
			if code >= 50000 {
				level = slog.LevelError
			}
		}
		if v, ok := valueOf[access.Viewer](c, viewerKey); ok {
			attrs = append(attrs, slog.Uint64("user_id", v.UserID))
		}
		log.LogAttrs(c.Request.Context(), level, "request", attrs...)
	}
}

// redactQuery masks every parameter whose name mentions a token, password
// or secret; an unparseable query is not logged at all.
func redactQuery(raw string) string {
	if raw == "" {
		return ""
	}
	values, err := url.ParseQuery(raw)
	if err != nil {
		return "(unparseable)"
	}
	for key := range values {
		lower := strings.ToLower(key)
		if strings.Contains(lower, "token") || strings.Contains(lower, "password") || strings.Contains(lower, "secret") {
			values[key] = []string{"REDACTED"}
		}
	}
	return values.Encode()
}

// errPanic is what the renderer receives after a panic: an internal error
// whose details are only in the log.
var errPanic = fmt.Errorf("handler panicked")

// Recover replaces Gin's recovery, which answers a bare 500: the client
// gets 50001 with the request id, the log gets the stack.
func Recover(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			recovered := recover()
			if recovered == nil {
				return
			}
			if recovered == http.ErrAbortHandler { //nolint:errorlint // sentinel compared as net/http does
				panic(recovered)
			}
			log.Error("panic", "request_id", RequestID(c), "method", c.Request.Method,
				"path", c.Request.URL.Path, "panic", fmt.Sprint(recovered), "stack", string(debug.Stack()))
			Fail(c, errPanic)
		}()
		c.Next()
	}
}
