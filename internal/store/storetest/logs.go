package storetest

import (
	"bytes"
	"strings"

	"github.com/batonhq/baton/internal/store"
)

// chunk returns a log chunk of task (state name, attempt) of execution arn.
func chunk(arn, task, state string, attempt int, stream, data string) *store.LogChunk {
	return &store.LogChunk{ExecutionArn: arn, TaskID: task, StateName: state, Attempt: attempt, Stream: stream, Time: at(5), Data: []byte(data)}
}

// readLogs reads every chunk q selects, a page of 2 at a time.
func (e *env) readLogs(arn string, q store.LogQuery) []*store.LogChunk {
	e.Helper()
	var all []*store.LogChunk
	q.Limit = 2
	for range 1000 {
		page, err := e.s.ReadLogs(e.ctx, arn, q)
		e.ok(err, "ReadLogs(%q, %+v)", arn, q)
		if len(page) > 2 {
			e.Fatalf("ReadLogs returned %d chunks, limit 2", len(page))
		}
		if len(page) == 0 {
			return all
		}
		all = append(all, page...)
		q.After = page[len(page)-1].Seq
	}
	e.Fatalf("ReadLogs: too many pages")
	return nil
}

// text joins the data of chunks.
func text(chunks []*store.LogChunk) string {
	var b bytes.Buffer
	for _, c := range chunks {
		b.Write(c.Data)
	}
	return b.String()
}

var logTests = []test{
	{"AppendAndRead", func(e *env) {
		arn := execArn(smArnA, "logs")
		e.ok(e.s.AppendLogs(e.ctx, 0, []*store.LogChunk{
			chunk(arn, "task-1", "Build", 1, store.LogStdout, "compiling\n"),
			chunk(arn, "task-1", "Build", 1, store.LogStderr, "warning: x\n"),
		}), "AppendLogs")
		e.ok(e.s.AppendLogs(e.ctx, 0, []*store.LogChunk{
			chunk(arn, "task-2", "Build", 2, store.LogStdout, "again\n"),
			chunk(arn, "task-3", "Test", 1, store.LogStdout, "ok\n"),
			chunk(execArn(smArnA, "other"), "task-1", "Build", 1, store.LogStdout, "not mine\n"),
		}), "AppendLogs")
		all := e.readLogs(arn, store.LogQuery{})
		e.equal(text(all), "compiling\nwarning: x\nagain\nok\n", "the execution's logs in append order")
		if len(all) == 4 {
			got := all[1]
			e.equal([]any{got.TaskID, got.StateName, got.Attempt, got.Stream, got.Time, got.ExecutionArn, got.Cut},
				[]any{"task-1", "Build", 1, store.LogStderr, at(5), arn, int64(0)}, "a chunk's fields")
			for i := 1; i < len(all); i++ {
				if all[i].Seq <= all[i-1].Seq {
					e.Errorf("Seq not increasing: %d after %d", all[i].Seq, all[i-1].Seq)
				}
			}
		}
		e.equal(text(e.readLogs(arn, store.LogQuery{StateName: "Build"})), "compiling\nwarning: x\nagain\n", "one step")
		e.equal(text(e.readLogs(arn, store.LogQuery{StateName: "Build", Attempt: 2})), "again\n", "one attempt")
		e.equal(text(e.readLogs(arn, store.LogQuery{Attempt: 1})), "compiling\nwarning: x\nok\n", "first attempts")
		e.equal(len(e.readLogs(execArn(smArnA, "none"), store.LogQuery{})), 0, "an execution without logs")
	}},
	{"PageBoundedInBytes", func(e *env) {
		arn := execArn(smArnA, "bytes")
		for _, s := range []string{"aaaa", "bbbb", "cccc", "dddddddddd"} {
			e.ok(e.s.AppendLogs(e.ctx, 0, []*store.LogChunk{chunk(arn, "t", "S", 1, store.LogStdout, s)}), "AppendLogs")
		}
		page, err := e.s.ReadLogs(e.ctx, arn, store.LogQuery{MaxBytes: 6})
		e.ok(err, "ReadLogs")
		e.equal(text(page), "aaaabbbb", "the page ends after the chunk that reaches MaxBytes")
		if len(page) == 2 {
			rest, err := e.s.ReadLogs(e.ctx, arn, store.LogQuery{After: page[1].Seq, MaxBytes: 1})
			e.ok(err, "ReadLogs")
			e.equal(text(rest), "cccc", "a page holds at least one chunk")
		}
	}},
	{"ReadFromCursor", func(e *env) {
		arn := execArn(smArnA, "follow")
		e.ok(e.s.AppendLogs(e.ctx, 0, []*store.LogChunk{chunk(arn, "t", "S", 1, store.LogStdout, "one\n")}), "AppendLogs")
		first, err := e.s.ReadLogs(e.ctx, arn, store.LogQuery{})
		e.ok(err, "ReadLogs")
		if len(first) != 1 {
			e.Fatalf("ReadLogs: %d chunks, want 1", len(first))
		}
		cursor := first[0].Seq
		none, err := e.s.ReadLogs(e.ctx, arn, store.LogQuery{After: cursor})
		e.ok(err, "ReadLogs after the last chunk")
		e.equal(len(none), 0, "chunks after the last one")
		e.ok(e.s.AppendLogs(e.ctx, 0, []*store.LogChunk{chunk(arn, "t", "S", 1, store.LogStdout, "two\n")}), "AppendLogs")
		e.equal(text(e.readLogs(arn, store.LogQuery{After: cursor})), "two\n", "what came after the cursor")
	}},
	{"CapKeepsNewest", func(e *env) {
		arn := execArn(smArnA, "chatty")
		// 10 lines of 10 bytes, cap 35: the newest 35 bytes stay (half a
		// line of g's and three whole lines).
		for i := range 10 {
			line := strings.Repeat(string(rune('a'+i)), 9) + "\n"
			e.ok(e.s.AppendLogs(e.ctx, 35, []*store.LogChunk{chunk(arn, "t", "S", 1, store.LogStdout, line)}), "AppendLogs")
		}
		// Another attempt is capped on its own.
		e.ok(e.s.AppendLogs(e.ctx, 35, []*store.LogChunk{chunk(arn, "u", "S", 2, store.LogStdout, "short\n")}), "AppendLogs")
		all := e.readLogs(arn, store.LogQuery{})
		want := store.CutMarker(65) + "gggg\nhhhhhhhhh\niiiiiiiii\njjjjjjjjj\n" + "short\n"
		e.equal(text(all), want, "a capped log")
		if len(all) > 0 {
			e.equal(all[0].Cut, int64(65), "Cut of the first chunk kept")
		}
		// A reader past the cut sees no marker; one chunk larger than the
		// cap keeps its tail.
		e.equal(text(e.readLogs(arn, store.LogQuery{After: all[0].Seq})), "hhhhhhhhh\niiiiiiiii\njjjjjjjjj\nshort\n", "read after the first chunk kept")
		big := execArn(smArnA, "big")
		e.ok(e.s.AppendLogs(e.ctx, 4, []*store.LogChunk{chunk(big, "t", "S", 1, store.LogStderr, "0123456789")}), "AppendLogs")
		e.equal(text(e.readLogs(big, store.LogQuery{})), store.CutMarker(6)+"6789", "a chunk over the cap")
		// Survives a reopen.
		e.ok(e.s.Close(), "Close")
		e.s = e.reopen()
		e.equal(text(e.readLogs(arn, store.LogQuery{})), want, "a capped log after reopen")
	}},
	{"DeletedWithExecution", func(e *env) {
		x := running(smArnA, "gone", at(1))
		e.commit(start(x, 2))
		keep := running(smArnA, "kept", at(2))
		e.commit(start(keep, 1))
		e.ok(e.s.AppendLogs(e.ctx, 0, []*store.LogChunk{
			chunk(x.Arn, "t", "S", 1, store.LogStdout, "bye\n"),
			chunk(keep.Arn, "t", "S", 1, store.LogStdout, "stay\n"),
		}), "AppendLogs")
		e.is(e.s.DeleteExecution(e.ctx, x.Arn), store.ErrConflict, "DeleteExecution of a RUNNING execution")
		done := clone(x)
		done.Status, done.StopDate, done.Output = "SUCCEEDED", at(3), "{}"
		e.commit(&store.Transition{Execution: done, Events: []store.Event{event(3, "ExecutionSucceeded")}, DeleteAll: true})
		e.ok(e.s.DeleteExecution(e.ctx, x.Arn), "DeleteExecution")
		_, err := e.s.GetExecution(e.ctx, x.Arn)
		e.is(err, store.ErrNotFound, "GetExecution after DeleteExecution")
		_, _, err = e.s.History(e.ctx, x.Arn, false, store.Page{})
		e.is(err, store.ErrNotFound, "History after DeleteExecution")
		e.equal(len(e.readLogs(x.Arn, store.LogQuery{})), 0, "logs after DeleteExecution")
		e.equal(text(e.readLogs(keep.Arn, store.LogQuery{})), "stay\n", "another execution's logs")
		e.is(e.s.DeleteExecution(e.ctx, x.Arn), store.ErrNotFound, "DeleteExecution twice")
		// The name can be used again.
		again := running(smArnA, "gone", at(4))
		e.commit(start(again, 1))
		e.equal(e.getExec(again.Arn).StartDate, at(4), "an execution started again with the deleted one's name")
	}},
}
