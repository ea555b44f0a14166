package config

import (
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/batonhq/baton/internal/notify/email"
	"github.com/batonhq/baton/internal/notify/opsgenie"
	"github.com/batonhq/baton/internal/notify/slack"
	"github.com/batonhq/baton/internal/notify/webhook"
	"github.com/batonhq/baton/internal/value"
)

// Notification channel connection types: the credentials of the channels
// that pipeline notifications name (never in pipeline.yaml).
const (
	TypeSlack    = "slack"
	TypeSMTP     = "smtp"
	TypeWebhook  = "webhook"
	TypeOpsGenie = "opsgenie"
)

// Slack is a Slack workspace reached with a bot token.
type Slack struct {
	Token  Secret // the bot token, xoxb-...
	APIURL string // default slack.DefaultBaseURL
}

// Client returns a client for the workspace (hc nil: channel.DefaultHTTPClient, 30 s time-out).
func (s *Slack) Client(hc *http.Client) *slack.Client {
	return &slack.Client{Token: s.Token.Reveal(), BaseURL: s.APIURL, HTTP: hc}
}

// SMTP is a mail server.
type SMTP struct {
	Host     string
	Port     int    // defaulted by Security: 587, 465 or 25
	Security string // email.Implicit, email.StartTLS or email.None: no default
	Username string
	Password Secret
	From     string // the sender's address
	Timeout  time.Duration
	CAFile   string // extra CA certificates (PEM) to trust
	CA       []byte // the PEM read from CAFile
}

// Sender returns a sender for the server. Its certificate is checked
// against the system's CAs, or against CAFile's only when it is given.
func (s *SMTP) Sender() *email.Sender {
	e := &email.Sender{Host: s.Host, Port: s.Port, Security: s.Security, Username: s.Username,
		Password: s.Password.Reveal(), From: s.From, Timeout: s.Timeout}
	if len(s.CA) > 0 {
		e.RootCAs = x509.NewCertPool()
		e.RootCAs.AppendCertsFromPEM(s.CA)
	}
	return e
}

// Webhook is the signing secret and URL policy of webhook targets.
type Webhook struct {
	Secret             Secret // whsec_<base64>
	AllowPrivate       bool
	AllowedURLPrefixes []string
}

// Client returns a client with the connection's URL policy (hc nil: a
// 30 s time-out); pass Secret.Reveal() to its Send.
func (w *Webhook) Client(hc *http.Client) *webhook.Client {
	return &webhook.Client{HTTP: hc, AllowPrivate: w.AllowPrivate, AllowedPrefixes: w.AllowedURLPrefixes}
}

// OpsGenie is an OpsGenie API integration.
type OpsGenie struct {
	APIKey        Secret
	APIURL        string // default opsgenie.DefaultBaseURL
	ResponderType string // what a target's addresses are: team (default), user, escalation or schedule
}

// Client returns a client for the integration (hc nil:
// channel.DefaultHTTPClient, 30 s time-out).
func (o *OpsGenie) Client(hc *http.Client) *opsgenie.Client {
	return &opsgenie.Client{APIKey: o.APIKey.Reveal(), BaseURL: o.APIURL, HTTP: hc}
}

// Responders turns a target's addresses into OpsGenie responders of the
// connection's ResponderType.
func (o *OpsGenie) Responders(addresses []string) []opsgenie.Responder {
	out := make([]opsgenie.Responder, 0, len(addresses))
	for _, a := range addresses {
		out = append(out, opsgenie.Responder{Name: a, Type: o.ResponderType})
	}
	return out
}

// WrongTypeError is a connection used for another kind of target than its
// type: a Slack target naming an smtp connection.
type WrongTypeError struct {
	Name, Type, Want string
}

func (e *WrongTypeError) Error() string {
	return fmt.Sprintf("connection %q is of type %s, not %s; name a %s connection", e.Name, e.Type, e.Want, e.Want)
}

// ConnectionOf returns the named connection if it is of type typ; else an
// *UnknownConnectionError or a *WrongTypeError.
func (c *Config) ConnectionOf(name, typ string) (*Connection, error) {
	conn, err := c.Connection(name)
	if err != nil {
		return nil, err
	}
	if conn.Type != typ {
		return nil, &WrongTypeError{Name: name, Type: conn.Type, Want: typ}
	}
	return conn, nil
}

// apiURL reads an optional absolute http(s) URL field.
func (f fields) apiURL(key, def string) string {
	s := f.str(key)
	if s == "" {
		return def
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		f.problem(key, "must be an absolute http:// or https:// URL without credentials, got %q", s)
	}
	return s
}

// token reads a required credential that is sent in a header: a reference,
// on one line.
func (f fields) token(key, what string) Secret {
	s := f.secret(key, true)
	if _, has := f.obj[key]; !has {
		f.whole("needs %s (%s: env:NAME or file:PATH)", key, what)
	}
	if strings.ContainsAny(s.Reveal(), "\r\n\x00 \t") {
		f.problem(key, "holds a space or line break")
	}
	return s
}

func (r *reader) slack(f fields) *Slack {
	return &Slack{Token: f.token("token", "the Slack app's bot token, xoxb-..."), APIURL: f.apiURL("api_url", "")}
}

func (r *reader) opsgenie(f fields) *OpsGenie {
	o := &OpsGenie{APIKey: f.token("api_key", "an OpsGenie API integration's key"), APIURL: f.apiURL("api_url", opsgenie.DefaultBaseURL),
		ResponderType: f.str("responder_type")}
	switch o.ResponderType {
	case "":
		o.ResponderType = "team"
	case "team", "user", "escalation", "schedule":
	default:
		f.problem("responder_type", "must be team, user, escalation or schedule, got %q", o.ResponderType)
	}
	return o
}

func (r *reader) webhook(f fields) *Webhook {
	w := &Webhook{Secret: f.token("secret", "the signing secret, whsec_ and base64")}
	if s := w.Secret.Reveal(); s != "" {
		if !strings.HasPrefix(s, webhook.SecretPrefix) {
			f.problem("secret", "must be whsec_ followed by base64 (the Standard Webhooks form)")
		} else if _, err := webhook.DecodeSecret(s); err != nil {
			f.problem("secret", "is not valid: %v", err)
		}
	}
	w.AllowPrivate, _ = f.boolean("allow_private")
	v, ok := f.obj["allowed_url_prefixes"]
	if !ok {
		return w
	}
	list, ok := v.([]any)
	if !ok {
		f.problem("allowed_url_prefixes", "must be a list of URL prefixes, got %s", value.TypeName(v))
		return w
	}
	for i, item := range list {
		s, ok := item.(string)
		u, err := url.Parse(s)
		if !ok || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			f.r.problem(fmt.Sprintf("%s/%d", f.fieldPtr("allowed_url_prefixes"), i), "connection %q: allowed_url_prefixes[%d] must be an absolute http:// or https:// URL prefix, got %v", f.conn, i, item)
			continue
		}
		w.AllowedURLPrefixes = append(w.AllowedURLPrefixes, s)
	}
	return w
}

func (r *reader) smtp(f fields) *SMTP {
	s := &SMTP{Host: f.str("host"), Port: f.integer("port", 1, 65535), Security: f.str("security"), Username: f.str("username"),
		Password: f.secret("password", true), From: f.str("from"), CAFile: f.str("ca_file"), Timeout: email.DefaultTimeout}
	switch _, has := f.obj["host"]; {
	case !has:
		f.whole("needs a host (the SMTP server's name or address)")
	case s.Host == "" || strings.ContainsAny(s.Host, "/:@ ") && net.ParseIP(s.Host) == nil:
		f.problem("host", "must be a host name or IP address (give the port as port:), got %q", s.Host)
	}
	switch s.Security {
	case email.Implicit, email.StartTLS, email.None:
		if s.Port == 0 {
			s.Port = email.DefaultPort(s.Security)
		}
	case "":
		if _, has := f.obj["security"]; !has {
			f.whole("needs security: implicit (TLS from the start, port 465), starttls (port 587) or none (plain text, port 25); there is no default")
		}
	default:
		f.problem("security", "must be implicit, starttls or none, got %q", s.Security)
	}
	switch {
	case s.Username != "" && s.Password.IsZero():
		f.whole("has a username but no password")
	case s.Username == "" && !s.Password.IsZero():
		f.whole("has a password but no username")
	case s.Username != "" && s.Security == email.None && !email.Loopback(s.Host):
		f.problem("security", "is none with a username: the password would cross the network in plain text; use starttls or implicit (plain-text AUTH is allowed to localhost only)")
	}
	if _, has := f.obj["from"]; !has {
		f.whole("needs from: the sender's address (\"Baton <baton@example.com>\")")
	} else if strings.ContainsAny(s.From, "\r\n") {
		f.problem("from", "holds a line break")
	} else if _, err := mail.ParseAddress(s.From); err != nil {
		f.problem("from", "must be an e-mail address, got %q", s.From)
	}
	if v, has := f.obj["timeout"]; has {
		str, _ := v.(string)
		d, err := time.ParseDuration(str)
		switch {
		case err != nil:
			f.problem("timeout", "must be a duration such as 30s or 2m, got %v", v)
		case d < time.Second || d > 10*time.Minute:
			f.problem("timeout", "must be between 1s and 10m, got %s", d)
		default:
			s.Timeout = d
		}
	}
	if s.CAFile != "" {
		s.CA = f.caFile("ca_file", s.CAFile)
		if s.Security == email.None {
			f.problem("ca_file", "needs TLS (security implicit or starttls)")
		}
	}
	return s
}
