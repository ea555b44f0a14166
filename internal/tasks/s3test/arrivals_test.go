package s3test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/batonhq/baton/internal/events"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlite"
)

// starts records the runs a data trigger starts, once per name.
type starts struct {
	mu   sync.Mutex
	runs []events.RunRequest
	seen map[string]bool
}

func (s *starts) Start(_ context.Context, r events.RunRequest) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.seen[r.Name] {
		s.seen[r.Name] = true
		s.runs = append(s.runs, r)
	}
	return nil
}

func (s *starts) Stop(context.Context, string, string) error { return nil }

func (s *starts) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.runs)
}

// TestDataTriggerS3: a pipeline watching a prefix of a bucket on the real
// S3 gateway. The rescan is an hour: only a bucket notification makes the
// consumer list. An object there at the deployment does not count; a new
// one starts one run listing it; the same bytes put again (same key and
// ETag) start nothing; new bytes under the key (a new ETag) start another
// run; a notification with nothing new (what a forged post amounts to)
// starts nothing.
func TestDataTriggerS3(t *testing.T) {
	ctx := t.Context()
	c := client()
	put := func(key, body string) {
		t.Helper()
		if _, err := c.PutObject(ctx, bucket, key, strings.NewReader(body), int64(len(body)), minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	put("arrivals/old.csv", "there before")
	time.Sleep(1100 * time.Millisecond) // S3 lists times to the second: the deployment is in a later one
	st, err := sqlite.Open(t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	arn := "arn:aws:states:us-east-1:123456789012:stateMachine:sales"
	if err := st.CreateStateMachine(ctx, &store.StateMachine{Arn: arn, Name: "sales", Language: "pipeline", Type: store.TypeStandard,
		RevisionID: "r1", CreatedAt: time.Now(), UpdatedAt: time.Now(),
		Definition: "name: sales\ntrigger:\n  data:\n    - {path: \"s3://" + bucket + "/arrivals/*.csv\", connection: lake}\nsteps:\n  - {name: a, command: [echo]}\n"}); err != nil {
		t.Fatal(err)
	}
	r := resolver(t)
	rec := &starts{seen: map[string]bool{}}
	bus := events.New(st, events.Options{})
	arr := events.NewArrivals(events.ArrivalOptions{Store: st, Starter: rec, Bus: bus, Region: "us-east-1", DefaultAccount: "123456789012",
		S3Rescan: time.Hour, List: func(ctx context.Context, path, conn string) ([]events.Object, error) {
			objs, err := r.ListObjects(ctx, path, conn)
			out := make([]events.Object, len(objs))
			for i, o := range objs {
				out[i] = events.Object{URL: o.URL, ETag: o.ETag, Size: o.Size, Modified: o.Modified, Changed: o.Changed}
			}
			return out, err
		}})
	bus.Register(arr.Consumer())
	bctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); bus.Run(bctx) }()
	t.Cleanup(func() { cancel(); <-done })

	// waitRuns waits until the consumer has listed after now, then
	// checks the runs.
	waitRuns := func(want int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for rec.count() < want && time.Now().Before(deadline) {
			arr.NotifyBucket(bucket)
			time.Sleep(50 * time.Millisecond) // polling, with the deadline above
		}
		// Listed again and again: no more than want.
		for range 4 {
			arr.NotifyBucket(bucket)
			time.Sleep(300 * time.Millisecond) // past the gap between notified listings
		}
		if n := rec.count(); n != want {
			t.Fatalf("want %d runs, got %d: %+v", want, n, rec.runs)
		}
	}
	waitRuns(0) // the baseline: old.csv was there
	put("arrivals/sales.csv", "region,amount\nnorth,1\n")
	put("arrivals/notes.txt", "not matched")
	put("other/sales.csv", "another prefix")
	waitRuns(1)
	var in struct {
		Objects []struct {
			URL  string `json:"url"`
			Size int64  `json:"size"`
			ETag string `json:"etag"`
		} `json:"objects"`
	}
	if err := json.Unmarshal([]byte(rec.runs[0].Input), &in); err != nil {
		t.Fatal(err)
	}
	if len(in.Objects) != 1 || in.Objects[0].URL != "s3://"+bucket+"/arrivals/sales.csv" || in.Objects[0].Size != 22 ||
		in.Objects[0].ETag != md5hex([]byte("region,amount\nnorth,1\n")) {
		t.Fatalf("the run's input: %s", rec.runs[0].Input)
	}
	put("arrivals/sales.csv", "region,amount\nnorth,1\n") // the same ETag
	waitRuns(1)
	put("arrivals/sales.csv", "region,amount\nsouth,2\n") // new content
	waitRuns(2)

	// The arrivals are Object Created events in S3's form.
	var evs []string
	for p := 0; p < store.OutboxPartitions; p++ {
		got, err := st.ReadOutbox(ctx, p, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range got {
			evs = append(evs, string(ev.Body))
		}
	}
	if len(evs) != 2 || !strings.Contains(evs[0], `"source":"aws.s3"`) || !strings.Contains(evs[0], `"bucket":{"name":"landing"}`) ||
		!strings.Contains(evs[0], `"key":"arrivals/sales.csv"`) || !strings.Contains(evs[0], `"resources":["arn:aws:s3:::landing"]`) {
		t.Fatalf("want two Object Created events, got %v", evs)
	}
}
