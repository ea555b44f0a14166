// Package web holds the web UI's built assets (web/dist), embedded in the
// binary so that `go install` and `make quickstart` need no Node.js. The
// sources are under web/src; `make ui` rebuilds dist.
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Assets is the built UI: index.html at its root, hashed files under assets/.
func Assets() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // dist is embedded at build time: it always exists
	}
	return sub
}
