package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/spf13/cobra"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/client"
)

type deployFlags struct {
	remoteFlags
	maxDefinition int64
	envErr        error
	name          string
	typ           string
	roleArn       string
	publish       bool
	description   string
}

func newDeployCmd() *cobra.Command {
	var f deployFlags
	cmd := &cobra.Command{
		Use:   "deploy FILE...",
		Short: "Create or update workflows on a Baton server",
		Long: `Deploy sends each state machine definition (JSON or YAML) to the server: it
creates the workflow, or updates the one of that name when the definition
changed. The name is the file's base name without .asl.json, .asl.yaml, .json
or .yaml, unless --name is given (one file only).

Each file is validated locally first; problems are printed as
file:line:col: message (JSON pointer), as 'baton validate' does, and the file
is not sent. YAML definitions are sent as JSON. A file larger than
--max-definition-bytes (1 MiB, the server's limit) is not read.

It prints one line per file: the result (created, updated, unchanged) and the
workflow's ARN, and with --publish the version's ARN. Exit codes: 0 when every
file was deployed, 2 otherwise.`,
		Example: `  baton deploy etl.asl.json
  baton deploy --publish workflows/*.asl.yaml
  baton deploy order.json --name orders --type EXPRESS --server http://baton:7780`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return deploy(cmd, args, &f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.name, "name", "", "workflow name (default: from the file name; one file only)")
	fl.StringVar(&f.typ, "type", "", "STANDARD (default) or EXPRESS, for new workflows")
	fl.StringVar(&f.roleArn, "role-arn", "", "IAM role ARN recorded with the workflow ($$.StateMachine... and Step Functions clients see it)")
	fl.BoolVar(&f.publish, "publish", false, "publish the deployed revision as a version")
	fl.StringVar(&f.description, "description", "", "description of the published version (with --publish)")
	addMaxDefinitionFlag(cmd, &f.maxDefinition, &f.envErr)
	addRemoteFlags(cmd, &f.remoteFlags, true)
	return cmd
}

func deploy(cmd *cobra.Command, files []string, f *deployFlags) error {
	c, err := f.client()
	if err != nil {
		return err
	}
	if err := checkMaxDefinition(f.maxDefinition, f.envErr); err != nil {
		return err
	}
	if f.name != "" && len(files) > 1 {
		return usageErr("--name names one workflow: give one file, or drop --name to name each after its file")
	}
	typ := strings.ToUpper(f.typ)
	if typ != "" && typ != "STANDARD" && typ != "EXPRESS" {
		return usageErr("--type must be STANDARD or EXPRESS, not %q", f.typ)
	}
	if f.description != "" && !f.publish {
		return usageErr("--description describes a published version: add --publish")
	}
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	var results []*client.DeployWorkflowOutput
	failed := 0
	for _, file := range files {
		def, problem := readDefinition(file, definitionLimit(f.maxDefinition), stderr)
		if problem != nil {
			fmt.Fprintf(stderr, "baton: %s: %v\n", file, problem)
			failed++
			continue
		}
		name := f.name
		if name == "" {
			name = machineName(file) // "etl.asl.json", "etl.yaml", ... give "etl"
		}
		out, err := c.DeployWorkflow(context.Background(), client.DeployWorkflowInput{
			Name: name, Definition: def, Type: typ, RoleArn: f.roleArn, Publish: f.publish, Description: f.description,
		})
		if err != nil {
			var ae *client.APIError
			if !errors.As(err, &ae) {
				return apiErr(&f.remoteFlags, err) // the server is unreachable: the other files would fail too
			}
			fmt.Fprintf(stderr, "baton: %s: %v\n", file, ae)
			failed++
			continue
		}
		results = append(results, out)
		if !f.json() {
			fmt.Fprintf(stdout, "%s: %s %s\n", name, strings.ToLower(out.Result), out.StateMachineArn)
			if out.StateMachineVersionArn != "" {
				fmt.Fprintf(stdout, "%s: version %s\n", name, out.StateMachineVersionArn)
			}
		}
	}
	if f.json() {
		if results == nil {
			results = []*client.DeployWorkflowOutput{}
		}
		_ = printJSON(stdout, results)
	}
	if failed > 0 {
		return &exitError{code: exitInvalid, err: fmt.Errorf("%d of %d files not deployed", failed, len(files))}
	}
	return nil
}

// readDefinition validates a definition file and returns its text as JSON;
// it prints the file's diagnostics to w.
func readDefinition(file string, limit readLimit, w io.Writer) (string, error) {
	_, data, err := parseDefinitionFile(file, limit)
	if err != nil {
		var ve *asl.ValidationError
		if errors.As(err, &ve) {
			for _, d := range ve.Diagnostics {
				fmt.Fprintln(w, d.String())
			}
			return "", fmt.Errorf("not a valid state machine (%d problems; see above)", len(ve.Diagnostics))
		}
		return "", err
	}
	if bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")) {
		return string(data), nil
	}
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return "", fmt.Errorf("converting YAML to JSON: %v", err)
	}
	return string(js), nil
}
