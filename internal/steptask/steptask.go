// Package steptask is the contract between the pipeline interpreter
// (internal/pipeline), which asks for a step's task with a RunTask command,
// and the executors that run it (internal/tasks). A RunTask of a pipeline
// step carries one of the resources below and, as its Input, the step's
// specification with every expression already evaluated, in the JSON form
// of the matching type (encoding/json field names). Executors decode it with
// Decode.
//
// It holds types only, so that neither side depends on the other.
package steptask

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	"github.com/batonhq/baton/internal/value"
)

// Resources of pipeline steps' tasks.
const (
	ResourceShell    = "baton:step:shell"    // Shell
	ResourceHTTP     = "baton:step:http"     // HTTP
	ResourceSQL      = "baton:step:sql"      // SQL
	ResourceCopy     = "baton:step:copy"     // Copy
	ResourceWaitFor  = "baton:step:wait_for" // WaitFor: one probe
	ResourceActivity = "baton:step:activity" // with ":" and the activity's name or ARN: handed to its workers, the step's input as the task's
	ResourceWorkflow = "baton:step:workflow" // Workflow: a nested run, waited for
)

// Common is what every step task carries besides its own fields.
type Common struct {
	Pipeline string            `json:"pipeline"`
	Step     string            `json:"step"`
	Index    *int              `json:"index,omitempty"` // the for_each item's index
	Env      map[string]string `json:"env,omitempty"`   // the step's environment (after defaults)
}

// Shell runs a command (argv, no shell) or a script (run by Shell -eu).
// Its output is the JSON document (or key=value lines, read as an object)
// the command wrote to the file named by $BATON_OUTPUT; null when nothing.
// Its stdout and stderr are its logs.
type Shell struct {
	Common
	Command []string `json:"command,omitempty"`
	Script  string   `json:"script,omitempty"`
	Shell   string   `json:"shell,omitempty"` // "sh" (default) or "bash"
	// Dir is the working directory, relative to the run's directory (the
	// project's files); "" for the run's directory. It may not leave it.
	Dir string `json:"dir,omitempty"`
}

// HTTP sends one request. Output: {"status": 200, "headers": {...}, "body": ...}
// with a JSON body parsed. URL is relative to the connection's base URL when
// Connection is set.
type HTTP struct {
	Common
	Connection string            `json:"connection,omitempty"`
	URL        string            `json:"url"`
	Method     string            `json:"method,omitempty"` // default GET
	Headers    map[string]string `json:"headers,omitempty"`
	Body       any               `json:"body,omitempty"`
}

// SQL runs statements against a named connection (SQLite or PostgreSQL).
// Query holds the text, read from the step's `file:` by the interpreter when
// the step named a file. Output: {"rows_affected": n} and, for a query,
// {"rows": [...]} (bounded).
type SQL struct {
	Common
	Connection string `json:"connection"`
	Query      string `json:"query"`
}

// Copy copies one object between file://, s3:// and http(s):// sources and
// file:// or s3:// destinations. Output: {"from": url, "to": url, "size": n, "etag": ...}.
type Copy struct {
	Common
	Connection string `json:"connection,omitempty"` // the S3 connection, for s3:// URLs
	From       string `json:"from"`
	To         string `json:"to"`
}

// WaitFor is one probe of a wait_for step: it looks once for objects
// matching Path (a file:// or s3:// URL whose last segment may hold * and ?
// wildcards) modified after Since, and answers at once. Output:
// {"found": bool, "objects": [{"url", "size", "etag", "modified"}]}. The
// interpreter arms a timer between probes, so no worker slot is held while
// waiting, and fails the step when its timeout passes.
type WaitFor struct {
	Common
	Connection string    `json:"connection,omitempty"`
	Path       string    `json:"path"`
	Since      time.Time `json:"since"`
}

// Activity is the step an activity task comes from: the task's resource is
// ResourceActivity + ":" + Activity, and its input is Input alone ({} when
// none), what the workers polling the activity get (the Step Functions
// activity protocol). Output: what the worker returned.
type Activity struct {
	Common
	Activity string `json:"activity"`
	Input    any    `json:"input,omitempty"`
}

// Workflow runs another workflow of the same namespace and waits for its
// end. Output: the child's output.
type Workflow struct {
	Common
	Workflow  string `json:"workflow"`
	Namespace string `json:"namespace,omitempty"` // the workflow's namespace; "": the run's own
	Input     any    `json:"input,omitempty"`
}

// Decode turns a RunTask input (the parsed JSON value) into the step type
// T, reporting a clear error when its shape is wrong. The JSON values of
// its `any` fields (an http body, an activity's or workflow's input) keep
// the interpreter's value model (internal/value): integers stay int64, or
// json.Number beyond int64, never a float64 that would round an id above
// 2^53.
func Decode[T any](input any) (*T, error) {
	b, err := json.Marshal(input)
	if err != nil {
		return nil, fmt.Errorf("step task input: %w", err)
	}
	var t T
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&t); err != nil {
		return nil, fmt.Errorf("step task input: %w", err)
	}
	if err := numbers(reflect.ValueOf(&t).Elem()); err != nil {
		return nil, fmt.Errorf("step task input: %w", err)
	}
	return &t, nil
}

// numbers turns the json.Numbers that UseNumber left in v's `any` fields
// into the value model's numbers.
func numbers(v reflect.Value) error {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			return numbers(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				if err := numbers(v.Field(i)); err != nil {
					return err
				}
			}
		}
	case reflect.Interface:
		if !v.IsNil() && v.CanSet() {
			n, err := value.FixNumbers(v.Interface())
			if err != nil {
				return err
			}
			v.Set(reflect.ValueOf(&n).Elem())
		}
	}
	return nil
}
