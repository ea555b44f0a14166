package e2e

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// TestNamespaces: two teams deploy a pipeline of the same name into their
// namespaces; each has its own account id in its ARNs, so the two never
// collide; lists show one namespace's; the Step Functions API lists
// default's and reaches the others by ARN; a pipeline.yaml's namespace
// decides where it goes, and an unknown namespace is a clear error.
func TestNamespaces(t *testing.T) {
	srv := newServer(t)
	c := newClient(srv.url, true)
	ctx := context.Background()
	out, _ := baton(t, srv, "namespaces", "create", "team-a")
	if !strings.Contains(out, "created namespace team-a (account ") {
		t.Fatalf("namespaces create: %q", out)
	}
	baton(t, srv, "namespaces", "create", "team-b")
	project := map[string]string{"pipeline.yaml": "name: listings\nsteps:\n  - {name: a, command: [\"true\"]}\noutput: \"{% {'ns': $run.namespace} %}\"\n"}
	arns := map[string]string{}
	for _, ns := range []string{"team-a", "team-b"} {
		dir := t.TempDir()
		writeFiles(t, dir, project)
		out, _ := baton(t, srv, "deploy", dir, "--namespace", ns)
		arns[ns] = strings.Fields(strings.SplitN(out, "\n", 2)[0])[2]
	}
	if arns["team-a"] == arns["team-b"] || !strings.HasSuffix(arns["team-a"], ":stateMachine:listings") {
		t.Fatalf("the two teams' listings: %v", arns)
	}
	for ns, arn := range arns {
		out, _ := baton(t, srv, "start", "listings", "--namespace", ns, "--wait", "-q")
		if !strings.Contains(out, `"status": "SUCCEEDED"`) || !strings.Contains(out, strings.TrimSuffix(arn, ":stateMachine:listings")+":execution:listings:") ||
			!strings.Contains(out, `"ns": "`+ns+`"`) {
			t.Fatalf("a run in %s: %s", ns, out)
		}
	}
	list, _ := baton(t, srv, "workflows", "list", "--namespace", "team-a")
	if !strings.Contains(list, arns["team-a"]) || strings.Contains(list, arns["team-b"]) {
		t.Fatalf("workflows list --namespace team-a:\n%s", list)
	}
	if list, _ := baton(t, srv, "workflows", "list"); strings.Contains(list, "listings") {
		t.Fatalf("the default namespace lists another's workflows:\n%s", list)
	}
	sms, err := c.ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
	must(t, err, "ListStateMachines")
	if len(sms.StateMachines) != 0 {
		t.Fatalf("Step Functions' ListStateMachines shows %d state machines, want default's (none)", len(sms.StateMachines))
	}
	d, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arns["team-b"])})
	must(t, err, "DescribeStateMachine of team-b's by ARN")
	if aws.ToString(d.Name) != "listings" {
		t.Fatalf("describe: %v", aws.ToString(d.Name))
	}

	// A workflow step runs a workflow of its own namespace, or of the one
	// it names.
	caller := t.TempDir()
	writeFiles(t, caller, map[string]string{"pipeline.yaml": `name: caller
steps:
  - {name: mine, type: workflow, workflow: listings}
  - {name: theirs, type: workflow, workflow: listings, namespace: team-b}
`})
	baton(t, srv, "deploy", caller, "--namespace", "team-a")
	out, _ = baton(t, srv, "start", "caller", "--namespace", "team-a", "--wait", "-q")
	if !strings.Contains(out, `"mine": {`) || !strings.Contains(out, `"ns": "team-a"`) || !strings.Contains(out, `"ns": "team-b"`) {
		t.Fatalf("workflow steps across namespaces: %s", out)
	}

	// An activity step's activity is its namespace's: team-a's worker gets
	// team-a's task.
	worker := exec.Command(binPath, "worker", "--activity", "work", "--namespace", "team-a", "--server", srv.url, "--", "cat")
	must(t, worker.Start(), "start team-a's worker")
	t.Cleanup(func() { worker.Process.Kill(); worker.Wait() })
	acts := t.TempDir()
	writeFiles(t, acts, map[string]string{"pipeline.yaml": "name: acts\nsteps:\n  - {name: w, type: activity, activity: work, input: {n: 7}, timeout: 60s}\n"})
	baton(t, srv, "deploy", acts, "--namespace", "team-a")
	out, _ = baton(t, srv, "start", "acts", "--namespace", "team-a", "--wait", "-q")
	if !strings.Contains(out, `"n": 7`) {
		t.Fatalf("an activity step in team-a: %s", out)
	}
	if list, _ := baton(t, srv, "workflows", "list"); strings.Contains(list, "acts") {
		t.Fatalf("default lists team-a's workflow:\n%s", list)
	}

	// A pipeline.yaml that says its namespace goes there; a deploy to
	// another is refused.
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"pipeline.yaml": "name: own\nnamespace: team-b\nsteps:\n  - {name: a, command: [\"true\"]}\n"})
	out, _ = baton(t, srv, "deploy", dir)
	if !strings.Contains(out, strings.TrimSuffix(arns["team-b"], "listings")+"own") {
		t.Fatalf("a pipeline with namespace team-b deployed to %q", out)
	}
	for _, args := range [][]string{
		{"deploy", dir, "--namespace", "team-a"},
		{"start", "listings", "--namespace", "nope"},
	} {
		cmd := exec.Command(binPath, append(args, "--server", srv.url)...)
		b, err := cmd.CombinedOutput()
		if err == nil || !(strings.Contains(string(b), "says namespace") || strings.Contains(string(b), `namespace "nope" does not exist`)) {
			t.Errorf("baton %v: %v %s", args, err, b)
		}
	}
}
