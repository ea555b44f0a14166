package partition

import (
	"fmt"
	"testing"
)

func TestKeyPlacesAWorkflowsRunsTogether(t *testing.T) {
	same := []string{
		"arn:aws:states:us-east-1:123456789012:stateMachine:etl",
		"arn:aws:states:us-east-1:123456789012:stateMachine:etl:3",
		"arn:aws:states:us-east-1:123456789012:stateMachine:etl:prod",
		"arn:aws:states:us-east-1:123456789012:execution:etl:run-1",
		"arn:aws:states:us-east-1:123456789012:execution:etl:run-2",
		"arn:aws:states:us-east-1:123456789012:express:etl:run-3:0c6d",
	}
	for _, arn := range same {
		if got := Of(arn); got != Of(same[0]) {
			t.Errorf("Of(%q) = %d, want %d (the workflow's partition)", arn, got, Of(same[0]))
		}
	}
	if Key(same[3]) != "us-east-1:123456789012:etl" {
		t.Errorf("Key = %q", Key(same[3]))
	}
	if Key("not an arn") != "not an arn" {
		t.Errorf("a malformed ARN is its own key")
	}
}

func TestOfIsStable(t *testing.T) {
	// The placement is stored format: these must never change.
	want := map[string]int{
		"arn:aws:states:us-east-1:123456789012:execution:etl:run-1": Of("arn:aws:states:us-east-1:123456789012:stateMachine:etl"),
	}
	for arn, p := range want {
		if Of(arn) != p {
			t.Errorf("Of(%q) = %d, want %d", arn, Of(arn), p)
		}
	}
	if got := Of("arn:aws:states:us-east-1:123456789012:stateMachine:etl"); got != 48 {
		t.Errorf("Of(etl) = %d, want 48: the placement of stored executions changed", got)
	}
}

func TestOfSpreadsWorkflows(t *testing.T) {
	seen := map[int]int{}
	for i := 0; i < 6400; i++ {
		seen[Of(fmt.Sprintf("arn:aws:states:us-east-1:123456789012:stateMachine:wf-%d", i))]++
	}
	if len(seen) != Count {
		t.Fatalf("%d partitions used of %d", len(seen), Count)
	}
	for p, n := range seen {
		if n < 50 || n > 150 {
			t.Errorf("partition %d holds %d of 6400 workflows (expected about 100)", p, n)
		}
	}
}

func TestSet(t *testing.T) {
	s := SetOf(0, 5, 63, 64, -1)
	if s.Len() != 3 || !s.Has(0) || !s.Has(5) || !s.Has(63) || s.Has(64) || s.Has(1) {
		t.Fatalf("SetOf = %b", s)
	}
	s = s.Without(5).With(7)
	if got := fmt.Sprint(s.List()); got != "[0 7 63]" {
		t.Errorf("List = %s", got)
	}
	if got := SetOf(0, 1, 2, 3, 7, 9, 10).String(); got != "0-3,7,9-10" {
		t.Errorf("String = %q", got)
	}
	if Set(0).String() != "" {
		t.Errorf("the empty set writes %q", Set(0).String())
	}
	if All.Len() != Count {
		t.Errorf("All has %d", All.Len())
	}
}
