package tests

import (
	"os"
	"strings"
	"testing"
)

// The API reference is served by the binary, without a token: the spec as
// it is in the repository, and a page that renders it with the scripts
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
	if page.status != 200 || !strings.Contains(string(page.body), `<script src="/docs/swagger-ui-bundle.js"></script>`) ||
		!strings.Contains(string(page.body), `<script src="/docs/api-docs.js"></script>`) {
		t.Errorf("/docs: %d %s", page.status, page.body)
	}
	wantOnlyOwnScripts(t, "/docs", page)
	if strings.Contains(string(page.body), "http") {
		t.Errorf("/docs loads something from elsewhere: %s", page.body)
	}
	for path, contentType := range map[string]string{
		"/docs/swagger-ui-bundle.js": "text/javascript; charset=utf-8",
		"/docs/swagger-ui.css":       "text/css; charset=utf-8",
		"/docs/api-docs.js":          "text/javascript; charset=utf-8",
	} {
		asset := e.call(t, "GET", path)
		if asset.status != 200 || len(asset.body) < 100 || asset.header.Get("Content-Type") != contentType {
			t.Errorf("%s: %d %q, %d bytes", path, asset.status, asset.header.Get("Content-Type"), len(asset.body))
		}
	}
}
