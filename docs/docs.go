// Package docs holds the API's reference, embedded in the binary: the
// OpenAPI spec, and Swagger UI (Apache-2.0, swagger-ui-dist 5.35.0; no
// CDN) to read it at /docs.
package docs

import "embed"

// Files are openapi.yaml and the page at /docs with its assets.
//
//go:embed openapi.yaml api-docs.html api-docs.js swagger-ui-bundle.js swagger-ui.css
var Files embed.FS
