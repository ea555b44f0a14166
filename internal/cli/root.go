// Package cli implements the baton command line: thin commands over the
// asl package and the runner.
package cli

import (
	"errors"
	"fmt"
	"io"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Exit codes shared by the commands.
const (
	exitOK      = 0
	exitFailed  = 1 // the execution did not succeed
	exitInvalid = 2 // invalid definition or usage
)

// exitError carries an exit code out of a command.
type exitError struct {
	code int
	err  error
	hint string // a line printed after the error, e.g. where to find help
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}

// Main runs the CLI with args and returns the process exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRoot(stdin, stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "baton:", ee.err)
		}
		if ee.hint != "" {
			fmt.Fprintln(stderr, ee.hint)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "baton:", err)
	return exitInvalid
}

func newRoot(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "baton",
		Short: "Run Amazon States Language state machines and data pipelines",
		Long: `Baton is a self-hosted orchestrator for data pipelines. It runs Amazon States
Language (AWS Step Functions) state machines unchanged, in JSONPath or JSONata,
and pipeline.yaml projects (a DAG of steps with their scripts): validate them,
run them locally with real steps or mocked ones, or deploy them to a durable
Baton server that AWS SDKs and the AWS CLI drive through a Step
Functions-compatible API.`,
		Example: `  baton validate workflow.asl.json
  baton run workflow.asl.json --input '{"day": "2026-11-21"}'
  baton init nightly && baton run nightly/ --logs
  baton server &
  baton deploy workflow.asl.json && baton start workflow --wait
  baton deploy nightly/ && baton start nightly --wait`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version(),
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &exitError{code: exitInvalid, err: err, hint: fmt.Sprintf("Run '%s --help' for usage.", c.CommandPath())}
	})
	root.AddCommand(newValidateCmd(), newRunCmd(), newServerCmd(), newBackupCmd())
	root.AddCommand(newDeployCmd(), newStartCmd(), newExecutionsCmd(), newWorkerCmd(), newLogsCmd())
	root.AddCommand(newGraphCmd(), newInitCmd(), newSchemaCmd(), newWorkflowsCmd(), newNamespacesCmd(), newGrantsCmd(), newAuditCmd(), newTriggersCmd(), newBackfillCmd())
	root.AddCommand(newScheduleCmd())
	root.AddCommand(newRulesCmd())
	root.AddCommand(newEventsCmd())
	root.AddCommand(newNotificationsCmd(), newClusterCmd())
	root.AddCommand(newTokensCmd(), newAccessKeysCmd())
	// An unknown command gets the same hint as an unknown flag.
	root.Args = func(c *cobra.Command, args []string) error {
		if len(args) > 0 {
			return &exitError{code: exitInvalid, err: fmt.Errorf("unknown command %q", args[0]), hint: "Run 'baton --help' for usage."}
		}
		return nil
	}
	root.RunE = func(c *cobra.Command, args []string) error { return c.Help() }
	return root
}

// version is the module version baton was built from ("(devel)" for a
// local build), with the VCS revision when the build recorded it.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := info.Main.Version
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " " + s.Value[:12]
		}
	}
	return v
}
