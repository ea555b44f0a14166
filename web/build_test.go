package web

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestCommittedBuildMatchesSources builds web/ into a temporary directory
// (from a copy, with npm ci, so the work tree's node_modules neither helps
// nor harms) and fails when the result differs from the committed web/dist:
// go install and make quickstart embed dist as it is committed.
func TestCommittedBuildMatchesSources(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short: it runs npm ci and a Vite build")
	}
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (Node.js 20 or newer): cannot check that web/dist matches web/src", tool)
		}
	}
	tmp := t.TempDir()
	src := filepath.Join(tmp, "web")
	for _, name := range []string{"package.json", "package-lock.json", "index.html", "vite.config.ts", "tsconfig.json", "src"} {
		if err := copyTree(name, filepath.Join(src, name)); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Dir = src
		cmd.Env = append(os.Environ(), "npm_config_audit=false", "npm_config_fund=false", "npm_config_update_notifier=false")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	run("npm", "ci", "--prefer-offline", "--no-audit", "--no-fund")
	run("npm", "run", "build")
	// The front end's own checks: its types, and its unit tests (the
	// step status mapping mirrored from the server's, the layout).
	run("npm", "run", "typecheck")
	run("npm", "test")
	want := files(t, "dist")
	got := files(t, filepath.Join(src, "dist"))
	var diffs []string
	for name, b := range got {
		if w, ok := want[name]; !ok {
			diffs = append(diffs, "missing from web/dist: "+name)
		} else if !bytes.Equal(w, b) {
			diffs = append(diffs, "differs: "+name)
		}
	}
	for name := range want {
		if _, ok := got[name]; !ok {
			diffs = append(diffs, "not built any more: "+name)
		}
	}
	if len(diffs) > 0 {
		sort.Strings(diffs)
		t.Fatalf("web/dist does not match web/src: run make ui and commit web/dist\n%s", strings.Join(diffs, "\n"))
	}
}

func files(t *testing.T, root string) map[string][]byte {
	t.Helper()
	m := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		m[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func copyTree(from, to string) error {
	return filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
}
