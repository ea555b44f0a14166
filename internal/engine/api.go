package engine

import (
	"context"
	"errors"
	"time"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/workflow"
)

// startIn is StartExecution and StartSyncExecution.
type startIn struct {
	req         StartRequest
	sync        bool
	parentToken string
	p           workflow.Program // the compiled definition
	input       any              // the parsed input
	reply       chan result
}

type stopIn struct {
	arn, errName, cause string
	reply               chan result
}

type redriveIn struct {
	arn   string
	from  string // RetryFrom's step; "" for a redrive
	reply chan result
}

// Start starts an execution; a Standard one is stored when Start returns.
func (e *Engine) Start(ctx context.Context, req StartRequest) (*store.Execution, error) {
	return e.start(ctx, req, false, "")
}

// StartSync runs an Express execution to its end.
func (e *Engine) StartSync(ctx context.Context, req StartRequest) (*store.Execution, error) {
	return e.start(ctx, req, true, "")
}

func (e *Engine) start(ctx context.Context, req StartRequest, sync bool, parentToken string) (*store.Execution, error) {
	if req.Language == "" {
		req.Language = e.cfg.DefaultLanguage // recorded, so that a reload compiles with it
	}
	if req.Type != store.TypeExpress && !e.ownsNow(req.ExecutionArn) {
		return nil, notOwner(req.ExecutionArn) // checked again on the loop
	}
	if req.Type != store.TypeExpress {
		// A name used by an execution that is no longer in memory.
		old, err := e.st.GetExecution(ctx, req.ExecutionArn)
		if err == nil {
			return sameStart(old, req)
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, apierr.StoreFault(err)
		}
	}
	// Compiling the definition and parsing the input cost time with the
	// size of either: done here, not on the loop.
	p, err := e.programs.get(ctx, req.Language, req.Definition, req.Type, req.Bundle)
	if errors.Is(err, errProjectFiles) {
		return nil, apierr.StoreFault(err)
	}
	if err != nil {
		return nil, apierr.New(apierr.InvalidDefinition, "Invalid State Machine Definition: %v", err)
	}
	input, err := workflow.ParseJSON([]byte(req.Input))
	if err != nil {
		return nil, apierr.New(apierr.InvalidExecutionInput, "Invalid Execution Input: %v", err)
	}
	in := &startIn{req: req, sync: sync, parentToken: parentToken, p: p, input: input, reply: make(chan result, 1)}
	if err := e.send(ctx, in); err != nil {
		return nil, err
	}
	r := await(e, in.reply, errResult)
	return r.row, r.err
}

// sameStart answers a start whose name is taken: the same name and input of
// a RUNNING execution return it, as on AWS; anything else is an error.
func sameStart(old *store.Execution, req StartRequest) (*store.Execution, error) {
	if (old.Status == workflow.StatusRunning || old.Status == workflow.StatusQueued) && old.Input == req.Input && old.StateMachineArn == req.StateMachineArn {
		cp := *old
		cp.Snapshot = nil
		return &cp, nil
	}
	return nil, apierr.New(apierr.ExecutionAlreadyExists, "Execution Already Exists: '%s'", req.ExecutionArn)
}

func (e *Engine) handleStart(in *startIn) {
	r := in.req
	if _, ok := e.live[r.ExecutionArn]; ok || e.recent.has(r.ExecutionArn) {
		e.withExec(r.ExecutionArn, func(l *live, err error) {
			if l == nil && errors.Is(err, store.ErrNotFound) {
				// Another call looked the name up (a Stop of an unknown
				// execution): it is free.
				if _, taken := e.live[r.ExecutionArn]; !taken {
					e.create(in)
					return
				}
				e.handleStart(in)
				return
			}
			if l == nil {
				in.reply <- result{err: err}
				return
			}
			row, err := sameStart(l.row, r)
			in.reply <- result{row: row, err: err}
		})
		return
	}
	e.create(in)
}

// create starts a new execution.
func (e *Engine) create(in *startIn) {
	r := in.req
	express := r.Type == store.TypeExpress
	p, input := in.p, in.input
	now := e.clk.Now()
	smID := r.StateMachineArn
	if r.VersionArn != "" {
		smID = r.VersionArn
	}
	queued, err := e.admit(r, p, now)
	if err != nil {
		in.reply <- result{err: err}
		return
	}
	info := workflow.Info{ID: r.ExecutionArn, Name: r.Name, WorkflowID: smID, WorkflowName: r.StateMachineName,
		Version: r.VersionArn, RoleArn: r.RoleArn, Input: input, StartTime: now,
		LogicalDate: r.LogicalDate, DataIntervalStart: r.DataIntervalStart, Queued: queued, Namespace: r.Namespace,
		Trigger: r.Trigger}
	row := &store.Execution{
		Arn: r.ExecutionArn, StateMachineArn: r.StateMachineArn, VersionArn: r.VersionArn, AliasArn: r.AliasArn,
		Name: r.Name, Type: r.Type, Language: r.Language, Bundle: r.Bundle, Status: workflow.StatusRunning, Input: r.Input, StartDate: now,
		TraceHeader: r.TraceHeader, ParentToken: in.parentToken, Definition: r.Definition, RoleArn: r.RoleArn,
		LogicalDate: r.LogicalDate,
	}
	if express {
		row.Type = store.TypeExpress
	} else {
		row.Type = store.TypeStandard
	}
	l := &live{arn: r.ExecutionArn, row: row, express: express, tokens: map[string]string{}}
	e.live[l.arn] = l
	if !express {
		e.recent.add(l.arn, now)
	}
	if in.sync {
		l.enders = append(l.enders, in.reply)
	}
	tr := &store.Transition{New: true}
	e.step(l, now, tr, func(out *workflow.Output) error {
		l.x = p.Start(info, now, out)
		return nil
	}, func(err error) {
		if err != nil {
			e.forget(r.StateMachineArn, r.ExecutionArn) // not stored: it holds no slot
		}
		if e.met != nil && err == nil {
			e.met.started.WithLabelValues(row.Type).Inc()
		}
		if in.sync {
			return // answered when it ends
		}
		if err != nil {
			in.reply <- result{err: err}
			return
		}
		snap := *row
		e.afterCommit(l, func(err error) {
			if err != nil {
				in.reply <- result{err: err}
				return
			}
			in.reply <- result{row: &snap}
		})
	})
}

// ended runs when an execution reaches a final status: once stored, it
// answers StartSync callers and reports to a waiting parent.
func (e *Engine) ended(l *live) {
	row := *l.row
	row.Snapshot = nil
	enders := l.enders
	l.enders = nil
	endedAt := time.Now() // real time, as file times are
	// An Express execution answers its caller once its outcome is stored,
	// so that DescribeExecution right after finds it.
	e.afterStored(l, func(err error) {
		for _, ch := range enders {
			if err != nil {
				ch <- result{err: err}
			} else {
				cp := row
				ch <- result{row: &cp}
			}
		}
		if err == nil && row.ParentToken != "" {
			go e.reportToParent(&row)
		}
		if err == nil && e.met != nil {
			e.met.finished.WithLabelValues(row.Type, row.Status).Inc()
		}
		if err == nil && row.Bundle != "" && e.cfg.Projects != nil {
			go e.cfg.Projects.Release(row.Arn, endedAt) // file system work: off the loop
		}
	})
	if l.express {
		// Its outcome record is queued; it no longer needs memory.
		e.afterStored(l, func(error) { e.maybeEvict(l) })
	}
}

// Stop aborts a running execution.
func (e *Engine) Stop(ctx context.Context, executionArn, errName, cause string) (*store.Execution, error) {
	in := &stopIn{arn: executionArn, errName: errName, cause: cause, reply: make(chan result, 1)}
	if err := e.send(ctx, in); err != nil {
		return nil, err
	}
	r := await(e, in.reply, errResult)
	return r.row, r.err
}

func (e *Engine) handleStop(in *stopIn) {
	e.askStop(in.arn) // a call computing gives control back for the Stop
	e.withExec(in.arn, func(l *live, err error) {
		if l == nil {
			in.reply <- result{err: notFound(in.arn, err)}
			return
		}
		if done(l.x) {
			cp := *l.row
			in.reply <- result{row: &cp}
			return
		}
		now := e.clk.Now()
		e.step(l, now, &store.Transition{}, func(out *workflow.Output) error {
			l.x.Apply(workflow.Stop{Error: in.errName, Cause: in.cause}, now, out)
			return nil
		}, func(err error) { e.replyRow(l, in.reply, err) })
	})
}

// replyRow answers a call with the execution once its transition is stored
// (err: it was not recorded).
func (e *Engine) replyRow(l *live, reply chan result, err error) {
	if err != nil {
		reply <- result{err: err}
		return
	}
	cp := *l.row
	cp.Snapshot = nil
	e.afterCommit(l, func(err error) { reply <- result{row: &cp, err: err} })
}

// Redrive resumes a failed, timed-out or aborted Standard execution.
func (e *Engine) Redrive(ctx context.Context, executionArn string) (*store.Execution, error) {
	in := &redriveIn{arn: executionArn, reply: make(chan result, 1)}
	if err := e.send(ctx, in); err != nil {
		return nil, err
	}
	r := await(e, in.reply, errResult)
	return r.row, r.err
}

// RetryFrom runs a step of an ended execution and everything downstream of
// it again, in the same execution, which is RUNNING again (a redrive: its
// redrive count grows). Only languages with steps (workflow.StepRetrier:
// pipelines) can; the outputs of the other steps are kept.
func (e *Engine) RetryFrom(ctx context.Context, executionArn, step string) (*store.Execution, error) {
	in := &redriveIn{arn: executionArn, from: step, reply: make(chan result, 1)}
	if err := e.send(ctx, in); err != nil {
		return nil, err
	}
	r := await(e, in.reply, errResult)
	return r.row, r.err
}

func (e *Engine) handleRedrive(in *redriveIn) {
	e.withExec(in.arn, func(l *live, err error) {
		if l == nil {
			in.reply <- result{err: notFound(in.arn, err)}
			return
		}
		if l.express {
			in.reply <- result{err: apierr.New(apierr.ExecutionNotRedrivable, "Execution Not Redrivable: '%s' is an Express execution; only Standard executions can be redriven", in.arn)}
			return
		}
		retrier, _ := l.x.(workflow.StepRetrier)
		switch st := l.x.Status(); {
		case in.from != "" && retrier == nil:
			in.reply <- result{err: apierr.New(apierr.ValidationException, "'%s' runs a workflow without steps to retry from (a state machine): redrive it instead", in.arn)}
			return
		case in.from != "" && (st == workflow.StatusRunning || st == workflow.StatusQueued):
			in.reply <- result{err: apierr.New(apierr.ExecutionNotRedrivable, "Execution Not Redrivable: '%s' is RUNNING; wait for its end, or stop it, then retry from %s", in.arn, in.from)}
			return
		case in.from != "":
		case st == workflow.StatusFailed, st == workflow.StatusTimedOut, st == workflow.StatusAborted:
		default:
			in.reply <- result{err: apierr.New(apierr.ExecutionNotRedrivable, "Execution Not Redrivable: '%s' is %s; only FAILED, TIMED_OUT and ABORTED executions can be redriven", in.arn, st)}
			return
		}
		now := e.clk.Now()
		before := *l.row
		l.row.RedriveCount++
		l.row.RedriveDate = now
		l.row.StopDate = time.Time{}
		l.row.Error, l.row.Cause, l.row.Output = "", "", ""
		e.step(l, now, &store.Transition{}, func(out *workflow.Output) error {
			if in.from != "" {
				err := retrier.RetryFrom(in.from, now, out)
				if errors.Is(err, workflow.ErrUnknownStep) {
					return apierr.New(apierr.ValidationException, "%v", err)
				}
				if err != nil {
					return apierr.New(apierr.ExecutionNotRedrivable, "Execution Not Redrivable: %v", err)
				}
				return nil
			}
			if err := l.x.Redrive(now, out); err != nil {
				// Refused before anything changed: nothing to store.
				return apierr.New(apierr.ExecutionNotRedrivable, "Execution Not Redrivable: %v", err)
			}
			return nil
		}, func(err error) {
			if err != nil && e.live[l.arn] == l {
				*l.row = before
			}
			e.replyRow(l, in.reply, err)
		})
	})
}

// StartNested starts the nested execution of a parent's task; a non-empty
// parentToken makes its end complete that task (TaskClass.WaitChild).
func (e *Engine) StartNested(ctx context.Context, req StartRequest, parentToken string) (*store.Execution, error) {
	return e.start(ctx, req, false, parentToken)
}
