package notifytest_test

import (
	"context"
	"crypto/x509"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/notify/channel"
	"github.com/batonhq/baton/internal/notify/email"
	"github.com/batonhq/baton/internal/notify/notifytest"
	"github.com/batonhq/baton/internal/notify/opsgenie"
	"github.com/batonhq/baton/internal/notify/slack"
	"github.com/batonhq/baton/internal/notify/webhook"
)

// TestSlackConcurrent: replies posted at once all land in the root's
// thread, each with its own ts.
func TestSlackConcurrent(t *testing.T) {
	fake := notifytest.NewSlack(t, "xoxb-t")
	c := &slack.Client{Token: "xoxb-t", BaseURL: fake.URL}
	root, err := c.PostMessage(context.Background(), slack.Message{Channel: "runs", Text: "root"})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if _, err := c.PostMessage(context.Background(), slack.Message{Channel: root.Channel, ThreadTS: root.TS, Text: fmt.Sprint(i)}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	fake.WaitMessages(t, 21, 5*time.Second)
	th := fake.Threads("runs")
	seen := map[string]bool{}
	for _, r := range th[0].Replies {
		seen[r.TS] = true
	}
	if len(th) != 1 || len(th[0].Replies) != 20 || len(seen) != 20 {
		t.Fatalf("threads = %+v", th)
	}
}

// TestDownAndBack: each fake taken down refuses or fails deliveries, and
// takes them again on the same port once back.
func TestDownAndBack(t *testing.T) {
	sl := notifytest.NewSlack(t, "xoxb-t")
	wh := notifytest.NewWebhook(t, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	og := notifytest.NewOpsGenie(t, "k")
	sm := notifytest.NewSMTP(t, notifytest.SMTPOptions{})
	slackClient := &slack.Client{Token: "xoxb-t", BaseURL: sl.URL}
	hookClient := &webhook.Client{AllowPrivate: true}
	sender := &email.Sender{Host: sm.Host, Port: sm.Port, Security: email.StartTLS, From: "b@example.com", RootCAs: sm.CAs, Timeout: 5 * time.Second}
	send := map[string]func() error{
		"slack": func() error {
			_, err := slackClient.PostMessage(context.Background(), slack.Message{Channel: "c", Text: "x"})
			return err
		},
		"webhook": func() error {
			return hookClient.Send(context.Background(), wh.URL, wh.Secret, "msg_1", time.Now(), []byte("{}"))
		},
		"opsgenie": func() error {
			return (&opsgenie.Client{APIKey: "k", BaseURL: og.URL}).Create(context.Background(), opsgenie.Alert{Message: "m", Alias: "a"})
		},
		"smtp": func() error {
			return sender.Send(context.Background(), email.Mail{To: []string{"a@example.com"}, Text: "x"})
		},
	}
	setDown := map[string]func(notifytest.Down) error{"slack": sl.SetDown, "webhook": wh.SetDown, "smtp": sm.SetDown, "opsgenie": og.SetDown}
	for name, f := range send {
		for _, d := range []notifytest.Down{notifytest.Unavailable, notifytest.Refusing} {
			if err := setDown[name](d); err != nil {
				t.Fatal(err)
			}
			if err := f(); err == nil || channel.IsPermanent(err) {
				t.Fatalf("%s down (%d): err = %v, want a transient error", name, d, err)
			}
		}
		if err := setDown[name](notifytest.Up); err != nil {
			t.Fatal(err)
		}
		if err := f(); err != nil {
			t.Fatalf("%s back: %v", name, err)
		}
	}
	if len(sl.Messages()) != 1 || len(wh.Deliveries()) != 1 || len(sm.Mails()) != 1 || len(og.Alerts()) != 1 {
		t.Fatalf("recorded %d, %d, %d, %d", len(sl.Messages()), len(wh.Deliveries()), len(sm.Mails()), len(og.Alerts()))
	}
}

func TestSMTPCAFile(t *testing.T) {
	sm := notifytest.NewSMTP(t, notifytest.SMTPOptions{Security: notifytest.SMTPImplicit})
	pem, err := os.ReadFile(sm.CAFile(t))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("no certificate in the CA file")
	}
	s := &email.Sender{Host: "localhost", Port: sm.Port, Security: email.Implicit, From: "b@example.com", RootCAs: pool}
	if err := s.Send(context.Background(), email.Mail{To: []string{"a@example.com"}, Subject: "s", Text: "x"}); err != nil {
		t.Fatal(err)
	}
	if m := sm.WaitMails(t, 1, 5*time.Second); !m[0].TLS {
		t.Fatalf("mail = %+v", m[0])
	}
}
