package tests

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"crm/config"
	"crm/internal/testlog"
	"crm/models/access"
	"crm/routes"
)

func TestWrongMethods(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		token := e.admin(t).token
		for _, c := range []struct{ method, path string }{
			{"GET", api + "/token/"},
			{"PUT", api + "/token"},
			{"PUT", api + "/patient/"},
			{"DELETE", api + "/patient"},
			{"PATCH", api + "/patient/"},
		} {
			wantError(t, e.call(t, c.method, c.path, query("token", token)), 43003, "请求方法错误")
		}
		wantError(t, e.call(t, "POST", "/healthz"), 43001, "需要GET请求")
	})
}

func TestUnknownPath(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		for _, path := range []string{"/nothing", api, api + "/nothing/", "/back_end/api/v2/token/", api + "/token/extra"} {
			wantError(t, e.call(t, "GET", path), 46001, "接口不存在")
		}
	})
}

func TestTrailingSlashAnsweredDirectly(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		token := e.admin(t).token
		for _, path := range []string{api + "/menu", api + "/menu/", api + "/patient", api + "/patient/", "/healthz/", "/readyz"} {
			resp := e.call(t, "GET", path, query("token", token))
			if resp.status != http.StatusOK || strings.Contains(string(resp.body), "stateCode") {
				t.Errorf("%s: %d %s", path, resp.status, resp.body)
			}
		}
	})
}

// A body past net/http's 2 KiB buffer is sent with its length, not
// chunked (one socket write fewer for every page of the list).
func TestBodiesCarryTheirLength(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		token := e.admin(t).token
		for i := range 10 {
			e.createPatient(t, token, "name", fmt.Sprintf("长度%d", i), "add_time", "1", "state", "0", "remarks", strings.Repeat("备注", 50))
		}
		resp := e.call(t, "GET", api+"/patient/", query("token", token))
		if resp.status != http.StatusOK || len(resp.body) <= 2048 {
			t.Fatalf("list: %d, %d bytes: want a body past 2 KiB", resp.status, len(resp.body))
		}
		if got := resp.header.Get("Content-Length"); got != strconv.Itoa(len(resp.body)) {
			t.Errorf("Content-Length %q for %d bytes", got, len(resp.body))
		}
		if got := resp.header.Get("Content-Type"); got != "application/json; charset=utf-8" {
			t.Errorf("Content-Type %q", got)
		}
	})
}

func TestHealth(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		wantJSON(t, e.call(t, "GET", "/healthz"), `{"status": "ok"}`)
		wantJSON(t, e.call(t, "GET", "/readyz"), `{"status": "ok"}`)
	})
}

func TestDatabaseDown(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		token := e.admin(t).token
		sqlDB, err := e.db.DB()
		if err != nil {
			t.Fatal(err)
		}
		_ = sqlDB.Close()
		wantError(t, e.call(t, "GET", api+"/menu/", query("token", token)), 50002, "数据库暂不可用，请稍后重试")
		wantError(t, e.call(t, "POST", api+"/patient/", form("token", token, "name", "x", "add_time", "1", "state", "0")), 50002, "数据库暂不可用，请稍后重试")
		wantError(t, e.call(t, "POST", api+"/token/", form("username", adminUsername, "password", adminPassword)), 50002, "数据库暂不可用，请稍后重试")
		resp := e.call(t, "GET", "/readyz")
		if resp.status != http.StatusServiceUnavailable {
			t.Errorf("readyz: %d", resp.status)
		}
		wantJSON(t, e.call(t, "GET", "/healthz"), `{"status": "ok"}`)
	})
}

// An unexpected failure answers 50001 with a request id and keeps the
// cause (here SQL about a missing table) in the log only.
func TestInternalErrorHidesTheCause(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		token := e.admin(t).token
		if err := e.db.Exec("DROP TABLE role_menus").Error; err != nil {
			t.Fatal(err)
		}
		resp := e.call(t, "GET", api+"/menu/", query("token", token))
		wantCode(t, resp, 50001)
		message := field(t, resp, "message").(string)
		id := resp.header.Get("X-Request-ID")
		if id == "" || message != "服务器内部错误，请求ID: "+id {
			t.Errorf("message %q, request id %q", message, id)
		}
		if strings.Contains(strings.ToLower(string(resp.body)), "role_menus") || strings.Contains(strings.ToLower(string(resp.body)), "select") {
			t.Errorf("the cause leaked: %s", resp.body)
		}
		if !strings.Contains(e.logs.String(), "request_id="+id) || !strings.Contains(e.logs.String(), "role_menus") {
			t.Errorf("the log must carry the cause under the request id")
		}
	})
}

func TestCORS(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		origin := "https://admin.clinic.example"
		resp := e.call(t, "OPTIONS", api+"/patient/", header("Origin", origin),
			header("Access-Control-Request-Method", "PATCH"), header("Access-Control-Request-Headers", "authorization,content-type"))
		if resp.status != http.StatusNoContent || len(resp.body) != 0 {
			t.Fatalf("preflight: %d %s", resp.status, resp.body)
		}
		if got := resp.header.Get("Access-Control-Allow-Origin"); got != origin {
			t.Errorf("Allow-Origin %q", got)
		}
		for _, m := range []string{"GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"} {
			if !strings.Contains(resp.header.Get("Access-Control-Allow-Methods"), m) {
				t.Errorf("Allow-Methods %q lacks %s", resp.header.Get("Access-Control-Allow-Methods"), m)
			}
		}
		// A preflight of the slash-less form is answered directly too.
		if resp := e.call(t, "OPTIONS", api+"/token", header("Origin", origin), header("Access-Control-Request-Method", "POST")); resp.status != http.StatusNoContent {
			t.Errorf("preflight without slash: %d", resp.status)
		}
		// Real requests carry the header, errors included.
		resp = e.call(t, "GET", api+"/menu/", header("Origin", origin))
		wantError(t, resp, 41001, "缺少token参数")
		if resp.header.Get("Access-Control-Allow-Origin") != origin {
			t.Errorf("error responses need CORS headers too")
		}
		// Other origins are refused, in the contract's shape.
		wantError(t, e.call(t, "GET", api+"/menu/", header("Origin", "https://evil.example")), 48001, "不允许的跨域来源")

		// The server's own origin is not cross-origin: as addressed, and
		// behind a trusted proxy that rewrites Host (nginx's default), as
		// its X-Forwarded-Host and -Proto say.
		admin := e.admin(t)
		if me := e.call(t, "GET", api+"/me/", query("token", admin.token), header("Origin", "http://localhost:8080")); field(t, me, "username") != adminUsername {
			t.Errorf("same-origin request refused: %s", me.body)
		}
		proxied := []option{from("10.1.2.3:5000"), header("Origin", "https://crm.clinic.example"),
			header("X-Forwarded-Host", "crm.clinic.example"), header("X-Forwarded-Proto", "https"),
			form("username", adminUsername, "password", adminPassword)}
		if field(t, e.call(t, "POST", api+"/token/", proxied...), "token") == nil {
			t.Error("same-origin login behind the proxy refused")
		}
		// Those headers are believed from the trusted proxies only.
		proxied[0] = from("203.0.113.5:5000")
		wantError(t, e.call(t, "POST", api+"/token/", proxied...), 48001, "不允许的跨域来源")
	}, func(c *config.Config) {
		c.HTTP.CORSOrigins = []string{"https://admin.clinic.example"}
		c.HTTP.TrustedProxies = []string{"10.0.0.0/8"}
	})
}

// Headers past http.max_header_bytes are refused in the contract's shape,
// not with the HTTP server's plain-text 431.
func TestOversizedHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	wantError(t, e.call(t, "GET", api+"/menu/", header("X-Padding", strings.Repeat("x", 65<<10))), 45002, "请求头过大")
	wantError(t, e.call(t, "GET", api+"/menu/", header("X-Padding", strings.Repeat("x", 60<<10))), 41001, "缺少token参数")
}

// A client that hangs up is not an error of ours: one access-log line at
// INFO, no 50001.
func TestClientGoneIsLoggedOnce(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		alice := e.newAccount(t, access.RoleConsultant)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		req := httptest.NewRequestWithContext(ctx, "GET", api+"/patient/?token="+alice.token, nil)
		req.RemoteAddr = "192.0.2.1:40000"
		e.handler.ServeHTTP(httptest.NewRecorder(), req)
		var lines []string
		for _, line := range strings.Split(e.logs.String(), "\n") {
			if strings.Contains(line, "/patient") {
				lines = append(lines, line)
			}
		}
		if len(lines) != 1 || !strings.Contains(lines[0], "level=INFO") || !strings.Contains(lines[0], "client_gone=true") {
			t.Errorf("log of a request whose client hung up:\n%s", strings.Join(lines, "\n"))
		}
		if strings.Contains(e.logs.String(), "internal error") || strings.Contains(e.logs.String(), "level=ERROR") {
			t.Errorf("a hang-up logged as an error:\n%s", e.logs.String())
		}
	})
}

func TestNoCORSByDefault(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		resp := e.call(t, "GET", "/healthz", header("Origin", "https://elsewhere.example"))
		if resp.header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("no origin is allowed unless configured")
		}
	})
}

// Tokens and passwords never reach the log, whichever way they travel.
func TestLogsCarryNoSecrets(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		token := e.login(t, adminUsername, adminPassword)
		e.call(t, "GET", api+"/menu/", query("token", token))
		e.call(t, "GET", api+"/patient/", query("token", token, "q", "x"))
		e.call(t, "GET", api+"/patient/", bearer(token))
		e.call(t, "POST", api+"/token/", query("username", adminUsername, "password", "wrong-secret-password"))
		e.call(t, "POST", api+"/token/", query("username", adminUsername, "Password", adminPassword))
		fresh, _ := field(t, e.call(t, "PATCH", api+"/token/", query("token", token)), "token").(string)
		e.clock.Advance(3 * time.Hour)
		e.call(t, "GET", api+"/menu/", query("access_token", fresh))
		logs := e.logs.String()
		signature := token[strings.LastIndex(token, ".")+1:]
		for _, secret := range []string{token, signature, fresh, adminPassword, "wrong-secret-password"} {
			if strings.Contains(logs, secret) {
				t.Errorf("the log contains a secret %q", secret[:8])
			}
		}
		if !strings.Contains(logs, "token=REDACTED") {
			t.Errorf("the redacted parameter should still be visible as such")
		}
	})
}

// Every route that is not on the public list refuses a request without a
// token: a route registered outside the authenticated group fails here.
func TestEveryNonPublicRouteNeedsAToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	deps, err := routes.NewDeps(context.Background(), e.cfg, e.db, nil, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	engine, err := routes.Engine(deps)
	if err != nil {
		t.Fatal(err)
	}
	public := routes.PublicRoutes()
	seen := 0
	for _, r := range engine.Routes() {
		key := r.Method + " " + r.Path
		if slices.Contains(public, key) {
			continue
		}
		seen++
		path := regexp.MustCompile(`:[a-z_]+`).ReplaceAllString(r.Path, "1")
		wantError(t, e.call(t, r.Method, path), 41001, "缺少token参数")
	}
	if seen == 0 {
		t.Fatal("no protected routes found")
	}
	for _, p := range public {
		found := false
		for _, r := range engine.Routes() {
			found = found || r.Method+" "+r.Path == p
		}
		if !found {
			t.Errorf("public route %s is not registered", p)
		}
	}
}

func TestTokenAlgorithmConfusion(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		good := e.login(t, adminUsername, adminPassword)
		claims := claimsOf(t, good)
		// An attacker who learned nothing can at best try "none".
		unsigned := craft(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims)
		wantError(t, e.call(t, "GET", api+"/menu/", bearer(unsigned)), 40014, "无效的token")
	})
}

// A MySQL server that refuses connections: 50002 everywhere, 503 on
// /readyz. Needs no running database.
func TestDatabaseUnreachable(t *testing.T) {
	t.Parallel()
	cfg := testConfig("mysql")
	withSecret(&cfg) // nothing to read from the database at start-up
	db, err := gorm.Open(mysql.New(mysql.Config{DSN: "root@tcp(127.0.0.1:1)/crm?timeout=1s", SkipInitializeWithVersion: true}),
		&gorm.Config{DisableAutomaticPing: true, Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	logs := &testlog.Buffer{}
	deps, err := routes.NewDeps(context.Background(), cfg, db, slog.New(slog.NewTextHandler(logs, nil)), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	handler, err := routes.New(deps)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, cfg: cfg, db: db, handler: handler, clock: &fakeClock{now: time.Now()}, logs: logs}
	wantError(t, e.call(t, "POST", api+"/token/", form("username", adminUsername, "password", adminPassword)), 50002, "数据库暂不可用，请稍后重试")
	if resp := e.call(t, "GET", "/readyz"); resp.status != http.StatusServiceUnavailable {
		t.Errorf("readyz: %d", resp.status)
	}
}
