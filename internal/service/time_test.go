package service

import (
	"encoding/json"
	"testing"
	"time"
)

func TestTime(t *testing.T) {
	for _, tt := range []struct {
		t    time.Time
		want string
	}{
		{time.UnixMilli(1714564800123), "1714564800.123"},
		{time.UnixMilli(1714564800100), "1714564800.1"},
		{time.Unix(1714564800, 999999999), "1714564800.999"},
		{time.Unix(1714564800, 0), "1714564800"},
		{time.UnixMilli(-1500), "-1.5"},
		{time.Time{}, "null"},
	} {
		b, err := json.Marshal(NewTime(tt.t))
		if err != nil || string(b) != tt.want {
			t.Errorf("Marshal(%v) = %s, %v; want %s", tt.t, b, err, tt.want)
		}
		if tt.t.IsZero() {
			continue
		}
		var back Time
		if err := json.Unmarshal(b, &back); err != nil || !back.Equal(NewTime(tt.t).Time) {
			t.Errorf("Unmarshal(%s) = %v, %v", b, back, err)
		}
	}
	var v Time
	if err := json.Unmarshal([]byte(`"2024-05-01T12:00:00.5Z"`), &v); err != nil || v.UnixMilli() != 1714564800500 {
		t.Errorf("RFC 3339: %v, %v", v, err)
	}
	for _, bad := range []string{`"x"`, `true`, `1e300`} {
		if err := json.Unmarshal([]byte(bad), &v); err == nil {
			t.Errorf("Unmarshal(%s) accepted", bad)
		}
	}
	if err := json.Unmarshal([]byte(`null`), &v); err != nil || !v.IsZero() {
		t.Errorf("null: %v, %v", v, err)
	}
	// omitzero leaves zero times out.
	b, _ := json.Marshal(DescribeExecutionOutput{})
	if string(b) != `{"executionArn":"","stateMachineArn":"","status":"","startDate":null}` {
		t.Errorf("zero DescribeExecutionOutput = %s", b)
	}
}
