package service

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/batonhq/baton/internal/store"
)

// GetExecutionHistory returns the events of a Standard execution, oldest
// first (newest first with reverseOrder), a page at a time. With
// includeExecutionData false, event details carry no input or output.
// Express executions have no history: their ARNs are InvalidArn here, as in
// Step Functions.
func (s *Service) GetExecutionHistory(ctx context.Context, in *GetExecutionHistoryInput) (*GetExecutionHistoryOutput, error) {
	if err := required(field{"executionArn", in.ExecutionArn}); err != nil {
		return nil, err
	}
	if _, err := parseArn("executionArn", in.ExecutionArn, ArnExecution); err != nil {
		return nil, err
	}
	p, err := page(in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	events, next, err := s.store.History(ctx, in.ExecutionArn, in.ReverseOrder, p)
	if err != nil {
		return nil, storeErr(err, executionNotFound(in.ExecutionArn))
	}
	if len(events) == 0 && in.NextToken == "" {
		// An existing execution has at least ExecutionStarted: tell an
		// unknown execution from an empty page.
		if _, err := s.store.GetExecution(ctx, in.ExecutionArn); err != nil {
			return nil, storeErr(err, executionNotFound(in.ExecutionArn))
		}
	}
	withData := in.IncludeExecutionData == nil || *in.IncludeExecutionData
	out := &GetExecutionHistoryOutput{Events: make([]json.RawMessage, 0, len(events)), NextToken: next}
	for _, e := range events {
		out.Events = append(out.Events, renderEvent(e, withData))
	}
	return out, nil
}

// renderEvent returns the event as GetExecutionHistory shows it: the
// stored body with its timestamp in epoch seconds, and without input and
// output when withData is false.
func renderEvent(e store.Event, withData bool) json.RawMessage {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(e.Body, &m); err != nil || m == nil {
		m = map[string]json.RawMessage{}
	}
	ts := e.Timestamp
	if ts.IsZero() {
		var str string
		if raw, ok := m["timestamp"]; ok && json.Unmarshal(raw, &str) == nil {
			ts, _ = time.Parse(time.RFC3339Nano, str)
		}
	}
	m["timestamp"] = json.RawMessage(formatEpoch(ts.UnixMilli()))
	m["id"] = mustJSON(e.ID)
	if e.Type != "" {
		m["type"] = mustJSON(e.Type)
	}
	if _, ok := m["previousEventId"]; !ok || e.Previous != 0 {
		m["previousEventId"] = mustJSON(e.Previous)
	}
	if !withData {
		for k, v := range m {
			if !strings.HasSuffix(k, "EventDetails") {
				continue
			}
			var d map[string]json.RawMessage
			if json.Unmarshal(v, &d) != nil || d == nil {
				continue
			}
			for _, f := range []string{"input", "inputDetails", "output", "outputDetails"} {
				delete(d, f)
			}
			m[k] = mustJSON(d)
		}
	}
	return mustJSON(m)
}

// mustJSON marshals values that cannot fail (numbers, strings, maps of raw
// JSON that was just decoded).
func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return json.RawMessage("null")
	}
	return b
}
