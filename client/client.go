// Package client is a Go client of Baton's native REST API (/api/v1): deploy
// workflows, start and follow executions, and work on activity tasks.
//
// Every method takes a context: it bounds the call, including long polls
// and streams. Errors the server reports are *APIError values carrying the
// HTTP status, the error code (Step Functions' exception names, such as
// ExecutionDoesNotExist) and a message:
//
//	c := client.New("http://127.0.0.1:7780")
//	ex, err := c.DescribeExecution(ctx, arn)
//	var apiErr *client.APIError
//	if errors.As(err, &apiErr) && apiErr.Code == "ExecutionDoesNotExist" {
//		// ...
//	}
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// DefaultURL is where `baton server` listens unless told otherwise.
const DefaultURL = "http://127.0.0.1:7780"

// apiPrefix is the path of the native API on the server.
const apiPrefix = "/api/v1"

// Client calls a Baton server. It is safe for concurrent use.
type Client struct {
	base   string // scheme://host[:port][/path], without the API prefix
	hc     *http.Client
	header http.Header
	// namespace is sent as ?namespace= on every request ("": none).
	namespace string
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient makes the Client send its requests with hc (default: a
// client without timeout, since contexts bound every call).
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			c.hc = hc
		}
	}
}

// WithHeader adds a header to every request, e.g. an Authorization header
// for a proxy in front of the server.
func WithHeader(key, value string) Option {
	return func(c *Client) { c.header.Add(key, value) }
}

// WithNamespace makes the Client work in a namespace: workflows it names
// by name are that namespace's, and its lists show that namespace's
// (default: "default"). ARNs reach any namespace whatever this says.
func WithNamespace(ns string) Option {
	return func(c *Client) { c.namespace = ns }
}

// New returns a Client of the server at baseURL, e.g.
// "http://127.0.0.1:7780" (a trailing "/" or "/api/v1" is accepted). An
// empty baseURL means DefaultURL.
func New(baseURL string, opts ...Option) *Client {
	if baseURL == "" {
		baseURL = DefaultURL
	}
	base := strings.TrimRight(baseURL, "/")
	base = strings.TrimSuffix(base, apiPrefix)
	c := &Client{base: base, hc: &http.Client{}, header: http.Header{}}
	for _, o := range opts {
		o(c)
	}
	return c
}

// BaseURL returns the server's URL the Client calls.
func (c *Client) BaseURL() string { return c.base }

// APIError is an error the server answered with.
type APIError struct {
	Status  int    // HTTP status
	Code    string // e.g. "ExecutionDoesNotExist", "ValidationException", "NotFound"
	Message string // for humans
}

func (e *APIError) Error() string {
	if e.Code == "" {
		return fmt.Sprintf("HTTP %d: %s", e.Status, e.Message)
	}
	return e.Code + ": " + e.Message
}

// ErrorCode returns the code of an *APIError in err's chain, or "".
func ErrorCode(err error) string {
	var e *APIError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// request builds a request of the API: path is relative to /api/v1.
func (c *Client) request(ctx context.Context, method, path string, query url.Values, in any) (*http.Request, error) {
	u := c.base + apiPrefix + path
	if c.namespace != "" {
		q := url.Values{}
		for k, v := range query {
			q[k] = v
		}
		q.Set("namespace", c.namespace)
		query = q
	}
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("encoding the request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	for k, vs := range c.header {
		req.Header[k] = append([]string(nil), vs...)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	return req, nil
}

// send sends req and returns the response when its status is 2xx, an
// *APIError otherwise.
func (c *Client) send(req *http.Request) (*http.Response, error) {
	res, err := c.hc.Do(req)
	if err != nil {
		if ctxErr := req.Context().Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, fmt.Errorf("calling the Baton server at %s: %w (is `baton server` running there?)", c.base, err)
	}
	if res.StatusCode/100 == 2 {
		return res, nil
	}
	defer res.Body.Close()
	return nil, decodeError(res)
}

// decodeError reads an error response.
func decodeError(res *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	e := &APIError{Status: res.StatusCode}
	var body struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	if json.Unmarshal(b, &body) == nil && (body.Code != "" || body.Message != "") {
		e.Code, e.Message = body.Code, body.Message
	} else {
		e.Message = strings.TrimSpace(string(b))
		if e.Message == "" {
			e.Message = http.StatusText(res.StatusCode)
		}
	}
	return e
}

// call sends a request and decodes a JSON answer into out (unless nil); it
// returns the response's status.
func (c *Client) call(ctx context.Context, method, path string, query url.Values, in, out any) (int, error) {
	req, err := c.request(ctx, method, path, query, in)
	if err != nil {
		return 0, err
	}
	res, err := c.send(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	if out == nil || res.StatusCode == http.StatusNoContent {
		_, _ = io.Copy(io.Discard, res.Body)
		return res.StatusCode, nil
	}
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		return res.StatusCode, fmt.Errorf("decoding the answer of %s %s: %w", method, path, err)
	}
	return res.StatusCode, nil
}

// executionPath returns the path of an execution's resource.
func executionPath(arn string, rest ...string) string {
	return "/executions/" + url.PathEscape(arn) + strings.Join(rest, "")
}

// workflowPath returns the path of a workflow's resource.
func workflowPath(name string, rest ...string) string {
	return "/workflows/" + url.PathEscape(name) + strings.Join(rest, "")
}
