package cli

import (
	"time"

	"github.com/spf13/pflag"

	"github.com/batonhq/baton/asl"
)

// limitFlags are the interpreter's limits (asl.Limits), shared by run and
// server: a hostile definition must not exhaust the process (docs/asl.md).
type limitFlags struct {
	jsonataTimeout  time.Duration
	jsonataMaxBytes int64
	maxOpenBranches int
	envErr          error // a BATON_* value that is not valid
}

func (l *limitFlags) register(fl *pflag.FlagSet) {
	fl.DurationVar(&l.jsonataTimeout, "jsonata-timeout", envDuration(&l.envErr, "BATON_JSONATA_TIMEOUT", asl.DefaultJSONataTimeout),
		"longest one JSONata expression may run; past it the state fails with States.QueryEvaluationError")
	fl.Int64Var(&l.jsonataMaxBytes, "jsonata-max-bytes", int64(envInt(&l.envErr, "BATON_JSONATA_MAX_BYTES", asl.DefaultJSONataMaxBytes)),
		"most bytes one JSONata expression may build (strings, arrays, objects); past it the state fails with States.QueryEvaluationError")
	fl.IntVar(&l.maxOpenBranches, "max-open-branches", envInt(&l.envErr, "BATON_MAX_OPEN_BRANCHES", asl.DefaultMaxOpenBranches),
		"most Parallel branches and Map iterations one execution may have open at once; a state that would open more fails with States.Runtime")
}

// limits checks the values and returns them.
func (l *limitFlags) limits() (asl.Limits, error) {
	switch {
	case l.envErr != nil:
		return asl.Limits{}, usageErr("%v", l.envErr)
	case l.jsonataTimeout <= 0:
		return asl.Limits{}, usageErr("--jsonata-timeout %s: want a positive duration, such as 1s", l.jsonataTimeout)
	case l.jsonataMaxBytes <= 0:
		return asl.Limits{}, usageErr("--jsonata-max-bytes %d: want a positive number of bytes", l.jsonataMaxBytes)
	case l.maxOpenBranches <= 0:
		return asl.Limits{}, usageErr("--max-open-branches %d: want a positive number", l.maxOpenBranches)
	}
	return asl.Limits{JSONataTimeout: l.jsonataTimeout, JSONataMaxBytes: l.jsonataMaxBytes, MaxOpenBranches: l.maxOpenBranches}, nil
}
