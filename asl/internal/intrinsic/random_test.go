package intrinsic

import (
	"regexp"
	"testing"

	"github.com/batonhq/baton/asl/internal/jsonpath"
)

// The expected values are those of java.util.Random(seed).nextInt(bound).
func TestJavaRandom(t *testing.T) {
	tests := []struct {
		seed  int64
		bound int32
		want  int32
	}{
		{42, 99, 62},
		{-10, 9, 0},
		{0, 1000000, 741360},
		{123456789012, 2147483647, 29712462},
		{7, 64, 46}, // a power of two takes the high bits
	}
	for _, tt := range tests {
		if got := newJavaRandom(tt.seed).nextInt(tt.bound); got != tt.want {
			t.Errorf("Random(%d).nextInt(%d) = %d, want %d", tt.seed, tt.bound, got, tt.want)
		}
	}
	if got := newJavaRandom(42).next(32); got != -1170105035 {
		t.Errorf("Random(42).nextInt() = %d, want -1170105035", got)
	}
}

// TestMathRandomRange checks that unseeded results stay in [start, end),
// with fractional bounds truncated.
func TestMathRandomRange(t *testing.T) {
	tests := []struct {
		src        string
		start, end int64
	}{
		{"States.MathRandom(1, 999)", 1, 999},
		{"States.MathRandom(1.6, 5.4)", 1, 5},
		{"States.MathRandom(-99999, -9999)", -99999, -9999},
		{"States.MathRandom(2147483640, 2147483647)", 2147483640, 2147483647},
		{"States.MathRandom(0, 2)", 0, 2},
	}
	for _, tt := range tests {
		c, err := Parse(tt.src)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.src, err)
		}
		seen := map[int64]bool{}
		for range 200 {
			v, err := c.Eval(jsonpath.Env{})
			if err != nil {
				t.Fatalf("Eval(%q): %v", tt.src, err)
			}
			n, ok := v.(int64)
			if !ok || n < tt.start || n >= tt.end {
				t.Fatalf("Eval(%q) = %#v, want an int64 in [%d, %d)", tt.src, v, tt.start, tt.end)
			}
			seen[n] = true
		}
		if tt.end-tt.start == 2 && len(seen) != 2 {
			t.Errorf("Eval(%q) gave only %v in 200 draws", tt.src, seen)
		}
	}
}

func TestUUID(t *testing.T) {
	c, err := Parse("States.UUID()")
	if err != nil {
		t.Fatal(err)
	}
	v4 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[any]bool{}
	for range 100 {
		v, err := c.Eval(jsonpath.Env{})
		if err != nil {
			t.Fatal(err)
		}
		s, _ := v.(string)
		if !v4.MatchString(s) {
			t.Fatalf("States.UUID() = %q, not a version 4 UUID", s)
		}
		if seen[v] {
			t.Fatalf("States.UUID() repeated %q", s)
		}
		seen[v] = true
	}
}
