package server

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/server/httpx"
	"github.com/batonhq/baton/internal/server/native"
	"github.com/batonhq/baton/internal/server/sfnapi"
)

// Error codes of the guard, in both APIs' error bodies.
const (
	codeHostNotAllowed   = "HostNotAllowed"
	codeOriginNotAllowed = "OriginNotAllowed"
)

// guard is the middleware in front of every route (present and future,
// such as a web UI): it refuses what a browser could be tricked into
// sending, and sheds load past the connection cap.
//
//   - Host: a DNS-rebinding page reaches the server under the attacker's
//     name, so the Host header must be one the server is known by (see
//     hostPolicy).
//   - Origin: a page of another site may post to the server (CSRF); every
//     browser sends Origin on such requests, so a foreign Origin is refused.
//     Only GET /healthz, /readyz and /metrics skip this check: they change
//     nothing, and a browser page cannot read their answers (no CORS
//     headers), while monitoring dashboards may send an Origin. They keep
//     the Host check, as a rebinding page could read them otherwise.
//   - Body memory: every request body counts against the server's budget
//     (--max-body-memory) while the request lasts; see httpx.BodyBudget.
//   - Connection cap: a connection accepted past --max-connections is
//     answered 503 (with Retry-After) and closed, except for /healthz and
//     /readyz, so probes answer while the cap is reached.
type guard struct {
	hosts   hostPolicy
	origins map[string]bool // allowed origins, normalised
	bodies  *httpx.BodyBudget
	next    http.Handler
}

// overCapKey marks, in a connection's context, a connection accepted past
// the cap.
type overCapKey struct{}

func (g *guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	probe := r.Method == http.MethodGet && (r.URL.Path == "/healthz" || r.URL.Path == "/readyz")
	if over, _ := r.Context().Value(overCapKey{}).(bool); over {
		w.Header().Set("Connection", "close")
		if !probe {
			w.Header().Set("Retry-After", "1")
			refuse(w, r, http.StatusServiceUnavailable, apierr.ServiceUnavailable,
				"the server has reached its connection limit (--max-connections, BATON_MAX_CONNECTIONS); retry shortly")
			return
		}
	}
	if !g.hosts.allows(r.Host) {
		refuse(w, r, http.StatusMisdirectedRequest, codeHostNotAllowed,
			"Host "+quote(r.Host)+" is not a name of this server; add it with --allowed-hosts (BATON_ALLOWED_HOSTS) if clients reach the server by it")
		return
	}
	if o := r.Header.Get("Origin"); o != "" && !(r.Method == http.MethodGet && (probe || r.URL.Path == "/metrics")) {
		if !g.originAllowed(o, r.Host) {
			refuse(w, r, http.StatusForbidden, codeOriginNotAllowed,
				"requests from the web page at Origin "+quote(o)+" are refused; allow that origin with --allowed-origins (BATON_ALLOWED_ORIGINS) if it is yours")
			return
		}
	}
	release := g.bodies.Wrap(r)
	defer release()
	g.next.ServeHTTP(w, r)
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// refuse answers in the error format of the API the request was meant for:
// the native API's under /api/v1, the Step Functions API's elsewhere (its
// SDKs post to /).
func refuse(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	if strings.HasPrefix(r.URL.Path, native.Prefix+"/") || r.URL.Path == native.Prefix {
		native.WriteError(w, status, code, msg)
		return
	}
	sfnapi.WriteError(w, status, code, msg)
}

// originAllowed tells whether a request from origin may proceed: the
// server's own origin (the scheme and the Host it was reached at, so the
// same page served behind a TLS proxy counts too) or an allowed one.
// "null" (sandboxed frames, file: pages) is refused unless allowed.
func (g *guard) originAllowed(origin, host string) bool {
	norm, ok := normalizeOrigin(origin)
	if !ok {
		return g.origins[origin]
	}
	if g.origins[norm] {
		return true
	}
	u, _ := url.Parse(norm)
	return strings.EqualFold(u.Host, stripDefaultPort(host, u.Scheme))
}

// normalizeOrigin lowercases scheme://host[:port] and drops the scheme's
// default port; ok is false for anything else (such as "null").
func normalizeOrigin(o string) (string, bool) {
	u, err := url.Parse(strings.TrimSpace(o))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", false
	}
	scheme := strings.ToLower(u.Scheme)
	return scheme + "://" + strings.ToLower(stripDefaultPort(u.Host, scheme)), true
}

func stripDefaultPort(hostport, scheme string) string {
	switch {
	case scheme == "http" && strings.HasSuffix(hostport, ":80"):
		return strings.TrimSuffix(hostport, ":80")
	case scheme == "https" && strings.HasSuffix(hostport, ":443"):
		return strings.TrimSuffix(hostport, ":443")
	}
	return hostport
}

// hostPolicy decides which Host headers the server answers. Allowed:
// "localhost", loopback addresses, the host of the listen address, the
// names of --allowed-hosts ("*.example.com" for any name under it), and
// "sync-" before any of those (AWS SDKs prefix StartSyncExecution's host).
// When the server listens on every address (0.0.0.0, ::), any IP address is
// allowed too: a DNS-rebinding page reaches the server by a name it owns,
// never by an IP address, and the machine's own addresses are many and may
// change. The port is not checked: rebinding changes names, not ports, and
// proxies or port forwarding may change the port. A request without Host
// (HTTP/1.0) comes from no browser and is allowed.
type hostPolicy struct {
	anyIP    bool
	names    map[string]bool // lowercase
	suffixes []string        // ".example.com" of "*.example.com"
}

func newHostPolicy(listen string, allowed []string) hostPolicy {
	p := hostPolicy{names: map[string]bool{"localhost": true}}
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		host = listen
	}
	if ip, err := netip.ParseAddr(host); host == "" || err == nil && ip.IsUnspecified() {
		p.anyIP = true
	} else {
		p.names[canonicalHost(host)] = true
	}
	for _, a := range allowed {
		a = strings.TrimSpace(a)
		if h, _, err := net.SplitHostPort(a); err == nil {
			a = h
		}
		if rest, ok := strings.CutPrefix(a, "*."); ok {
			p.suffixes = append(p.suffixes, "."+canonicalHost(rest))
		} else if a != "" {
			p.names[canonicalHost(a)] = true
		}
	}
	return p
}

// canonicalHost lowercases a host name and writes an IP address in its
// canonical form, without brackets or a trailing dot.
func canonicalHost(h string) string {
	h = strings.ToLower(strings.TrimSuffix(strings.Trim(h, "[]"), "."))
	if ip, err := netip.ParseAddr(h); err == nil {
		return ip.Unmap().String()
	}
	return h
}

func (p hostPolicy) allows(hostHeader string) bool {
	if hostHeader == "" {
		return true
	}
	host := hostHeader
	if h, _, err := net.SplitHostPort(hostHeader); err == nil {
		host = h
	}
	host = canonicalHost(host)
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip.IsLoopback() || p.anyIP || p.names[host]
	}
	return p.allowsName(host) || p.allowsName(strings.TrimPrefix(host, "sync-"))
}

func (p hostPolicy) allowsName(name string) bool {
	if p.names[name] {
		return true
	}
	for _, s := range p.suffixes {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

// nonLoopback tells whether the listen address can be reached from other
// machines.
func nonLoopback(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return !ok || !tcp.IP.IsLoopback()
}

// withOverCap is the server's ConnContext: it marks the connections
// accepted past the cap.
func withOverCap(ctx context.Context, c net.Conn) context.Context {
	if cc, ok := plainConn(c).(*countedConn); ok && cc.over {
		return context.WithValue(ctx, overCapKey{}, true)
	}
	return ctx
}
