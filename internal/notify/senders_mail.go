package notify

import (
	"context"
	"html"
	"strings"

	"github.com/batonhq/baton/internal/notify/email"
	"github.com/batonhq/baton/internal/notify/opsgenie"
)

// OpsGenieConn is an OpsGenie connection: its client, and the kind of
// responder a target's addresses name.
type OpsGenieConn struct {
	Client        *opsgenie.Client
	ResponderType string // team (default), user, escalation or schedule
}

// emailSender sends one mail per notification to every address of its
// target, with a plain-text and an HTML part.
type emailSender struct{ c *Channels }

func (s emailSender) Send(ctx context.Context, n *Notification, _ *Thread) error {
	name, err := s.c.resolve(Email, n.Connection)
	if err != nil {
		return unknown(Email, err)
	}
	headers := map[string]string{"X-Baton-Kind": n.Kind}
	if n.Run != "" {
		headers["X-Baton-Run"] = n.Run
	}
	return s.c.Email[name].Send(ctx, email.Mail{To: n.Addresses, Subject: "[Baton] " + n.Title, Text: n.Text,
		HTML: mailHTML(n), MessageID: "<" + n.ID + "@baton>", Headers: headers})
}

// mailHTML is the HTML part: the text, escaped, with its log in a block.
func mailHTML(n *Notification) string {
	var b strings.Builder
	b.WriteString("<!doctype html><html><body style=\"font-family:sans-serif\">")
	b.WriteString("<h3>" + html.EscapeString(n.Title) + "</h3>")
	parts := strings.Split(n.Text, "```")
	for i, p := range parts {
		if i%2 == 1 {
			b.WriteString("<pre style=\"background:#f4f4f4;padding:8px\">" + html.EscapeString(strings.Trim(p, "\n")) + "</pre>")
			continue
		}
		for _, line := range strings.Split(strings.Trim(p, "\n"), "\n") {
			if line == "" {
				continue
			}
			esc := html.EscapeString(line)
			if strings.HasPrefix(line, "http://") || strings.HasPrefix(line, "https://") {
				esc = "<a href=\"" + esc + "\">" + esc + "</a>"
			}
			b.WriteString("<p>" + esc + "</p>")
		}
	}
	b.WriteString("</body></html>")
	return b.String()
}

// opsgenieSender opens an alert per failing run of a workflow (one alias
// per workflow, so that repeats add to its count) and closes it on the
// recovery.
type opsgenieSender struct{ c *Channels }

func (s opsgenieSender) Send(ctx context.Context, n *Notification, _ *Thread) error {
	name, err := s.c.resolve(OpsGenie, n.Connection)
	if err != nil {
		return unknown(OpsGenie, err)
	}
	oc := s.c.OpsGenie[name]
	alias := n.Alias
	if alias == "" {
		alias = "baton:" + n.Workflow
	}
	if n.Resolve {
		return oc.Client.Close(ctx, alias, n.Text)
	}
	typ := oc.ResponderType
	if typ == "" {
		typ = "team"
	}
	details := map[string]string{"workflow": n.Workflow}
	if n.Run != "" {
		details["run"] = n.Run
	}
	if n.Kind == KindTest {
		alias = "baton:test:" + n.ID
	}
	return oc.Client.Create(ctx, opsgenie.Alert{Message: n.Title, Alias: alias, Description: n.Text,
		Responders: []opsgenie.Responder{{Name: n.Addresses[0], Type: typ}}, Tags: []string{"baton"}, Details: details, Source: "Baton"})
}
