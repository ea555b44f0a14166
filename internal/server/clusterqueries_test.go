package server

import (
	"fmt"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/notify"
)

// TestMergeFailing: a destination failing on several nodes of a cluster
// is listed once, since its earliest failure, with the queued of all.
func TestMergeFailing(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
	lf := func(dest string, min, queued int) notify.LaneFailing {
		return notify.LaneFailing{Destination: dest, Since: t0.Add(time.Duration(min) * time.Minute), Error: fmt.Sprint("e", min), Queued: queued}
	}
	for _, tc := range []struct {
		name string
		in   []notify.LaneFailing
		want string
	}{
		{"none", nil, "[]"},
		{"one node", []notify.LaneFailing{lf("webhook b", 2, 1), lf("slack a", 1, 3)}, "[slack a+1m e1 3 webhook b+2m e2 1]"},
		{"one destination on two nodes", []notify.LaneFailing{lf("slack a", 5, 2), lf("slack a", 1, 3), lf("email x", 9, 1)},
			"[email x+9m e9 1 slack a+1m e1 5]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, l := range mergeFailing(tc.in) {
				got = append(got, fmt.Sprintf("%s+%s %s %d", l.Destination, l.Since.Sub(t0).String()[:2], l.Error, l.Queued))
			}
			if s := fmt.Sprint(got); s != tc.want && !(len(got) == 0 && tc.want == "[]") {
				t.Fatalf("got %s, want %s", s, tc.want)
			}
		})
	}
}
