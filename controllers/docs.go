package controllers

import (
	"io/fs"
	"net/http"

	"github.com/gin-gonic/gin"
)

// DocsController serves the API reference: the spec, and a page that
// renders it with its scripts and styles. All public, like the spec in
// the repository.
type DocsController struct {
	Files fs.FS
}

// docsPolicy lets the page run its own scripts, from here, and nothing
// inline or from elsewhere; Swagger UI sets some styles inline and shows
// its icons as data: URIs.
const docsPolicy = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Spec is GET /openapi.yaml.
func (d DocsController) Spec(c *gin.Context) {
	d.serve(c, "openapi.yaml", "application/yaml; charset=utf-8")
}

// Page is GET /docs.
func (d DocsController) Page(c *gin.Context) {
	c.Header("Content-Security-Policy", docsPolicy)
	d.serve(c, "api-docs.html", "text/html; charset=utf-8")
}

// Asset is GET /docs/{name}: one of the page's files.
func (d DocsController) Asset(name, contentType string) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Header("Cache-Control", "public, max-age=3600")
		d.serve(c, name, contentType)
	}
}

// serve streams an embedded file (the bundle is 1.7 MB: reading it whole
// would copy it on every request), answering Range and conditional
// requests as any file server does.
func (d DocsController) serve(c *gin.Context, name, contentType string) {
	c.Header("Content-Type", contentType)
	c.Header("X-Content-Type-Options", "nosniff")
	http.ServeFileFS(c.Writer, c.Request, d.Files, name)
}
