package controllers

import (
	"io/fs"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// ConsoleController serves the web console: its page at / and its built
// assets. All public: the console signs in through the API like any
// client.
type ConsoleController struct {
	Files fs.FS
	// Missing answers a request for an asset that is not there (the API's
	// not-found shape).
	Missing gin.HandlerFunc
}

// consolePolicy runs only the console's own scripts (nothing inline, no
// eval) and talks only to this server. Element Plus sets styles inline;
// charts and downloads use data: and blob: URLs.
const consolePolicy = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Page is GET /: the console's single page (its screens are #/ addresses).
func (c ConsoleController) Page(ctx *gin.Context) {
	ctx.Header("Content-Security-Policy", consolePolicy)
	ctx.Header("X-Frame-Options", "DENY")
	// The page names the current assets: always ask whether it changed.
	ctx.Header("Cache-Control", "no-cache")
	c.serve(ctx, "index.html")
}

// Asset is GET /assets/{file}. Their names carry a hash of their content,
// so a browser may keep them for good.
func (c ConsoleController) Asset(ctx *gin.Context) {
	name := "assets/" + strings.TrimPrefix(ctx.Param("file"), "/")
	if !fs.ValidPath(name) {
		c.Missing(ctx)
		return
	}
	if info, err := fs.Stat(c.Files, name); err != nil || info.IsDir() {
		c.Missing(ctx)
		return
	}
	ctx.Header("Cache-Control", "public, max-age=31536000, immutable")
	c.serve(ctx, name)
}

// serve sends an embedded file with its type from its extension, answering
// conditional and Range requests as any file server does.
func (c ConsoleController) serve(ctx *gin.Context, name string) {
	ctx.Header("X-Content-Type-Options", "nosniff")
	http.ServeFileFS(ctx.Writer, ctx.Request, c.Files, name)
}
