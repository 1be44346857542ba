package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"crm/internal/testdb"
	"crm/internal/testskip"
)

// serveChildVar makes the test binary a server: TestMain runs `crm serve`
// instead of the tests, so a test can start real server processes.
const serveChildVar = "CRM_TEST_SERVE_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(serveChildVar) != "" {
		ctx, stop := context.WithCancel(context.Background())
		go func() { // SIGTERM from the parent test
			ch := make(chan os.Signal, 1)
			signal.Notify(ch, syscall.SIGTERM)
			<-ch
			stop()
		}()
		os.Exit(run(ctx, []string{"serve"}, os.Stdin, os.Stdout, os.Stderr))
	}
	testskip.Main(m, "crm")
}

// Two server processes on one MariaDB database and one Redis: a password
// guessed on one counts on the other, and a user disabled through one is
// refused by the other on its next request, its session cache
// notwithstanding.
func TestTwoServerProcessesShareThrottleAndRevocations(t *testing.T) {
	testdb.SkipUnlessAvailable(t, "mysql")
	redisAddr := testdb.RedisAddr(t)
	env := []string{serveChildVar + "=1", "CRM_DATABASE_DRIVER=mysql", "CRM_DATABASE_DSN=" + testdb.DSN(t, "mysql"),
		"CRM_REDIS_ADDR=" + redisAddr, "CRM_AUTH_CACHE_TTL=1m", "CRM_AUTH_BCRYPT_COST=4", "CRM_HTTP_ADDR=127.0.0.1:0",
		"CRM_ADMIN_PASSWORD=admin-password-1", "CRM_AUTH_JWT_SECRET=" + strings.Repeat("s", 40)}
	one := startServerProcess(t, env)
	two := startServerProcess(t, env) // starts on a migrated database: waits for one's migrations (GET_LOCK)

	post := func(base, path string, form url.Values) map[string]any {
		req, _ := http.NewRequest("POST", base+"/back_end/api/v1"+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return do(t, req)
	}
	// Every request comes from 127.0.0.1: a username of this run's own
	// keeps its buckets its own (Redis outlives the test).
	username := fmt.Sprintf("kefu%d", rand.IntN(1_000_000))
	admin := post(one, "/token/", url.Values{"username": {"admin"}, "password": {"admin-password-1"}})["token"].(string)
	post(one, "/user/", url.Values{"token": {admin}, "username": {username}, "password": {"kefu-password"}, "role": {"consultant"}})

	for range 5 {
		post(one, "/token/", url.Values{"username": {username}, "password": {"wrong-password"}})
	}
	if got := post(two, "/token/", url.Values{"username": {username}, "password": {"kefu-password"}}); got["stateCode"] != 45011.0 {
		t.Errorf("the sixth guess, on the other process: %v, want 45011", got)
	}

	// A consultant of its own (the guessed one waits a minute): logged in,
	// served by two, disabled through one.
	other := username + "b"
	created := post(one, "/user/", url.Values{"token": {admin}, "username": {other}, "password": {"kefu-password"}, "role": {"consultant"}})
	id := created["user"].(map[string]any)["id"].(string)
	token := post(one, "/token/", url.Values{"username": {other}, "password": {"kefu-password"}})["token"].(string)
	menu := func() map[string]any {
		req, _ := http.NewRequest("GET", two+"/back_end/api/v1/menu/?token="+url.QueryEscape(token), nil)
		return do(t, req)
	}
	if got := menu(); got["menu_data"] == nil {
		t.Fatalf("menu on two: %v", got)
	}
	req, _ := http.NewRequest("PATCH", one+"/back_end/api/v1/user/"+id+"/", strings.NewReader(url.Values{"token": {admin}, "enabled": {"0"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	do(t, req)
	for deadline := time.Now().Add(time.Second); ; time.Sleep(10 * time.Millisecond) {
		if got := menu(); got["stateCode"] == 40014.0 {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("process two still serves a disabled user after 1 s: %v", got)
		}
	}
}

func do(t *testing.T, req *http.Request) map[string]any {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	return body
}

// startServerProcess runs the test binary as `crm serve` with env and
// returns its base URL; the process is stopped with SIGTERM at the end.
func startServerProcess(t *testing.T, env []string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	found := make(chan string, 1)
	go func() {
		scanner := bufio.NewScanner(stderr)
		for scanner.Scan() {
			if m := listening.FindStringSubmatch(scanner.Text()); m != nil {
				found <- "http://" + m[1]
			}
		}
	}()
	select {
	case base := <-found:
		return base
	case <-time.After(60 * time.Second):
		t.Fatal("the server process did not start listening")
		return ""
	}
}
