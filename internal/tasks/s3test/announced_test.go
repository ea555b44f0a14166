package s3test

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"

	"github.com/batonhq/baton/internal/steptask"
	"github.com/batonhq/baton/internal/tasks"
)

// TestCopyHTTPAnnouncedSizeBoundsNoMemory: an HTTP source announcing a
// huge Content-Length made minio-go pick a part size of size/10,000 and
// allocate one part's buffer (about 112 MB for 1 TiB; 550 MB for 5 TiB)
// before a byte came. The part size of a stream that is not a file is
// 16 MiB whatever the source announces.
func TestCopyHTTPAnnouncedSizeBoundsNoMemory(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1099511627776") // 1 TiB
		w.Write([]byte("only this"))
	}))
	t.Cleanup(srv.Close)
	r := resolver(t)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := step(t, r, steptask.ResourceCopy, `{"connection": "lake", "from": "`+srv.URL+`/big", "to": "s3://landing/announced/big"}`)
	runtime.ReadMemStats(&after)
	failure(t, err, tasks.ErrorCopy, "writing s3://landing/announced/big")
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
		t.Fatalf("the copy allocated %d MB for a source announcing 1 TiB", grew>>20)
	}
}
