package native

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/server/httpx"
)

// bundlesPath is the route that takes a body that is not JSON: a project
// bundle, as application/gzip (no media type a web page may send to
// another site without asking, so the CSRF reasoning of wrap holds).
const bundlesPath = Prefix + "/bundles"

// gzipType is the media type of a bundle.
const gzipType = "application/gzip"

// maxBundleBody is the most a bundle's encoded form may take for files of
// at most maxBytes in maxFiles files: gzip adds little even to data it
// cannot compress, and tar adds a 512-byte header and up to 511 bytes of
// padding per file (two headers for a long name).
func maxBundleBody(maxBytes int64, maxFiles int) int64 {
	return maxBytes + maxBytes/100 + int64(maxFiles)*2048 + 64<<10
}

// putBundle answers POST /api/v1/bundles: a project bundle, checked and
// stored. 201 when new, 200 when the same files were stored before.
func (h *handler) putBundle(w http.ResponseWriter, r *http.Request) error {
	lim := h.svc.BundleLimits()
	limit := maxBundleBody(lim.MaxBytes, lim.MaxFiles)
	body := &bodyErr{r: http.MaxBytesReader(w, r.Body, limit)}
	out, err := h.svc.PutBundle(r.Context(), body)
	if body.err != nil {
		return bundleBodyError(w, body.err, lim.MaxBytes, limit)
	}
	if err != nil {
		return err
	}
	status := http.StatusOK
	if out.Created {
		status = http.StatusCreated
	}
	writeJSON(w, status, out)
	return nil
}

// bodyErr remembers the error of reading the request body, to answer it
// rather than the decoder's view of it.
type bodyErr struct {
	r   io.Reader
	err error
}

func (b *bodyErr) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF && b.err == nil {
		b.err = err
	}
	return n, err
}

// bundleBodyError is the answer to a bundle body that could not be read.
func bundleBodyError(w http.ResponseWriter, err error, maxBytes, limit int64) error {
	var mbe *http.MaxBytesError
	var ne net.Error
	switch {
	case errors.As(err, &mbe):
		return &apierr.Error{Code: apierr.ValidationException, Status: http.StatusRequestEntityTooLarge,
			Message: fmt.Sprintf("the bundle is larger than %d bytes, the limit for projects of %d bytes of files; leave out what runs do not need with .batonignore, or raise the limit with baton server --max-bundle-bytes (BATON_MAX_BUNDLE_BYTES)", limit, maxBytes)}
	case errors.As(err, &ne) && ne.Timeout():
		return &apierr.Error{Code: httpx.RequestTimeout, Status: http.StatusRequestTimeout,
			Message: "the bundle did not arrive within the server's read timeout (baton server --read-timeout, BATON_READ_TIMEOUT)"}
	case errors.Is(err, httpx.ErrBodyBudget):
		w.Header().Set("Retry-After", "1")
		return &apierr.Error{Code: apierr.ServiceUnavailable, Status: http.StatusServiceUnavailable,
			Message: "the server is holding as many request bodies as it may at once (baton server --max-body-memory, BATON_MAX_BODY_MEMORY); retry shortly"}
	}
	return apierr.New(apierr.Serialization, "cannot read the bundle: %v", err)
}

// getBundle answers GET /api/v1/bundles/{digest}: the bundle as stored.
func (h *handler) getBundle(w http.ResponseWriter, r *http.Request) error {
	digest, err := pathName(r, "digest")
	if err != nil {
		return err
	}
	data, release, err := h.svc.GetBundle(r.Context(), digest)
	if err != nil {
		return err
	}
	defer release()
	w.Header().Set("Content-Type", gzipType)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Header().Set("Content-Disposition", `attachment; filename="bundle.tar.gz"`)
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(data)
	if err != nil {
		h.log.Debug("sending a bundle", "digest", digest, "err", err)
	}
	return nil
}

// isGzip tells whether a request says its body is a gzip stream.
func isGzip(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && strings.EqualFold(mt, gzipType)
}
