package asl_test

import (
	"strings"
	"testing"
)

// Probe: ResultPath into new deep paths with keys needing escapes. Passes
// when the bound holds (kept as a regression check).
func TestPayloadResultPathEscapesHolds(t *testing.T) {
	key := strings.Repeat(`\u0001`, 40)
	rp := `$['` + key + `']['` + key + `']['` + key + `']`
	for _, n := range []int{700, 760, 800, 850, 900} {
		src := `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":"` + strings.Repeat("y", n) + `","ResultPath":"` + rp + `","End":true}}}`
		// the JSON source must carry \u0001 as an escape inside the path string
		src = strings.ReplaceAll(src, `\\u0001`, `\\u0001`)
		x, size := zzRunLimit(t, src, `{"k":"`+strings.Repeat("x", 100)+`"}`, 1500)
		if size > 1500 && x.Status == "SUCCEEDED" {
			t.Errorf("n=%d: output %d bytes passed", n, size)
		}
		t.Logf("n=%d status=%s %s size=%d", n, x.Status, x.Error, size)
	}
}
