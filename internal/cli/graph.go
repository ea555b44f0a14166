package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/internal/pipeline"
	"github.com/spf13/cobra"
)

func newGraphCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "graph FILE|DIR",
		Short: "Print a pipeline's DAG as Mermaid or DOT",
		Long: `Graph prints the DAG of a pipeline (a project directory or its pipeline.yaml)
on stdout: each step a node whose shape and second line say its type, each
depends_on an edge labelled with the step's trigger rule when it is not
all_success, for_each steps inside a group, and the handlers in a group of
their own. Mermaid (the default) renders in GitHub, GitLab and mermaid.live;
DOT renders with Graphviz.

An invalid pipeline is not drawn: its diagnostics are printed as by
baton validate, and the exit status is 2.`,
		Example: `  baton graph my-project/                       # Mermaid
  baton graph my-project/pipeline.yaml --format dot | dot -Tsvg > dag.svg`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains(pipeline.GraphFormats, format) {
				return &exitError{code: exitInvalid, err: fmt.Errorf("--format must be %s, not %q", strings.Join(pipeline.GraphFormats, " or "), format)}
			}
			file, _ := pipelineFileOf(args[0])
			if file == "" {
				return &exitError{code: exitInvalid, err: fmt.Errorf("%s has no pipeline.yaml: name a project directory (baton init NAME makes one) or its pipeline file", args[0])}
			}
			src, err := definitionLimit(pipeline.MaxFileBytes).readFile(file)
			if err != nil {
				return &exitError{code: exitInvalid, err: err}
			}
			pl, err := pipeline.ParseFS(os.DirFS(filepath.Dir(file)), file, src)
			var ve *pipeline.ValidationError
			if errors.As(err, &ve) {
				printDiagnostics(cmd, ve.Diagnostics)
				return &exitError{code: exitInvalid}
			} else if err != nil {
				return &exitError{code: exitInvalid, err: err}
			}
			out, err := pipeline.Render(pl, format)
			if err != nil {
				return &exitError{code: exitInvalid, err: err}
			}
			_, err = fmt.Fprint(cmd.OutOrStdout(), out)
			return err
		},
	}
	cmd.Flags().StringVar(&format, "format", pipeline.GraphMermaid, "output format: mermaid or dot")
	return cmd
}

// printDiagnostics writes diagnostics one a line, as baton validate does.
func printDiagnostics(cmd *cobra.Command, diags []asl.Diagnostic) {
	for _, d := range diags {
		fmt.Fprintln(cmd.OutOrStdout(), d.String())
	}
}
