// Package ui is slokit serve's web UI: static pages built into the binary
// that read the same JSON API as every other client, so there is no
// second path to the budget state. No CDN and no external font: the pages
// work on an air-gapped network and leak nothing to third parties.
package ui

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"sync"
)

//go:embed static
var static embed.FS

// Files are the UI's files, index.html at the root.
func Files() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded folder is part of the binary
	}
	return sub
}

// Digest names this build's UI files: they are built into the binary and
// never change while it runs, so the ETags of their answers derive from it,
// computed once, rather than from each answer's body.
var Digest = sync.OnceValue(func() string {
	h := sha256.New()
	err := fs.WalkDir(Files(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(Files(), path)
		h.Write([]byte(path + "\x00"))
		h.Write(data)
		return err
	})
	if err != nil {
		panic(err) // the embedded folder is part of the binary
	}
	return hex.EncodeToString(h.Sum(nil))
})

// Handler serves the UI: the overview at /, its assets under /ui/. Every
// answer forbids inline and third-party scripts, styles and frames.
func Handler() http.Handler {
	files := http.FileServerFS(Files())
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		secure(w)
		http.ServeFileFS(w, r, Files(), "index.html")
	})
	mux.Handle("GET /ui/", http.StripPrefix("/ui/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secure(w)
		if r.URL.Path == "" || r.URL.Path == "index.html" {
			http.NotFound(w, r)
			return
		}
		files.ServeHTTP(w, r)
	})))
	return mux
}

func secure(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
}
