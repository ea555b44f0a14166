package webhook_test

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/notify/channel"
	"github.com/batonhq/baton/internal/notify/notifytest"
	"github.com/batonhq/baton/internal/notify/webhook"
)

var secret = "whsec_" + base64.StdEncoding.EncodeToString([]byte("a-test-secret-of-32-bytes-......"))

func TestSendVerified(t *testing.T) {
	fake := notifytest.NewWebhook(t, secret)
	c := &webhook.Client{AllowPrivate: true}
	body := []byte(`{"type":"run.failed","run":"r1"}`)
	for range 2 { // a retry sends the same id
		if err := c.Send(context.Background(), fake.URL, secret, "msg_r1_failed", time.Now(), body); err != nil {
			t.Fatal(err)
		}
	}
	ds := fake.Deliveries()
	if len(ds) != 2 || !ds[0].Verified || string(ds[0].Body) != string(body) || ds[0].ID != "msg_r1_failed" || fake.Count("msg_r1_failed") != 2 {
		t.Fatalf("deliveries = %+v", ds)
	}
	if h := ds[0].Header; h.Get("Content-Type") != "application/json" || h.Get("User-Agent") != "Baton" {
		t.Fatalf("headers = %v", h)
	}
	// A sender with another secret is not verified: the receiver refuses it.
	other := "whsec_" + base64.StdEncoding.EncodeToString([]byte("another-secret-of-32-bytes-....."))
	err := c.Send(context.Background(), fake.URL, other, "msg_2", time.Now(), body)
	if !channel.IsPermanent(err) || !strings.Contains(err.Error(), "http_401") {
		t.Fatalf("err = %v, want a permanent http_401", err)
	}
	if ds := fake.Deliveries(); ds[2].Verified || ds[2].Err == "" {
		t.Fatalf("delivery with a wrong secret = %+v", ds[2])
	}
}

func TestSendErrors(t *testing.T) {
	fake := notifytest.NewWebhook(t, secret)
	redirect := httptest.NewServer(http.RedirectHandler("https://elsewhere.example/x?token=abc", http.StatusFound))
	t.Cleanup(redirect.Close)
	untrusted := httptest.NewUnstartedServer(http.NotFoundHandler())
	untrusted.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
	untrusted.StartTLS()
	t.Cleanup(untrusted.Close)
	port := fake.URL[strings.LastIndex(fake.URL, ":"):]
	for _, tc := range []struct {
		name       string
		client     *webhook.Client
		url        string
		secret     string
		id         string
		setup      func()
		code       string
		permanent  bool
		retryAfter time.Duration
		msg        string
	}{
		{name: "loopback refused", client: &webhook.Client{}, url: fake.URL, code: "blocked_address", permanent: true, msg: "allow_private"},
		{name: "localhost refused", client: &webhook.Client{}, url: "http://localhost" + port + "/hook", code: "blocked_address", permanent: true, msg: "loopback"},
		{name: "metadata refused", client: &webhook.Client{}, url: "http://169.254.169.254/latest/meta-data/", code: "blocked_address", permanent: true, msg: "link-local"},
		{name: "ipv6 loopback refused", client: &webhook.Client{}, url: "http://[::1]" + port + "/hook", code: "blocked_address", permanent: true},
		{name: "private refused", client: &webhook.Client{}, url: "http://10.0.0.1/hook", code: "blocked_address", permanent: true, msg: "allowed_url_prefixes"},
		{name: "allowed prefix", client: &webhook.Client{AllowedPrefixes: []string{fake.URL}}, url: fake.URL + "?x=1"},
		{name: "not under the prefixes", client: &webhook.Client{AllowedPrefixes: []string{fake.URL}}, url: fake.URL + "x", code: "url_not_allowed", permanent: true},
		{name: "bad url", client: &webhook.Client{}, url: "ftp://x/", code: "bad_url", permanent: true},
		{name: "bad secret", client: &webhook.Client{AllowPrivate: true}, url: fake.URL, secret: "whsec_short", code: "bad_secret", permanent: true},
		{name: "bad id", client: &webhook.Client{AllowPrivate: true}, url: fake.URL, id: "a b", code: "bad_id", permanent: true},
		{name: "gone", client: &webhook.Client{AllowPrivate: true}, url: fake.URL, setup: func() { fake.FailNext(1, 410, 0) }, code: "http_410", permanent: true, msg: "remove"},
		{name: "bad request", client: &webhook.Client{AllowPrivate: true}, url: fake.URL, setup: func() { fake.FailNext(1, 400, 0) }, code: "http_400", permanent: true},
		{name: "conflict", client: &webhook.Client{AllowPrivate: true}, url: fake.URL, setup: func() { fake.FailNext(1, 409, 0) }, code: "http_409"},
		{name: "rate limited", client: &webhook.Client{AllowPrivate: true}, url: fake.URL, setup: func() { fake.FailNext(1, 429, 12) }, code: "http_429", retryAfter: 12 * time.Second},
		{name: "server error", client: &webhook.Client{AllowPrivate: true}, url: fake.URL, setup: func() { fake.FailNext(1, 502, 0) }, code: "http_502"},
		{name: "down", client: &webhook.Client{AllowPrivate: true}, url: fake.URL, setup: func() { _ = fake.SetDown(notifytest.Unavailable) }, code: "http_503"},
		{name: "refusing", client: &webhook.Client{AllowPrivate: true}, url: fake.URL, setup: func() { _ = fake.SetDown(notifytest.Refusing) }, code: "dial"},
		{name: "redirect", client: &webhook.Client{AllowPrivate: true}, url: redirect.URL, code: "redirect", permanent: true, msg: "https://elsewhere.example"},
		{name: "untrusted certificate", client: &webhook.Client{AllowPrivate: true}, url: untrusted.URL, code: "tls_certificate", permanent: true},
		{name: "timeout", client: &webhook.Client{AllowPrivate: true, HTTP: &http.Client{Timeout: time.Nanosecond}}, url: fake.URL, code: "timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				tc.setup()
			}
			t.Cleanup(func() {
				if err := fake.SetDown(notifytest.Up); err != nil {
					t.Fatal(err)
				}
			})
			sec, id := tc.secret, tc.id
			if sec == "" {
				sec = secret
			}
			if id == "" {
				id = "msg_1"
			}
			err := tc.client.Send(context.Background(), tc.url, sec, id, time.Now(), []byte(`{}`))
			if tc.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ce *channel.Error
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *channel.Error", err)
			}
			if ce.Channel != "webhook" || ce.Code != tc.code || ce.Permanent != tc.permanent || ce.RetryAfter != tc.retryAfter || !strings.Contains(ce.Msg, tc.msg) {
				t.Fatalf("err = %+v, want code %s permanent %v retry after %v saying %q", ce, tc.code, tc.permanent, tc.retryAfter, tc.msg)
			}
			if strings.Contains(err.Error(), "token=abc") || strings.Contains(err.Error(), strings.TrimPrefix(secret, "whsec_")) {
				t.Fatalf("a secret leaked: %v", err)
			}
		})
	}
}
