package middleware

import (
	"github.com/gin-gonic/gin"

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
