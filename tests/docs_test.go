package tests

import (
	"os"
	"strings"
	"testing"
)

// The API reference is served by the binary, without a token: the spec as
// it is in the repository, and a page that renders it with the script
// embedded beside it (no CDN), under a policy that runs no inline script.
func TestServedAPIReference(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	spec, err := os.ReadFile("../docs/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	resp := e.call(t, "GET", "/openapi.yaml")
	if resp.status != 200 || string(resp.body) != string(spec) || resp.header.Get("Content-Type") != "application/yaml; charset=utf-8" {
		t.Errorf("/openapi.yaml: %d %q, %d bytes, want the repository's %d", resp.status, resp.header.Get("Content-Type"), len(resp.body), len(spec))
	}

	page := e.call(t, "GET", "/docs")
	if page.status != 200 || !strings.Contains(string(page.body), `<redoc spec-url="/openapi.yaml"></redoc>`) ||
		!strings.Contains(string(page.body), `<script src="/docs/redoc.standalone.js"></script>`) {
		t.Errorf("/docs: %d %s", page.status, page.body)
	}
	policy := page.header.Get("Content-Security-Policy")
	if !strings.Contains(policy, "script-src 'self';") || strings.Contains(policy, "unsafe-eval") || strings.Contains(policy, "script-src 'self' 'unsafe-inline'") {
		t.Errorf("/docs policy: %q", policy)
	}
	if strings.Contains(string(page.body), "http") {
		t.Errorf("/docs loads something from elsewhere: %s", page.body)
	}

	script := e.call(t, "GET", "/docs/redoc.standalone.js")
	if script.status != 200 || len(script.body) < 500_000 || script.header.Get("Content-Type") != "text/javascript; charset=utf-8" {
		t.Errorf("/docs/redoc.standalone.js: %d %q, %d bytes", script.status, script.header.Get("Content-Type"), len(script.body))
	}
}
