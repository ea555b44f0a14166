package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	neturl "net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/internal/partition"
	"github.com/batonhq/baton/internal/pgtest"
)

// TestClusterPostgres3Nodes runs three nodes of a cluster (--cluster) on
// one PostgreSQL database, node-c's connections through a pgtest.Proxy,
// under a load of executions of the crash test's kinds (shell tasks with
// Retry, Waits, Parallel and Map, activities for a worker polling node-b
// only, callbacks, a pipeline project), a copy of each kind per node so
// that each node owns some, started through random nodes; plus a pipeline
// triggered by the outcomes of one of them and a pipeline scheduled at
// three slots during the run. Meanwhile node-a is killed with SIGKILL (and
// started again), node-b is restarted (SIGTERM), and node-c is cut off from
// the database for longer than its 2 s lease while shell steps of its
// partitions run and executions of its partitions tick every second: it
// must kill those steps and exit non-zero, and the other two finish
// everything. Clients reach the nodes through a front that spreads their
// calls at random over the nodes in service.
//
// Then: every execution succeeds once with a gap-free history and each
// transition once (checkExecs); each cut-off step completed once (it
// counts itself in a file, as in TestPostgresPartition); each schedule slot
// ran once, and no upstream outcome started the triggered pipeline twice.
//
// Fencing: each node names its database connections (application_name =
// its node name, in --store), and the test adds triggers to the database
// that note, in the same transaction, every history event inserted and
// every execution row written (which connection, when: clock_timestamp())
// and every partition lease taken (epoch bump: holder, when). A Commit
// holds its partitions' lease rows FOR SHARE from its first statement to
// its end, so a bump waits for it, and a Commit after a bump sees the new
// epoch and rolls back, its notes with it. Hence the check: every write
// noted for an execution of partition p was made by the node that took p's
// lease last before it. A write of node-c after another node took one of
// its partitions, such as a commit held by the cut and let through when the
// network healed, would break it.
func TestClusterPostgres3Nodes(t *testing.T) {
	const executions = 180
	began := time.Now()
	pg := pgtest.Start(t)
	dsn := pg.NewDatabase(t)
	proxy := pg.NewProxy(t)
	marks := t.TempDir()
	node := func(name, dsn string) *server {
		s := newServerNotStarted(t, "--store", withAppName(t, dsn, name), "--cluster", "--node-name", name, "--lease-timeout", "2s")
		s.args = append(s.args, "--advertise-url", s.url)
		return s
	}
	a, b, c := node("node-a", dsn), node("node-b", dsn), node("node-c", proxy.DSN(dsn))
	a.start() // applies the migrations
	db := auditWrites(t, dsn)
	b.start()
	c.start()
	owners := clusterOwners(t, a, 30*time.Second, "node-a", "node-b", "node-c")

	front := &spread{next: http.DefaultTransport.(*http.Transport).Clone(), up: map[string]bool{}}
	for _, s := range []*server{a, b, c} {
		front.set(s, true)
	}
	cl := newClientVia(a.url, false, front)
	// Activity workers poll node-b only.
	ctx, st, callbacks := startCrashHelpers(t, cl, newClient(b.url, false), 4, executions+10)

	// A copy of each kind for each node, named so that the node owns it.
	var kinds []*crashKind
	for _, k := range crashKinds() {
		for _, n := range []string{"node-a", "node-b", "node-c"} {
			k := *k
			k.name = nameOn(owners, n, k.name)
			if k.project != nil {
				k.project = map[string]string{"data/seed.txt": k.project["data/seed.txt"],
					"pipeline.yaml": strings.Replace(crashPipeline, "name: crash-pipeline\n", "name: "+k.name+"\n", 1)}
				k.arn = deployProjectFiles(t, b, k.project)
				if k.arn != arnPrefix+"stateMachine:"+k.name {
					t.Fatalf("the pipeline %s was deployed as %s", k.name, k.arn)
				}
			} else {
				k.arn = createSM(t, cl, k.name, k.def, smStandard)
			}
			kinds = append(kinds, &k)
		}
	}
	upstream := kinds[len(kinds)-3] // the pipeline project of node-a
	downstream := deployProjectFiles(t, b, map[string]string{"pipeline.yaml": `name: cluster-downstream
trigger:
  executions:
    anyOf: [{name: ` + upstream.name + `}]
` + lostStepRetry + `steps:
  - {name: s, command: ["true"]}
output: "{% {'upstream': $run.trigger.upstream.executionArn} %}"
`})
	// Slots during the restarts and the cut (each a run, once).
	slot0 := time.Now().UTC().Add(6 * time.Second).Truncate(time.Second)
	var slots []time.Time
	var sched strings.Builder
	sched.WriteString("name: cluster-scheduled\ntrigger:\n  schedule:\n")
	for i := range 3 {
		s := slot0.Add(time.Duration(i) * 7 * time.Second)
		slots = append(slots, s)
		fmt.Fprintf(&sched, "    - {cron: \"at(%s)\"}\n", s.Format("2006-01-02T15:04:05"))
	}
	sched.WriteString(lostStepRetry + "steps:\n  - {name: s, script: 'sleep 1'}\n")
	scheduled := deployProjectFiles(t, b, map[string]string{"pipeline.yaml": sched.String()})
	// The steps cut off with node-c: each counts its completed runs in a
	// file of marks.
	marked := &crashKind{name: nameOn(owners, "node-c", "cluster-marked"),
		def: fmt.Sprintf(`{"StartAt":"Step","States":{
			"Step":{"Type":"Task","Resource":"baton:shell","Parameters":{"script":%q,"input.$":"$"},
				"Retry":[`+lostRetry+`],"ResultPath":"$.step","Next":"Done"},
			"Done":{"Type":"Succeed"}}}`,
			fmt.Sprintf(`n=$(cat | tr -dc 0-9); sleep 4; echo done >> %s/$n; echo '{"ok":true}'`, marks)),
		input:   func(n int) string { return fmt.Sprintf(`{"n":%d}`, n) },
		output:  func(n int) string { return fmt.Sprintf(`{"n":%d,"step":{"ok":true}}`, n) },
		entered: map[string]int{"Step": 1, "Done": 1},
		counts:  map[types.HistoryEventType]int{types.HistoryEventTypeTaskSucceeded: 1},
	}
	marked.arn = createSM(t, cl, marked.name, marked.def, smStandard)
	// Executions of node-c ticking every second, out of step: node-c has
	// transitions to commit when it is cut off, held by the cut and let
	// through when it heals, where the fence must refuse them.
	ticker := &crashKind{name: nameOn(owners, "node-c", "cluster-ticker"),
		def: `{"StartAt":"Tick","States":{
			"Tick":{"Type":"Wait","Seconds":1,"Next":"Count"},
			"Count":{"Type":"Pass","Parameters":{"n.$":"$.n","i.$":"States.MathAdd($.i, 1)"},"Next":"More"},
			"More":{"Type":"Choice","Choices":[{"Variable":"$.i","NumericLessThan":8,"Next":"Tick"}],"Default":"Done"},
			"Done":{"Type":"Succeed"}}}`,
		input:   func(n int) string { return fmt.Sprintf(`{"n":%d,"i":0}`, n) },
		output:  func(n int) string { return fmt.Sprintf(`{"n":%d,"i":8}`, n) },
		entered: map[string]int{"Tick": 8, "Count": 8, "More": 8, "Done": 1},
		counts:  map[types.HistoryEventType]int{types.HistoryEventTypeWaitStateEntered: 8},
	}
	ticker.arn = createSM(t, cl, ticker.name, ticker.def, smStandard)

	execs := crashExecs(kinds, executions)
	first := time.Now()
	at := func(d time.Duration) {
		select {
		case <-time.After(time.Until(first.Add(d))):
		case <-ctx.Done():
		}
	}
	startersDone := startExecs(ctx, t, cl, st, execs, 100*time.Millisecond, callbacks)

	// kill -9 of node-a, which comes back a few seconds later.
	at(2 * time.Second)
	a.kill()
	killed := time.Now()
	front.set(a, false)
	t.Logf("node-a killed at %v", time.Since(first).Round(time.Millisecond))
	// The takeover: its session ends with it, and the others take its
	// partitions in their next round (bench/RESULTS.md records this time).
	clusterOwners(t, b, 3500*time.Millisecond, "node-b", "node-c")
	t.Logf("node-b and node-c own every partition %v after the kill -9 of node-a", time.Since(killed).Round(time.Millisecond))
	at(6 * time.Second)
	a.start()
	front.set(a, true)
	t.Logf("node-a back at %v", time.Since(first).Round(time.Millisecond))

	// node-b restarts.
	at(10 * time.Second)
	front.set(b, false)
	b.stop()
	b.start()
	front.set(b, true)
	t.Logf("node-b restarted at %v", time.Since(first).Round(time.Millisecond))

	// node-c is cut off while steps of its partitions run.
	var ticks, cutExecs []*crashExec
	for i := range 10 {
		ticks = append(ticks, &crashExec{kind: ticker, n: 2000 + i, name: fmt.Sprintf("t%02d", i), input: ticker.input(2000 + i)})
	}
	<-startExecs(ctx, t, cl, st, ticks, 100*time.Millisecond, nil)
	for i := range 8 {
		cutExecs = append(cutExecs, &crashExec{kind: marked, n: 1000 + i, name: fmt.Sprintf("m%02d", i), input: marked.input(1000 + i)})
	}
	for _, x := range cutExecs {
		must(t, startCrashExec(ctx, cl, st, x), "starting "+x.name)
	}
	waitFor(t, 30*time.Second, "the steps of node-c to start", func() (bool, string) {
		for _, x := range cutExecs {
			evs, err := history(ctx, cl, x.arn)
			if err != nil {
				return false, err.Error()
			}
			if countType(evs, types.HistoryEventTypeTaskStarted) == 0 {
				return false, x.name + " has no TaskStarted"
			}
		}
		return true, ""
	})
	cOwners := clusterOwners(t, a, time.Second)
	for _, k := range []*crashKind{marked, ticker} {
		if o := cOwners[partition.Of(k.arn)]; o != "node-c" {
			t.Fatalf("the partition of %s is owned by %q, not node-c", k.name, o)
		}
	}
	front.set(c, false)
	cut := time.Now()
	proxy.Freeze()
	t.Logf("node-c cut off at %v", cut.Sub(first).Round(time.Millisecond))
	c.waitLogged(30*time.Second, stoppingLost)
	clusterOwners(t, a, 30*time.Second, "node-a", "node-b")
	t.Logf("node-a and node-b own every partition %v after the cut", time.Since(cut).Round(time.Millisecond))
	proxy.Thaw()
	c.waitFailed(60 * time.Second)
	t.Logf("node-c exited %v after the cut: %v", time.Since(cut).Round(time.Millisecond), c.exitErr())
	// Checked at the end, even when other checks failed first (a late
	// write may well leave an execution stuck).
	defer checkFencing(t, db, c)

	select {
	case <-startersDone:
	case <-time.After(90 * time.Second):
		t.Fatal("not every execution was started within 90 s of the cut")
	}
	if t.Failed() {
		return
	}
	all := append(slices.Clone(kinds), marked, ticker)
	waitEnded(t, ctx, cl, all, 90*time.Second)
	t.Logf("all ended %v after the first start", time.Since(first).Round(time.Millisecond))
	checkExecs(t, ctx, cl, slices.Concat(execs, ticks, cutExecs))
	for _, x := range cutExecs {
		data, err := os.ReadFile(filepath.Join(marks, fmt.Sprint(x.n)))
		if err != nil {
			t.Errorf("the step of %s never completed: %v", x.name, err)
			continue
		}
		if n := strings.Count(string(data), "done"); n != 1 {
			t.Errorf("the step of %s completed %d times, want once", x.name, n)
		}
	}
	checkSchedule(t, ctx, cl, scheduled, slots)
	checkTriggered(t, ctx, cl, upstream.arn, downstream)
	t.Logf("stats: %d calls failed while a node was down, %d 5xx answers; %d starts retried; %d activity tasks taken; %d callbacks answered; total %v",
		st.transportErrs.Load(), st.serverErrs.Load(), st.startRetries.Load(), st.activityTasks.Load(), st.callbackAnswers.Load(),
		time.Since(began).Round(time.Millisecond))
}

// withAppName is dsn naming its connections app (application_name).
func withAppName(t *testing.T, dsn, app string) string {
	u, err := neturl.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("application_name", app)
	u.RawQuery = q.Encode()
	return u.String()
}

// spread sends each request to one of the live nodes at random, as a load
// balancer with readiness checks would.
type spread struct {
	next http.RoundTripper
	mu   sync.Mutex
	up   map[string]bool // host -> in the rotation
}

func (s *spread) set(srv *server, up bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.up[srv.addr] = up
}

func (s *spread) RoundTrip(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	var hosts []string
	for h, up := range s.up {
		if up {
			hosts = append(hosts, h)
		}
	}
	s.mu.Unlock()
	r = r.Clone(r.Context())
	r.URL.Host = hosts[rand.IntN(len(hosts))]
	r.Host = r.URL.Host
	return s.next.RoundTrip(r)
}

// clusterOwners waits up to d until the nodes named (none: any) own every
// partition between them, each some, as GET /api/v1/cluster on srv says,
// and returns the owner of each partition.
func clusterOwners(t *testing.T, srv *server, d time.Duration, nodes ...string) map[int]string {
	t.Helper()
	var v struct {
		Partitions []struct {
			Partition int    `json:"partition"`
			Owner     string `json:"owner"`
		} `json:"partitions"`
	}
	waitFor(t, d, fmt.Sprintf("the partitions to spread over %v", nodes), func() (bool, string) {
		resp, err := http.Get(srv.url + "/api/v1/cluster")
		if err != nil {
			return false, err.Error()
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
			return false, err.Error()
		}
		count := map[string]int{}
		for _, p := range v.Partitions {
			count[p.Owner]++
		}
		if len(nodes) == 0 {
			return len(v.Partitions) == partition.Count, fmt.Sprint(count)
		}
		for _, n := range nodes {
			if count[n] == 0 {
				return false, fmt.Sprint(count)
			}
		}
		return len(v.Partitions) == partition.Count && len(count) == len(nodes), fmt.Sprint(count)
	})
	out := map[int]string{}
	for _, p := range v.Partitions {
		out[p.Partition] = p.Owner
	}
	return out
}

// nameOn is a state machine name starting with prefix whose partition
// node owns.
func nameOn(owners map[int]string, node, prefix string) string {
	for i := 0; ; i++ {
		name := fmt.Sprintf("%s-%d", prefix, i)
		if owners[partition.Of(arnPrefix+"stateMachine:"+name)] == node {
			return name
		}
	}
}

// auditWrites adds to the database (migrated) the notes checkFencing
// reads: e2e_writes, a row per history event inserted and per execution
// row written, with the connection's application_name and the time;
// e2e_member_writes, the same for the cursors, state and intents the
// event bus's members store (consumer "triggers@07" is partition 7's);
// e2e_leases, a row per partition lease taken (epoch bumped), starting
// with the leases held now. It returns a connection for the checks.
func auditWrites(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	db, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close(context.Background()) })
	_, err = db.Exec(ctx, `BEGIN;
		CREATE TABLE e2e_writes (app TEXT, execution_id BIGINT, what TEXT, at TIMESTAMPTZ);
		CREATE TABLE e2e_leases (part INTEGER, epoch BIGINT, holder TEXT, at TIMESTAMPTZ);
		CREATE TABLE e2e_member_writes (app TEXT, consumer TEXT, what TEXT, at TIMESTAMPTZ);
		CREATE FUNCTION e2e_note_member() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF NEW.consumer LIKE '%@__' THEN
				INSERT INTO e2e_member_writes VALUES (current_setting('application_name'), NEW.consumer, TG_TABLE_NAME, clock_timestamp());
			END IF;
			RETURN NULL;
		END $$;
		CREATE TRIGGER e2e_cursors AFTER INSERT OR UPDATE ON consumer_cursors FOR EACH ROW EXECUTE FUNCTION e2e_note_member();
		CREATE TRIGGER e2e_state AFTER INSERT OR UPDATE ON consumer_state FOR EACH ROW EXECUTE FUNCTION e2e_note_member();
		CREATE TRIGGER e2e_intents AFTER INSERT ON intents FOR EACH ROW EXECUTE FUNCTION e2e_note_member();
		CREATE FUNCTION e2e_note_write() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF TG_TABLE_NAME = 'history' THEN
				INSERT INTO e2e_writes VALUES (current_setting('application_name'), NEW.execution_id, NEW.type, clock_timestamp());
			ELSE
				INSERT INTO e2e_writes VALUES (current_setting('application_name'), NEW.id, 'execution ' || NEW.status, clock_timestamp());
			END IF;
			RETURN NULL;
		END $$;
		CREATE FUNCTION e2e_note_lease() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			INSERT INTO e2e_leases VALUES (NEW.part, NEW.epoch, NEW.holder, clock_timestamp());
			RETURN NULL;
		END $$;
		CREATE TRIGGER e2e_history AFTER INSERT ON history FOR EACH ROW EXECUTE FUNCTION e2e_note_write();
		CREATE TRIGGER e2e_executions AFTER INSERT OR UPDATE ON executions FOR EACH ROW EXECUTE FUNCTION e2e_note_write();
		CREATE TRIGGER e2e_leases AFTER UPDATE ON partition_leases FOR EACH ROW WHEN (NEW.epoch <> OLD.epoch) EXECUTE FUNCTION e2e_note_lease();
		INSERT INTO e2e_leases SELECT part, epoch, holder, clock_timestamp() FROM partition_leases;
		COMMIT`)
	if err != nil {
		t.Fatalf("adding the audit triggers: %v", err)
	}
	return db
}

// checkFencing checks the notes of auditWrites: each write of an
// execution of partition p was made by the node that took p's lease last
// before it.
func checkFencing(t *testing.T, db *pgx.Conn, cut *server) {
	t.Helper()
	ctx := context.Background()
	type lease struct {
		holder string
		at     time.Time
	}
	leases := map[int][]lease{}
	rows, err := db.Query(ctx, `SELECT part, holder, at FROM e2e_leases ORDER BY at`)
	must(t, err, "reading e2e_leases")
	var l lease
	var p int
	_, err = pgx.ForEachRow(rows, []any{&p, &l.holder, &l.at}, func() error {
		leases[p] = append(leases[p], l)
		return nil
	})
	must(t, err, "reading e2e_leases")
	var bad []string
	// check notes a write to partition p by app at when p's lease was
	// another node's.
	check := func(app, what string, p int, at time.Time) {
		ls := leases[p]
		i := sort.Search(len(ls), func(i int) bool { return !ls[i].at.Before(at) }) - 1
		if i < 0 || ls[i].holder != app {
			holder := "nobody"
			if i >= 0 {
				holder = fmt.Sprintf("%s since %s", ls[i].holder, ls[i].at.Format(time.TimeOnly+".000000"))
			}
			bad = append(bad, fmt.Sprintf("%s wrote %s (partition %d) at %s, when its lease was %s's",
				app, what, p, at.Format(time.TimeOnly+".000000"), holder))
		}
	}
	rows, err = db.Query(ctx, `SELECT w.app, e.arn, w.what, w.at FROM e2e_writes w JOIN executions e ON e.id = w.execution_id ORDER BY w.at`)
	must(t, err, "reading e2e_writes")
	var app, arn, what string
	var at time.Time
	writes, byApp := 0, map[string]int{}
	_, err = pgx.ForEachRow(rows, []any{&app, &arn, &what, &at}, func() error {
		writes++
		byApp[app]++
		check(app, what+" of "+arn, partition.Of(arn), at)
		return nil
	})
	must(t, err, "reading e2e_writes")
	rows, err = db.Query(ctx, `SELECT app, consumer, what, at FROM e2e_member_writes ORDER BY at`)
	must(t, err, "reading e2e_member_writes")
	var consumer string
	members := map[string]int{}
	_, err = pgx.ForEachRow(rows, []any{&app, &consumer, &what, &at}, func() error {
		name, p, _ := strings.Cut(consumer, "@")
		n, err := strconv.Atoi(p)
		if err != nil {
			return fmt.Errorf("member %q: %w", consumer, err)
		}
		members[name]++
		check(app, what+" of "+consumer, n, at)
		return nil
	})
	must(t, err, "reading e2e_member_writes")
	for i, s := range bad {
		if i == 10 {
			t.Errorf("... and %d more", len(bad)-10)
			break
		}
		t.Error(s)
	}
	bumps := 0
	for _, ls := range leases {
		bumps += len(ls) - 1
	}
	fenced := strings.Count(cut.logs.String(), "a commit was fenced")
	t.Logf("fencing: %d writes by node %v and writes of the bus's members %v, %d not by their partition's holder of the time, over %d lease changes; node-c's log names %d fenced commits",
		writes, byApp, members, len(bad), bumps, fenced)
}

// checkSchedule checks that each slot of the scheduled pipeline ran once
// and succeeded.
func checkSchedule(t *testing.T, ctx context.Context, c *sfn.Client, smArn string, slots []time.Time) {
	t.Helper()
	var statuses map[string]types.ExecutionStatus
	waitFor(t, time.Until(slots[len(slots)-1].Add(30*time.Second)), "a run per slot, ended", func() (bool, string) {
		var err error
		statuses, err = listStatuses(ctx, c, smArn)
		if err != nil {
			return false, err.Error()
		}
		for _, s := range statuses {
			if s == types.ExecutionStatusRunning {
				return false, fmt.Sprint(statuses)
			}
		}
		return len(statuses) >= len(slots), fmt.Sprint(statuses)
	})
	if len(statuses) != len(slots) {
		t.Errorf("%d scheduled runs (%v), want one per slot (%d)", len(statuses), statuses, len(slots))
	}
	for _, s := range slots {
		var runs []string
		for name, status := range statuses {
			if strings.HasSuffix(name, s.Format("-20060102T150405Z")) {
				runs = append(runs, name+" "+string(status))
			}
		}
		if len(runs) != 1 || !strings.HasSuffix(runs[0], " SUCCEEDED") {
			t.Errorf("slot %s ran as %v, want once, SUCCEEDED", s.Format(time.TimeOnly), runs)
		}
	}
}

// checkTriggered checks the pipeline triggered by the outcomes of
// upstream's runs: each of its runs stands for a different upstream run
// (no outcome started it twice), and one stands for the upstream run that
// ended last (the last outcome was not lost).
func checkTriggered(t *testing.T, ctx context.Context, c *sfn.Client, upstream, downstream string) {
	t.Helper()
	var last string
	var lastStop time.Time
	in := &sfn.ListExecutionsInput{StateMachineArn: aws.String(upstream), MaxResults: 1000}
	ups, err := c.ListExecutions(ctx, in)
	must(t, err, "ListExecutions of the upstream pipeline")
	for _, e := range ups.Executions {
		if s := aws.ToTime(e.StopDate); s.After(lastStop) {
			last, lastStop = aws.ToString(e.ExecutionArn), s
		}
	}
	var seen map[string]string
	waitFor(t, 30*time.Second, "a run of the triggered pipeline for the last upstream run "+last, func() (bool, string) {
		seen = map[string]string{}
		l, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(downstream), MaxResults: 1000})
		if err != nil {
			return false, err.Error()
		}
		for _, e := range l.Executions {
			if e.Status == types.ExecutionStatusRunning {
				return false, "a run is RUNNING"
			}
			d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: e.ExecutionArn})
			if err != nil {
				return false, err.Error()
			}
			var out struct{ Upstream string }
			if err := json.Unmarshal([]byte(aws.ToString(d.Output)), &out); err != nil || d.Status != types.ExecutionStatusSucceeded {
				t.Fatalf("triggered run %s: %s (%s: %.300s), output %s", aws.ToString(e.Name), d.Status, aws.ToString(d.Error), aws.ToString(d.Cause), aws.ToString(d.Output))
			}
			if other, ok := seen[out.Upstream]; ok {
				t.Fatalf("the outcome of %s started two runs: %s and %s", out.Upstream, other, aws.ToString(e.Name))
			}
			seen[out.Upstream] = aws.ToString(e.Name)
		}
		_, ok := seen[last]
		return ok, fmt.Sprintf("%d runs", len(seen))
	})
	t.Logf("the triggered pipeline ran %d times for %d upstream runs", len(seen), len(ups.Executions))
}
