package email

import (
	"bytes"
	"mime"
	"net/mail"
	"strings"
	"testing"
	"time"
)

// FuzzBuild: whatever the subject, header value and recipient, a message
// that build accepts has exactly the headers build writes (no injected
// Bcc), and its subject decodes back to the one given.
func FuzzBuild(f *testing.F) {
	f.Add("Run failed", "r1", "ops@example.com", "body")
	f.Add("x\r\nBcc: v@example.com", "r1\nBcc: v@example.com", "a@example.com\r\nBcc: v@example.com", "\r\n.\r\n")
	f.Add("étape « load » ✗ =?utf-8?q?x?=", "ü", "\"Ann, Ö\" <ann@example.com>", "<html>")
	s := &Sender{From: "Baton <baton@example.com>"}
	f.Fuzz(func(t *testing.T, subject, value, to, text string) {
		_, _, msg, err := s.build(Mail{To: []string{to}, Subject: subject, Text: text, HTML: text, MessageID: "<id@baton>",
			Headers: map[string]string{"X-Baton-Run": value}}, time.Unix(1700000000, 0))
		if err != nil {
			return
		}
		m, err := mail.ReadMessage(bytes.NewReader(msg))
		if err != nil {
			t.Fatalf("unreadable message: %v\n%s", err, msg)
		}
		for k := range m.Header {
			switch k {
			case "From", "To", "Subject", "Date", "Message-Id", "Mime-Version", "X-Baton-Run", "Content-Type", "Content-Transfer-Encoding":
			default:
				t.Fatalf("unexpected header %q in\n%s", k, msg)
			}
		}
		for _, line := range bytes.Split(msg, []byte("\r\n")) {
			if len(line) > 998 {
				t.Fatalf("a line of %d bytes", len(line))
			}
		}
		if len(m.Header["To"]) != 1 || len(m.Header["Subject"]) != 1 {
			t.Fatalf("headers = %v", m.Header)
		}
		got, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
		if err == nil && strings.TrimSpace(got) != strings.TrimSpace(truncate(strings.ToValidUTF8(subject, "\uFFFD"), MaxSubjectChars)) && !strings.Contains(subject, "=?") {
			t.Fatalf("subject %q came back as %q", subject, got)
		}
	})
}
