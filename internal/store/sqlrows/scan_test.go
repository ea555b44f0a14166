package sqlrows

import (
	"slices"
	"testing"
)

// fakeRows are rows of int64 columns.
type fakeRows struct {
	rows [][]int64
	i    int
}

func (f *fakeRows) Next() bool { f.i++; return f.i <= len(f.rows) }
func (f *fakeRows) Err() error { return nil }
func (f *fakeRows) Scan(dest ...any) error {
	for j, d := range dest {
		*d.(*int64) = f.rows[f.i-1][j]
	}
	return nil
}

func TestScanLogCut(t *testing.T) {
	chunks := [][]int64{{1, 10}, {2, 10}, {3, 10}}
	for _, c := range []struct {
		over          int64
		drop          []int64
		trimSeq, trim int64
	}{
		{over: 10, drop: []int64{1}},
		{over: 15, drop: []int64{1}, trimSeq: 2, trim: 5},
		{over: 4, trimSeq: 1, trim: 4},
		{over: 30, drop: []int64{1, 2, 3}},
	} {
		drop, trimSeq, trim, err := ScanLogCut(&fakeRows{rows: chunks}, c.over)
		if err != nil || !slices.Equal(drop, c.drop) || trimSeq != c.trimSeq || trim != c.trim {
			t.Errorf("over %d: drop %v, trim %d of %d, %v; want %v, %d of %d", c.over, drop, trim, trimSeq, err, c.drop, c.trim, c.trimSeq)
		}
	}
}
