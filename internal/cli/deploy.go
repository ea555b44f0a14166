package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/spf13/cobra"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/client"
	"github.com/batonhq/baton/internal/bundle"
	"github.com/batonhq/baton/internal/pipeline"
)

type deployFlags struct {
	remoteFlags
	maxDefinition int64
	maxBundle     int64
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
		Use:   "deploy DIR|FILE...",
		Short: "Create or update workflows on a Baton server",
		Long: `Deploy sends pipeline projects and state machine definitions to the server.

A project directory (or its pipeline.yaml) is checked locally, packed with its
files as a bundle (leaving out what its .batonignore lists; at most 64 MiB of
files), uploaded, checked again by the server, stored by its content digest,
and deployed: the workflow named in pipeline.yaml is created or updated and a
new version keeping the bundle is published, so that each run works with the
files of the version it started with, in a directory of its own. Deploying the
same files again changes nothing. Progress goes to stderr.

Deploy sends each state machine definition (JSON or YAML) to the server: it
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
		Example: `  baton deploy sales-pipeline/
  baton deploy sales-pipeline/pipeline.yaml --description "fix the join"
  baton deploy etl.asl.json
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
	fl.StringVar(&f.description, "description", "", "description of the published version (with --publish, or of a project's new version)")
	addMaxDefinitionFlag(cmd, &f.maxDefinition, &f.envErr)
	fl.Int64Var(&f.maxBundle, "max-bundle-bytes", int64(envInt(&f.envErr, "BATON_MAX_BUNDLE_BYTES", bundle.DefaultMaxBytes)),
		"largest project to pack, in bytes of its files (the server's own --max-bundle-bytes bounds what it takes)")
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
	if f.maxBundle <= 0 {
		return usageErr("--max-bundle-bytes %d: want 1 or more", f.maxBundle)
	}
	if f.name != "" && len(files) > 1 {
		return usageErr("--name names one workflow: give one file, or drop --name to name each after its file")
	}
	typ := strings.ToUpper(f.typ)
	if typ != "" && typ != "STANDARD" && typ != "EXPRESS" {
		return usageErr("--type must be STANDARD or EXPRESS, not %q", f.typ)
	}
	var projects, definitions int
	for _, file := range files {
		if _, ok := pipelineFileOf(file); ok {
			projects++
		} else {
			definitions++
		}
	}
	if projects > 0 && (f.name != "" || typ != "" || f.roleArn != "" || f.publish) {
		return usageErr("--name, --type, --role-arn and --publish are for state machine files: a project's pipeline.yaml gives its name and type, and every deploy of a project publishes a version")
	}
	if f.description != "" && !f.publish && definitions > 0 {
		return usageErr("--description describes a published version: add --publish")
	}
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	var results []*client.DeployWorkflowOutput
	failed := 0
	for _, file := range files {
		if pipelineFile, ok := pipelineFileOf(file); ok {
			out, err := deployProject(c, pipelineFile, f.description, f.maxBundle, stderr)
			if err != nil {
				if errors.Is(err, errUnreachable) {
					return apiErr(&f.remoteFlags, err)
				}
				fmt.Fprintf(stderr, "baton: %s: %v\n", file, err)
				failed++
				continue
			}
			results = append(results, &client.DeployWorkflowOutput{StateMachineArn: out.StateMachineArn, Name: out.Name,
				RevisionID: out.RevisionID, StateMachineVersionArn: out.StateMachineVersionArn, Result: out.Result})
			if !f.json() {
				fmt.Fprintf(stdout, "%s: %s %s\n", out.Name, strings.ToLower(out.Result), out.StateMachineArn)
				fmt.Fprintf(stdout, "%s: version %s\n", out.Name, out.StateMachineVersionArn)
			}
			continue
		}
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

// errUnreachable marks a deploy that failed because the server could not
// be reached: the other files would fail too.
var errUnreachable = errors.New("server unreachable")

// deployProject checks, packs, uploads and deploys the project of a
// pipeline file, telling its progress on w.
func deployProject(c *client.Client, file, description string, maxBundle int64, w io.Writer) (*client.DeployBundleOutput, error) {
	diags, err := validatePipeline(file, readLimit{bytes: pipeline.MaxFileBytes, what: "a pipeline file"})
	if err != nil {
		return nil, err
	}
	if len(diags) > 0 {
		for _, d := range diags {
			fmt.Fprintln(w, d.String())
		}
		return nil, fmt.Errorf("not a valid pipeline (%d problems; see above)", len(diags))
	}
	dir := filepath.Dir(file)
	b, err := bundle.Pack(dir, bundle.Limits{MaxBytes: maxBundle})
	if errors.Is(err, bundle.ErrTooLarge) {
		return nil, fmt.Errorf("%w, or raise --max-bundle-bytes (BATON_MAX_BUNDLE_BYTES; the server has its own)", err)
	}
	if err != nil {
		return nil, err
	}
	gz := b.Bytes()
	fmt.Fprintf(w, "packed %s: %d files, %s (%s sent), %s\n", dir, len(b.Files), byteSize(b.Size()), byteSize(int64(len(gz))), b.Digest())
	ctx := context.Background()
	up, err := c.UploadBundle(ctx, gz)
	if err != nil {
		return nil, deployErr(err)
	}
	if up.Created {
		fmt.Fprintf(w, "uploaded %s\n", up.Digest)
	} else {
		fmt.Fprintf(w, "the server has %s already\n", up.Digest)
	}
	out, err := c.DeployBundle(ctx, up.Digest, description)
	if err != nil {
		return nil, deployErr(err)
	}
	return out, nil
}

// deployErr marks err as errUnreachable unless the server answered it.
func deployErr(err error) error {
	var ae *client.APIError
	if errors.As(err, &ae) {
		return err
	}
	return fmt.Errorf("%w: %w", errUnreachable, err)
}

// byteSize prints n bytes for people.
func byteSize(n int64) string {
	switch {
	case n >= 10<<20:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 10<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
