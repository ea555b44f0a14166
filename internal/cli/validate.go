package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/internal/pipeline"
	"github.com/spf13/cobra"
)

func newValidateCmd() *cobra.Command {
	var (
		format   string
		maxBytes int64
		envErr   error
	)
	cmd := &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check state machine definitions and pipeline.yaml files",
		Long: `Validate checks each definition (JSON or YAML) against every rule of the
Amazon States Language and reports all problems at once, each as
file:line:col: message (JSON pointer). It exits 0 when every file is valid and
2 otherwise. A file larger than --max-definition-bytes (1 MiB, the server's
limit) is not read.

A project directory, or a file named pipeline.yaml (or pipeline.yml), is a
pipeline: it is checked against the pipeline.yaml format (docs/pipeline.md),
with its body file and the SQL files its steps name.`,
		Example: `  baton validate workflow.asl.json
  baton validate my-project/            # my-project/pipeline.yaml
  baton validate --format json machines/*.asl.json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return &exitError{code: exitInvalid, err: fmt.Errorf("--format must be text or json, not %q", format)}
			}
			if err := checkMaxDefinition(maxBytes, envErr); err != nil {
				return err
			}
			type diagnostic struct {
				Pointer string `json:"pointer"`
				Line    int    `json:"line"`
				Col     int    `json:"col"`
				Code    string `json:"code,omitempty"`
				Message string `json:"message"`
			}
			type fileResult struct {
				File        string       `json:"file"`
				Valid       bool         `json:"valid"`
				Diagnostics []diagnostic `json:"diagnostics"`
				diags       []asl.Diagnostic
			}
			var results []fileResult
			invalid := false
			for _, file := range args {
				diags, err := validateFile(file, definitionLimit(maxBytes))
				if err != nil {
					// An unreadable file is one more invalid file: the others
					// are still checked.
					diags = []asl.Diagnostic{{File: file, Pos: asl.Pos{Line: 1, Col: 1}, Code: "FILE_UNREADABLE", Message: err.Error()}}
				}
				r := fileResult{File: file, Valid: len(diags) == 0, Diagnostics: []diagnostic{}, diags: diags}
				for _, d := range diags {
					r.Diagnostics = append(r.Diagnostics, diagnostic{Pointer: d.Pointer, Line: d.Pos.Line, Col: d.Pos.Col, Code: d.Code, Message: d.Message})
				}
				results = append(results, r)
				if len(diags) > 0 {
					invalid = true
				}
			}
			out := cmd.OutOrStdout()
			if format == "json" {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				_ = enc.Encode(results)
			} else {
				for _, r := range results {
					for _, d := range r.diags {
						fmt.Fprintln(out, d.String())
					}
					if r.Valid {
						fmt.Fprintf(cmd.ErrOrStderr(), "%s: valid\n", r.File)
					}
				}
			}
			if invalid {
				return &exitError{code: exitInvalid}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	addMaxDefinitionFlag(cmd, &maxBytes, &envErr)
	return cmd
}

// validateFile returns the diagnostics of one file; an error means the file
// could not be read, or is larger than limit.
func validateFile(file string, limit readLimit) ([]asl.Diagnostic, error) {
	if pipelineFile, ok := pipelineFileOf(file); ok {
		return validatePipeline(pipelineFile, limit)
	}
	_, _, err := parseDefinitionFile(file, limit)
	if err == nil {
		return []asl.Diagnostic{}, nil
	}
	var ve *asl.ValidationError
	if errors.As(err, &ve) {
		return ve.Diagnostics, nil
	}
	return nil, err
}

// pipelineFileOf tells whether file is a pipeline: a project directory (its
// pipeline file is returned) or a file named as a project's pipeline file.
func pipelineFileOf(file string) (string, bool) {
	if st, err := os.Stat(file); err == nil && st.IsDir() {
		for _, name := range pipeline.DirFiles {
			if _, err := os.Stat(filepath.Join(file, name)); err == nil {
				return filepath.Join(file, name), true
			}
		}
		return "", true
	}
	return file, slices.Contains(pipeline.DirFiles, filepath.Base(file))
}

// validatePipeline returns the diagnostics of a pipeline file, its body
// and SQL files read from its directory.
func validatePipeline(file string, limit readLimit) ([]asl.Diagnostic, error) {
	if file == "" {
		return nil, errors.New("a directory without a pipeline.yaml: name a project directory (baton init NAME makes one) or definition files")
	}
	src, err := limit.readFile(file)
	if err != nil {
		return nil, err
	}
	_, err = pipeline.ParseFS(os.DirFS(filepath.Dir(file)), file, src)
	var ve *pipeline.ValidationError
	switch {
	case errors.As(err, &ve):
		return ve.Diagnostics, nil
	case err != nil:
		return nil, err
	}
	return []asl.Diagnostic{}, nil
}
