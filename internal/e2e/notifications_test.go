package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/batonhq/baton/internal/notify/notifytest"
)

const hookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// notifyServer starts a server whose --config has a Slack connection to
// slack and a webhook connection (private addresses allowed: the
// receivers of the tests listen on 127.0.0.1).
func notifyServer(t *testing.T, slack *notifytest.Slack, extra ...string) *server {
	t.Helper()
	return notifyServerWith(t, slack, "", extra...)
}

// notifyServerWith is notifyServer with more connections (YAML indented
// as the file's connections; files they name are in dir... relative to
// the configuration file's directory, returned by confDir).
func notifyServerWith(t *testing.T, slack *notifytest.Slack, more string, extra ...string) *server {
	t.Helper()
	dir := confDir(t)
	if err := os.WriteFile(filepath.Join(dir, "slack-token"), []byte(slack.Token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "hook-secret"), []byte(hookSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "baton.yaml")
	if err := os.WriteFile(conf, []byte(`connections:
  team-slack:
    type: slack
    token: file:slack-token
    api_url: `+slack.URL+`
  hooks:
    type: webhook
    secret: file:hook-secret
    allow_private: true
`+more), 0o600); err != nil {
		t.Fatal(err)
	}
	return newServer(t, append([]string{"--config", conf, "--public-url", "https://baton.example.com"}, extra...)...)
}

// confDir is the directory of a test's server configuration file, made
// once per test so that connections can name files in it.
func confDir(t *testing.T) string {
	t.Helper()
	if d, ok := confDirs[t.Name()]; ok {
		return d
	}
	d := t.TempDir()
	confDirs[t.Name()] = d
	return d
}

var confDirs = map[string]string{}

// webhookBody is what a webhook receives (notify.WebhookBody).
type webhookBody struct {
	ID, Type, Run, Status, Title, Text string
}

func bodies(t *testing.T, w *notifytest.Webhook) []webhookBody {
	t.Helper()
	var out []webhookBody
	for _, d := range w.Deliveries() {
		if !d.Verified {
			t.Fatalf("a webhook whose signature does not verify: %s", d.Err)
		}
		var b webhookBody
		if err := json.Unmarshal(d.Body, &b); err != nil {
			t.Fatalf("webhook body %s: %v", d.Body, err)
		}
		out = append(out, b)
	}
	return out
}

// TestNotificationsSlackThread: a FULL_EXECUTION pipeline's run is one
// Slack thread: its start is the root, each step's start, retry, success
// or failure and the outcome are replies in order, the failure is also
// shown in the channel, and the root ends showing the run's status.
func TestNotificationsSlackThread(t *testing.T) {
	slack := notifytest.NewSlack(t, "xoxb-test-token")
	srv := notifyServer(t, slack)
	c := newClient(srv.url, true)
	sm := deployProjectFiles(t, srv, map[string]string{"pipeline.yaml": `name: listings
steps:
  - {name: extract, command: ["true"]}
  - name: load
    depends_on: [extract]
    script: echo "loading the listings"; echo "disk full" >&2; exit 3
    retry: {retries: 1, interval: 1s}
notifications:
  type: FULL_EXECUTION
  targets:
    - {channel: SLACK, addresses: ["#data-alerts"]}
`})
	arn := start(t, c, sm, "nightly", `{}`)
	want := []string{"started", "Step extract started", "Step extract succeeded", "Step load started", "Step load is retried (attempt 2)", "Step load failed (attempt 2)", "FAILED"}
	slack.Wait(t, execTimeout, "the run's thread", func(s *notifytest.Slack) bool {
		th := s.Threads("data-alerts")
		return len(th) == 1 && len(th[0].Replies) >= len(want)-1
	})
	th := slack.Threads("data-alerts")[0]
	msgs := append([]notifytest.SlackMessage{th.Root}, th.Replies...)
	for i, m := range msgs {
		t.Logf("message %d: %q", i, m.Text)
	}
	if len(msgs) != len(want) {
		t.Fatalf("%d messages in the thread, want %d: %+v", len(msgs), len(want), msgs)
	}
	for i, w := range want {
		if !strings.Contains(msgs[i].Text, w) {
			t.Errorf("message %d = %q, want it to say %q", i, msgs[i].Text, w)
		}
	}
	last := msgs[len(msgs)-1]
	if !last.ReplyBroadcast || !strings.Contains(last.Text, "Failing step: load") || !strings.Contains(last.Text, "disk full") ||
		!strings.Contains(last.Text, "https://baton.example.com/api/v1/executions/") {
		t.Errorf("the outcome: broadcast %v, text %q", last.ReplyBroadcast, last.Text)
	}
	slack.Wait(t, execTimeout, "the root showing the run's status FAILED", func(s *notifytest.Slack) bool {
		return strings.Contains(s.Threads("data-alerts")[0].Root.Current(), "FAILED")
	})
	if !strings.Contains(last.Text, arn[strings.LastIndex(arn, ":")+1:]) {
		t.Errorf("the outcome does not name the run: %q", last.Text)
	}
}

// TestNotificationsSurviveKill: a run that ends after the server was
// killed (kill -9) and restarted is reported, once.
func TestNotificationsSurviveKill(t *testing.T) {
	slack := notifytest.NewSlack(t, "xoxb-test-token")
	hook := notifytest.NewWebhook(t, hookSecret)
	srv := notifyServer(t, slack)
	c := newClient(srv.url, true)
	gate := filepath.Join(t.TempDir(), "gate")
	sm := deployProjectFiles(t, srv, map[string]string{"pipeline.yaml": `name: sales
steps:
  - name: wait
    script: while [ ! -e ` + gate + ` ]; do sleep 0.05; done; exit 1
notifications:
  type: FAILURES
  targets:
    - {channel: WEBHOOK, addresses: ["` + hook.URL + `"]}
`})
	arn := start(t, c, sm, "r1", `{}`)
	waitFor(t, execTimeout, "the step running", func() (bool, string) {
		out, err := c.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		return err == nil && out.Status == "RUNNING", "not yet"
	})
	srv.kill()
	if err := os.WriteFile(gate, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	srv.start()
	hook.Wait(t, execTimeout, "the run's failure", func(w *notifytest.Webhook) bool {
		for _, b := range bodies(t, w) {
			if b.Type == "run_failed" {
				return true
			}
		}
		return false
	})
	// Another restart must not tell it again.
	srv.stop()
	srv.start()
	start(t, c, sm, "r2", `{}`) // a later run fails too (the gate is open): its message comes after
	hook.Wait(t, execTimeout, "the second run's failure", func(w *notifytest.Webhook) bool {
		n := 0
		for _, b := range bodies(t, w) {
			if b.Type == "run_failed" {
				n++
			}
		}
		return n >= 2
	})
	seen := map[string]int{}
	for _, b := range bodies(t, hook) {
		seen[b.Type+" "+b.Run]++
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%s told %d times", k, n)
		}
	}
}

// TestNotificationsChannelDown: a receiver that is down gets every message
// once it is back, in order, none twice; meanwhile the failure is visible
// on /readyz and in /api/v1/notifications/status.
func TestNotificationsChannelDown(t *testing.T) {
	slack := notifytest.NewSlack(t, "xoxb-test-token")
	hook := notifytest.NewWebhook(t, hookSecret)
	srv := notifyServer(t, slack, "--notify-max-runs", "1000")
	c := newClient(srv.url, true)
	sm := deployProjectFiles(t, srv, map[string]string{"pipeline.yaml": `name: feed
steps:
  - {name: a, command: ["true"]}
notifications:
  type: PIPELINE
  targets:
    - {channel: WEBHOOK, addresses: ["` + hook.URL + `"]}
`})
	if err := hook.SetDown(notifytest.Refusing); err != nil {
		t.Fatal(err)
	}
	const runs = 20
	for i := range runs {
		start(t, c, sm, fmt.Sprintf("r%02d", i), `{}`)
	}
	waitFor(t, execTimeout, "the failure shown on /readyz", func() (bool, string) {
		resp, err := http.Get(srv.url + "/readyz")
		if err != nil {
			return false, err.Error()
		}
		defer resp.Body.Close()
		var b strings.Builder
		_, _ = fmt.Fprint(&b, readAll(resp))
		return resp.StatusCode == 200 && strings.Contains(b.String(), "notifications: deliveries to webhook"), b.String()
	})
	if err := hook.SetDown(notifytest.Up); err != nil {
		t.Fatal(err)
	}
	hook.Wait(t, 2*execTimeout, "every message", func(w *notifytest.Webhook) bool { return len(w.Deliveries()) >= 2*runs })
	got := bodies(t, hook)
	ids := map[string]bool{}
	started := map[string]bool{}
	for _, b := range got {
		if ids[b.ID] {
			t.Errorf("notification %s delivered twice", b.ID)
		}
		ids[b.ID] = true
		switch b.Type {
		case "run_started":
			started[b.Run] = true
		case "run_succeeded":
			if !started[b.Run] {
				t.Errorf("the outcome of %s came before its start", b.Run)
			}
		}
	}
	if len(got) != 2*runs {
		t.Errorf("%d deliveries, want %d", len(got), 2*runs)
	}
}

// TestNotificationsRateLimitBurst: 1,000 failing runs of a state machine
// (notifications set through the API) are told as --notify-max-runs
// messages and one summary, not 1,000; the next success is a recovery.
func TestNotificationsRateLimitBurst(t *testing.T) {
	slack := notifytest.NewSlack(t, "xoxb-test-token")
	hook := notifytest.NewWebhook(t, hookSecret)
	srv := notifyServer(t, slack, "--notify-max-runs", "5", "--notify-window", "3s")
	c := newClient(srv.url, true)
	ctx := context.Background()
	out, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("flaky"), RoleArn: aws.String("arn:aws:iam::123456789012:role/r"),
		Definition: aws.String(`{"StartAt":"Choose","States":{"Choose":{"Type":"Choice","Choices":[{"Variable":"$.ok","BooleanEquals":true,"Next":"Done"}],"Default":"Boom"},"Done":{"Type":"Succeed"},"Boom":{"Type":"Fail","Error":"Data.Missing","Cause":"no rows"}}}`)})
	must(t, err, "CreateStateMachine")
	stdout, _ := baton(t, srv, "notifications", "set", "flaky", "--type", "FAILURES", "--target", "WEBHOOK:"+hook.URL, "--target", "SLACK:#oncall")
	if !strings.Contains(stdout, "FAILURES") {
		t.Fatalf("baton notifications set: %q", stdout)
	}
	const burst = 1000
	began := time.Now()
	for i := range burst {
		start(t, c, *out.StateMachineArn, fmt.Sprintf("f%04d", i), `{"ok": false}`)
	}
	count := func(w *notifytest.Webhook) (failed, held, summaries int) {
		for _, b := range bodies(t, w) {
			switch b.Type {
			case "run_failed":
				failed++
			case "summary":
				var n int
				fmt.Sscanf(b.Text, "%d runs", &n)
				held += n
				summaries++
			}
		}
		return
	}
	hook.Wait(t, 2*execTimeout, "every failure told or summed up", func(w *notifytest.Webhook) bool {
		f, h, _ := count(w)
		return f+h >= burst
	})
	failed, held, summaries := count(hook)
	windows := int(time.Since(began)/(3*time.Second)) + 2
	if failed > 5*windows || failed+held != burst || summaries > windows {
		t.Errorf("%d failures told one by one and %d summed up in %d summaries over %d windows, want at most 5 and one summary per window, %d in all",
			failed, held, summaries, windows, burst)
	}
	start(t, c, *out.StateMachineArn, "ok", `{"ok": true}`)
	slack.Wait(t, execTimeout, "the recovery", func(s *notifytest.Slack) bool {
		for _, m := range s.Messages() {
			if strings.Contains(m.Text, "recovered") {
				return true
			}
		}
		return false
	})
}

func readAll(resp *http.Response) string {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return string(b)
}

// TestNotificationsEmailAndOpsGenie: a FAILURES pipeline's failures are
// mails over STARTTLS with AUTH (one mail to both addresses, text and
// HTML) and one OpsGenie alert whose count grows; the recovery is one
// mail and closes the alert.
func TestNotificationsEmailAndOpsGenie(t *testing.T) {
	slack := notifytest.NewSlack(t, "xoxb-test-token")
	mail := notifytest.NewSMTP(t, notifytest.SMTPOptions{Username: "baton", Password: "s3cret"})
	og := notifytest.NewOpsGenie(t, "og-key")
	dir := confDir(t)
	for name, data := range map[string]string{"smtp-ca.pem": string(mail.CertPEM), "smtp-password": "s3cret\n", "og-key": "og-key\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	srv := notifyServerWith(t, slack, `  relay:
    type: smtp
    host: `+mail.Host+`
    port: `+fmt.Sprint(mail.Port)+`
    security: starttls
    username: baton
    password: file:smtp-password
    from: "Baton <baton@example.com>"
    ca_file: smtp-ca.pem
  pager:
    type: opsgenie
    api_key: file:og-key
    api_url: `+og.URL+`
`)
	c := newClient(srv.url, true)
	flag := filepath.Join(t.TempDir(), "ok")
	sm := deployProjectFiles(t, srv, map[string]string{"pipeline.yaml": `name: sales
steps:
  - name: check
    script: test -e ` + flag + `
notifications:
  type: FAILURES
  targets:
    - {channel: EMAIL, addresses: [a@example.com, b@example.com]}
    - {channel: OPSGENIE, addresses: [data-team]}
`})
	alias := "baton:" + sm
	for i := range 2 {
		start(t, c, sm, fmt.Sprintf("bad%d", i), `{}`)
		og.Wait(t, execTimeout, "the alert's count", func(o *notifytest.OpsGenie) bool {
			a, ok := o.Alert(alias)
			return ok && a.Open && a.Count == i+1
		})
	}
	// Each failed run is two mails: its step failed, and the run failed.
	mails := mail.WaitMails(t, 4, execTimeout)
	runMails := 0
	for _, m := range mails {
		if !m.TLS || m.User != "baton" || len(m.To) != 2 || !strings.Contains(m.Subject, "FAILED") || !strings.Contains(m.HTML, "<h3>") {
			t.Errorf("a failure's mail: tls %v, user %q, to %v, subject %q, html %q", m.TLS, m.User, m.To, m.Subject, m.HTML)
		}
		if strings.Contains(m.Subject, ": run ") {
			runMails++
			if !strings.Contains(m.Text, "Failing step: check") {
				t.Errorf("a run's failure mail does not name the step: %q", m.Text)
			}
		}
	}
	if runMails != 2 || mails[0].MessageID == mails[1].MessageID {
		t.Errorf("%d mails of failed runs, want 2; Message-IDs %s, %s", runMails, mails[0].MessageID, mails[1].MessageID)
	}
	if err := os.WriteFile(flag, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	start(t, c, sm, "good", `{}`)
	a := og.WaitAlert(t, alias, false, execTimeout)
	if a.Count != 2 {
		t.Errorf("the alert's count %d, want 2", a.Count)
	}
	mails = mail.WaitMails(t, 5, execTimeout)
	if !strings.Contains(mails[4].Subject, "recovered") {
		t.Errorf("the fifth mail's subject %q, want the recovery", mails[4].Subject)
	}
	start(t, c, sm, "good2", `{}`) // a later success is silent at FAILURES
	waitFor(t, execTimeout, "the second success", func() (bool, string) {
		out, err := c.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(strings.Replace(sm, ":stateMachine:", ":execution:", 1) + ":good2")})
		return err == nil && out.Status == "SUCCEEDED", "not yet"
	})
	// The notifier reads in order: a message for good2 would have been
	// decided before this test's one, which comes through the same lane.
	stdout, _ := baton(t, srv, "notifications", "test", "--target", "EMAIL:c@example.com")
	if !strings.Contains(stdout, "delivered") {
		t.Fatalf("baton notifications test: %q", stdout)
	}
	if got := mail.WaitMails(t, 6, execTimeout); len(got) != 6 || !strings.Contains(got[5].Subject, "test") {
		t.Errorf("mails after the second success: %d, the last %q", len(got), got[len(got)-1].Subject)
	}
}
