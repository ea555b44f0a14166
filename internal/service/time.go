package service

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Time is a timestamp as AWS JSON 1.0 carries it: seconds since the Unix
// epoch as a JSON number with up to three decimals (milliseconds), e.g.
// 1700000000.123. The zero Time is left out of outputs (omitzero).
type Time struct {
	time.Time
}

// NewTime returns t as a Time, rounded down to the millisecond; the zero
// time stays zero.
func NewTime(t time.Time) Time {
	if t.IsZero() {
		return Time{}
	}
	return Time{time.UnixMilli(t.UnixMilli()).UTC()}
}

// MarshalJSON writes the epoch seconds with fractional milliseconds.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return []byte(formatEpoch(t.UnixMilli())), nil
}

func formatEpoch(ms int64) string {
	if ms < 0 {
		return "-" + formatEpoch(-ms)
	}
	sec, frac := ms/1000, ms%1000
	if frac == 0 {
		return strconv.FormatInt(sec, 10)
	}
	s := fmt.Sprintf("%d.%03d", sec, frac)
	return string(bytes.TrimRight([]byte(s), "0"))
}

// UnmarshalJSON reads epoch seconds (a number) or, leniently, an RFC 3339
// string; null leaves t zero.
func (t *Time) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*t = Time{}
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return fmt.Errorf("timestamp %q is neither epoch seconds nor RFC 3339", s)
		}
		*t = NewTime(v)
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) || math.Abs(f) > 1e14 {
		return fmt.Errorf("timestamp %s is not epoch seconds", b)
	}
	*t = Time{time.UnixMilli(int64(math.Round(f * 1000))).UTC()}
	return nil
}
