package sqlite

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlite/sqlitetest"
)

// TestCheckSmallDamageCoverage measures what each check finds of a few
// bytes changed at random in a page (not whole pages): docs/server.md
// quotes its figures. Run with BATON_SLOW_TESTS=1 -v.
func TestCheckSmallDamageCoverage(t *testing.T) {
	if os.Getenv("BATON_SLOW_TESTS") == "" {
		t.Skip("set BATON_SLOW_TESTS=1 to measure")
	}
	base := damagedDB(t, 2000)
	orig, _ := os.ReadFile(base)
	r := rand.New(rand.NewPCG(1, 2))
	var both, quickOnly, fullOnly, none int
	for trial := 0; trial < 200; trial++ {
		buf := append([]byte(nil), orig...)
		p := 1 + r.IntN(len(buf)/4096-1)
		off := p*4096 + r.IntN(4096-8)
		for i := 0; i < 4; i++ {
			buf[off+i] ^= byte(1 + r.IntN(255))
		}
		os.WriteFile(base, buf, 0o644)
		q := errors.Is(Check(context.Background(), base, CheckQuick), store.ErrDamaged)
		f := errors.Is(Check(context.Background(), base, CheckFull), store.ErrDamaged)
		switch {
		case q && f:
			both++
		case q:
			quickOnly++
		case f:
			fullOnly++
		default:
			none++
		}
	}
	if quickOnly > 0 {
		t.Errorf("quick_check found %d damages that integrity_check missed", quickOnly)
	}
	t.Logf("200 changes of 4 bytes in a database of %d pages: found by both %d, by quick_check only %d, by integrity_check only %d, by neither %d", len(orig)/4096, both, quickOnly, fullOnly, none)
}

// TestCheckCost measures the checks and a backup on a database of 100,000
// executions (bench/RESULTS.md quotes it). Run with BATON_SLOW_TESTS=1 -v.
func TestCheckCost(t *testing.T) {
	if os.Getenv("BATON_SLOW_TESTS") == "" {
		t.Skip("set BATON_SLOW_TESTS=1 to measure")
	}
	dir := t.TempDir()
	s := openTest(t, dir, Options{})
	sqlitetest.Fill(t, s, "arn:aws:states:us-east-1:123456789012:stateMachine:fill", 100_000)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, FileName)
	fi, _ := os.Stat(path)
	for _, mode := range []string{CheckQuick, CheckFull} {
		cache := "warm"
		if os.Getenv("BATON_DROP_CACHES") != "" {
			// Cold, as at a start after a reboot (Linux, root).
			if err := os.WriteFile("/proc/sys/vm/drop_caches", []byte("1"), 0); err != nil {
				t.Fatalf("dropping the page cache: %v", err)
			}
			cache = "cold"
		}
		start := time.Now()
		if err := Check(context.Background(), path, mode); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s check of %d executions (%.0f MB, %s page cache): %s", mode, 100_000, float64(fi.Size())/1e6, cache, time.Since(start).Round(time.Millisecond))
	}
	start := time.Now()
	info, err := Backup(context.Background(), dir, filepath.Join(t.TempDir(), "b.db"), false)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("backup of %d executions (%.0f MB copy, checked): %s", info.Executions, float64(info.Bytes)/1e6, time.Since(start).Round(time.Millisecond))
}
