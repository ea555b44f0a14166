package schedule

import (
	"strings"
	"testing"
	"time"
)

func ptr(n int) *int { return &n }

// TestShorthand pins the rule of the field's shorthand: fields finer than
// the finest given one take their lowest value, coarser ones every value.
func TestShorthand(t *testing.T) {
	tests := []struct {
		name                              string
		minute, hour, day, weekday, month *int
		want                              string // String(), or the error's start
	}{
		{name: "hour", hour: ptr(3), want: "0 3 * * *"},
		{name: "minute", minute: ptr(15), want: "15 * * * *"},
		{name: "hour and minute", minute: ptr(30), hour: ptr(3), want: "30 3 * * *"},
		{name: "weekday", weekday: ptr(1), want: "0 0 * * 1"},
		{name: "weekday and hour", hour: ptr(5), weekday: ptr(0), want: "0 5 * * 0"},
		{name: "day", day: ptr(1), want: "0 0 1 * *"},
		{name: "month", month: ptr(6), want: "0 0 1 6 *"},
		{name: "month and weekday", weekday: ptr(5), month: ptr(12), want: "0 0 * 12 5"},
		{name: "hour and month", hour: ptr(3), month: ptr(1), want: "0 3 * 1 *"},
		{name: "nothing", want: "error: A schedule's shorthand needs"},
		{name: "day and weekday", day: ptr(13), weekday: ptr(5), want: "error: A schedule's shorthand takes day or weekday, not both"},
		{name: "hour out of range", hour: ptr(24), want: "error: The field 'hour' must be an integer from 0 to 23"},
		{name: "weekday 7", weekday: ptr(7), want: "error: The field 'weekday' must be an integer from 0 (Sunday) to 6"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Shorthand(tt.minute, tt.hour, tt.day, tt.weekday, tt.month)
			got := ""
			if err != nil {
				got = "error: " + err.Error()
			} else {
				got = s.String()
				// What String says is what the schedule does.
				p, err := Parse(got)
				if err != nil {
					t.Fatal(err)
				}
				after := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
				for range 50 {
					a, _ := s.Next(after, time.UTC)
					b, _ := p.Next(after, time.UTC)
					if !a.Equal(b) {
						t.Fatalf("Next(%v): shorthand %v, parsed String() %v", after, a, b)
					}
					after = a
				}
			}
			if !strings.HasPrefix(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestNextIsBounded: the searches that find nothing for centuries end in
// milliseconds, not minute by minute.
func TestNextIsBounded(t *testing.T) {
	for _, expr := range []string{"cron(0 0 30 2 ? *)", "0 0 31 4 *", "cron(0 0 29 2 ? 2100-2103)", "cron(59 23 ? 2 1#5 *)", "cron(0 0 ? 2 MON#5 *)"} {
		s, err := Parse(expr)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		for range 10 {
			s.Next(time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), time.UTC)
		}
		if d := time.Since(start) / 10; d > 50*time.Millisecond {
			t.Errorf("%s: Next took %v", expr, d)
		}
	}
}

// TestJitter: the same slot gets the same delay, within [0, max).
func TestJitter(t *testing.T) {
	slot := time.Date(2026, 1, 1, 3, 0, 0, 0, time.UTC)
	a, b := Jitter("ns/p/0", slot, time.Minute), Jitter("ns/p/0", slot, time.Minute)
	if a != b || a < 0 || a >= time.Minute {
		t.Errorf("Jitter = %v, %v", a, b)
	}
	if Jitter("ns/p/0", slot, 0) != 0 {
		t.Error("Jitter with max 0 is not 0")
	}
	seen := map[time.Duration]bool{}
	for i := range 20 {
		seen[Jitter("p", slot.Add(time.Duration(i)*time.Hour), time.Hour)] = true
	}
	if len(seen) < 15 {
		t.Errorf("Jitter spreads 20 slots over %d values", len(seen))
	}
}
