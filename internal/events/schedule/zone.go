package schedule

import "time"

// instant is the moment a wall-clock minute of loc fires, by PIPELINE.md's
// rule for daylight saving time: a time that occurs twice fires at its first
// occurrence; a time that does not exist (the clock jumps over it) fires at
// the next valid instant, the jump itself (Europe/Berlin 2026-03-29 02:30
// fires at 03:00 CEST). Go's time.Date leaves both cases unspecified, hence
// this. The result never decreases when w increases, which Next relies on.
func instant(w wall, loc *time.Location) time.Time {
	local := time.Date(w.y, time.Month(w.mo), w.d, w.h, w.mi, 0, 0, time.UTC).Unix()
	if loc == time.UTC {
		return time.Unix(local, 0).In(loc)
	}
	// The offsets in force a day before and after (no zone changes twice
	// within a day) are the only ones the wall time can be read with.
	found := false
	var best int64
	for _, probe := range []int64{local - 86400, local, local + 86400} {
		u := local - offset(probe, loc)
		if offset(u, loc) == local-u && (!found || u < best) {
			best, found = u, true
		}
	}
	if found {
		return time.Unix(best, 0).In(loc)
	}
	// A gap: read with the offset before the jump, the wall time lands
	// after it; the zone in force there starts at the jump.
	t := time.Unix(local-offset(local-86400, loc), 0).In(loc)
	if start, _ := t.ZoneBounds(); !start.IsZero() && !start.After(t) {
		return start
	}
	return t
}

// offset is loc's offset from UTC, in seconds, at Unix time u.
func offset(u int64, loc *time.Location) int64 {
	_, off := time.Unix(u, 0).In(loc).Zone()
	return int64(off)
}
