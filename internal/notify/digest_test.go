package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/clock"
	"github.com/batonhq/baton/internal/notify/channel"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlite"
)

// TestEmailDigest: when a burst of failures leaves many mails for the same
// addresses waiting on one mail server, they go as one digest mail (each
// told in order in its text), recorded delivered together; mails for other
// addresses and test mails keep going one by one; a digest refused for good
// puts each of its notifications in the failed list.
func TestEmailDigest(t *testing.T) {
	for _, refuse := range []bool{false, true} {
		t.Run(fmt.Sprint("refused=", refuse), func(t *testing.T) {
			st, err := sqlite.Open(t.TempDir(), sqlite.Options{Durability: sqlite.DurabilityRelaxed})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			ctx := context.Background()
			var ins []*store.Intent
			add := func(order int64, kind string, to ...string) {
				n := &Notification{ID: fmt.Sprintf("n%02d", order), Order: order, Channel: Email, Addresses: to, Kind: kind,
					Workflow: smArn(fmt.Sprintf("wf%d", order%3)), Failure: kind == KindRunFailed,
					Title: fmt.Sprintf("run %d failed", order), Text: fmt.Sprintf("the text of %d\n", order)}
				b, _ := json.Marshal(n)
				ins = append(ins, &store.Intent{ID: n.ID, Body: b, Created: time.Now()})
			}
			for i := int64(1); i <= 12; i++ {
				add(i, KindRunFailed, "oncall@example.com")
				if i == 4 {
					add(100, KindRunFailed, "other@example.com")
					add(101, KindTest, "oncall@example.com")
				}
			}
			if err := st.CommitConsumer(ctx, &store.ConsumerCommit{Consumer: ConsumerName, Intents: ins}); err != nil {
				t.Fatal(err)
			}
			s := &fakeSender{}
			if refuse {
				s.fail = func(n *Notification) error {
					if n.Kind == KindDigest {
						return &channel.Error{Channel: "email", Code: "550", Permanent: true, Msg: "mailbox unavailable"}
					}
					return nil
				}
			}
			d := newDelivery(st, map[string]Sender{Email: s}, slog.New(slog.DiscardHandler), clock.Real{})
			c, cancel := context.WithCancel(ctx)
			var wg sync.WaitGroup
			wg.Add(1)
			go func() { defer wg.Done(); d.Run(c) }()
			defer func() { cancel(); wg.Wait() }()
			deadline := time.Now().Add(10 * time.Second)
			for {
				left, err := st.Intents(ctx, ConsumerName)
				if err != nil {
					t.Fatal(err)
				}
				if len(left) == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%d notifications still queued", len(left))
				}
				time.Sleep(5 * time.Millisecond) // polling, with the deadline above
			}
			s.mu.Lock()
			var got []string
			var dig *Notification
			for _, n := range s.sent {
				got = append(got, n.Kind+":"+strings.Join(n.Addresses, ","))
				if n.Kind == KindDigest {
					dig = n
				}
			}
			s.mu.Unlock()
			if refuse {
				if fmt.Sprint(got) != "[run_failed:other@example.com test:oncall@example.com]" {
					t.Fatalf("sent %v", got)
				}
				dead, err := d.Failed(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if len(dead) != 12 {
					t.Fatalf("%d dead letters, want the digest's 12", len(dead))
				}
				// Counted once the record is stored, a moment after.
				for d.Status().Failed != 12 {
					if time.Now().After(deadline) {
						t.Fatalf("status counts %d dead letters, want the digest's 12", d.Status().Failed)
					}
					time.Sleep(time.Millisecond) // polling, with the deadline above
				}
				return
			}
			if fmt.Sprint(got) != "[digest:oncall@example.com run_failed:other@example.com test:oncall@example.com]" {
				t.Fatalf("sent %v, want one digest, then the other address' mail and the test", got)
			}
			if dig.Title != "12 notifications: 12 run failed" || !dig.Failure {
				t.Errorf("digest title %q failure %v", dig.Title, dig.Failure)
			}
			last := -1
			for i := 1; i <= 12; i++ {
				at := strings.Index(dig.Text, fmt.Sprintf("%d. run %d failed\nthe text of %d\n", i, i, i))
				if at < last {
					t.Fatalf("run %d missing or out of order in the digest:\n%s", i, dig.Text)
				}
				last = at
			}
			if !strings.HasPrefix(dig.Text, "12 notifications of 3 workflow(s)") {
				t.Errorf("digest text starts %q", dig.Text[:60])
			}
		})
	}
}
