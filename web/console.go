// Package web holds the built web console (web/dist, made by `npm run
// build` from web/src and committed), embedded in the binary so `go run .`
// serves it on a machine without Node.
package web

//go:generate go run ../internal/consolefacts/gen src/generated/facts.js

import (
	"embed"
	"io/fs"
)

// all: keeps the chunks whose names start with an underscore.
//
//go:embed all:dist
var dist embed.FS

// Files are index.html and assets/, at the root.
var Files = mustSub(dist, "dist")

func mustSub(files fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(files, dir)
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return sub
}
