package uitest

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// harnessPage is a page of its own for the harness' test, independent of the UI.
const harnessPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Baton — harness</title>
<link rel="icon" href="data:,"></head><body><div id="root">a page for the harness</div></body></html>`

// TestHarness checks the harness itself on a page of its own: the page
// loads, the title and text are read, waits end, attributes are read and
// the screenshot is a PNG.
func TestHarness(t *testing.T) {
	RequireChromium(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(harnessPage))
	}))
	defer srv.Close()
	b := New(t, 800, 600)
	b.Open(srv.URL + "/")
	b.WaitVisible("#root", 10*time.Second)
	if got := b.Title(); !strings.HasPrefix(got, "Baton") {
		t.Errorf("title %q, want Baton...", got)
	}
	if b.Text("#root") == "" {
		t.Errorf("#root has no text")
	}
	b.WaitJS(`document.readyState === "complete"`, 10*time.Second, "the load")
	Eval[bool](b, `(() => { document.getElementById("root").setAttribute("data-status", "RUNNING"); setTimeout(() => document.getElementById("root").setAttribute("data-status", "SUCCEEDED"), 50); return true })()`)
	b.WaitAttr("#root", "data-status", "SUCCEEDED", 10*time.Second)
	if got := b.Status("#root"); got != "SUCCEEDED" {
		t.Errorf("status %q", got)
	}
	if n := b.Count("div"); n < 1 {
		t.Errorf("Count(div) = %d", n)
	}
	png := filepath.Join(t.TempDir(), "shot.png")
	b.Screenshot(png)
	for _, m := range b.Console() {
		t.Errorf("console error on the harness' page: %q", m)
	}
}
