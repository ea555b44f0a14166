package httpx

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Scanned is what a request body names that authorization must know: the
// Step Functions and EventBridge ARNs anywhere in it, and its task tokens.
type Scanned struct {
	Arns   []string
	Tokens []string
	// Name is the top-level name (or Name) member, for the audit log.
	Name string
	// Unreadable says the body is not JSON the scan could read; the
	// operation will refuse it too.
	Unreadable bool
}

// Scan limits: bodies are bounded already; these bound the walk.
const (
	maxScanDepth = 32
	maxScanNodes = 100_000
)

// Scan reads body's first JSON value as the APIs' decoders do (trailing
// data after it ignored, member names matched without regard to case, with
// Unicode folding: "TaskToken" and "taskToken", "EventBuſName" and
// "EventBusName" are the same member to them) and returns every string
// anywhere in it that is a Step Functions or EventBridge ARN (whatever the
// member: a field an operation reads is found even when this code does not
// know it), and the values of members named taskToken.
func Scan(body []byte) Scanned {
	var s Scanned
	if len(bytes.TrimSpace(body)) == 0 {
		return s
	}
	var doc any
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(&doc); err != nil {
		s.Unreadable = true
		return s
	}
	if m, ok := doc.(map[string]any); ok {
		for k, v := range m {
			if n, ok := v.(string); ok && fold(k) == "name" {
				s.Name = n
			}
		}
	}
	nodes := 0
	var walk func(v any, key string, depth int)
	walk = func(v any, key string, depth int) {
		nodes++
		if depth > maxScanDepth || nodes > maxScanNodes {
			s.Unreadable = true
			return
		}
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if payload[fold(k)] {
					continue // a run's data, a definition: what it names is not the request's target
				}
				walk(x, k, depth+1)
			}
		case []any:
			for _, x := range v {
				walk(x, key, depth+1)
			}
		case string:
			if NamespacedArn(v) {
				s.Arns = append(s.Arns, v)
			}
			if fold(key) == "tasktoken" {
				s.Tokens = append(s.Tokens, v)
			}
		}
	}
	walk(doc, "", 0)
	return s
}

// payload are the members (folded) that hold data or definitions rather
// than the resources a request acts on: an input may mention any ARN, a
// definition names the resources its runs will use (checked when they
// run).
var payload = map[string]bool{"input": true, "output": true, "definition": true, "detail": true, "result": true}

// fold is a member name as encoding/json compares it: with Unicode simple
// case folding (ſ is s, the Kelvin sign is k).
func fold(s string) string { return strings.ToLower(strings.ToUpper(s)) }

// NamespacedArn tells whether s is an ARN of Step Functions or
// EventBridge (arn:PARTITION:states|events:REGION:ACCOUNT:...): the
// resources of a namespace. Other services' ARNs (an IAM role, a queue, a
// notification target) name none.
func NamespacedArn(s string) bool {
	s = strings.TrimSpace(s)
	parts := strings.SplitN(s, ":", 6)
	// An empty account is a service integration (arn:aws:states:::...).
	return len(parts) == 6 && parts[0] == "arn" && (parts[2] == "states" || parts[2] == "events") && parts[4] != ""
}
