// Package uitest drives a headless Chromium (Debian's package, through
// chromedp) for the web UI's browser tests and its benchmark. It knows
// nothing of Baton's server: callers start one and hand its URL in. Every
// wait has a deadline and polls inside the page (no sleeps), so a test
// fails with what it was waiting for instead of hanging.
package uitest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// DefaultWait is how long a wait for a selector lasts unless told.
const DefaultWait = 15 * time.Second

// ChromiumPath is the Chromium binary to drive: $BATON_CHROMIUM, else
// /usr/bin/chromium (Debian's package), else chromium on PATH; "" when
// there is none.
func ChromiumPath() string {
	if p := os.Getenv("BATON_CHROMIUM"); p != "" {
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// RequireChromium returns the Chromium binary, or skips the test with a
// clear message; in CI (CI set) a missing Chromium fails instead, since
// `make test-deps` installs it there.
func RequireChromium(t testing.TB) string {
	t.Helper()
	p := ChromiumPath()
	if p == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("Chromium is not installed: CI must install it (make test-deps: apt-get install chromium)")
		}
		t.Skip("Chromium is not installed: apt-get install chromium (make test-deps) to run the browser tests")
	}
	return p
}

// Browser is one headless Chromium with a fresh profile and one tab.
type Browser struct {
	t      testing.TB
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	console []string // the page's console errors and uncaught exceptions
}

// New starts Chromium (skipping or failing as RequireChromium does) and
// closes it when the test ends. width×height is the window size.
func New(t testing.TB, width, height int) *Browser {
	t.Helper()
	bin := RequireChromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true), // root in CI and containers
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// The back button loads the page again rather than restoring it
		// from the back-forward cache, which fires no load event: the
		// tests' Back waits for one.
		chromedp.Flag("disable-features", "BackForwardCache"),
		chromedp.UserDataDir(filepath.Join(t.TempDir(), "chromium-profile")),
		chromedp.WindowSize(width, height),
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	b := &Browser{t: t, ctx: ctx}
	b.cancel = func() { cancel(); acancel() }
	// Start the browser now, so that a broken Chromium fails here. Not
	// with a deadline: the context of the first action owns the browser,
	// which a cancelled one would close.
	if err := chromedp.Do(ctx); err != nil {
		b.cancel()
		t.Fatalf("starting Chromium (%s): %v", bin, err)
	}
	t.Cleanup(b.cancel)
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == "error" {
				b.mu.Lock()
				if len(b.console) < 50 { // the first ones are the useful ones
					b.console = append(b.console, m.String())
				}
				b.mu.Unlock()
			}
		}
	}()
	return b
}

// Console is what the page logged as errors so far.
func (b *Browser) Console() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.console...)
}

// run runs actions with a deadline, failing the test with what.
func (b *Browser) run(d time.Duration, what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := b.Try(d, actions...); err != nil {
		ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
		url, _ := chromedp.Run(ctx, chromedp.Location())
		cancel()
		b.t.Fatalf("browser: %s (page %s): %v\npage errors: %q", what, url, err, b.Console())
	}
}

// Try runs actions with a deadline and returns their error.
func (b *Browser) Try(d time.Duration, actions ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(b.ctx, d)
	defer cancel()
	return chromedp.Do(ctx, actions...)
}

// Open navigates to url and waits for the document to load.
func (b *Browser) Open(url string) {
	b.t.Helper()
	b.run(30*time.Second, "open "+url, chromedp.Navigate(url))
}

// WaitVisible waits up to d for an element matching sel to be visible.
func (b *Browser) WaitVisible(sel string, d time.Duration) {
	b.t.Helper()
	b.run(d, "wait for "+sel+" to be visible", chromedp.WaitVisible(chromedp.CSS(sel)))
}

// WaitReady waits up to d for an element matching sel to exist in the DOM.
func (b *Browser) WaitReady(sel string, d time.Duration) {
	b.t.Helper()
	b.run(d, "wait for "+sel, chromedp.WaitReady(chromedp.CSS(sel)))
}

// WaitJS polls the expression inside the page (each animation frame) until
// it is truthy, up to d; what names it in the failure.
func (b *Browser) WaitJS(expr string, d time.Duration, what string) {
	b.t.Helper()
	b.run(d+time.Second, "wait for "+what+" ("+expr+")",
		chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(d)))
}

// WaitAttr waits up to d for the first element matching sel to have the
// attribute attr equal to want.
func (b *Browser) WaitAttr(sel, attr, want string, d time.Duration) {
	b.t.Helper()
	expr := fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!e && e.getAttribute(%q) === %q })()`, sel, attr, want)
	if err := b.Try(d+time.Second, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(d))); err != nil {
		b.t.Fatalf("browser: %s[%s] did not become %q within %v (it is %q): %v\npage errors: %q",
			sel, attr, want, d, b.Attr(sel, attr), err, b.Console())
	}
}

// Get runs one action that returns a value, with a deadline, failing the
// test with what.
func Get[T any](b *Browser, d time.Duration, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, d)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("browser: %s: %v\npage errors: %q", what, err, b.Console())
	}
	return v
}

// Eval evaluates a JavaScript expression in the page.
func Eval[T any](b *Browser, expr string) T {
	b.t.Helper()
	return Get(b, DefaultWait, "evaluate "+expr, chromedp.Evaluate[T](expr))
}

// EvalAwait evaluates an expression whose value is a promise and returns
// what it resolves to, waiting up to d.
func EvalAwait[T any](b *Browser, expr string, d time.Duration) T {
	b.t.Helper()
	return Get(b, d, "evaluate "+expr, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
}

// Attr is the attribute attr of the first element matching sel ("" when
// there is no such element or attribute). It does not wait.
func (b *Browser) Attr(sel, attr string) string {
	b.t.Helper()
	return Eval[string](b, fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? (e.getAttribute(%q) || "") : "" })()`, sel, attr))
}

// Status is the data-status attribute of the first element matching sel.
func (b *Browser) Status(sel string) string {
	b.t.Helper()
	return b.Attr(sel, "data-status")
}

// Count is how many elements match sel now.
func (b *Browser) Count(sel string) int {
	b.t.Helper()
	return Eval[int](b, fmt.Sprintf(`document.querySelectorAll(%q).length`, sel))
}

// Text is the text of the first element matching sel, waiting for it.
func (b *Browser) Text(sel string) string {
	b.t.Helper()
	b.WaitReady(sel, DefaultWait)
	return strings.TrimSpace(Eval[string](b, fmt.Sprintf(`document.querySelector(%q).textContent`, sel)))
}

// Title is document.title.
func (b *Browser) Title() string {
	b.t.Helper()
	return Get(b, DefaultWait, "title", chromedp.Title())
}

// Location is the page's URL.
func (b *Browser) Location() string {
	b.t.Helper()
	return Get(b, DefaultWait, "location", chromedp.Location())
}

// Click waits for sel to be visible and clicks the first element matching it.
func (b *Browser) Click(sel string) {
	b.t.Helper()
	// A graph moves its nodes once it has measured them (fit to view): a
	// click aimed at where an element was lands elsewhere. Wait until its
	// box stays the same over 5 animation frames.
	b.WaitJS(fmt.Sprintf(`(() => {
		const el = document.querySelector(%q); if (!el) return false
		const r = el.getBoundingClientRect(), k = [r.x, r.y, r.width, r.height].join()
		const m = (window.__uitestBox ||= {}), p = m[%q] || {k: '', n: 0}
		m[%q] = p.k === k ? {k, n: p.n + 1} : {k, n: 0}
		return m[%q].n >= 5
	})()`, sel, sel, sel, sel), DefaultWait, "a still "+sel)
	b.run(DefaultWait, "click "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// ClickUntilVisible clicks sel until show is visible (up to d): a click
// on a graph being redrawn (a status change re-renders its nodes) can be
// lost, and a user would click again.
func (b *Browser) ClickUntilVisible(sel, show string, d time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(d)
	for try := 0; ; try++ {
		if try == 0 {
			b.Click(sel)
		} else {
			// An overlay (the graph's mini-map) may cover the element's
			// centre: click it through the page instead.
			Get(b, DefaultWait, "click "+sel, chromedp.Evaluate[bool](fmt.Sprintf(`(document.querySelector(%q)?.click(), true)`, sel)))
		}
		err := b.Try(3*time.Second, chromedp.WaitVisible(chromedp.CSS(show)))
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("browser: clicking %s did not show %s within %s: %v\npage errors: %q", sel, show, d, err, b.Console())
		}
	}
}

// SetValue replaces the value of an input or textarea and tells React
// about it (an input event through the native setter), since a plain
// .value assignment is invisible to a controlled component.
func (b *Browser) SetValue(sel, value string) {
	b.t.Helper()
	b.WaitVisible(sel, DefaultWait)
	Eval[bool](b, fmt.Sprintf(`(() => {
  const e = document.querySelector(%q);
  const proto = e instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
  Object.getOwnPropertyDescriptor(proto, "value").set.call(e, %q);
  e.dispatchEvent(new Event("input", {bubbles: true}));
  e.dispatchEvent(new Event("change", {bubbles: true}));
  return true;
})()`, sel, value))
}

// OnNewDocument has the page run the script at the start of every
// document it loads from now on, before the page's own scripts: for probes
// that must see the first render (the benchmark's timings).
func (b *Browser) OnNewDocument(script string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, DefaultWait)
	defer cancel()
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: script}); err != nil {
		b.t.Fatalf("browser: add a script to new documents: %v", err)
	}
}

// Back goes back in the tab's history.
func (b *Browser) Back() {
	b.t.Helper()
	b.run(DefaultWait, "back", chromedp.NavigateBack())
}

// Screenshot writes a full-page PNG to path, creating its directory.
func (b *Browser) Screenshot(path string) {
	b.t.Helper()
	buf := Get(b, 30*time.Second, "screenshot", chromedp.FullScreenshot(100))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
}

// Run runs chromedp actions with a deadline, failing the test with what:
// for what the helpers above do not cover.
func (b *Browser) Run(d time.Duration, what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	b.run(d, what, actions...)
}

// LayeredPipeline is a pipeline.yaml of layers×width steps named
// sLL-III, each after two steps of the layer above: the large DAG of the
// tests and the benchmark (10×100 = 1,000 steps).
func LayeredPipeline(name string, layers, width int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "name: %s\nsteps:\n", name)
	for l := 0; l < layers; l++ {
		for i := 0; i < width; i++ {
			fmt.Fprintf(&b, "  - name: s%02d-%03d\n    command: [\"true\"]\n", l, i)
			if l > 0 {
				fmt.Fprintf(&b, "    depends_on: [s%02d-%03d, s%02d-%03d]\n", l-1, i, l-1, (i+1)%width)
			}
		}
	}
	return b.String()
}
