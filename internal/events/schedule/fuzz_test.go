package schedule

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/txtar"
)

// goldenExprs are the expressions of the golden cases: seeds of the fuzzers.
func goldenExprs(f *testing.F) []string {
	files, _ := filepath.Glob("testdata/*.txtar")
	var out []string
	for _, file := range files {
		a, err := txtar.ParseFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, c := range a.Files {
			for _, line := range strings.Split(c.Data, "\n") {
				if e, ok := strings.CutPrefix(line, "expr:"); ok {
					out = append(out, strings.TrimSpace(e))
				}
			}
		}
	}
	return out
}

// FuzzParse: Parse never panics, and what it accepts prints as an
// expression that parses to the same text. Seeds: the golden cases and
// testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, e := range goldenExprs(f) {
		f.Add(e)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		s, err := Parse(expr)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		again, err := Parse(s.String())
		if err != nil || again.String() != s.String() {
			t.Fatalf("String() %q does not parse back: %v", s.String(), err)
		}
	})
}

// zones are the time zones FuzzNext picks from: with and without DST,
// half-hour shifts, the southern hemisphere.
var zones = []string{"UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Pacific/Apia", "Asia/Kolkata", "America/Sao_Paulo"}

// FuzzNext: Next is strictly after its argument, quick, and never goes
// backwards; a rate's slots are whole periods from the epoch.
func FuzzNext(f *testing.F) {
	for i, e := range goldenExprs(f) {
		f.Add(e, int64(1767225600+i*86400*37), uint8(i))
	}
	f.Fuzz(func(t *testing.T, expr string, after int64, zone uint8) {
		s, err := Parse(expr)
		if err != nil {
			return
		}
		loc, err := time.LoadLocation(zones[int(zone)%len(zones)])
		if err != nil {
			t.Fatal(err)
		}
		// Within years 0 to 9999, where times print and parse.
		const first, span = -62_135_596_800, 315_537_897_599
		at := time.Unix(first+(after%span+span)%span, 0)
		for range 3 {
			start := time.Now()
			next, ok := s.Next(at, loc)
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("%s: Next(%v) took %v", expr, at, d)
			}
			if !ok {
				return
			}
			if !next.After(at) {
				t.Fatalf("%s: Next(%v) = %v, not after it", expr, at, next)
			}
			if s.Kind() == Rate && next.Unix()%int64(s.Period()/time.Second) != 0 {
				t.Fatalf("%s: %v is not a slot from the epoch", expr, next)
			}
			at = next
		}
	})
}
