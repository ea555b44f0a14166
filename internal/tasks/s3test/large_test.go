package s3test

import (
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/steptask"
)

// TestCopyLargeStreams copies a 512 MiB file to S3 and back and checks that
// the process's heap stays far below the object's size (the gateway, in the
// same process, counts too). Slow: BATON_SLOW_TESTS=1.
func TestCopyLargeStreams(t *testing.T) {
	if os.Getenv("BATON_SLOW_TESTS") == "" {
		t.Skip("slow: set BATON_SLOW_TESTS=1")
	}
	const size = 512 << 20
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "big.bin"))
	if err == nil {
		err = f.Truncate(size)
	}
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	r := resolver(t)
	start := time.Now()
	for _, c := range [][2]string{{"file://" + dir + "/big.bin", "s3://landing/big/big.bin"}, {"s3://landing/big/big.bin", "file://" + dir + "/back.bin"}} {
		out, err := step(t, r, steptask.ResourceCopy, `{"connection": "lake", "from": "`+c[0]+`", "to": "`+c[1]+`"}`)
		if err != nil || out["size"] != int64(size) {
			t.Fatalf("%s -> %s: %v, %v", c[0], c[1], out, err)
		}
	}
	close(stop)
	<-sampled
	t.Logf("copied 512 MiB to S3 and back in %s; peak heap in use %d MiB", time.Since(start).Round(time.Millisecond), peak.Load()>>20)
	if peak.Load() > 200<<20 {
		t.Fatalf("peak heap %d MiB: the copy buffers the object", peak.Load()>>20)
	}
}
