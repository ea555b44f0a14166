package tasks

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/batonhq/baton/internal/config"
	"github.com/batonhq/baton/internal/steptask"
)

// This file holds what the executors of pipeline steps (the baton:step:*
// resources of internal/steptask) share. The pipeline interpreter evaluates
// a step's expressions and hands the executor the step's specification as
// the task input; the executor checks it, runs one attempt and answers.

// Error names of the step executors, for retry.on and trigger rules.
const (
	ErrorUnknownConnection = "Baton.UnknownConnection" // a step names a connection the server's --config file does not define

	ErrorShellOutput = "Shell.OutputError" // $BATON_OUTPUT holds neither JSON nor key=value lines

	ErrorSQL             = "Sql.Error"        // the database refused a statement or could not be reached
	ErrorSQLInvalidInput = "Sql.InvalidInput" // the sql step's input has the wrong shape

	ErrorCopy             = "Copy.Error"        // reading the source or writing the destination failed
	ErrorCopyNotFound     = "Copy.NotFound"     // the source does not exist
	ErrorCopyInvalidInput = "Copy.InvalidInput" // the copy step's input has the wrong shape

	ErrorWaitFor             = "WaitFor.Error"        // the listing failed (no such bucket, access denied)
	ErrorWaitForInvalidInput = "WaitFor.InvalidInput" // the wait_for step's input has the wrong shape
)

// decodeStep decodes a step task's input, failing with kind.InvalidInput.
func decodeStep[T any](in any, invalid string) (*T, error) {
	t, err := steptask.Decode[T](in)
	var (
		te *json.UnmarshalTypeError
		pe *time.ParseError
	)
	switch {
	case err == nil:
		return t, nil
	case errors.As(err, &te) && te.Field != "":
		return nil, invalidInput(invalid, te.Field, "must be %s, got a JSON %s", goTypeName(te.Type), te.Value)
	case errors.As(err, &pe):
		return nil, invalidInput(invalid, timeFields(reflect.TypeFor[T]()), "must be an RFC 3339 time (2026-12-04T10:00:00Z), got %q", pe.Value)
	}
	return nil, &Failure{Name: invalid, Cause: err.Error()}
}

// timeFields names the JSON fields of type time.Time of a step type (the
// json package does not say which one failed to parse).
func timeFields(t reflect.Type) string {
	var names []string
	for f := range t.Fields() {
		if f.Type == reflect.TypeFor[time.Time]() {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			names = append(names, name)
		}
	}
	return strings.Join(names, " or ")
}

// goTypeName names a field's type the way a JSON user reads it.
func goTypeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Interface:
		return "a JSON value"
	default:
		return "a number"
	}
}

// invalidInput is a kind.InvalidInput failure naming the field.
func invalidInput(name, field, format string, args ...any) *Failure {
	return &Failure{Name: name, Cause: fmt.Sprintf("%q %s", field, fmt.Sprintf(format, args...))}
}

// connectionOf returns the named connection of the expected type, or a
// Baton.UnknownConnection failure (also for a connection the request's
// namespace may not use), or kind.InvalidInput for the wrong type.
func (r *Resolver) connectionOf(req Request, name, typ, invalid string) (*config.Connection, error) {
	c, err := r.conns.Connection(name)
	if err != nil {
		return nil, &Failure{Name: ErrorUnknownConnection, Cause: err.Error()}
	}
	if ns := r.namespaceOf(req); !c.UsableIn(ns) {
		// Said as an unknown connection: another team's connections are
		// none of this one's business.
		return nil, &Failure{Name: ErrorUnknownConnection, Cause: fmt.Sprintf("connection %q is not available to namespace %s (the server's operator lists the namespaces that may use it)", name, ns)}
	}
	if c.Type != typ {
		return nil, invalidInput(invalid, "connection", "names the %s connection %q; this step needs a %s connection", c.Type, name, typ)
	}
	return c, nil
}

// redacted is a failure whose cause went through the connection's
// redaction: a message built by a driver or a server may quote a DSN or a
// credential.
func redacted(c *config.Connection, name, format string, args ...any) *Failure {
	return &Failure{Name: name, Cause: c.Redact(fmt.Sprintf(format, args...))}
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// stepEnviron is the environment of a step's command: the inherited one, the
// operator's additions (Options.Env), the BATON_* variables describing the
// task and the step, then the step's own env and extra. Later entries win.
func (c commandConfig) stepEnviron(req Request, common steptask.Common, invalid string, extra ...string) ([]string, error) {
	// Steps inherit the allow-list even under baton run: the rest of
	// Baton's environment may hold the secrets that the connections
	// reference (env:NAME).
	allow := c.inherit
	if allow == nil {
		allow = DefaultInheritEnv
	}
	env := inherited(os.Environ(), allow)
	env = append(env, c.env...)
	env = append(env,
		"BATON_PIPELINE="+common.Pipeline,
		"BATON_STEP="+common.Step,
		"BATON_ATTEMPT="+strconv.Itoa(req.Attempt),
		"BATON_EXECUTION_NAME="+req.ExecutionName,
	)
	if common.Index != nil {
		env = append(env, "BATON_INDEX="+strconv.Itoa(*common.Index))
	}
	keys := make([]string, 0, len(common.Env))
	for k := range common.Env {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !envName.MatchString(k) {
			return nil, invalidInput(invalid, "env."+k, "is not a valid variable name (letters, digits and _, not starting with a digit)")
		}
		if strings.ContainsRune(common.Env[k], 0) {
			return nil, invalidInput(invalid, "env."+k, "holds a NUL byte")
		}
		env = append(env, k+"="+common.Env[k])
	}
	return append(env, extra...), nil
}

// clientCache keeps one client per connection (database pools, S3
// clients) for the resolver's life.
type clientCache struct {
	mu sync.Mutex
	m  map[string]any
}

// get returns the cached client for key, or makes and caches one.
func (c *clientCache) get(key string, make func() (any, error)) (any, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.m[key]; ok {
		return v, nil
	}
	v, err := make()
	if err != nil {
		return nil, err
	}
	if c.m == nil {
		c.m = map[string]any{}
	}
	c.m[key] = v
	return v, nil
}

// closeAll closes the cached clients that hold resources (database pools);
// S3 clients hold only idle connections, which their transport drops.
func (c *clientCache) closeAll() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for k, v := range c.m {
		if cl, ok := v.(io.Closer); ok {
			errs = append(errs, cl.Close())
		}
		delete(c.m, k)
	}
	return errors.Join(errs...)
}

// namespaceOf is the namespace of a request's execution: "" under baton
// run, "?" for a task of no run on a server.
func (r *Resolver) namespaceOf(req Request) string {
	switch {
	case r.nsOf == nil:
		return "" // baton run: no namespaces
	case req.ExecutionArn == "":
		// On a server, a task of no run (TestState, a data trigger's
		// listing): no namespace's rights, only what every namespace
		// may use.
		return "?"
	}
	return r.nsOf(req.ExecutionArn)
}
