// Package apierr holds the one error type the API answers with: a stateCode and
// a message, as the legacy frontend reads them from the body of an HTTP 200.
package apierr

import (
	"fmt"
	"net/http"
)

// Error is a failure the client may see. Anything that is not an *Error is
// internal and reaches the client only as 50001 with a request id.
type Error struct {
	Code    int
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s", e.Code, e.Message) }

// The codes of CONTRACT.md. They are part of the frontend contract: never renumber.
const (
	CodeInvalidParam    = 40035
	CodeLoginMissing    = 40036
	CodeInvalidToken    = 40014
	CodeNoToken         = 41001
	CodeTokenExpired    = 42001
	CodeNeedGET         = 43001
	CodeNeedPOST        = 43002
	CodeWrongMethod     = 43003
	CodeMissingParam    = 44001
	CodeBodyTooLarge    = 45002
	CodeTooManyRequests = 45011
	CodeNotFound        = 46001
	CodeConflict        = 46002
	CodeNoSuchUser      = 46004
	CodeWrongPassword   = 46005
	CodeAccountDisabled = 46006
	CodeForbidden       = 48001
	CodeInternal        = 50001
	CodeUnavailable     = 50002
)

var (
	ErrLoginMissing    = &Error{CodeLoginMissing, "用户名或密码缺失"}
	ErrLoginInvalid    = &Error{CodeInvalidParam, "用户名或密码不合法"}
	ErrNoSuchUser      = &Error{CodeNoSuchUser, "用户名错误或无此用户"}
	ErrWrongPassword   = &Error{CodeWrongPassword, "密码错误"}
	ErrAccountDisabled = &Error{CodeAccountDisabled, "账号已停用"}
	ErrNoToken         = &Error{CodeNoToken, "缺少token参数"}
	ErrInvalidToken    = &Error{CodeInvalidToken, "无效的token"}
	ErrTokenExpired    = &Error{CodeTokenExpired, "token超时"}
	ErrForbidden       = &Error{CodeForbidden, "用户没有权限"}
	ErrNotFound        = &Error{CodeNotFound, "记录不存在"}
	ErrNoSuchRoute     = &Error{CodeNotFound, "接口不存在"}
	ErrConflict        = &Error{CodeConflict, "记录已存在"}
	ErrTooManyRequests = &Error{CodeTooManyRequests, "请求过于频繁，请稍后再试"}
	ErrBusy            = &Error{CodeTooManyRequests, "服务器繁忙，请稍后再试"}
	ErrBodyTooLarge    = &Error{CodeBodyTooLarge, "请求体过大"}
	ErrHeadersTooLarge = &Error{CodeBodyTooLarge, "请求头过大"}
	ErrOriginRefused   = &Error{CodeForbidden, "不允许的跨域来源"}
	ErrMalformedBody   = &Error{CodeInvalidParam, "参数不合法: 请求体格式错误"}
	ErrMalformedQuery  = &Error{CodeInvalidParam, "参数不合法: 查询字符串格式错误"}
	ErrNeedGET         = &Error{CodeNeedGET, "需要GET请求"}
	ErrNeedPOST        = &Error{CodeNeedPOST, "需要POST请求"}
	ErrWrongMethod     = &Error{CodeWrongMethod, "请求方法错误"}
	ErrUnavailable     = &Error{CodeUnavailable, "数据库暂不可用，请稍后重试"}
)

// Missing names a required parameter that was absent or empty (44001).
func Missing(field string) *Error {
	return &Error{CodeMissingParam, "缺少参数: " + field}
}

// Invalid names a parameter whose value breaks its rule (40035).
func Invalid(field string) *Error {
	return &Error{CodeInvalidParam, "参数不合法: " + field}
}

// Conflict explains which uniqueness rule a write ran into (46002).
func Conflict(message string) *Error {
	return &Error{CodeConflict, message}
}

// Internal hides the cause; the request id lets an operator find it in the log.
func Internal(requestID string) *Error {
	return &Error{CodeInternal, "服务器内部错误，请求ID: " + requestID}
}

// HTTPStatus is the status used when the operator turns on real HTTP statuses;
// by default every error travels as HTTP 200 for the legacy frontend.
func (e *Error) HTTPStatus() int {
	switch e.Code {
	case CodeNoToken, CodeInvalidToken, CodeTokenExpired:
		return http.StatusUnauthorized
	case CodeForbidden, CodeAccountDisabled:
		return http.StatusForbidden
	case CodeNotFound:
		return http.StatusNotFound
	case CodeConflict:
		return http.StatusConflict
	case CodeNeedGET, CodeNeedPOST, CodeWrongMethod:
		return http.StatusMethodNotAllowed
	case CodeBodyTooLarge:
		return http.StatusRequestEntityTooLarge
	case CodeTooManyRequests:
		return http.StatusTooManyRequests
	case CodeInternal:
		return http.StatusInternalServerError
	case CodeUnavailable:
		return http.StatusServiceUnavailable
	case CodeNoSuchUser, CodeWrongPassword:
		return http.StatusUnauthorized
	default:
		return http.StatusBadRequest
	}
}
