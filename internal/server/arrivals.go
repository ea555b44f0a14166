package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/events"
	"github.com/batonhq/baton/internal/server/native"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/tasks"
)

// ArrivalsConfig tunes the watching of pipelines' data triggers; zero
// values take the defaults of package events (see docs/server.md).
type ArrivalsConfig struct {
	DirRescan, S3Rescan, Settle, Lookback time.Duration
}

// arrivalOptions configure the consumer of data triggers: it lists
// locations with the wait_for step's listing.
func arrivalOptions(cfg Config, st store.Store, bus *events.Bus, resolver *tasks.Resolver, region, account string) events.ArrivalOptions {
	a := cfg.Arrivals
	return events.ArrivalOptions{Store: st, Bus: bus, Region: region, DefaultAccount: account, Log: cfg.Log,
		DirRescan: a.DirRescan, S3Rescan: a.S3Rescan, Settle: a.Settle, Lookback: a.Lookback, MaxInputBytes: cfg.MaxPayloadBytes,
		List: func(ctx context.Context, path, connection string) ([]events.Object, error) {
			objs, err := resolver.ListObjects(ctx, path, connection)
			out := make([]events.Object, len(objs))
			for i, o := range objs {
				out[i] = events.Object{URL: o.URL, ETag: o.ETag, Size: o.Size, Modified: o.Modified, Changed: o.Changed}
			}
			return out, err
		}}
}

// Bounds of a bucket notification.
const (
	// maxNotificationBytes bounds its body: MinIO posts one record at a
	// time, S3's format a few.
	maxNotificationBytes = 1 << 20
	// maxNotifiedBuckets bounds the buckets one notification wakes.
	maxNotifiedBuckets = 100
)

// bucketNotifications serves POST /api/v1/events/s3: bucket notifications
// in MinIO's webhook format (S3's event records, with EventName and Key).
// A notification only wakes the watches of its buckets: the listing that
// follows says what arrived, so a forged post cannot start anything with
// objects that are not there.
type bucketNotifications struct {
	arrivals interface{ NotifyBucket(bucket string) } // *events.Arrivals
}

// notification is what is read of a posted notification.
type notification struct {
	Key     string `json:"Key"` // MinIO: "bucket/key"
	Records []struct {
		S3 struct {
			Bucket struct {
				Name string `json:"name"`
			} `json:"bucket"`
		} `json:"s3"`
	} `json:"Records"`
}

func (b bucketNotifications) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodPost:
	case http.MethodHead, http.MethodGet:
		// MinIO checks that a webhook target answers before it sends.
		w.WriteHeader(http.StatusOK)
		return
	default:
		w.Header().Set("Allow", "POST, HEAD, GET")
		native.WriteError(w, http.StatusMethodNotAllowed, native.CodeMethodNotAllowed, "post bucket notifications to /api/v1/events/s3")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxNotificationBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			native.WriteError(w, http.StatusRequestEntityTooLarge, apierr.ValidationException,
				fmt.Sprintf("a bucket notification is at most %d bytes: configure the bucket to post one event at a time", maxNotificationBytes))
			return
		}
		native.WriteError(w, http.StatusBadRequest, apierr.Serialization, "cannot read the notification: "+err.Error())
		return
	}
	var n notification
	if err := json.Unmarshal(body, &n); err != nil {
		native.WriteError(w, http.StatusBadRequest, apierr.Serialization, "a bucket notification is a JSON object with Records (MinIO's webhook or S3's event format): "+err.Error())
		return
	}
	buckets := map[string]bool{}
	for _, rec := range n.Records {
		if name := rec.S3.Bucket.Name; name != "" {
			buckets[name] = true
		}
	}
	if bucket, _, ok := strings.Cut(n.Key, "/"); ok && bucket != "" {
		buckets[bucket] = true
	}
	if len(buckets) == 0 {
		native.WriteError(w, http.StatusBadRequest, apierr.ValidationException,
			"the notification names no bucket: want Records[].s3.bucket.name (or MinIO's Key, bucket/key)")
		return
	}
	if len(buckets) > maxNotifiedBuckets {
		native.WriteError(w, http.StatusBadRequest, apierr.ValidationException,
			fmt.Sprintf("the notification names %d buckets; at most %d", len(buckets), maxNotifiedBuckets))
		return
	}
	for name := range buckets {
		b.arrivals.NotifyBucket(name)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_, _ = w.Write([]byte("{}\n"))
}

// explainer is the triggers consumer whose explanations hold the state
// of the data triggers too, which the arrivals consumer keeps.
type explainer struct {
	triggerConsumer
	arrivals arrivalConsumer
}

func (e explainer) Explain(ctx context.Context, arn string, now time.Time) (*events.Explanation, error) {
	ex, err := e.triggerConsumer.Explain(ctx, arn, now)
	if err != nil {
		return nil, err
	}
	data, summary, err := e.arrivals.Explain(ctx, arn)
	if err != nil {
		return nil, err
	}
	ex.Data = data
	ex.Summary = append(ex.Summary, summary...)
	return ex, nil
}
