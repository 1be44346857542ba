package middleware

import (
	"context"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/sync/semaphore"

	"crm/apierr"
)

// HeaderSlack is how far past http.max_header_bytes the HTTP server still
// reads a request, so that LimitHeaders can refuse it in the contract's
// shape; beyond it Go's own bare 431 remains.
const HeaderSlack = 1 << 20

// LimitHeaders refuses a request whose request line and headers exceed
// max bytes, with 45002 rather than the HTTP server's plain-text 431.
func LimitHeaders(max int) gin.HandlerFunc {
	return func(c *gin.Context) {
		size := len(c.Request.Method) + len(c.Request.RequestURI) + len(c.Request.Proto) + 4
		for name, values := range c.Request.Header {
			for _, v := range values {
				size += len(name) + len(v) + 4 // ": " and CRLF
			}
		}
		if size > max {
			Fail(c, apierr.ErrHeadersTooLarge)
			return
		}
		c.Next()
	}
}

// Gate bounds what the requests in flight hold at once: bytes of body in
// memory, or lead files being imported. A request that would take it past
// its size waits up to wait for others to finish, then is answered 45011
// ("busy"); the server never holds more than the size, whatever arrives.
type Gate struct {
	slots *semaphore.Weighted
	size  int64
	wait  time.Duration
}

// NewGate makes a gate of size units (size 0: no gate, everything passes).
func NewGate(size int64, wait time.Duration) *Gate {
	if size <= 0 {
		return nil
	}
	return &Gate{slots: semaphore.NewWeighted(size), size: size, wait: wait}
}

// Acquire takes n units (at most the gate's size), waiting within ctx and
// the gate's wait; release gives them back.
func (g *Gate) Acquire(ctx context.Context, n int64) (release func(), err error) {
	if g == nil {
		return func() {}, nil
	}
	n = min(n, g.size)
	if !g.slots.TryAcquire(n) {
		ctx, cancel := context.WithTimeout(ctx, g.wait)
		defer cancel()
		if g.slots.Acquire(ctx, n) != nil {
			return nil, apierr.ErrBusy
		}
	}
	return func() { g.slots.Release(n) }, nil
}

// Gated lets a request through while it holds one unit of the gate.
func Gated(g *Gate) gin.HandlerFunc {
	return func(c *gin.Context) {
		release, err := g.Acquire(c.Request.Context(), 1)
		if err != nil {
			Fail(c, err)
			return
		}
		defer release()
		c.Next()
	}
}
