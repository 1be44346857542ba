package tests

import (
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"

	"crm/internal/testdb"
	"crm/models/access"
)

// A database that goes silent (packets dropped, no reset: a partition, a
// hung host) must not hold requests for the whole outage: each answers
// 50002 by database.request_timeout, and /readyz turns 503.
func TestSilentDatabaseAnswersWithinTheDeadline(t *testing.T) {
	testdb.SkipUnlessAvailable(t, "mysql")
	t.Parallel()
	e := newEnv(t, "mysql")
	alice := e.newAccount(t, access.RoleConsultant)

	// A second server on the same database, through a proxy that can go silent.
	parsed, err := mysqldriver.ParseDSN(e.cfg.Database.DSN)
	if err != nil {
		t.Fatal(err)
	}
	proxy := startSilencingProxy(t, parsed.Addr)
	parsed.Addr = proxy.addr()
	cfg := e.cfg
	cfg.Database.DSN = parsed.FormatDSN()
	cfg.Database.RequestTimeout = time.Second
	cfg.Auth.CacheTTL = 0 // every request reads its session: the database is needed from the first step
	far := e.serverOn(t, cfg, openDB(t, cfg.Database, slog.New(slog.NewTextHandler(io.Discard, nil))))

	wantJSON(t, far.call(t, "GET", api+"/patient/", query("token", alice.token, "count", "1")), `{"count": 0}`)
	if resp := far.call(t, "GET", "/readyz"); resp.status != 200 {
		t.Fatalf("/readyz before: %d", resp.status)
	}

	proxy.silence()
	for _, request := range []struct {
		method, path string
		opts         []option
	}{
		{"GET", api + "/patient/", []option{query("token", alice.token)}},
		{"GET", api + "/menu/", []option{query("token", alice.token)}},
		{"POST", api + "/patient/", []option{form("token", alice.token, "name", "张三", "add_time", "1700000000", "state", "0")}},
		{"POST", api + "/token/", []option{form("username", alice.username, "password", alice.password)}},
	} {
		began := time.Now()
		resp := far.call(t, request.method, request.path, request.opts...)
		took := time.Since(began)
		wantError(t, resp, 50002, "数据库暂不可用，请稍后重试")
		// The deadline, plus the scheduling of a busy test machine.
		if took > 3*time.Second {
			t.Errorf("%s %s answered after %s, want about the 1s deadline", request.method, request.path, took)
		}
		t.Logf("%s %s: 50002 after %s", request.method, request.path, took.Round(time.Millisecond))
	}
	began := time.Now()
	if resp := far.call(t, "GET", "/readyz"); resp.status != 503 {
		t.Errorf("/readyz while silent: %d, want 503", resp.status)
	}
	t.Logf("/readyz: 503 after %s", time.Since(began).Round(time.Millisecond))

	// Heard again: the pool dials anew and the server answers.
	proxy.restore()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp := far.call(t, "GET", api+"/patient/", query("token", alice.token, "count", "1"))
		if string(resp.body) == `{"count":0}` {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the outage: %s", resp.body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Nothing was registered by the request that timed out before it was written.
	wantJSON(t, e.call(t, "GET", api+"/patient/", query("token", alice.token, "count", "1")), `{"count": 0}`)
}

// silencingProxy forwards TCP connections to a target until silenced;
// then it drops every byte either way, and holds new connections without
// answering, as a network partition does: no reset, no close.
type silencingProxy struct {
	listener net.Listener
	target   string
	silent   atomic.Bool
	mu       sync.Mutex
	conns    []net.Conn
}

func startSilencingProxy(t *testing.T, target string) *silencingProxy {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &silencingProxy{listener: listener, target: target}
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *silencingProxy) addr() string { return p.listener.Addr().String() }
func (p *silencingProxy) silence()     { p.silent.Store(true) }
func (p *silencingProxy) restore()     { p.silent.Store(false) }

func (p *silencingProxy) accept() {
	for {
		client, err := p.listener.Accept()
		if err != nil {
			return
		}
		p.track(client)
		go p.serve(client)
	}
}

func (p *silencingProxy) serve(client net.Conn) {
	for p.silent.Load() { // held, unanswered, until heard again
		time.Sleep(20 * time.Millisecond)
	}
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		_ = client.Close()
		return
	}
	p.track(server)
	go p.pipe(server, client)
	p.pipe(client, server)
}

// pipe copies from src to dst, dropping what it reads while silent.
func (p *silencingProxy) pipe(src, dst net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !p.silent.Load() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			_ = dst.Close()
			return
		}
	}
}

func (p *silencingProxy) track(c net.Conn) {
	p.mu.Lock()
	p.conns = append(p.conns, c)
	p.mu.Unlock()
}

func (p *silencingProxy) close() {
	_ = p.listener.Close()
	p.silent.Store(false)
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		_ = c.Close()
	}
}
