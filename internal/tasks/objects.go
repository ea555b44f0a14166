package tasks

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/batonhq/baton/internal/config"
)

// objectURL is a parsed location of the copy and wait_for steps:
// file://PATH (absolute with a third slash, file:///srv/x; else relative to
// the step's working directory, file://out/x), s3://BUCKET/KEY, or an
// http(s) URL (copy sources only).
type objectURL struct {
	raw         string // as the step wrote it
	scheme      string // "file", "s3", "http" or "https"
	path        string // file: the local path, resolved against the working directory
	bucket, key string // s3
}

// parseObjectURL parses field's value, allowing the given schemes; dir is
// the working directory that relative file:// paths are under.
func parseObjectURL(raw, field, invalid, dir string, schemes ...string) (objectURL, error) {
	u := objectURL{raw: raw}
	scheme, rest, ok := strings.Cut(raw, "://")
	allowed := false
	for _, s := range schemes {
		allowed = allowed || s == scheme
	}
	if !ok || !allowed {
		return u, invalidInput(invalid, field, "must be a %s:// URL, got %q", strings.Join(schemes, "://, "), raw)
	}
	u.scheme = scheme
	switch scheme {
	case "file":
		if rest == "" || strings.ContainsRune(rest, 0) {
			return u, invalidInput(invalid, field, "names no file: %q", raw)
		}
		u.path = rest
		if !filepath.IsAbs(rest) && dir != "" {
			u.path = filepath.Join(dir, rest)
		}
	case "s3":
		u.bucket, u.key, _ = strings.Cut(rest, "/")
		if u.bucket == "" {
			return u, invalidInput(invalid, field, "names no bucket: %q (s3://BUCKET/KEY)", raw)
		}
	}
	return u, nil
}

// s3Client returns the client of an s3 connection, made once.
func (r *Resolver) s3Client(conn *config.Connection) (*minio.Client, error) {
	v, err := r.clients.get("s3:"+conn.Name, func() (any, error) { return newS3Client(conn.S3) })
	if err != nil {
		return nil, redacted(conn, ErrorCopy, "connection %q: %v", conn.Name, err)
	}
	return v.(*minio.Client), nil
}

func newS3Client(c *config.S3) (*minio.Client, error) {
	tr, err := minio.DefaultTransport(c.TLS)
	if err != nil {
		return nil, err
	}
	if len(c.CA) > 0 {
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		pool.AppendCertsFromPEM(c.CA)
		tr.TLSClientConfig.RootCAs = pool
	}
	lookup := minio.BucketLookupPath
	if !c.PathStyle {
		lookup = minio.BucketLookupDNS
	}
	return minio.New(c.Endpoint, &minio.Options{
		// Empty keys sign nothing: anonymous access.
		Creds:        credentials.NewStaticV4(c.AccessKeyID.Reveal(), c.SecretAccessKey.Reveal(), ""),
		Secure:       c.TLS,
		Transport:    tr,
		Region:       c.Region,
		BucketLookup: lookup,
		// A few quick retries for a blip (minio-go's default is 10, some
		// seconds); retrying longer is the step's retry policy's business.
		MaxRetries: 3,
	})
}

// s3NotFound reports whether an S3 error says the bucket or key does not
// exist.
func s3NotFound(err error) bool {
	switch minio.ToErrorResponse(err).Code {
	case "NoSuchKey", "NoSuchBucket", "NotFound":
		return true
	}
	return false
}

// s3Message describes an S3 error by its code and message.
func s3Message(err error) string {
	if resp := minio.ToErrorResponse(err); resp.Code != "" {
		if resp.Message != "" {
			return resp.Code + ": " + resp.Message
		}
		return resp.Code
	}
	return err.Error()
}

// ctxReader stops reading when ctx ends, for copies that the reader itself
// would not interrupt (local files).
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// errShortCopy is a source that ended before its announced size.
var errShortCopy = errors.New("the source ended before its announced size")

func shortCopy(want, got int64) error {
	return fmt.Errorf("%w (%d bytes announced, %d read)", errShortCopy, want, got)
}

// filePolicy says which local paths copy and wait_for steps may use.
type filePolicy struct {
	anywhere bool     // every path but denied
	allowed  []string // else only these directories (and the run's own)
	denied   []string // never these (the server's data directory), but the run's own directory
}

// newFilePolicy builds the policy of Options.StepPaths and DeniedPaths.
func newFilePolicy(allowed, denied []string) filePolicy {
	p := filePolicy{anywhere: allowed == nil}
	for _, a := range allowed {
		p.allowed = append(p.allowed, realPath(a))
	}
	for _, d := range denied {
		p.denied = append(p.denied, realPath(d))
	}
	return p
}

// check refuses a file:// location the policy does not allow. dir is the
// step's working directory (its run's own, always allowed). Paths are
// compared with their symbolic links resolved, so a link cannot lead out.
func (p filePolicy) check(u objectURL, dir, field, invalid string) error {
	if u.scheme != "file" || p.anywhere && len(p.denied) == 0 {
		return nil
	}
	path := realPath(u.path)
	if dir != "" && within(path, realPath(dir)) {
		return nil
	}
	for _, d := range p.denied {
		if within(path, d) {
			return invalidInput(invalid, field, "%q is inside the server's data directory, which steps may not use (only their run's own directory there)", u.raw)
		}
	}
	if p.anywhere {
		return nil
	}
	for _, a := range p.allowed {
		if within(path, a) {
			return nil
		}
	}
	list := "none"
	if len(p.allowed) > 0 {
		list = strings.Join(p.allowed, ", ")
	}
	return invalidInput(invalid, field, "%q is outside the directories steps may use on this server (%s, and the run's own); its operator adds some with --step-paths", u.raw, list)
}

// realPath is path cleaned, with the symbolic links of its longest
// existing ancestor resolved (the rest may not exist yet: a copy's
// destination).
func realPath(path string) string {
	path = filepath.Clean(path)
	rest := ""
	for cur := path; ; {
		if r, err := filepath.EvalSymlinks(cur); err == nil {
			return filepath.Join(r, rest)
		}
		parent := filepath.Dir(cur)
		if parent == cur {
			return path
		}
		rest = filepath.Join(filepath.Base(cur), rest)
		cur = parent
	}
}

// within tells whether path is dir or under it.
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}
