package service

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"

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
func BusEvents(region string) func(row *store.Execution, from string, history []store.Event) []*store.OutboxEvent {
	return func(row *store.Execution, from string, _ []store.Event) []*store.OutboxEvent {
		if from == row.Status {
			return nil
		}
		ev := StatusEvent(region, row)
		return []*store.OutboxEvent{ev}
	}
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
	if row.Output != "" {
		output = row.Output
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
		"input":           row.Input,
		"inputDetails":    map[string]any{"included": true},
		"output":          output,
		"outputDetails":   outputDetails(output),
		"error":           errName,
		"cause":           cause,
		"redriveCount":    row.RedriveCount,
	}
	if row.VersionArn != "" {
		detail["stateMachineVersionArn"] = row.VersionArn
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

func outputDetails(output any) any {
	if output == nil {
		return nil
	}
	return map[string]any{"included": true}
}

// uuidOf formats 16 bytes as a version-4-shaped UUID.
func uuidOf(b []byte) string {
	var u [16]byte
	copy(u[:], b)
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
