package tasks

import (
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

// echoServer answers /echo with what it received, and other paths as their
// names say.
func echoServer(t *testing.T) *httptest.Server {
	t.Helper()
	release := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, encodeJSON(map[string]any{
			"method":      r.Method,
			"query":       r.URL.RawQuery,
			"token":       r.Header.Get("X-Token"),
			"accept":      strings.Join(r.Header.Values("Accept"), ","),
			"contentType": r.Header.Get("Content-Type"),
			"host":        r.Host,
			"body":        string(body),
		}))
	})
	mux.HandleFunc("/text", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Add("X-Answer", "42")
		w.Header().Add("X-Multi", "a")
		w.Header().Add("X-Multi", "b")
		_, _ = io.WriteString(w, "hello\n")
	})
	mux.HandleFunc("/empty", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("/missing", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no such thing", http.StatusNotFound) })
	mux.HandleFunc("/broken", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"message": "database down"}`, http.StatusServiceUnavailable)
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, strings.Repeat("a", MaxResultBytes+1))
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		close(release)
		srv.Close()
	})
	return srv
}

func TestHTTPResults(t *testing.T) {
	srv := echoServer(t)
	host := strings.TrimPrefix(srv.URL, "http://")
	r := newResolver(t, Options{})
	tests := []struct {
		name  string
		input string
		want  string // JSON of the result, with HOST for the server's address
	}{
		{"GET with query and headers",
			`{"url": "URL/echo?a=1", "query": {"b": ["2", "3"], "c": 4}, "headers": {"X-Token": "t", "Accept": ["x/a", "x/b"]}}`,
			`{"statusCode": 200, "headers": {"Content-Type": "application/json", "Content-Length": "LEN"},
			  "body": {"method": "GET", "query": "a=1&b=2&b=3&c=4", "token": "t", "accept": "x/a,x/b", "contentType": "", "host": "HOST", "body": ""}}`},
		{"POST a JSON body",
			`{"method": "post", "url": "URL/echo", "body": {"k": [1, true]}}`,
			`{"statusCode": 200, "headers": {"Content-Type": "application/json", "Content-Length": "LEN"},
			  "body": {"method": "POST", "query": "", "token": "", "accept": "", "contentType": "application/json", "host": "HOST", "body": "{\"k\":[1,true]}"}}`},
		{"PUT a string body as is",
			`{"method": "PUT", "url": "URL/echo", "body": "a=1&b=2", "headers": {"Content-Type": "application/x-www-form-urlencoded", "Host": "example.test"}}`,
			`{"statusCode": 200, "headers": {"Content-Type": "application/json", "Content-Length": "LEN"},
			  "body": {"method": "PUT", "query": "", "token": "", "accept": "", "contentType": "application/x-www-form-urlencoded", "host": "example.test", "body": "a=1&b=2"}}`},
		{"text body and response headers",
			`{"url": "URL/text"}`,
			`{"statusCode": 200, "headers": {"Content-Type": "text/plain", "Content-Length": "6", "X-Answer": "42", "X-Multi": "a, b"}, "body": "hello"}`},
		{"no content",
			`{"url": "URL/empty"}`,
			`{"statusCode": 204, "headers": {}, "body": null}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			input := jsonValue(t, strings.ReplaceAll(tt.input, "URL", srv.URL))
			got, err := run(t, r, Request{Resource: HTTPResource, Input: input})
			if err != nil {
				t.Fatal(err)
			}
			res := got.(map[string]any)
			headers := res["headers"].(map[string]any)
			delete(headers, "Date") // varies
			if _, ok := headers["Content-Length"]; ok && strings.Contains(tt.want, `"LEN"`) {
				headers["Content-Length"] = "LEN"
			}
			want := jsonValue(t, strings.ReplaceAll(tt.want, "HOST", host))
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("result = %s\nwant %s", encodeJSON(got), encodeJSON(want))
			}
		})
	}
}

func TestHTTPFailures(t *testing.T) {
	srv := echoServer(t)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	r := newResolver(t, Options{})
	tests := []struct {
		name     string
		input    string
		timeout  time.Duration
		want     string
		causeHas []string
	}{
		{"4xx", `{"url": "URL/missing"}`, 0, ErrorHTTPClient, []string{"404 Not Found", "/missing", "no such thing"}},
		{"5xx", `{"method": "DELETE", "url": "URL/broken"}`, 0, ErrorHTTPServer, []string{"DELETE", "503 Service Unavailable", "database down"}},
		{"no server", `{"url": "` + closed.URL + `/x"}`, 0, ErrorHTTPTransport, []string{"connect"}},
		{"timeout", `{"url": "URL/slow"}`, 200 * time.Millisecond, ErrorTimeout, []string{"200ms"}},
		{"body too large", `{"url": "URL/big"}`, 0, ErrorDataLimitExceeded, []string{"/big"}},
		{"input not an object", `"URL"`, 0, ErrorHTTPInvalidInput, []string{"must be an object"}},
		{"no url", `{"method": "GET"}`, 0, ErrorHTTPInvalidInput, []string{`needs "url"`}},
		{"relative url", `{"url": "/echo"}`, 0, ErrorHTTPInvalidInput, []string{"absolute http or https URL"}},
		{"other scheme", `{"url": "ftp://example.com/x"}`, 0, ErrorHTTPInvalidInput, []string{"absolute http or https URL"}},
		{"unknown field", `{"url": "URL/echo", "data": 1}`, 0, ErrorHTTPInvalidInput, []string{`unknown field "data"`}},
		{"method not a string", `{"url": "URL/echo", "method": 1}`, 0, ErrorHTTPInvalidInput, []string{`"method"`}},
		{"bad method", `{"url": "URL/echo", "method": "GET IT"}`, 0, ErrorHTTPInvalidInput, []string{"method"}},
		{"headers not an object", `{"url": "URL/echo", "headers": ["A: b"]}`, 0, ErrorHTTPInvalidInput, []string{`"headers" must be an object`}},
		{"header value an object", `{"url": "URL/echo", "headers": {"A": {}}}`, 0, ErrorHTTPInvalidInput, []string{`"headers.A"`}},
		{"bad header name", `{"url": "URL/echo", "headers": {"Bad Name": "x"}}`, 0, ErrorHTTPInvalidInput, []string{`"headers.Bad Name"`}},
		{"header value with newline", `{"url": "URL/echo", "headers": {"A": "x\r\nB: y"}}`, 0, ErrorHTTPInvalidInput, []string{`"headers.A"`}},
		{"query value null", `{"url": "URL/echo", "query": {"a": null}}`, 0, ErrorHTTPInvalidInput, []string{`"query.a"`}},
		{"query empty array", `{"url": "URL/echo", "query": {"a": []}}`, 0, ErrorHTTPInvalidInput, []string{`"query.a"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			input := jsonValue(t, strings.ReplaceAll(tt.input, "URL", srv.URL))
			got, err := run(t, r, Request{Resource: HTTPResource, Input: input, Timeout: tt.timeout})
			if got != nil {
				t.Errorf("result = %v, want none", got)
			}
			asFailure(t, err, tt.want, tt.causeHas...)
		})
	}
}
