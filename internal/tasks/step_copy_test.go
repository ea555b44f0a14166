package tasks

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/steptask"
)

func TestStepCopyFiles(t *testing.T) {
	dir := t.TempDir()
	content := strings.Repeat("sales,2026\n", 1000)
	sum := md5.Sum([]byte(content))
	etag := hex.EncodeToString(sum[:])
	if err := os.WriteFile(filepath.Join(dir, "in.csv"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/data.csv":
			_, _ = io.WriteString(w, content)
		case "/short":
			w.Header().Set("Content-Length", "100")
			_, _ = io.WriteString(w, "only a part")
		case "/slow":
			w.Header().Set("Content-Length", "100")
			w.(http.Flusher).Flush()
			select {
			case <-release:
			case <-r.Context().Done():
			}
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	conns := testConnections(t, "connections:\n  api: {type: http}\n", nil)
	r := newResolver(t, Options{WorkDir: dir, Connections: conns})
	abs := "file://" + dir
	runStepCases(t, r, steptask.ResourceCopy, []stepCase{
		{name: "relative file to file", input: `{"from": "file://in.csv", "to": "file://out/copy.csv"}`,
			want: `{"from": "file://in.csv", "to": "file://out/copy.csv", "size": 11000, "etag": "` + etag + `"}`},
		{name: "absolute file to a directory", input: `{"from": "` + abs + `/in.csv", "to": "` + abs + `/archive/"}`,
			want: `{"from": "` + abs + `/in.csv", "to": "` + abs + `/archive/in.csv", "size": 11000, "etag": "` + etag + `"}`},
		{name: "http to file", input: `{"from": "` + srv.URL + `/data.csv?v=1", "to": "file://dl/"}`,
			want: `{"from": "` + srv.URL + `/data.csv?v=1", "to": "file://dl/data.csv", "size": 11000, "etag": "` + etag + `"}`},
		// A password in a source URL shows neither in the output (the
		// history) nor in a failure.
		{name: "http source with a password", input: `{"from": "http://u:` + stepSecret + `@` + strings.TrimPrefix(srv.URL, "http://") + `/data.csv", "to": "file://pw.csv"}`,
			want: `{"from": "http://[redacted]@` + strings.TrimPrefix(srv.URL, "http://") + `/data.csv", "to": "file://pw.csv", "size": 11000, "etag": "` + etag + `"}`},
		{name: "unreachable http source with a password", input: `{"from": "http://u:` + stepSecret + `@127.0.0.1:1/data.csv", "to": "file://pw.csv"}`, failure: ErrorCopy, causeHas: []string{"http://[redacted]@127.0.0.1:1/data.csv"}},
		{name: "missing file", input: `{"from": "file://nope.csv", "to": "file://x.csv"}`, failure: ErrorCopyNotFound, causeHas: []string{"file://nope.csv", "no such file"}},
		{name: "missing http source", input: `{"from": "` + srv.URL + `/gone", "to": "file://x.csv"}`, failure: ErrorCopyNotFound, causeHas: []string{"404"}},
		{name: "short http source", input: `{"from": "` + srv.URL + `/short", "to": "file://short.csv"}`, failure: ErrorCopy, causeHas: []string{"writing file://short.csv"}},
		{name: "a directory is not a source", input: `{"from": "file://out", "to": "file://x.csv"}`, failure: ErrorCopy, causeHas: []string{"not a regular file"}},
		{name: "http destination", input: `{"from": "file://in.csv", "to": "` + srv.URL + `/up"}`, failure: ErrorCopyInvalidInput, causeHas: []string{`"to" must be a file://, s3:// URL`}},
		{name: "no scheme", input: `{"from": "in.csv", "to": "file://x"}`, failure: ErrorCopyInvalidInput, causeHas: []string{`"from"`}},
		{name: "s3 without a connection", input: `{"from": "file://in.csv", "to": "s3://bucket/key"}`, failure: ErrorCopyInvalidInput, causeHas: []string{`"connection" is missing`}},
		{name: "s3 with an http connection", input: `{"connection": "api", "from": "file://in.csv", "to": "s3://bucket/key"}`, failure: ErrorCopyInvalidInput, causeHas: []string{"http connection"}},
		{name: "s3 with an unknown connection", input: `{"connection": "lake", "from": "file://in.csv", "to": "s3://bucket/key"}`, failure: ErrorUnknownConnection, causeHas: []string{`"lake"`}},
		{name: "s3 without a key", input: `{"connection": "api", "from": "file://in.csv", "to": "s3://bucket"}`, failure: ErrorCopyInvalidInput, causeHas: []string{"names no key"}},
		{name: "timeout", input: `{"from": "` + srv.URL + `/slow", "to": "file://slow.csv"}`, req: Request{Timeout: 200 * time.Millisecond}, failure: ErrorTimeout},
	})
	got, err := os.ReadFile(filepath.Join(dir, "out", "copy.csv"))
	if err != nil || string(got) != content {
		t.Fatalf("copy.csv = %d bytes, %v", len(got), err)
	}
	// No half-written file is left behind by the failed copies.
	for _, name := range []string{"short.csv", "slow.csv"} {
		if _, err := os.Stat(filepath.Join(dir, name)); !os.IsNotExist(err) {
			t.Fatalf("%s exists after a failed copy: %v", name, err)
		}
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".*baton-*"))
	if len(left) > 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

func TestStepWaitForFiles(t *testing.T) {
	dir := t.TempDir()
	landing := filepath.Join(dir, "landing")
	if err := os.MkdirAll(filepath.Join(landing, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for i, name := range []string{"b.csv", "a.csv", "c.txt", ".d.csv", "sub/e.csv", "old.csv"} {
		p := filepath.Join(landing, name)
		if err := os.WriteFile(p, []byte(name), 0o644); err != nil {
			t.Fatal(err)
		}
		mod := base.Add(time.Duration(i) * time.Hour)
		if name == "b.csv" {
			mod = base.Add(time.Hour) // a.csv and b.csv: same time, ordered by URL
		}
		if name == "old.csv" {
			mod = base.Add(-time.Hour)
		}
		if err := os.Chtimes(p, mod, mod); err != nil {
			t.Fatal(err)
		}
	}
	r := newResolver(t, Options{WorkDir: dir})
	obj := func(url string, size int, hours int) string {
		mod := base.Add(time.Duration(hours) * time.Hour)
		return `{"url": "` + url + `", "size": ` + strconv.Itoa(size) + `, "etag": "` + etagOf(mod, size) + `", "modified": "` + mod.Format(time.RFC3339Nano) + `"}`
	}
	since := base.Add(-time.Minute).Format(time.RFC3339)
	runStepCases(t, r, steptask.ResourceWaitFor, []stepCase{
		{name: "matches sorted by time then URL", input: `{"path": "file://landing/*.csv", "since": "` + since + `"}`,
			want: `{"found": true, "objects": [` + obj("file://landing/a.csv", 5, 1) + `, ` + obj("file://landing/b.csv", 5, 1) + `]}`},
		{name: "absolute path and ?", input: `{"path": "file://` + landing + `/?.txt", "since": "` + since + `"}`,
			want: `{"found": true, "objects": [` + obj("file://"+landing+"/c.txt", 5, 2) + `]}`},
		{name: "only what arrived after since", input: `{"path": "file://landing/*.csv", "since": "` + base.Add(90*time.Minute).Format(time.RFC3339) + `"}`, want: `{"found": false, "objects": []}`},
		{name: "zero since: everything", input: `{"path": "file://landing/old.csv"}`, want: `{"found": true, "objects": [` + obj("file://landing/old.csv", 7, -1) + `]}`},
		{name: "a directory not there yet", input: `{"path": "file://later/*.csv"}`, want: `{"found": false, "objects": []}`},
		{name: "wildcard in a directory", input: `{"path": "file://land*/x.csv"}`, failure: ErrorWaitForInvalidInput, causeHas: []string{"only the last segment"}},
		{name: "bad pattern", input: `{"path": "file://landing/[a.csv"}`, failure: ErrorWaitForInvalidInput, causeHas: []string{"malformed pattern"}},
		{name: "ends with /", input: `{"path": "file://landing/"}`, failure: ErrorWaitForInvalidInput, causeHas: []string{"ends with /"}},
		{name: "http is not listed", input: `{"path": "https://example.com/x"}`, failure: ErrorWaitForInvalidInput, causeHas: []string{`"path" must be a file://, s3:// URL`}},
		{name: "bad since", input: `{"path": "file://x", "since": "yesterday"}`, failure: ErrorWaitForInvalidInput, causeHas: []string{`"since" must be an RFC 3339 time`, `"yesterday"`}},
	})
}

// etagOf is the ETag of a local file: its modification time and size.
func etagOf(mod time.Time, size int) string { return fmt.Sprintf("%x-%x", mod.UnixNano(), size) }

// TestStepCopyReplacesASymlinkAtTheDestination: a symbolic link where the
// copy goes is replaced by the file; what it points to is not written.
func TestStepCopyReplacesASymlinkAtTheDestination(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "precious")
	if err := os.WriteFile(target, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "in.csv"), []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(dir, "out.csv")); err != nil {
		t.Fatal(err)
	}
	r := newResolver(t, Options{WorkDir: dir})
	if _, err := run(t, r, Request{Resource: steptask.ResourceCopy, Input: jsonValue(t, `{"from": "file://in.csv", "to": "file://out.csv"}`)}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(target); string(b) != "keep" {
		t.Fatalf("the link's target was written: %q", b)
	}
	if fi, err := os.Lstat(filepath.Join(dir, "out.csv")); err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("out.csv: %v %v", fi, err)
	}
}
