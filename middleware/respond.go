package middleware

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
)

// Respond writes a success body: the handlers' answers and the replayed
// answers of retried requests alike. Encoded whole before it is sent, its
// length is known, so a body past net/http's 2 KiB buffer goes out
// unchunked, in one write fewer: a page of the patient list spent a
// seventh of its CPU in those writes.
func Respond(c *gin.Context, body any) {
	encoded, err := json.Marshal(body)
	if err != nil {
		Fail(c, err)
		return
	}
	c.Header("Content-Length", strconv.Itoa(len(encoded)))
	c.Data(http.StatusOK, "application/json; charset=utf-8", encoded)
}
