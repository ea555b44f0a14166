package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/batonhq/baton/internal/notify/channel"
	"github.com/batonhq/baton/internal/notify/email"
	"github.com/batonhq/baton/internal/notify/slack"
	"github.com/batonhq/baton/internal/notify/webhook"
)

// Channels are the server's notification connections (of its --config
// file), by channel and connection name.
type Channels struct {
	Slack    map[string]*slack.Client
	Webhook  map[string]*WebhookConn
	Email    map[string]*email.Sender
	OpsGenie map[string]*OpsGenieConn
}

// WebhookConn is a webhook connection: its client (address checks) and
// its signing secret.
type WebhookConn struct {
	Client *webhook.Client
	Secret string // whsec_...
}

// names returns the connection names of a channel.
func (c *Channels) names(ch string) []string {
	var out []string
	switch ch {
	case Slack:
		for k := range c.Slack {
			out = append(out, k)
		}
	case Webhook:
		for k := range c.Webhook {
			out = append(out, k)
		}
	case Email:
		for k := range c.Email {
			out = append(out, k)
		}
	case OpsGenie:
		for k := range c.OpsGenie {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// connectionType is the --config type of a channel's connections.
var connectionType = map[string]string{Slack: "slack", Email: "smtp", Webhook: "webhook", OpsGenie: "opsgenie"}

// resolve returns the connection a target uses: the one it names, or the
// only one of its channel.
func (c *Channels) resolve(ch, name string) (string, error) {
	names := c.names(ch)
	typ := connectionType[ch]
	switch {
	case name != "" && slices.Contains(names, name):
		return name, nil
	case name != "":
		return "", fmt.Errorf("the server has no %s connection named %q (its %s connections: %s); add it to the server's --config file", typ, name, typ, list(names))
	case len(names) == 1:
		return names[0], nil
	case len(names) == 0:
		return "", fmt.Errorf("the server has no %s connection; add one to its --config file (see docs/notifications.md)", typ)
	}
	return "", fmt.Errorf("the server has %d %s connections (%s): name one in the target's connection field", len(names), typ, list(names))
}

func list(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// Check reports whether the server can deliver to t.
func (c *Channels) Check(t *Target) error {
	_, err := c.resolve(t.Channel, t.Connection)
	return err
}

// Senders returns the sender of each channel.
func (c *Channels) Senders() map[string]Sender {
	return map[string]Sender{Slack: slackSender{c}, Webhook: webhookSender{c}, Email: emailSender{c}, OpsGenie: opsgenieSender{c}}
}

// unknown is the permanent error of a connection that is gone (the
// configuration changed since the notification was decided).
func unknown(ch string, err error) error {
	return &channel.Error{Channel: strings.ToLower(ch), Code: "no_connection", Permanent: true, Msg: err.Error()}
}

// slackSender posts a run's messages in one thread: the first is the
// root; later ones are replies (failures also shown in the channel), and
// the root is updated with the run's status.
type slackSender struct{ c *Channels }

// slackLimit keeps messages under Slack's 40,000 characters with room.
const slackLimit = 35000

func (s slackSender) Send(ctx context.Context, n *Notification, th *Thread) error {
	name, err := s.c.resolve(Slack, n.Connection)
	if err != nil {
		return unknown(Slack, err)
	}
	cl := s.c.Slack[name]
	to := n.Addresses[0]
	if th == nil || th.TS == "" {
		text := n.Text
		if n.Kind != KindTest && n.Kind != KindSummary {
			text = "*" + n.Title + "*\n" + n.Text
		}
		p, err := cl.PostMessage(ctx, slack.Message{Channel: to, Text: slack.Truncate(text, slackLimit)})
		if err != nil {
			return err
		}
		if th != nil {
			th.Channel, th.TS = p.Channel, p.TS
		}
		return nil
	}
	runLevel := strings.HasPrefix(n.Kind, "run_") || n.Kind == KindRecovered
	text := n.Text
	if runLevel {
		text = "*" + n.Title + "*\n" + text // a broadcast reply is read in the channel, without its root
	}
	if _, err := cl.PostMessage(ctx, slack.Message{Channel: th.Channel, Text: slack.Truncate(text, slackLimit), ThreadTS: th.TS, ReplyBroadcast: n.Failure}); err != nil {
		return err
	}
	if runLevel {
		// The root shows the run's status; failing to update it is not
		// worth posting the reply again.
		_ = cl.Update(ctx, th.Channel, th.TS, "*"+n.Title+"*", nil)
	}
	return nil
}

// webhookSender posts the notification as JSON, signed.
type webhookSender struct{ c *Channels }

// WebhookBody is what a webhook receives.
type WebhookBody struct {
	ID       string    `json:"id"` // the same on every attempt: receivers de-duplicate by it (and by webhook-id)
	Type     string    `json:"type"`
	Time     time.Time `json:"time"`
	Workflow string    `json:"workflow,omitempty"`
	Run      string    `json:"run,omitempty"`
	Status   string    `json:"status,omitempty"`
	Title    string    `json:"title"`
	Text     string    `json:"text"`
	Event    any       `json:"event,omitempty"` // the bus event (EventBridge envelope) that caused it
}

func (s webhookSender) Send(ctx context.Context, n *Notification, _ *Thread) error {
	name, err := s.c.resolve(Webhook, n.Connection)
	if err != nil {
		return unknown(Webhook, err)
	}
	wc := s.c.Webhook[name]
	body, err := json.Marshal(WebhookBody{ID: n.ID, Type: n.Kind, Time: n.Time.UTC(), Workflow: n.Workflow, Run: n.Run,
		Status: n.Status, Title: n.Title, Text: n.Text, Event: n.Event})
	if err != nil {
		return &channel.Error{Channel: "webhook", Code: "encode", Permanent: true, Msg: err.Error()}
	}
	return wc.Client.Send(ctx, n.Addresses[0], wc.Secret, "msg_"+n.ID, time.Now(), body)
}
