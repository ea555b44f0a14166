package tasks

// Security review (review4): see the report of branch review4.

import (
	"net/http"
	"net/url"
	"testing"
)

// TestReviewStepTransportProxy: the guarded transport of steps' HTTP
// requests is a clone of http.DefaultTransport, which keeps
// Proxy: http.ProxyFromEnvironment. With HTTP_PROXY/HTTPS_PROXY in the
// server's environment (common behind a corporate proxy), the dialer
// checks only the proxy's address: a step's request to the metadata
// service (169.254.169.254, not loopback, so net/http does proxy it) goes
// through the proxy, which fetches it.
func TestReviewStepTransportProxy(t *testing.T) {
	tr, ok := stepTransport(true).(*http.Transport)
	if !ok {
		t.Fatalf("stepTransport(true) is a %T", stepTransport(true))
	}
	if tr.Proxy == nil {
		return
	}
	t.Setenv("HTTP_PROXY", "http://10.0.0.5:3128") // read once per process by net/http: checked below through the function's result only
	req := &http.Request{URL: &url.URL{Scheme: "http", Host: "169.254.169.254", Path: "/latest/meta-data/"}}
	p, err := tr.Proxy(req)
	t.Errorf("steps' guarded transport uses a proxy from the environment (for the metadata address: %v, %v): the address check applies to the proxy, not the target; set Proxy to nil (or guard the target before proxying)", p, err)
}
