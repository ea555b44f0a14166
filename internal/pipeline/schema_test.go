package pipeline

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/internal/txtar"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSchemaAcceptsValidFiles checks that every golden file the parser
// accepts passes the JSON Schema too, so that an editor never flags a
// valid pipeline.
func TestSchemaAcceptsValidFiles(t *testing.T) {
	s := compileSchema(t)
	files, _ := filepath.Glob("testdata/golden/*.txtar")
	valid := 0
	for _, file := range files {
		a, err := txtar.ParseFile(file)
		if err != nil {
			t.Fatal(err)
		}
		src, _ := a.Get("pipeline.yaml")
		if _, err := parseCase(a, src); err != nil {
			continue
		}
		valid++
		doc, err := asl.ReadDocument("", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(toSchemaValue(doc.Value)); err != nil {
			t.Errorf("%s: valid for the parser, not for the schema: %v", file, err)
		}
	}
	if valid < 2 {
		t.Fatalf("only %d valid golden files", valid)
	}
}

// TestSchemaRejects checks a few shapes the schema must refuse, as the
// parser does.
func TestSchemaRejects(t *testing.T) {
	s := compileSchema(t)
	for _, src := range []string{
		"name: a\nsteps: [{name: s, comand: [x]}]\n",
		"name: a\nbody: x.json\nsteps: []\n",
		"name: a\ntimout: 1h\nsteps: []\n",
		"name: a\nsteps: [{name: s, type: http}]\n",
		"name: a\nsteps: [{name: s, trigger_rule: sometimes, command: [x]}]\n",
		"name: 'a b'\nsteps: []\n",
	} {
		doc, err := asl.ReadDocument("", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(toSchemaValue(doc.Value)); err == nil {
			t.Errorf("schema accepts %q", src)
		}
	}
}

// toSchemaValue converts a plain value to what the schema library takes
// (numbers as json.Number).
func toSchemaValue(v any) any {
	b, _ := json.Marshal(v)
	out, _ := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	return out
}

// TestSchemaMatchesParser checks that the schema names exactly the fields
// and values the parser reads, object by object.
func TestSchemaMatchesParser(t *testing.T) {
	var root map[string]any
	if err := json.Unmarshal(Schema, &root); err != nil {
		t.Fatal(err)
	}
	defs := root["$defs"].(map[string]any)
	props := func(v any) []string {
		p := v.(map[string]any)["properties"].(map[string]any)
		var out []string
		for k := range p {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	sorted := func(l ...[]string) []string { return slices.Sorted(slices.Values(slices.Concat(l...))) }
	var allStep []string
	allStep = append(allStep, commonStepFields...)
	for _, t := range StepTypes {
		for _, f := range typeFields[t] {
			if !slices.Contains(allStep, f) {
				allStep = append(allStep, f)
			}
		}
	}
	for _, tc := range []struct {
		what         string
		schema, want []string
	}{
		{"top level", props(root), sorted(topFields)},
		{"step", props(defs["step"]), sorted(allStep)},
		{"retry", props(defs["retry"]), sorted(retryFields)},
		{"schedule", props(defs["schedule"]), sorted(scheduleFields)},
		{"step types", enumOf(defs["step"], "type"), sorted(StepTypes)},
		{"trigger rules", enumOf(defs["step"], "trigger_rule"), sorted(TriggerRules)},
		{"overlap", enumOf(defs["schedule"], "overlap"), sorted(overlapPolicies)},
	} {
		if !slices.Equal(tc.schema, tc.want) {
			t.Errorf("%s: schema has %s, parser reads %s", tc.what, strings.Join(tc.schema, ","), strings.Join(tc.want, ","))
		}
	}
}

func enumOf(def any, field string) []string {
	e := def.(map[string]any)["properties"].(map[string]any)[field].(map[string]any)["enum"].([]any)
	var out []string
	for _, v := range e {
		out = append(out, v.(string))
	}
	slices.Sort(out)
	return out
}
