package service

import (
	"strings"
	"time"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/engine"
	"github.com/batonhq/baton/internal/steptask"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/workflow"
)

// What the engine knows of Step Functions' task resources, it learns here:
// which are activities, nested executions or callbacks, and what a nested
// execution's task returns.

// startExecution is the resource prefix of nested executions.
const startExecution = "arn:aws:states:::states:startExecution"

// callbackSuffix marks a resource whose task waits for SendTaskSuccess or
// SendTaskFailure with its token.
const callbackSuffix = ".waitForTaskToken"

// TaskClassifier returns how the engine runs each Task resource of a
// workflow served in region and account:
//   - arn:aws:states:REGION:ACCOUNT:activity:NAME is an activity (an ARN
//     without region or account gets the server's);
//   - arn:aws:states:::states:startExecution starts a nested execution,
//     completed by its start, by its end (.sync, .sync:2) or by a callback
//     (.waitForTaskToken);
//   - any other RESOURCE.waitForTaskToken is a callback, whose token the
//     executor of RESOURCE delivers when there is one;
//   - a pipeline's activity step (baton:step:activity:NAME) is a task of
//     the activity NAME, and its workflow step (baton:step:workflow) a
//     nested execution it waits for;
//   - everything else runs on an executor of this server.
//
// An activity named without an account (an ARN with an empty account, an
// activity step's name) is the one of the execution's namespace: its ARN's
// account, or account when executionArn has none (TestState).
func TaskClassifier(region, account string) func(executionArn, resource string) engine.TaskClass {
	return func(executionArn, resource string) engine.TaskClass {
		if a := accountOf(executionArn); a != "" {
			return classify(region, a, resource)
		}
		return classify(region, account, resource)
	}
}

// classify is TaskClassifier for an execution of account.
func classify(region, account, resource string) engine.TaskClass {
	if name, ok := strings.CutPrefix(resource, steptask.ResourceActivity+":"); ok {
		if strings.HasPrefix(name, "arn:") {
			return engine.TaskClass{Kind: store.TaskActivity, Queue: name}
		}
		return engine.TaskClass{Kind: store.TaskActivity, Queue: "arn:aws:states:" + region + ":" + account + ":activity:" + name}
	}
	if resource == steptask.ResourceWorkflow {
		return engine.TaskClass{Kind: store.TaskChild, WaitChild: true}
	}
	if mode, ok := strings.CutPrefix(resource, startExecution); ok {
		return engine.TaskClass{Kind: store.TaskChild, WaitChild: mode == ".sync" || mode == ".sync:2",
			Callback: mode == callbackSuffix}
	}
	if parts := strings.SplitN(resource, ":", 7); len(parts) == 7 && parts[0] == "arn" && parts[2] == "states" && parts[5] == "activity" {
		r, a := parts[3], parts[4]
		if r == "" {
			r = region
		}
		if a == "" {
			a = account
		}
		return engine.TaskClass{Kind: store.TaskActivity, Queue: "arn:" + parts[1] + ":states:" + r + ":" + a + ":activity:" + parts[6]}
	}
	if run, ok := strings.CutSuffix(resource, callbackSuffix); ok {
		return engine.TaskClass{Kind: store.TaskCallback, Run: run}
	}
	return engine.TaskClass{Kind: store.TaskBuiltin}
}

// ChildOutcome is the result of a states:startExecution task, as Step
// Functions gives it: the new execution's ARN and start date once started;
// for .sync the child's description with Input and Output as JSON text, for
// .sync:2 as JSON values, once it ended (a failed child fails the task with
// States.TaskFailed and the description as cause); a start refused with an
// API error fails the task with StepFunctions.<Code>Exception.
func ChildOutcome(resource string, child *store.Execution, err error) engine.TaskOutcome {
	if resource == steptask.ResourceWorkflow {
		return stepOutcome(child, err)
	}
	if err != nil {
		o := engine.TaskOutcome{Error: workflow.ErrTaskFailed, Cause: err.Error()}
		if ae, ok := apierr.As(err); ok {
			o.Error = "StepFunctions." + ae.Code + "Exception"
			if strings.HasSuffix(ae.Code, "Exception") {
				o.Error = "StepFunctions." + ae.Code
			}
			o.Cause = ae.Message
		}
		return o
	}
	mode := strings.TrimPrefix(resource, startExecution)
	if mode != ".sync" && mode != ".sync:2" {
		return engine.TaskOutcome{OK: true, Output: map[string]any{
			"ExecutionArn": child.Arn,
			"StartDate":    formatTaskDate(child.StartDate),
		}}
	}
	payload := func(s string) any {
		if mode != ".sync:2" {
			return s
		}
		v, err := workflow.ParseJSON([]byte(s))
		if err != nil {
			return s
		}
		return v
	}
	d := map[string]any{
		"ExecutionArn":    child.Arn,
		"StateMachineArn": child.StateMachineArn,
		"Name":            child.Name,
		"Status":          child.Status,
		"StartDate":       formatTaskDate(child.StartDate),
		"StopDate":        formatTaskDate(child.StopDate),
		"Input":           payload(child.Input),
		"InputDetails":    map[string]any{"Included": true},
	}
	if child.Status == workflow.StatusSucceeded {
		d["Output"] = payload(child.Output)
		d["OutputDetails"] = map[string]any{"Included": true}
		return engine.TaskOutcome{OK: true, Output: d}
	}
	if child.Error != "" {
		d["Error"] = child.Error
	}
	if child.Cause != "" {
		d["Cause"] = child.Cause
	}
	return engine.TaskOutcome{Error: workflow.ErrTaskFailed, Cause: string(workflow.MarshalJSON(d))}
}

// stepOutcome is the result of a pipeline's workflow step: the nested
// run's output when it succeeded; its error and cause when it did not (so
// that the step's retry and trigger rules see them); a start refused with
// the API's error and message.
func stepOutcome(child *store.Execution, err error) engine.TaskOutcome {
	if err != nil {
		o := engine.TaskOutcome{Error: workflow.ErrTaskFailed, Cause: err.Error()}
		if ae, ok := apierr.As(err); ok {
			o.Error, o.Cause = "Baton.Workflow"+strings.TrimSuffix(ae.Code, "Exception"), ae.Message
		}
		return o
	}
	if child.Status == workflow.StatusSucceeded {
		out, perr := workflow.ParseJSON([]byte(child.Output))
		if perr != nil {
			out = child.Output
		}
		return engine.TaskOutcome{OK: true, Output: out}
	}
	o := engine.TaskOutcome{Error: child.Error, Cause: child.Cause}
	if o.Error == "" {
		o.Error = workflow.ErrTaskFailed
	}
	if o.Cause == "" {
		o.Cause = "the workflow run " + child.Arn + " ended " + child.Status
	}
	return o
}

// formatTaskDate renders a time as the AWS SDK integrations do in task
// results.
func formatTaskDate(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
