package e2e

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// TestDisableShell: with --disable-shell a definition using baton:shell is
// refused at deploy, and one stored before the flag was set fails at run
// time with Baton.ResourceDisabled, its command not run; a --resource
// mapping still runs.
func TestDisableShell(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "ran")
	def := `{"StartAt":"Sh","States":{"Sh":{"Type":"Task","Resource":"baton:shell",
		"Parameters":{"script":` + strconv.Quote("touch "+marker) + `},"End":true}}}`
	srv := newServer(t)
	c := newClient(srv.url, true)
	ctx := context.Background()
	before := createSM(t, c, "shell-before", def, smStandard)
	srv.stop()

	const mapped = "arn:aws:lambda:us-east-1:123456789012:function:Echo"
	srv.args = []string{"--disable-shell", "--resource", mapped + "=cat"}
	srv.start()
	_, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("shell-after"), Definition: aws.String(def),
		RoleArn: aws.String("arn:aws:iam::123456789012:role/r")})
	var invalid *types.InvalidDefinition
	if !errors.As(err, &invalid) || !strings.Contains(err.Error(), "--disable-shell") {
		t.Fatalf("CreateStateMachine with baton:shell under --disable-shell: %v, want InvalidDefinition naming the flag", err)
	}

	exec := start(t, c, before, "stored-before", `{}`)
	d := waitStatus(t, c, exec, execTimeout)
	if d.Status != types.ExecutionStatusFailed || aws.ToString(d.Error) != "Baton.ResourceDisabled" || !strings.Contains(aws.ToString(d.Cause), "--disable-shell") {
		t.Fatalf("execution %s (%s: %s), want FAILED with Baton.ResourceDisabled naming --disable-shell", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the disabled shell task ran its command")
	}

	lambda := createSM(t, c, "mapped", `{"StartAt":"L","States":{"L":{"Type":"Task","Resource":"`+mapped+`","End":true}}}`, smStandard)
	succeeded(t, c, start(t, c, lambda, "mapped", `{"ok":1}`), `{"ok":1}`)
}
