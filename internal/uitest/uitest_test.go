package uitest

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/web"
)

// TestHarness checks the harness itself on the embedded assets as they
// are (the placeholder page until the UI is built): the page loads, the
// title and text are read, waits end, attributes are read and the
// screenshot is a PNG.
func TestHarness(t *testing.T) {
	RequireChromium(t)
	srv := httptest.NewServer(http.FileServerFS(web.Assets()))
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
	// The placeholder has no favicon: its 404 is the one error expected.
	for _, m := range b.Console() {
		if !strings.Contains(m, "404") {
			t.Errorf("console error on the placeholder page: %q", m)
		}
	}
}
