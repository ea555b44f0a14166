package service

import (
	"cmp"
	"context"
	"errors"
	"strings"

	"github.com/batonhq/baton/internal/store"
)

// MaxLogChunks is the most chunks one GetExecutionLogs answers.
const MaxLogChunks = 1000

// GetExecutionLogsInput asks for the task logs of an execution: what the
// commands of its tasks wrote on stdout and stderr.
type GetExecutionLogsInput struct {
	ExecutionArn string
	Step         string // only this state's (step's) tasks; "" for all
	Attempt      int    // only this attempt (1 is the first run); 0 for all
	Offset       int64  // only what was appended after this position (an Offset answered before)
	MaxResults   int    // most chunks (0: MaxLogChunks)
}

// LogChunk is a piece of one task attempt's output. Text is the output as
// UTF-8 (invalid bytes replaced by U+FFFD).
type LogChunk struct {
	Seq     int64  `json:"seq"`
	Step    string `json:"step"`
	TaskID  string `json:"taskId"`
	Attempt int    `json:"attempt"`
	Stream  string `json:"stream"` // stdout or stderr
	Time    Time   `json:"time"`
	Text    string `json:"text"`
	// Cut is the number of bytes of the attempt's output cut (its size cap)
	// before this chunk; Text then begins with the marker line
	// "[... N bytes cut ...]".
	Cut int64 `json:"cut,omitempty"`
}

// GetExecutionLogsOutput is a page of an execution's task logs.
type GetExecutionLogsOutput struct {
	Chunks []LogChunk `json:"chunks"`
	// Offset is where the next read goes on (its Offset): the Seq of the
	// last chunk, or the request's Offset when there is none.
	Offset int64 `json:"offset"`
	// ExecutionStatus is the execution's status when it was read, before
	// the logs: once it is not RUNNING, an empty page is the end.
	ExecutionStatus string `json:"executionStatus"`
}

// GetExecutionLogs reads a page of the task logs of an execution.
func (s *Service) GetExecutionLogs(ctx context.Context, in *GetExecutionLogsInput) (*GetExecutionLogsOutput, error) {
	if err := required(field{"executionArn", in.ExecutionArn}); err != nil {
		return nil, err
	}
	a, err := parseArn("executionArn", in.ExecutionArn, ArnExecution, ArnExpressExecution)
	if err != nil {
		return nil, err
	}
	var msgs []string
	if in.Attempt < 0 {
		msgs = append(msgs, "attempt must be 1 or more (1 is the first run of a task), or 0 for every attempt")
	}
	if in.Offset < 0 {
		msgs = append(msgs, "offset must be 0 or more: the offset a previous answer gave")
	}
	if in.MaxResults < 0 || in.MaxResults > MaxLogChunks {
		msgs = append(msgs, "maxResults must be between 1 and 1000")
	}
	if err := validationErrors(msgs); err != nil {
		return nil, err
	}
	status := "RUNNING"
	ex, err := s.store.GetExecution(ctx, in.ExecutionArn)
	switch {
	case err == nil:
		status = ex.Status
	case a.Kind == ArnExpressExecution && errors.Is(err, store.ErrNotFound):
		// Express executions are stored when they end: it runs, or never ran.
	default:
		return nil, storeErr(err, executionNotFound(in.ExecutionArn))
	}
	chunks, err := s.store.ReadLogs(ctx, in.ExecutionArn, store.LogQuery{StateName: in.Step, Attempt: in.Attempt,
		After: in.Offset, Limit: cmp.Or(in.MaxResults, MaxLogChunks)})
	if err != nil {
		return nil, storeErr(err, nil)
	}
	out := &GetExecutionLogsOutput{Chunks: make([]LogChunk, 0, len(chunks)), Offset: in.Offset, ExecutionStatus: status}
	for _, c := range chunks {
		out.Chunks = append(out.Chunks, LogChunk{Seq: c.Seq, Step: c.StateName, TaskID: c.TaskID, Attempt: c.Attempt,
			Stream: c.Stream, Time: NewTime(c.Time), Text: strings.ToValidUTF8(string(c.Data), "\uFFFD"), Cut: c.Cut})
		out.Offset = c.Seq
	}
	return out, nil
}
