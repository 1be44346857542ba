package controllers

import (
	"io/fs"
	"net/http"

	"github.com/gin-gonic/gin"
)

// DocsController serves the API reference: the spec, and a page that
// renders it. Both are public, like the spec in the repository.
type DocsController struct {
	Files fs.FS
}

// docsPolicy lets the page run its one script, from here, and nothing
// inline; Redoc styles itself with inline styles and builds its search
// worker from a blob.
const docsPolicy = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src blob:; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Spec is GET /openapi.yaml.
func (d DocsController) Spec(c *gin.Context) {
	d.serve(c, "openapi.yaml", "application/yaml; charset=utf-8")
}

// Page is GET /docs.
func (d DocsController) Page(c *gin.Context) {
	c.Header("Content-Security-Policy", docsPolicy)
	d.serve(c, "redoc.html", "text/html; charset=utf-8")
}

// Script is GET /docs/redoc.standalone.js.
func (d DocsController) Script(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=86400")
	d.serve(c, "redoc.standalone.js", "text/javascript; charset=utf-8")
}

func (d DocsController) serve(c *gin.Context, name, contentType string) {
	body, err := fs.ReadFile(d.Files, name)
	if err != nil {
		_ = c.Error(err) // embedded at build time: cannot happen
		return
	}
	c.Header("X-Content-Type-Options", "nosniff")
	c.Data(http.StatusOK, contentType, body)
}
