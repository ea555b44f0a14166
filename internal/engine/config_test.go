package engine_test

import (
	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/internal/clock"
	"github.com/batonhq/baton/internal/engine"
	"github.com/batonhq/baton/internal/service"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/workflow"
)

// serverConfig is an engine's configuration as the server makes it: ASL
// with the server's default limits, and the service's classifier of Step
// Functions task resources.
func serverConfig(st store.Store, clk clock.Clock, ex engine.Executors) engine.Config {
	c := engine.Config{Store: st, Clock: clk, Executors: ex, Workers: 4,
		Classify: service.TaskClassifier("us-east-1", "123456789012")}
	withASL(&c, nil)
	return c
}

// withASL gives c an ASL language with the server's default options,
// changed by tune (tests of limits).
func withASL(c *engine.Config, tune func(o *asl.LanguageOptions)) {
	o := asl.LanguageOptions{Options: asl.Options{MaxHistoryEvents: asl.DefaultMaxHistoryEvents}, Region: "us-east-1"}
	if tune != nil {
		tune(&o)
	}
	c.Languages = map[string]workflow.Language{asl.LanguageName: asl.NewLanguage(o)}
}

// noHistoryLimit lifts the history limit (--max-history-events -1).
func noHistoryLimit(o *asl.LanguageOptions) { o.MaxHistoryEvents = 0 }

// childOutcome answers for nested executions as the server does.
type childOutcome struct{}

func (childOutcome) ChildOutcome(resource string, child *store.Execution, err error) engine.TaskOutcome {
	return service.ChildOutcome(resource, child, err)
}
