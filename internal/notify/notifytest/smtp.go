package notifytest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// SMTP security modes of the fake.
const (
	SMTPStartTLS = "starttls" // plain at first, STARTTLS offered; AUTH only after it
	SMTPImplicit = "implicit" // TLS from the first byte
	SMTPPlain    = "plain"    // no TLS at all: STARTTLS is not offered; AUTH allowed in plain text
)

// SMTPOptions configure a fake SMTP server.
type SMTPOptions struct {
	Security string // SMTPStartTLS (default), SMTPImplicit or SMTPPlain
	// Username and Password are the only credentials accepted; with a
	// Username, a mail without AUTH is refused (530).
	Username, Password string
	// Mechanisms are the AUTH mechanisms offered; default PLAIN and LOGIN.
	Mechanisms []string
}

// SMTP is an SMTP server (github.com/emersion/go-smtp) that records the
// mails it accepts, parsed. Its certificate is self-signed for 127.0.0.1
// and localhost: trust it with CertPool or CertPEM (a ca_file).
type SMTP struct {
	Host    string // "127.0.0.1"
	Port    int
	Options SMTPOptions
	CertPEM []byte         // the server's certificate, its own CA (PEM)
	CAs     *x509.CertPool // a pool holding it

	tlsConfig *tls.Config

	mu       sync.Mutex
	server   *smtp.Server
	down     Down
	mails    []SMTPMail
	failNext faults[int]
}

// SMTPMail is an accepted mail.
type SMTPMail struct {
	From      string   // the envelope's sender
	To        []string // the envelope's recipients
	User      string   // who authenticated, "" if no one
	TLS       bool     // whether the session was encrypted
	Header    mail.Header
	Subject   string // decoded
	MessageID string
	Text      string // the text/plain part, decoded
	HTML      string // the text/html part, decoded, "" if none
	Raw       []byte
}

// NewSMTP starts a fake SMTP server on 127.0.0.1; it stops with the test.
func NewSMTP(t testing.TB, opts SMTPOptions) *SMTP {
	t.Helper()
	if opts.Security == "" {
		opts.Security = SMTPStartTLS
	}
	if opts.Mechanisms == nil {
		opts.Mechanisms = []string{sasl.Plain, sasl.Login}
	}
	cert, certPEM, err := SelfSignedCert()
	if err != nil {
		t.Fatalf("notifytest: certificate: %v", err)
	}
	s := &SMTP{Host: "127.0.0.1", Options: opts, CertPEM: certPEM, CAs: x509.NewCertPool(),
		tlsConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}}
	s.CAs.AppendCertsFromPEM(certPEM)
	switch opts.Security {
	case SMTPStartTLS, SMTPImplicit, SMTPPlain:
	default:
		t.Fatalf("notifytest: unknown SMTP security %q", opts.Security)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("notifytest: listen: %v", err)
	}
	s.Port = ln.Addr().(*net.TCPAddr).Port
	s.serve(ln)
	t.Cleanup(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		_ = s.server.Close()
	})
	return s
}

// serve starts a go-smtp server on ln.
func (s *SMTP) serve(ln net.Listener) {
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		s.mu.Lock()
		down := s.down
		s.mu.Unlock()
		if down != Up {
			return nil, &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "Service not available (notifytest: down)"}
		}
		_, isTLS := c.TLSConnectionState()
		return &smtpSession{s: s, tls: isTLS}, nil
	}))
	srv.Domain = "localhost"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.MaxMessageBytes = 10 << 20
	switch s.Options.Security {
	case SMTPStartTLS:
		srv.TLSConfig = s.tlsConfig
	case SMTPImplicit:
		ln = tls.NewListener(ln, s.tlsConfig)
	case SMTPPlain:
		srv.AllowInsecureAuth = true
	}
	s.server = srv
	go func() { _ = srv.Serve(ln) }()
}

// SetDown takes the server down (Unavailable: every session refused with
// 421; Refusing: the listener and every connection closed, so connections
// are refused) or brings it back on the same port (Up).
func (s *SMTP) SetDown(d Down) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d == s.down {
		return nil
	}
	was := s.down
	s.down = d
	switch {
	case d == Refusing:
		return s.server.Close()
	case was == Refusing:
		ln, err := net.Listen("tcp", s.Addr())
		if err != nil {
			s.down = Refusing
			return err
		}
		s.serve(ln)
	}
	return nil
}

// CAFile writes the server's certificate to a file in a temporary
// directory of t, for a ca_file of a configuration, and returns its path.
func (s *SMTP) CAFile(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "smtp-ca.pem")
	if err := os.WriteFile(path, s.CertPEM, 0o600); err != nil {
		t.Fatalf("notifytest: %v", err)
	}
	return path
}

// Addr is "127.0.0.1:PORT".
func (s *SMTP) Addr() string { return net.JoinHostPort(s.Host, fmt.Sprint(s.Port)) }

// FailNext refuses the next n mails with code (451: try again later; 550:
// refused), at MAIL FROM.
func (s *SMTP) FailNext(n, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = faults[int]{n: n, fault: code}
}

// Mails returns the accepted mails, in order.
func (s *SMTP) Mails() []SMTPMail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.mails)
}

// WaitMails waits until at least n mails were accepted, and returns them.
func (s *SMTP) WaitMails(t testing.TB, n int, timeout time.Duration) []SMTPMail {
	t.Helper()
	Eventually(t, timeout, fmt.Sprintf("fake SMTP: want %d mails, have %d", n, len(s.Mails())), func() bool { return len(s.Mails()) >= n })
	return s.Mails()
}

// Wait polls cond (given the fake) until it holds.
func (s *SMTP) Wait(t testing.TB, timeout time.Duration, what string, cond func(*SMTP) bool) {
	t.Helper()
	Eventually(t, timeout, "fake SMTP: "+what, func() bool { return cond(s) })
}

// smtpSession is one connection's session.
type smtpSession struct {
	s    *SMTP
	tls  bool
	user string
	from string
	to   []string
}

func (ss *smtpSession) AuthMechanisms() []string { return ss.s.Options.Mechanisms }

var errBadCredentials = &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication credentials invalid"}

func (ss *smtpSession) Auth(mech string) (sasl.Server, error) {
	check := func(user, pass string) error {
		if ss.s.Options.Username == "" || user != ss.s.Options.Username || pass != ss.s.Options.Password {
			return errBadCredentials
		}
		ss.user = user
		return nil
	}
	if !slices.Contains(ss.s.Options.Mechanisms, mech) {
		return nil, &smtp.SMTPError{Code: 504, EnhancedCode: smtp.EnhancedCode{5, 5, 4}, Message: "Unsupported authentication mechanism"}
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(identity, user, pass string) error {
			if identity != "" && identity != user {
				return errBadCredentials
			}
			return check(user, pass)
		}), nil
	case sasl.Login:
		return &loginServer{check: check}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

// loginServer is the server side of AUTH LOGIN.
type loginServer struct {
	check func(user, pass string) error
	step  int
	user  string
}

func (l *loginServer) Next(response []byte) ([]byte, bool, error) {
	l.step++
	switch {
	case l.step == 1 && response == nil:
		return []byte("Username:"), false, nil
	case l.user == "":
		l.user = string(response)
		return []byte("Password:"), false, nil
	default:
		return nil, true, l.check(l.user, string(response))
	}
}

func (ss *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	ss.s.mu.Lock()
	code, failing := ss.s.failNext.take()
	ss.s.mu.Unlock()
	if failing {
		enh := smtp.EnhancedCode{code / 100, 3, 0}
		return &smtp.SMTPError{Code: code, EnhancedCode: enh, Message: "notifytest: refused as told"}
	}
	if ss.s.Options.Username != "" && ss.user == "" {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}
	}
	ss.from = from
	return nil
}

func (ss *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *smtpSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := parseMail(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "notifytest: cannot parse the mail: " + err.Error()}
	}
	m.From, m.To, m.User, m.TLS = ss.from, slices.Clone(ss.to), ss.user, ss.tls
	ss.s.mu.Lock()
	ss.s.mails = append(ss.s.mails, m)
	ss.s.mu.Unlock()
	return nil
}

func (ss *smtpSession) Reset()        { ss.from, ss.to = "", nil }
func (ss *smtpSession) Logout() error { return nil }

// parseMail reads a mail's headers and its text and HTML parts.
func parseMail(raw []byte) (SMTPMail, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return SMTPMail{}, err
	}
	m := SMTPMail{Header: msg.Header, Raw: raw, MessageID: msg.Header.Get("Message-Id")}
	dec := new(mime.WordDecoder)
	if m.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return SMTPMail{}, err
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		return SMTPMail{}, err
	}
	if !strings.HasPrefix(mt, "multipart/") {
		body, err := decodeBody(msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
		if err != nil {
			return SMTPMail{}, err
		}
		if mt == "text/html" {
			m.HTML = body
		} else {
			m.Text = body
		}
		return m, nil
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return m, nil
		}
		if err != nil {
			return SMTPMail{}, err
		}
		// multipart decodes quoted-printable parts itself.
		body, err := decodeBody(p.Header.Get("Content-Transfer-Encoding"), p)
		if err != nil {
			return SMTPMail{}, err
		}
		switch pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); pt {
		case "text/plain":
			m.Text = body
		case "text/html":
			m.HTML = body
		}
	}
}

func decodeBody(encoding string, r io.Reader) (string, error) {
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, r)
	}
	b, err := io.ReadAll(r)
	return strings.ReplaceAll(string(b), "\r\n", "\n"), err
}

// SelfSignedCert makes a certificate (and its PEM) for 127.0.0.1, ::1 and
// localhost that is its own CA, valid for a day.
func SelfSignedCert() (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "notifytest SMTP"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	cert, err := tls.X509KeyPair(certPEM, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}))
	return cert, certPEM, err
}
