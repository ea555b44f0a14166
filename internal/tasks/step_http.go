package tasks

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/batonhq/baton/internal/config"
	"github.com/batonhq/baton/internal/steptask"
)

// stepHTTPExecutor runs baton:step:http tasks: one request, with the base
// URL and headers of the step's connection when it names one. Output:
// {"status", "headers", "body"} (a JSON body parsed).
type stepHTTPExecutor struct{ r *Resolver }

var _ Executor = stepHTTPExecutor{}

// Run sends the step's request. 4xx and 5xx answers fail the step with
// Http.ClientError and Http.ServerError, as baton:http does.
func (e stepHTTPExecutor) Run(ctx context.Context, req Request) (any, error) {
	if req.Timeout <= 0 {
		req.Timeout = e.r.httpStep
	}
	t, err := decodeStep[steptask.HTTP](req.Input, ErrorHTTPInvalidInput)
	if err != nil {
		return nil, err
	}
	var conn *config.Connection
	if t.Connection != "" {
		if conn, err = e.r.connectionOf(req, t.Connection, config.TypeHTTP, ErrorHTTPInvalidInput); err != nil {
			return nil, err
		}
	}
	target, err := stepURL(t.URL, conn)
	if err != nil {
		return nil, err
	}
	// The connection's headers first, the step's over them; both through
	// baton:http's checks.
	headers := map[string]any{}
	if conn != nil {
		for k, v := range conn.HTTP.Headers {
			headers[k] = v.Reveal()
		}
	}
	for k, v := range t.Headers {
		if conn != nil && strings.EqualFold(k, "Host") {
			// A shared front end (an ingress, a CDN) routes by Host: the
			// connection's credentials would reach another service.
			return nil, invalidInput(ErrorHTTPInvalidInput, "headers."+k, "is not allowed with a connection: its headers are sent to %q's host only", conn.Name)
		}
		for existing := range headers {
			if strings.EqualFold(existing, k) {
				delete(headers, existing)
			}
		}
		headers[k] = v
	}
	in := map[string]any{"url": target, "headers": headers}
	if t.Method != "" {
		in["method"] = t.Method
	}
	if t.Body != nil {
		in["body"] = t.Body // its integers exact: steptask.Decode keeps them
	}
	ht, err := parseHTTPTask(in)
	if err != nil {
		return nil, redactFailure(conn, err)
	}
	ex := e.r.http
	if conn != nil && conn.HTTP.BaseURL != "" {
		// The operator chose the connection's host (stepURL keeps the
		// request there, sameHostClient its redirects): it may be on the
		// server's own machine.
		ex.client = &http.Client{Transport: http.DefaultTransport}
	}
	if conn != nil {
		ex.client = sameHostClient(ex.client, conn)
		ex.redact = conn.Redactor()
	}
	a, err := ex.send(ctx, req, ht)
	if err != nil {
		return nil, redactFailure(conn, err)
	}
	out := map[string]any{"status": a.status, "headers": a.headers, "body": a.body}
	if conn != nil {
		// A server may echo the credentials it got (httpbin's /headers
		// does): the output goes into the history.
		return redactValue(conn.Redactor(), out), nil
	}
	return out, nil
}

// redactValue applies redact to every string of a JSON
// value, keys included.
func redactValue(redact func(string) string, v any) any {
	switch v := v.(type) {
	case string:
		return redact(v)
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[redact(k)] = redactValue(redact, e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = redactValue(redact, e)
		}
		return out
	}
	return v
}

// stepURL resolves a step's url against its connection's base URL (RFC
// 3986, as a browser resolves a link: "refresh" under
// https://x/api/ is https://x/api/refresh, "/refresh" is https://x/refresh).
// The result must stay on the base URL's scheme and host, so that the
// connection's headers (its credentials) go nowhere else.
func stepURL(raw string, conn *config.Connection) (string, error) {
	if raw == "" {
		return "", invalidInput(ErrorHTTPInvalidInput, "url", "is missing")
	}
	if conn == nil || conn.HTTP.BaseURL == "" && len(conn.HTTP.Headers) == 0 {
		return raw, nil // parseHTTPTask checks it is absolute
	}
	if conn.HTTP.BaseURL == "" {
		// config refuses this; a Config built by a program may not.
		return "", invalidInput(ErrorHTTPInvalidInput, "connection", "%q has headers but no base_url: they would go to any host", conn.Name)
	}
	base, err := url.Parse(conn.HTTP.BaseURL)
	if err != nil {
		return "", invalidInput(ErrorHTTPInvalidInput, "connection", "%q has an invalid base_url", conn.Name)
	}
	ref, err := url.Parse(raw)
	if err != nil {
		return "", invalidInput(ErrorHTTPInvalidInput, "url", "is not a URL: %q", raw)
	}
	u := base.ResolveReference(ref)
	if u.Scheme != base.Scheme || u.Host != base.Host {
		return "", invalidInput(ErrorHTTPInvalidInput, "url", "%q leaves the connection %q (%s://%s): its headers are sent only there; drop the connection or use a path", raw, conn.Name, base.Scheme, base.Host)
	}
	return u.String(), nil
}

// sameHostClient is client refusing redirects to another scheme or host
// than the request's: Go's client forwards every header but Authorization
// and Cookie across hosts, and a connection's headers are its credentials.
func sameHostClient(client *http.Client, conn *config.Connection) *http.Client {
	c := *client
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		first := via[0].URL
		if req.URL.Scheme != first.Scheme || req.URL.Host != first.Host {
			return fmt.Errorf("a redirect to %s://%s leaves the connection %q (%s://%s): its headers are sent only there; give the step the final URL", req.URL.Scheme, req.URL.Host, conn.Name, first.Scheme, first.Host)
		}
		if client.CheckRedirect != nil {
			return client.CheckRedirect(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &c
}

// redactFailure scrubs the connection's secrets from a failure's cause.
func redactFailure(conn *config.Connection, err error) error {
	if f, ok := err.(*Failure); ok && conn != nil {
		return &Failure{Name: f.Name, Cause: conn.Redact(f.Cause)}
	}
	return err
}
