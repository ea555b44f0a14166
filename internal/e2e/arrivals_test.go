package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// TestDataTriggerDirectory: a pipeline watching a real directory on the
// real server. A file there before the deployment starts nothing; a file
// landing starts one run whose input lists it and whose first step runs
// within moments (fsnotify wakes the consumer; the rescan is 10 s);
// baton triggers explain shows the watch; files landing as the server is
// killed (kill -9) each start one run after the restart, and none two. It
// measures the time from a file landing to the first step's command
// running: BATON_ARRIVAL_DROPS=N lands N files (default 5) and logs the
// median and the slowest.
func TestDataTriggerDirectory(t *testing.T) {
	srv := newServer(t)
	c := newClient(srv.url, true)
	ctx := context.Background()
	in := t.TempDir()
	must(t, os.WriteFile(filepath.Join(in, "old.csv"), []byte("there before"), 0o644), "write old.csv")
	time.Sleep(10 * time.Millisecond) // the deployment comes after old.csv, on the real clock
	sm := deployProjectFiles(t, srv, map[string]string{"pipeline.yaml": `name: sales
trigger:
  data:
    - path: "file://` + in + `/*.csv"
steps:
  - name: first
    script: echo "ns=$(date +%s%N)" > "$BATON_OUTPUT"
output: "{% {'objects': $input.objects, 'trigger': $run.trigger.type, 'started': $steps.first.output.ns} %}"
`})
	runs := func() []types.ExecutionListItem {
		l, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm), MaxResults: 1000})
		must(t, err, "ListExecutions")
		return l.Executions
	}
	// The watch is taken before the files land: its baseline comes from the
	// deployment's time, not from when the consumer first lists.
	drops := 5
	if n, err := strconv.Atoi(os.Getenv("BATON_ARRIVAL_DROPS")); err == nil && n > 0 {
		drops = n
	}
	var lat []time.Duration
	for i := range drops {
		name := fmt.Sprintf("sales-%03d.csv", i)
		tmp := filepath.Join(in, "."+name)
		must(t, os.WriteFile(tmp, []byte("region,amount\nnorth,1\n"), 0o644), "write")
		landed := time.Now()
		must(t, os.Rename(tmp, filepath.Join(in, name)), "rename")
		var out struct {
			Objects []struct {
				URL  string `json:"url"`
				Size int64  `json:"size"`
			} `json:"objects"`
			Trigger string `json:"trigger"`
			Started string `json:"started"`
		}
		waitFor(t, 8*time.Second, name+" starting a run", func() (bool, string) {
			r := runs()
			if len(r) != i+1 || r[0].Status != types.ExecutionStatusSucceeded {
				return false, fmt.Sprint(len(r), " runs")
			}
			d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: r[0].ExecutionArn})
			must(t, err, "DescribeExecution")
			must(t, json.Unmarshal([]byte(aws.ToString(d.Output)), &out), "the run's output")
			return true, ""
		})
		if len(out.Objects) != 1 || out.Objects[0].URL != "file://"+in+"/"+name || out.Objects[0].Size != 22 || out.Trigger != "data" {
			t.Fatalf("run %d: the input lists %+v (trigger %q), want %s", i, out.Objects, out.Trigger, name)
		}
		ns, err := strconv.ParseInt(out.Started, 10, 64)
		must(t, err, "the first step's start")
		lat = append(lat, time.Unix(0, ns).Sub(landed))
	}
	slices.Sort(lat)
	t.Logf("from a file landing to the first step: median %v, slowest %v over %d files", lat[len(lat)/2].Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond), len(lat))

	// "Why didn't it run?": the watched location, nothing waiting.
	if out, _ := baton(t, srv, "triggers", "explain", "sales"); !strings.Contains(out, "data file://"+in+"/*.csv (batch 1)") ||
		!strings.Contains(out, "waiting: nothing") {
		t.Fatalf("baton triggers explain:\n%s", out)
	}

	// A forged bucket notification is refused or wakes a listing only.
	resp, err := http.Post(srv.url+"/api/v1/events/s3", "application/json", strings.NewReader(`{"Records":[{"s3":{"bucket":{"name":"landing"},"object":{"key":"x.csv","eTag":"1"}}}]}`))
	must(t, err, "POST /api/v1/events/s3")
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("a bucket notification: %d", resp.StatusCode)
	}
	resp, err = http.Post(srv.url+"/api/v1/events/s3", "application/json", strings.NewReader(`[]`))
	must(t, err, "POST /api/v1/events/s3")
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("not a notification: %d, want 400", resp.StatusCode)
	}

	// Files landing while the server is killed (kill -9) start one run
	// each, after the restart, and no file starts two.
	for i := range 10 {
		name := fmt.Sprintf("burst-%02d.csv", i)
		must(t, os.WriteFile(filepath.Join(in, "."+name), []byte("x"), 0o644), "write")
		must(t, os.Rename(filepath.Join(in, "."+name), filepath.Join(in, name)), "rename")
	}
	srv.kill()
	srv.start()
	waitFor(t, execTimeout, "a run for each file", func() (bool, string) {
		n := len(runs())
		return n >= drops+10, fmt.Sprint(n, " runs")
	})
	time.Sleep(500 * time.Millisecond) // a moment for a wrong start to show
	seen := map[string]int{}
	for _, r := range runs() {
		d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: r.ExecutionArn})
		must(t, err, "DescribeExecution")
		var in struct {
			Objects []struct {
				URL string `json:"url"`
			} `json:"objects"`
		}
		must(t, json.Unmarshal([]byte(aws.ToString(d.Input)), &in), "a run's input")
		for _, o := range in.Objects {
			seen[o.URL]++
		}
	}
	if len(seen) != drops+10 {
		t.Fatalf("want %d files in the runs' inputs, got %d: %v", drops+10, len(seen), seen)
	}
	for u, n := range seen {
		if n != 1 {
			t.Fatalf("%s started %d runs", u, n)
		}
	}
}
