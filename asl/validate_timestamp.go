package asl

import "time"

// isTimestamp reports whether s is a timestamp as the spec defines it: the
// RFC 3339 profile of ISO 8601, with an uppercase "T" between date and time
// and an uppercase "Z" when there is no numeric offset, e.g.
// "2016-03-14T01:59:00Z" or "2016-03-14T01:59:00.123-08:00".
func isTimestamp(s string) bool {
	// Shape first: time.Parse alone accepts a lowercase "t" or "z".
	const shape = "dddd-dd-ddTdd:dd:dd"
	if len(s) < len(shape)+1 {
		return false
	}
	for i := 0; i < len(shape); i++ {
		if shape[i] == 'd' && !isASCIIDigit(s[i]) || shape[i] != 'd' && s[i] != shape[i] {
			return false
		}
	}
	rest := s[len(shape):]
	if rest[0] == '.' {
		k := 1
		for k < len(rest) && isASCIIDigit(rest[k]) {
			k++
		}
		if k == 1 {
			return false
		}
		rest = rest[k:]
	}
	switch {
	case rest == "Z":
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') &&
		isASCIIDigit(rest[1]) && isASCIIDigit(rest[2]) && rest[3] == ':' && isASCIIDigit(rest[4]) && isASCIIDigit(rest[5]):
	default:
		return false
	}
	// Then ranges: month 13 or February 30 are not dates.
	_, err := time.Parse(time.RFC3339Nano, s)
	return err == nil
}

func isASCIIDigit(c byte) bool { return c >= '0' && c <= '9' }
