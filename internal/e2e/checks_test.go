package e2e

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// TestHistoryChecks makes sure the crash test's history checks catch what
// they are meant to catch, on made-up histories.
func TestHistoryChecks(t *testing.T) {
	ev := func(id, prev int64, typ types.HistoryEventType, state string) types.HistoryEvent {
		e := types.HistoryEvent{Id: id, PreviousEventId: prev, Type: typ}
		if strings.HasSuffix(string(typ), "StateEntered") {
			e.StateEnteredEventDetails = &types.StateEnteredEventDetails{Name: aws.String(state)}
		}
		if strings.HasSuffix(string(typ), "StateExited") {
			e.StateExitedEventDetails = &types.StateExitedEventDetails{Name: aws.String(state)}
		}
		return e
	}
	k := &crashKind{entered: map[string]int{"T": 1}, counts: map[types.HistoryEventType]int{types.HistoryEventTypeTaskSucceeded: 1}}
	good := []types.HistoryEvent{
		ev(1, 0, types.HistoryEventTypeExecutionStarted, ""),
		ev(2, 0, types.HistoryEventTypeTaskStateEntered, "T"),
		ev(3, 2, types.HistoryEventTypeTaskScheduled, ""),
		ev(4, 3, types.HistoryEventTypeTaskStarted, ""),
		ev(5, 4, types.HistoryEventTypeTaskSucceeded, ""),
		ev(6, 5, types.HistoryEventTypeTaskStateExited, "T"),
		ev(7, 6, types.HistoryEventTypeExecutionSucceeded, ""),
	}
	for name, check := range map[string]func([]types.HistoryEvent) error{
		"gapFree":      gapFree,
		"onceEach":     func(evs []types.HistoryEvent) error { return onceEach(evs, k) },
		"taskOutcomes": taskOutcomes,
	} {
		if err := check(good); err != nil {
			t.Errorf("%s rejects a good history: %v", name, err)
		}
	}

	gap := append([]types.HistoryEvent{}, good[:3]...)
	gap = append(gap, good[4:]...)
	if gapFree(gap) == nil {
		t.Errorf("gapFree accepts a history without event 4")
	}
	twice := append(append([]types.HistoryEvent{}, good[:5]...), ev(6, 4, types.HistoryEventTypeTaskSucceeded, ""))
	for _, e := range good[5:] {
		e.Id++
		e.PreviousEventId++
		twice = append(twice, e)
	}
	if gapFree(twice) != nil {
		t.Fatalf("bad test: the duplicate history is not gap-free")
	}
	if taskOutcomes(twice) == nil {
		t.Errorf("taskOutcomes accepts a task that succeeded twice")
	}
	if onceEach(twice, k) == nil {
		t.Errorf("onceEach accepts two TaskSucceeded events")
	}
	reentered := append(append([]types.HistoryEvent{}, good[:6]...), ev(7, 6, types.HistoryEventTypeTaskStateEntered, "T"))
	last := good[6]
	last.Id, last.PreviousEventId = 8, 7
	reentered = append(reentered, last)
	if onceEach(reentered, k) == nil {
		t.Errorf("onceEach accepts a state entered twice")
	}
	unfinished := good[:4]
	if onceEach(unfinished, k) == nil || taskOutcomes(unfinished) == nil {
		t.Errorf("the checks accept a history that stops at TaskStarted")
	}
}
