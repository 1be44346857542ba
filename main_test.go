package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"crm/internal/testdb"
	"crm/internal/testlog"
)

type cliResult struct {
	code           int
	stdout, stderr string
}

func cli(ctx context.Context, stdin string, args ...string) cliResult {
	var stdout, stderr testlog.Buffer
	code := run(ctx, args, strings.NewReader(stdin), &stdout, &stderr)
	return cliResult{code, stdout.String(), stderr.String()}
}

// eachBackend points the CLI's configuration (through the environment, as
// operators do) at a fresh database per backend.
func eachBackend(t *testing.T, test func(t *testing.T)) {
	for name, driver := range map[string]string{"sqlite": "sqlite", "mariadb": "mysql"} {
		t.Run(name, func(t *testing.T) {
			testdb.SkipUnlessAvailable(t, driver)
			t.Setenv("CRM_DATABASE_DRIVER", driver)
			t.Setenv("CRM_DATABASE_DSN", testdb.DSN(t, driver))
			t.Setenv("CRM_AUTH_BCRYPT_COST", "4")
			t.Setenv("CRM_ADMIN_PASSWORD", "")
			t.Setenv("CRM_HTTP_ADDR", "127.0.0.1:0")
			test(t)
		})
	}
}

var bannerPassword = regexp.MustCompile(`password: (\S+)`)

func TestCLIMigrateAndUserAdd(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		ctx := context.Background()
		first := cli(ctx, "", "migrate")
		if first.code != exitOK || first.stdout != "database is up to date\n" {
			t.Fatalf("migrate: %+v", first)
		}
		if m := bannerPassword.FindStringSubmatch(first.stderr); m == nil || len(m[1]) < 20 {
			t.Fatalf("the generated admin password must be printed: %s", first.stderr)
		}
		second := cli(ctx, "", "migrate")
		if second.code != exitOK || strings.Contains(second.stderr, "password:") {
			t.Fatalf("second migrate must not print a password: %+v", second)
		}

		added := cli(ctx, "", "user", "add", "--username", "alice", "--password", "alice-password", "--role", "consultant")
		if added.code != exitOK || added.stdout != "created user alice (id 2, role consultant)\n" {
			t.Fatalf("user add: %+v", added)
		}
		fromStdin := cli(ctx, "bob-password\n", "user", "add", "--username", "bob", "--password-stdin", "--role", "manager", "--name", "鲍勃")
		if fromStdin.code != exitOK || fromStdin.stdout != "created user bob (id 3, role manager)\n" {
			t.Fatalf("user add --password-stdin: %+v", fromStdin)
		}
		taken := cli(ctx, "", "user", "add", "--username", "alice", "--password", "another-password", "--role", "manager")
		if taken.code != exitFailure || taken.stderr != "crm user: username \"alice\" is already taken\n" {
			t.Fatalf("duplicate: %+v", taken)
		}
		for _, args := range [][]string{
			{"user"},
			{"user", "remove", "--username", "alice"},
			{"user", "add", "--username", "carol", "--password", "carol-password"},
			{"user", "add", "--username", "carol", "--password", "carol-password", "--role", "king"},
			{"user", "add", "--username", "carol", "--password", "short", "--role", "consultant"},
			{"user", "add", "--username", "carol", "--password", strings.Repeat("p", 73), "--role", "consultant"},
			{"user", "add", "--username", "c", "--password", "carol-password", "--role", "consultant"},
			{"user", "add", "--username", "carol", "--password", "carol-password", "--role", "consultant", "extra"},
			{"user", "add", "--user", "carol"},
			{"frobnicate"},
			{"--no-such-flag"},
		} {
			res := cli(ctx, "", args...)
			if res.code != exitUsage || !strings.HasPrefix(res.stderr, "crm: ") || !strings.Contains(res.stderr, "Usage: crm") {
				t.Errorf("%v: want exit 2 with a message and the usage, got %+v", args, res)
			}
		}
		if res := cli(ctx, "", "help"); res.code != exitOK || !strings.Contains(res.stdout, "user add") {
			t.Errorf("help: %+v", res)
		}
	})
}

func TestCLIConfigurationErrors(t *testing.T) {
	t.Setenv("CRM_AUTH_JWT_SECRET", "short")
	res := cli(context.Background(), "", "migrate")
	if res.code != exitUsage || !strings.Contains(res.stderr, "auth.jwt_secret is 5 bytes; it must be at least 32") {
		t.Errorf("%+v", res)
	}
	t.Setenv("CRM_AUTH_JWT_SECRET", "")
	res = cli(context.Background(), "", "--config", "/nonexistent/config.yaml", "migrate")
	if res.code != exitUsage || !strings.Contains(res.stderr, "/nonexistent/config.yaml") {
		t.Errorf("%+v", res)
	}
	// A bad admin password is a configuration error, found before any
	// database is touched.
	t.Setenv("CRM_ADMIN_PASSWORD", "abc")
	res = cli(context.Background(), "", "migrate")
	if res.code != exitUsage || !strings.Contains(res.stderr, "admin.password (CRM_ADMIN_PASSWORD) must be 8-72 bytes, got 3") {
		t.Errorf("%+v", res)
	}
}

// Commands that only read never create a database (nor a superadmin in
// it) where there is none.
func TestCLIReadOnlyCommandsCreateNothing(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("CRM_DATABASE_DRIVER", "sqlite")
	t.Setenv("CRM_DATABASE_DSN", dir+"/data/crm.db")
	res := cli(context.Background(), "", "user", "list")
	if res.code != exitFailure || !strings.Contains(res.stderr, "no database at "+dir+"/data/crm.db") || strings.Contains(res.stderr, "password") {
		t.Errorf("%+v", res)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("user list created %v", entries)
	}
}

// The old database's DSN can come from the environment, out of sight of ps.
func TestCLIImportLegacyDSNFromEnvironment(t *testing.T) {
	t.Setenv("CRM_DATABASE_DRIVER", "sqlite")
	t.Setenv("CRM_DATABASE_DSN", t.TempDir()+"/crm.db")
	t.Setenv("CRM_ADMIN_PASSWORD", "admin-password-1")
	t.Setenv("CRM_LEGACY_DSN", "")
	if res := cli(context.Background(), "", "import-legacy"); res.code != exitUsage || !strings.Contains(res.stderr, "--from or CRM_LEGACY_DSN is required") {
		t.Errorf("%+v", res)
	}
	t.Setenv("CRM_LEGACY_DSN", "root@tcp(127.0.0.1:1)/crm")
	if res := cli(context.Background(), "", "import-legacy"); res.code != exitFailure || !strings.Contains(res.stderr, "the old database") {
		t.Errorf("%+v", res)
	}
}

// The server and the CLI share the database: an account added while the
// server runs can log in at once (SQLite included: WAL and busy timeout).
// Stopping the server lets a request that is still arriving finish.
func TestCLIUserAddWhileServing(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		ctx, stop := context.WithCancel(context.Background())
		defer stop()
		var stderr testlog.Buffer
		exited := make(chan int, 1)
		go func() { exited <- run(ctx, []string{"serve"}, strings.NewReader(""), io.Discard, &stderr) }()
		base := waitForListener(t, &stderr)

		added := cli(context.Background(), "", "user", "add", "--username", "carol", "--password", "carol-password", "--role", "consultant")
		if added.code != exitOK {
			t.Fatalf("user add while serving: %+v", added)
		}
		t.Setenv("CRM_HTTP_ADDR", strings.TrimPrefix(base, "http://"))
		if res := cli(context.Background(), "", "healthcheck"); res.code != exitOK {
			t.Errorf("healthcheck of a running server: %+v", res)
		}
		for user, password := range map[string]string{"carol": "carol-password", "admin": bannerPassword.FindStringSubmatch(stderr.String())[1]} {
			resp, err := http.PostForm(base+"/back_end/api/v1/token/", url.Values{"username": {user}, "password": {password}})
			if err != nil {
				t.Fatal(err)
			}
			var body map[string]any
			_ = json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
			if _, ok := body["token"]; !ok {
				t.Fatalf("login %s: %v", user, body)
			}
		}

		// A request whose body is still arriving when SIGTERM comes.
		bodyReader, bodyWriter := io.Pipe()
		answered := make(chan string, 1)
		go func() {
			req, _ := http.NewRequest("POST", base+"/back_end/api/v1/token/", bodyReader)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				answered <- err.Error()
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			answered <- string(b)
		}()
		fmt.Fprint(bodyWriter, "username=carol&")
		time.Sleep(100 * time.Millisecond)
		stop()
		time.Sleep(100 * time.Millisecond)
		fmt.Fprint(bodyWriter, "password=wrong-password")
		bodyWriter.Close()
		if got := <-answered; got != `{"stateCode":46005,"message":"密码错误"}` {
			t.Errorf("the in-flight request must complete: %s", got)
		}
		if code := <-exited; code != exitOK {
			t.Errorf("serve exited %d:\n%s", code, stderr.String())
		}
		if !strings.Contains(stderr.String(), "msg=stopped") {
			t.Errorf("no clean stop logged:\n%s", stderr.String())
		}
		if res := cli(context.Background(), "", "healthcheck"); res.code != exitFailure {
			t.Errorf("healthcheck of a stopped server: %+v", res)
		}
	})
}

var listening = regexp.MustCompile(`msg=listening addr=(\S+)`)

func waitForListener(t *testing.T, stderr *testlog.Buffer) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := listening.FindStringSubmatch(stderr.String()); m != nil {
			return "http://" + m[1]
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the server did not start:\n%s", stderr.String())
	return ""
}

func TestCLIImportLegacy(t *testing.T) {
	script, err := os.ReadFile("testdata/legacy/crm.sql")
	if err != nil {
		t.Fatal(err)
	}
	source := testdb.MySQLWithScript(t, string(script))
	eachBackend(t, func(t *testing.T) {
		t.Setenv("CRM_ADMIN_PASSWORD", "admin-password-1")
		ctx := context.Background()
		dry := cli(ctx, "", "import-legacy", "--from", source, "--dry-run")
		if dry.code != exitOK || !strings.HasPrefix(dry.stdout, "DRY RUN") || !strings.Contains(dry.stdout, "patient                                    1002     1002") {
			t.Fatalf("dry run: %+v", dry)
		}
		if res := cli(ctx, "", "user", "list", "--legacy-hash"); res.code != exitOK || strings.Contains(res.stdout, "root") {
			t.Fatalf("the dry run left accounts: %+v", res)
		}
		real := cli(ctx, "", "import-legacy", "--from", source, "--advisory-ways", "1=商务通,2=电话")
		if real.code != exitOK || strings.Contains(real.stdout, "DRY RUN") || !strings.Contains(real.stdout, "patient                                    1002     1002") {
			t.Fatalf("import: %+v", real)
		}
		listed := cli(ctx, "", "user", "list", "--legacy-hash")
		if listed.code != exitOK || !strings.Contains(listed.stdout, "root") || !strings.Contains(listed.stdout, "kefu") ||
			strings.Contains(listed.stdout, " admin ") || !strings.Contains(listed.stdout, "legacy md5 (reset advised)") {
			t.Errorf("user list --legacy-hash: %+v", listed)
		}
		if all := cli(ctx, "", "user", "list"); !strings.Contains(all.stdout, "admin") {
			t.Errorf("user list: %+v", all)
		}
		// Into a database with patients of its own: only with --merge.
		if res := cli(ctx, "", "user", "add", "--username", "carol", "--password", "carol-password", "--role", "consultant"); res.code != exitOK {
			t.Fatal(res)
		}
		for _, c := range []struct {
			args []string
			code int
			says string
		}{
			{[]string{"import-legacy"}, exitUsage, "--from or CRM_LEGACY_DSN is required"},
			{[]string{"import-legacy", "--from", "not a dsn"}, exitUsage, "not a MySQL DSN"},
			{[]string{"import-legacy", "--from", "root@tcp(127.0.0.1:1)/crm"}, exitFailure, "the old database"},
			{[]string{"import-legacy", "--from", source, "--advisory-ways", "one"}, exitUsage, "code=name"},
			{[]string{"import-legacy", "--from", source, "--orphan-author", "nobody"}, exitFailure, "no user \"nobody\""},
			{[]string{"user", "list", "--everyone"}, exitUsage, "--legacy-hash"},
		} {
			res := cli(ctx, "", c.args...)
			if res.code != c.code || !strings.Contains(res.stderr, c.says) {
				t.Errorf("%v: want exit %d mentioning %q, got %+v", c.args, c.code, c.says, res)
			}
		}
	})
}

var metricsListening = regexp.MustCompile(`msg="metrics listening" addr=(\S+)`)

// /metrics is served on metrics.addr only, never where the API is.
func TestServeMetricsApart(t *testing.T) {
	t.Setenv("CRM_DATABASE_DRIVER", "sqlite")
	t.Setenv("CRM_DATABASE_DSN", t.TempDir()+"/crm.db")
	t.Setenv("CRM_AUTH_BCRYPT_COST", "4")
	t.Setenv("CRM_HTTP_ADDR", "127.0.0.1:0")
	t.Setenv("CRM_METRICS_ADDR", "127.0.0.1:0")
	ctx, stop := context.WithCancel(context.Background())
	var stderr testlog.Buffer
	exited := make(chan int, 1)
	go func() { exited <- run(ctx, []string{"serve"}, strings.NewReader(""), io.Discard, &stderr) }()
	defer func() { stop(); <-exited }()
	base := waitForListener(t, &stderr)
	var metrics string
	for deadline := time.Now().Add(5 * time.Second); metrics == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := metricsListening.FindStringSubmatch(stderr.String()); m != nil {
			metrics = "http://" + m[1] + "/metrics"
		}
	}
	get := func(u string) (int, string) {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	get(base + "/healthz")
	if code, body := get(metrics); code != 200 || !strings.Contains(body, `crm_http_requests_total{method="GET",route="/healthz",state_code="0"} 1`) {
		t.Errorf("metrics at %q: %d\n%s", metrics, code, body)
	}
	if _, body := get(base + "/metrics"); body != `{"stateCode":46001,"message":"接口不存在"}` {
		t.Errorf("/metrics on the API's address: %s", body)
	}
}
