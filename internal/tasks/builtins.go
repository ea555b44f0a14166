package tasks

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/batonhq/baton/internal/steptask"
)

// ErrorResourceDisabled is the failure of a Task whose built-in resource the
// server's operator switched off (--disable-shell, --allowed-resources).
const ErrorResourceDisabled = "Baton.ResourceDisabled"

// builtins are the resources Baton serves by itself.
var builtins = []string{HTTPResource, ShellResource}

// builtinSwitches turns built-in resources off, as Options.DisableShell and
// Options.AllowedResources say. It returns, for each built-in switched off,
// the flag that did it.
func builtinSwitches(opts Options) (map[string]string, error) {
	off := map[string]string{}
	if opts.AllowedResources != nil {
		for _, res := range opts.AllowedResources {
			if !slices.Contains(builtins, res) {
				return nil, fmt.Errorf("--allowed-resources: %q is not a built-in resource (built-ins: %s; commands mapped with --resource are always allowed)", res, strings.Join(builtins, ", "))
			}
		}
		allowed := "none"
		if len(opts.AllowedResources) > 0 {
			allowed = strings.Join(opts.AllowedResources, ",")
		}
		for _, res := range builtins {
			if !slices.Contains(opts.AllowedResources, res) {
				off[res] = "--allowed-resources " + allowed + " (BATON_ALLOWED_RESOURCES)"
			}
		}
	}
	if opts.DisableShell {
		if slices.Contains(opts.AllowedResources, ShellResource) {
			return nil, fmt.Errorf("--disable-shell and --allowed-resources %s contradict each other: drop %s from the list or the flag", ShellResource, ShellResource)
		}
		off[ShellResource] = "--disable-shell (BATON_DISABLE_SHELL)"
		off[steptask.ResourceShell] = off[ShellResource] // pipeline shell steps run commands too
	}
	return off, nil
}

// DisabledError says that a Task's built-in resource is switched off on
// this server, and by which flag.
type DisabledError struct {
	Resource, StateName, Flag string
}

// Error names the resource, the state and the flag.
func (e *DisabledError) Error() string {
	return fmt.Sprintf("resource %q (state %q) is switched off on this server by %s: use another resource, or ask the server's operator to allow it",
		e.Resource, e.StateName, e.Flag)
}

// Disabled tells whether a Task with this resource would fail because its
// built-in resource is switched off: a *DisabledError, or nil. The
// .waitForTaskToken variant of a built-in is switched off with it. A
// resource mapped to a command with --resource stays allowed: the operator
// chose that command.
func (r *Resolver) Disabled(resource, stateName string) error {
	if err := r.disabledErr(resource, stateName); err != nil {
		return err
	}
	return nil
}

func (r *Resolver) disabledErr(resource, stateName string) *DisabledError {
	resource = strings.TrimSuffix(resource, ".waitForTaskToken")
	if _, mapped := r.mappings[resource]; mapped {
		return nil
	}
	if flag, off := r.disabled[resource]; off {
		return &DisabledError{Resource: resource, StateName: stateName, Flag: flag}
	}
	return nil
}

// disabledExecutor serves a switched-off built-in: every run fails with
// Baton.ResourceDisabled, which Catch can handle like any task failure.
type disabledExecutor struct{ err *DisabledError }

func (e disabledExecutor) Run(context.Context, Request) (any, error) {
	return nil, &Failure{Name: ErrorResourceDisabled, Cause: e.err.Error()}
}
