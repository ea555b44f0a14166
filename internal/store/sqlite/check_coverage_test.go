package sqlite

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/batonhq/baton/internal/store"
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
