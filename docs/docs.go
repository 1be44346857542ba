// Package docs holds the API's reference, embedded in the binary: the
// OpenAPI spec, and Redoc (MIT, redoc@2.5.4's standalone bundle, no CDN)
// to read it at /docs.
package docs

import "embed"

// Files are openapi.yaml, redoc.html and redoc.standalone.js.
//
//go:embed openapi.yaml redoc.html redoc.standalone.js
var Files embed.FS
