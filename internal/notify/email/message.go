package email

import (
	"bytes"
	"fmt"
	"maps"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/textproto"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// reserved are the headers that build writes itself; Mail.Headers may not
// set them.
var reserved = []string{"From", "To", "Cc", "Bcc", "Subject", "Date", "Message-Id", "Mime-Version", "Content-Type", "Content-Transfer-Encoding", "Sender", "Reply-To", "Return-Path"}

// build checks m and writes it as an RFC 5322 message: the envelope's
// sender and recipients and the text. Anything that could end a header
// early (a line break in the subject, a header or an address) is refused.
func (s *Sender) build(m Mail, now time.Time) (string, []string, []byte, error) {
	from, err := parseAddress("From", s.From)
	if err != nil {
		return "", nil, nil, err
	}
	if len(m.To) == 0 {
		return "", nil, nil, permanent("bad_address", "the mail has no recipient; give the target's addresses")
	}
	var to []string
	var toHeader []string
	for _, r := range m.To {
		a, err := parseAddress("To", r)
		if err != nil {
			return "", nil, nil, err
		}
		to = append(to, a.Address)
		toHeader = append(toHeader, a.String())
	}
	if strings.ContainsAny(m.Subject, "\r\n\x00") {
		return "", nil, nil, permanent("bad_header", "the subject holds a line break; refused (header injection)")
	}
	id := m.MessageID
	if id == "" {
		id = messageID(from.Address)
	}
	if !strings.HasPrefix(id, "<") {
		id = "<" + id + ">"
	}
	if strings.ContainsAny(id, " \t\r\n\x00") || strings.Count(id, "<") != 1 || strings.Count(id, ">") != 1 || !strings.HasSuffix(id, ">") || !strings.Contains(id, "@") {
		return "", nil, nil, permanent("bad_header", "the Message-ID %q is not of the form <id@domain>", m.MessageID)
	}
	var b bytes.Buffer
	header := func(name, value string) { fmt.Fprintf(&b, "%s: %s\r\n", name, value) }
	header("From", from.String())
	// One recipient a line, and the subject's encoded words one a line:
	// no line passes RFC 5322's 998 characters whatever their number.
	header("To", strings.Join(toHeader, ",\r\n "))
	header("Subject", foldWords(mime.QEncoding.Encode("utf-8", truncate(strings.ToValidUTF8(m.Subject, "\uFFFD"), MaxSubjectChars))))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", id)
	header("MIME-Version", "1.0")
	for _, k := range slices.Sorted(maps.Keys(m.Headers)) {
		name := textproto.CanonicalMIMEHeaderKey(k)
		v := m.Headers[k]
		switch {
		case !validHeaderName(k):
			return "", nil, nil, permanent("bad_header", "the header name %q is not valid", k)
		case slices.Contains(reserved, name):
			return "", nil, nil, permanent("bad_header", "the header %s is set by Baton and cannot be overridden", name)
		case strings.ContainsAny(v, "\r\n\x00"):
			return "", nil, nil, permanent("bad_header", "the header %s holds a line break; refused (header injection)", name)
		case len(v) > maxHeaderValue:
			return "", nil, nil, permanent("bad_header", "the header %s is longer than %d bytes", name, maxHeaderValue)
		}
		header(name, foldWords(mime.QEncoding.Encode("utf-8", strings.ToValidUTF8(v, "\uFFFD"))))
	}
	if m.HTML == "" {
		header("Content-Type", "text/plain; charset=utf-8")
		header("Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		writeQP(&b, m.Text)
		return from.Address, to, b.Bytes(), nil
	}
	mw := multipart.NewWriter(&b)
	header("Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": mw.Boundary()}))
	b.WriteString("\r\n")
	for _, part := range []struct{ typ, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		pw, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.typ + "; charset=utf-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return "", nil, nil, permanent("bad_body", "the mail cannot be written: %v", err)
		}
		var pb bytes.Buffer
		writeQP(&pb, part.body)
		_, _ = pw.Write(pb.Bytes())
	}
	_ = mw.Close()
	return from.Address, to, b.Bytes(), nil
}

// maxHeaderValue bounds an extra header's value, so that its line stays
// within RFC 5322's 998 characters.
const maxHeaderValue = 900

// MaxSubjectChars bounds a subject (longer is cut, ending with "…"): a
// subject line is read at a glance.
const MaxSubjectChars = 250

// truncate cuts s to n characters.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// foldWords puts each RFC 2047 encoded word of a header value on a line of
// its own (the space between encoded words is not part of the text).
func foldWords(v string) string {
	return strings.ReplaceAll(v, "?= =?", "?=\r\n =?")
}

// writeQP writes text quoted-printable (lines of at most 76 characters,
// any byte safe), ending with a line break.
func writeQP(b *bytes.Buffer, text string) {
	w := quotedprintable.NewWriter(b)
	_, _ = w.Write([]byte(text))
	_ = w.Close()
	b.WriteString("\r\n")
}

func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range []byte(name) {
		if c <= ' ' || c >= 0x7f || c == ':' {
			return false
		}
	}
	return true
}
