package tests

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The web console in a real browser, against the real binary on SQLite:
// e2e/console.mjs drives every screen's main flow and the permission and
// session cases (see there). Two servers: one as shipped, one whose
// tokens live 3 s, for the 42001 → refresh → retry flow.
func TestConsoleInBrowser(t *testing.T) {
	chromium := browserOrSkip(t)
	t.Parallel()
	binary := buildServer(t)
	const adminPassword = "console-admin-password"
	base := startServer(t, binary, adminPassword)
	shortLived := startServer(t, binary, adminPassword, "CRM_AUTH_TOKEN_TTL=3s", "CRM_AUTH_CLOCK_SKEW=0s", "CRM_AUTH_ROTATION_GRACE=0s")

	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "../e2e/console.mjs", base, shortLived)
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium, "CRM_E2E_ADMIN_PASSWORD="+adminPassword)
	// SCREENSHOTS=docs/screenshots redraws the README's pictures: a relative
	// folder is the repository's, not this package's.
	if shots := os.Getenv("SCREENSHOTS"); shots != "" && !filepath.IsAbs(shots) {
		cmd.Env = append(cmd.Env, "SCREENSHOTS="+filepath.Join("..", shots))
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	t.Logf("%s", out)
}

// buildServer builds the binary the way a user does (without the race
// detector the tests may run under: the browser checks the product, and
// the race detector's cost would only slow them).
func buildServer(t *testing.T) string {
	t.Helper()
	binary := filepath.Join(t.TempDir(), "crm")
	cmd := exec.Command("go", "build", "-o", binary, ".")
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return binary
}

// startServer runs the binary on a fresh SQLite database and a free port
// until the test ends, and returns its base URL once it is ready.
func startServer(t *testing.T, binary, adminPassword string, env ...string) string {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := listener.Addr().String()
	_ = listener.Close()
	dir := t.TempDir()
	cmd := exec.Command(binary)
	cmd.Dir = dir
	logs, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logs, logs
	cmd.Env = append(os.Environ(), append([]string{
		"CRM_HTTP_ADDR=" + addr,
		"CRM_DATABASE_DRIVER=sqlite",
		"CRM_DATABASE_DSN=" + filepath.Join(dir, "crm.db"),
		"CRM_ADMIN_PASSWORD=" + adminPassword,
		"CRM_AUTH_BCRYPT_COST=4",
	}, env...)...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		_ = logs.Close()
		if t.Failed() {
			text, _ := os.ReadFile(logs.Name())
			t.Logf("server %s log:\n%s", addr, tail(string(text), 60))
		}
	})
	base := "http://" + addr
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		response, err := http.Get(base + "/readyz")
		if err == nil {
			_ = response.Body.Close()
			if response.StatusCode == http.StatusOK {
				return base
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server at %s did not become ready: %v", addr, err)
		}
	}
}

func tail(text string, lines int) string {
	all := strings.Split(text, "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}
