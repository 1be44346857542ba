package tests

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// The console's page and assets are served by the binary itself (the
// browser test drives them; these pin the headers and the not-found cases).
func TestConsolePage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	resp := e.call(t, "GET", "/")
	if resp.status != http.StatusOK || !strings.HasPrefix(resp.header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /: %d %q", resp.status, resp.header.Get("Content-Type"))
	}
	wantOnlyOwnScripts(t, "/", resp)
	if got := resp.header.Get("Cache-Control"); got != "no-cache" {
		t.Errorf("page Cache-Control %q", got)
	}

	asset := regexp.MustCompile(`src="(/assets/[^"]+\.js)"`).FindSubmatch(resp.body)
	if asset == nil {
		t.Fatalf("the page names no script:\n%s", resp.body)
	}
	script := e.call(t, "GET", string(asset[1]), header("Accept-Encoding", "gzip"))
	if script.status != http.StatusOK || !strings.Contains(script.header.Get("Content-Type"), "javascript") {
		t.Fatalf("%s: %d %q", asset[1], script.status, script.header.Get("Content-Type"))
	}
	if got := script.header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
		t.Errorf("asset Cache-Control %q", got)
	}
	if script.header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("asset not compressed: %v", script.header)
	}
	unzipped, err := gzip.NewReader(bytes.NewReader(script.body))
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := io.ReadAll(unzipped); err != nil || len(plain) <= len(script.body) {
		t.Errorf("gunzip: %d bytes from %d, %v", len(plain), len(script.body), err)
	}
}

func TestConsoleMissingAsset(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	for _, path := range []string{"/assets/nothing.js", "/assets/", "/assets/../index.html", "/assets/%2e%2e/index.html", "/index.html"} {
		wantError(t, e.call(t, "GET", path), 46001, "接口不存在")
	}
}

var (
	scriptSource = regexp.MustCompile(`(?:^|;)\s*script-src ([^;]*)`)
	scriptTag    = regexp.MustCompile(`<script\b[^>]*>`)
)

// wantOnlyOwnScripts checks a served page (the console's, the API
// reference's) runs scripts from this server only: a policy whose
// script-src is 'self' alone under default-src 'none', and no inline
// script in the page for it to refuse.
func wantOnlyOwnScripts(t *testing.T, path string, page response) {
	t.Helper()
	policy := page.header.Get("Content-Security-Policy")
	scripts := scriptSource.FindStringSubmatch(policy)
	if scripts == nil || strings.TrimSpace(scripts[1]) != "'self'" || !strings.HasPrefix(policy, "default-src 'none';") {
		t.Errorf("%s: Content-Security-Policy %q: scripts must come from this server only", path, policy)
	}
	for _, tag := range scriptTag.FindAll(page.body, -1) {
		if !bytes.Contains(tag, []byte(` src="/`)) {
			t.Errorf("%s: an inline script: %s", path, tag)
		}
	}
}
