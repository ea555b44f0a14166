package tasks

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/minio/minio-go/v7"

	"github.com/batonhq/baton/internal/config"
	"github.com/batonhq/baton/internal/steptask"
)

// copyPartSize is the part size of uploads from an HTTP source: what one
// upload holds in memory, and, times S3's 10,000 parts, the largest such
// object (160 GB).
const copyPartSize = 16 << 20

// stepCopyExecutor runs baton:step:copy tasks: one object from a file://,
// s3:// or http(s):// source to a file:// or s3:// destination, streamed.
// Output: {"from", "to", "size", "etag"}.
type stepCopyExecutor struct{ r *Resolver }

var _ Executor = stepCopyExecutor{}

// copySource is an open source.
type copySource struct {
	body io.ReadCloser
	size int64 // -1: unknown
}

// Run copies the object.
func (e stepCopyExecutor) Run(ctx context.Context, req Request) (any, error) {
	t, err := decodeStep[steptask.Copy](req.Input, ErrorCopyInvalidInput)
	if err != nil {
		return nil, err
	}
	dir := e.r.cfg.workDir(req.Dir)
	from, err := parseObjectURL(t.From, "from", ErrorCopyInvalidInput, dir, "file", "s3", "http", "https")
	if err != nil {
		return nil, err
	}
	to, err := parseObjectURL(t.To, "to", ErrorCopyInvalidInput, dir, "file", "s3")
	if err != nil {
		return nil, err
	}
	// A destination ending in / is a directory or prefix: the source's
	// name goes under it.
	if strings.HasSuffix(to.raw, "/") {
		base := path.Base(strings.TrimRight(from.raw, "/"))
		if i := strings.IndexAny(base, "?#"); i >= 0 && (from.scheme == "http" || from.scheme == "https") {
			base = base[:i]
		}
		if to, err = parseObjectURL(to.raw+base, "to", ErrorCopyInvalidInput, dir, "file", "s3"); err != nil {
			return nil, err
		}
	}
	if err := e.r.files.check(from, dir, "from", ErrorCopyInvalidInput); err != nil {
		return nil, err
	}
	if err := e.r.files.check(to, dir, "to", ErrorCopyInvalidInput); err != nil {
		return nil, err
	}
	if to.scheme == "s3" && to.key == "" {
		return nil, invalidInput(ErrorCopyInvalidInput, "to", "names no key: %q (s3://BUCKET/KEY)", to.raw)
	}
	if from.scheme == "s3" && from.key == "" {
		return nil, invalidInput(ErrorCopyInvalidInput, "from", "names no key: %q (s3://BUCKET/KEY)", from.raw)
	}
	var (
		conn   *config.Connection
		client *minio.Client
	)
	if from.scheme == "s3" || to.scheme == "s3" {
		if t.Connection == "" {
			return nil, invalidInput(ErrorCopyInvalidInput, "connection", "is missing: s3:// URLs are reached through a named s3 connection of the server's --config file")
		}
		if conn, err = e.r.connectionOf(req, t.Connection, config.TypeS3, ErrorCopyInvalidInput); err != nil {
			return nil, err
		}
		if client, err = e.r.s3Client(conn); err != nil {
			return nil, err
		}
	}
	ctx, cancel := withTaskTimeout(ctx, req.Timeout)
	defer cancel()
	src, err := e.open(ctx, from, client)
	if err == nil {
		var size int64
		var etag string
		size, etag, err = e.write(ctx, to, src, client)
		src.body.Close()
		if err == nil {
			// The output goes into the history: no password of the URL.
			return map[string]any{"from": redactURL(from.raw), "to": to.raw, "size": size, "etag": etag}, nil
		}
	}
	if ctx.Err() != nil {
		return nil, interruption(ctx, req.Timeout)
	}
	return nil, redactFailure(conn, err)
}

// open opens the source for reading.
func (e stepCopyExecutor) open(ctx context.Context, from objectURL, client *minio.Client) (copySource, error) {
	fail := func(err error) (copySource, error) {
		name := ErrorCopy
		if errors.Is(err, fs.ErrNotExist) || s3NotFound(err) {
			name = ErrorCopyNotFound
		}
		return copySource{}, &Failure{Name: name, Cause: fmt.Sprintf("reading %s: %s", redactURL(from.raw), describeIOError(err))}
	}
	switch from.scheme {
	case "file":
		// Checked before the open too: opening a FIFO blocks until a
		// writer comes, whatever the step's timeout.
		if fi, err := os.Stat(from.path); err == nil && !fi.Mode().IsRegular() {
			return fail(fmt.Errorf("%s is not a regular file", from.path))
		}
		f, err := os.Open(from.path)
		if err != nil {
			return fail(err)
		}
		fi, err := f.Stat()
		if err == nil && !fi.Mode().IsRegular() {
			err = fmt.Errorf("%s is not a regular file", from.path)
		}
		if err != nil {
			f.Close()
			return fail(err)
		}
		return copySource{body: f, size: fi.Size()}, nil
	case "s3":
		obj, err := client.GetObject(ctx, from.bucket, from.key, minio.GetObjectOptions{})
		if err != nil {
			return fail(err)
		}
		st, err := obj.Stat()
		if err != nil {
			obj.Close()
			return fail(err)
		}
		return copySource{body: obj, size: st.Size}, nil
	default: // http, https
		hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, from.raw, nil)
		if err != nil {
			return copySource{}, invalidInput(ErrorCopyInvalidInput, "from", "is not a valid URL: %v", err)
		}
		resp, err := e.r.http.client.Do(hreq)
		if err != nil {
			return fail(err)
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			name := ErrorCopy
			if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone {
				name = ErrorCopyNotFound
			}
			return copySource{}, &Failure{Name: name, Cause: fmt.Sprintf("GET %s answered %s", redactURL(from.raw), resp.Status)}
		}
		return copySource{body: resp.Body, size: resp.ContentLength}, nil
	}
}

// write streams src to the destination and returns the bytes written and
// the destination's ETag (for files, the MD5 of the content, as S3 gives
// for single-part uploads).
func (e stepCopyExecutor) write(ctx context.Context, to objectURL, src copySource, client *minio.Client) (int64, string, error) {
	fail := func(err error) (int64, string, error) {
		return 0, "", &Failure{Name: ErrorCopy, Cause: fmt.Sprintf("writing %s: %s", to.raw, describeIOError(err))}
	}
	if to.scheme == "s3" {
		opts := minio.PutObjectOptions{}
		// A source that is not a file nor an S3 object (an HTTP body) is
		// uploaded through one buffer of a part: of copyPartSize, whatever
		// size it announces (minio-go would size the part, and allocate
		// it, from the announced length: 112 MB for 1 TiB).
		if _, readerAt := src.body.(io.ReaderAt); src.size < 0 || !readerAt {
			opts.PartSize = copyPartSize
		}
		info, err := client.PutObject(ctx, to.bucket, to.key, src.body, src.size, opts)
		if err != nil {
			return fail(err)
		}
		if src.size >= 0 && info.Size != src.size {
			return fail(shortCopy(src.size, info.Size))
		}
		return info.Size, strings.Trim(info.ETag, `"`), nil
	}
	// A file: written beside its final name, then renamed, so that a
	// reader (or a wait_for step) never sees half of it.
	if err := os.MkdirAll(filepath.Dir(to.path), 0o755); err != nil {
		return fail(err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(to.path), "."+filepath.Base(to.path)+".baton-*")
	if err != nil {
		return fail(err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename: nothing
	h := md5.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), ctxReader{ctx: ctx, r: src.body})
	if err == nil && src.size >= 0 && n != src.size {
		err = shortCopy(src.size, n)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), to.path)
	}
	if err != nil {
		return fail(err)
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// describeIOError is an error's message for a cause: S3's code and
// message, or the error.
func describeIOError(err error) string {
	if minio.ToErrorResponse(err).Code != "" {
		return s3Message(err)
	}
	return err.Error()
}

// redactURL drops a URL's user information (a password) for messages.
func redactURL(raw string) string {
	if i := strings.Index(raw, "://"); i >= 0 {
		if at := strings.IndexByte(raw[i+3:], '@'); at >= 0 && !strings.ContainsAny(raw[i+3:i+3+at], "/?#") {
			return raw[:i+3] + "[redacted]@" + raw[i+3+at+1:]
		}
	}
	return raw
}
