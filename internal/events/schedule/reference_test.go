package schedule

import (
	"math/rand/v2"
	"testing"
	"time"
)

// matches reports whether the wall-clock minute w is one of c's.
func (c *cronSpec) matches(w wall) bool {
	return c.yearOK(w.y) && c.months>>w.mo&1 == 1 && c.days(w.y, w.mo)>>w.d&1 == 1 &&
		c.hours>>w.h&1 == 1 && c.minutes>>w.mi&1 == 1
}

func (w wall) less(v wall) bool {
	at := func(w wall) time.Time { return time.Date(w.y, time.Month(w.mo), w.d, w.h, w.mi, 0, 0, time.UTC) }
	return at(w).Before(at(v))
}

// TestNextMatchesReference compares Next with a minute-by-minute reference
// of the DST rule, written another way: walking real time, each wall-clock
// minute fires once, at the first instant the clock reaches or jumps past
// it. Random cron expressions, around the DST changes of several zones.
func TestNextMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	zones := []string{"Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC", "America/Sao_Paulo"}
	// Around the changes of 2026 (Berlin, New York, Lord Howe) and ordinary days.
	days := []time.Time{
		time.Date(2026, 3, 28, 20, 0, 0, 0, time.UTC), time.Date(2026, 10, 24, 20, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 7, 20, 0, 0, 0, time.UTC), time.Date(2026, 10, 31, 20, 0, 0, 0, time.UTC),
		time.Date(2026, 4, 4, 10, 0, 0, 0, time.UTC), time.Date(2026, 10, 3, 10, 0, 0, 0, time.UTC),
		time.Date(2026, 2, 27, 10, 0, 0, 0, time.UTC), time.Date(2028, 2, 28, 10, 0, 0, 0, time.UTC),
	}
	for i := range 500 {
		var expr string
		if rng.IntN(2) == 0 {
			expr = pick("*", "*/7", "0", "30", "0,30", "15-45/10", "59") + " " + pick("*", "2", "1-3", "*/5", "0,2,23", "1/2") + " " +
				pick("*", "1", "28-31", "*/3") + " " + pick("*", "2-4", "10,11", "FEB") + " " + pick("*", "0", "1-5", "SUN,SAT", "*/2")
		} else {
			dom, dow := pick("*", "L", "LW", "15W", "1W", "28-31", "29"), "?"
			if rng.IntN(2) == 0 {
				dom, dow = "?", pick("*", "1", "2-6", "6L", "1#1", "7#5", "L", "SUN,SAT")
			}
			expr = "cron(" + pick("*", "0/7", "0", "30", "0,30", "15-45/10") + " " + pick("*", "2", "1-3", "0/5", "0,2,23") + " " +
				dom + " " + pick("*", "2-4", "10,11", "FEB") + " " + dow + " " + pick("*", "2026", "2026-2028") + ")"
		}
		s, err := Parse(expr)
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		loc, _ := time.LoadLocation(zones[i%len(zones)])
		after := days[rng.IntN(len(days))].Add(time.Duration(rng.IntN(24*60)) * time.Minute).Add(time.Duration(rng.IntN(3)) * 20 * time.Second)
		got, ok := s.Next(after, loc)

		// The reference: walk from well before `after`, minute by minute.
		u := after.Truncate(time.Minute).Add(-6 * time.Hour)
		high := wallOf(u.In(loc))
		var want time.Time
		for end := after.Add(4 * 24 * time.Hour); u.Before(end) && want.IsZero(); {
			u = u.Add(time.Minute)
			w := wallOf(u.In(loc))
			for v := high.plusMinute(); high.less(w) && !w.less(v); v = v.plusMinute() {
				if s.cron.matches(v) && u.After(after) {
					want = u
					break
				}
			}
			if high.less(w) {
				high = w
			}
		}
		if want.IsZero() {
			if ok && got.Before(after.Add(4*24*time.Hour)) {
				t.Errorf("%s in %s after %v: Next %v, reference none within 4 days", expr, loc, after, got)
			}
			continue
		}
		if !ok || !got.Equal(want) {
			t.Errorf("%s in %s after %v: Next %v (%v), reference %v", expr, loc, after, got.In(loc), ok, want.In(loc))
		}
	}
}
