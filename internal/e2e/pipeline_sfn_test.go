package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// writeProject writes a project directory of files (name, content pairs).
func writeProject(t *testing.T, dir string, files ...string) {
	t.Helper()
	for i := 0; i+1 < len(files); i += 2 {
		p := filepath.Join(dir, files[i])
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(files[i+1]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const sfnPipeline = `name: sfn-std
params:
  mode: {type: string}
  gate: {type: string, default: "-"}
steps:
  - name: first
    type: shell
    command: [sh, first.sh]
  - name: maybe
    type: shell
    depends_on: [first]
    command: [sh, maybe.sh, "{% $input.mode %}", "{% $input.gate %}"]
`

// TestPipelinesThroughStepFunctionsAPI deploys pipelines with baton deploy
// and drives them through the Step Functions API only, with the AWS SDK:
// listed and described as state machines, started, stopped, redriven,
// described, with their histories; an EXPRESS one run by
// StartSyncExecution; UpdateStateMachine refused.
func TestPipelinesThroughStepFunctionsAPI(t *testing.T) {
	srv := newServer(t)
	c := newClient(srv.url, false)
	ctx := context.Background()
	work := t.TempDir()
	writeProject(t, filepath.Join(work, "std"),
		"pipeline.yaml", sfnPipeline,
		"first.sh", `echo "n=1" >> "$BATON_OUTPUT"`+"\n",
		"maybe.sh", `case "$1" in
wait) while [ ! -e "$2" ]; do sleep 0.05; done ;;
need) [ -e "$2" ] || { echo "no $2" >&2; exit 3; } ;;
esac
echo "mode=$1" >> "$BATON_OUTPUT"
`)
	writeProject(t, filepath.Join(work, "exp"),
		"pipeline.yaml", "name: sfn-exp\ntype: EXPRESS\nsteps:\n  - name: only\n    type: shell\n    command: [sh, only.sh]\n",
		"only.sh", `echo "x=$(cat data.txt)" >> "$BATON_OUTPUT"`+"\n",
		"data.txt", "42\n")
	// A pipeline whose body is a state machine: its baton:shell task runs
	// the project's script, in the run's directory.
	writeProject(t, filepath.Join(work, "body"),
		"pipeline.yaml", "name: sfn-body\nbody: sm.asl.json\n",
		"sm.asl.json", `{"StartAt":"Run","States":{"Run":{"Type":"Task","Resource":"baton:shell","Parameters":{"command":["sh","run.sh"]},"End":true}}}`,
		"run.sh", "cat data.txt\n",
		"data.txt", `{"from":"the bundle"}`+"\n")
	for _, p := range []string{"std", "exp", "body"} {
		baton(t, srv, "deploy", filepath.Join(work, p))
	}
	const smArn = "arn:aws:states:us-east-1:123456789012:stateMachine:sfn-std"
	const expArn = "arn:aws:states:us-east-1:123456789012:stateMachine:sfn-exp"

	t.Run("ListAndDescribe", func(t *testing.T) {
		list, err := c.ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
		must(t, err, "ListStateMachines")
		kinds := map[string]types.StateMachineType{}
		for _, sm := range list.StateMachines {
			kinds[aws.ToString(sm.Name)] = sm.Type
		}
		if kinds["sfn-std"] != types.StateMachineTypeStandard || kinds["sfn-exp"] != types.StateMachineTypeExpress {
			t.Fatalf("listed: %v", kinds)
		}
		d, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(smArn)})
		must(t, err, "DescribeStateMachine")
		if aws.ToString(d.Definition) != sfnPipeline || d.Type != types.StateMachineTypeStandard || d.Status != types.StateMachineStatusActive {
			t.Fatalf("described: %q %s %s", aws.ToString(d.Definition), d.Type, d.Status)
		}
		v, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(smArn + ":1")})
		must(t, err, "DescribeStateMachine of version 1")
		if aws.ToString(v.Definition) != sfnPipeline {
			t.Fatalf("version 1: %q", aws.ToString(v.Definition))
		}
	})

	t.Run("StartDescribeHistory", func(t *testing.T) {
		arn := start(t, c, smArn, "ok", `{"mode":"ok"}`)
		d := succeeded(t, c, arn, `{"first":{"n":"1"},"maybe":{"mode":"ok"}}`)
		if aws.ToString(d.StateMachineArn) != smArn {
			t.Errorf("stateMachineArn %s", aws.ToString(d.StateMachineArn))
		}
		evs, err := history(ctx, c, arn)
		must(t, err, "GetExecutionHistory")
		if evs[0].Type != types.HistoryEventTypeExecutionStarted || evs[len(evs)-1].Type != types.HistoryEventTypeExecutionSucceeded {
			t.Fatalf("history:\n%s", formatHistory(evs))
		}
		checkGapFree(t, arn, evs)
	})

	t.Run("Stop", func(t *testing.T) {
		gate := filepath.Join(work, "never")
		arn := start(t, c, smArn, "stopped", `{"mode":"wait","gate":"`+gate+`"}`)
		waitFor(t, execTimeout, "the maybe step to start", func() (bool, string) {
			evs, err := history(ctx, c, arn)
			if err != nil {
				return false, err.Error()
			}
			return strings.Contains(formatHistory(evs), "maybe") && countType(evs, types.HistoryEventTypeTaskStarted) >= 2, formatHistory(evs)
		})
		_, err := c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: aws.String(arn), Error: aws.String("Halt"), Cause: aws.String("by the test")})
		must(t, err, "StopExecution")
		d := waitStatus(t, c, arn, execTimeout)
		if d.Status != types.ExecutionStatusAborted || aws.ToString(d.Error) != "Halt" {
			t.Fatalf("stopped: %s %s", d.Status, aws.ToString(d.Error))
		}
	})

	t.Run("Redrive", func(t *testing.T) {
		gate := filepath.Join(work, "later")
		arn := start(t, c, smArn, "redriven", `{"mode":"need","gate":"`+gate+`"}`)
		d := waitStatus(t, c, arn, execTimeout)
		if d.Status != types.ExecutionStatusFailed {
			t.Fatalf("first run: %s", d.Status)
		}
		if err := os.WriteFile(gate, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: aws.String(arn)})
		must(t, err, "RedriveExecution")
		d = succeeded(t, c, arn, `{"first":{"n":"1"},"maybe":{"mode":"need"}}`)
		if aws.ToInt32(d.RedriveCount) != 1 {
			t.Errorf("redriveCount %d", aws.ToInt32(d.RedriveCount))
		}
		evs, err := history(ctx, c, arn)
		must(t, err, "GetExecutionHistory")
		if countType(evs, types.HistoryEventTypeExecutionRedriven) != 1 {
			t.Fatalf("history:\n%s", formatHistory(evs))
		}
	})

	t.Run("StartSyncExecution", func(t *testing.T) {
		out, err := c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: aws.String(expArn), Input: aws.String(`{}`)})
		must(t, err, "StartSyncExecution")
		if out.Status != types.SyncExecutionStatusSucceeded {
			t.Fatalf("sync: %s %s %s", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause))
		}
		jsonEqual(t, "sync output", aws.ToString(out.Output), `{"only":{"x":"42"}}`)
		_, err = c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: aws.String(smArn), Input: aws.String(`{"mode":"ok"}`)})
		errorAs[*types.StateMachineTypeNotSupported](t, err, "StartSyncExecution of a STANDARD pipeline")
	})

	t.Run("Body", func(t *testing.T) {
		const bodyArn = "arn:aws:states:us-east-1:123456789012:stateMachine:sfn-body"
		d, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(bodyArn)})
		must(t, err, "DescribeStateMachine of a body pipeline")
		if !strings.Contains(aws.ToString(d.Definition), `"baton:shell"`) {
			t.Fatalf("definition: %s", aws.ToString(d.Definition))
		}
		arn := start(t, c, bodyArn, "b1", `{}`)
		out := aws.ToString(succeeded(t, c, arn, "").Output)
		if !strings.Contains(out, "the bundle") {
			t.Fatalf("output %s", out)
		}
	})

	t.Run("UpdateRefused", func(t *testing.T) {
		_, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(smArn),
			Definition: aws.String(`{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`)})
		ve := errorAs[*types.ValidationException](t, err, "UpdateStateMachine of a pipeline")
		if !strings.Contains(ve.ErrorMessage(), "baton deploy") {
			t.Errorf("message: %s", ve.ErrorMessage())
		}
	})
}
