// Package httpx holds what the two HTTP APIs (native and Step Functions)
// share about requests: reading a body within bounds, and letting the
// handlers that rightly take long outlive the server's timeouts.
package httpx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/batonhq/baton/internal/apierr"
)

// RequestTimeout is the error code of a body cut off by the read timeout.
const RequestTimeout = "RequestTimeoutException"

// ReadBody reads the request body, at most limit bytes. It refuses, with an
// *apierr.Error naming the limit or flag to change: a larger body (413), a
// body cut off by the server's read timeout (408), and a body that is not
// valid UTF-8 (400 SerializationException, as AWS answers), since JSON
// decoding would otherwise silently turn bad bytes into U+FFFD.
func ReadBody(w http.ResponseWriter, r *http.Request, limit int64, maxPayload int) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		var ne net.Error
		switch {
		case errors.As(err, &mbe):
			return nil, &apierr.Error{Code: apierr.ValidationException, Status: http.StatusRequestEntityTooLarge,
				Message: fmt.Sprintf("the request body is larger than %d bytes, the limit for payloads of %d bytes; raise it with baton server --max-payload-bytes (BATON_MAX_PAYLOAD_BYTES)", mbe.Limit, maxPayload)}
		case errors.Is(err, ErrBodyBudget):
			w.Header().Set("Retry-After", "1")
			return nil, &apierr.Error{Code: apierr.ServiceUnavailable, Status: http.StatusServiceUnavailable,
				Message: "the server is holding as many request bodies as it may at once (baton server --max-body-memory, BATON_MAX_BODY_MEMORY); retry shortly"}
		case errors.As(err, &ne) && ne.Timeout():
			return nil, &apierr.Error{Code: RequestTimeout, Status: http.StatusRequestTimeout,
				Message: "the request body did not arrive within the server's read timeout (baton server --read-timeout, BATON_READ_TIMEOUT)"}
		}
		return nil, apierr.New(apierr.Serialization, "cannot read the request body: %v", err)
	}
	if !utf8.Valid(body) {
		return nil, apierr.New(apierr.Serialization, "the request body is not valid UTF-8 (bad byte at offset %d); send JSON text in UTF-8", invalidAt(body))
	}
	if i := LoneSurrogate(body); i >= 0 {
		return nil, apierr.New(apierr.Serialization, "the request body escapes a lone surrogate (%s at offset %d), which is not a character (JSON decoding would silently turn it into U+FFFD); send UTF-8 text", body[i:min(i+6, len(body))], i)
	}
	return body, nil
}

// LoneSurrogate returns the offset of the first \uXXXX escape, in a string
// of the JSON text b, of a UTF-16 surrogate that is not part of a pair, or
// -1. Such an escape is valid JSON but no character: encoding/json turns
// it into U+FFFD, as it would invalid UTF-8.
func LoneSurrogate(b []byte) int {
	if !bytes.Contains(b, []byte(`\u`)) {
		return -1
	}
	inString := false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case !inString:
			inString = c == '"'
		case c == '"':
			inString = false
		case c == '\\':
			r, ok := uEscape(b[i:])
			switch {
			case !ok:
				i++ // another escape: skip the escaped byte
			case r >= 0xDC00 && r <= 0xDFFF:
				return i
			case r >= 0xD800 && r < 0xDC00:
				if low, ok := uEscape(b[i+6:]); !ok || low < 0xDC00 || low > 0xDFFF {
					return i
				}
				i += 11
			default:
				i += 5
			}
		}
	}
	return -1
}

// uEscape reads a \uXXXX escape at the start of b.
func uEscape(b []byte) (rune, bool) {
	if len(b) < 6 || b[0] != '\\' || b[1] != 'u' {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[2:6]), 16, 16)
	return rune(n), err == nil
}

// invalidAt is the offset of the first byte that is not valid UTF-8.
func invalidAt(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// Extend is called once the request body has been read, by long polls,
// waits and event streams. It lifts the read deadline, since net/http
// cancels a request's context when its background read of the connection
// times out, and sets the write deadline to d from now (0: none).
func Extend(w http.ResponseWriter, d time.Duration) {
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	var at time.Time
	if d > 0 {
		at = time.Now().Add(d)
	}
	_ = rc.SetWriteDeadline(at)
}

// BodyBudget bounds the bytes of request bodies the server holds at once,
// across all requests: each body is bounded, but so many connections may
// send one at once (400 bodies of 4 MB held 2.3 GB) that their sum must be
// bounded too. Bytes count as they are read and are given back when the
// request ends.
type BodyBudget struct {
	max  int64
	used atomic.Int64
}

// NewBodyBudget returns a budget of max bytes.
func NewBodyBudget(max int64) *BodyBudget { return &BodyBudget{max: max} }

// ErrBodyBudget is the error of reading a body past the budget.
var ErrBodyBudget = errors.New("request bodies past the server's memory budget")

// Wrap makes r's body count against the budget; call the returned release
// once the request is done with its body.
func (b *BodyBudget) Wrap(r *http.Request) (release func()) {
	if r.Body == nil || r.Body == http.NoBody {
		return func() {}
	}
	body := &budgetedBody{ReadCloser: r.Body, b: b}
	r.Body = body
	return func() { b.used.Add(-body.n.Load()) }
}

// budgetedBody is a request body whose bytes count against a BodyBudget.
type budgetedBody struct {
	io.ReadCloser
	b *BodyBudget
	n atomic.Int64 // bytes counted
}

func (r *budgetedBody) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p)
	if n > 0 {
		if r.b.used.Add(int64(n)) > r.b.max {
			r.b.used.Add(-int64(n))
			return 0, ErrBodyBudget
		}
		r.n.Add(int64(n))
	}
	return n, err
}
