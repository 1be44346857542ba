package middleware

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// engine wires the middleware as routes.Engine does, around test routes.
func engine(logs *bytes.Buffer, register func(*gin.Engine)) *gin.Engine {
	gin.SetMode(gin.TestMode)
	log := slog.New(slog.NewTextHandler(logs, nil))
	e := gin.New()
	e.HandleMethodNotAllowed = true
	e.Use(AssignRequestID, AccessLog(log), RenderErrors(false, log), Recover(log))
	e.NoRoute(NoRoute)
	e.NoMethod(MethodNotAllowed)
	register(e)
	return e
}

func serve(e *gin.Engine, method, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec
}

func TestMethodCodes(t *testing.T) {
	ok := func(c *gin.Context) { c.JSON(200, gin.H{}) }
	e := engine(&bytes.Buffer{}, func(e *gin.Engine) {
		e.GET("/get-only", ok)
		e.POST("/post-only", ok)
		e.GET("/both", ok)
		e.POST("/both", ok)
	})
	for _, c := range []struct{ method, path, want string }{
		{"POST", "/get-only", `{"stateCode":43001,"message":"需要GET请求"}`},
		{"DELETE", "/post-only", `{"stateCode":43002,"message":"需要POST请求"}`},
		{"GET", "/post-only", `{"stateCode":43002,"message":"需要POST请求"}`},
		{"PUT", "/both", `{"stateCode":43003,"message":"请求方法错误"}`},
		{"GET", "/nowhere", `{"stateCode":46001,"message":"接口不存在"}`},
	} {
		rec := serve(e, c.method, c.path)
		if rec.Code != 200 || rec.Body.String() != c.want {
			t.Errorf("%s %s: %d %s, want %s", c.method, c.path, rec.Code, rec.Body, c.want)
		}
	}
}

func TestPanicAnswers50001(t *testing.T) {
	var logs bytes.Buffer
	e := engine(&logs, func(e *gin.Engine) {
		e.GET("/boom", func(*gin.Context) { panic("secret detail: SELECT * FROM users") })
	})
	rec := serve(e, "GET", "/boom")
	id := rec.Header().Get("X-Request-ID")
	want := `{"stateCode":50001,"message":"服务器内部错误，请求ID: ` + id + `"}`
	if rec.Code != 200 || id == "" || rec.Body.String() != want {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if !strings.Contains(logs.String(), "secret detail") || !strings.Contains(logs.String(), "request_id="+id) || !strings.Contains(logs.String(), "stack=") {
		t.Errorf("the log must carry the panic, its stack and the request id:\n%s", logs.String())
	}
}

func TestAbortHandlerPanicPropagates(t *testing.T) {
	e := engine(&bytes.Buffer{}, func(e *gin.Engine) {
		e.GET("/abort", func(*gin.Context) { panic(http.ErrAbortHandler) })
	})
	defer func() {
		if recover() != http.ErrAbortHandler {
			t.Error("http.ErrAbortHandler must reach net/http, which aborts the connection quietly")
		}
	}()
	serve(e, "GET", "/abort")
}

func TestRedactQuery(t *testing.T) {
	for raw, want := range map[string]string{
		"token=abc&page=2":               "page=2&token=REDACTED",
		"access_token=x&Password=y&q=z":  "Password=REDACTED&access_token=REDACTED&q=z",
		"new_password=1&client_secret=2": "client_secret=REDACTED&new_password=REDACTED",
		"bad=%zz&token=abc":              "(unparseable)",
		"":                               "",
	} {
		if got := redactQuery(raw); got != want {
			t.Errorf("redactQuery(%q) = %q, want %q", raw, got, want)
		}
	}
}
