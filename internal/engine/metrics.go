package engine

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the engine's Prometheus metrics.
type Metrics struct {
	transitions prometheus.Counter
	commits     prometheus.Counter
	commitTime  prometheus.Histogram
	batchSize   prometheus.Histogram
	started     *prometheus.CounterVec
	finished    *prometheus.CounterVec
	tasks       *prometheus.CounterVec
}

// NewMetrics creates the engine's metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		transitions: prometheus.NewCounter(prometheus.CounterOpts{Name: "baton_state_transitions_total", Help: "State transitions committed."}),
		commits:     prometheus.NewCounter(prometheus.CounterOpts{Name: "baton_commits_total", Help: "Group commits to the store."}),
		commitTime: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "baton_commit_seconds", Help: "Time to store one group commit.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16)}),
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "baton_commit_batch_transitions", Help: "Execution transitions per group commit.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 12)}),
		started:  prometheus.NewCounterVec(prometheus.CounterOpts{Name: "baton_executions_started_total", Help: "Executions started."}, []string{"type"}),
		finished: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "baton_executions_finished_total", Help: "Executions ended, by status."}, []string{"type", "status"}),
		tasks:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "baton_tasks_scheduled_total", Help: "Tasks scheduled, by kind."}, []string{"kind"}),
	}
	reg.MustRegister(m.transitions, m.commits, m.commitTime, m.batchSize, m.started, m.finished, m.tasks)
	return m
}

func (m *Metrics) committed(b *batch) {
	m.commits.Inc()
	m.transitions.Add(float64(b.transitions))
	m.commitTime.Observe(b.took.Seconds())
	m.batchSize.Observe(float64(len(b.trs)))
}
