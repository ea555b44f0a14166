package slack_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/notify/channel"
	"github.com/batonhq/baton/internal/notify/notifytest"
	"github.com/batonhq/baton/internal/notify/slack"
)

const token = "xoxb-test-token-123"

func TestThreadAndUpdate(t *testing.T) {
	fake := notifytest.NewSlack(t, token)
	c := &slack.Client{Token: token, BaseURL: fake.URL}
	ctx := context.Background()
	root, err := c.PostMessage(ctx, slack.Message{Channel: "#alerts", Text: "run r1 started"})
	if err != nil {
		t.Fatal(err)
	}
	if root.Channel != fake.ChannelID("alerts") || root.TS == "" {
		t.Fatalf("posted = %+v, want the channel's ID and a ts", root)
	}
	if _, err := c.PostMessage(ctx, slack.Message{Channel: root.Channel, ThreadTS: root.TS, Text: "step load started"}); err != nil {
		t.Fatal(err)
	}
	blocks := json.RawMessage(`[{"type":"section","text":{"type":"mrkdwn","text":"*failed*"}}]`)
	if _, err := c.PostMessage(ctx, slack.Message{Channel: root.Channel, ThreadTS: root.TS, Text: "run r1 failed", Blocks: blocks, ReplyBroadcast: true}); err != nil {
		t.Fatal(err)
	}
	if err := c.Update(ctx, root.Channel, root.TS, "run r1: failed", nil); err != nil {
		t.Fatal(err)
	}
	threads := fake.Threads("alerts")
	if len(threads) != 1 || len(threads[0].Replies) != 2 {
		t.Fatalf("threads = %+v, want one root with two replies", threads)
	}
	th := threads[0]
	if th.Root.Current() != "run r1: failed" || th.Root.Text != "run r1 started" {
		t.Fatalf("root = %+v", th.Root)
	}
	if th.Replies[0].ReplyBroadcast || !th.Replies[1].ReplyBroadcast || string(th.Replies[1].Blocks) != string(blocks) {
		t.Fatalf("replies = %+v", th.Replies)
	}
	if u := th.Root.UnfurlLinks; u == nil || *u {
		t.Fatalf("unfurl_links = %v, want false", u)
	}
	if th.Replies[0].TS <= th.Root.TS || th.Replies[1].TS <= th.Replies[0].TS {
		t.Fatalf("ts values do not increase: %s %s %s", th.Root.TS, th.Replies[0].TS, th.Replies[1].TS)
	}
}

func TestErrors(t *testing.T) {
	fake := notifytest.NewSlack(t, token)
	for _, tc := range []struct {
		name       string
		setup      func()
		token      string
		code       string
		permanent  bool
		retryAfter time.Duration
		msg        string // a part of the message
	}{
		{name: "not in channel", setup: func() { fake.FailChannel("alerts", "not_in_channel") }, code: "not_in_channel", permanent: true, msg: "invite"},
		{name: "channel not found", setup: func() { fake.FailNext(1, "channel_not_found") }, code: "channel_not_found", permanent: true, msg: "#alerts"},
		{name: "bad token", token: "xoxb-wrong", code: "invalid_auth", permanent: true, msg: "token"},
		{name: "no token", token: "-", code: "not_authed", permanent: true},
		{name: "archived", setup: func() { fake.FailNext(1, "is_archived") }, code: "is_archived", permanent: true},
		{name: "missing scope", setup: func() { fake.FailNext(1, "missing_scope") }, code: "missing_scope", permanent: true, msg: "chat:write"},
		{name: "too long", setup: func() { fake.FailNext(1, "msg_too_long") }, code: "msg_too_long", permanent: true, msg: "shorten"},
		{name: "unknown error", setup: func() { fake.FailNext(1, "some_new_error") }, code: "some_new_error", permanent: true},
		{name: "internal error", setup: func() { fake.FailNext(1, "internal_error") }, code: "internal_error"},
		{name: "service unavailable", setup: func() { fake.FailNext(1, "service_unavailable") }, code: "service_unavailable"},
		{name: "rate limited", setup: func() { fake.RateLimitNext(1, 7) }, code: "ratelimited", retryAfter: 7 * time.Second},
		{name: "down 503", setup: func() { _ = fake.SetDown(notifytest.Unavailable) }, code: "http_503"},
		{name: "refusing", setup: func() { _ = fake.SetDown(notifytest.Refusing) }, code: "dial|network"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				tc.setup()
			}
			t.Cleanup(func() {
				fake.FailChannel("alerts", "")
				fake.FailNext(0, "")
				if err := fake.SetDown(notifytest.Up); err != nil {
					t.Fatal(err)
				}
			})
			tok := token
			switch tc.token {
			case "-":
				tok = ""
			case "":
			default:
				tok = tc.token
			}
			c := &slack.Client{Token: tok, BaseURL: fake.URL}
			_, err := c.PostMessage(context.Background(), slack.Message{Channel: "#alerts", Text: "hello"})
			var ce *channel.Error
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *channel.Error", err)
			}
			if ce.Channel != "slack" || !slices.Contains(strings.Split(tc.code, "|"), ce.Code) || channel.IsPermanent(err) != tc.permanent || channel.RetryAfterOf(err) != tc.retryAfter {
				t.Fatalf("err = %+v, want code %s permanent %v retry after %v", ce, tc.code, tc.permanent, tc.retryAfter)
			}
			if !strings.Contains(ce.Msg, tc.msg) {
				t.Fatalf("message %q does not say %q", ce.Msg, tc.msg)
			}
			if strings.Contains(err.Error(), token) || strings.Contains(err.Error(), "xoxb-wrong") {
				t.Fatalf("the token leaked: %v", err)
			}
		})
	}
	// After the faults, it posts again.
	c := &slack.Client{Token: token, BaseURL: fake.URL}
	if _, err := c.PostMessage(context.Background(), slack.Message{Channel: "#alerts", Text: "back"}); err != nil {
		t.Fatal(err)
	}
}

// TestLongTextTruncated: a text over Slack's limit is cut to it, not
// refused for good with msg_too_long.
func TestLongTextTruncated(t *testing.T) {
	fake := notifytest.NewSlack(t, token)
	c := &slack.Client{Token: token, BaseURL: fake.URL}
	if _, err := c.PostMessage(context.Background(), slack.Message{Channel: "a", Text: strings.Repeat("é", 50000)}); err != nil {
		t.Fatal(err)
	}
	if got := []rune(fake.Messages()[0].Text); len(got) != slack.MaxTextChars || got[len(got)-1] != '…' {
		t.Fatalf("posted %d characters", len(got))
	}
}

func TestUpdateUnknownMessage(t *testing.T) {
	fake := notifytest.NewSlack(t, token)
	c := &slack.Client{Token: token, BaseURL: fake.URL}
	err := c.Update(context.Background(), fake.ChannelID("alerts"), "1700000000.999999", "x", nil)
	if !channel.IsPermanent(err) || !strings.Contains(err.Error(), "message_not_found") {
		t.Fatalf("err = %v, want a permanent message_not_found", err)
	}
}

func TestCanceled(t *testing.T) {
	fake := notifytest.NewSlack(t, token)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := (&slack.Client{Token: token, BaseURL: fake.URL}).PostMessage(ctx, slack.Message{Channel: "a", Text: "x"})
	if err == nil || channel.IsPermanent(err) {
		t.Fatalf("err = %v, want a transient error", err)
	}
}

func TestTruncate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"0123456789abc", 10, "012345678…"},
		{"héllo wörld", 5, "héll…"},
		{"first line of the log\nsecond line of it\nthird line that is long", 45, "first line of the log\nsecond line of it\n…"},
		{"x", 0, ""},
		{"xyz", 1, "…"},
	} {
		if got := slack.Truncate(tc.in, tc.max); got != tc.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
}
