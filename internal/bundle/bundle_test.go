package bundle

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		mode := os.FileMode(0o644)
		if strings.HasSuffix(name, ".sh") {
			mode = 0o755
		}
		if err := os.WriteFile(p, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func names(b *Bundle) string {
	var n []string
	for _, f := range b.Files {
		n = append(n, f.Name+":"+f.Mode.String())
	}
	return strings.Join(n, " ")
}

func TestPackRoundTrip(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"pipeline.yaml":       "name: p\nsteps: []\n",
		"jobs/run.sh":         "#!/bin/sh\necho hi\n",
		"jobs/x.pyc":          "junk",
		".git/HEAD":           "ref",
		"baton-data/baton.db": "db",
		".batonignore":        "*.pyc\n",
		"sql/load.sql":        "SELECT 1",
	})
	b, err := Pack(dir, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := ".batonignore:-rw-r--r-- jobs/run.sh:-rwxr-xr-x pipeline.yaml:-rw-r--r-- sql/load.sql:-rw-r--r--"
	if got := names(b); got != want {
		t.Fatalf("files = %s\nwant     %s", got, want)
	}
	if data, ok := b.File("sql/load.sql"); !ok || string(data) != "SELECT 1" {
		t.Fatalf("File(sql/load.sql) = %q, %v", data, ok)
	}
	if _, ok := b.File("jobs/x.pyc"); ok {
		t.Fatal("an ignored file is in the bundle")
	}
	enc := b.Bytes()
	if !bytes.Equal(enc, b.Bytes()) {
		t.Fatal("Encode is not deterministic")
	}
	back, err := Decode(bytes.NewReader(enc), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if back.Digest() != b.Digest() || names(back) != want || back.Size() != b.Size() {
		t.Fatalf("decoded bundle differs: %s %s", back.Digest(), names(back))
	}
	// The digest depends on the content only.
	b2, _ := Pack(dir, Limits{})
	if b2.Digest() != b.Digest() {
		t.Fatal("the digest of the same project changed")
	}
	os.WriteFile(filepath.Join(dir, "sql/load.sql"), []byte("SELECT 2"), 0o644)
	b3, _ := Pack(dir, Limits{})
	if b3.Digest() == b.Digest() {
		t.Fatal("the digest did not change with the content")
	}
	out := filepath.Join(t.TempDir(), "run")
	if err := back.Extract(out); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(out, "jobs/run.sh"))
	if err != nil || st.Mode().Perm() != 0o755 {
		t.Fatalf("extracted script: %v %v", st, err)
	}
	if err := back.Extract(out); err == nil {
		t.Fatal("Extract into a non-empty directory succeeded")
	}
}

func TestPackRefuses(t *testing.T) {
	dir := writeTree(t, map[string]string{"pipeline.yaml": "x", "big.bin": strings.Repeat("x", 2000)})
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	_, err := Pack(dir, Limits{})
	if err == nil || !strings.Contains(err.Error(), "symbolic link") || !strings.Contains(err.Error(), ".batonignore") {
		t.Fatalf("Pack with a symlink: %v", err)
	}
	os.WriteFile(filepath.Join(dir, ".batonignore"), []byte("link\n"), 0o644)
	if _, err := Pack(dir, Limits{}); err != nil {
		t.Fatalf("Pack with the symlink ignored: %v", err)
	}
	if _, err := Pack(dir, Limits{MaxBytes: 1000}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Pack past MaxBytes: %v", err)
	}
	if _, err := Pack(dir, Limits{MaxFiles: 2}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Pack past MaxFiles: %v", err)
	}
}

type entry struct {
	name string
	typ  byte
	body string
	link string
}

func archive(t testing.TB, entries ...entry) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: 0o644, Size: int64(len(e.body)), Linkname: e.link}
		if e.typ != tar.TypeReg {
			hdr.Size = 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(e.body))
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func TestDecodeHostile(t *testing.T) {
	reg := func(name, body string) entry { return entry{name: name, typ: tar.TypeReg, body: body} }
	cases := []struct {
		name string
		data []byte
		lim  Limits
		want string
	}{
		{"parent", archive(t, reg("../evil", "x")), Limits{}, "not a clean relative path"},
		{"nested parent", archive(t, reg("a/../../evil", "x")), Limits{}, "not a clean relative path"},
		{"absolute", archive(t, reg("/etc/cron.d/x", "x")), Limits{}, "not a clean relative path"},
		{"dot", archive(t, reg(".", "x")), Limits{}, "not a clean relative path"},
		{"backslash", archive(t, reg(`a\..\x`, "x")), Limits{}, "backslash"},
		{"control", archive(t, reg("a\nb", "x")), Limits{}, "control character"},
		{"symlink", archive(t, entry{name: "l", typ: tar.TypeSymlink, link: "/etc"}), Limits{}, "only regular files"},
		{"hard link", archive(t, entry{name: "l", typ: tar.TypeLink, link: "x"}), Limits{}, "only regular files"},
		{"duplicate", archive(t, reg("a", "1"), reg("a", "2")), Limits{}, "appears twice"},
		{"file and dir", archive(t, reg("a", "1"), reg("a/b", "2")), Limits{}, "both a file and a directory"},
		// "a-x" sorts between "a" and "a/b" ('-' < '/'): the check must
		// not rest on the two being neighbours.
		{"file and dir apart", archive(t, reg("a", "1"), reg("a-x", "2"), reg("a/b", "3")), Limits{}, `"a" is both a file and a directory`},
		{"file and deep dir", archive(t, reg("a/b/c/d", "1"), reg("a/b", "2"), reg("a/b.txt", "3")), Limits{}, `"a/b" is both a file and a directory`},
		{"too many", archive(t, reg("a", "1"), reg("b", "2"), reg("c", "3")), Limits{MaxFiles: 2}, "more than 2 files"},
		{"too big", archive(t, reg("a", strings.Repeat("x", 100))), Limits{MaxBytes: 50}, "pass 50 bytes"},
		{"not gzip", []byte("PK\x03\x04"), Limits{}, "not a gzipped tar"},
		{"truncated", archive(t, reg("a", "hello"))[:40], Limits{}, "bundle:"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode(bytes.NewReader(c.data), c.lim)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Decode = %v, want an error with %q", err, c.want)
			}
		})
	}
}

// A small archive that expands to far more than the limit stops at the
// limit instead of filling memory.
func TestDecodeBomb(t *testing.T) {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	tw := tar.NewWriter(zw)
	tw.WriteHeader(&tar.Header{Name: "zeros", Typeflag: tar.TypeReg, Mode: 0o644, Size: 1 << 30})
	zero := make([]byte, 1<<20)
	for i := 0; i < 64; i++ { // write 64 MiB of the announced 1 GiB, then stop
		tw.Write(zero)
	}
	zw.Close()
	if buf.Len() > 1<<20 {
		t.Fatalf("bomb is %d bytes", buf.Len())
	}
	_, err := Decode(bytes.NewReader(buf.Bytes()), Limits{MaxBytes: 1 << 20})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Decode of a bomb = %v, want ErrTooLarge", err)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(archive(f, entry{name: "pipeline.yaml", typ: tar.TypeReg, body: "name: x"}, entry{name: "jobs/", typ: tar.TypeDir}))
	f.Add(archive(f, entry{name: "../x", typ: tar.TypeReg, body: "x"}))
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Decode(bytes.NewReader(data), Limits{MaxBytes: 1 << 16, MaxFiles: 64})
		if err != nil {
			return
		}
		for _, file := range b.Files {
			if checkName(file.Name) != nil {
				t.Fatalf("accepted a bad name %q", file.Name)
			}
		}
		back, err := Decode(bytes.NewReader(b.Bytes()), Limits{MaxBytes: 1 << 16, MaxFiles: 64})
		if err != nil || back.Digest() != b.Digest() {
			t.Fatalf("re-encoding changed the bundle: %v", err)
		}
	})
}

// TestPackIgnoreFileIsBounded: a .batonignore that is a symbolic link (to
// /dev/zero, which filled memory) or larger than 1 MiB is refused before
// it is read.
func TestPackIgnoreFileIsBounded(t *testing.T) {
	dir := writeTree(t, map[string]string{"pipeline.yaml": "x"})
	if err := os.Symlink("/dev/zero", filepath.Join(dir, IgnoreFile)); err != nil {
		t.Fatal(err)
	}
	if _, err := Pack(dir, Limits{}); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("Pack with .batonignore -> /dev/zero: %v", err)
	}
	os.Remove(filepath.Join(dir, IgnoreFile))
	if err := os.WriteFile(filepath.Join(dir, IgnoreFile), []byte(strings.Repeat("#\n", 1<<19+1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Pack(dir, Limits{}); err == nil || !strings.Contains(err.Error(), "larger than 1 MiB") {
		t.Fatalf("Pack with a huge .batonignore: %v", err)
	}
}
