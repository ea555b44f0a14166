package schedule

import (
	"fmt"
	"math/bits"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// EventBridge's year range (its documentation: 1970-2199).
const (
	minYear = 1970
	maxYear = 2199
)

// vixieYears bounds the search of a five-field cron: the Gregorian calendar
// repeats every 400 years, so a day that does not occur in 401 years never
// does (e.g. "0 0 30 2 *").
const vixieYears = 401

// cronSpec is a parsed cron expression: a set of wall-clock minutes, as bit
// sets per field, plus EventBridge's day specials (L, W, #).
type cronSpec struct {
	minutes uint64  // bits 0-59
	hours   uint32  // bits 0-23
	doms    uint32  // bits 1-31
	months  uint16  // bits 1-12
	dows    uint8   // bits 0-6, 0 = Sunday
	years   *bitset // bit y-1970; nil: any year (five fields)
	// domAny and dowAny: the field is * (or ?): it does not restrict days.
	domAny, dowAny bool
	// either: when both day fields restrict, a day matching either fires
	// (Vixie cron); otherwise both must match.
	either bool
	// Day-of-month specials: L, nW, LW.
	lastDay     bool
	nearestWeek int // the n of nW; 0 = none
	lastWeekday bool
	// Day-of-week specials: nL (last such weekday of the month), n#k.
	lastDow int // 0-6, -1 = none
	nthDow  int // 0-6, -1 = none
	nth     int // 1-5
}

// field describes one field of a dialect.
type field struct {
	name     string // as the error messages say it
	lo, hi   int
	names    []string // names of values lo, lo+1, ... (months, weekdays)
	question bool     // '?' allowed (EventBridge's day fields)
	noStep   bool     // '/' not allowed (EventBridge's day-of-week)
	note     string   // added to an out-of-range message
}

var (
	monthNames = []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}
	dayNames   = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}

	ebFields = []field{
		{name: "minutes", lo: 0, hi: 59},
		{name: "hours", lo: 0, hi: 23},
		{name: "day-of-month", lo: 1, hi: 31, question: true},
		{name: "month", lo: 1, hi: 12, names: monthNames},
		{name: "day-of-week", lo: 1, hi: 7, names: dayNames, question: true, noStep: true, note: " (1 is SUN, 7 is SAT)"},
		{name: "year", lo: minYear, hi: maxYear},
	}
	vixieFields = []field{
		{name: "minute", lo: 0, hi: 59},
		{name: "hour", lo: 0, hi: 23},
		{name: "day-of-month", lo: 1, hi: 31},
		{name: "month", lo: 1, hi: 12, names: monthNames},
		{name: "day-of-week", lo: 0, hi: 7, names: dayNames, note: " (0 and 7 are SUN)"},
	}
)

// ordinals name the fields by position in error messages.
var ordinals = []string{"1st", "2nd", "3rd", "4th", "5th", "6th"}

// bitset holds the values of a field, bit v-lo for value v (years need
// 230 bits).
type bitset [4]uint64

func (b *bitset) set(i int)      { b[i/64] |= 1 << (i % 64) }
func (b *bitset) has(i int) bool { return i >= 0 && i < 256 && b[i/64]>>(i%64)&1 == 1 }

// parseEventBridge parses the fields inside cron(...).
func parseEventBridge(fs []string) (*cronSpec, error) {
	if len(fs) != 6 {
		return nil, invalid("An EventBridge cron(...) has 6 fields (minutes hours day-of-month month day-of-week year), not %d: e.g. cron(0 3 * * ? *)", len(fs))
	}
	if (fs[2] == "?") == (fs[4] == "?") {
		return nil, invalid("In an EventBridge cron(...), exactly one of day-of-month (3rd field) and day-of-week (5th) must be '?', e.g. cron(0 3 * * ? *) or cron(0 3 ? * MON *)")
	}
	c := &cronSpec{lastDow: -1, nthDow: -1, years: new(bitset)}
	sets := make([]bitset, 6)
	for i, f := range fs {
		def := ebFields[i]
		u := strings.ToUpper(f)
		var err error
		switch {
		case f == "?":
			if !def.question {
				return nil, fieldErr(def, i, f, "'?' is allowed only in day-of-month and day-of-week")
			}
		case i == 2 && strings.ContainsAny(u, "LW"):
			err = c.domSpecial(def, i, u)
		case i == 4 && strings.ContainsAny(u, "L#"):
			// No weekday name holds an L, so L and # are the specials.
			err = c.dowSpecial(def, i, u)
		default:
			sets[i], err = parseField(def, i, f)
		}
		if err != nil {
			return nil, err
		}
	}
	c.minutes, c.hours = sets[0][0], uint32(sets[1][0])
	c.doms, c.months = uint32(sets[2][0]<<1), uint16(sets[3][0]<<1)
	if c.lastDow < 0 && c.nthDow < 0 && c.dows == 0 {
		c.dows = uint8(sets[4][0]) // EventBridge's 1 (Sunday) is bit 0
	}
	c.domAny = fs[2] == "?" || fs[2] == "*"
	c.dowAny = fs[4] == "?" || fs[4] == "*"
	*c.years = sets[5]
	return c, nil
}

// domSpecial parses L, nW or LW in the day-of-month field: each alone.
func (c *cronSpec) domSpecial(def field, i int, u string) error {
	switch {
	case u == "L":
		c.lastDay = true
	case u == "LW":
		c.lastWeekday = true
	case strings.HasSuffix(u, "W") && !strings.ContainsAny(u, ",-/L"):
		n, err := strconv.Atoi(u[:len(u)-1])
		if err != nil || n < 1 || n > 31 {
			return fieldErr(def, i, u, "'W' follows one day from 1 to 31, e.g. 15W (the weekday nearest the 15th), or LW (the last weekday)")
		}
		c.nearestWeek = n
	default:
		return fieldErr(def, i, u, "'L' and 'W' stand alone in day-of-month, without lists or ranges: L (the last day), LW (the last weekday) or nW (the weekday nearest day n, e.g. 15W)")
	}
	return nil
}

// dowSpecial parses L, nL or n#k in the day-of-week field: each alone.
func (c *cronSpec) dowSpecial(def field, i int, u string) error {
	if u == "L" { // the last day of the week: Saturday
		c.dows = 1 << 6
		return nil
	}
	if strings.ContainsAny(u, ",-/") {
		return fieldErr(def, i, u, "'L' and '#' stand alone in day-of-week, without lists or ranges (e.g. 6L or 2#1; '3#1,6#3' is two expressions)")
	}
	if d, ok := strings.CutSuffix(u, "L"); ok {
		n, err := value(def, d)
		if err != nil {
			return fieldErr(def, i, u, "nL takes a weekday from 1 (SUN) to 7 (SAT), e.g. 6L for the last Friday of the month")
		}
		c.lastDow = n - 1
		return nil
	}
	d, k, ok := strings.Cut(u, "#")
	nth, kerr := strconv.Atoi(k)
	n, err := value(def, d)
	if !ok || err != nil || kerr != nil || nth < 1 || nth > 5 || strings.Contains(u, "L") {
		return fieldErr(def, i, u, "n#k takes a weekday n from 1 (SUN) to 7 (SAT) and k from 1 to 5, e.g. 2#1 for the first Monday of the month")
	}
	c.nthDow, c.nth = n-1, nth
	return nil
}

// parseVixie parses the five fields of a classic cron line.
func parseVixie(fs []string) (*cronSpec, error) {
	if len(fs) != 5 {
		return nil, invalid("A 5-field cron has minute hour day-of-month month day-of-week, not %d fields: e.g. \"0 3 * * *\"", len(fs))
	}
	c := &cronSpec{lastDow: -1, nthDow: -1, either: true}
	sets := make([]bitset, 5)
	for i, f := range fs {
		s, err := parseField(vixieFields[i], i, f)
		if err != nil {
			if ebSpecialRE.MatchString(f) {
				return nil, fieldErr(vixieFields[i], i, f, "'?', 'L', 'W' and '#' belong to EventBridge's cron(...) with 6 fields (e.g. cron(0 3 L * ? *)), not to a 5-field cron")
			}
			return nil, err
		}
		sets[i] = s
	}
	c.minutes, c.hours = sets[0][0], uint32(sets[1][0])
	c.doms, c.months = uint32(sets[2][0]<<1), uint16(sets[3][0]<<1)
	c.dows = uint8(sets[4][0]&0x7f | sets[4][0]>>7&1) // 7 is Sunday too
	// Vixie cron: a day field starting with '*' does not restrict days, so
	// "*/2" in day-of-week leaves day-of-month alone to decide.
	c.domAny = strings.HasPrefix(fs[2], "*")
	c.dowAny = strings.HasPrefix(fs[4], "*")
	return c, nil
}

// ebSpecialRE matches a field that uses EventBridge's specials.
var ebSpecialRE = regexp.MustCompile(`^(\?|[Ll]|[Ll][Ww]|\d+[LlWw]|\w+#\d+)$`)

// macros are the @ shorthands of Vixie cron.
var macros = map[string]string{
	"@yearly":   "0 0 1 1 *",
	"@annually": "0 0 1 1 *",
	"@monthly":  "0 0 1 * *",
	"@weekly":   "0 0 * * 0",
	"@daily":    "0 0 * * *",
	"@midnight": "0 0 * * *",
	"@hourly":   "0 * * * *",
}

// parseField reads a list of values, ranges and steps into a bit set.
func parseField(def field, i int, f string) (bitset, error) {
	var set bitset
	if f == "" {
		return set, fieldErr(def, i, f, "it is empty")
	}
	for _, item := range strings.Split(f, ",") {
		rng, stepText, hasStep := strings.Cut(item, "/")
		step := 1
		if hasStep {
			if def.noStep {
				return set, fieldErr(def, i, f, "'/' is not allowed in day-of-week; list the days instead, e.g. MON,WED,FRI")
			}
			n, err := strconv.Atoi(stepText)
			if err != nil || n < 1 || n > def.hi-def.lo+1 {
				return set, fieldErr(def, i, f, fmt.Sprintf("the step after '/' must be a number from 1 to %d, e.g. 0/15", def.hi-def.lo+1))
			}
			step = n
		}
		lo, hi := def.lo, def.hi
		switch rng {
		case "*":
		case "":
			return set, fieldErr(def, i, f, "an item of the list is empty")
		default:
			a, b, isRange := strings.Cut(rng, "-")
			var err error
			if lo, err = value(def, a); err != nil {
				return set, fieldErr(def, i, f, err.Error())
			}
			hi = lo
			if isRange {
				if hi, err = value(def, b); err != nil {
					return set, fieldErr(def, i, f, err.Error())
				}
				if hi < lo {
					return set, fieldErr(def, i, f, fmt.Sprintf("the range %s runs backwards; write it from low to high, or as two ranges (%d-%d,%d-%d)", clip(rng), lo, def.hi, def.lo, hi))
				}
			} else if hasStep {
				hi = def.hi // "5/15": from 5 to the end, every 15
			}
		}
		for v := lo; v <= hi; v += step {
			set.set(v - def.lo)
		}
	}
	return set, nil
}

// value reads one number or name of a field.
func value(def field, s string) (int, error) {
	for k, n := range def.names {
		if strings.EqualFold(s, n) {
			return def.lo + k, nil
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || s == "" || s[0] == '+' || s[0] == '-' || len(s) > 4 {
		hint := fmt.Sprintf("use a number from %d to %d", def.lo, def.hi)
		if def.names != nil {
			hint += fmt.Sprintf(" or a name from %s to %s", def.names[0], def.names[len(def.names)-1])
		}
		return 0, fmt.Errorf("'%s' is not a value: %s", clip(s), hint)
	}
	if n < def.lo || n > def.hi {
		return 0, fmt.Errorf("%d is out of range: use %d-%d%s", n, def.lo, def.hi, def.note)
	}
	return n, nil
}

func fieldErr(def field, i int, f, msg string) error {
	return invalid("The %s field (%s) '%s' is not valid: %s", def.name, ordinals[i], clip(f), msg)
}

// clip shortens a value quoted in a message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// wall is a wall-clock minute.
type wall struct{ y, mo, d, h, mi int }

func wallOf(t time.Time) wall {
	return wall{t.Year(), int(t.Month()), t.Day(), t.Hour(), t.Minute()}
}

// plusMinute is the next wall-clock minute.
func (w wall) plusMinute() wall {
	return wallOf(time.Date(w.y, time.Month(w.mo), w.d, w.h, w.mi+1, 0, 0, time.UTC))
}

func daysIn(y, mo int) int {
	return time.Date(y, time.Month(mo)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// days returns the days of month mo of year y that match (bit d for day d).
func (c *cronSpec) days(y, mo int) uint32 {
	n := daysIn(y, mo)
	all := uint32(uint64(1)<<(n+1) - 2) // bits 1 to n
	first := int(time.Date(y, time.Month(mo), 1, 0, 0, 0, 0, time.UTC).Weekday())
	dow := func(d int) int { return (first + d - 1) % 7 }
	dom := all
	if !c.domAny {
		dom = c.doms & all
		switch {
		case c.lastDay:
			dom = 1 << n
		case c.lastWeekday:
			d := n
			for dow(d) == 0 || dow(d) == 6 {
				d--
			}
			dom = 1 << d
		case c.nearestWeek > 0:
			dom = 0
			if d := c.nearestWeek; d <= n {
				switch dow(d) {
				case 6: // Saturday: the Friday before, or Monday when the 1st
					if d == 1 {
						d = 3
					} else {
						d--
					}
				case 0: // Sunday: the Monday after, or Friday when the last day
					if d == n {
						d -= 2
					} else {
						d++
					}
				}
				dom = 1 << d
			}
		}
	}
	week := all
	if !c.dowAny {
		week = 0
		switch {
		case c.lastDow >= 0:
			d := n
			for dow(d) != c.lastDow {
				d--
			}
			week = 1 << d
		case c.nthDow >= 0:
			d := 1 + (c.nthDow-first+7)%7 + 7*(c.nth-1)
			if d <= n {
				week = 1 << d
			}
		default:
			for d := 1; d <= n; d++ {
				if c.dows>>dow(d)&1 == 1 {
					week |= 1 << d
				}
			}
		}
	}
	if c.either && !c.domAny && !c.dowAny {
		return dom | week
	}
	return dom & week
}

func (c *cronSpec) yearOK(y int) bool {
	return c.years == nil || c.years.has(y-minYear)
}

// nextWall returns the first matching wall-clock minute at or after from.
// It walks years, months, days and hours, skipping whole ones that do not
// match, so it ends after at most a few thousand months.
func (c *cronSpec) nextWall(from wall) (wall, bool) {
	last := from.y + vixieYears
	if c.years != nil {
		last = maxYear
		if from.y < minYear {
			from = wall{minYear, 1, 1, 0, 0}
		}
	}
	for y := from.y; y <= last; y++ {
		if !c.yearOK(y) {
			continue
		}
		yT := y == from.y
		for mo := 1; mo <= 12; mo++ {
			if (yT && mo < from.mo) || c.months>>mo&1 == 0 {
				continue
			}
			moT := yT && mo == from.mo
			days := c.days(y, mo)
			for d := 1; d <= 31; d++ {
				if (moT && d < from.d) || days>>d&1 == 0 {
					continue
				}
				dT := moT && d == from.d
				for h := 0; h < 24; h++ {
					if (dT && h < from.h) || c.hours>>h&1 == 0 {
						continue
					}
					m0 := 0
					if dT && h == from.h {
						m0 = from.mi
					}
					if rest := c.minutes >> m0; rest != 0 {
						return wall{y, mo, d, h, m0 + bits.TrailingZeros64(rest)}, true
					}
				}
			}
		}
	}
	return wall{}, false
}
