package tasks

import "testing"

func TestParseRecordName(t *testing.T) {
	tests := []struct {
		name  string
		pgid  int
		start uint64
		ok    bool
	}{
		{"1234-98765.pid", 1234, 98765, true},
		{"starting-0123abcd", 0, 0, false}, // a placeholder
		{"1234.pid", 0, 0, false},
		{"1-5.pid", 0, 0, false}, // never init's group
		{"-5-6.pid", 0, 0, false},
		{"x-6.pid", 0, 0, false},
		{"12-y.pid", 0, 0, false},
	}
	for _, tt := range tests {
		pgid, start, ok := parseRecordName(tt.name)
		if pgid != tt.pgid || start != tt.start || ok != tt.ok {
			t.Errorf("parseRecordName(%q) = %d, %d, %v; want %d, %d, %v", tt.name, pgid, start, ok, tt.pgid, tt.start, tt.ok)
		}
	}
}
