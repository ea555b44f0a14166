// Package schedule reads schedule expressions and computes their fire times:
// EventBridge's cron(...), rate(...) and at(...), the classic five-field cron
// (with @daily and the like), and the pipeline field's shorthand (hour: 3).
// It is pure: no clock, no I/O; the server's scheduler asks Next for the
// slot after the last one it ran. docs/events.md ("Schedules") is the
// user's reference.
//
// Fire times are evaluated in wall-clock time of a time zone, with daylight
// saving handled as PIPELINE.md says: a local time that does not exist fires
// at the next valid instant, one that occurs twice fires once (the first).
// Rates are absolute durations, unaffected by daylight saving.
package schedule

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"
)

// MaxLen is the longest expression accepted: EventBridge's limit on
// ScheduleExpression.
const MaxLen = 256

// maxRate bounds a rate's period so that slots stay within time.Duration.
const maxRate = 36500 * 24 * time.Hour

// Kind is the type of a schedule.
type Kind string

// The kinds of schedule.
const (
	Cron Kind = "cron" // cron(...), five-field cron, @daily, shorthand
	Rate Kind = "rate" // rate(...)
	At   Kind = "at"   // at(...): once
)

// Schedule is a parsed schedule expression. It is immutable; Within returns
// a bounded copy.
type Schedule struct {
	kind   Kind
	text   string
	cron   *cronSpec
	period time.Duration
	at     wall
	atSec  int
	start  *time.Time
	end    *time.Time
}

// Parse reads cron(...), rate(...), at(...), a five-field cron or one of
// @yearly, @monthly, @weekly, @daily, @hourly. Errors say what is wrong and
// how to write it.
func Parse(expr string) (*Schedule, error) {
	e := strings.TrimSpace(expr)
	if len(e) > MaxLen {
		return nil, invalid("A schedule expression is at most %d characters, not %d", MaxLen, len(e))
	}
	inner := func(prefix string) (string, bool) {
		if !strings.HasPrefix(e, prefix) {
			return "", false
		}
		rest, ok := strings.CutSuffix(e[len(prefix):], ")")
		return strings.TrimSpace(rest), ok
	}
	switch {
	case e == "":
		return nil, invalid("A schedule expression is empty: %s", forms)
	case strings.HasPrefix(e, "cron("):
		in, ok := inner("cron(")
		if !ok {
			return nil, fmt.Errorf("cron(...) is missing its closing ')': e.g. cron(0 3 * * ? *)")
		}
		fs := strings.Fields(in)
		c, err := parseEventBridge(fs)
		if err != nil {
			return nil, err
		}
		return &Schedule{kind: Cron, text: "cron(" + strings.Join(fs, " ") + ")", cron: c}, nil
	case strings.HasPrefix(e, "rate("):
		in, ok := inner("rate(")
		if !ok {
			return nil, fmt.Errorf("rate(...) is missing its closing ')': e.g. rate(5 minutes)")
		}
		return parseRate(in)
	case strings.HasPrefix(e, "at("):
		in, ok := inner("at(")
		t, err := time.Parse("2006-01-02T15:04:05", in)
		if !ok || err != nil {
			return nil, fmt.Errorf("at(...) needs a valid time yyyy-mm-ddThh:mm:ss, such as at(2026-01-01T03:00:00), not %s", clip(e))
		}
		return &Schedule{kind: At, text: "at(" + in + ")", at: wallOf(t), atSec: t.Second()}, nil
	case strings.HasPrefix(e, "@"):
		m, ok := macros[strings.ToLower(e)]
		if !ok {
			return nil, invalid("Unknown schedule %s: use @yearly, @monthly, @weekly, @daily or @hourly (or a cron expression)", clip(e))
		}
		c, _ := parseVixie(strings.Fields(m))
		return &Schedule{kind: Cron, text: strings.ToLower(e), cron: c}, nil
	}
	fs := strings.Fields(e)
	switch len(fs) {
	case 5:
		c, err := parseVixie(fs)
		if err != nil {
			return nil, err
		}
		return &Schedule{kind: Cron, text: strings.Join(fs, " "), cron: c}, nil
	case 6:
		return nil, invalid("Six cron fields are EventBridge's: write them inside cron(...), e.g. cron(0 3 * * ? *)")
	}
	return nil, fmt.Errorf("'%s' is not a schedule: %s", clip(e), forms)
}

// forms lists what a schedule expression may be.
const forms = "write cron(...) (EventBridge, 6 fields: minutes hours day-of-month month day-of-week year), rate(N minutes|hours|days), at(yyyy-mm-ddThh:mm:ss) or a 5-field cron (minute hour day-of-month month day-of-week)"

// parseRate reads "value unit" of rate(value unit) by EventBridge's rules:
// a positive whole value, and a unit that is singular for 1 and plural
// otherwise (rate(1 hour), rate(5 hours); rate(1 hours) is refused).
func parseRate(in string) (*Schedule, error) {
	fs := strings.Fields(in)
	if len(fs) != 2 {
		return nil, fmt.Errorf("rate(...) takes a value and a unit, e.g. rate(5 minutes), rate(1 hour) or rate(2 days), not rate(%s)", clip(in))
	}
	if strings.Trim(fs[0], "0123456789") != "" {
		return nil, invalid("The value of rate(%s) must be a whole number of at least 1, e.g. rate(5 minutes)", clip(in))
	}
	n, err := strconv.Atoi(fs[0])
	if err != nil {
		n = int(^uint(0) >> 1) // too long: refused below
	}
	if n < 1 {
		return nil, invalid("A rate must be at least 1: e.g. rate(1 minute)")
	}
	units := map[string]time.Duration{"minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour}
	unit, plural := strings.CutSuffix(fs[1], "s")
	d, ok := units[unit]
	switch {
	case !ok:
		return nil, invalid("The unit of rate(%s) must be minute(s), hour(s) or day(s), e.g. rate(5 minutes)", clip(in))
	case n == 1 && plural:
		return nil, fmt.Errorf("rate(1 %s) is not valid: with 1 the unit is singular, rate(1 %s)", fs[1], unit)
	case n > 1 && !plural:
		return nil, fmt.Errorf("rate(%d %s) is not valid: with a value above 1 the unit is plural, rate(%d %ss)", n, unit, n, unit)
	case int64(n) > int64(maxRate/d):
		return nil, fmt.Errorf("rate(%s) is too long: a rate is at most %d days", clip(in), maxRate/(24*time.Hour))
	}
	return &Schedule{kind: Rate, text: fmt.Sprintf("rate(%d %s)", n, fs[1]), period: time.Duration(n) * d}, nil
}

// Shorthand builds a schedule from the pipeline field's shorthand; nil is
// "not given". The rule: a field not given is every value when a finer
// field is given, and its lowest value when only coarser fields are given.
// So hour: 3 is 03:00 every day (minute 0), minute: 15 is every hour at :15,
// weekday: 1 is Mondays at 00:00, month: 6 is June 1st at 00:00, and
// {hour: 3, month: 1} is 03:00 every day of January. Weekday 0 is Sunday.
// day and weekday do not combine (cron would read them as either).
func Shorthand(minute, hour, day, weekday, month *int) (*Schedule, error) {
	type part struct {
		name   string
		v      *int
		lo, hi int
	}
	parts := []part{{"minute", minute, 0, 59}, {"hour", hour, 0, 23}, {"day", day, 1, 31}, {"month", month, 1, 12}}
	finest := -1
	for i, p := range parts {
		if p.v == nil {
			continue
		}
		if *p.v < p.lo || *p.v > p.hi {
			return nil, invalid("The field '%s' must be an integer from %d to %d", p.name, p.lo, p.hi)
		}
		if finest < 0 {
			finest = i
		}
	}
	if weekday != nil {
		if *weekday < 0 || *weekday > 6 {
			return nil, invalid("The field 'weekday' must be an integer from 0 (Sunday) to 6 (Saturday)")
		}
		if day != nil {
			return nil, invalid("A schedule's shorthand takes day or weekday, not both: write a cron expression, e.g. cron(0 3 ? * MON *) for Mondays at 03:00")
		}
		if finest < 0 || finest > 2 {
			finest = 2
		}
	}
	if finest < 0 {
		return nil, invalid("A schedule's shorthand needs at least one of minute, hour, day, weekday and month")
	}
	fs := []string{"*", "*", "*", "*", "*"}
	for i, p := range parts {
		switch {
		case p.v != nil:
			fs[i] = strconv.Itoa(*p.v)
		case i < finest && !(i == 2 && weekday != nil):
			fs[i] = strconv.Itoa(p.lo)
		}
	}
	if weekday != nil {
		fs[4] = strconv.Itoa(*weekday)
	}
	c, err := parseVixie(fs)
	if err != nil {
		return nil, err
	}
	return &Schedule{kind: Cron, text: strings.Join(fs, " "), cron: c}, nil
}

// Within returns a copy of s that fires only from start to end, both
// included (nil: unbounded). A rate's slots count from start when it is
// given, else from the Unix epoch.
func (s *Schedule) Within(start, end *time.Time) *Schedule {
	c := *s
	c.start, c.end = start, end
	return &c
}

// Kind says whether s is a cron, a rate or a one-time schedule.
func (s *Schedule) Kind() Kind { return s.kind }

// String is the expression, normalised (single spaces, cron(...) kept as
// such); parsing it gives the same schedule.
func (s *Schedule) String() string { return s.text }

// Period is a rate's period (0 for other kinds).
func (s *Schedule) Period() time.Duration { return s.period }

// Next returns the first fire time strictly after `after`, evaluated in loc
// (nil: UTC); ok is false when there is none: an at() in the past, a cron
// whose years are over (EventBridge's years end in 2199), a day that never
// occurs (February 30th), or past the end of Within.
func (s *Schedule) Next(after time.Time, loc *time.Location) (t time.Time, ok bool) {
	if loc == nil {
		loc = time.UTC
	}
	if s.start != nil && after.Before(*s.start) {
		after = s.start.Add(-time.Nanosecond)
	}
	switch s.kind {
	case Rate:
		t, ok = s.nextRate(after)
	case At:
		t = instant(s.at, loc)
		if wallOf(t) == s.at {
			t = t.Add(time.Duration(s.atSec) * time.Second)
		}
		ok = t.After(after)
	default:
		t, ok = s.nextCron(after, loc)
	}
	if !ok || (s.end != nil && t.After(*s.end)) {
		return time.Time{}, false
	}
	return t.In(loc), true
}

// nextCron finds the first matching wall-clock minute after after's own
// wall-clock time, then the first of those whose instant is after `after`:
// in the second pass through a repeated hour, the minutes already fired in
// the first pass are passed over.
func (s *Schedule) nextCron(after time.Time, loc *time.Location) (time.Time, bool) {
	w := wallOf(after.In(loc)).plusMinute()
	for {
		var ok bool
		if w, ok = s.cron.nextWall(w); !ok {
			return time.Time{}, false
		}
		if t := instant(w, loc); t.After(after) {
			return t, true
		}
		w = w.plusMinute()
	}
}

// nextRate is anchor + k*period for the least such instant after `after`;
// the anchor is the start of Within, else the Unix epoch, so slots do not
// depend on when the server started.
func (s *Schedule) nextRate(after time.Time) (time.Time, bool) {
	anchor := time.Unix(0, 0)
	if s.start != nil {
		anchor = *s.start
		if after.Before(anchor) {
			return anchor, true
		}
	}
	p := int64(s.period / time.Second)
	k := floorDiv(after.Unix()-anchor.Unix(), p)
	t := time.Unix(anchor.Unix()+k*p, int64(anchor.Nanosecond()))
	for !t.After(after) {
		t = t.Add(s.period)
	}
	return t, true
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// Jitter is a delay in [0, max) for the slot of the schedule named key: the
// same for the same key and slot, so a restarted scheduler waits the same,
// and spread over max across schedules that share a slot.
func Jitter(key string, slot time.Time, max time.Duration) time.Duration {
	if max <= 0 {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(key))
	h.Write([]byte(slot.UTC().Format(time.RFC3339Nano)))
	return time.Duration(h.Sum64() % uint64(max))
}

// Error is what is wrong with a schedule expression, in a sentence for the
// person who wrote it (EventBridge's wording where it has one).
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

// invalid returns an *Error.
func invalid(format string, a ...any) error {
	return &Error{Msg: fmt.Sprintf(format, a...)}
}
