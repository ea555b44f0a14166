package events

// What a rule's target starts with: the event itself, a constant (Input),
// a part of the event (InputPath) or a template filled from it
// (InputTransformer), with EventBridge's rules, so that targets written for
// AWS give the same input on Baton.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Target is a rule's target as EventBridge's PutTargets takes it (the
// members Baton uses; a target is a workflow, by state machine ARN).
type Target struct {
	Id               string            `json:"Id"`
	Arn              string            `json:"Arn"`
	RoleArn          string            `json:"RoleArn,omitempty"`
	Input            string            `json:"Input,omitempty"`
	InputPath        string            `json:"InputPath,omitempty"`
	InputTransformer *InputTransformer `json:"InputTransformer,omitempty"`
	RetryPolicy      *RetryPolicy      `json:"RetryPolicy,omitempty"`
}

// InputTransformer fills InputTemplate's <name> placeholders with the
// values InputPathsMap's paths select in the event.
type InputTransformer struct {
	InputPathsMap map[string]string `json:"InputPathsMap,omitempty"`
	InputTemplate string            `json:"InputTemplate"`
}

// RetryPolicy bounds how long and how often starting a target is retried.
type RetryPolicy struct {
	MaximumRetryAttempts     *int `json:"MaximumRetryAttempts,omitempty"`
	MaximumEventAgeInSeconds *int `json:"MaximumEventAgeInSeconds,omitempty"`
}

// RuleContext is what a template's predefined variables name.
type RuleContext struct {
	RuleArn, RuleName string
	Ingestion         time.Time // when the event reached the bus
}

// Predefined variables of templates (they cannot be keys of InputPathsMap).
const (
	varRuleArn   = "aws.events.rule-arn"
	varRuleName  = "aws.events.rule-name"
	varIngestion = "aws.events.event.ingestion-time"
	varEvent     = "aws.events.event"
	varEventJSON = "aws.events.event.json"
)

// TargetInput returns the input a target gets for event (JSON text).
func TargetInput(t *Target, event []byte, rc RuleContext) (string, error) {
	switch {
	case t.Input != "":
		return t.Input, nil
	case t.InputPath != "":
		p, err := ParsePath(t.InputPath)
		if err != nil {
			return "", err
		}
		v, ok, err := p.Select(event)
		if err != nil || !ok {
			return "null", err
		}
		return string(v), nil
	case t.InputTransformer != nil:
		return Transform(t.InputTransformer, event, rc)
	}
	return string(event), nil
}

// Path is a JSON path as EventBridge takes them: $ followed by .name and
// [index] steps (dot notation; no filters or wildcards).
type Path struct {
	steps []step
}

type step struct {
	key   string
	index int // when key == ""
}

// pathName is the form of a .name step.
var pathName = regexp.MustCompile(`^[A-Za-z0-9_\-/@:$#+=~ ]+$`)

// ParsePath parses a JSON path such as $.detail.items[0].id.
func ParsePath(s string) (*Path, error) {
	if !strings.HasPrefix(s, "$") {
		return nil, fmt.Errorf("%q is not a JSON path: it must start with $ (such as $.detail.id)", s)
	}
	p := &Path{}
	rest := s[1:]
	for rest != "" {
		switch rest[0] {
		case '.':
			end := strings.IndexAny(rest[1:], ".[")
			if end < 0 {
				end = len(rest) - 1
			}
			name := rest[1 : 1+end]
			if name == "*" {
				return nil, fmt.Errorf("JSON path %q: Baton does not take wildcards in paths; name the field", s)
			}
			if !pathName.MatchString(name) {
				return nil, fmt.Errorf("JSON path %q: %q is not a field name (use dot notation: $.detail.id)", s, name)
			}
			p.steps = append(p.steps, step{key: name})
			rest = rest[1+end:]
		case '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return nil, fmt.Errorf("JSON path %q: [ without ]", s)
			}
			n, err := strconv.Atoi(rest[1:end])
			if err != nil || n < 0 {
				return nil, fmt.Errorf("JSON path %q: %q is not an array index (use dot notation for fields: $.detail.id)", s, rest[:end+1])
			}
			p.steps = append(p.steps, step{index: n})
			rest = rest[end+1:]
		default:
			return nil, fmt.Errorf("JSON path %q: unexpected %q", s, rest[:1])
		}
	}
	return p, nil
}

// Select returns the JSON text the path selects in doc; ok is false when
// it selects nothing.
func (p *Path) Select(doc []byte) (json.RawMessage, bool, error) {
	cur := json.RawMessage(doc)
	for _, st := range p.steps {
		if st.key != "" {
			var m map[string]json.RawMessage
			if json.Unmarshal(cur, &m) != nil || m == nil {
				return nil, false, nil
			}
			v, ok := m[st.key]
			if !ok {
				return nil, false, nil
			}
			cur = v
			continue
		}
		var a []json.RawMessage
		if json.Unmarshal(cur, &a) != nil || st.index >= len(a) {
			return nil, false, nil
		}
		cur = a[st.index]
	}
	var c bytes.Buffer
	if err := json.Compact(&c, cur); err != nil {
		return nil, false, err
	}
	return c.Bytes(), true, nil
}

// placeholder is <name> in a template.
var placeholder = regexp.MustCompile(`<([A-Za-z0-9_\-.]+)>`)

// mapKey is the form of an InputPathsMap key.
var mapKey = regexp.MustCompile(`^[A-Za-z0-9_\-]+$`)

// CheckTransformer checks an input transformer as PutTargets does: keys
// and paths well formed, and a template that is JSON with every
// placeholder filled, or text.
func CheckTransformer(it *InputTransformer) error {
	if len(it.InputPathsMap) > 100 {
		return fmt.Errorf("InputPathsMap has %d entries; at most 100 are allowed", len(it.InputPathsMap))
	}
	for k, v := range it.InputPathsMap {
		if !mapKey.MatchString(k) || len(k) > 256 {
			return fmt.Errorf("InputPathsMap key %q: keys have 1 to 256 letters, digits, '_' and '-'", k)
		}
		if strings.HasPrefix(strings.ToLower(k), "aws.") {
			return fmt.Errorf("InputPathsMap key %q: keys cannot start with \"AWS.\"", k)
		}
		if _, err := ParsePath(v); err != nil {
			return fmt.Errorf("InputPathsMap %q: %v", k, err)
		}
	}
	if it.InputTemplate == "" {
		return fmt.Errorf("InputTemplate is required with an InputTransformer")
	}
	if len(it.InputTemplate) > 8192 {
		return fmt.Errorf("InputTemplate has %d characters; at most 8192 are allowed", len(it.InputTemplate))
	}
	tpl := strings.TrimSpace(it.InputTemplate)
	if strings.HasPrefix(tpl, "{") {
		// A JSON object: placeholders only as values.
		filled := fillDummy(tpl, it.InputPathsMap)
		if !json.Valid([]byte(filled)) {
			return fmt.Errorf("InputTemplate %s is not valid JSON once its placeholders are filled (a placeholder cannot be an object key; quote the others or leave them bare as values)", tpl)
		}
	}
	return nil
}

// Transform fills it's template from event.
func Transform(it *InputTransformer, event []byte, rc RuleContext) (string, error) {
	vals := map[string]json.RawMessage{}
	for k, ps := range it.InputPathsMap {
		p, err := ParsePath(ps)
		if err != nil {
			return "", err
		}
		if v, ok, err := p.Select(event); err != nil {
			return "", err
		} else if ok {
			vals[k] = v
		}
	}
	str := func(s string) json.RawMessage { b, _ := json.Marshal(s); return b }
	vals[varRuleArn] = str(rc.RuleArn)
	vals[varRuleName] = str(rc.RuleName)
	vals[varIngestion] = str(rc.Ingestion.UTC().Format("2006-01-02T15:04:05Z"))
	var full map[string]json.RawMessage
	if json.Unmarshal(event, &full) == nil {
		var c bytes.Buffer
		if json.Compact(&c, event) == nil {
			vals[varEventJSON] = c.Bytes()
		}
		delete(full, "detail")
		b, _ := json.Marshal(full)
		vals[varEvent] = b
	}
	tpl := it.InputTemplate
	// JSON mode when the template is JSON with its placeholders filled;
	// else text, where values go in as they read (strings unquoted).
	jsonMode := json.Valid([]byte(fillDummy(tpl, it.InputPathsMap)))
	out := fill(tpl, func(name string, inString bool) (string, bool) {
		v, ok := vals[name]
		_, known := it.InputPathsMap[name]
		if !ok && !known && !isPredefined(name) {
			return "", false // not a placeholder: kept as written
		}
		switch {
		case !ok && (inString || !jsonMode):
			return "", true
		case !ok:
			return "null", true
		case inString || !jsonMode:
			raw := string(v)
			var s string
			if json.Unmarshal(v, &s) == nil {
				raw = s
			}
			if !inString {
				return raw, true
			}
			q, _ := json.Marshal(raw)
			return string(q[1 : len(q)-1]), true
		}
		return string(v), true
	})
	if jsonMode {
		return out, nil
	}
	b, _ := json.Marshal(out) // text: the workflow gets it as a JSON string
	return string(b), nil
}

// fillDummy fills the template's placeholders (those of paths and the
// predefined ones; any other <name> is text) with stand-ins of their
// kind, to tell whether it is JSON once filled.
func fillDummy(tpl string, paths map[string]string) string {
	return fill(tpl, func(name string, inString bool) (string, bool) {
		if _, ok := paths[name]; !ok && !isPredefined(name) {
			return "", false
		}
		if inString {
			return "x", true
		}
		return "null", true
	})
}

func isPredefined(name string) bool {
	switch name {
	case varRuleArn, varRuleName, varIngestion, varEvent, varEventJSON:
		return true
	}
	return false
}

// fill replaces each <name> of tpl with what repl returns for it (told
// whether it stands inside a JSON string); repl's false keeps it as is.
func fill(tpl string, repl func(name string, inString bool) (string, bool)) string {
	var b strings.Builder
	inString, escaped := false, false
	for i := 0; i < len(tpl); {
		c := tpl[i]
		if c == '<' {
			if m := placeholder.FindStringSubmatchIndex(tpl[i:]); m != nil && m[0] == 0 {
				if s, ok := repl(tpl[i+m[2]:i+m[3]], inString); ok {
					b.WriteString(s)
					i += m[1]
					escaped = false
					continue
				}
			}
		}
		switch {
		case escaped:
			escaped = false
		case c == '\\' && inString:
			escaped = true
		case c == '"':
			inString = !inString
		}
		b.WriteByte(c)
		i++
	}
	return b.String()
}
