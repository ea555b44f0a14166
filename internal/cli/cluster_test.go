package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/client"
)

func TestRanges(t *testing.T) {
	for _, c := range []struct {
		in   []int
		want string
	}{
		{nil, "-"},
		{[]int{4}, "4"},
		{[]int{0, 1, 2, 3, 7, 9, 10}, "0-3,7,9-10"},
		{[]int{1, 3, 5}, "1,3,5"},
	} {
		if got := ranges(c.in); got != c.want {
			t.Errorf("ranges(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestClusterStatusPartitions: a cluster's status lists each node with
// the partitions it owns, and those moving.
func TestClusterStatusPartitions(t *testing.T) {
	two, one := 2, 1
	since := client.Time{Time: time.Date(2026, 12, 5, 10, 0, 0, 0, time.Local)}
	st := &client.Cluster{Store: "postgres",
		Nodes: []client.ClusterNode{
			{Name: "baton-0", Role: "member", Since: since, Address: "http://baton-0:7780", Partitions: &two},
			{Name: "baton-1", Role: "member", Since: since, Address: "http://baton-1:7780", Partitions: &one},
		},
		Partitions: []client.ClusterPartition{{Partition: 0, Owner: "baton-0"}, {Partition: 1, Owner: "baton-0"},
			{Partition: 2, Owner: "baton-1"}, {Partition: 3}}}
	var out strings.Builder
	if err := printClusterPartitions(&out, st); err != nil {
		t.Fatal(err)
	}
	want := `NODE     ROLE    SINCE                ADDRESS              PARTITIONS
baton-0  member  2026-12-05 10:00:00  http://baton-0:7780  2: 0-1
baton-1  member  2026-12-05 10:00:00  http://baton-1:7780  1: 2
moving (no owner yet): 1: 3
`
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}
