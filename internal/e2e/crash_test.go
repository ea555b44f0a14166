package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	neturl "net/url"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"

	"github.com/batonhq/baton/internal/pgtest"
)

// crashConfig sizes a crash run.
type crashConfig struct {
	executions int
	kills      []time.Duration // when to SIGKILL the server, from the first start
	settle     time.Duration   // how long every execution may take to end after the last start
	args       []string        // more flags of the server (--store)
	// standby runs a second server on the same database (PostgreSQL),
	// waiting for the node lock: each kill is taken over by it, and the
	// killed one comes back as the next standby. Clients reach the active
	// one through a front that follows it, as a load balancer with
	// readiness checks would.
	standby bool
}

// TestCrash SIGKILLs the server four times while 300 executions of four
// kinds start and run (the kills fall in the burst of starts and in the
// Waits, retries, activities and callbacks after it), restarts it on the
// same data directory, and checks every execution afterwards.
func TestCrash(t *testing.T) {
	runCrash(t, crashConfig{
		executions: 300,
		kills:      []time.Duration{800 * time.Millisecond, 1800 * time.Millisecond, 2900 * time.Millisecond, 4000 * time.Millisecond},
		settle:     90 * time.Second,
	})
}

// TestCrashPostgres is TestCrash on a PostgreSQL store (started by the
// test): a killed server's session, and its node lock, end with it, and
// the restarted server resumes every execution from the database.
func TestCrashPostgres(t *testing.T) { runCrash(t, postgresCrash(t, false)) }

// postgresCrash is the crash run of the PostgreSQL tests.
func postgresCrash(t *testing.T, standby bool) crashConfig {
	pg := pgtest.Start(t)
	return crashConfig{
		executions: 200,
		kills:      []time.Duration{800 * time.Millisecond, 1800 * time.Millisecond, 2900 * time.Millisecond},
		settle:     90 * time.Second,
		args:       []string{"--store", pg.NewDatabase(t)},
		standby:    standby,
	}
}

// TestCrashPostgresStandby is TestCrashPostgres with a standby server on
// the same database: every kill -9 of the active server is taken over by
// the standby (the database ends the killed server's session, and with it
// its node lock, at once), and the killed one returns as the standby.
func TestCrashPostgresStandby(t *testing.T) { runCrash(t, postgresCrash(t, true)) }

// follower sends each request to the active server, as a load balancer
// with readiness checks would: it rewrites the request's host.
type follower struct {
	host atomic.Pointer[string]
	next http.RoundTripper
}

func (f *follower) set(serverURL string) {
	u, err := neturl.Parse(serverURL)
	if err != nil {
		panic(err)
	}
	f.host.Store(&u.Host)
}

func (f *follower) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Host = *f.host.Load()
	r.Host = r.URL.Host
	return f.next.RoundTrip(r)
}

// TestCrashSoak is TestCrash with more executions and more kills; it runs
// only with -baton.soak or BATON_SOAK=1.
func TestCrashSoak(t *testing.T) {
	if !*soakFlag && os.Getenv("BATON_SOAK") != "1" {
		t.Skip("soak test: run with -baton.soak or BATON_SOAK=1")
	}
	var kills []time.Duration
	for i := range 12 {
		at := time.Duration(700+i*1300) * time.Millisecond
		kills = append(kills, at)
		if i%3 == 1 { // and again while it recovers
			kills = append(kills, at+200*time.Millisecond)
		}
	}
	runCrash(t, crashConfig{executions: 2000, kills: kills, settle: 240 * time.Second})
}

// crashKind is one state machine of the crash test and what each of its
// executions must look like at the end.
type crashKind struct {
	name   string
	def    string
	input  func(n int) string
	output func(n int) string
	// entered is how many times each state is entered (Map item states
	// once per iteration).
	entered map[string]int
	// counts are exact numbers of events of some types.
	counts map[types.HistoryEventType]int
	arn    string
	// project, when set, makes the kind a pipeline project deployed with
	// baton deploy DIR (file name -> text; def is unused).
	project map[string]string
}

const activityName = "crash-worker"

func crashKinds() []*crashKind {
	actArn := arnPrefix + "activity:" + activityName
	plain := func(n int) string { return fmt.Sprintf(`{"n":%d}`, n) }
	return []*crashKind{{
		name: "crash-linear",
		// The shell task fails on its first attempt and succeeds on the retry.
		def: `{"StartAt":"Prepare","States":{
			"Prepare":{"Type":"Pass","Parameters":{"n.$":"$.n"},"Next":"Pause"},
			"Pause":{"Type":"Wait","Seconds":1,"Next":"Shell"},
			"Shell":{"Type":"Task","Resource":"baton:shell",
				"Parameters":{"script":"if [ \"$BATON_ATTEMPT\" = 0 ]; then echo first attempt fails >&2; exit 3; fi; echo '{\"ok\":true}'"},
				"Retry":[{"ErrorEquals":["Shell.ExitError"],"IntervalSeconds":1,"MaxAttempts":2,"BackoffRate":1},` + lostRetry + `],
				"ResultPath":"$.shell","Next":"Decide"},
			"Decide":{"Type":"Choice","Choices":[{"Variable":"$.shell.ok","BooleanEquals":true,"Next":"Done"}],"Default":"Broken"},
			"Done":{"Type":"Succeed"},
			"Broken":{"Type":"Fail","Error":"Unexpected"}}}`,
		input:   plain,
		output:  func(n int) string { return fmt.Sprintf(`{"n":%d,"shell":{"ok":true}}`, n) },
		entered: map[string]int{"Prepare": 1, "Pause": 1, "Shell": 1, "Decide": 1, "Done": 1},
		counts: map[types.HistoryEventType]int{
			types.HistoryEventTypeTaskScheduled: 2, types.HistoryEventTypeTaskFailed: 1, types.HistoryEventTypeTaskSucceeded: 1,
		},
	}, {
		name: "crash-fanout",
		def: `{"StartAt":"Fan","States":{
			"Fan":{"Type":"Parallel","ResultPath":"$.par","Next":"Items","Branches":[
				{"StartAt":"AWait","States":{"AWait":{"Type":"Wait","Seconds":2,"Next":"APass"},"APass":{"Type":"Pass","Result":"a","End":true}}},
				{"StartAt":"BShell","States":{"BShell":{"Type":"Task","Resource":"baton:shell","Parameters":{"script":"sleep 0.5; echo '\"b\"'"},"Retry":[` + lostRetry + `],"Next":"BPass"},
					"BPass":{"Type":"Pass","End":true}}}]},
			"Items":{"Type":"Map","ItemsPath":"$.items","ItemSelector":{"i.$":"$$.Map.Item.Value","n.$":"$.n"},"ResultPath":"$.items","End":true,
				"ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"ItemShell","States":{
					"ItemShell":{"Type":"Task","Resource":"baton:shell","Parameters":{"script":"cat","input.$":"$"},"Retry":[` + lostRetry + `],"Next":"ItemPass"},
					"ItemPass":{"Type":"Pass","End":true}}}}}}`,
		input: func(n int) string { return fmt.Sprintf(`{"n":%d,"items":[1,2,3]}`, n) },
		output: func(n int) string {
			return fmt.Sprintf(`{"n":%d,"par":["a","b"],"items":[{"i":1,"n":%d},{"i":2,"n":%d},{"i":3,"n":%d}]}`, n, n, n, n)
		},
		entered: map[string]int{"Fan": 1, "AWait": 1, "APass": 1, "BShell": 1, "BPass": 1, "Items": 1, "ItemShell": 3, "ItemPass": 3},
		counts: map[types.HistoryEventType]int{
			types.HistoryEventTypeParallelStateStarted: 1, types.HistoryEventTypeParallelStateSucceeded: 1,
			types.HistoryEventTypeMapStateStarted: 1, types.HistoryEventTypeMapStateSucceeded: 1,
			types.HistoryEventTypeMapIterationStarted: 3, types.HistoryEventTypeMapIterationSucceeded: 3,
			types.HistoryEventTypeTaskScheduled: 4, types.HistoryEventTypeTaskSucceeded: 4, types.HistoryEventTypeTaskFailed: 0,
		},
	}, {
		name: "crash-activity",
		// A task handed to a worker whose answer died with the server is
		// retried after the heartbeat timeout.
		def: `{"StartAt":"Prepare","States":{
			"Prepare":{"Type":"Pass","Next":"Work"},
			"Work":{"Type":"Task","Resource":"` + actArn + `","TimeoutSeconds":30,"HeartbeatSeconds":3,
				"Retry":[{"ErrorEquals":["States.Timeout","States.HeartbeatTimeout"],"IntervalSeconds":1,"MaxAttempts":5,"BackoffRate":1}],
				"ResultPath":"$.work","Next":"Pause"},
			"Pause":{"Type":"Wait","Seconds":1,"Next":"Done"},
			"Done":{"Type":"Succeed"}}}`,
		input:   plain,
		output:  func(n int) string { return fmt.Sprintf(`{"n":%d,"work":{"worked":%d}}`, n, n) },
		entered: map[string]int{"Prepare": 1, "Work": 1, "Pause": 1, "Done": 1},
		counts:  map[types.HistoryEventType]int{types.HistoryEventTypeActivitySucceeded: 1, types.HistoryEventTypeActivityFailed: 0},
	}, {
		name: "crash-callback",
		def: `{"StartAt":"Prepare","States":{
			"Prepare":{"Type":"Pass","Next":"Ask"},
			"Ask":{"Type":"Task","Resource":"` + callbackRes + `","TimeoutSeconds":120,
				"Parameters":{"QueueUrl":"` + callbackQueue + `","MessageBody":{"token.$":"$$.Task.Token","n.$":"$.n"}},
				"ResultPath":"$.answer","Next":"Done"},
			"Done":{"Type":"Succeed"}}}`,
		input:   plain,
		output:  func(n int) string { return fmt.Sprintf(`{"n":%d,"answer":{"answered":%d}}`, n, n) },
		entered: map[string]int{"Prepare": 1, "Ask": 1, "Done": 1},
		counts: map[types.HistoryEventType]int{
			types.HistoryEventTypeTaskScheduled: 1, types.HistoryEventTypeTaskSucceeded: 1, types.HistoryEventTypeTaskFailed: 0, types.HistoryEventTypeTaskTimedOut: 0,
		},
	}, {
		name: "crash-pipeline",
		// A pipeline project: steps read a file of the project in their
		// run's working directory; two run in parallel, then a join.
		project: map[string]string{"data/seed.txt": "seed42\n", "pipeline.yaml": crashPipeline},
		input:   plain,
		output: func(n int) string {
			return fmt.Sprintf(`{"n":%d,"seed":"seed42","sides":["left","right"],"sum":%d}`, n, 2*n)
		},
		entered: map[string]int{"first": 1, "left": 1, "right": 1, "join": 1},
		counts: map[types.HistoryEventType]int{
			types.HistoryEventTypeTaskScheduled: 4, types.HistoryEventTypeTaskSucceeded: 4, types.HistoryEventTypeTaskFailed: 0,
		},
	}}
}

// crashPipeline is the pipeline.yaml of the crash-pipeline kind. A step
// lost with a killed server fails with States.TaskFailed and is retried.
const crashPipeline = `name: crash-pipeline
params:
  n: {type: integer}
` + lostStepRetry + `steps:
  - name: first
    script: |
      read seed < data/seed.txt
      echo "{\"n\": $N, \"seed\": \"$seed\"}" > "$BATON_OUTPUT"
    env: {N: "{% $string($input.n) %}"}
  - name: left
    depends_on: [first]
    script: |
      sleep 0.3
      echo '{"side": "left"}' > "$BATON_OUTPUT"
  - name: right
    depends_on: [first]
    command: [sh, -c, 'echo side=right > "$BATON_OUTPUT"']
  - name: join
    depends_on: [left, right]
    script: |
      echo "{\"sum\": $((N * 2))}" > "$BATON_OUTPUT"
    env: {N: "{% $string($steps.first.output.n) %}"}
output: "{% {'n': $steps.first.output.n, 'seed': $steps.first.output.seed, 'sides': [$steps.left.output.side, $steps.right.output.side], 'sum': $steps.join.output.sum} %}"
`

// lostStepRetry retries the steps of a pipeline lost with a killed server.
const lostStepRetry = "defaults:\n  retry: {retries: 10, interval: 1s, on: [States.TaskFailed]}\n"

// lostRetry retries a built-in task lost with a killed server: it fails with
// States.TaskFailed (cause Baton.TaskLost) after the restart, and the
// state's Retry decides, as for any failure.
const lostRetry = `{"ErrorEquals":["States.TaskFailed"],"IntervalSeconds":1,"MaxAttempts":10,"BackoffRate":1}`

// crashExec is one execution the test starts.
type crashExec struct {
	kind        *crashKind
	n           int
	name, input string
	arn         string // set once StartExecution acknowledged it
}

// crashStats counts what the run went through, for the log.
type crashStats struct {
	transportErrs   atomic.Int64 // calls that failed because the server was down
	serverErrs      atomic.Int64 // 5xx answers
	startRetries    atomic.Int64 // StartExecution calls repeated after a transport error
	startSame       atomic.Int64 // ... that returned the execution of the earlier attempt
	startEnded      atomic.Int64 // ... that found it already ended (ExecutionAlreadyExists, same input)
	activityTasks   atomic.Int64
	answersLost     atomic.Int64 // SendTaskSuccess repeated after a transport error and told the task was closed
	callbackAnswers atomic.Int64
}

// retryable tells whether err means "try again": the server is down or
// restarting (no HTTP answer), or it answered 5xx.
func retryable(err error, st *crashStats) bool {
	var api smithy.APIError
	if !errors.As(err, &api) {
		// No answer (connection refused or reset, EOF): the SDK reports
		// it as a ResponseError with StatusCode 0 wrapping the send error.
		st.transportErrs.Add(1)
		return true
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() >= 500 {
		st.serverErrs.Add(1)
		return true
	}
	return false
}

// backoff is the pause between retries of a server that is down.
type backoff struct{ d time.Duration }

func (b *backoff) wait(ctx context.Context) {
	if b.d == 0 {
		b.d = 20 * time.Millisecond
	} else if b.d *= 2; b.d > 400*time.Millisecond {
		b.d = 400 * time.Millisecond
	}
	select {
	case <-ctx.Done():
	case <-time.After(b.d):
	}
}

func runCrash(t *testing.T, cfg crashConfig) {
	began := time.Now()
	args := slices.Clone(cfg.args)
	if d := os.Getenv("BATON_E2E_DURABILITY"); d != "" {
		args = append(args, "--durability", d)
		t.Logf("--durability %s", d)
	}
	srv := newServer(t, args...)
	var spare *server
	var front *follower
	if cfg.standby {
		spare = newServerNotStarted(t, args...)
		spare.launch()
		front = &follower{next: http.DefaultTransport.(*http.Transport).Clone()}
		front.set(srv.url)
	}
	// restart brings the service back after srv was killed: srv itself,
	// or the standby taking over.
	restart := func() string {
		t0 := time.Now()
		if !cfg.standby {
			srv.start()
			return fmt.Sprintf("restarted in %v", time.Since(t0).Round(time.Millisecond))
		}
		spare.waitReady(60 * time.Second)
		took := time.Since(t0)
		front.set(spare.url)
		srv, spare = spare, srv
		spare.launch() // the killed server comes back as the standby
		return fmt.Sprintf("the standby took over in %v", took.Round(time.Millisecond))
	}
	c := newClient(srv.url, false)
	if front != nil {
		c = newClientVia(srv.url, false, front)
	}
	ctx, st, callbacks := startCrashHelpers(t, c, c, 6, cfg.executions)
	kinds := crashKinds()
	for _, k := range kinds {
		if k.project != nil {
			k.arn = deployProjectFiles(t, srv, k.project)
			continue
		}
		k.arn = createSM(t, c, k.name, k.def, smStandard)
	}
	execs := crashExecs(kinds, cfg.executions)
	first := time.Now()
	startersDone := startExecs(ctx, t, c, st, execs, 0, callbacks)

	// The crashes.
	for i, at := range cfg.kills {
		select {
		case <-time.After(time.Until(first.Add(at))):
		case <-ctx.Done():
			return
		}
		srv.kill()
		t.Logf("kill #%d at %v; %s", i+1, time.Since(first).Round(time.Millisecond), restart())
	}
	select {
	case <-startersDone:
	case <-time.After(cfg.settle):
		t.Fatalf("not every execution was started within %v of the last kill", cfg.settle)
	}
	if t.Failed() {
		return
	}
	t.Logf("%d executions acknowledged %v after the first start", len(execs), time.Since(first).Round(time.Millisecond))

	waitEnded(t, ctx, c, kinds, cfg.settle)
	t.Logf("all ended %v after the first start", time.Since(first).Round(time.Millisecond))
	checked := checkExecs(t, ctx, c, execs)
	lengths := checked.lengths

	// One more crash once all is done: recovery must not touch ended
	// executions.
	srv.kill()
	t.Logf("last kill; %s", restart())
	changed := 0
	for _, x := range execs {
		evs, err := history(ctx, c, x.arn)
		if err != nil {
			t.Fatalf("GetExecutionHistory(%s) after the last restart: %v", x.arn, err)
		}
		if len(evs) != lengths[x.name] {
			if changed++; changed <= 5 {
				t.Errorf("%s: %d events before the last restart, %d after:\n%s", x.arn, lengths[x.name], len(evs), formatHistory(evs))
			}
		}
	}
	t.Logf("%d built-in tasks were lost with a killed server and retried by their Retry", checked.lostShell)
	t.Logf("stats: %d calls failed while the server was down, %d 5xx answers; %d starts retried (%d returned the same execution, %d found it ended); "+
		"%d activity tasks taken, %d activity timeouts (%d re-scheduled), %d answers lost with the server; %d callbacks answered; total %v",
		st.transportErrs.Load(), st.serverErrs.Load(), st.startRetries.Load(), st.startSame.Load(), st.startEnded.Load(),
		st.activityTasks.Load(), checked.timeouts, checked.retriedTasks, st.answersLost.Load(), st.callbackAnswers.Load(), time.Since(began).Round(time.Millisecond))
}

// waitEnded waits up to d until no execution of kinds is RUNNING.
func waitEnded(t *testing.T, ctx context.Context, c *sfn.Client, kinds []*crashKind, d time.Duration) {
	t.Helper()
	waitFor(t, d, "every execution to end", func() (bool, string) {
		running := 0
		var some []string
		for _, k := range kinds {
			statuses, err := listStatuses(ctx, c, k.arn)
			if err != nil {
				return false, "ListExecutions: " + err.Error()
			}
			for name, s := range statuses {
				if s == types.ExecutionStatusRunning {
					running++
					if len(some) < 5 {
						some = append(some, k.name+"/"+name)
					}
				}
			}
		}
		return running == 0, fmt.Sprintf("%d running, e.g. %v", running, some)
	})
}

// checkedExecs is what checkExecs saw.
type checkedExecs struct {
	lengths                           map[string]int // history length by execution name
	timeouts, retriedTasks, lostShell int64
}

// checkExecs checks every execution with checkCrashExec, failing the test
// for the wrong ones.
func checkExecs(t *testing.T, ctx context.Context, c *sfn.Client, execs []*crashExec) checkedExecs {
	t.Helper()
	var mu sync.Mutex
	var failures []string
	lengths := map[string]int{}
	checks := make(chan *crashExec)
	var checkers sync.WaitGroup
	var timeouts, retriedTasks, lostShell atomic.Int64
	for range 4 {
		checkers.Add(1)
		go func() {
			defer checkers.Done()
			for x := range checks {
				evs, err := checkCrashExec(ctx, c, x)
				mu.Lock()
				lengths[x.name] = len(evs)
				mu.Unlock()
				if err != nil {
					mu.Lock()
					failures = append(failures, fmt.Sprintf("%s (%s, input %s): %v\n%s", x.arn, x.kind.name, x.input, err, formatHistory(evs)))
					mu.Unlock()
				}
				timeouts.Add(int64(countType(evs, types.HistoryEventTypeActivityTimedOut)))
				lostShell.Add(int64(lostTasks(evs)))
				if strings.HasPrefix(x.kind.name, "crash-activity") {
					retriedTasks.Add(int64(countType(evs, types.HistoryEventTypeActivityScheduled) - 1))
				}
			}
		}()
	}
	for _, x := range execs {
		checks <- x
	}
	close(checks)
	checkers.Wait()
	sort.Strings(failures)
	for i, f := range failures {
		if i == 10 {
			t.Errorf("... and %d more", len(failures)-10)
			break
		}
		t.Error(f)
	}
	if len(failures) > 0 {
		t.Errorf("%d of %d executions are wrong", len(failures), len(execs))
	}
	return checkedExecs{lengths: lengths, timeouts: timeouts.Load(), retriedTasks: retriedTasks.Load(), lostShell: lostShell.Load()}
}

// startCrashHelpers creates the crash activity and runs, until the test
// ends, its workers (n, polling through workers) and the callback
// answerer (through c), all tolerating downtime. It returns their context,
// their stats, and the channel of the callback executions' ARNs (for up to
// executions).
func startCrashHelpers(t *testing.T, c, workers *sfn.Client, n, executions int) (context.Context, *crashStats, chan string) {
	ctx, cancel := context.WithCancel(context.Background())
	var bg sync.WaitGroup
	t.Cleanup(func() {
		cancel()
		bg.Wait()
	})
	st := &crashStats{}
	_, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String(activityName)})
	must(t, err, "CreateActivity")
	for w := range n {
		bg.Add(1)
		go func() {
			defer bg.Done()
			activityWorker(ctx, t, workers, st, fmt.Sprintf("worker-%d", w))
		}()
	}
	callbacks := make(chan string, executions)
	bg.Add(1)
	go func() {
		defer bg.Done()
		answerCallbacks(ctx, t, c, st, callbacks)
	}()
	return ctx, st, callbacks
}

// crashExecs is n executions of kinds, in turn.
func crashExecs(kinds []*crashKind, n int) []*crashExec {
	execs := make([]*crashExec, n)
	for i := range execs {
		k := kinds[i%len(kinds)]
		execs[i] = &crashExec{kind: k, n: i, name: fmt.Sprintf("x%04d", i), input: k.input(i)}
	}
	return execs
}

// startExecs starts every execution with startCrashExec (8 at a time, one
// every pace at most), sending the ARNs of the callback executions to
// callbacks; the channel it returns is closed once all are started.
func startExecs(ctx context.Context, t *testing.T, c *sfn.Client, st *crashStats, execs []*crashExec, pace time.Duration, callbacks chan<- string) <-chan struct{} {
	jobs := make(chan *crashExec)
	var starters sync.WaitGroup
	for range 8 {
		starters.Add(1)
		go func() {
			defer starters.Done()
			for x := range jobs {
				if err := startCrashExec(ctx, c, st, x); err != nil {
					t.Errorf("starting %s (%s): %v", x.name, x.kind.name, err)
					continue
				}
				if strings.HasPrefix(x.kind.name, "crash-callback") {
					callbacks <- x.arn
				}
			}
		}()
	}
	go func() {
		defer close(jobs)
		next := time.Now()
		for _, x := range execs {
			select {
			case <-time.After(time.Until(next)):
			case <-ctx.Done():
				return
			}
			next = next.Add(pace)
			select {
			case jobs <- x:
			case <-ctx.Done():
				return
			}
		}
	}()
	done := make(chan struct{})
	go func() {
		starters.Wait()
		close(done)
	}()
	return done
}

// startCrashExec starts x, retrying while the server is down. A retry must
// return the execution an earlier attempt may have started (same name and
// input), or, if that one has ended already, ExecutionAlreadyExists with an
// execution of the same input.
func startCrashExec(ctx context.Context, c *sfn.Client, st *crashStats, x *crashExec) error {
	var b backoff
	retried := false
	in := &sfn.StartExecutionInput{StateMachineArn: aws.String(x.kind.arn), Name: aws.String(x.name), Input: aws.String(x.input)}
	want := strings.Replace(x.kind.arn, ":stateMachine:", ":execution:", 1) + ":" + x.name
	for ctx.Err() == nil {
		out, err := c.StartExecution(ctx, in)
		if err == nil {
			if got := aws.ToString(out.ExecutionArn); got != want {
				return fmt.Errorf("StartExecution returned %s, want %s", got, want)
			}
			x.arn = want
			if retried {
				st.startSame.Add(1)
			}
			return nil
		}
		if retryable(err, st) {
			if !retried {
				st.startRetries.Add(1)
			}
			retried = true
			b.wait(ctx)
			continue
		}
		var exists *types.ExecutionAlreadyExists
		if !retried || !errors.As(err, &exists) {
			return err
		}
		// An earlier attempt started it and it has ended: it must be ours.
		for ctx.Err() == nil {
			d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(want)})
			if err != nil {
				if retryable(err, st) {
					b.wait(ctx)
					continue
				}
				return fmt.Errorf("ExecutionAlreadyExists on a retried start, then DescribeExecution: %w", err)
			}
			if aws.ToString(d.Input) != x.input {
				return fmt.Errorf("ExecutionAlreadyExists on a retried start, and the execution has input %s, not %s", aws.ToString(d.Input), x.input)
			}
			x.arn = want
			st.startEnded.Add(1)
			return nil
		}
	}
	return ctx.Err()
}

// activityWorker polls for tasks of the crash activity and answers
// {"worked": n}; it outlives server crashes by retrying with a backoff.
func activityWorker(ctx context.Context, t *testing.T, c *sfn.Client, st *crashStats, name string) {
	actArn := arnPrefix + "activity:" + activityName
	var b backoff
	for ctx.Err() == nil {
		task, err := c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: aws.String(actArn), WorkerName: aws.String(name)})
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if !retryable(err, st) {
				t.Errorf("%s: GetActivityTask: %v", name, err)
				return
			}
			b.wait(ctx)
			continue
		}
		b = backoff{}
		if aws.ToString(task.TaskToken) == "" {
			continue
		}
		st.activityTasks.Add(1)
		var in struct {
			N *int `json:"n"`
		}
		if err := json.Unmarshal([]byte(aws.ToString(task.Input)), &in); err != nil || in.N == nil {
			t.Errorf("%s: task input %q has no n (%v)", name, aws.ToString(task.Input), err)
			continue
		}
		out := fmt.Sprintf(`{"worked":%d}`, *in.N)
		sendSuccess(ctx, t, c, st, name, aws.ToString(task.TaskToken), out)
	}
}

// sendSuccess answers a task, retrying while the server is down. Told the
// task is closed after a lost answer, it gives up: the first answer may
// have been stored, or the task timed out meanwhile (then Retry decides).
func sendSuccess(ctx context.Context, t *testing.T, c *sfn.Client, st *crashStats, who, token, output string) bool {
	var b backoff
	retried := false
	for ctx.Err() == nil {
		_, err := c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(output)})
		if err == nil {
			return true
		}
		if retryable(err, st) {
			retried = true
			b.wait(ctx)
			continue
		}
		var closed *types.TaskTimedOut
		if errors.As(err, &closed) && retried {
			st.answersLost.Add(1)
			return true
		}
		if errors.As(err, &closed) {
			// Activity tasks may time out while a worker holds them (the
			// heartbeat timeout); the final check finds any real problem.
			return false
		}
		t.Errorf("%s: SendTaskSuccess(%s): %v", who, output, err)
		return false
	}
	return false
}

// answerCallbacks reads the task tokens of callback executions from their
// histories and answers {"answered": n}, until each is answered.
func answerCallbacks(ctx context.Context, t *testing.T, c *sfn.Client, st *crashStats, arns <-chan string) {
	pending := map[string]bool{}
	var b backoff
	for {
		if len(pending) == 0 {
			select {
			case arn := <-arns:
				pending[arn] = true
			case <-ctx.Done():
				return
			}
		}
	drain:
		for {
			select {
			case arn := <-arns:
				pending[arn] = true
			default:
				break drain
			}
		}
		down := false
		for arn := range pending {
			if ctx.Err() != nil {
				return
			}
			evs, err := history(ctx, c, arn)
			if err != nil {
				if retryable(err, st) {
					down = true
					break
				}
				t.Errorf("callbacks: GetExecutionHistory(%s): %v", arn, err)
				delete(pending, arn)
				continue
			}
			token := callbackToken(t, evs)
			if token == "" {
				continue // not scheduled yet
			}
			n := strings.TrimPrefix(arn[strings.LastIndexByte(arn, ':')+1:], "x")
			for len(n) > 1 && n[0] == '0' {
				n = n[1:]
			}
			if sendSuccess(ctx, t, c, st, "callbacks", token, `{"answered":`+n+`}`) {
				st.callbackAnswers.Add(1)
			} else if ctx.Err() == nil {
				t.Errorf("callbacks: the token of %s, read from its history, was refused", arn)
			}
			delete(pending, arn)
		}
		if down {
			b.wait(ctx)
			continue
		}
		b = backoff{}
		if len(pending) > 0 {
			select { // poll interval for executions not yet at their callback
			case <-ctx.Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
}

// listStatuses is the status of every execution of a state machine, by name.
func listStatuses(ctx context.Context, c *sfn.Client, smArn string) (map[string]types.ExecutionStatus, error) {
	m := map[string]types.ExecutionStatus{}
	in := &sfn.ListExecutionsInput{StateMachineArn: aws.String(smArn), MaxResults: 1000}
	for {
		out, err := c.ListExecutions(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, e := range out.Executions {
			m[aws.ToString(e.Name)] = e.Status
		}
		if aws.ToString(out.NextToken) == "" {
			return m, nil
		}
		in.NextToken = out.NextToken
	}
}

// checkCrashExec checks one execution after the crashes: SUCCEEDED with the
// expected output, a gap-free history, and every transition once.
func checkCrashExec(ctx context.Context, c *sfn.Client, x *crashExec) ([]types.HistoryEvent, error) {
	d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(x.arn)})
	if err != nil {
		return nil, fmt.Errorf("DescribeExecution: %w", err)
	}
	evs, err := history(ctx, c, x.arn)
	if err != nil {
		return nil, fmt.Errorf("GetExecutionHistory: %w", err)
	}
	if d.Status != types.ExecutionStatusSucceeded {
		return evs, fmt.Errorf("status %s (%s: %.300s), want SUCCEEDED", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	if err := sameJSON(aws.ToString(d.Output), x.kind.output(x.n)); err != nil {
		return evs, fmt.Errorf("output: %w", err)
	}
	if err := gapFree(evs); err != nil {
		return evs, err
	}
	if err := onceEach(evs, x.kind); err != nil {
		return evs, err
	}
	return evs, taskOutcomes(evs)
}

func sameJSON(got, want string) error {
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		return fmt.Errorf("%q is not JSON: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		return fmt.Errorf("bad expectation %q: %v", want, err)
	}
	if !reflect.DeepEqual(g, w) {
		return fmt.Errorf("got %s, want %s", got, want)
	}
	return nil
}

// gapFree checks ids 1..N in order, each previousEventId before its event.
func gapFree(evs []types.HistoryEvent) error {
	if len(evs) == 0 {
		return errors.New("empty history")
	}
	for i, e := range evs {
		if e.Id != int64(i+1) {
			return fmt.Errorf("event #%d has id %d, want %d (ids must be 1..N without gaps)", i+1, e.Id, i+1)
		}
		if e.PreviousEventId < 0 || (e.Id > 1 && e.PreviousEventId >= e.Id) {
			return fmt.Errorf("event %d (%s) has previousEventId %d", e.Id, e.Type, e.PreviousEventId)
		}
	}
	return nil
}

// onceEach checks that the execution started and succeeded once, entered
// and left each state as often as the kind says, and has the kind's exact
// event counts.
func onceEach(evs []types.HistoryEvent, k *crashKind) error {
	if evs[0].Type != types.HistoryEventTypeExecutionStarted {
		return fmt.Errorf("the first event is %s, not ExecutionStarted", evs[0].Type)
	}
	if last := evs[len(evs)-1]; last.Type != types.HistoryEventTypeExecutionSucceeded {
		return fmt.Errorf("the last event is %s, not ExecutionSucceeded", last.Type)
	}
	want := map[types.HistoryEventType]int{types.HistoryEventTypeExecutionStarted: 1, types.HistoryEventTypeExecutionSucceeded: 1}
	for typ, n := range k.counts {
		want[typ] = n
	}
	// A built-in task killed with the server fails once with the lost cause
	// and is retried: one more TaskScheduled and TaskFailed per loss. The
	// retry is a new attempt, so a task meant to fail on its first attempt
	// may not fail any more: then one TaskScheduled and TaskFailed fewer.
	lost := lostTasks(evs)
	for typ, n := range want {
		got := countType(evs, typ)
		if lost > 0 && (typ == types.HistoryEventTypeTaskScheduled || typ == types.HistoryEventTypeTaskFailed) {
			if got-lost == n || got-lost == n-want[types.HistoryEventTypeTaskFailed] {
				continue
			}
			return fmt.Errorf("%d %s events with %d lost tasks, want %d more than %d (or the failing first attempt lost)", got, typ, lost, lost, n)
		}
		if got != n {
			return fmt.Errorf("%d %s events, want %d", got, typ, n)
		}
	}
	entered, exited := map[string]int{}, map[string]int{}
	for _, e := range evs {
		if d := e.StateEnteredEventDetails; d != nil {
			entered[aws.ToString(d.Name)]++
		}
		if d := e.StateExitedEventDetails; d != nil {
			exited[aws.ToString(d.Name)]++
		}
	}
	if !reflect.DeepEqual(entered, k.entered) {
		return fmt.Errorf("states entered %v, want %v", entered, k.entered)
	}
	if !reflect.DeepEqual(exited, k.entered) {
		return fmt.Errorf("states exited %v, want %v", exited, k.entered)
	}
	return nil
}

// taskOutcomes checks that each TaskScheduled / ActivityScheduled is
// followed, along its previousEventId chain, by at most one Started and
// exactly one outcome (Succeeded, Failed or TimedOut).
func taskOutcomes(evs []types.HistoryEvent) error {
	byID := make(map[int64]types.HistoryEvent, len(evs))
	for _, e := range evs {
		byID[e.Id] = e
	}
	scheduled := map[int64]bool{}
	outcomes, starts := map[int64][]int64{}, map[int64][]int64{}
	for _, e := range evs {
		typ := string(e.Type)
		family := ""
		switch {
		case strings.HasPrefix(typ, "Task") && !strings.HasPrefix(typ, "TaskState"):
			family = "Task"
		case strings.HasPrefix(typ, "Activity"):
			family = "Activity"
		default:
			continue
		}
		switch strings.TrimPrefix(typ, family) {
		case "Scheduled":
			scheduled[e.Id] = true
			continue
		case "Started", "Succeeded", "Failed", "TimedOut":
		default:
			continue // SubmitFailed, ScheduleFailed... would show in the counts
		}
		// Walk back to the Scheduled event this one belongs to.
		p, hops := e.PreviousEventId, 0
		for ; p > 0 && hops < 4; hops++ {
			pe := byID[p]
			pt := string(pe.Type)
			if pt == family+"Scheduled" {
				break
			}
			if pt != family+"Started" {
				return fmt.Errorf("event %d (%s) follows event %d (%s), not a %sScheduled/%sStarted", e.Id, e.Type, p, pt, family, family)
			}
			p = pe.PreviousEventId
		}
		if !scheduled[p] {
			return fmt.Errorf("event %d (%s) does not follow a %sScheduled event", e.Id, e.Type, family)
		}
		if strings.HasSuffix(typ, "Started") {
			starts[p] = append(starts[p], e.Id)
		} else {
			outcomes[p] = append(outcomes[p], e.Id)
		}
	}
	for id := range scheduled {
		if len(starts[id]) > 1 {
			return fmt.Errorf("%s %d was started %d times (events %v)", byID[id].Type, id, len(starts[id]), starts[id])
		}
		if len(outcomes[id]) != 1 {
			return fmt.Errorf("%s %d has %d outcomes (events %v), want exactly 1", byID[id].Type, id, len(outcomes[id]), outcomes[id])
		}
	}
	return nil
}

// lostTasks counts the TaskFailed events of built-in tasks lost with a
// killed server.
func lostTasks(evs []types.HistoryEvent) int {
	n := 0
	for _, e := range evs {
		if d := e.TaskFailedEventDetails; d != nil && strings.HasPrefix(aws.ToString(d.Cause), "Baton.TaskLost") {
			if aws.ToString(d.Error) != "States.TaskFailed" {
				continue
			}
			n++
		}
	}
	return n
}
