package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/tasks"
)

// Error names the engine raises for tasks.
const (
	ErrNoExecutor = "Baton.NoExecutor" // no executor for the Task's resource on this server
	ErrTaskFailed = "States.TaskFailed"
)

const childPrefix = "arn:aws:states:::states:startExecution"

// classify tells how a Task resource runs: its kind, the activity ARN for
// activities, and the startExecution mode ("", ".sync", ".sync:2",
// ".waitForTaskToken") for nested executions.
func (e *Engine) classify(resource string) (kind, activityArn, mode string) {
	if rest, ok := strings.CutPrefix(resource, childPrefix); ok {
		return store.TaskChild, "", rest
	}
	if parts := strings.SplitN(resource, ":", 7); len(parts) == 7 && parts[0] == "arn" && parts[2] == "states" && parts[5] == "activity" {
		region, account := parts[3], parts[4]
		if region == "" {
			region = e.cfg.Region
		}
		if account == "" {
			account = e.cfg.AccountID
		}
		return store.TaskActivity, "arn:" + parts[1] + ":states:" + region + ":" + account + ":activity:" + parts[6], ""
	}
	if strings.HasSuffix(resource, ".waitForTaskToken") {
		return store.TaskCallback, "", ""
	}
	return store.TaskBuiltin, "", ""
}

// schedule records a task the interpreter asked for and, once that is
// stored, hands it to whoever runs it.
func (e *Engine) schedule(l *live, now time.Time, c asl.RunTask, tr *store.Transition) {
	kind, activityArn, mode := e.classify(c.Resource)
	tok := tokenFor(l.arn, c.TaskID, c.Token)
	if l.tokens == nil {
		l.tokens = map[string]string{}
	}
	l.tokens[c.TaskID] = tok
	input := string(asl.MarshalJSON(c.Input))
	t := &store.Task{
		Token: tok, ExecutionArn: l.arn, TaskID: c.TaskID, Kind: kind, Resource: c.Resource,
		ActivityArn: activityArn, StateName: c.StateName, Input: input, State: store.TaskQueued,
		Attempt: c.Attempt, TimeoutSec: int64(c.Timeout / time.Second), HeartbeatSec: int64(c.Heartbeat / time.Second),
		CreatedAt: now,
	}
	if l.express {
		e.tokensMu.Lock()
		e.memTasks[tok] = taskRef{arn: l.arn, taskID: c.TaskID}
		e.tokensMu.Unlock()
	} else {
		tr.AddTasks = append(tr.AddTasks, t)
	}
	switch kind {
	case store.TaskBuiltin, store.TaskCallback:
		l.busy++
		e.afterCommit(l, func(err error) {
			if err != nil || l.tokens[c.TaskID] != tok {
				l.busy-- // not stored, or cancelled in the same transition
				return
			}
			e.runBuiltin(l.arn, t, c.Input, c.Timeout, kind == store.TaskCallback, true, l.row.Name)
		})
	case store.TaskActivity:
		a := &activityEntry{task: t}
		if q := e.activity[activityArn]; q != nil && len(q.waiters) > 0 && !l.express {
			// A worker is waiting: claim the task in the same group commit
			// that schedules it, so that it reaches the worker one commit
			// sooner. (The claim runs once this transition is recorded.)
			e.soon = append(e.soon, func(error) { e.queueActivity(a) })
			break
		}
		e.afterCommit(l, func(err error) {
			if err == nil && l.tokens[c.TaskID] == tok {
				e.queueActivity(a)
			}
		})
	case store.TaskChild:
		if mode == ".sync" || mode == ".sync:2" {
			e.tokensMu.Lock()
			e.children[tok] = "" // its child, once started
			e.tokensMu.Unlock()
		}
		l.busy++
		e.afterCommit(l, func(err error) {
			l.busy--
			if err == nil && l.tokens[c.TaskID] == tok {
				go e.startChild(l.arn, t, c.Input, mode)
			} else {
				e.tokensMu.Lock()
				delete(e.children, tok)
				e.tokensMu.Unlock()
			}
		})
	}
	if e.met != nil {
		e.met.tasks.WithLabelValues(kind).Inc()
	}
}

// runBuiltin runs a task on the worker pool. For a callback resource the
// executor, when there is one, only delivers the token: its failure fails
// the task, its success is ignored and the task waits for SendTaskSuccess.
func (e *Engine) runBuiltin(arn string, t *store.Task, input any, timeout time.Duration, callback, counted bool, execName string) {
	ctx, cancel := context.WithCancel(context.Background())
	e.running[t.Token] = cancel
	resource := t.Resource
	if callback {
		resource = strings.TrimSuffix(resource, ".waitForTaskToken")
	}
	req := tasks.Request{Resource: resource, Input: input, StateName: t.StateName, Attempt: t.Attempt,
		TaskToken: t.Token, Timeout: timeout, ExecutionName: execName}
	var logs tasks.LogWriter
	if e.cfg.TaskLogs != nil {
		logs = e.cfg.TaskLogs.OpenLog(arn, t.TaskID, t.StateName, t.Attempt+1)
		req.Logs = logs
	}
	e.pool.submit(func() {
		res := &resultIn{arn: arn, taskID: t.TaskID, token: t.Token, builtin: true, counted: counted}
		ex, err := e.cfg.Executors.Executor(resource, t.StateName)
		if err != nil {
			if callback {
				res.waitOnly = true // nothing delivers the token: wait for the callback
			} else {
				res.errName, res.cause = ErrNoExecutor, fmt.Sprintf("no executor for resource %q (state %q) on this server: map it to a local command with `baton server --resource %s=COMMAND`", resource, t.StateName, resource)
			}
		} else {
			out, err := ex.Run(ctx, req)
			if logs != nil {
				logs.Close() // stored before the result: an ended task's log is whole
			}
			var f *tasks.Failure
			switch {
			case errors.As(err, &f):
				res.errName, res.cause = f.Name, f.Cause
			case err != nil && ctx.Err() != nil:
				res.cancelled = true
			case err != nil:
				res.errName, res.cause = ErrTaskFailed, err.Error()
			case callback:
				res.waitOnly = true
			default:
				res.ok, res.output = true, out
			}
		}
		cancel()
		e.sendResult(res)
	})
}

// lastSegment is the part of an ARN after its last colon: the name of a
// state machine or of a Standard execution.
func lastSegment(arn string) string {
	if i := strings.LastIndexByte(arn, ':'); i >= 0 {
		return arn[i+1:]
	}
	return arn
}

// resultIn is the outcome of a task: from the worker pool, an activity
// worker, a callback or a nested execution.
type resultIn struct {
	arn, taskID, token string
	ok                 bool
	output             any
	errName, cause     string
	builtin            bool // from the worker pool
	counted            bool // counted in live.busy (not for tasks resumed after a restart)
	cancelled          bool // the task was cancelled: nothing to apply
	waitOnly           bool // a callback's delivery finished: keep waiting
	reply              chan error
}

func (e *Engine) handleResult(r *resultIn) {
	if r.builtin {
		delete(e.running, r.token)
	}
	if l := e.live[r.arn]; l != nil && l.results != nil && !l.results.taken {
		// Results that queue behind a computing execution (the branches of
		// a wide Parallel finishing) are applied together: one call, one
		// stored snapshot, instead of one each.
		l.results.rs = append(l.results.rs, r)
		return
	}
	b := &resultBatch{rs: []*resultIn{r}}
	e.withExec(r.arn, func(l *live, err error) {
		b.taken = true
		e.applyResults(l, b.rs)
	})
	if l := e.live[r.arn]; l != nil && len(l.waiting) > 0 {
		l.results = b // it waits last in the queue: later results join it
	}
}

// resultBatch is task results waiting together for their execution.
type resultBatch struct {
	rs    []*resultIn
	taken bool // being applied: later results make a new batch
}

// applyResults applies task results in one call of the interpreter. A
// result for a task that is no longer open (or already answered in the same
// batch) is refused.
func (e *Engine) applyResults(l *live, rs []*resultIn) {
	closed := apierr.New(apierr.TaskTimedOut, "Task Timed Out: the task is no longer open (it finished, timed out, or its execution ended)")
	var apply []*resultIn
	tr := &store.Transition{}
	for _, r := range rs {
		if r.counted && l != nil {
			l.busy--
		}
		if l == nil || l.x.Done() || !hasTask(l.x, r.taskID) || l.tokens[r.taskID] != r.token {
			if r.reply != nil {
				r.reply <- closed
			}
			continue
		}
		if r.cancelled || r.waitOnly {
			continue
		}
		tr.DeleteTasks = append(tr.DeleteTasks, r.token)
		delete(l.tokens, r.taskID) // a second result for it in rs is refused above
		e.forgetToken(l, r.token)
		apply = append(apply, r)
	}
	if len(apply) == 0 {
		return
	}
	now := e.clk.Now()
	e.step(l, now, tr, func(out *asl.Output) error {
		for _, r := range apply {
			if r.ok {
				l.m.Apply(l.x, asl.TaskSucceeded{TaskID: r.taskID, Output: r.output}, now, out)
			} else {
				l.m.Apply(l.x, asl.TaskFailed{TaskID: r.taskID, Error: r.errName, Cause: r.cause}, now, out)
			}
		}
		return nil
	}, func(err error) {
		for _, r := range apply {
			e.replyErr(l, r.reply, err)
		}
	})
}

// replyErr answers a call once the transition is stored (err: it was not
// recorded); a nil reply is not answered.
func (e *Engine) replyErr(l *live, reply chan error, err error) {
	switch {
	case reply == nil:
	case err != nil:
		reply <- err
	default:
		e.afterCommit(l, func(err error) { reply <- err })
	}
}

func hasTask(x *asl.Execution, taskID string) bool {
	_, ok := x.Tasks[taskID]
	return ok
}

// heartbeatIn is SendTaskHeartbeat.
type heartbeatIn struct {
	arn, taskID, token string
	reply              chan error
}

func (e *Engine) handleHeartbeat(h *heartbeatIn) {
	e.withExec(h.arn, func(l *live, err error) {
		if l == nil || l.x.Done() || l.tokens[h.taskID] != h.token || !hasTask(l.x, h.taskID) {
			h.reply <- apierr.New(apierr.TaskTimedOut, "Task Timed Out: the task is no longer open (it finished, timed out, or its execution ended)")
			return
		}
		now := e.clk.Now()
		e.step(l, now, &store.Transition{}, func(out *asl.Output) error {
			l.m.Apply(l.x, asl.TaskHeartbeat{TaskID: h.taskID}, now, out)
			return nil
		}, func(err error) { e.replyErr(l, h.reply, err) })
	})
}

// lookupToken finds the execution and task of a token.
func (e *Engine) lookupToken(ctx context.Context, token string) (taskRef, error) {
	e.tokensMu.Lock()
	ref, ok := e.memTasks[token]
	e.tokensMu.Unlock()
	if ok {
		return ref, nil
	}
	t, err := e.st.GetTask(ctx, token)
	if errors.Is(err, store.ErrNotFound) {
		if !plausibleToken(token) {
			return ref, apierr.New(apierr.InvalidToken, "Invalid Token: '%s' is not a task token issued by this server", truncate(token, 64))
		}
		return ref, apierr.New(apierr.TaskTimedOut, "Task Timed Out: the task is no longer open (it finished, timed out, or its execution ended)")
	}
	if err != nil {
		return ref, err
	}
	return taskRef{arn: t.ExecutionArn, taskID: t.TaskID}, nil
}

// plausibleToken reports whether s has the form of the tokens Baton issues
// (48 hex digits).
func plausibleToken(s string) bool {
	if len(s) != 48 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// deliver sends a task outcome from outside the loop and waits until it is
// applied and stored.
func (e *Engine) deliver(ctx context.Context, token string, r *resultIn) error {
	ref, err := e.lookupToken(ctx, token)
	if err != nil {
		return err
	}
	r.arn, r.taskID, r.token = ref.arn, ref.taskID, token
	r.reply = make(chan error, 1)
	if err := e.send(ctx, r); err != nil {
		return err
	}
	return await(e, r.reply, asIs)
}

// SendTaskSuccess completes a task (activity, callback) with its output.
func (e *Engine) SendTaskSuccess(ctx context.Context, token, output string) error {
	v, err := asl.ParseJSON([]byte(output))
	if err != nil {
		return apierr.New(apierr.InvalidOutput, "Invalid Output: the output is not valid JSON: %v", err)
	}
	return e.deliver(ctx, token, &resultIn{ok: true, output: v})
}

// SendTaskFailure fails a task with an error name and cause.
func (e *Engine) SendTaskFailure(ctx context.Context, token, errName, cause string) error {
	return e.deliver(ctx, token, &resultIn{errName: errName, cause: cause})
}

// SendTaskHeartbeat tells the execution the task is alive.
func (e *Engine) SendTaskHeartbeat(ctx context.Context, token string) error {
	ref, err := e.lookupToken(ctx, token)
	if err != nil {
		return err
	}
	h := &heartbeatIn{arn: ref.arn, taskID: ref.taskID, token: token, reply: make(chan error, 1)}
	if err := e.send(ctx, h); err != nil {
		return err
	}
	return await(e, h.reply, asIs)
}

// childName is the name of the nested execution of a task: derived from the
// task token, so that starting it again after a crash finds the same one.
func childName(token string) string { return "baton-" + token[:32] }

// startChild starts a nested execution and, unless the task waits for its
// end or a callback, reports the start as the task's result.
func (e *Engine) startChild(parentArn string, t *store.Task, params any, mode string) {
	ctx := context.Background()
	res := &resultIn{arn: parentArn, taskID: t.TaskID, token: t.Token}
	sync := mode == ".sync" || mode == ".sync:2"
	if e.cfg.Children == nil {
		res.errName, res.cause = ErrNoExecutor, "nested executions are not available in this engine"
		e.sendResult(res)
		return
	}
	req := ChildRequest{ParentArn: parentArn, Name: childName(t.Token), Parameters: params}
	if sync {
		req.ParentToken = t.Token
	}
	child, err := e.cfg.Children.StartChild(ctx, req)
	if err != nil {
		e.tokensMu.Lock()
		delete(e.children, t.Token)
		e.tokensMu.Unlock()
		res.errName, res.cause = ErrTaskFailed, err.Error()
		if ae, ok := apierr.As(err); ok {
			res.errName = "StepFunctions." + ae.Code + "Exception"
			if strings.HasSuffix(ae.Code, "Exception") {
				res.errName = "StepFunctions." + ae.Code
			}
			res.cause = ae.Message
		}
		e.sendResult(res)
		return
	}
	if sync && child.Status == asl.StatusRunning {
		e.tokensMu.Lock()
		cancelled := e.children[t.Token] == childCancelled
		if cancelled {
			delete(e.children, t.Token)
		} else {
			e.children[t.Token] = child.Arn
		}
		e.tokensMu.Unlock()
		if cancelled {
			// The parent's task was cancelled while the child started.
			e.Stop(ctx, child.Arn, "States.Aborted", "the parent execution's task "+parentArn+" was cancelled")
			return
		}
	}
	switch {
	case mode == "":
		res.ok, res.output = true, map[string]any{
			"ExecutionArn": child.Arn,
			"StartDate":    formatDate(child.StartDate),
		}
	case sync && child.Status != asl.StatusRunning:
		// Already ended (started before a crash, or an Express child).
		ok, out, errName, cause := childOutcome(child, mode == ".sync:2")
		res.ok, res.output, res.errName, res.cause = ok, out, errName, cause
	default:
		return // its end, or the callback, completes the task
	}
	e.sendResult(res)
}

func (e *Engine) sendResult(r *resultIn) {
	select {
	case e.in <- r:
	case <-e.quit:
	}
}

// formatDate renders a time as the AWS SDK integrations do in task results.
func formatDate(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// childOutcome is the result of a .sync task: the child's description, with
// Input and Output as JSON text (.sync) or JSON values (.sync:2).
func childOutcome(c *store.Execution, parsed bool) (ok bool, out any, errName, cause string) {
	payload := func(s string) any {
		if !parsed {
			return s
		}
		v, err := asl.ParseJSON([]byte(s))
		if err != nil {
			return s
		}
		return v
	}
	d := map[string]any{
		"ExecutionArn":    c.Arn,
		"StateMachineArn": c.StateMachineArn,
		"Name":            c.Name,
		"Status":          c.Status,
		"StartDate":       formatDate(c.StartDate),
		"StopDate":        formatDate(c.StopDate),
		"Input":           payload(c.Input),
		"InputDetails":    map[string]any{"Included": true},
	}
	if c.Status == asl.StatusSucceeded {
		d["Output"] = payload(c.Output)
		d["OutputDetails"] = map[string]any{"Included": true}
		return true, d, "", ""
	}
	if c.Error != "" {
		d["Error"] = c.Error
	}
	if c.Cause != "" {
		d["Cause"] = c.Cause
	}
	return false, nil, ErrTaskFailed, string(asl.MarshalJSON(d))
}

// childCancelled marks a .sync task cancelled before its child started.
const childCancelled = "-"

// stopChild stops, once the cancellation is stored, the nested execution a
// cancelled .sync task was waiting for (best effort, as AWS stops the job of
// a cancelled .sync task).
func (e *Engine) stopChild(l *live, tok string) {
	e.tokensMu.Lock()
	child, ok := e.children[tok]
	if ok && child == "" {
		e.children[tok] = childCancelled // startChild stops it once started
	} else {
		delete(e.children, tok)
	}
	e.tokensMu.Unlock()
	if !ok || child == "" || child == childCancelled {
		return
	}
	e.afterCommit(l, func(err error) {
		if err != nil {
			return
		}
		go func() {
			_, err := e.Stop(context.Background(), child, "States.Aborted", "the parent execution's task "+l.arn+" was cancelled")
			if err != nil {
				e.log.Warn("stopping a nested execution", "execution", child, "err", err)
			}
		}()
	})
}

// reportToParent completes the .sync task of the parent of an ended child.
func (e *Engine) reportToParent(child *store.Execution) {
	e.tokensMu.Lock()
	delete(e.children, child.ParentToken)
	e.tokensMu.Unlock()
	ctx := context.Background()
	t, err := e.st.GetTask(ctx, child.ParentToken)
	if err != nil {
		e.tokensMu.Lock()
		ref, ok := e.memTasks[child.ParentToken]
		e.tokensMu.Unlock()
		if !ok {
			return // the parent no longer waits (stopped, timed out)
		}
		t = &store.Task{ExecutionArn: ref.arn, TaskID: ref.taskID, Token: child.ParentToken, Resource: childPrefix + ".sync"}
	}
	ok, out, errName, cause := childOutcome(child, strings.HasSuffix(t.Resource, ".sync:2"))
	e.sendResult(&resultIn{arn: t.ExecutionArn, taskID: t.TaskID, token: t.Token, ok: ok, output: out, errName: errName, cause: cause})
}
