package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/batonhq/baton/internal/pgtest"
)

// stoppingLost is what a server that lost its lease logs as it stops.
const stoppingLost = "stopping: this server may no longer hold"

// TestPostgresPartition cuts the active server off from PostgreSQL (its
// connections stay open but carry nothing, as in a network partition) for
// longer than --lease-timeout, while its shell steps run. It must stop its
// steps at once and exit; the standby must take over and finish every
// execution; and no step may complete twice: each step's command counts
// its completed runs in a file, and every count must be 1.
func TestPostgresPartition(t *testing.T) {
	pg := pgtest.Start(t)
	dsn := pg.NewDatabase(t)
	proxy := pg.NewProxy(t)
	marks := t.TempDir()
	a := newServer(t, "--store", proxy.DSN(dsn), "--lease-timeout", "2s")
	b := newServerNotStarted(t, "--store", dsn, "--lease-timeout", "2s")
	b.launch()
	waitFor(t, 30*time.Second, "the second server to wait as a standby", func() (bool, string) {
		return strings.Contains(b.logs.String(), "standby:"), "its log says nothing yet"
	})

	ca, cb := newClient(a.url, true), newClient(b.url, true)
	ctx := context.Background()
	// Each run of the step sleeps, then counts itself done in its file.
	script := fmt.Sprintf(`n=$(cat | tr -dc 0-9); sleep 4; echo done >> %s/$n; echo '{"ok":true}'`, marks)
	def := fmt.Sprintf(`{"StartAt":"Step","States":{
		"Step":{"Type":"Task","Resource":"baton:shell","Parameters":{"script":%q,"input.$":"$"},
			"Retry":[`+lostRetry+`],"ResultPath":"$.step","Next":"Done"},
		"Done":{"Type":"Succeed"}}}`, script)
	arn := createSM(t, ca, "partition", def, types.StateMachineTypeStandard)
	const n = 20
	var execs []string
	for i := range n {
		out, err := ca.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn),
			Name: aws.String(fmt.Sprint("p", i)), Input: aws.String(fmt.Sprintf(`{"n":%d}`, i))})
		must(t, err, "StartExecution")
		execs = append(execs, *out.ExecutionArn)
	}
	// Cut the active server off while its steps run.
	waitFor(t, 20*time.Second, "the last execution's step to start on the active server", func() (bool, string) {
		evs, err := history(ctx, ca, execs[n-1])
		if err != nil {
			return false, err.Error()
		}
		return countType(evs, types.HistoryEventTypeTaskStarted) > 0, "no TaskStarted yet"
	})
	cut := time.Now()
	proxy.Freeze()
	b.waitReady(60 * time.Second)
	t.Logf("the standby took over %v after the cut", time.Since(cut).Round(time.Millisecond))
	a.waitLogged(30*time.Second, stoppingLost)
	proxy.Thaw()
	a.waitFailed(60 * time.Second)

	for _, x := range execs {
		out := waitStatus(t, cb, x, 60*time.Second)
		if out.Status != types.ExecutionStatusSucceeded {
			t.Errorf("%s: %s", x, out.Status)
		}
		evs, err := history(ctx, cb, x)
		must(t, err, "GetExecutionHistory")
		for i, e := range evs {
			if e.Id != int64(i+1) {
				t.Fatalf("%s: event %d has id %d: a gap", x, i, e.Id)
			}
		}
		if got := countType(evs, types.HistoryEventTypeTaskSucceeded); got != 1 {
			t.Errorf("%s: %d TaskSucceeded events, want 1:\n%s", x, got, formatHistory(evs))
		}
	}
	for i := range n {
		data, err := os.ReadFile(filepath.Join(marks, fmt.Sprint(i)))
		if err != nil {
			t.Errorf("step of p%d never completed: %v", i, err)
			continue
		}
		if c := strings.Count(string(data), "done"); c != 1 {
			t.Errorf("step of p%d completed %d times, want once", i, c)
		}
	}
}
