package tests

import (
	"context"
	"crm/internal/testskip"
	"net/http/httptest"
	"os"
	"os/exec"
	"testing"
	"time"
)

// RequireBrowserVar makes a missing Chromium or playwright-core a failure
// instead of a skip (CI sets it after installing them).
const requireBrowserVar = "CRM_TEST_REQUIRE_BROWSER"

// browserOrSkip reports where Chromium is, skipping the test when it or
// the e2e scripts' dependencies are not installed.
func browserOrSkip(t *testing.T) string {
	t.Helper()
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	_, errBrowser := os.Stat(chromium)
	_, errModules := os.Stat("../e2e/node_modules/playwright-core")
	_, errNode := exec.LookPath("node")
	if errBrowser != nil || errModules != nil || errNode != nil {
		if os.Getenv(requireBrowserVar) != "" {
			t.Fatalf("%s is set but the browser cannot run: chromium %v, e2e/node_modules %v, node %v", requireBrowserVar, errBrowser, errModules, errNode)
		}
		testskip.Skip(t, "browser tests, need Debian's chromium, node and `npm ci` in e2e/")
	}
	return chromium
}

// The API reference renders in a real browser under its
// Content-Security-Policy, from the binary alone.
func TestDocsPageInBrowser(t *testing.T) {
	chromium := browserOrSkip(t)
	t.Parallel()
	e := newEnv(t, "sqlite")
	srv := httptest.NewServer(e.handler)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "../e2e/docs.mjs", srv.URL)
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
}
