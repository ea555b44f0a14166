package pipeline

import (
	"fmt"
	"slices"
	"strings"

	"github.com/batonhq/baton/asl"
)

// Fields of every step, and those of each type.
var (
	commonStepFields = []string{"name", "type", "description", "depends_on", "trigger_rule", "when", "for_each",
		"max_concurrency", "allow_failure", "retry", "timeout", "env"}
	typeFields = map[string][]string{
		StepShell:    {"command", "script", "shell", "dir"},
		StepHTTP:     {"url", "method", "headers", "body", "connection"},
		StepSQL:      {"connection", "query", "file"},
		StepCopy:     {"from", "to", "connection"},
		StepWaitFor:  {"path", "since", "poll_interval", "connection"},
		StepActivity: {"activity", "input", "heartbeat_timeout"},
		StepWorkflow: {"workflow", "namespace", "input"},
	}
	// staticTypeFields are read before the step runs: no expressions.
	staticTypeFields = []string{"connection", "shell", "dir", "method", "file", "namespace", "activity", "workflow",
		"poll_interval", "heartbeat_timeout"}
	retryFields = []string{"retries", "interval", "backoff_rate", "max_delay", "jitter", "on"}
)

// steps reads a list of steps: the DAG, or one list of handlers.
func (p *parser) steps(v any, ptr, what string) []*Step {
	if v == nil {
		return nil
	}
	a, ok := v.([]any)
	if !ok {
		p.reportAt(ptr, CodeSchema, "The field '%s' must be a list of steps", what)
		return nil
	}
	out := make([]*Step, 0, len(a))
	for i, e := range a {
		if s := p.step(e, fmt.Sprintf("%s/%d", ptr, i)); s != nil {
			out = append(out, s)
		}
	}
	return out
}

// step reads one step.
func (p *parser) step(v any, ptr string) *Step {
	o, ok := p.object(v, ptr, "Each step")
	if !ok {
		return nil
	}
	s := &Step{Pointer: ptr, TriggerRule: RuleAllSuccess}
	o.require("name")
	if name, ok := o.static("name"); ok {
		s.Name = name
		if !nameRE.MatchString(name) {
			o.errorf("name", "The step name '%s' must be 1 to 80 letters, digits, '-' or '_'", clip(name))
		}
	}
	switch {
	case o.has("type"):
		s.Type, _ = o.enum("type", StepTypes...)
	case o.has("command") || o.has("script"):
		s.Type = StepShell
	default:
		// A misspelt command or script is reported as such, below, alone.
		if !slices.ContainsFunc(o.keys(), func(k string) bool {
			return !slices.Contains(commonStepFields, k) && slices.Contains([]string{"command", "script"}, asl.NearestName(k, []string{"command", "script"}))
		}) {
			p.reportAt(ptr, CodeSchema, "A step needs a type (%s), or a command or a script to run", strings.Join(StepTypes, ", "))
		}
	}
	allowed := slices.Clone(commonStepFields)
	if s.Type != "" {
		allowed = append(allowed, typeFields[s.Type]...)
	} else if o.has("type") {
		// an unknown type is reported; its fields are not
		for _, t := range StepTypes {
			allowed = append(allowed, typeFields[t]...)
		}
	}
	for _, k := range o.keys() {
		if slices.Contains(allowed, k) {
			continue
		}
		if owner := fieldOwner(k); owner != "" && s.Type != "" {
			p.reportKey(o.at(k), CodeSchema, "The field '%s' belongs to %s steps; this step is of type %s", k, owner, s.Type)
			continue
		}
		all := slices.Clone(commonStepFields)
		if s.Type != "" {
			all = append(all, typeFields[s.Type]...)
		} else {
			for _, t := range StepTypes {
				all = append(all, typeFields[t]...)
			}
		}
		p.reportKey(o.at(k), CodeSchema, "Unknown field '%s'%s", clip(k), p.didYouMean(k, all))
	}
	s.Description, _ = o.str("description")
	s.DependsOn = o.stringList("depends_on", true)
	if o.has("trigger_rule") {
		s.TriggerRule, _ = o.enum("trigger_rule", TriggerRules...)
	}
	if o.has("when") {
		s.When = o.get("when")
		switch w := s.When.(type) {
		case bool:
		case string:
			if !isWholeExpr(w) {
				o.errorf("when", "The field 'when' must be true, false or a {%% JSONata %%} condition")
			}
		default:
			o.errorf("when", "The field 'when' must be true, false or a {%% JSONata %%} condition")
		}
	}
	if o.has("for_each") {
		s.ForEach = o.get("for_each")
		switch f := s.ForEach.(type) {
		case []any:
			p.template(o.at("for_each"), f, scopeForEachItems, s)
		case string:
			if !isWholeExpr(f) {
				o.errorf("for_each", "The field 'for_each' must be a list or a {%% JSONata %%} expression that gives one")
			} else {
				p.template(o.at("for_each"), f, scopeForEachItems, s)
			}
		default:
			o.errorf("for_each", "The field 'for_each' must be a list or a {%% JSONata %%} expression that gives one")
		}
	}
	if n, ok := o.integer("max_concurrency", 0, 10_000_000); ok {
		s.MaxConcurrency = n
		if !o.has("for_each") {
			p.reportKey(o.at("max_concurrency"), CodeSchema, "max_concurrency limits the items of a for_each, which this step does not have")
		}
	}
	s.AllowFailure = o.boolean("allow_failure")
	s.Retry = o.retry("retry")
	s.Timeout = o.duration("timeout")
	s.Env = o.env("env", s)
	// Every other field may hold expressions, evaluated when the step runs.
	if o.has("when") {
		p.template(o.at("when"), o.get("when"), scopeForEachItems, s) // once, before the items
	}
	if o.has("description") {
		p.template(o.at("description"), o.get("description"), scopeStep, s)
	}
	switch s.Type {
	case StepShell:
		p.shellStep(o, s)
	case StepHTTP:
		s.URL, _ = o.str("url")
		o.require("url")
		if m, ok := o.enum("method", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"); ok {
			s.Method = m
		} else {
			s.Method = "GET"
		}
		s.Headers = o.stringMap("headers", true)
		s.Body, s.HasBody = o.get("body"), o.has("body")
		s.Connection, _ = o.static("connection")
		if s.URL != "" && !strings.Contains(s.URL, "{%") && s.Connection == "" &&
			!strings.HasPrefix(s.URL, "http://") && !strings.HasPrefix(s.URL, "https://") {
			o.errorf("url", "The url must start with http:// or https:// (or be a path under a connection's base URL, with connection set)")
		}
	case StepSQL:
		o.require("connection")
		s.Connection = o.nonEmpty("connection")
		if o.exclusive("query", "file") {
			s.Query, _ = o.str("query")
			s.File, _ = o.static("file")
			if !o.has("query") && !o.has("file") {
				p.reportAt(ptr, CodeSchema, "A sql step needs a query or a file")
			}
			p.projectFile(o, "file", s.File)
		}
	case StepCopy:
		o.require("from", "to")
		s.From, _ = o.str("from")
		s.To, _ = o.str("to")
		s.Connection, _ = o.static("connection")
		checkScheme(o, "from", s.From, "file://", "s3://", "http://", "https://")
		checkScheme(o, "to", s.To, "file://", "s3://")
	case StepWaitFor:
		o.require("path")
		s.Path, _ = o.str("path")
		s.Since, _ = o.str("since")
		s.Connection, _ = o.static("connection")
		s.PollInterval = o.duration("poll_interval")
		checkScheme(o, "path", s.Path, "file://", "s3://")
	case StepActivity:
		o.require("activity")
		s.Activity = o.nonEmpty("activity")
		if s.Activity != "" && !nameRE.MatchString(s.Activity) && !strings.HasPrefix(s.Activity, "arn:") {
			o.errorf("activity", "The activity must be a name (letters, digits, '-', '_') or an activity ARN")
		}
		s.HeartbeatTimeout = o.duration("heartbeat_timeout")
		s.Input, s.HasInput = o.get("input"), o.has("input")
	case StepWorkflow:
		o.require("workflow")
		s.Workflow = o.nonEmpty("workflow")
		if s.Workflow != "" && !nameRE.MatchString(s.Workflow) && !strings.HasPrefix(s.Workflow, "arn:") {
			o.errorf("workflow", "The workflow must be a name (letters, digits, '-', '_') or a state machine ARN")
		}
		s.WorkflowNamespace, _ = o.static("namespace")
		s.Input, s.HasInput = o.get("input"), o.has("input")
	}
	if s.Type != "" {
		for _, k := range typeFields[s.Type] {
			if o.has(k) && !slices.Contains(staticTypeFields, k) {
				p.template(o.at(k), o.get(k), scopeStep, s)
			}
		}
	}
	return s
}

// shellStep reads a shell step: command (argv) or script.
func (p *parser) shellStep(o obj, s *Step) {
	if !o.has("command") && !o.has("script") {
		p.reportAt(s.Pointer, CodeSchema, "A shell step needs a command (argv list) or a script")
	}
	if !o.exclusive("command", "script") {
		return
	}
	if o.has("command") {
		switch c := o.get("command").(type) {
		case string:
			o.errorf("command", "The field 'command' is an argv list, run without a shell: write [prog, arg, ...], or use script for a shell line")
		case []any:
			s.Command = o.stringList("command", false)
			if len(c) == 0 {
				o.errorf("command", "The field 'command' must name a program to run")
			}
		default:
			o.errorf("command", "The field 'command' must be a list of strings")
		}
	}
	if sc, ok := o.str("script"); ok {
		s.Script = sc
		if strings.TrimSpace(sc) == "" {
			o.errorf("script", "The field 'script' must not be empty")
		}
	}
	if sh, ok := o.enum("shell", "sh", "bash"); ok {
		s.Shell = sh
		if !o.has("script") {
			p.reportKey(o.at("shell"), CodeSchema, "The field 'shell' chooses what runs a script; a command runs without a shell")
		}
	} else if o.has("script") {
		s.Shell = "sh"
	}
	if d, ok := o.static("dir"); ok {
		s.Dir = d
		if strings.HasPrefix(d, "/") || d == ".." || strings.HasPrefix(d, "../") {
			o.errorf("dir", "The field 'dir' must be a directory inside the project")
		}
	}
}

// fieldOwner names the step types a field belongs to, or "".
func fieldOwner(k string) string {
	var owners []string
	for _, t := range StepTypes {
		if slices.Contains(typeFields[t], k) {
			owners = append(owners, t)
		}
	}
	return strings.Join(owners, " and ")
}

// checkScheme reports a location whose scheme is not one of schemes (the
// text before the first expression only: the rest may be computed).
func checkScheme(o obj, key, v string, schemes ...string) {
	if v == "" || strings.HasPrefix(v, "{%") {
		return
	}
	for _, sc := range schemes {
		if strings.HasPrefix(v, sc) {
			return
		}
	}
	o.errorf(key, "The field '%s' must start with one of: %s", key, strings.Join(schemes, ", "))
}

// projectFile checks that a file of the project exists, when the project is known.
func (p *parser) projectFile(o obj, key, name string) {
	if name == "" || p.project == nil {
		return
	}
	if strings.HasPrefix(name, "/") || strings.HasPrefix(name, "../") {
		o.errorf(key, "The file %s must be inside the project, relative to pipeline.yaml", clip(name))
		return
	}
	if _, err := readBounded(p.project, name); err != nil {
		o.errorf(key, "The file %s cannot be read from the project: %v", clip(name), err)
	}
}

// retry reads a retry policy.
func (o obj) retry(key string) *Retry {
	ro, ok := o.object(key)
	if !ok {
		return nil
	}
	ro.allowOnly(retryFields...)
	r := &Retry{}
	if n, ok := ro.integer("retries", 0, maxSeconds); ok {
		r.Retries = &n
	}
	if ro.has("interval") {
		d := ro.duration("interval")
		r.Interval = &d
	}
	if f, ok := ro.number("backoff_rate", 1, 1e6); ok {
		r.BackoffRate = &f
	}
	if ro.has("max_delay") {
		d := ro.duration("max_delay")
		r.MaxDelay = &d
	}
	r.Jitter, _ = ro.enum("jitter", JitterFull, JitterNone)
	if ro.has("on") {
		r.On = ro.stringList("on", true)
		if len(r.On) == 0 {
			ro.errorf("on", "The field 'on' must list at least one error name (States.ALL for any)")
		}
		for i, e := range r.On {
			switch {
			case e == "":
				o.p.reportAt(fmt.Sprintf("%s/%d", ro.at("on"), i), CodeSchema, "An error name must not be empty")
			case e == "States.ALL" && len(r.On) > 1:
				o.p.reportAt(fmt.Sprintf("%s/%d", ro.at("on"), i), CodeSchema, "States.ALL matches every error and must be alone in 'on'")
			}
		}
	}
	return r
}
