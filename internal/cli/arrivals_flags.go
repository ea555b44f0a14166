package cli

import (
	"time"

	"github.com/spf13/pflag"

	"github.com/batonhq/baton/internal/events"
	"github.com/batonhq/baton/internal/server"
)

// arrivalFlags tune the watching of pipelines' data triggers
// (docs/events.md, "Data arrival").
type arrivalFlags struct {
	dirRescan, s3Rescan, settle, lookback time.Duration
	envErr                                error
}

func (a *arrivalFlags) register(fl *pflag.FlagSet) {
	fl.DurationVar(&a.dirRescan, "arrivals-dir-rescan", envDuration(&a.envErr, "BATON_ARRIVALS_DIR_RESCAN", events.DefaultDirRescan),
		"how often a directory watched by a data trigger is listed; file-system notifications start runs sooner, the rescan catches what they miss")
	fl.DurationVar(&a.s3Rescan, "arrivals-s3-rescan", envDuration(&a.envErr, "BATON_ARRIVALS_S3_RESCAN", events.DefaultS3Rescan),
		"how often a bucket watched by a data trigger is listed; bucket notifications posted to /api/v1/events/s3 start runs sooner")
	fl.DurationVar(&a.settle, "arrivals-settle", envDuration(&a.envErr, "BATON_ARRIVALS_SETTLE", events.DefaultSettle),
		"a local file counts once it has not been written for this long (0: at once); writers that pause longer should write a hidden name and rename it")
	fl.DurationVar(&a.lookback, "arrivals-lookback", envDuration(&a.envErr, "BATON_ARRIVALS_LOOKBACK", events.DefaultLookback),
		"how far behind the newest object seen a late one (a long S3 upload) still counts; the keys seen within it are remembered")
}

// config checks the values and returns them.
func (a *arrivalFlags) config() (server.ArrivalsConfig, error) {
	if a.envErr != nil {
		return server.ArrivalsConfig{}, usageErr("%v", a.envErr)
	}
	for _, d := range []struct {
		flag      string
		v, low    time.Duration
		suggested string
	}{{"--arrivals-dir-rescan", a.dirRescan, 100 * time.Millisecond, "10s"}, {"--arrivals-s3-rescan", a.s3Rescan, time.Second, "30s"},
		{"--arrivals-lookback", a.lookback, time.Second, "15m"}} {
		if d.v < d.low {
			return server.ArrivalsConfig{}, usageErr("%s %s: want %s or more, such as %s", d.flag, d.v, d.low, d.suggested)
		}
	}
	if a.settle < 0 {
		return server.ArrivalsConfig{}, usageErr("--arrivals-settle %s: want 0 or more, such as 50ms", a.settle)
	}
	settle := a.settle
	if settle == 0 {
		settle = -1 // none: events takes 0 for its default
	}
	return server.ArrivalsConfig{DirRescan: a.dirRescan, S3Rescan: a.s3Rescan, Settle: settle, Lookback: a.lookback}, nil
}
