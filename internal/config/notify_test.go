package config

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/notify/notifytest"
)

const (
	slackToken   = "xoxb-1234-5678-abcdefSECRET"
	smtpPassword = "smtp-SECRET-pw"
	whSecret     = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	ogKey        = "eb243592-faa2-4ba2-a551-SECRET"
)

func TestParseNotificationConnections(t *testing.T) {
	dir := t.TempDir()
	_, caPEM, err := notifytest.SelfSignedCert()
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string][]byte{"ca.pem": caPEM, "og.key": []byte(ogKey + "\n")} {
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	src := `connections:
  team-slack: {type: slack, token: env:SLACK_TOKEN}
  slack-test: {type: slack, token: env:SLACK_TOKEN, api_url: "http://127.0.0.1:9/api/"}
  mail: {type: smtp, host: smtp.example.com, security: starttls, username: baton, password: env:SMTP_PW, from: "Baton <baton@example.com>", timeout: 10s, ca_file: ca.pem}
  mail465: {type: smtp, host: smtp.example.com, security: implicit, from: a@example.com}
  local: {type: smtp, host: 127.0.0.1, security: none, username: u, password: env:SMTP_PW, from: a@example.com}
  hooks: {type: webhook, secret: env:WH_SECRET, allowed_url_prefixes: ["https://hooks.example.com/"]}
  lan-hooks: {type: webhook, secret: env:WH_SECRET, allow_private: true}
  pager: {type: opsgenie, api_key: file:og.key, api_url: "https://api.eu.opsgenie.com"}
  pager-users: {type: opsgenie, api_key: file:og.key, responder_type: user}
`
	cfg, err := Parse(filepath.Join(dir, "baton.yaml"), []byte(src), testSources(map[string]string{"SLACK_TOKEN": slackToken, "SMTP_PW": smtpPassword, "WH_SECRET": whSecret}))
	if err != nil {
		t.Fatal(err)
	}
	sl, err := cfg.ConnectionOf("team-slack", TypeSlack)
	if err != nil {
		t.Fatal(err)
	}
	if c := sl.Slack.Client(nil); c.Token != slackToken || c.BaseURL != "" {
		t.Fatalf("slack client = %+v", c)
	}
	if got := cfg.Connections["slack-test"].Slack.APIURL; got != "http://127.0.0.1:9/api/" {
		t.Fatalf("api_url = %q", got)
	}
	mail := cfg.Connections["mail"].SMTP
	if mail.Port != 587 || mail.Security != "starttls" || mail.Timeout != 10*time.Second || mail.Password.Reveal() != smtpPassword || len(mail.CA) == 0 {
		t.Fatalf("mail = %+v", mail)
	}
	if s := mail.Sender(); s.RootCAs == nil || s.Password != smtpPassword || s.From != "Baton <baton@example.com>" || s.Port != 587 {
		t.Fatalf("sender = %+v", s)
	}
	if m := cfg.Connections["mail465"].SMTP; m.Port != 465 || m.Timeout != 30*time.Second || m.Sender().RootCAs != nil {
		t.Fatalf("mail465 = %+v", m)
	}
	if m := cfg.Connections["local"].SMTP; m.Port != 25 {
		t.Fatalf("local = %+v", m)
	}
	hooks := cfg.Connections["hooks"].Webhook
	if hooks.Secret.Reveal() != whSecret || hooks.AllowPrivate || len(hooks.AllowedURLPrefixes) != 1 {
		t.Fatalf("hooks = %+v", hooks)
	}
	if c := cfg.Connections["lan-hooks"].Webhook.Client(nil); !c.AllowPrivate {
		t.Fatalf("lan-hooks client = %+v", c)
	}
	pager := cfg.Connections["pager"].OpsGenie
	if c := pager.Client(nil); c.APIKey != ogKey || c.BaseURL != "https://api.eu.opsgenie.com" || pager.ResponderType != "team" {
		t.Fatalf("pager = %+v", pager)
	}
	if r := cfg.Connections["pager-users"].OpsGenie.Responders([]string{"ann@example.com"}); len(r) != 1 || r[0].Type != "user" || cfg.Connections["pager-users"].OpsGenie.APIURL != "https://api.opsgenie.com" {
		t.Fatalf("responders = %+v", r)
	}
	if _, err := cfg.ConnectionOf("mail", TypeSlack); err == nil || err.Error() != `connection "mail" is of type smtp, not slack; name a slack connection` {
		t.Fatalf("err = %v", err)
	}
	// No secret shows when the configuration is printed, and each is
	// scrubbed from what a server says.
	js, _ := json.Marshal(cfg)
	out := fmt.Sprintf("%v %+v %s", cfg, *mail, js)
	for _, secret := range []string{slackToken, smtpPassword, whSecret, "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", ogKey} {
		if strings.Contains(out, secret) {
			t.Fatalf("%s leaked: %s", secret, out)
		}
	}
	for name, said := range map[string]string{"team-slack": slackToken, "mail": smtpPassword, "hooks": "key MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "pager": "key " + ogKey} {
		if got := cfg.Connections[name].Redact("refused " + said); strings.Contains(got, "SECRET") || strings.Contains(got, "MfKQ9r8") || !strings.Contains(got, redacted) {
			t.Errorf("%s: Redact = %q", name, got)
		}
	}
}

func TestParseNotificationProblems(t *testing.T) {
	env := map[string]string{"T": "xoxb-token", "SHORT": "whsec_c2hvcnQ=", "RAW": "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "SPACE": "xoxb token", "PW": "pw"}
	for _, tt := range []struct {
		name string
		src  string
		want []string
	}{
		{"slack literal token", "connections:\n  s: {type: slack, token: xoxb-123}\n",
			[]string{`baton.yaml:2:27: connection "s": token must be a reference, env:NAME or file:PATH, so that no secret is written in the configuration file`}},
		{"slack without token", "connections:\n  s: {type: slack}\n",
			[]string{`baton.yaml:2:6: connection "s" needs token (the Slack app's bot token, xoxb-...: env:NAME or file:PATH)`}},
		{"slack token with a space", "connections:\n  s: {type: slack, token: env:SPACE}\n",
			[]string{`baton.yaml:2:27: connection "s": token holds a space or line break`}},
		{"slack bad api_url", "connections:\n  s: {type: slack, token: env:T, api_url: slack.com}\n",
			[]string{`baton.yaml:2:43: connection "s": api_url must be an absolute http:// or https:// URL without credentials, got "slack.com"`}},
		{"smtp without security", "connections:\n  m: {type: smtp, host: h, from: a@example.com}\n",
			[]string{`baton.yaml:2:6: connection "m" needs security: implicit (TLS from the start, port 465), starttls (port 587) or none (plain text, port 25); there is no default`}},
		{"smtp bad security", "connections:\n  m: {type: smtp, host: h, security: tls, from: a@example.com}\n",
			[]string{`baton.yaml:2:38: connection "m": security must be implicit, starttls or none, got "tls"`}},
		{"smtp plain credentials to another host", "connections:\n  m: {type: smtp, host: mail.example.com, security: none, username: u, password: env:PW, from: a@example.com}\n",
			[]string{`baton.yaml:2:53: connection "m": security is none with a username: the password would cross the network in plain text`}},
		{"smtp no host, no from", "connections:\n  m: {type: smtp, security: starttls}\n",
			[]string{`baton.yaml:2:6: connection "m" needs a host`, `baton.yaml:2:6: connection "m" needs from: the sender's address`}},
		{"smtp bad from", "connections:\n  m: {type: smtp, host: h, security: starttls, from: nobody}\n",
			[]string{`baton.yaml:2:54: connection "m": from must be an e-mail address, got "nobody"`}},
		{"smtp username without password", "connections:\n  m: {type: smtp, host: h, security: starttls, username: u, from: a@example.com}\n",
			[]string{`baton.yaml:2:6: connection "m" has a username but no password`}},
		{"smtp literal password", "connections:\n  m: {type: smtp, host: h, security: starttls, username: u, password: pw, from: a@example.com}\n",
			[]string{`baton.yaml:2:71: connection "m": password must be a reference`, `baton.yaml:2:6: connection "m" has a username but no password`}},
		{"smtp bad timeout", "connections:\n  m: {type: smtp, host: h, security: starttls, from: a@example.com, timeout: 1h}\n",
			[]string{`baton.yaml:2:78: connection "m": timeout must be between 1s and 10m, got 1h0m0s`}},
		{"smtp host with port", "connections:\n  m: {type: smtp, host: 'h:25', security: starttls, from: a@example.com}\n",
			[]string{`baton.yaml:2:25: connection "m": host must be a host name or IP address (give the port as port:), got "h:25"`}},
		{"smtp offers no insecure_skip_verify", "connections:\n  m: {type: smtp, host: h, security: starttls, from: a@example.com, insecure_skip_verify: true}\n",
			[]string{`baton.yaml:2:69: unknown field "insecure_skip_verify" in connection "m" (fields: type, host, port, security, username, password, from, timeout, ca_file, namespaces)`}},
		{"smtp ca_file without TLS", "connections:\n  m: {type: smtp, host: h, security: none, from: a@example.com, ca_file: /nonexistent.pem}\n",
			[]string{`baton.yaml:2:74: connection "m": ca_file cannot be read`, `baton.yaml:2:74: connection "m": ca_file needs TLS`}},
		{"webhook literal secret", "connections:\n  w: {type: webhook, secret: whsec_abc}\n",
			[]string{`baton.yaml:2:30: connection "w": secret must be a reference`}},
		{"webhook secret without prefix", "connections:\n  w: {type: webhook, secret: env:RAW}\n",
			[]string{`baton.yaml:2:30: connection "w": secret must be whsec_ followed by base64 (the Standard Webhooks form)`}},
		{"webhook short secret", "connections:\n  w: {type: webhook, secret: env:SHORT}\n",
			[]string{`baton.yaml:2:30: connection "w": secret is not valid: the webhook secret decodes to 5 bytes`}},
		{"webhook bad prefixes", "connections:\n  w: {type: webhook, secret: env:T, allow_private: yes, allowed_url_prefixes: [/hooks, 'https://ok.example/']}\n",
			[]string{`baton.yaml:2:30: connection "w": secret must be whsec_`, `baton.yaml:2:52: connection "w": allow_private must be true or false`, `baton.yaml:2:80: connection "w": allowed_url_prefixes[0] must be an absolute http:// or https:// URL prefix, got /hooks`}},
		{"opsgenie bad responder type", "connections:\n  o: {type: opsgenie, api_key: env:T, responder_type: squad}\n",
			[]string{`baton.yaml:2:55: connection "o": responder_type must be team, user, escalation or schedule, got "squad"`}},
		{"opsgenie without key", "connections:\n  o: {type: opsgenie}\n",
			[]string{`baton.yaml:2:6: connection "o" needs api_key`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := checkProblems(t, tt.src, env, tt.want)
			for _, v := range env {
				if strings.Contains(err.Error(), v) && v != "pw" {
					t.Fatalf("a secret leaked: %v", err)
				}
			}
		})
	}
}
