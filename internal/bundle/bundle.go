package bundle

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"
)

// Limits bound a bundle. Zero fields take the defaults.
type Limits struct {
	MaxBytes int64 // total size of the files (default 64 MiB)
	MaxFiles int   // number of files (default 10,000)
}

// Default limits.
const (
	DefaultMaxBytes = 64 << 20
	DefaultMaxFiles = 10000
	maxNameBytes    = 1024
)

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxFiles <= 0 {
		l.MaxFiles = DefaultMaxFiles
	}
	return l
}

// File is one file of a bundle.
type File struct {
	Name string      // slash-separated, relative, clean
	Mode fs.FileMode // 0644, or 0755 for an executable
	Data []byte
}

// Bundle is a project's files, sorted by name.
type Bundle struct {
	Files []File
	size  int64
}

// ErrTooLarge is wrapped by the errors of bundles past their limits.
var ErrTooLarge = errors.New("bundle too large")

// Size is the total size of the files.
func (b *Bundle) Size() int64 { return b.size }

// File returns the content of the named file.
func (b *Bundle) File(name string) ([]byte, bool) {
	i, ok := slices.BinarySearchFunc(b.Files, name, func(f File, n string) int { return strings.Compare(f.Name, n) })
	if !ok {
		return nil, false
	}
	return b.Files[i].Data, true
}

// Digest is "sha256:" and the hex SHA-256 of the bundle's content: each
// file's name, mode and bytes, in name order, each length-prefixed.
func (b *Bundle) Digest() string {
	h := sha256.New()
	var n [8]byte
	for _, f := range b.Files {
		for _, part := range [][]byte{[]byte(f.Name), []byte(f.Mode.String()), f.Data} {
			binary.BigEndian.PutUint64(n[:], uint64(len(part)))
			h.Write(n[:])
			h.Write(part)
		}
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// Pack reads the project in dir, leaving out what its .batonignore lists.
// Symbolic links, devices and other special files are refused (list them
// in .batonignore to leave them out), so a bundle never depends on what
// lies outside its project.
func Pack(dir string, lim Limits) (*Bundle, error) {
	lim = lim.withDefaults()
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	ig, err := readIgnore(root, dir)
	if err != nil {
		return nil, err
	}
	b := &Bundle{}
	err = fs.WalkDir(root.FS(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if name == "." {
			return nil
		}
		if ig.Match(name, d.IsDir()) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		where := filepath.Join(dir, filepath.FromSlash(name))
		switch t := d.Type(); {
		case t.IsDir():
			return nil
		case !t.IsRegular():
			return fmt.Errorf("%s: %s is not a regular file; bundles hold regular files only (list it in %s to leave it out)", where, kindOf(t), IgnoreFile)
		}
		if err := checkName(name); err != nil {
			return fmt.Errorf("%s: %v", where, err)
		}
		if len(b.Files) >= lim.MaxFiles {
			return fmt.Errorf("%w: more than %d files (list what the pipeline does not need in %s)", ErrTooLarge, lim.MaxFiles, IgnoreFile)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if b.size+info.Size() > lim.MaxBytes {
			return fmt.Errorf("%w: the files pass %d bytes at %s (list what the pipeline does not need in %s)", ErrTooLarge, lim.MaxBytes, where, IgnoreFile)
		}
		data, err := readAtMost(root, name, lim.MaxBytes-b.size)
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		b.size += int64(len(data))
		b.Files = append(b.Files, File{Name: name, Mode: modeOf(info.Mode()), Data: data})
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(b.Files, func(x, y File) int { return strings.Compare(x.Name, y.Name) })
	return b, nil
}

// readIgnore reads the project's .batonignore, a regular file of at most
// 1 MiB: like the project's other files, not a symbolic link (one to
// /dev/zero would fill memory) nor a FIFO (which would block).
func readIgnore(root *os.Root, dir string) (*Ignore, error) {
	name := filepath.Join(dir, IgnoreFile)
	fi, err := root.Lstat(IgnoreFile)
	if errors.Is(err, fs.ErrNotExist) {
		return ParseIgnore(name, nil)
	}
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %s is not a regular file", name, kindOf(fi.Mode().Type()))
	}
	src, err := readAtMost(root, IgnoreFile, 1<<20)
	if errors.Is(err, ErrTooLarge) || fi.Size() > 1<<20 {
		return nil, fmt.Errorf("%s: larger than 1 MiB", name)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return ParseIgnore(name, src)
}

func readAtMost(root *os.Root, name string, n int64) ([]byte, error) {
	f, err := root.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, n+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > n {
		return nil, fmt.Errorf("%w: the file grew while it was read", ErrTooLarge)
	}
	return data, nil
}

func kindOf(t fs.FileMode) string {
	switch {
	case t&fs.ModeSymlink != 0:
		return "a symbolic link"
	case t&fs.ModeDevice != 0:
		return "a device"
	case t&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case t&fs.ModeSocket != 0:
		return "a socket"
	}
	return "a special file"
}

func modeOf(m fs.FileMode) fs.FileMode {
	if m.Perm()&0o111 != 0 {
		return 0o755
	}
	return 0o644
}

// checkName refuses names a bundle cannot hold safely.
func checkName(name string) error {
	switch {
	case name == "" || len(name) > maxNameBytes:
		return fmt.Errorf("the name must have 1 to %d bytes", maxNameBytes)
	case !utf8.ValidString(name):
		return fmt.Errorf("the name is not valid UTF-8")
	case strings.ContainsAny(name, "\x00\\") || strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return fmt.Errorf("the name holds a backslash or a control character")
	case path.IsAbs(name) || path.Clean(name) != name || name == "." || name == ".." || strings.HasPrefix(name, "../"):
		return fmt.Errorf("the name is not a clean relative path")
	}
	return nil
}

// Encode writes the bundle as a gzipped tar archive. The same bundle
// always gives the same bytes.
func (b *Bundle) Encode(w io.Writer) error {
	zw, _ := gzip.NewWriterLevel(w, gzip.BestSpeed)
	tw := tar.NewWriter(zw)
	for _, f := range b.Files {
		hdr := &tar.Header{Typeflag: tar.TypeReg, Name: f.Name, Mode: int64(f.Mode), Size: int64(len(f.Data)), Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := tw.Write(f.Data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return zw.Close()
}

// Bytes is Encode into memory.
func (b *Bundle) Bytes() []byte {
	var buf bytes.Buffer
	_ = b.Encode(&buf) // writing to memory does not fail
	return buf.Bytes()
}

// Decode reads a gzipped tar archive from an untrusted source within lim:
// only regular files (and directory entries, which are skipped) with clean
// relative names, each once.
func Decode(r io.Reader, lim Limits) (*Bundle, error) {
	lim = lim.withDefaults()
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("bundle: not a gzipped tar archive: %v", err)
	}
	zr.Multistream(false)
	// The tar headers and padding add to the files' bytes; bound them too.
	tr := tar.NewReader(io.LimitReader(zr, lim.MaxBytes+int64(lim.MaxFiles+16)*4096))
	b := &Bundle{}
	seen := map[string]bool{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("bundle: bad archive after %d files: %v", len(b.Files), err)
		}
		name := strings.TrimSuffix(hdr.Name, "/")
		if hdr.Typeflag == tar.TypeDir {
			if err := checkName(name); err != nil {
				return nil, fmt.Errorf("bundle: entry %q: %v", hdr.Name, err)
			}
			continue
		}
		if hdr.Typeflag != tar.TypeReg {
			return nil, fmt.Errorf("bundle: entry %q: only regular files are allowed (type %q)", hdr.Name, hdr.Typeflag)
		}
		if err := checkName(name); err != nil {
			return nil, fmt.Errorf("bundle: entry %q: %v", hdr.Name, err)
		}
		if seen[name] {
			return nil, fmt.Errorf("bundle: entry %q appears twice", name)
		}
		seen[name] = true
		if len(b.Files) >= lim.MaxFiles {
			return nil, fmt.Errorf("%w: more than %d files", ErrTooLarge, lim.MaxFiles)
		}
		if hdr.Size < 0 || b.size+hdr.Size > lim.MaxBytes {
			return nil, fmt.Errorf("%w: the files pass %d bytes at %q", ErrTooLarge, lim.MaxBytes, name)
		}
		data := make([]byte, hdr.Size)
		if _, err := io.ReadFull(tr, data); err != nil {
			return nil, fmt.Errorf("bundle: entry %q: %v", name, err)
		}
		b.size += hdr.Size
		b.Files = append(b.Files, File{Name: name, Mode: modeOf(fs.FileMode(hdr.Mode)), Data: data})
	}
	slices.SortFunc(b.Files, func(x, y File) int { return strings.Compare(x.Name, y.Name) })
	// A file and a directory of the same name ("a" and "a/b") cannot both
	// be extracted. Every parent of every file is looked up: in name order
	// the two need not be neighbours ("a", "a-x", "a/b").
	for _, f := range b.Files {
		for d := f.Name; ; {
			i := strings.LastIndexByte(d, '/')
			if i < 0 {
				break
			}
			if d = d[:i]; seen[d] {
				return nil, fmt.Errorf("bundle: %q is both a file and a directory", d)
			}
		}
	}
	return b, nil
}

// Extract writes the bundle's files under dir, which must be empty or not
// exist. Files are written through an os.Root, so no name can reach outside
// dir even if it were crafted to.
func (b *Bundle) Extract(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if ents, err := os.ReadDir(dir); err != nil {
		return err
	} else if len(ents) > 0 {
		return fmt.Errorf("bundle: %s is not empty", dir)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	for _, f := range b.Files {
		if err := checkName(f.Name); err != nil {
			return fmt.Errorf("bundle: %q: %v", f.Name, err)
		}
		if d := path.Dir(f.Name); d != "." {
			if err := root.MkdirAll(d, 0o755); err != nil {
				return err
			}
		}
		w, err := root.OpenFile(f.Name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, f.Mode)
		if err != nil {
			return err
		}
		_, err = w.Write(f.Data)
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}
