// Package tests drives the real router over HTTP against a real, fresh
// database per test: SQLite always, MariaDB too when CRM_TEST_MYSQL_DSN is
// set. Every response is validated against docs/openapi.yaml.
package tests

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"crm/config"
	"crm/internal/testdb"
	"crm/internal/testlog"
	"crm/internal/testskip"
	"crm/models/access"
	"crm/models/migrations"
	"crm/models/staff"
	"crm/models/store"
	"crm/routes"
)

const (
	adminUsername = "admin"
	adminPassword = "admin-password-1"
	api           = routes.APIPrefix
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	testskip.Main(m, "crm/tests")
}

// eachDB runs test once per database backend, each with a fresh database.
func eachDB(t *testing.T, test func(t *testing.T, e *env), opts ...func(*config.Config)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		test(t, newEnv(t, "sqlite", opts...))
	})
	t.Run("mariadb", func(t *testing.T) {
		testdb.SkipUnlessAvailable(t, "mysql")
		t.Parallel()
		test(t, newEnv(t, "mysql", opts...))
	})
}

// env is one server on one fresh database.
type env struct {
	t       testing.TB
	cfg     config.Config
	db      *gorm.DB
	handler http.Handler
	clock   *fakeClock
	logs    *testlog.Buffer
	deps    routes.Deps
}

func testConfig(driver string) config.Config {
	cfg := config.Default()
	cfg.Database.Driver = driver
	cfg.Database.ConnectTimeout = 5 * time.Second
	cfg.Auth.BcryptCost = bcrypt.MinCost // speed; timing equality is tested with the real cost
	cfg.Admin.Username = adminUsername
	cfg.Admin.Password = adminPassword
	return cfg
}

func newEnv(t testing.TB, driver string, opts ...func(*config.Config)) *env {
	t.Helper()
	cfg := testConfig(driver)
	for _, opt := range opts {
		opt(&cfg)
	}
	logs := &testlog.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	db := openTestDB(t, &cfg, log)
	ctx := context.Background()
	seed := migrations.Seed{AdminUsername: cfg.Admin.Username, AdminPassword: cfg.Admin.Password, BcryptCost: cfg.Auth.BcryptCost}
	if err := migrations.Run(ctx, db, seed); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	clock := &fakeClock{now: time.Now().UTC().Truncate(time.Second)}
	deps, err := routes.NewDeps(ctx, cfg, db, log, clock.Now)
	if err != nil {
		t.Fatalf("deps: %v", err)
	}
	if deps.Redis != nil {
		t.Cleanup(func() { _ = deps.Redis.Close() })
	}
	handler, err := routes.New(deps)
	if err != nil {
		t.Fatalf("routes: %v", err)
	}
	e := &env{t: t, cfg: cfg, db: db, handler: handler, clock: clock, logs: logs, deps: deps}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	return e
}

// openTestDB opens a fresh database for cfg's driver and sets cfg's DSN.
func openTestDB(t testing.TB, cfg *config.Config, log *slog.Logger) *gorm.DB {
	t.Helper()
	cfg.Database.DSN = testdb.DSN(t, cfg.Database.Driver)
	return openDB(t, cfg.Database, log)
}

// openDB opens the database cfg names, closed when the test ends.
func openDB(t testing.TB, cfg config.Database, log *slog.Logger) *gorm.DB {
	t.Helper()
	db, err := store.Open(context.Background(), cfg, log)
	if err != nil {
		t.Fatalf("open %s: %v", cfg.Driver, err)
	}
	t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			_ = sqlDB.Close()
		}
	})
	return db
}

// serverOn is another server on db with cfg, built from scratch as main
// builds one (its own caches, throttle and Redis client), on e's clock.
func (e *env) serverOn(t testing.TB, cfg config.Config, db *gorm.DB) *env {
	t.Helper()
	deps, err := routes.NewDeps(context.Background(), cfg, db, slog.New(slog.NewTextHandler(io.Discard, nil)), e.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	if deps.Redis != nil {
		t.Cleanup(func() { _ = deps.Redis.Close() })
	}
	handler, err := routes.New(deps)
	if err != nil {
		t.Fatal(err)
	}
	other := *e
	other.handler, other.cfg, other.db, other.deps = handler, cfg, db, deps
	return &other
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// --- requests ---

// request describes one call; options fill it in.
type request struct {
	method      string
	path        string
	query       url.Values
	header      http.Header
	body        io.Reader
	contentType string
	remoteAddr  string
}

type option func(*request)

func query(kv ...string) option {
	return func(r *request) {
		for i := 0; i+1 < len(kv); i += 2 {
			r.query.Add(kv[i], kv[i+1])
		}
	}
}

// form sends a form-encoded body, as the frontend does.
func form(kv ...string) option {
	return func(r *request) {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		r.body = strings.NewReader(v.Encode())
		r.contentType = "application/x-www-form-urlencoded"
	}
}

func jsonBody(v any) option {
	return func(r *request) {
		b, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		r.body = bytes.NewReader(b)
		r.contentType = "application/json"
	}
}

func rawBody(contentType, body string) option {
	return func(r *request) {
		r.body = strings.NewReader(body)
		r.contentType = contentType
	}
}

func multipartBody(kv ...string) option {
	return func(r *request) {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		for i := 0; i+1 < len(kv); i += 2 {
			_ = w.WriteField(kv[i], kv[i+1])
		}
		_ = w.Close()
		r.body = &buf
		r.contentType = w.FormDataContentType()
	}
}

func bearer(token string) option {
	return func(r *request) { r.header.Set("Authorization", "Bearer "+token) }
}

func header(name, value string) option {
	return func(r *request) { r.header.Set(name, value) }
}

func from(addr string) option {
	return func(r *request) { r.remoteAddr = addr }
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (e *env) call(t testing.TB, method, path string, opts ...option) response {
	t.Helper()
	r := request{method: method, path: path, query: url.Values{}, header: http.Header{}, remoteAddr: "192.0.2.1:40000"}
	for _, opt := range opts {
		opt(&r)
	}
	target := "http://localhost:8080" + r.path
	if len(r.query) > 0 {
		target += "?" + r.query.Encode()
	}
	req := httptest.NewRequest(r.method, target, r.body)
	req.Header = r.header
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	req.RemoteAddr = r.remoteAddr
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	resp := response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	validateAgainstSpec(t, req, resp)
	return resp
}

// --- assertions ---

// decodeJSON keeps numbers as json.Number, so "1" and 1 stay different.
func decodeJSON(t testing.TB, body []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, body)
	}
	return v
}

// wantJSON compares the body with want exactly: the same keys, the same
// values, strings and numbers not interchangeable.
func wantJSON(t *testing.T, resp response, want string) {
	t.Helper()
	if resp.status != http.StatusOK {
		t.Errorf("status %d, want 200", resp.status)
	}
	if ct := resp.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if diff := cmp.Diff(decodeJSON(t, []byte(want)), decodeJSON(t, resp.body)); diff != "" {
		t.Errorf("body mismatch (-want +got):\n%s", diff)
	}
}

// wantError checks an error body: HTTP 200, the code and the exact message.
func wantError(t *testing.T, resp response, code int, message string) {
	t.Helper()
	wantJSON(t, resp, fmt.Sprintf(`{"stateCode": %d, "message": %q}`, code, message))
}

// wantCode checks only the code, for messages that carry a request id.
func wantCode(t *testing.T, resp response, code int) {
	t.Helper()
	body, ok := decodeJSON(t, resp.body).(map[string]any)
	if !ok || body["stateCode"] != json.Number(fmt.Sprint(code)) {
		t.Fatalf("want stateCode %d, got %s", code, resp.body)
	}
}

// field returns body[key] of a JSON object.
func field(t testing.TB, resp response, key string) any {
	t.Helper()
	body, ok := decodeJSON(t, resp.body).(map[string]any)
	if !ok {
		t.Fatalf("not an object: %s", resp.body)
	}
	v, ok := body[key]
	if !ok {
		t.Fatalf("no %q in %s", key, resp.body)
	}
	return v
}

// --- accounts ---

type account struct {
	id       uint64
	username string
	password string
	token    string
}

// login logs in through the API and fails the test on any error.
func (e *env) login(t testing.TB, username, password string) string {
	t.Helper()
	resp := e.call(t, "POST", api+"/token/", form("username", username, "password", password))
	token, ok := field(t, resp, "token").(string)
	if !ok || token == "" {
		t.Fatalf("login %s: %s", username, resp.body)
	}
	return token
}

func (e *env) admin(t testing.TB) account {
	t.Helper()
	return account{id: 1, username: adminUsername, password: adminPassword, token: e.login(t, adminUsername, adminPassword)}
}

// newAccount creates a user with the role and logs it in.
func (e *env) newAccount(t testing.TB, role string) account {
	t.Helper()
	username := role + "_" + randomHex(3)
	password := "password-" + randomHex(4)
	hash, err := bcrypt.GenerateFromPassword([]byte(password), e.cfg.Auth.BcryptCost)
	if err != nil {
		t.Fatal(err)
	}
	u, err := staff.CreateUser(context.Background(), e.db, staff.NewUser{
		Username: username, DisplayName: username, PasswordHash: string(hash), RoleKey: role,
	})
	if err != nil {
		t.Fatalf("create %s: %v", role, err)
	}
	return account{id: u.ID, username: username, password: password, token: e.login(t, username, password)}
}

// customRole adds a role holding exactly perms, for permission tests.
func (e *env) customRole(t testing.TB, key string, perms ...access.Permission) {
	t.Helper()
	role := staff.Role{Key: key, Name: key, Permissions: access.NewPermissionSet(perms...)}
	if err := e.db.Create(&role).Error; err != nil {
		t.Fatal(err)
	}
}

func mustHash(t testing.TB, password string, cost int) string {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		t.Fatal(err)
	}
	return string(hash)
}
