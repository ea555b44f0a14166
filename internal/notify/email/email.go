// Package email sends notification mails over SMTP (net/smtp), with the
// connection's security chosen explicitly: TLS from the first byte
// (implicit, usually port 465), STARTTLS required (never a silent fall-back
// to plain text), or plain text when configured so. Certificates are
// always checked. Failures are *channel.Error: SMTP 4xx replies and network
// errors are transient, 5xx replies and untrusted certificates permanent.
package email

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/batonhq/baton/internal/notify/channel"
)

// Security modes.
const (
	Implicit = "implicit" // TLS from the first byte (SMTPS, port 465)
	StartTLS = "starttls" // plain connection upgraded with STARTTLS, which the server must offer (port 587)
	None     = "none"     // plain text (port 25); credentials only to a loopback host
)

// DefaultTimeout bounds a whole send when Sender.Timeout is 0.
const DefaultTimeout = 30 * time.Second

// DefaultPort is the usual port of each security mode.
func DefaultPort(security string) int {
	switch security {
	case Implicit:
		return 465
	case StartTLS:
		return 587
	}
	return 25
}

// Sender sends mails through one SMTP server.
type Sender struct {
	Host       string
	Port       int    // 0: DefaultPort(Security)
	Security   string // Implicit, StartTLS or None; there is no default
	Username   string // "" sends no AUTH
	Password   string
	From       string // the sender's address ("Baton <baton@example.com>")
	HeloName   string // the EHLO name; default "localhost"
	Timeout    time.Duration
	RootCAs    *x509.CertPool // the CAs trusted for the server's certificate; nil: the system's
	ServerName string         // the name its certificate must have; default Host
}

// Mail is one message, to one or more recipients.
type Mail struct {
	To        []string
	Subject   string
	Text      string            // the plain-text part
	HTML      string            // optional HTML part (then the mail is multipart/alternative)
	MessageID string            // a stable id, "<id@baton>", so receivers can drop duplicates; generated when ""
	Headers   map[string]string // extra headers (X-Baton-Run...)
}

func permanent(code, format string, args ...any) *channel.Error {
	return &channel.Error{Channel: channel.Email, Code: code, Permanent: true, Msg: fmt.Sprintf(format, args...)}
}

// Send delivers m: one SMTP transaction, every recipient in it.
func (s *Sender) Send(ctx context.Context, m Mail) error {
	from, to, msg, err := s.build(m, time.Now())
	if err != nil {
		return err
	}
	if err := s.checkConfig(); err != nil {
		return err
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err = s.send(ctx, from, to, msg)
	if err == nil {
		return nil
	}
	if ce := new(channel.Error); errors.As(err, &ce) {
		return ce
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		said := strings.ReplaceAll(te.Msg, s.Password, "[redacted]")
		if len(said) > 200 {
			said = said[:200]
		}
		e := &channel.Error{Channel: channel.Email, Code: "smtp_" + strconv.Itoa(te.Code), Permanent: te.Code >= 500}
		switch {
		case te.Code == 535 || te.Code == 534 || te.Code == 530:
			e.Msg = fmt.Sprintf("the SMTP server refused the login (%d %s); check the smtp connection's username and password", te.Code, said)
		case e.Permanent:
			e.Msg = fmt.Sprintf("the SMTP server refused the mail (%d %s); check the addresses and the smtp connection", te.Code, said)
		default:
			e.Msg = fmt.Sprintf("the SMTP server deferred the mail (%d %s); it is retried", te.Code, said)
		}
		return e
	}
	if ctx.Err() != nil {
		// The connection was closed under the dialogue: say why.
		err = ctx.Err()
	}
	return channel.TransportError(channel.Email, "the SMTP server "+s.addr(), err,
		"set ca_file in the smtp connection to the CA certificate (PEM) that signed the server's certificate")
}

func (s *Sender) addr() string {
	port := s.Port
	if port == 0 {
		port = DefaultPort(s.Security)
	}
	return net.JoinHostPort(s.Host, strconv.Itoa(port))
}

// checkConfig refuses what must never be sent: credentials in plain text
// to another host than this one.
func (s *Sender) checkConfig() error {
	switch s.Security {
	case Implicit, StartTLS:
	case None:
		if s.Username != "" && !Loopback(s.Host) {
			return permanent("insecure_auth", "the smtp connection has a username but security none: the password would cross the network in plain text to %s; use security starttls or implicit (credentials over plain text are sent to a loopback host only)", s.Host)
		}
	default:
		return permanent("bad_config", "the smtp connection's security is %q; give implicit, starttls or none", s.Security)
	}
	if s.Host == "" {
		return permanent("bad_config", "the smtp connection has no host")
	}
	return nil
}

// Loopback reports whether host is this machine: localhost or a loopback
// address (the only host that plain-text credentials are sent to).
func Loopback(host string) bool {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (s *Sender) tlsConfig() *tls.Config {
	name := s.ServerName
	if name == "" {
		name = s.Host
	}
	return &tls.Config{ServerName: name, RootCAs: s.RootCAs, MinVersion: tls.VersionTLS12}
}

// send runs the SMTP dialogue; the connection is closed when ctx ends, so
// that no step outlives the time-out.
func (s *Sender) send(ctx context.Context, from string, to []string, msg []byte) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.addr())
	if err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	defer conn.Close()
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	}
	if s.Security == Implicit {
		tc := tls.Client(conn, s.tlsConfig())
		if err := tc.HandshakeContext(ctx); err != nil {
			return err
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, s.Host)
	if err != nil {
		return err
	}
	defer c.Close()
	helo := s.HeloName
	if helo == "" {
		helo = "localhost"
	}
	if err := c.Hello(helo); err != nil {
		return err
	}
	if s.Security == StartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return permanent("starttls_unavailable", "the SMTP server %s does not offer STARTTLS, which security starttls requires; use security implicit (port 465) if it speaks TLS from the start, or fix the server", s.addr())
		}
		if err := c.StartTLS(s.tlsConfig()); err != nil {
			return err
		}
	}
	if s.Username != "" {
		ok, mechs := c.Extension("AUTH")
		if !ok {
			return permanent("auth_unavailable", "the SMTP server %s offers no AUTH but the smtp connection has a username; remove the username or fix the server", s.addr())
		}
		var a smtp.Auth
		switch fields := strings.Fields(strings.ToUpper(mechs)); {
		case slices.Contains(fields, "PLAIN"):
			a = plainAuth{s.Username, s.Password}
		case slices.Contains(fields, "LOGIN"):
			a = &loginAuth{user: s.Username, pass: s.Password}
		default:
			return permanent("auth_unsupported", "the SMTP server %s offers AUTH %s but neither PLAIN nor LOGIN, which Baton speaks", s.addr(), mechs)
		}
		if err := c.Auth(a); err != nil {
			return err
		}
	}
	if err := c.Mail(from); err != nil {
		return err
	}
	for _, r := range to {
		if err := c.Rcpt(r); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	// The mail is accepted: a failed QUIT changes nothing.
	_ = c.Quit()
	return nil
}

// plainAuth is AUTH PLAIN (RFC 4616). Unlike smtp.PlainAuth it leaves the
// check of the connection's security to Send, which knows the
// configuration (smtp.PlainAuth refuses a plain loopback connection to a
// host named by IP).
type plainAuth struct{ user, pass string }

func (a plainAuth) Start(*smtp.ServerInfo) (string, []byte, error) {
	return "PLAIN", []byte("\x00" + a.user + "\x00" + a.pass), nil
}

func (a plainAuth) Next(_ []byte, more bool) ([]byte, error) {
	if more {
		return nil, errors.New("unexpected server challenge")
	}
	return nil, nil
}

// loginAuth is AUTH LOGIN: the server asks for the username, then the
// password.
type loginAuth struct {
	user, pass string
	step       int
}

func (a *loginAuth) Start(*smtp.ServerInfo) (string, []byte, error) { return "LOGIN", nil, nil }

func (a *loginAuth) Next(challenge []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	a.step++
	q := strings.ToLower(string(challenge))
	switch {
	case strings.HasPrefix(q, "user"):
		return []byte(a.user), nil
	case strings.HasPrefix(q, "pass"):
		return []byte(a.pass), nil
	case a.step == 1:
		return []byte(a.user), nil
	case a.step == 2:
		return []byte(a.pass), nil
	}
	return nil, errors.New("unexpected server challenge")
}

// messageID returns a new Message-ID in the From address's domain.
func messageID(from string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	domain := "baton"
	if at := strings.LastIndexByte(from, '@'); at >= 0 {
		domain = from[at+1:]
	}
	return "<" + hex.EncodeToString(b) + "@" + domain + ">"
}

// parseAddress parses one address, refusing line breaks (header
// injection) and lists.
func parseAddress(what, s string) (*mail.Address, error) {
	if strings.ContainsAny(s, "\r\n\x00") {
		return nil, permanent("bad_address", "the %s address holds a line break; refused (header injection)", what)
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, permanent("bad_address", "the %s address %q is not an e-mail address (%v)", what, s, err)
	}
	return a, nil
}
