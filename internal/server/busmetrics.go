package server

import (
	"context"
	"log/slog"
	"time"

	"github.com/batonhq/baton/internal/events"
	"github.com/prometheus/client_golang/prometheus"
)

// busBacklogDesc is the gauge of how far each consumer of the event bus
// (triggers, rules, arrivals, notifications) lags behind the outbox.
var busBacklogDesc = prometheus.NewDesc("baton_event_bus_backlog",
	"Outbox events past what a consumer of the event bus has handled (0: caught up).", []string{"consumer"}, nil)

// busBacklog collects baton_event_bus_backlog at each scrape.
type busBacklog struct {
	bus *events.Bus
	log *slog.Logger
}

func (c busBacklog) Describe(ch chan<- *prometheus.Desc) { ch <- busBacklogDesc }

func (c busBacklog) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	behind, err := c.bus.Behind(ctx)
	if err != nil {
		c.log.Warn("metrics: cannot read the event bus' backlog", "err", err)
		return
	}
	for name, n := range behind {
		ch <- prometheus.MustNewConstMetric(busBacklogDesc, prometheus.GaugeValue, float64(n), name)
	}
}
