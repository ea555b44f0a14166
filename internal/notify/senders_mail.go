package notify

import (
	"context"

	"github.com/batonhq/baton/internal/notify/opsgenie"
)

// OpsGenieConn is an OpsGenie connection: its client, and the kind of
// responder a target's addresses name.
type OpsGenieConn struct {
	Client        *opsgenie.Client
	ResponderType string // team (default), user, escalation or schedule
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
