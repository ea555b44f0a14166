package events

import (
	"encoding/json"
	"testing"
	"time"
)

const sampleEvent = `{"version":"0","id":"e1","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","account":"123456789012","time":"2026-01-01T00:00:00Z","region":"us-east-1","resources":["arn:a"],"detail":{"instance":"i-1","state":"running","n":3,"tags":{"a":"b"},"list":[1,2]}}`

// TestTargetInput pins EventBridge's substitution rules: values go in as
// JSON outside quotes and as text inside them; a template that is not JSON
// gives text (a JSON string for the workflow); missing values are null
// (outside quotes) or empty (inside).
func TestTargetInput(t *testing.T) {
	rc := RuleContext{RuleArn: "arn:aws:events:us-east-1:123456789012:rule/r", RuleName: "r", Ingestion: time.Date(2026, 1, 1, 0, 0, 1, 0, time.UTC)}
	paths := map[string]string{"instance": "$.detail.instance", "state": "$.detail.state", "n": "$.detail.n", "tags": "$.detail.tags",
		"missing": "$.detail.nope", "first": "$.detail.list[0]"}
	for _, tc := range []struct {
		name string
		t    Target
		want string
	}{
		{"whole event", Target{}, sampleEvent},
		{"constant", Target{Input: `{"k":1}`}, `{"k":1}`},
		{"path", Target{InputPath: "$.detail.tags"}, `{"a":"b"}`},
		{"path missing", Target{InputPath: "$.detail.zz"}, `null`},
		{"json values", Target{InputTransformer: &InputTransformer{InputPathsMap: paths,
			InputTemplate: `{"i": <instance>, "n": <n>, "tags": <tags>, "m": <missing>, "f": <first>}`}},
			`{"i": "i-1", "n": 3, "tags": {"a":"b"}, "m": null, "f": 1}`},
		{"inside strings", Target{InputTransformer: &InputTransformer{InputPathsMap: paths,
			InputTemplate: `{"msg": "<instance> is \"<state>\" (<n>) <missing>|<tags>"}`}},
			`{"msg": "i-1 is \"running\" (3) |{\"a\":\"b\"}"}`},
		{"text template", Target{InputTransformer: &InputTransformer{InputPathsMap: paths,
			InputTemplate: `<instance> is in state <state>`}}, `"i-1 is in state running"`},
		{"a quoted string template", Target{InputTransformer: &InputTransformer{InputPathsMap: paths,
			InputTemplate: `"instance <instance> is <state>"`}}, `"instance i-1 is running"`},
		{"predefined", Target{InputTransformer: &InputTransformer{
			InputTemplate: `{"rule": <aws.events.rule-name>, "arn": "<aws.events.rule-arn>", "at": <aws.events.event.ingestion-time>, "src": <aws.events.event>}`}},
			`{"rule": "r", "arn": "arn:aws:events:us-east-1:123456789012:rule/r", "at": "2026-01-01T00:00:01Z", "src": {"account":"123456789012","detail-type":"EC2 Instance State-change Notification","id":"e1","region":"us-east-1","resources":["arn:a"],"source":"aws.ec2","time":"2026-01-01T00:00:00Z","version":"0"}}`},
		{"unknown placeholders stay", Target{InputTransformer: &InputTransformer{InputTemplate: `{"a": "<b>"}`}}, `{"a": "<b>"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := TargetInput(&tc.t, []byte(sampleEvent), rc)
			if err != nil || got != tc.want {
				t.Fatalf("got %s, %v\nwant %s", got, err, tc.want)
			}
		})
	}
}

func TestCheckTransformer(t *testing.T) {
	for _, tc := range []struct {
		name string
		it   InputTransformer
		ok   bool
	}{
		{"good", InputTransformer{InputPathsMap: map[string]string{"a": "$.detail.a"}, InputTemplate: `{"a": <a>}`}, true},
		{"text", InputTransformer{InputPathsMap: map[string]string{"a": "$.detail.a"}, InputTemplate: `a is <a>`}, true},
		{"placeholder as a key", InputTransformer{InputPathsMap: map[string]string{"a": "$.detail.a"}, InputTemplate: `{<a>: 1}`}, false},
		{"bracket notation", InputTransformer{InputPathsMap: map[string]string{"a": "$['detail']"}, InputTemplate: `<a>`}, false},
		{"not a path", InputTransformer{InputPathsMap: map[string]string{"a": "detail.a"}, InputTemplate: `<a>`}, false},
		{"reserved key", InputTransformer{InputPathsMap: map[string]string{"AWS.x": "$.a"}, InputTemplate: `<a>`}, false},
		{"no template", InputTransformer{InputPathsMap: map[string]string{"a": "$.a"}}, false},
		{"an unknown placeholder is text, not JSON", InputTransformer{InputTemplate: `{"": <0>}`}, false},
	} {
		if err := CheckTransformer(&tc.it); (err == nil) != tc.ok {
			t.Errorf("%s: CheckTransformer = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
}

// FuzzTransform: a template PutTargets accepts that is a JSON object gives
// valid JSON for any event; every other gives a JSON string; none panics.
func FuzzTransform(f *testing.F) {
	f.Add(`{"i": <a>, "s": "<a> and <b>"}`, `{"detail":{"a":"x\"y","b":{"c":[1,"<a>"]}}}`)
	f.Add(`<a> is <b>`, `{"detail":{"a":null}}`)
	f.Add(`{"e": <aws.events.event>, "j": <aws.events.event.json>}`, `{"detail":1,"x":"\\u0000"}`)
	f.Add(`"<a>"`, `[]`)
	f.Fuzz(func(t *testing.T, tpl, event string) {
		if !json.Valid([]byte(event)) {
			return
		}
		it := &InputTransformer{InputPathsMap: map[string]string{"a": "$.detail.a", "b": "$.detail.b"}, InputTemplate: tpl}
		if CheckTransformer(it) != nil {
			return
		}
		out, err := Transform(it, []byte(event), RuleContext{RuleName: "r"})
		if err != nil {
			return
		}
		if !json.Valid([]byte(out)) {
			t.Fatalf("template %q on %s gave invalid JSON %q", tpl, event, out)
		}
	})
}
