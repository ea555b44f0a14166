package service

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/batonhq/baton/internal/store"
)

// Bus event kinds of executions, as Step Functions sends them to
// EventBridge: rules written for AWS match Baton's events unchanged.
const (
	StatesSource           = "aws.states"
	ExecutionStatusChanged = "Step Functions Execution Status Change"
	DefaultBus             = "default"
)

// BusEvents returns the engine's Config.BusEvents for a server in region:
// an execution's status change becomes Step Functions' "Execution Status
// Change" event on the default bus of its namespace (the account in its
// ARN). Pipelines' runs carry their logical date as detail.logicalDate (a
// Baton addition, for triggers that match runs of the same day).
func BusEvents(region string) func(row *store.Execution, from string, history []store.Event, tasks []*store.Task) []*store.OutboxEvent {
	return func(row *store.Execution, from string, history []store.Event, tasks []*store.Task) []*store.OutboxEvent {
		var out []*store.OutboxEvent
		if from != row.Status && row.Status == "RUNNING" {
			// A run that starts (or is redriven) does so before its steps.
			out = append(out, StatusEvent(region, row))
		}
		if row.Language == "pipeline" && len(history) > 0 {
			out = append(out, stepEvents(region, row, history, tasks)...)
		}
		if from != row.Status && row.Status != "RUNNING" {
			out = append(out, StatusEvent(region, row))
		}
		return out
	}
}

// Bus events of pipeline steps.
const (
	PipelineSource    = "baton.pipeline"
	StepStatusChanged = "Pipeline Step Status Change"
)

// stepEvents returns the status changes of a pipeline run's steps that
// history records: a step entered is RUNNING; a step exited is SUCCEEDED,
// FAILED or TIMED_OUT by the outcome before it; a step stopped is
// ABORTED; a step skipped is SKIPPED (its reason as error). A task
// scheduled again for a retry (attempt 2 and on) is RETRYING, with its
// attempt number.
func stepEvents(region string, row *store.Execution, history []store.Event, tasks []*store.Task) []*store.OutboxEvent {
	type parsed struct {
		typ, name, err, cause string
		prev                  int64
	}
	byID := map[int64]parsed{}
	var out []*store.OutboxEvent
	for _, h := range history {
		var raw map[string]json.RawMessage
		if json.Unmarshal(h.Body, &raw) != nil {
			continue
		}
		p := parsed{typ: h.Type, prev: h.Previous}
		for k, v := range raw {
			if strings.HasSuffix(k, "EventDetails") {
				var d struct{ Name, Error, Cause string }
				_ = json.Unmarshal(v, &d)
				p.name, p.err, p.cause = d.Name, d.Error, d.Cause
			}
		}
		byID[h.ID] = p
		status, errName, cause := "", "", ""
		switch {
		case strings.HasSuffix(h.Type, "StateEntered"):
			status = "RUNNING"
		case strings.HasSuffix(h.Type, "StateExited"):
			switch o := byID[h.Previous]; o.typ {
			case "TaskSucceeded", "MapStateSucceeded":
				status = "SUCCEEDED"
			case "TaskFailed", "MapStateFailed":
				status, errName, cause = "FAILED", o.err, o.cause
			case "TaskTimedOut":
				status, errName, cause = "TIMED_OUT", o.err, o.cause
			}
		case h.Type == "TaskStateAborted":
			status = "ABORTED"
		case h.Type == "StepSkipped":
			status, errName, cause = "SKIPPED", p.err, p.cause
		}
		if status == "" || p.name == "" {
			continue
		}
		detail := map[string]any{"executionArn": row.Arn, "stateMachineArn": row.StateMachineArn, "name": row.Name,
			"step": p.name, "status": status, "error": nilIfEmpty(errName), "cause": nilIfEmpty(cause)}
		out = append(out, stepEvent(region, row, fmt.Sprintf("%d", h.ID), h.Timestamp, detail))
	}
	for _, t := range tasks {
		if t.Attempt < 1 || t.StateName == "" {
			continue
		}
		detail := map[string]any{"executionArn": row.Arn, "stateMachineArn": row.StateMachineArn, "name": row.Name,
			"step": t.StateName, "status": "RETRYING", "attempt": t.Attempt + 1, "error": nil, "cause": nil}
		out = append(out, stepEvent(region, row, "task\x00"+t.TaskID, t.CreatedAt, detail))
	}
	return out
}

// stepEvent wraps a step's status change in its bus envelope; key makes
// its id (the same change stored again is the same event).
func stepEvent(region string, row *store.Execution, key string, at time.Time, detail map[string]any) *store.OutboxEvent {
	if d := TriggerDepth(row.TraceHeader); d > 0 {
		detail["triggerDepth"] = d
	}
	account := ""
	if a, err := ParseArn(row.Arn); err == nil {
		account, region = a.Account, a.Region
	}
	hash := sha256.Sum256(fmt.Appendf(nil, "%s\x00step\x00%d\x00%s", row.Arn, row.RedriveCount, key))
	env := map[string]any{"version": "0", "id": uuidOf(hash[:16]), "detail-type": StepStatusChanged, "source": PipelineSource,
		"account": account, "time": at.UTC().Format("2006-01-02T15:04:05Z"), "region": region,
		"resources": []string{row.Arn}, "detail": detail}
	body, _ := json.Marshal(env)
	return &store.OutboxEvent{Partition: store.PartitionOf(row.Arn), Account: account, Bus: DefaultBus, Time: at, Body: body}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// StatusEvent returns the status event of an execution as it is now.
func StatusEvent(region string, row *store.Execution) *store.OutboxEvent {
	account := ""
	if a, err := ParseArn(row.Arn); err == nil {
		account, region = a.Account, a.Region
	}
	var stop, output, errName, cause any
	if !row.StopDate.IsZero() {
		stop = row.StopDate.UnixMilli()
	}
	outputDetail := any(nil)
	if row.Output != "" {
		output, outputDetail = row.Output, map[string]any{"included": true}
		if len(row.Output) > MaxEventPayload {
			output, outputDetail = nil, map[string]any{"included": false}
		}
	}
	input, inputDetail := any(row.Input), map[string]any{"included": true}
	if len(row.Input) > MaxEventPayload {
		input, inputDetail = nil, map[string]any{"included": false}
	}
	if row.Error != "" || row.Cause != "" {
		errName, cause = row.Error, row.Cause
	}
	at := row.StartDate
	if !row.StopDate.IsZero() {
		at = row.StopDate
	}
	if row.RedriveCount > 0 && row.Status == "RUNNING" && !row.RedriveDate.IsZero() {
		at = row.RedriveDate
	}
	detail := map[string]any{
		"executionArn":    row.Arn,
		"stateMachineArn": row.StateMachineArn,
		"name":            row.Name,
		"status":          row.Status,
		"startDate":       row.StartDate.UnixMilli(),
		"stopDate":        stop,
		"input":           input,
		"inputDetails":    inputDetail,
		"output":          output,
		"outputDetails":   outputDetail,
		"error":           errName,
		"cause":           cause,
		"redriveCount":    row.RedriveCount,
	}
	if row.VersionArn != "" {
		detail["stateMachineVersionArn"] = row.VersionArn
	}
	if d := TriggerDepth(row.TraceHeader); d > 0 {
		detail["triggerDepth"] = d
	}
	if row.AliasArn != "" {
		detail["stateMachineAliasArn"] = row.AliasArn
	}
	if row.Language != "" && row.Language != "asl" {
		ld := row.LogicalDate
		if ld.IsZero() {
			ld = row.StartDate
		}
		detail["logicalDate"] = ld.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	// The id is derived from what the event says, so that the same change
	// stored again (a retried commit) is the same event.
	h := sha256.Sum256(fmt.Appendf(nil, "%s\x00%s\x00%d\x00%d", row.Arn, row.Status, row.RedriveCount, row.EventCount))
	env := map[string]any{
		"version":     "0",
		"id":          uuidOf(h[:16]),
		"detail-type": ExecutionStatusChanged,
		"source":      StatesSource,
		"account":     account,
		"time":        at.UTC().Format("2006-01-02T15:04:05Z"),
		"region":      region,
		"resources":   []string{row.Arn},
		"detail":      detail,
	}
	body, _ := json.Marshal(env) // strings, numbers and maps: cannot fail
	return &store.OutboxEvent{Partition: store.PartitionOf(row.Arn), Account: account, Bus: DefaultBus, Time: at, Body: body}
}

// MaxEventPayload is the largest input or output a status event carries:
// past it, as Step Functions does, the event says "included": false (read
// them with DescribeExecution).
const MaxEventPayload = 64 << 10

// uuidOf formats 16 bytes as a version-4-shaped UUID.
func uuidOf(b []byte) string {
	var u [16]byte
	copy(u[:], b)
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// triggerDepthKey is the trace header's key that carries how many triggers
// led to a run (events.RunRequest.Depth), in X-Ray's key=value form.
const triggerDepthKey = "BatonTriggerDepth"

// TriggerDepthHeader is the trace header of a run that depth triggers led
// to ("" for 0).
func TriggerDepthHeader(depth int) string {
	if depth <= 0 {
		return ""
	}
	return fmt.Sprintf("%s=%d", triggerDepthKey, depth)
}

// TriggerDepth reads the depth a trace header carries (0 for none).
func TriggerDepth(traceHeader string) int {
	for _, kv := range strings.Split(traceHeader, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if ok && k == triggerDepthKey {
			if n, err := strconv.Atoi(v); err == nil && n > 0 {
				return n
			}
		}
	}
	return 0
}
