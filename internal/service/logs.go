package service

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/batonhq/baton/internal/apierr"

	"github.com/batonhq/baton/internal/store"
)

// MaxLogChunks is the most chunks one GetExecutionLogs answers.
const MaxLogChunks = 1000

// MaxLogPageBytes bounds the output one GetExecutionLogs answers (past the
// chunk that reaches it), so that a page of large chunks stays a few MB.
const MaxLogPageBytes = 4 << 20

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
	// More is true when the page ended at maxResults or at the page's size
	// bound: more output may be read at once from Offset.
	More bool `json:"more,omitempty"`
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
	limit := cmp.Or(in.MaxResults, MaxLogChunks)
	chunks, err := s.store.ReadLogs(ctx, in.ExecutionArn, store.LogQuery{StateName: in.Step, Attempt: in.Attempt,
		After: in.Offset, Limit: limit, MaxBytes: MaxLogPageBytes})
	if err != nil {
		return nil, storeErr(err, nil)
	}
	out := &GetExecutionLogsOutput{Chunks: make([]LogChunk, 0, len(chunks)), Offset: in.Offset, ExecutionStatus: status}
	size := 0
	for _, c := range chunks {
		size += len(c.Data)
		out.Chunks = append(out.Chunks, LogChunk{Seq: c.Seq, Step: c.StateName, TaskID: c.TaskID, Attempt: c.Attempt,
			Stream: c.Stream, Time: NewTime(c.Time), Text: strings.ToValidUTF8(string(c.Data), "\uFFFD"), Cut: c.Cut})
		out.Offset = c.Seq
	}
	out.More = len(chunks) == limit || size >= MaxLogPageBytes
	return out, nil
}

// MaxTaskLogText is the most text one SendTaskLogs carries.
const MaxTaskLogText = 1 << 20

// SendTaskLogsInput carries output of the command of an activity task, from
// the worker that runs it (baton worker), to keep in the task's log.
type SendTaskLogsInput struct {
	TaskToken string         `json:"taskToken"`
	Chunks    []TaskLogInput `json:"chunks"`
}

// TaskLogInput is a piece of a task command's output.
type TaskLogInput struct {
	Stream string `json:"stream"` // stdout or stderr
	Text   string `json:"text"`
}

// SendTaskLogs appends a worker's output to the log of the task attempt
// its token names (the execution, state and attempt the token was issued
// for). A task that is done (its result applied, timed out) takes no more
// output: TaskTimedOut.
func (s *Service) SendTaskLogs(ctx context.Context, in *SendTaskLogsInput) error {
	if err := required(field{"taskToken", in.TaskToken}); err != nil {
		return err
	}
	if err := checkToken(in.TaskToken); err != nil {
		return err
	}
	var msgs []string
	size := 0
	for i, c := range in.Chunks {
		if c.Stream != store.LogStdout && c.Stream != store.LogStderr {
			msgs = append(msgs, fmt.Sprintf("chunks[%d].stream %q: want stdout or stderr", i, c.Stream))
		}
		size += len(c.Text)
	}
	if size > MaxTaskLogText {
		msgs = append(msgs, fmt.Sprintf("the chunks hold %d bytes of text, more than %d: send them in several calls", size, MaxTaskLogText))
	}
	if err := validationErrors(msgs); err != nil {
		return err
	}
	t, err := s.store.GetTask(ctx, in.TaskToken)
	if err != nil {
		return storeErr(err, func() error {
			return apierr.New(apierr.TaskTimedOut, "Task Timed Out: the task of this token is done (its result applied, or timed out); its log takes no more output")
		})
	}
	now := s.now()
	chunks := make([]*store.LogChunk, 0, len(in.Chunks))
	for _, c := range in.Chunks {
		if c.Text == "" {
			continue
		}
		chunks = append(chunks, &store.LogChunk{ExecutionArn: t.ExecutionArn, TaskID: t.TaskID, StateName: t.StateName,
			Attempt: t.Attempt + 1, Stream: c.Stream, Time: now, Data: []byte(c.Text)})
	}
	if len(chunks) == 0 {
		return nil
	}
	return storeErr(s.store.AppendLogs(ctx, s.cfg.MaxTaskLogBytes, chunks), nil)
}
