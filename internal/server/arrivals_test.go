package server

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
)

// woken records the buckets a notification wakes.
type woken struct {
	mu      sync.Mutex
	buckets []string
}

func (w *woken) NotifyBucket(b string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buckets = append(w.buckets, b)
}

// minioEvent is a notification as MinIO's webhook target posts it.
const minioEvent = `{"EventName":"s3:ObjectCreated:Put","Key":"landing/sales/a.csv","Records":[{"eventVersion":"2.0","eventSource":"minio:s3",
"eventName":"s3:ObjectCreated:Put","s3":{"s3SchemaVersion":"1.0","bucket":{"name":"landing","arn":"arn:aws:s3:::landing"},
"object":{"key":"sales%2Fa.csv","size":22,"eTag":"d41d8cd98f00b204e9800998ecf8427e","sequencer":"17E2"}}}]}`

// TestBucketNotifications: POST /api/v1/events/s3 wakes the watches of the
// buckets named, nothing more (the objects it names are not believed);
// what is not a notification is a 4xx saying what is wrong.
func TestBucketNotifications(t *testing.T) {
	for _, tc := range []struct {
		name, method, body string
		status             int
		woken              []string
		msg                string
	}{
		{"minio webhook", "POST", minioEvent, http.StatusAccepted, []string{"landing"}, ""},
		{"s3 records", "POST", `{"Records":[{"s3":{"bucket":{"name":"a"}}},{"s3":{"bucket":{"name":"b"}}},{"s3":{"bucket":{"name":"a"}}}]}`, http.StatusAccepted, []string{"a", "b"}, ""},
		{"minio probe", "HEAD", "", http.StatusOK, nil, ""},
		{"no bucket", "POST", `{"Records":[{"s3":{}}]}`, http.StatusBadRequest, nil, "names no bucket"},
		{"not json", "POST", `Records=1`, http.StatusBadRequest, nil, "JSON object with Records"},
		{"too large", "POST", `{"Records":[` + strings.Repeat(`{"s3":{"bucket":{"name":"a"}}},`, 40000) + `{}]}`, http.StatusRequestEntityTooLarge, nil, "at most 1048576 bytes"},
		{"too many buckets", "POST", `{"Records":[` + manyBuckets(101) + `]}`, http.StatusBadRequest, nil, "at most 100"},
		{"wrong method", "DELETE", "", http.StatusMethodNotAllowed, nil, "post bucket notifications"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := &woken{}
			rec := httptest.NewRecorder()
			bucketNotifications{arrivals: w}.ServeHTTP(rec, httptest.NewRequest(tc.method, "/api/v1/events/s3", strings.NewReader(tc.body)))
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.msg) {
				t.Fatalf("status %d %s, want %d with %q", rec.Code, rec.Body, tc.status, tc.msg)
			}
			slices.Sort(w.buckets)
			if !slices.Equal(w.buckets, tc.woken) {
				t.Fatalf("woke %v, want %v", w.buckets, tc.woken)
			}
		})
	}
}

func manyBuckets(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"s3":{"bucket":{"name":"b` + strings.Repeat("x", i) + `"}}}`)
	}
	return b.String()
}
