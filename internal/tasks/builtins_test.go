package tasks

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
)

func TestBuiltinSwitches(t *testing.T) {
	const mapped = "arn:aws:lambda:us-east-1:123456789012:function:Load"
	tests := []struct {
		name string
		opts Options
		// off maps each resource switched off to the flag that must
		// appear in the cause; resources not listed must run. A
		// .waitForTaskToken variant follows its base resource.
		off map[string]string
	}{
		{"default: every built-in", Options{}, nil},
		{"--disable-shell", Options{DisableShell: true},
			map[string]string{ShellResource: "--disable-shell"}},
		{"--allowed-resources baton:http", Options{AllowedResources: []string{HTTPResource}},
			map[string]string{ShellResource: "--allowed-resources baton:http"}},
		{"--allowed-resources none", Options{AllowedResources: []string{}},
			map[string]string{ShellResource: "--allowed-resources none", HTTPResource: "--allowed-resources none"}},
		{"both flags", Options{DisableShell: true, AllowedResources: []string{HTTPResource}},
			map[string]string{ShellResource: "--disable-shell"}},
		{"a mapping of baton:shell is the operator's command", Options{DisableShell: true, Mappings: map[string]string{ShellResource: "cat"}}, nil},
		{"mappings stay allowed with no built-in", Options{AllowedResources: []string{}, Mappings: map[string]string{mapped: "cat"}},
			map[string]string{ShellResource: "--allowed-resources none", HTTPResource: "--allowed-resources none"}},
	}
	resources := []string{ShellResource, ShellResource + ".waitForTaskToken", HTTPResource, mapped}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Mappings = withDefault(tt.opts.Mappings, mapped, "cat")
			r := newResolver(t, tt.opts)
			for _, res := range resources {
				flag, off := tt.off[strings.TrimSuffix(res, ".waitForTaskToken")]
				err := r.Disabled(res, "S")
				if !off {
					if err != nil {
						t.Errorf("%s: Disabled = %v, want nil", res, err)
					}
					continue
				}
				var de *DisabledError
				if !errors.As(err, &de) || !strings.Contains(err.Error(), flag) {
					t.Errorf("%s: Disabled = %v, want a *DisabledError naming %q", res, err, flag)
				}
				if cerr := r.CheckTask(res, "S", nil); !errors.As(cerr, &de) {
					t.Errorf("%s: CheckTask = %v, want a *DisabledError", res, cerr)
				}
			}
		})
	}
}

func withDefault(m map[string]string, k, v string) map[string]string {
	if m == nil {
		m = map[string]string{}
	}
	if _, ok := m[k]; !ok {
		m[k] = v
	}
	return m
}

// TestDisabledShellDoesNotRun checks that a switched-off baton:shell Task
// fails with Baton.ResourceDisabled, naming the flag, and runs nothing.
func TestDisabledShellDoesNotRun(t *testing.T) {
	marker := t.TempDir() + "/ran"
	r := newResolver(t, Options{DisableShell: true})
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	e, err := r.Executor(ShellResource, "Shell")
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Run(ctx, Request{Resource: ShellResource, StateName: "Shell", Input: map[string]any{"script": "touch " + marker}})
	var f *Failure
	if !errors.As(err, &f) || f.Name != ErrorResourceDisabled || !strings.Contains(f.Cause, "--disable-shell (BATON_DISABLE_SHELL)") {
		t.Fatalf("err = %v, want %s naming --disable-shell", err, ErrorResourceDisabled)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the disabled shell task ran its command")
	}
}

func TestBuiltinSwitchErrors(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"unknown built-in", Options{AllowedResources: []string{"baton:sql"}}, `"baton:sql" is not a built-in resource`},
		{"contradiction", Options{DisableShell: true, AllowedResources: []string{ShellResource}}, "contradict"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewResolver(tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewResolver = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
