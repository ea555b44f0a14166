package server

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/batonhq/baton/internal/events"
	"github.com/batonhq/baton/internal/notify"
	"github.com/batonhq/baton/internal/notify/email"
	"github.com/batonhq/baton/internal/notify/slack"
	"github.com/batonhq/baton/internal/store"
)

// NotifyConfig tunes notifications (see docs/notifications.md); zero
// values take the defaults.
type NotifyConfig struct {
	// PublicURL is the server's address as people reach it, for links
	// (default http://LISTEN).
	PublicURL string
	// MaxRuns runs of a workflow are told one by one per Window (10 per
	// 10 minutes); the others are summed up at the window's end.
	MaxRuns int
	Window  time.Duration
	// GiveUp is how long a notification is tried before it goes to the
	// failed list (24 h).
	GiveUp time.Duration
	// MaxBackoff is the longest wait between two tries (1 minute).
	MaxBackoff time.Duration
}

// notifications is the server's notifier as the service uses it.
type notifications struct {
	// d delivers: a notifier's own Delivery, or on a node of a cluster
	// the one its group's members share.
	d        *notify.Delivery
	changed  func()
	consumer func(bus *events.Bus) // registers the notifier on the bus
	channels *notify.Channels
	// retried (on a node of a cluster) tells the node delivering the
	// notifications, when it is another, that Retry stored some.
	retried func(ctx context.Context)
	// failingElsewhere (on a node of a cluster) are the destinations
	// failing on the other nodes, and the nodes that did not say.
	failingElsewhere func(ctx context.Context) ([]notify.LaneFailing, []string)
}

func (x notifications) Check(t *notify.Target) error { return x.channels.Check(t) }
func (x notifications) Changed()                     { x.changed() }
func (x notifications) Failed(ctx context.Context) ([]*notify.DeadLetter, error) {
	return x.d.Failed(ctx)
}
func (x notifications) Retry(ctx context.Context, ids []string) (int, error) {
	n, err := x.d.Retry(ctx, ids)
	if err == nil && n > 0 && x.retried != nil && !x.d.Running() {
		x.retried(ctx)
	}
	return n, err
}
func (x notifications) Test(ctx context.Context, t notify.Target) map[string]string {
	return x.d.Test(ctx, t)
}
func (x notifications) Status(ctx context.Context) (notify.Status, error) {
	s, err := x.d.Current(ctx)
	if err != nil || x.failingElsewhere == nil {
		return s, err
	}
	others, unreached := x.failingElsewhere(ctx)
	s.Failing, s.Unreached = mergeFailing(append(s.Failing, others...)), unreached
	return s, nil
}

// mergeFailing makes one entry of each destination failing on several
// nodes (each paces and retries its own partitions' notifications): the
// earliest failure with its error, and the queued of all, by destination.
func mergeFailing(ls []notify.LaneFailing) []notify.LaneFailing {
	slices.SortFunc(ls, func(a, b notify.LaneFailing) int {
		return cmp.Or(strings.Compare(a.Destination, b.Destination), a.Since.Compare(b.Since))
	})
	var out []notify.LaneFailing
	for _, l := range ls {
		if n := len(out); n > 0 && out[n-1].Destination == l.Destination {
			out[n-1].Queued += l.Queued
			continue
		}
		out = append(out, l)
	}
	return out
}

// newNotifier makes the notifier of a server: a consumer of bus (on a node
// of a cluster, a group of members, one per partition), with metrics in
// reg.
func newNotifier(cfg Config, st store.Store, bus *events.Bus, reg *prometheus.Registry, account string) notifications {
	channels := notifyChannels(cfg)
	nc := cfg.Notify
	public := nc.PublicURL
	if public == "" {
		public = "http://" + cfg.Listen
	}
	o := notify.Options{Store: st, DefaultAccount: account, PublicURL: public, MaxRuns: nc.MaxRuns, Window: nc.Window,
		Wake: func() { bus.Wake(notify.ConsumerName) }, Log: cfg.Log}
	var x notifications
	if cfg.Cluster {
		g := notify.NewGroup(o, channels.Senders())
		x = notifications{d: g.Delivery, changed: g.Changed, consumer: func(bus *events.Bus) { bus.RegisterGroup(notify.ConsumerName, g.Member) }}
	} else {
		n := notify.New(o, channels.Senders())
		x = notifications{d: n.Delivery, changed: n.Changed, consumer: func(bus *events.Bus) { bus.Register(n.Consumer()) }}
	}
	x.channels = channels
	d := x.d
	if nc.GiveUp > 0 {
		d.GiveUp = nc.GiveUp
	}
	if nc.MaxBackoff > 0 {
		d.MaxBackoff = nc.MaxBackoff
	}
	sent := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "baton_notifications_sent_total",
		Help: "Notifications delivered, by channel."}, []string{"channel"})
	failed := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "baton_notification_attempts_failed_total",
		Help: "Delivery attempts that failed, by channel (they are tried again unless given up)."}, []string{"channel"})
	given := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "baton_notifications_given_up_total",
		Help: "Notifications given up, now in the failed list (baton notifications failed), by channel."}, []string{"channel"})
	reg.MustRegister(sent, failed, given,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "baton_notifications_queued", Help: "Notifications waiting to be delivered."},
			func() float64 { return float64(d.Status().Queued) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "baton_notifications_failing_destinations", Help: "Destinations whose deliveries fail at the moment."},
			func() float64 { return float64(len(d.Status().Failing)) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "baton_notifications_failed", Help: "Notifications in the failed list."},
			func() float64 { return float64(d.Status().Failed) }))
	d.OnResult = func(ch string, err error, dead bool) {
		ch = strings.ToLower(ch)
		switch {
		case err == nil:
			sent.WithLabelValues(ch).Inc()
		case dead:
			failed.WithLabelValues(ch).Inc()
			given.WithLabelValues(ch).Inc()
		default:
			failed.WithLabelValues(ch).Inc()
		}
	}
	return x
}

// readinessDetail is what /readyz adds about notifications: a notifier
// that fails is not silent, yet does not take the server out of service.
func readinessDetail(s notify.Status) string {
	var b strings.Builder
	for _, f := range s.Failing {
		fmt.Fprintf(&b, "notifications: deliveries to %s fail since %s (%d queued): %s\n", f.Destination, f.Since.UTC().Format(time.RFC3339), f.Queued, f.Error)
	}
	if s.Failed > 0 {
		fmt.Fprintf(&b, "notifications: %d could not be delivered (baton notifications failed)\n", s.Failed)
	}
	return b.String()
}

// notifyChannels builds the notification connections of the --config
// file.
func notifyChannels(cfg Config) *notify.Channels {
	ch := &notify.Channels{Slack: map[string]*slack.Client{}, Webhook: map[string]*notify.WebhookConn{},
		Email: map[string]*email.Sender{}, OpsGenie: map[string]*notify.OpsGenieConn{}}
	if cfg.Connections == nil {
		return ch
	}
	for name, c := range cfg.Connections.Connections {
		switch {
		case c.Slack != nil:
			ch.Slack[name] = c.Slack.Client(nil)
		case c.Webhook != nil:
			ch.Webhook[name] = &notify.WebhookConn{Client: c.Webhook.Client(nil), Secret: c.Webhook.Secret.Reveal()}
		case c.SMTP != nil:
			ch.Email[name] = c.SMTP.Sender()
		case c.OpsGenie != nil:
			ch.OpsGenie[name] = &notify.OpsGenieConn{Client: c.OpsGenie.Client(nil), ResponderType: c.OpsGenie.ResponderType}
		}
	}
	return ch
}
