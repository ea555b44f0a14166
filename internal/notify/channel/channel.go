// Package channel holds what the notification clients (slack, email,
// webhook, opsgenie) share: the classified delivery error that the retry
// logic of package notify reads, and the HTTP helpers that classify a
// receiver's answer the same way for every HTTP channel.
package channel

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Channel names, as Error.Channel says them.
const (
	Slack    = "slack"
	Email    = "email"
	Webhook  = "webhook"
	OpsGenie = "opsgenie"
)

// Error is a failed delivery, classified for the retry logic.
type Error struct {
	Channel    string        // "slack", "email", "webhook", "opsgenie"
	Code       string        // short machine code: Slack's error ("not_in_channel"), "http_503", "smtp_550", "timeout", "dial"...
	Permanent  bool          // retrying cannot help (bad token, unknown channel, 4xx other than 408/409/425/429, SMTP 5xx)
	RetryAfter time.Duration // the receiver's own wait (429 Retry-After), 0 if none
	Msg        string        // one sentence for people: what failed and what to do; never a secret
}

func (e *Error) Error() string {
	return e.Channel + ": " + e.Code + ": " + e.Msg
}

// IsPermanent reports whether err is (or wraps) an *Error that retrying
// cannot help. Any other error, context cancellation and time-outs
// included, is transient.
func IsPermanent(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Permanent
}

// RetryAfterOf returns the wait the receiver asked for (429 Retry-After),
// or 0.
func RetryAfterOf(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// DefaultTimeout bounds one delivery of a client given no HTTP client.
const DefaultTimeout = 30 * time.Second

// DefaultHTTPClient is the HTTP client of a client given none: unlike
// http.DefaultClient, it gives up after DefaultTimeout.
var DefaultHTTPClient = &http.Client{Timeout: DefaultTimeout}

// MaxBodyBytes bounds what a client reads of a receiver's answer.
const MaxBodyBytes = 1 << 20

// MaxRetryAfter caps a receiver's Retry-After, so that a hostile or broken
// receiver cannot park a delivery for days.
const MaxRetryAfter = time.Hour

// ReadBody reads at most MaxBodyBytes of r (the rest is dropped: an answer
// that large is not one the clients parse).
func ReadBody(r io.Reader) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r, MaxBodyBytes))
}

// DrainClose reads a little of an answer's body and closes it, so that the
// connection can be reused.
func DrainClose(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	_ = body.Close()
}

// ParseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date
// (relative to now). It returns 0 for an absent or unreadable value, and
// caps the wait at MaxRetryAfter.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		if n > int64(MaxRetryAfter/time.Second) {
			return MaxRetryAfter
		}
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), MaxRetryAfter)
}

// TransientStatus reports whether an HTTP status is worth retrying: 408
// Request Timeout, 409 Conflict, 425 Too Early, 429 Too Many Requests and
// every 5xx. Any other status of 300 and more is permanent.
func TransientStatus(status int) bool {
	switch status {
	case http.StatusRequestTimeout, http.StatusConflict, http.StatusTooEarly, http.StatusTooManyRequests:
		return true
	}
	return status >= 500
}

// StatusError classifies a non-2xx answer: Code "http_NNN", Permanent by
// TransientStatus, RetryAfter from the Retry-After header (429 and 503).
// what names the receiver in the message ("the webhook receiver").
func StatusError(ch, what string, resp *http.Response, now time.Time) *Error {
	e := &Error{Channel: ch, Code: fmt.Sprintf("http_%d", resp.StatusCode), Permanent: !TransientStatus(resp.StatusCode)}
	e.RetryAfter = ParseRetryAfter(resp.Header.Get("Retry-After"), now)
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		e.Msg = fmt.Sprintf("%s is rate limiting (HTTP 429); the delivery is retried after its Retry-After", what)
	case resp.StatusCode >= 500:
		e.Msg = fmt.Sprintf("%s failed with HTTP %d; the delivery is retried", what, resp.StatusCode)
	case e.Permanent:
		e.Msg = fmt.Sprintf("%s refused the request with HTTP %d; check the connection's configuration and the receiver", what, resp.StatusCode)
	default:
		e.Msg = fmt.Sprintf("%s answered HTTP %d; the delivery is retried", what, resp.StatusCode)
	}
	return e
}

// TransportError classifies a failure to reach the receiver at all (err
// from an http.Client's Do or from a dial): context cancellation and
// time-outs ("timeout"), refused or unreachable hosts ("dial") and other
// network errors are transient; a certificate the client does not trust
// ("tls_certificate") is permanent, with hint saying what to configure.
// The message names no URL (a URL may hold a token).
func TransportError(ch, what string, err error, hint string) *Error {
	e := &Error{Channel: ch}
	// *url.Error quotes the whole URL: keep only what it wraps.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var (
		unknownCA x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
		verify    *tls.CertificateVerificationError
		record    tls.RecordHeaderError
		opErr     *net.OpError
		dnsErr    *net.DNSError
	)
	switch {
	case errors.As(err, &unknownCA), errors.As(err, &hostname), errors.As(err, &invalid), errors.As(err, &verify):
		e.Code, e.Permanent = "tls_certificate", true
		e.Msg = fmt.Sprintf("%s presented a certificate that is not trusted (%v); %s", what, err, hint)
	case errors.As(err, &record):
		e.Code, e.Permanent = "tls_handshake", true
		e.Msg = fmt.Sprintf("%s does not speak TLS there (%v); check the port and whether it expects TLS from the start", what, err)
	case errors.Is(err, context.Canceled):
		e.Code = "canceled"
		e.Msg = fmt.Sprintf("the delivery to %s was canceled; it is retried", what)
	case errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		e.Code = "timeout"
		e.Msg = fmt.Sprintf("%s did not answer in time; the delivery is retried", what)
	case errors.As(err, &dnsErr):
		e.Code = "dns"
		e.Msg = fmt.Sprintf("%s's host name cannot be resolved (%v); check the URL or host, the delivery is retried", what, dnsErr)
	case errors.As(err, &opErr) && opErr.Op == "dial":
		e.Code = "dial"
		e.Msg = fmt.Sprintf("%s cannot be reached (%v); the delivery is retried", what, opErr.Err)
	default:
		e.Code = "network"
		e.Msg = fmt.Sprintf("the connection to %s failed (%v); the delivery is retried", what, err)
	}
	return e
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
