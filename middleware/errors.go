// Package middleware holds what runs around every handler: request ids,
// the access log, the one error renderer, panic recovery, CORS, request
// parameters and authentication.
package middleware

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"crm/apierr"
	"crm/models/store"
)

// ctxKey keeps our context values out of reach of other packages' keys.
type ctxKey int

const (
	requestIDKey ctxKey = iota
	stateCodeKey
	paramsKey
	viewerKey
	clientGoneKey
	uploadKey
)

func valueOf[T any](c *gin.Context, key ctxKey) (T, bool) {
	v, _ := c.Get(key)
	typed, ok := v.(T)
	return typed, ok
}

// Fail hands err to the error renderer and stops the chain. Handlers and
// middleware never write failure JSON themselves.
func Fail(c *gin.Context, err error) {
	_ = c.Error(err)
	c.Abort()
}

type errorBody struct {
	StateCode int    `json:"stateCode"`
	Message   string `json:"message"`
}

// RenderErrors writes the response for the last error a handler reported:
// an *apierr.Error as it is, an unreachable database as 50002, anything
// else as 50001 with the request id, the cause going to the log only. By
// default the status is 200, since the legacy frontend reads stateCode from
// successful responses; realStatus turns on 4xx/5xx statuses.
func RenderErrors(realStatus bool, log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Next()
		if len(c.Errors) == 0 || c.Writer.Written() {
			return
		}
		err := c.Errors.Last().Err
		if clientGone(c, err) {
			// Nobody is listening for an answer; the access log says so,
			// once, at INFO: an outage's disconnects are not our errors.
			c.Set(clientGoneKey, true)
			return
		}
		var public *apierr.Error
		switch {
		case errors.As(err, &public):
		case store.IsUnavailable(err):
			public = apierr.ErrUnavailable
			log.Warn("database unavailable", "request_id", RequestID(c), "error", err.Error())
		default:
			public = apierr.Internal(RequestID(c))
			log.Error("internal error", "request_id", RequestID(c), "method", c.Request.Method,
				"path", c.Request.URL.Path, "error", err.Error())
		}
		status := http.StatusOK
		if realStatus {
			status = public.HTTPStatus()
		}
		c.Set(stateCodeKey, public.Code)
		c.JSON(status, errorBody{StateCode: public.Code, Message: public.Message})
	}
}

// clientGone reports an error that is only the client having hung up.
func clientGone(c *gin.Context, err error) bool {
	return errors.Is(c.Request.Context().Err(), context.Canceled) &&
		(errors.Is(err, context.Canceled) || store.IsUnavailable(err))
}

// NoRoute answers paths that do not exist.
func NoRoute(c *gin.Context) { Fail(c, apierr.ErrNoSuchRoute) }

// MethodNotAllowed answers a known path with a method it does not take:
// 43001 where only GET is served, 43002 where only POST, 43003 otherwise.
// Gin has already put the path's methods in the Allow header.
func MethodNotAllowed(c *gin.Context) {
	allowed := strings.Split(c.Writer.Header().Get("Allow"), ", ")
	switch {
	case len(allowed) == 1 && allowed[0] == http.MethodGet:
		Fail(c, apierr.ErrNeedGET)
	case len(allowed) == 1 && allowed[0] == http.MethodPost:
		Fail(c, apierr.ErrNeedPOST)
	default:
		Fail(c, apierr.ErrWrongMethod)
	}
}
