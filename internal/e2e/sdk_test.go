package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

const (
	arnPrefix     = "arn:aws:states:us-east-1:123456789012:"
	callbackRes   = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
	execTimeout   = 30 * time.Second
	smStandard    = types.StateMachineTypeStandard
	smExpress     = types.StateMachineTypeExpress
	callbackQueue = "https://sqs.us-east-1.amazonaws.com/123456789012/baton-e2e"
)

// mainDefinition is Pass -> Wait 1 s -> baton:shell -> Choice -> Succeed.
const mainDefinition = `{
  "Comment": "e2e: Pass, Wait, shell, Choice",
  "StartAt": "Prepare",
  "States": {
    "Prepare": {"Type": "Pass", "Parameters": {"n.$": "$.n", "tag": "prepared"}, "Next": "Pause"},
    "Pause": {"Type": "Wait", "Seconds": 1, "Next": "Shell"},
    "Shell": {"Type": "Task", "Resource": "baton:shell", "Parameters": {"script": "echo '{\"ok\":true}'"}, "ResultPath": "$.shell", "Next": "Decide"},
    "Decide": {"Type": "Choice", "Choices": [{"Variable": "$.shell.ok", "BooleanEquals": true, "Next": "Done"}], "Default": "Broken"},
    "Done": {"Type": "Succeed"},
    "Broken": {"Type": "Fail", "Error": "Unexpected", "Cause": "the shell task did not print ok"}
  }
}`

func must(t testing.TB, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// createSM creates a state machine and returns its ARN.
func createSM(t testing.TB, c *sfn.Client, name, def string, typ types.StateMachineType) string {
	t.Helper()
	out, err := c.CreateStateMachine(context.Background(), &sfn.CreateStateMachineInput{
		Name: aws.String(name), Definition: aws.String(def), RoleArn: aws.String(roleArn), Type: typ,
	})
	must(t, err, "CreateStateMachine "+name)
	return aws.ToString(out.StateMachineArn)
}

// start starts an execution and returns its ARN.
func start(t testing.TB, c *sfn.Client, smArn, name, input string) string {
	t.Helper()
	in := &sfn.StartExecutionInput{StateMachineArn: aws.String(smArn), Input: aws.String(input)}
	if name != "" {
		in.Name = aws.String(name)
	}
	out, err := c.StartExecution(context.Background(), in)
	must(t, err, "StartExecution of "+smArn)
	return aws.ToString(out.ExecutionArn)
}

// jsonEqual compares two JSON texts as values.
func jsonEqual(t testing.TB, what, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("%s: not JSON: %q: %v", what, got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: bad expectation %q: %v", what, want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("%s = %s, want %s", what, got, want)
	}
}

// succeeded waits for the execution to end and expects SUCCEEDED with the
// output want ("" to skip the output check).
func succeeded(t testing.TB, c *sfn.Client, arn, want string) *sfn.DescribeExecutionOutput {
	t.Helper()
	d := waitStatus(t, c, arn, execTimeout)
	if d.Status != types.ExecutionStatusSucceeded {
		evs, _ := history(context.Background(), c, arn)
		t.Fatalf("execution %s is %s (%s: %s), want SUCCEEDED; history:\n%s", arn, d.Status,
			aws.ToString(d.Error), aws.ToString(d.Cause), formatHistory(evs))
	}
	if want != "" {
		jsonEqual(t, "output of "+arn, aws.ToString(d.Output), want)
	}
	return d
}

// errorAs expects err to be of the SDK's error type T.
func errorAs[T error](t testing.TB, err error, what string) T {
	t.Helper()
	var target T
	if err == nil {
		t.Fatalf("%s: succeeded, want %T", what, target)
	}
	if !errors.As(err, &target) {
		t.Fatalf("%s: error %T (%v), want %T", what, err, err, target)
	}
	return target
}

// TestSDK drives one server through the AWS SDK only. The subtests share it
// and run in order.
func TestSDK(t *testing.T) {
	srv := newServer(t)
	c := newClient(srv.url, true)
	ctx := context.Background()

	t.Run("StateMachinesVersionsAliases", func(t *testing.T) {
		def := func(v string) string {
			return `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"v":"` + v + `"},"End":true}}}`
		}
		arn := createSM(t, c, "sdk-versions", def("v1"), smStandard)
		if want := arnPrefix + "stateMachine:sdk-versions"; arn != want {
			t.Fatalf("state machine ARN %q, want %q", arn, want)
		}
		d, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
		must(t, err, "DescribeStateMachine")
		if aws.ToString(d.Name) != "sdk-versions" || d.Type != smStandard || d.Status != types.StateMachineStatusActive || aws.ToString(d.RoleArn) != roleArn {
			t.Fatalf("DescribeStateMachine = name %q type %s status %s role %q", aws.ToString(d.Name), d.Type, d.Status, aws.ToString(d.RoleArn))
		}
		jsonEqual(t, "definition", aws.ToString(d.Definition), def("v1"))

		l, err := c.ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
		must(t, err, "ListStateMachines")
		found := false
		for _, sm := range l.StateMachines {
			found = found || aws.ToString(sm.StateMachineArn) == arn
		}
		if !found {
			t.Fatalf("ListStateMachines does not list %s: %+v", arn, l.StateMachines)
		}

		u, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{
			StateMachineArn: aws.String(arn), Definition: aws.String(def("v2")), Publish: true, VersionDescription: aws.String("second"),
		})
		must(t, err, "UpdateStateMachine with publish")
		version := aws.ToString(u.StateMachineVersionArn)
		if !strings.HasPrefix(version, arn+":") {
			t.Fatalf("UpdateStateMachine published version %q, want %s:N", version, arn)
		}
		_, err = c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn), Definition: aws.String(def("v3"))})
		must(t, err, "UpdateStateMachine without publish")

		vs, err := c.ListStateMachineVersions(ctx, &sfn.ListStateMachineVersionsInput{StateMachineArn: aws.String(arn)})
		must(t, err, "ListStateMachineVersions")
		if len(vs.StateMachineVersions) != 1 || aws.ToString(vs.StateMachineVersions[0].StateMachineVersionArn) != version {
			t.Fatalf("ListStateMachineVersions = %+v, want just %s", vs.StateMachineVersions, version)
		}
		dv, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(version)})
		must(t, err, "DescribeStateMachine of the version")
		jsonEqual(t, "definition of the version", aws.ToString(dv.Definition), def("v2"))
		if aws.ToString(dv.Description) != "second" {
			t.Fatalf("version description %q, want %q", aws.ToString(dv.Description), "second")
		}

		a, err := c.CreateStateMachineAlias(ctx, &sfn.CreateStateMachineAliasInput{
			Name:                 aws.String("prod"),
			RoutingConfiguration: []types.RoutingConfigurationListItem{{StateMachineVersionArn: aws.String(version), Weight: 100}},
		})
		must(t, err, "CreateStateMachineAlias")
		alias := aws.ToString(a.StateMachineAliasArn)
		if alias != arn+":prod" {
			t.Fatalf("alias ARN %q, want %s:prod", alias, arn)
		}
		da, err := c.DescribeStateMachineAlias(ctx, &sfn.DescribeStateMachineAliasInput{StateMachineAliasArn: aws.String(alias)})
		must(t, err, "DescribeStateMachineAlias")
		if len(da.RoutingConfiguration) != 1 || aws.ToString(da.RoutingConfiguration[0].StateMachineVersionArn) != version {
			t.Fatalf("alias routing = %+v, want 100%% to %s", da.RoutingConfiguration, version)
		}
		la, err := c.ListStateMachineAliases(ctx, &sfn.ListStateMachineAliasesInput{StateMachineArn: aws.String(arn)})
		must(t, err, "ListStateMachineAliases")
		if len(la.StateMachineAliases) != 1 || aws.ToString(la.StateMachineAliases[0].StateMachineAliasArn) != alias {
			t.Fatalf("ListStateMachineAliases = %+v, want just %s", la.StateMachineAliases, alias)
		}

		viaAlias := start(t, c, alias, "via-alias", "{}")
		de := succeeded(t, c, viaAlias, `{"v":"v2"}`)
		if aws.ToString(de.StateMachineAliasArn) != alias || aws.ToString(de.StateMachineVersionArn) != version {
			t.Fatalf("execution through the alias: alias %q version %q, want %q and %q",
				aws.ToString(de.StateMachineAliasArn), aws.ToString(de.StateMachineVersionArn), alias, version)
		}
		succeeded(t, c, start(t, c, arn, "latest", "{}"), `{"v":"v3"}`)
	})

	var mainArn, mainExec string
	t.Run("PassWaitShellChoice", func(t *testing.T) {
		mainArn = createSM(t, c, "sdk-main", mainDefinition, smStandard)
		mainExec = start(t, c, mainArn, "main-1", `{"n":7}`)
		d := succeeded(t, c, mainExec, `{"n":7,"tag":"prepared","shell":{"ok":true}}`)
		if el := aws.ToTime(d.StopDate).Sub(aws.ToTime(d.StartDate)); el < time.Second {
			t.Fatalf("the execution took %v, less than its 1 s Wait", el)
		}
		evs, err := history(ctx, c, mainExec)
		must(t, err, "GetExecutionHistory")
		var types_ []string
		for _, e := range evs {
			types_ = append(types_, string(e.Type))
		}
		want := []string{"ExecutionStarted", "PassStateEntered", "PassStateExited", "WaitStateEntered", "WaitStateExited",
			"TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited",
			"ChoiceStateEntered", "ChoiceStateExited", "SucceedStateEntered", "SucceedStateExited", "ExecutionSucceeded"}
		if !reflect.DeepEqual(types_, want) {
			t.Fatalf("history types:\n got %v\nwant %v", types_, want)
		}
	})

	t.Run("HistoryPaging", func(t *testing.T) {
		if mainExec == "" {
			t.Skip("needs PassWaitShellChoice")
		}
		page := func(reverse bool, withData *bool) []types.HistoryEvent {
			var all []types.HistoryEvent
			in := &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(mainExec), MaxResults: 3, ReverseOrder: reverse, IncludeExecutionData: withData}
			for pages := 1; ; pages++ {
				out, err := c.GetExecutionHistory(ctx, in)
				must(t, err, "GetExecutionHistory page")
				if len(out.Events) > 3 {
					t.Fatalf("page %d has %d events, maxResults is 3", pages, len(out.Events))
				}
				all = append(all, out.Events...)
				if aws.ToString(out.NextToken) == "" {
					return all
				}
				if pages > 100 {
					t.Fatalf("more than 100 pages of 3 events")
				}
				in.NextToken = out.NextToken
			}
		}
		fwd := page(false, nil)
		n := int64(len(fwd))
		if n != 15 {
			t.Fatalf("paged history has %d events, want 15:\n%s", n, formatHistory(fwd))
		}
		for i, e := range fwd {
			if e.Id != int64(i+1) {
				t.Fatalf("event %d has id %d, want %d:\n%s", i, e.Id, i+1, formatHistory(fwd))
			}
			if e.Id > 1 && e.PreviousEventId >= e.Id {
				t.Fatalf("event %d: previousEventId %d is not before it", e.Id, e.PreviousEventId)
			}
		}
		rev := page(true, nil)
		if int64(len(rev)) != n {
			t.Fatalf("reverse history has %d events, forward %d", len(rev), n)
		}
		for i, e := range rev {
			if e.Id != n-int64(i) {
				t.Fatalf("reverse event %d has id %d, want %d:\n%s", i, e.Id, n-int64(i), formatHistory(rev))
			}
		}
		if fwd[0].ExecutionStartedEventDetails == nil || fwd[0].ExecutionStartedEventDetails.Input == nil {
			t.Fatalf("ExecutionStarted has no input with data included: %+v", fwd[0].ExecutionStartedEventDetails)
		}
		if last := fwd[n-1]; last.ExecutionSucceededEventDetails == nil || last.ExecutionSucceededEventDetails.Output == nil {
			t.Fatalf("ExecutionSucceeded has no output with data included")
		}
		bare := page(false, aws.Bool(false))
		if int64(len(bare)) != n {
			t.Fatalf("history without data has %d events, want %d", len(bare), n)
		}
		for _, e := range bare {
			switch {
			case e.ExecutionStartedEventDetails != nil && e.ExecutionStartedEventDetails.Input != nil,
				e.StateEnteredEventDetails != nil && e.StateEnteredEventDetails.Input != nil,
				e.StateExitedEventDetails != nil && e.StateExitedEventDetails.Output != nil,
				e.TaskSucceededEventDetails != nil && e.TaskSucceededEventDetails.Output != nil,
				e.ExecutionSucceededEventDetails != nil && e.ExecutionSucceededEventDetails.Output != nil:
				t.Fatalf("event %d (%s) carries input or output with includeExecutionData=false", e.Id, e.Type)
			}
		}
	})

	t.Run("ActivityWorker", func(t *testing.T) {
		act, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("sdk-worker")})
		must(t, err, "CreateActivity")
		actArn := aws.ToString(act.ActivityArn)
		if actArn != arnPrefix+"activity:sdk-worker" {
			t.Fatalf("activity ARN %q", actArn)
		}
		def := `{"StartAt":"Work","States":{"Work":{"Type":"Task","Resource":"` + actArn + `",
			"TimeoutSeconds":60,"HeartbeatSeconds":20,"End":true}}}`
		sm := createSM(t, c, "sdk-activity", def, smStandard)

		type workResult struct {
			input string
			err   error
		}
		res := make(chan workResult, 1)
		wctx, cancel := context.WithTimeout(ctx, execTimeout)
		defer cancel()
		go func() { // the worker
			for wctx.Err() == nil {
				task, err := c.GetActivityTask(wctx, &sfn.GetActivityTaskInput{ActivityArn: aws.String(actArn), WorkerName: aws.String("e2e-worker")})
				if err != nil {
					res <- workResult{err: err}
					return
				}
				if aws.ToString(task.TaskToken) == "" {
					continue // the long poll ran out
				}
				if _, err := c.SendTaskHeartbeat(wctx, &sfn.SendTaskHeartbeatInput{TaskToken: task.TaskToken}); err != nil {
					res <- workResult{err: err}
					return
				}
				var in struct{ N int }
				if err := json.Unmarshal([]byte(aws.ToString(task.Input)), &in); err != nil {
					res <- workResult{err: err}
					return
				}
				out, _ := json.Marshal(map[string]any{"worked": in.N * 2})
				_, err = c.SendTaskSuccess(wctx, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String(string(out))})
				res <- workResult{input: aws.ToString(task.Input), err: err}
				return
			}
		}()
		exec := start(t, c, sm, "activity-1", `{"n":21}`)
		r := <-res
		must(t, r.err, "the activity worker")
		jsonEqual(t, "the worker's task input", r.input, `{"n":21}`)
		succeeded(t, c, exec, `{"worked":42}`)
		evs, err := history(ctx, c, exec)
		must(t, err, "GetExecutionHistory")
		var seen []string
		for _, e := range evs {
			if strings.HasPrefix(string(e.Type), "Activity") {
				seen = append(seen, string(e.Type))
				if d := e.ActivityStartedEventDetails; d != nil && aws.ToString(d.WorkerName) != "e2e-worker" {
					t.Fatalf("ActivityStarted worker %q, want e2e-worker", aws.ToString(d.WorkerName))
				}
			}
		}
		if want := []string{"ActivityScheduled", "ActivityStarted", "ActivitySucceeded"}; !reflect.DeepEqual(seen, want) {
			t.Fatalf("activity events %v, want %v", seen, want)
		}
	})

	t.Run("TaskTokenCallback", func(t *testing.T) {
		def := `{"StartAt":"Ask","States":{"Ask":{"Type":"Task","Resource":"` + callbackRes + `",
			"Parameters":{"QueueUrl":"` + callbackQueue + `","MessageBody":{"token.$":"$$.Task.Token","n.$":"$.n"}},
			"TimeoutSeconds":60,"End":true}}}`
		sm := createSM(t, c, "sdk-callback", def, smStandard)
		exec := start(t, c, sm, "callback-1", `{"n":1}`)
		var token string
		waitFor(t, execTimeout, "the callback's TaskScheduled event", func() (bool, string) {
			evs, err := history(ctx, c, exec)
			if err != nil {
				return false, err.Error()
			}
			token = callbackToken(t, evs)
			return token != "", formatHistory(evs)
		})
		_, err := c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(`{"called":"back"}`)})
		must(t, err, "SendTaskSuccess")
		succeeded(t, c, exec, `{"called":"back"}`)
		_, err = c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(`{"again":true}`)})
		errorAs[*types.TaskTimedOut](t, err, "a second SendTaskSuccess with the same token")
	})

	t.Run("StopExecution", func(t *testing.T) {
		sm := createSM(t, c, "sdk-long-wait", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":600,"End":true}}}`, smStandard)
		exec := start(t, c, sm, "to-stop", "{}")
		_, err := c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: aws.String(exec), Error: aws.String("E2E.Stop"), Cause: aws.String("stopped by the test")})
		must(t, err, "StopExecution")
		d := waitStatus(t, c, exec, execTimeout)
		if d.Status != types.ExecutionStatusAborted || aws.ToString(d.Error) != "E2E.Stop" {
			t.Fatalf("stopped execution: status %s error %q, want ABORTED E2E.Stop", d.Status, aws.ToString(d.Error))
		}
		evs, err := history(ctx, c, exec)
		must(t, err, "GetExecutionHistory")
		if last := evs[len(evs)-1]; last.Type != types.HistoryEventTypeExecutionAborted {
			t.Fatalf("last event %s, want ExecutionAborted:\n%s", last.Type, formatHistory(evs))
		}
	})

	t.Run("RedriveExecution", func(t *testing.T) {
		marker := filepath.Join(t.TempDir(), "fixed")
		def := `{"StartAt":"Check","States":{"Check":{"Type":"Task","Resource":"baton:shell",
			"Parameters":{"command":["sh","-c","test -f \"$0\" && echo '{\"fixed\":true}'","` + marker + `"]},"End":true}}}`
		sm := createSM(t, c, "sdk-redrive", def, smStandard)
		exec := start(t, c, sm, "redrive-1", "{}")
		d := waitStatus(t, c, exec, execTimeout)
		if d.Status != types.ExecutionStatusFailed {
			t.Fatalf("execution is %s, want FAILED before the fix", d.Status)
		}
		if d.RedriveStatus != types.ExecutionRedriveStatusRedrivable {
			t.Fatalf("redriveStatus %s, want REDRIVABLE", d.RedriveStatus)
		}
		must(t, os.WriteFile(marker, nil, 0o644), "writing the marker")
		_, err := c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: aws.String(exec)})
		must(t, err, "RedriveExecution")
		d = succeeded(t, c, exec, `{"fixed":true}`)
		if aws.ToInt32(d.RedriveCount) != 1 {
			t.Fatalf("redriveCount %d, want 1", aws.ToInt32(d.RedriveCount))
		}
		evs, err := history(ctx, c, exec)
		must(t, err, "GetExecutionHistory")
		checkGapFree(t, exec, evs)
		if n := countType(evs, types.HistoryEventTypeExecutionRedriven); n != 1 {
			t.Fatalf("%d ExecutionRedriven events, want 1:\n%s", n, formatHistory(evs))
		}
	})

	t.Run("StartSyncExecution", func(t *testing.T) {
		sm := createSM(t, c, "sdk-express", `{"StartAt":"Add","States":{"Add":{"Type":"Pass",
			"Parameters":{"sum.$":"States.MathAdd($.a, $.b)"},"End":true}}}`, smExpress)
		out, err := c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(`{"a":2,"b":3}`)})
		must(t, err, "StartSyncExecution (if this is a DNS error for sync-127.0.0.1, the host prefix was not disabled)")
		if out.Status != types.SyncExecutionStatusSucceeded {
			t.Fatalf("StartSyncExecution status %s (%s: %s)", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause))
		}
		jsonEqual(t, "StartSyncExecution output", aws.ToString(out.Output), `{"sum":5}`)
	})

	t.Run("Errors", func(t *testing.T) {
		_, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arnPrefix + "stateMachine:nope")})
		errorAs[*types.StateMachineDoesNotExist](t, err, "DescribeStateMachine of an unknown machine")
		_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arnPrefix + "stateMachine:nope")})
		errorAs[*types.StateMachineDoesNotExist](t, err, "StartExecution of an unknown machine")
		_, err = c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arnPrefix + "execution:sdk-main:nope")})
		errorAs[*types.ExecutionDoesNotExist](t, err, "DescribeExecution of an unknown execution")
		_, err = c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arnPrefix + "execution:sdk-main:nope")})
		errorAs[*types.ExecutionDoesNotExist](t, err, "GetExecutionHistory of an unknown execution")
		_, err = c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("sdk-bad"), RoleArn: aws.String(roleArn),
			Definition: aws.String(`{"StartAt":"Missing","States":{"P":{"Type":"Pass","End":true}}}`)})
		errorAs[*types.InvalidDefinition](t, err, "CreateStateMachine with StartAt naming no state")
		_, err = c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String("not-an-arn")})
		errorAs[*types.InvalidArn](t, err, "DescribeStateMachine of a malformed ARN")
		_, err = c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String("arn:aws:states:us-east-1:123456789012:stateMachine")})
		errorAs[*types.InvalidArn](t, err, "DescribeExecution of a malformed ARN")
		_, err = c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String("not-a-token"), Output: aws.String("{}")})
		errorAs[*types.InvalidToken](t, err, "SendTaskSuccess with a made-up token")

		// The same name: same input returns the running execution, another
		// input is ExecutionAlreadyExists.
		sm := createSM(t, c, "sdk-dup", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":600,"End":true}}}`, smStandard)
		first, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Name: aws.String("dup"), Input: aws.String(`{"n":1}`)})
		must(t, err, "StartExecution dup")
		again, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Name: aws.String("dup"), Input: aws.String(`{"n":1}`)})
		must(t, err, "StartExecution dup again with the same input")
		if aws.ToString(again.ExecutionArn) != aws.ToString(first.ExecutionArn) || !aws.ToTime(again.StartDate).Equal(aws.ToTime(first.StartDate)) {
			t.Fatalf("same name and input: got %s started %v, want %s started %v", aws.ToString(again.ExecutionArn), aws.ToTime(again.StartDate),
				aws.ToString(first.ExecutionArn), aws.ToTime(first.StartDate))
		}
		_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Name: aws.String("dup"), Input: aws.String(`{"n":2}`)})
		errorAs[*types.ExecutionAlreadyExists](t, err, "StartExecution with a used name and another input")
		_, err = c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: first.ExecutionArn})
		must(t, err, "StopExecution dup")
	})
}

// callbackToken is the task token of the last callback TaskScheduled event
// in a history, read from its parameters' MessageBody.token; "" if none.
func callbackToken(t testing.TB, evs []types.HistoryEvent) string {
	t.Helper()
	token := ""
	for _, e := range evs {
		d := e.TaskScheduledEventDetails
		if e.Type != types.HistoryEventTypeTaskScheduled || d == nil || !strings.HasSuffix(aws.ToString(d.Resource), ".waitForTaskToken") {
			continue
		}
		var p struct {
			MessageBody struct {
				Token string `json:"token"`
			}
		}
		if err := json.Unmarshal([]byte(aws.ToString(d.Parameters)), &p); err != nil {
			t.Errorf("TaskScheduled %d: parameters %q: %v", e.Id, aws.ToString(d.Parameters), err)
			return ""
		}
		token = p.MessageBody.Token
	}
	return token
}

func countType(evs []types.HistoryEvent, typ types.HistoryEventType) int {
	n := 0
	for _, e := range evs {
		if e.Type == typ {
			n++
		}
	}
	return n
}

// checkGapFree expects ids 1..N in order, each previousEventId before its
// event.
func checkGapFree(t testing.TB, arn string, evs []types.HistoryEvent) {
	t.Helper()
	if err := gapFree(evs); err != nil {
		t.Fatalf("%s: %v\n%s", arn, err, formatHistory(evs))
	}
}

// TestSIGTERMRestartDuringWait stops the server gracefully while an
// execution waits and checks that the restarted server finishes it, with
// each transition recorded once.
func TestSIGTERMRestartDuringWait(t *testing.T) {
	srv := newServer(t)
	c := newClient(srv.url, true)
	ctx := context.Background()
	sm := createSM(t, c, "sigterm-wait", `{"StartAt":"Before","States":{
		"Before":{"Type":"Pass","Next":"W"},
		"W":{"Type":"Wait","Seconds":3,"Next":"After"},
		"After":{"Type":"Pass","Result":"after","End":true}}}`, smStandard)
	exec := start(t, c, sm, "waiting", `{}`)
	waitFor(t, execTimeout, "the execution to enter its Wait state", func() (bool, string) {
		evs, err := history(ctx, c, exec)
		if err != nil {
			return false, err.Error()
		}
		return countType(evs, types.HistoryEventTypeWaitStateEntered) == 1, formatHistory(evs)
	})
	srv.stop()
	srv.start()
	d := succeeded(t, c, exec, `"after"`)
	evs, err := history(ctx, c, exec)
	must(t, err, "GetExecutionHistory")
	checkGapFree(t, exec, evs)
	for typ, want := range map[types.HistoryEventType]int{
		types.HistoryEventTypeExecutionStarted:   1,
		types.HistoryEventTypeWaitStateEntered:   1,
		types.HistoryEventTypeWaitStateExited:    1,
		types.HistoryEventTypePassStateEntered:   2,
		types.HistoryEventTypeExecutionSucceeded: 1,
	} {
		if n := countType(evs, typ); n != want {
			t.Fatalf("%d %s events, want %d:\n%s", n, typ, want, formatHistory(evs))
		}
	}
	if el := aws.ToTime(d.StopDate).Sub(aws.ToTime(d.StartDate)); el < 3*time.Second {
		t.Fatalf("the execution ended %v after it started, before its 3 s Wait was over", el)
	}
}
