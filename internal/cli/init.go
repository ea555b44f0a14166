package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/batonhq/baton/internal/pipeline"
	"github.com/spf13/cobra"
)

func newInitCmd() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "init NAME",
		Short: "Create a pipeline project: pipeline.yaml, a sample step script, a README",
		Long: `Init creates a pipeline project in the directory --dir (default ./NAME): a
pipeline.yaml named NAME whose first line points editors at the pipeline JSON
Schema (yaml-language-server modeline), a sample step script under steps/ and
a README. The project passes baton validate as generated.

NAME is 1 to 80 letters, digits, '-' or '_'. An existing directory is used
only if it is empty: init never overwrites files.`,
		Example: `  baton init sales-etl
  baton init sales-etl --dir ~/projects/sales
  baton init sales-etl && baton validate sales-etl && baton graph sales-etl`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			if !pipeline.ValidName(name) {
				return &exitError{code: exitInvalid, err: fmt.Errorf("the project name %q must be 1 to 80 letters, digits, '-' or '_' (it is the pipeline's name)", name)}
			}
			if dir == "" {
				dir = name
			}
			if err := scaffold(dir, name); err != nil {
				return &exitError{code: exitInvalid, err: err}
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "created %s: check it with baton validate %s, draw it with baton graph %s, run it with baton run %s\n", dir, dir, dir, dir)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "directory to create the project in (default ./NAME); must not exist or be empty")
	return cmd
}

// scaffold writes the project files into dir, which must be missing or
// empty.
func scaffold(dir, name string) error {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("%s exists and is not empty: init never overwrites files; choose another --dir or remove it", dir)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	files := []struct {
		path string
		mode os.FileMode
		text string
	}{
		{pipeline.DefaultFile, 0o644, initPipeline},
		{filepath.Join("steps", "hello.sh"), 0o755, initScript},
		{"README.md", 0o644, initReadme},
	}
	for _, f := range files {
		path := filepath.Join(dir, f.path)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		text := strings.ReplaceAll(f.text, "NAME", name)
		text = strings.ReplaceAll(text, "SCHEMA_URL", pipeline.SchemaURL)
		if err := os.WriteFile(path, []byte(text), f.mode); err != nil {
			return err
		}
	}
	return nil
}

const initPipeline = `# yaml-language-server: $schema=SCHEMA_URL
# The format: docs/pipeline.md. Check it with: baton validate .
name: NAME
description: A sample pipeline made by baton init
params:
  who: {type: string, default: world, description: whom to greet}
defaults:
  timeout: 10m
  retry: {retries: 2, interval: 5s, backoff_rate: 2}
steps:
  - name: hello
    command: [sh, steps/hello.sh]
    env: {WHO: "{% $input.who %}"}
  - name: report
    depends_on: [hello]
    script: |
      echo "hello said: $GREETING"
    env: {GREETING: "{% $steps.hello.output.greeting %}"}
handlers:
  on_failure:
    - name: tell-someone
      script: echo "NAME failed" >&2
`

const initScript = `#!/bin/sh
# A step: its stdout and stderr are the step's log; the JSON it writes to
# $BATON_OUTPUT is its output, read downstream as $steps.hello.output.
set -eu
echo "greeting ${WHO:-world}"
printf '{"greeting": "hello, %s"}\n' "${WHO:-world}" > "${BATON_OUTPUT:-/dev/null}"
`

const initReadme = `# NAME

A Baton pipeline project: pipeline.yaml says the steps and which depend on
which; steps/ holds their scripts.

    baton validate .          # check pipeline.yaml
    baton graph .             # draw the DAG (Mermaid; --format dot for Graphviz)

Editors with the YAML language server (VS Code's YAML extension, Neovim,
Helix) complete and check pipeline.yaml through its first line. To use a
local copy of the schema instead (offline, or to match your baton version):

    baton schema pipeline > pipeline.schema.json

and change the first line of pipeline.yaml to

    # yaml-language-server: $schema=./pipeline.schema.json
`

func newSchemaCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "schema pipeline",
		Short: "Print the JSON Schema of pipeline.yaml",
		Long: `Schema prints the JSON Schema (2020-12) of pipeline.yaml on stdout, the one
this baton validates against, for editors to use as a local file. The schema
checks the file's shape; baton validate checks everything (the DAG,
expressions, bodies).`,
		Example: `  baton schema pipeline > pipeline.schema.json
  # then, first line of pipeline.yaml:
  # yaml-language-server: $schema=./pipeline.schema.json`,
		Args:      cobra.ExactArgs(1),
		ValidArgs: []string{"pipeline"},
		RunE: func(cmd *cobra.Command, args []string) error {
			if args[0] != "pipeline" {
				return &exitError{code: exitInvalid, err: fmt.Errorf("unknown schema %q: the one schema is pipeline", args[0])}
			}
			_, err := cmd.OutOrStdout().Write(pipeline.Schema)
			return err
		},
	}
}
