package tasks

import (
	"strings"
	"testing"

	"github.com/batonhq/baton/internal/config"
	"github.com/batonhq/baton/internal/steptask"
)

// stepSecret is the value of every secret in the step tests' connections:
// no failure, output or log may show it.
const stepSecret = "Sup3r-s3cret-v4lue"

// testConnections parses a configuration file's text, resolving env:NAME
// references from env (and file:PATH from the disk).
func testConnections(t *testing.T, src string, env map[string]string) *config.Config {
	t.Helper()
	cfg, err := config.Parse("baton.yaml", []byte(src), config.Sources{LookupEnv: func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// noSecret fails the test when s shows stepSecret.
func noSecret(t *testing.T, what, s string) {
	t.Helper()
	if strings.Contains(s, stepSecret) {
		t.Fatalf("%s shows a secret: %s", what, s)
	}
}

// stepCase is one run of a step executor and what it must give: the
// output's JSON, or a failure's name and words of its cause.
type stepCase struct {
	name     string
	input    string
	req      Request // Resource and Input are filled in
	want     string  // JSON of the output, when no failure
	failure  string
	causeHas []string
}

// runStepCases runs the cases against resource.
func runStepCases(t *testing.T, r *Resolver, resource string, cases []stepCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := tc.req
			req.Resource, req.Input = resource, jsonValue(t, tc.input)
			got, err := run(t, r, req)
			if tc.failure != "" {
				f := asFailure(t, err, tc.failure, tc.causeHas...)
				noSecret(t, "the failure", f.Error())
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			noSecret(t, "the output", encodeJSON(got))
			if want := encodeJSON(jsonValue(t, tc.want)); encodeJSON(got) != want {
				t.Fatalf("output = %s, want %s", encodeJSON(got), want)
			}
		})
	}
}

// TestStepWithoutConfig: on a server started without --config, a step
// naming a connection says how to define one.
func TestStepWithoutConfig(t *testing.T) {
	r := newResolver(t, Options{})
	for resource, input := range map[string]string{
		steptask.ResourceSQL:     `{"connection": "warehouse", "query": "SELECT 1"}`,
		steptask.ResourceHTTP:    `{"connection": "warehouse", "url": "/x"}`,
		steptask.ResourceCopy:    `{"connection": "warehouse", "from": "s3://b/k", "to": "file:///tmp/x"}`,
		steptask.ResourceWaitFor: `{"connection": "warehouse", "path": "s3://b/*.csv"}`,
	} {
		_, err := run(t, r, Request{Resource: resource, Input: jsonValue(t, input)})
		asFailure(t, err, ErrorUnknownConnection, `no connection "warehouse"`, "--config FILE (BATON_CONFIG)")
	}
}
