package middleware

import (
	"context"
	"time"

	"github.com/gin-gonic/gin"
)

// Deadline bounds a request's database work: every model call takes the
// request's context, so a query still waiting at the deadline is cancelled
// (the MySQL driver closes its connection) and the request answers 50002,
// instead of hanging for as long as a silent database stays silent.
func Deadline(limit time.Duration) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), limit)
		defer cancel()
		original := c.Request
		c.Request = c.Request.WithContext(ctx)
		c.Next()
		// Handed back as it came: the renderer tells a client that hung up
		// by the request's own context, which this cancel must not touch.
		c.Request = original
	}
}
