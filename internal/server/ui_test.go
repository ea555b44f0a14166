package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

// TestUIHandler: files as they are or gzipped, the UI's routes answered
// with index.html, a missing hashed asset a 404 (not a page parsed as a
// script), the headers that keep the UI to its origin, and no writes.
func TestUIHandler(t *testing.T) {
	assets := fstest.MapFS{
		"index.html":           {Data: []byte("<!doctype html><title>Baton</title>")},
		"index.html.gz":        {Data: []byte("gz-index")},
		"assets/app-1.js":      {Data: []byte("console.log(1)")},
		"assets/app-1.js.gz":   {Data: []byte("gz-js")},
		"assets/style-2.css":   {Data: []byte("body{}")},
		"assets/sub/.keep.txt": {Data: []byte("x")},
	}
	h := uiHandler(assets)
	for _, c := range []struct {
		method, path, enc  string
		code               int
		body, ctype, cache string
		gzip               bool
	}{
		{"GET", "/ui/", "", 200, "<!doctype html><title>Baton</title>", "text/html", "no-cache", false},
		{"GET", "/ui/", "gzip, br", 200, "gz-index", "text/html", "no-cache", true},
		{"GET", "/ui/workflows/default/etl", "", 200, "<!doctype html><title>Baton</title>", "text/html", "no-cache", false},
		{"GET", "/ui/assets/app-1.js", "", 200, "console.log(1)", "text/javascript", "immutable", false},
		{"GET", "/ui/assets/app-1.js", "gzip", 200, "gz-js", "text/javascript", "immutable", true},
		{"GET", "/ui/assets/style-2.css", "gzip", 200, "body{}", "text/css", "immutable", false},
		{"GET", "/ui/assets/missing.js", "", 404, "", "", "", false},
		{"GET", "/ui/assets/sub", "", 404, "", "", "", false},
		{"GET", "/ui/../../etc/passwd", "", 200, "<!doctype html><title>Baton</title>", "text/html", "no-cache", false},
		{"HEAD", "/ui/", "", 200, "", "text/html", "no-cache", false},
		{"POST", "/ui/", "", 405, "", "", "", false},
	} {
		r := httptest.NewRequest(c.method, c.path, nil)
		if c.enc != "" {
			r.Header.Set("Accept-Encoding", c.enc)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		name := c.method + " " + c.path + " " + c.enc
		if w.Code != c.code {
			t.Errorf("%s: %d, want %d", name, w.Code, c.code)
			continue
		}
		if c.code != 200 {
			continue
		}
		if c.method == "GET" && w.Body.String() != c.body {
			t.Errorf("%s: body %q, want %q", name, w.Body.String(), c.body)
		}
		if got := w.Header().Get("Content-Type"); !strings.HasPrefix(got, c.ctype) {
			t.Errorf("%s: Content-Type %q, want %s", name, got, c.ctype)
		}
		if got := w.Header().Get("Cache-Control"); !strings.Contains(got, c.cache) {
			t.Errorf("%s: Cache-Control %q, want %s", name, got, c.cache)
		}
		if got := w.Header().Get("Content-Encoding") == "gzip"; got != c.gzip {
			t.Errorf("%s: gzip %v, want %v", name, got, c.gzip)
		}
		for k, want := range map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"} {
			if w.Header().Get(k) != want {
				t.Errorf("%s: %s %q", name, k, w.Header().Get(k))
			}
		}
		if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", name, csp)
		}
	}
}

// TestRootRedirectsBrowsers: a browser asking for / goes to the UI; other
// clients keep the text answer.
func TestRootRedirectsBrowsers(t *testing.T) {
	srv, _ := startServer(t, "127.0.0.1:0", HTTPConfig{})
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("GET", "http://"+srv.Addr()+"/", nil)
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/" {
		t.Fatalf("a browser's GET /: %d %q, want 303 /ui/", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, err = c.Get("http://" + srv.Addr() + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("curl's GET /: %d", resp.StatusCode)
	}
}
