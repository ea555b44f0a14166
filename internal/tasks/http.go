package tasks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/batonhq/baton/internal/netguard"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// HTTPResource is the resource of the built-in HTTP executor.
const HTTPResource = "baton:http"

// bodyExcerptBytes bounds the response body quoted in a failure's cause.
const bodyExcerptBytes = 1 << 10

// httpExecutor runs baton:http tasks: one HTTP request, whose response is the
// result. docs/tasks.md describes the input and the result.
type httpExecutor struct {
	client    *http.Client
	maxResult int // most bytes of a response body (0: MaxResultBytes)
	// redact scrubs secrets from a response body before it is cut to an
	// excerpt for a failure's cause: cut first, a secret's start would
	// no longer match and would stay. nil: nothing to scrub.
	redact func(string) string
}

var _ Executor = httpExecutor{}

// httpTask is a parsed baton:http input.
type httpTask struct {
	method string
	url    *url.URL
	header http.Header
	host   string
	body   []byte // nil: no body
}

// Run sends the request. 4xx and 5xx answers are failures (Http.ClientError,
// Http.ServerError); so is no answer at all (Http.TransportError).
func (e httpExecutor) Run(ctx context.Context, req Request) (any, error) {
	t, err := parseHTTPTask(req.Input)
	if err != nil {
		return nil, err
	}
	a, err := e.send(ctx, req, t)
	if err != nil {
		return nil, err
	}
	return map[string]any{"statusCode": a.status, "headers": a.headers, "body": a.body}, nil
}

// httpAnswer is a response to a request that did not fail.
type httpAnswer struct {
	status  int64
	headers map[string]any // name -> values joined with ", "
	body    any            // parsed as resultFromOutput does
}

// send sends t within req's timeout and reads the answer, bounded by
// e.maxResult. 4xx and 5xx answers are failures.
func (e httpExecutor) send(ctx context.Context, req Request, t httpTask) (*httpAnswer, error) {
	ctx, cancel := withTaskTimeout(ctx, req.Timeout)
	defer cancel()
	var body io.Reader
	if t.body != nil {
		body = bytes.NewReader(t.body)
	}
	hreq, err := http.NewRequestWithContext(ctx, t.method, t.url.String(), body)
	if err != nil {
		return nil, &Failure{Name: ErrorHTTPInvalidInput, Cause: err.Error()}
	}
	hreq.Header = t.header
	if t.host != "" {
		hreq.Host = t.host
	}
	resp, err := e.client.Do(hreq)
	if err != nil {
		if ctx.Err() != nil {
			return nil, interruption(ctx, req.Timeout)
		}
		return nil, &Failure{Name: ErrorHTTPTransport, Cause: transportCause(err)}
	}
	defer resp.Body.Close()
	limit := e.maxResult
	if limit <= 0 {
		limit = MaxResultBytes
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, int64(limit)+1))
	if err != nil {
		if ctx.Err() != nil {
			return nil, interruption(ctx, req.Timeout)
		}
		return nil, &Failure{Name: ErrorHTTPTransport, Cause: fmt.Sprintf("%s %s: reading the response: %v", t.method, t.url.Redacted(), err)}
	}
	if resp.StatusCode >= 400 {
		name := ErrorHTTPClient
		if resp.StatusCode >= 500 {
			name = ErrorHTTPServer
		}
		cause := fmt.Sprintf("%s %s answered %s", t.method, t.url.Redacted(), resp.Status)
		if b := strings.TrimSpace(string(data)); b != "" {
			if e.redact != nil {
				b = e.redact(b)
			}
			cause += ": " + excerpt(b, bodyExcerptBytes)
		}
		return nil, &Failure{Name: name, Cause: cause}
	}
	if len(data) > limit {
		return nil, &Failure{Name: ErrorDataLimitExceeded, Cause: fmt.Sprintf("the response body of %s %s is larger than %d bytes", t.method, t.url.Redacted(), limit)}
	}
	headers := make(map[string]any, len(resp.Header))
	for k, vs := range resp.Header {
		headers[k] = strings.Join(vs, ", ")
	}
	return &httpAnswer{status: int64(resp.StatusCode), headers: headers, body: resultFromOutput(data)}, nil
}

// httpFields are the fields a baton:http input may have.
var httpFields = []string{"method", "url", "headers", "query", "body"}

// parseHTTPTask checks and converts a baton:http input. Errors are
// Http.InvalidInput failures naming the field.
func parseHTTPTask(in any) (httpTask, error) {
	bad := func(format string, args ...any) (httpTask, error) {
		return httpTask{}, &Failure{Name: ErrorHTTPInvalidInput, Cause: fmt.Sprintf(format, args...)}
	}
	obj, ok := in.(map[string]any)
	if !ok {
		return bad(`the input of %s must be an object with a "url", got %s`, HTTPResource, typeName(in))
	}
	for k := range obj {
		if !slices.Contains(httpFields, k) {
			return bad("unknown field %q in the input of %s (fields: %s)", k, HTTPResource, strings.Join(httpFields, ", "))
		}
	}
	t := httpTask{method: http.MethodGet, header: http.Header{}}
	if v, ok := obj["method"]; ok {
		s, ok := v.(string)
		if !ok || s == "" {
			return bad(`"method" must be a non-empty string, got %s`, typeName(v))
		}
		t.method = strings.ToUpper(s)
	}
	raw, ok := obj["url"].(string)
	if !ok {
		return bad(`the input of %s needs "url", a string, got %s`, HTTPResource, typeName(obj["url"]))
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return bad(`"url" must be an absolute http or https URL, got %q`, raw)
	}
	t.url = u
	if v, ok := obj["query"]; ok {
		q, err := textValues(v, "query")
		if err != nil {
			return bad("%v", err)
		}
		// Appended rather than merged, so the URL's own query stays as written.
		if enc := url.Values(q).Encode(); enc != "" {
			if u.RawQuery != "" {
				u.RawQuery += "&"
			}
			u.RawQuery += enc
		}
	}
	if v, ok := obj["headers"]; ok {
		h, err := textValues(v, "headers")
		if err != nil {
			return bad("%v", err)
		}
		for k, vs := range h {
			if !validHeader(k, vs) {
				return bad(`"headers.%s" is not a valid header name and value`, k)
			}
			if http.CanonicalHeaderKey(k) == "Host" {
				t.host = vs[0]
				continue
			}
			for _, s := range vs {
				t.header.Add(k, s)
			}
		}
	}
	switch v := obj["body"].(type) {
	case nil: // absent or null: no body
	case string:
		t.body = []byte(v)
	default:
		t.body = []byte(encodeJSON(v))
		if t.header.Get("Content-Type") == "" {
			t.header.Set("Content-Type", "application/json")
		}
	}
	return t, nil
}

// textValues converts an object whose values are scalars or arrays of
// scalars (query parameters, headers) to text values.
func textValues(v any, field string) (map[string][]string, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%q must be an object, got %s", field, typeName(v))
	}
	out := make(map[string][]string, len(obj))
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		items, isArray := obj[k].([]any)
		if !isArray {
			items = []any{obj[k]}
		}
		if len(items) == 0 {
			return nil, fmt.Errorf("%q has an empty array", field+"."+k)
		}
		for _, item := range items {
			s, ok := scalarText(item)
			if !ok {
				return nil, fmt.Errorf("%q must be a string or an array of strings, got %s", field+"."+k, typeName(obj[k]))
			}
			out[k] = append(out[k], s)
		}
	}
	return out, nil
}

// validHeader reports whether name is an HTTP token and no value holds a
// line break or NUL, which the transport would reject later with a less
// helpful error.
func validHeader(name string, values []string) bool {
	if name == "" {
		return false
	}
	for _, c := range []byte(name) {
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	for _, v := range values {
		if strings.ContainsAny(v, "\r\n\x00") {
			return false
		}
	}
	return true
}

// transportCause is the cause of a request that got no answer; a refused
// address says how to allow it.
func transportCause(err error) string {
	var be *netguard.BlockedAddressError
	if errors.As(err, &be) {
		return err.Error() + ": steps may not reach the server's own machine or the cloud's metadata service on this server (its operator allows it with --step-local-network allow)"
	}
	return err.Error()
}

// stepTransport is the transport of steps' HTTP requests, refusing the
// server's own machine and the metadata services when refuseLocal.
func stepTransport(refuseLocal bool) http.RoundTripper {
	if !refuseLocal {
		return http.DefaultTransport
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	// No proxy: it would dial the target itself, past the address check.
	t.Proxy = nil
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: netguard.Control(netguard.Local...)}
	t.DialContext = d.DialContext
	return t
}
