package sqlrows

import (
	"testing"
	"time"
)

func TestNanos(t *testing.T) {
	if n := Nanos(time.Time{}); n != 0 {
		t.Errorf("Nanos(zero) = %d, want 0", n)
	}
	if !FromNanos(0).IsZero() {
		t.Errorf("FromNanos(0) = %v, want the zero time", FromNanos(0))
	}
	at := time.Date(2026, 12, 5, 18, 0, 0, 123, time.FixedZone("x", 3600))
	if got := FromNanos(Nanos(at)); !got.Equal(at) || got.Location() != time.UTC {
		t.Errorf("round trip of %v: %v", at, got)
	}
}
