package pipeline

import (
	"maps"
	"time"
)

// EffectiveRetry is a step's retry policy merged field by field over the
// pipeline's defaults (PIPELINE.md: "merged field by field over defaults");
// nil when neither sets one.
func (pl *Pipeline) EffectiveRetry(s *Step) *Retry {
	d, r := pl.Defaults.Retry, s.Retry
	switch {
	case d == nil:
		return r
	case r == nil:
		return d
	}
	m := *d
	if r.Retries != nil {
		m.Retries = r.Retries
	}
	if r.Interval != nil {
		m.Interval = r.Interval
	}
	if r.BackoffRate != nil {
		m.BackoffRate = r.BackoffRate
	}
	if r.MaxDelay != nil {
		m.MaxDelay = r.MaxDelay
	}
	if r.Jitter != "" {
		m.Jitter = r.Jitter
	}
	if r.On != nil {
		m.On = r.On
	}
	return &m
}

// EffectiveTimeout is a step's timeout, else the defaults'; 0: none.
func (pl *Pipeline) EffectiveTimeout(s *Step) time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return pl.Defaults.Timeout
}

// EffectiveEnv is the defaults' env with the step's merged key by key over it.
func (pl *Pipeline) EffectiveEnv(s *Step) map[string]string {
	if len(pl.Defaults.Env) == 0 {
		return s.Env
	}
	env := maps.Clone(pl.Defaults.Env)
	maps.Copy(env, s.Env)
	return env
}
