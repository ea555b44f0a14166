package email_test

import (
	"context"
	"crypto/x509"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/notify/channel"
	"github.com/batonhq/baton/internal/notify/email"
	"github.com/batonhq/baton/internal/notify/notifytest"
)

const (
	user = "baton"
	pass = "s3cr3t-smtp-pass"
)

func sender(fake *notifytest.SMTP, security string) *email.Sender {
	return &email.Sender{Host: fake.Host, Port: fake.Port, Security: security, Username: user, Password: pass,
		From: "Baton <baton@example.com>", RootCAs: fake.CAs, Timeout: 5 * time.Second}
}

func TestSend(t *testing.T) {
	for _, tc := range []struct {
		name       string
		fake       notifytest.SMTPOptions
		security   string
		noAuth     bool
		wantTLS    bool
		serverName string
	}{
		{name: "starttls plain auth", fake: notifytest.SMTPOptions{Security: notifytest.SMTPStartTLS, Username: user, Password: pass}, security: email.StartTLS, wantTLS: true},
		{name: "starttls login auth", fake: notifytest.SMTPOptions{Security: notifytest.SMTPStartTLS, Username: user, Password: pass, Mechanisms: []string{"LOGIN"}}, security: email.StartTLS, wantTLS: true},
		{name: "implicit", fake: notifytest.SMTPOptions{Security: notifytest.SMTPImplicit, Username: user, Password: pass}, security: email.Implicit, wantTLS: true},
		{name: "implicit by name", fake: notifytest.SMTPOptions{Security: notifytest.SMTPImplicit, Username: user, Password: pass}, security: email.Implicit, wantTLS: true, serverName: "localhost"},
		{name: "none to loopback with auth", fake: notifytest.SMTPOptions{Security: notifytest.SMTPPlain, Username: user, Password: pass}, security: email.None},
		{name: "none without auth", fake: notifytest.SMTPOptions{Security: notifytest.SMTPPlain}, security: email.None, noAuth: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := notifytest.NewSMTP(t, tc.fake)
			s := sender(fake, tc.security)
			s.ServerName = tc.serverName
			if tc.noAuth {
				s.Username, s.Password = "", ""
			}
			m := email.Mail{
				To:        []string{"ops@example.com", "Ann Ö <ann@example.com>"},
				Subject:   "Pipeline etl failed: étape « load » ✗",
				Text:      "Run r1 failed.\n.\nA line starting with a dot, and a long one: " + strings.Repeat("x", 200),
				HTML:      "<p>Run <b>r1</b> failed.</p>",
				MessageID: "<r1.failed@baton>",
				Headers:   map[string]string{"X-Baton-Run": "r1"},
			}
			if err := s.Send(context.Background(), m); err != nil {
				t.Fatal(err)
			}
			got := fake.Mails()
			if len(got) != 1 {
				t.Fatalf("mails = %d", len(got))
			}
			g := got[0]
			if g.From != "baton@example.com" || !slices.Equal(g.To, []string{"ops@example.com", "ann@example.com"}) || g.TLS != tc.wantTLS {
				t.Fatalf("envelope = %s %v tls %v", g.From, g.To, g.TLS)
			}
			if !tc.noAuth && g.User != user {
				t.Fatalf("authenticated as %q", g.User)
			}
			if g.Subject != m.Subject || g.MessageID != "<r1.failed@baton>" || g.Header.Get("X-Baton-Run") != "r1" || g.Header.Get("Date") == "" || g.Header.Get("Mime-Version") != "1.0" {
				t.Fatalf("headers = %v, subject %q", g.Header, g.Subject)
			}
			if strings.TrimRight(g.Text, "\n") != m.Text || strings.TrimRight(g.HTML, "\n") != m.HTML {
				t.Fatalf("text = %q\nhtml = %q", g.Text, g.HTML)
			}
		})
	}
}

func TestTextOnly(t *testing.T) {
	fake := notifytest.NewSMTP(t, notifytest.SMTPOptions{Username: user, Password: pass})
	if err := sender(fake, email.StartTLS).Send(context.Background(), email.Mail{To: []string{"ops@example.com"}, Subject: "ok", Text: "plain body"}); err != nil {
		t.Fatal(err)
	}
	g := fake.Mails()[0]
	if g.HTML != "" || strings.TrimSpace(g.Text) != "plain body" || !strings.HasPrefix(g.MessageID, "<") || !strings.HasSuffix(g.MessageID, "@example.com>") {
		t.Fatalf("mail = %+v", g)
	}
}

func TestErrors(t *testing.T) {
	starttls := notifytest.NewSMTP(t, notifytest.SMTPOptions{Username: user, Password: pass})
	plain := notifytest.NewSMTP(t, notifytest.SMTPOptions{Security: notifytest.SMTPPlain, Username: user, Password: pass})
	noLogin := notifytest.NewSMTP(t, notifytest.SMTPOptions{Username: user, Password: pass, Mechanisms: []string{"CRAM-MD5"}})
	good := email.Mail{To: []string{"ops@example.com"}, Subject: "s", Text: "t"}
	for _, tc := range []struct {
		name      string
		sender    func() *email.Sender
		mail      email.Mail
		setup     func()
		code      string
		permanent bool
		msg       string
	}{
		{name: "starttls not offered", sender: func() *email.Sender { return sender(plain, email.StartTLS) }, code: "starttls_unavailable", permanent: true, msg: "STARTTLS"},
		{name: "untrusted certificate", sender: func() *email.Sender { s := sender(starttls, email.StartTLS); s.RootCAs = x509.NewCertPool(); return s }, code: "tls_certificate", permanent: true, msg: "ca_file"},
		{name: "wrong server name", sender: func() *email.Sender {
			s := sender(starttls, email.StartTLS)
			s.ServerName = "mail.example.com"
			return s
		}, code: "tls_certificate", permanent: true, msg: "ca_file"},
		{name: "implicit against plain", sender: func() *email.Sender { s := sender(plain, email.Implicit); s.Timeout = time.Second; return s }, code: "tls_handshake", permanent: true, msg: "TLS"},
		{name: "wrong password", sender: func() *email.Sender { s := sender(starttls, email.StartTLS); s.Password = "wrong-password"; return s }, code: "smtp_535", permanent: true, msg: "password"},
		{name: "no mechanism", sender: func() *email.Sender { return sender(noLogin, email.StartTLS) }, code: "auth_unsupported", permanent: true},
		{name: "credentials in plain text to another host", sender: func() *email.Sender { s := sender(plain, email.None); s.Host = "mail.example.com"; return s }, code: "insecure_auth", permanent: true, msg: "starttls"},
		{name: "no security given", sender: func() *email.Sender { return sender(starttls, "") }, code: "bad_config", permanent: true},
		{name: "451", sender: func() *email.Sender { return sender(starttls, email.StartTLS) }, setup: func() { starttls.FailNext(1, 451) }, code: "smtp_451"},
		{name: "550", sender: func() *email.Sender { return sender(starttls, email.StartTLS) }, setup: func() { starttls.FailNext(1, 550) }, code: "smtp_550", permanent: true},
		{name: "refused", sender: func() *email.Sender { s := sender(starttls, email.StartTLS); s.Port = 1; return s }, code: "dial"},
		{name: "subject injection", sender: func() *email.Sender { return sender(starttls, email.StartTLS) }, mail: email.Mail{To: []string{"a@example.com"}, Subject: "x\r\nBcc: victim@example.com"}, code: "bad_header", permanent: true},
		{name: "header injection", sender: func() *email.Sender { return sender(starttls, email.StartTLS) }, mail: email.Mail{To: []string{"a@example.com"}, Headers: map[string]string{"X-Run": "r1\nBcc: victim@example.com"}}, code: "bad_header", permanent: true},
		{name: "reserved header", sender: func() *email.Sender { return sender(starttls, email.StartTLS) }, mail: email.Mail{To: []string{"a@example.com"}, Headers: map[string]string{"bcc": "victim@example.com"}}, code: "bad_header", permanent: true},
		{name: "address injection", sender: func() *email.Sender { return sender(starttls, email.StartTLS) }, mail: email.Mail{To: []string{"a@example.com\r\nBcc: victim@example.com"}}, code: "bad_address", permanent: true},
		{name: "not an address", sender: func() *email.Sender { return sender(starttls, email.StartTLS) }, mail: email.Mail{To: []string{"not an address"}}, code: "bad_address", permanent: true},
		{name: "no recipient", sender: func() *email.Sender { return sender(starttls, email.StartTLS) }, mail: email.Mail{Subject: "s"}, code: "bad_address", permanent: true},
		{name: "bad message id", sender: func() *email.Sender { return sender(starttls, email.StartTLS) }, mail: email.Mail{To: []string{"a@example.com"}, MessageID: "<a>\r\nBcc: x@y>"}, code: "bad_header", permanent: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				tc.setup()
			}
			m := tc.mail
			if m.To == nil && m.Subject == "" {
				m = good
			}
			before := len(starttls.Mails())
			err := tc.sender().Send(context.Background(), m)
			var ce *channel.Error
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *channel.Error", err)
			}
			if ce.Channel != "email" || !slices.Contains(strings.Split(tc.code, "|"), ce.Code) || ce.Permanent != tc.permanent || !strings.Contains(ce.Msg, tc.msg) {
				t.Fatalf("err = %+v, want code %s permanent %v saying %q", ce, tc.code, tc.permanent, tc.msg)
			}
			if strings.Contains(err.Error(), pass) || strings.Contains(err.Error(), "wrong-password") {
				t.Fatalf("the password leaked: %v", err)
			}
			if len(starttls.Mails()) != before {
				t.Fatal("a refused mail was delivered")
			}
		})
	}
	// After the faults, it sends.
	if err := sender(starttls, email.StartTLS).Send(context.Background(), good); err != nil {
		t.Fatal(err)
	}
}

func TestCanceled(t *testing.T) {
	fake := notifytest.NewSMTP(t, notifytest.SMTPOptions{Username: user, Password: pass})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := sender(fake, email.StartTLS).Send(ctx, email.Mail{To: []string{"a@example.com"}, Text: "x"})
	if err == nil || channel.IsPermanent(err) {
		t.Fatalf("err = %v, want a transient error", err)
	}
}
