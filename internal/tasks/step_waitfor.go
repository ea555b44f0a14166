package tasks

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/batonhq/baton/internal/config"
	"github.com/batonhq/baton/internal/steptask"
)

// Bounds of one wait_for probe.
const (
	// waitForMaxListed is the most directory entries or S3 keys one probe
	// looks at; past it the step fails, asking for a narrower path.
	waitForMaxListed = 100_000
	// waitForMaxObjects is the most matching objects in the output (the
	// oldest first); past it the output says "truncated": true.
	waitForMaxObjects = 1_000
)

// stepWaitForExecutor runs baton:step:wait_for tasks: one probe that lists
// the objects matching a pattern and modified after a time. Output:
// {"found": bool, "objects": [{"url", "size", "etag", "modified"}]}, sorted
// by modification time, then URL. The interpreter probes again later when
// nothing is found; no worker waits here.
type stepWaitForExecutor struct{ r *Resolver }

var _ Executor = stepWaitForExecutor{}

// foundObject is one object that matched.
type foundObject struct {
	url, etag string
	size      int64
	modified  time.Time
	changed   time.Time // local files: the inode's change time (see changeTime)
}

// Run probes once.
func (e stepWaitForExecutor) Run(ctx context.Context, req Request) (any, error) {
	t, err := decodeStep[steptask.WaitFor](req.Input, ErrorWaitForInvalidInput)
	if err != nil {
		return nil, err
	}
	ctx, cancel := withTaskTimeout(ctx, req.Timeout)
	defer cancel()
	found, conn, err := e.r.list(ctx, req, t.Path, t.Connection, e.r.cfg.workDir(req.Dir), t.Since)
	if err != nil {
		if ctx.Err() != nil {
			return nil, interruption(ctx, req.Timeout)
		}
		return nil, redactFailure(conn, err)
	}
	slices.SortFunc(found, func(a, b foundObject) int {
		return cmp.Or(a.modified.Compare(b.modified), strings.Compare(a.url, b.url))
	})
	out := map[string]any{"found": len(found) > 0}
	if len(found) > waitForMaxObjects {
		found = found[:waitForMaxObjects]
		out["truncated"] = true
	}
	objects := make([]any, len(found))
	for i, o := range found {
		objects[i] = map[string]any{"url": o.url, "size": o.size, "etag": o.etag, "modified": o.modified.UTC().Format(time.RFC3339Nano)}
	}
	out["objects"] = objects
	return out, nil
}

// list lists the objects at rawPath (file:// or s3://, a pattern in its
// last segment) modified after since; dir is the working directory of
// relative file:// paths. conn is the s3 connection used, for redaction.
func (r *Resolver) list(ctx context.Context, req Request, rawPath, connection, dir string, since time.Time) ([]foundObject, *config.Connection, error) {
	loc, err := parseObjectURL(rawPath, "path", ErrorWaitForInvalidInput, dir, "file", "s3")
	if err != nil {
		return nil, nil, err
	}
	if err := r.files.check(loc, dir, "path", ErrorWaitForInvalidInput); err != nil {
		return nil, nil, err
	}
	// The part as written, so that the URLs found read like the path.
	prefix, pattern := path.Split(loc.raw)
	if pattern == "" {
		return nil, nil, invalidInput(ErrorWaitForInvalidInput, "path", "ends with /: give a file name or a pattern (*.csv) as its last segment")
	}
	if strings.ContainsAny(strings.TrimPrefix(prefix, loc.scheme+"://"), "*?[") {
		return nil, nil, invalidInput(ErrorWaitForInvalidInput, "path", "has wildcards before its last segment: only the last segment may hold * ? [...] (%q)", rawPath)
	}
	if _, err := path.Match(pattern, ""); err != nil {
		return nil, nil, invalidInput(ErrorWaitForInvalidInput, "path", "has a malformed pattern %q: %v", pattern, err)
	}
	if loc.scheme != "s3" {
		found, err := listFiles(ctx, loc, prefix, pattern, since)
		return found, nil, err
	}
	if connection == "" {
		return nil, nil, invalidInput(ErrorWaitForInvalidInput, "connection", "is missing: s3:// paths are listed through a named s3 connection of the server's --config file")
	}
	conn, err := r.connectionOf(req, connection, config.TypeS3, ErrorWaitForInvalidInput)
	if err != nil {
		return nil, nil, err
	}
	client, err := r.s3Client(conn)
	if err != nil {
		return nil, conn, err
	}
	found, err := listS3(ctx, client, loc, prefix, pattern, since)
	return found, conn, err
}

// Object is an object that ListObjects found.
type Object struct {
	URL, ETag string
	Size      int64
	Modified  time.Time
	// Changed is when it last changed in any way: for a local file its
	// inode change time (a file moved or copied in with its modification
	// time kept has an old Modified but a new Changed); for S3 Modified.
	Changed time.Time
}

// ListObjects lists the objects at rawPath (an absolute file:// path or an
// s3:// one read through the named s3 connection; only its last segment
// may hold * ? [...]), as one wait_for probe does: the data triggers of
// pipelines watch locations with it. Failures are *Failure with the
// connection's secrets redacted.
func (r *Resolver) ListObjects(ctx context.Context, rawPath, connection string) ([]Object, error) {
	found, conn, err := r.list(ctx, Request{}, rawPath, connection, "", time.Time{})
	if err != nil {
		return nil, redactFailure(conn, err)
	}
	out := make([]Object, len(found))
	for i, o := range found {
		out[i] = Object{URL: o.url, ETag: o.etag, Size: o.size, Modified: o.modified, Changed: cmp.Or(o.changed, o.modified)}
	}
	return out, nil
}

// tooMany is the failure of a listing past waitForMaxListed.
func tooMany(where string) error {
	return &Failure{Name: ErrorWaitFor, Cause: fmt.Sprintf("more than %d entries under %s: give a narrower path (a directory or prefix of its own, or a longer literal start of the pattern)", waitForMaxListed, where)}
}

// listFiles lists the regular files of one directory. A directory that
// does not exist yet holds nothing.
func listFiles(ctx context.Context, loc objectURL, prefix, pattern string, since time.Time) ([]foundObject, error) {
	dir := path.Dir(loc.path)
	// Opening a FIFO would block until a writer comes: check first.
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return nil, &Failure{Name: ErrorWaitFor, Cause: fmt.Sprintf("listing %s: not a directory", dir)}
	}
	f, err := os.Open(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, &Failure{Name: ErrorWaitFor, Cause: fmt.Sprintf("listing %s: %v", dir, err)}
	}
	defer f.Close()
	var found []foundObject
	listed := 0
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		entries, err := f.ReadDir(1024)
		for _, d := range entries {
			if listed++; listed > waitForMaxListed {
				return nil, tooMany(prefix)
			}
			if ok, _ := path.Match(pattern, d.Name()); !ok || !d.Type().IsRegular() || strings.HasPrefix(d.Name(), ".") {
				continue // hidden files are copies in progress (see step_copy.go)
			}
			info, err := d.Info()
			if err != nil || !info.ModTime().After(since) {
				continue // removed meanwhile, or too old
			}
			found = append(found, foundObject{
				url:  prefix + d.Name(),
				size: info.Size(),
				// No content hash for local files: the size and the
				// modification time tell a change, like a web server's
				// weak ETag.
				etag:     fmt.Sprintf("%x-%x", info.ModTime().UnixNano(), info.Size()),
				modified: info.ModTime(),
				changed:  changeTime(info),
			})
		}
		if errors.Is(err, io.EOF) || (err == nil && len(entries) == 0) {
			return found, nil
		}
		if err != nil {
			return nil, &Failure{Name: ErrorWaitFor, Cause: fmt.Sprintf("listing %s: %v", dir, err)}
		}
	}
}

// listS3 lists the keys of one "directory" of a bucket, from the literal
// start of the pattern.
func listS3(ctx context.Context, client *minio.Client, loc objectURL, prefix, pattern string, since time.Time) ([]foundObject, error) {
	keyDir, _ := path.Split(loc.key)
	literal := pattern
	if i := strings.IndexAny(pattern, "*?[\\"); i >= 0 {
		literal = pattern[:i]
	}
	lctx, stop := context.WithCancel(ctx)
	defer stop() // ends the listing goroutine when we return early
	var found []foundObject
	listed := 0
	for o := range client.ListObjects(lctx, loc.bucket, minio.ListObjectsOptions{Prefix: keyDir + literal}) {
		if o.Err != nil {
			return nil, &Failure{Name: ErrorWaitFor, Cause: fmt.Sprintf("listing s3://%s/%s: %s", loc.bucket, keyDir, s3Message(o.Err))}
		}
		if listed++; listed > waitForMaxListed {
			return nil, tooMany(prefix)
		}
		name := strings.TrimPrefix(o.Key, keyDir)
		if strings.HasSuffix(o.Key, "/") || strings.Contains(name, "/") {
			continue // a "subdirectory"
		}
		if ok, _ := path.Match(pattern, name); !ok || !o.LastModified.After(since) {
			continue
		}
		found = append(found, foundObject{url: prefix + name, size: o.Size, etag: strings.Trim(o.ETag, `"`), modified: o.LastModified})
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return found, nil
}
