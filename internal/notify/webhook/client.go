package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/batonhq/baton/internal/netguard"
	"github.com/batonhq/baton/internal/notify/channel"
)

// Client delivers signed webhooks. A pipeline.yaml chooses the URL, so a
// hostile one could aim it at the server's own network (server-side
// request forgery): unless AllowPrivate, the client refuses to connect to
// loopback, private (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7),
// link-local (169.254/16, fe80::/10: cloud metadata services), unspecified
// and multicast addresses. The check is made on the address being
// dialled, after name resolution, so a name that resolves (or re-resolves)
// to such an address is refused too. Redirects are not followed.
//
// A Client must not be copied after its first Send.
type Client struct {
	// HTTP gives the time-out (its Timeout) and transport: an
	// *http.Transport (nil: http.DefaultTransport) is cloned with the
	// address check in its dialer and without a proxy (a proxy would dial
	// for it, unchecked). Any other RoundTripper is used as it is, and the
	// check is then its own. Nil: channel.DefaultTimeout.
	HTTP *http.Client
	// AllowPrivate turns the address check off (receivers on the server's
	// own network).
	AllowPrivate bool
	// AllowedPrefixes, when not empty, are the only URLs allowed: a URL
	// must start with one of them (at a path boundary). Their hosts may be
	// private addresses.
	AllowedPrefixes []string

	once sync.Once
	hc   *http.Client
}

// BlockedAddressError is a connection refused by the address check.
type BlockedAddressError = netguard.BlockedAddressError

func (c *Client) client() *http.Client {
	c.once.Do(func() {
		hc := &http.Client{Timeout: channel.DefaultTimeout}
		var rt http.RoundTripper
		if c.HTTP != nil {
			hc.Timeout = c.HTTP.Timeout
			rt = c.HTTP.Transport
		}
		if rt == nil {
			rt = http.DefaultTransport
		}
		if t, ok := rt.(*http.Transport); ok {
			t = t.Clone()
			t.Proxy = nil
			d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
			if !c.AllowPrivate && len(c.AllowedPrefixes) == 0 {
				d.Control = netguard.Control(netguard.All...)
			}
			t.DialContext = d.DialContext
			t.DialTLSContext = nil
			rt = t
		}
		hc.Transport = rt
		hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		c.hc = hc
	})
	return c.hc
}

// permanent builds a permanent *channel.Error of the webhook channel.
func permanent(code, format string, args ...any) *channel.Error {
	return &channel.Error{Channel: channel.Webhook, Code: code, Permanent: true, Msg: fmt.Sprintf(format, args...)}
}

// checkURL checks a target URL against the client's settings.
func (c *Client) checkURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, permanent("bad_url", "the webhook URL must be an absolute http:// or https:// URL; check the target's address")
	}
	if len(c.AllowedPrefixes) == 0 {
		return u, nil
	}
	for _, p := range c.AllowedPrefixes {
		if hasURLPrefix(raw, p) {
			return u, nil
		}
	}
	return nil, permanent("url_not_allowed", "the webhook URL (host %s) is not under the webhook connection's allowed_url_prefixes; add its prefix there or fix the target's address", u.Host)
}

// hasURLPrefix reports whether u starts with p at a boundary: p ends with
// "/", or u goes on with "/", "?" or "#" (so that https://h does not allow
// https://h.evil.example).
func hasURLPrefix(u, p string) bool {
	if p == "" || !strings.HasPrefix(u, p) {
		return false
	}
	return strings.HasSuffix(p, "/") || len(u) == len(p) || strings.ContainsRune("/?#", rune(u[len(p)]))
}

// validID reports whether a webhook-id can be sent and signed as it is.
func validID(id string) bool {
	return id != "" && len(id) <= 256 && !strings.ContainsFunc(id, func(r rune) bool { return r <= ' ' || r == 0x7f })
}

// Send POSTs body to url, signed with secret (whsec_<base64>) for msgID
// (the same on every attempt: the receiver's de-duplication key) at ts (the
// attempt's time). A 2xx answer is success. 410 Gone and other 4xx (but
// 408, 409, 425 and 429) are permanent; 429, 5xx, time-outs and network
// errors are transient, with the receiver's Retry-After. A redirect is
// permanent: redirects are not followed.
func (c *Client) Send(ctx context.Context, target, secret, msgID string, ts time.Time, body []byte) error {
	u, err := c.checkURL(target)
	if err != nil {
		return err
	}
	key, err := DecodeSecret(secret)
	if err != nil {
		return permanent("bad_secret", "%v; fix the webhook connection's secret", err)
	}
	if !validID(msgID) {
		return permanent("bad_id", "the webhook id %q is empty, too long or holds spaces or control characters", msgID)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return permanent("bad_url", "the webhook URL is not valid; check the target's address")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Baton")
	req.Header.Set(HeaderID, msgID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	req.Header.Set(HeaderSignature, Sign(key, msgID, ts, body))
	resp, err := c.client().Do(req)
	if err != nil {
		var blocked *BlockedAddressError
		if errors.As(err, &blocked) {
			return permanent("blocked_address", "the webhook host %s resolves to %s, a %s address, which webhooks may not reach; set allow_private: true on the webhook connection, or list the URL's prefix in its allowed_url_prefixes", u.Hostname(), blocked.Addr, blocked.Kind)
		}
		return channel.TransportError(channel.Webhook, "the webhook receiver "+u.Host, err, "its certificate must be trusted by the server's system CA certificates")
	}
	defer channel.DrainClose(resp.Body)
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode <= 299:
		return nil
	case resp.StatusCode >= 300 && resp.StatusCode <= 399:
		to := "elsewhere"
		if loc, err := resp.Location(); err == nil {
			to = "to " + loc.Scheme + "://" + loc.Host
		}
		return permanent("redirect", "the webhook receiver %s redirected (HTTP %d, %s); redirects are not followed: give the target's final URL", u.Host, resp.StatusCode, to)
	case resp.StatusCode == http.StatusGone:
		return permanent("http_410", "the webhook receiver %s answered 410 Gone: it no longer accepts these webhooks; remove or change the target", u.Host)
	}
	return channel.StatusError(channel.Webhook, "the webhook receiver "+u.Host, resp, time.Now())
}
