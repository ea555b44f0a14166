package pipeline

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/batonhq/baton/asl"
)

// Diagnostic is one problem found in a pipeline.yaml; the same type as
// ASL's, so that `baton validate` and the API report both alike.
type Diagnostic = asl.Diagnostic

// Pos is a position in a file; Line and Col start at 1.
type Pos = asl.Pos

// Diagnostic codes. Problems of the file's shape reuse ASL's codes (and a
// body's diagnostics keep theirs); those of the DAG have their own.
const (
	CodeSchema          = asl.CodeSchema            // a field is missing, unknown or has a bad value
	CodeInvalidYAML     = asl.CodeInvalidYAML       // the file is not YAML
	CodeEmpty           = asl.CodeMissingDefinition // the file is empty
	CodeInvalidName     = "INVALID_NAME"            // a pipeline, step, param or variable name breaks its rule
	CodeDuplicateStep   = "DUPLICATE_STEP_NAME"     // two steps (or handlers) share a name
	CodeUnknownStep     = "UNKNOWN_STEP"            // depends_on or $steps names no step
	CodeCycle           = "DEPENDENCY_CYCLE"        // depends_on loops back
	CodeUnreachable     = "UNREACHABLE_STEP"        // a step or handler that can never run
	CodeInvalidVariable = "INVALID_VARIABLE"        // an expression reads a variable not defined where it is
	CodeInvalidJSONata  = asl.CodeInvalidJSONata    // an expression does not compile
	CodeInvalidBody     = "INVALID_BODY"            // body names no readable state machine file
)

// namespaceRE is the form of a namespace's name, as Kubernetes names them
// (and the server's namespaces).
var namespaceRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)

// DefaultFile is the name of a project's pipeline file; DirFiles lists
// the names ParseDir looks for, in order.
const DefaultFile = "pipeline.yaml"

// DirFiles are the names a project's pipeline file may have.
var DirFiles = []string{"pipeline.yaml", "pipeline.yml"}

// MaxFileBytes bounds what ParseFile, ParseDir and a body file read: the
// server's definition limit.
const MaxFileBytes = 1 << 20

// ValidationError is what Parse returns for an invalid pipeline: every
// problem found, sorted by position.
type ValidationError struct {
	Diagnostics []Diagnostic
}

// Error lists the diagnostics, one a line.
func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Diagnostics))
	for i, d := range e.Diagnostics {
		lines[i] = d.String()
	}
	return "invalid pipeline:\n" + strings.Join(lines, "\n")
}

// Parse reads a pipeline.yaml (YAML, or JSON), checks every rule of the
// format and returns the pipeline. On any problem it returns a
// *ValidationError holding all the diagnostics. A body given as a file
// name is not read: use ParseFS or ParseFile for that.
func Parse(src []byte) (*Pipeline, error) {
	return ParseFS(nil, "", src)
}

// ParseFile is Parse on a file; a body file is read relative to its
// directory, and diagnostics carry the file's name.
func ParseFile(file string) (*Pipeline, error) {
	src, err := readBounded(os.DirFS(filepath.Dir(file)), filepath.Base(file))
	if err != nil {
		return nil, err
	}
	return ParseFS(os.DirFS(filepath.Dir(file)), file, src)
}

// ParseDir parses the pipeline file of a project directory.
func ParseDir(dir string) (*Pipeline, error) {
	for _, name := range DirFiles {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return ParseFile(filepath.Join(dir, name))
		}
	}
	return nil, fmt.Errorf("%s has no %s: a project directory holds its pipeline file at its top (baton init NAME makes one)", dir, DefaultFile)
}

// ParseFS parses src, the pipeline file named file (for diagnostics), of
// the project project (nil: the body file is not read).
func ParseFS(project fs.FS, file string, src []byte) (*Pipeline, error) {
	p := &parser{file: file, project: project}
	doc, err := asl.ReadDocument(file, src)
	var ve *asl.ValidationError
	if errors.As(err, &ve) {
		for i, d := range ve.Diagnostics {
			if d.Code == CodeEmpty {
				ve.Diagnostics[i].Message = "The file is empty: a pipeline needs at least a name and steps"
			}
		}
		return nil, &ValidationError{Diagnostics: ve.Diagnostics}
	} else if err != nil {
		return nil, err
	}
	p.doc = doc
	for _, d := range doc.Duplicates {
		p.report(d.Pointer, d.Pos, CodeSchema, "Duplicate field '%s'", d.Key)
	}
	pl := p.pipeline(doc.Value)
	p.checkGraph(pl)
	p.checkExpressions(pl)
	if len(p.diags) > 0 {
		return nil, p.failure()
	}
	pl.Source, pl.File = doc.Values, file
	return pl, nil
}

// readBounded reads a file of at most MaxFileBytes.
func readBounded(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(io.LimitReader(f, MaxFileBytes+1)); err != nil {
		return nil, err
	}
	if buf.Len() > MaxFileBytes {
		return nil, fmt.Errorf("%s is larger than %d bytes, the limit of a definition: split it", name, MaxFileBytes)
	}
	return buf.Bytes(), nil
}

// parser turns a document into a Pipeline, collecting diagnostics on the
// way instead of stopping at the first one.
type parser struct {
	file        string
	project     fs.FS
	doc         *asl.Document
	diags       []Diagnostic
	exprs       []exprUse // every expression met, checked once all steps are known
	suggestions int       // "did you mean" hints given
}

func (p *parser) failure() error {
	ds := sortDiagnostics(p.diags)
	if len(ds) > MaxDiagnostics {
		more := len(ds) - MaxDiagnostics
		ds = append(ds[:MaxDiagnostics:MaxDiagnostics], Diagnostic{File: p.file, Pos: Pos{Line: 1, Col: 1}, Code: CodeSchema,
			Message: fmt.Sprintf("... and %d more problems (the first %d are listed): fix those and validate again", more, MaxDiagnostics)})
	}
	return &ValidationError{Diagnostics: ds}
}

// MaxDiagnostics bounds the problems reported at once.
const MaxDiagnostics = 1000

func (p *parser) report(ptr string, pos Pos, code, format string, args ...any) {
	if pos.Line == 0 {
		pos = Pos{Line: 1, Col: 1}
	}
	p.diags = append(p.diags, Diagnostic{File: p.file, Pointer: ptr, Pos: pos, Code: code, Message: fmt.Sprintf(format, args...)})
}

// reportAt reports a problem with the value at ptr.
func (p *parser) reportAt(ptr, code, format string, args ...any) {
	p.report(ptr, p.doc.Values.Lookup(ptr), code, format, args...)
}

// reportKey reports a problem with the name of the member at ptr.
func (p *parser) reportKey(ptr, code, format string, args ...any) {
	pos, ok := p.doc.KeyPos(ptr)
	if !ok {
		pos = p.doc.Values.Lookup(ptr)
	}
	p.report(ptr, pos, code, format, args...)
}

// sortDiagnostics orders diagnostics by position, then pointer, code and
// message, and drops exact repeats.
func sortDiagnostics(ds []Diagnostic) []Diagnostic {
	slices.SortFunc(ds, func(a, b Diagnostic) int {
		if a.File != b.File {
			// a body file's diagnostics after the pipeline file's
			if a.File == "" || b.File == "" {
				return strings.Compare(b.File, a.File)
			}
			return strings.Compare(a.File, b.File)
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line - b.Pos.Line
		}
		if a.Pos.Col != b.Pos.Col {
			return a.Pos.Col - b.Pos.Col
		}
		return strings.Compare(a.Pointer+"\x00"+a.Code+"\x00"+a.Message, b.Pointer+"\x00"+b.Code+"\x00"+b.Message)
	})
	return slices.Compact(ds)
}

// Names.
var (
	nameRE  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)
	identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,79}$`)
	envRE   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// topFields lists the fields of a pipeline.yaml.
var topFields = []string{"name", "namespace", "account", "description", "type", "params", "timeout",
	"max_active_runs", "on_limit", "tags", "datasets", "defaults", "body", "steps", "handlers", "output",
	"trigger", "notifications"}

func (p *parser) pipeline(v any) *Pipeline {
	pl := &Pipeline{Type: TypeStandard, OnLimit: OnLimitQueue}
	o, ok := p.object(v, "", "The pipeline file")
	if !ok {
		return pl
	}
	o.allowOnly(topFields...)
	o.require("name")
	if name, ok := o.str("name"); ok {
		pl.Name = name
		if !nameRE.MatchString(name) {
			p.reportAt("/name", CodeInvalidName, "The pipeline name '%s' must be 1 to 80 letters, digits, '-' or '_'", clip(name))
		}
	}
	if o.exclusive("namespace", "account") {
		for _, k := range []string{"namespace", "account"} {
			if ns, ok := o.str(k); ok {
				pl.Namespace = ns
				if !namespaceRE.MatchString(ns) {
					p.reportAt("/"+k, CodeInvalidName, "The namespace '%s' must have 1 to 63 lowercase letters, digits and '-', starting and ending with a letter or digit (as baton namespaces create takes them)", clip(ns))
				}
			}
		}
	}
	pl.Description, _ = o.str("description")
	if t, ok := o.enum("type", TypeStandard, TypeExpress); ok {
		pl.Type = t
	}
	pl.Params, pl.ParamOrder = p.params(o)
	pl.Timeout = o.duration("timeout")
	if n, ok := o.integer("max_active_runs", 1, 1_000_000); ok {
		pl.MaxActiveRuns = n
		if pl.Type == TypeExpress {
			// An Express run is stored when it ends: it cannot wait, durably,
			// for a slot.
			p.reportKey("/max_active_runs", CodeSchema, "The field 'max_active_runs' applies to STANDARD pipelines: an EXPRESS run is kept in memory until it ends and cannot wait for a slot")
		}
	}
	if s, ok := o.enum("on_limit", OnLimitQueue, OnLimitSkip, OnLimitCancelOldest); ok {
		pl.OnLimit = s
		if !o.has("max_active_runs") {
			p.reportKey("/on_limit", CodeSchema, "on_limit decides what happens beyond max_active_runs, which is not set")
		}
	}
	pl.Tags = o.stringMap("tags", false)
	if d, ok := o.object("datasets"); ok {
		d.allowOnly("reads", "writes")
		pl.Datasets.Reads = d.urlList("reads")
		pl.Datasets.Writes = d.urlList("writes")
	}
	if d, ok := o.object("defaults"); ok {
		d.allowOnly("timeout", "retry", "env")
		pl.Defaults.Timeout = d.duration("timeout")
		pl.Defaults.Retry = d.retry("retry")
		pl.Defaults.Env = d.env("env", nil)
	}
	switch {
	case o.has("body") && o.has("steps"):
		p.reportKey("/steps", CodeSchema, "A pipeline has either a body (a state machine) or steps (a DAG), not both")
	case !o.has("body") && !o.has("steps"):
		p.report("", p.doc.Values.Lookup(""), CodeSchema, "A pipeline needs steps (a DAG) or a body (a state machine)")
	}
	if o.has("body") {
		pl.Body = p.body(o)
		for _, k := range []string{"defaults", "handlers"} {
			if o.has(k) {
				p.reportKey("/"+k, CodeSchema, "The field '%s' applies to steps; a pipeline with a body handles errors with the state machine's Retry and Catch", k)
			}
		}
		if o.has("output") {
			p.reportKey("/output", CodeSchema, "The field 'output' applies to steps; a pipeline with a body has its state machine's output")
		}
		// A body runs as the state machine it is: what would change its
		// input or its time is the state machine's to say.
		if o.has("params") {
			p.reportKey("/params", CodeSchema, "The field 'params' applies to steps; a pipeline with a body takes its input as the state machine does (check it with a Choice state, default it with a Pass state)")
		}
		if o.has("timeout") {
			p.reportKey("/timeout", CodeSchema, "The field 'timeout' applies to steps; a pipeline with a body is bounded by its state machine's TimeoutSeconds")
		}
	}
	if o.has("steps") {
		pl.Steps = p.steps(o.get("steps"), "/steps", "steps")
		if a, ok := o.get("steps").([]any); ok && len(a) == 0 && !o.has("body") {
			p.reportAt("/steps", CodeSchema, "The field 'steps' must list at least one step")
		}
	}
	if h, ok := o.object("handlers"); ok {
		h.allowOnly("on_failure", "on_success", "on_exit")
		pl.Handlers.OnFailure = p.steps(h.get("on_failure"), "/handlers/on_failure", "on_failure")
		pl.Handlers.OnSuccess = p.steps(h.get("on_success"), "/handlers/on_success", "on_success")
		pl.Handlers.OnExit = p.steps(h.get("on_exit"), "/handlers/on_exit", "on_exit")
	}
	if o.has("output") {
		pl.Output, pl.HasOutput = o.get("output"), true
		p.template("/output", pl.Output, scopeOutput, nil)
	}
	pl.Trigger = p.trigger(o)
	if pl.Trigger != nil && pl.Trigger.Executions != nil {
		x := pl.Trigger.Executions
		for i, c := range append(append([]UpstreamCondition(nil), x.AllOf...), x.AnyOf...) {
			if c.Name == pl.Name && (c.Namespace == "" || c.Namespace == pl.Namespace) {
				block, k := "allOf", i
				if i >= len(x.AllOf) {
					block, k = "anyOf", i-len(x.AllOf)
				}
				p.reportAt(fmt.Sprintf("/trigger/executions/%s/%d/name", block, k), CodeSchema,
					"A pipeline's executions trigger cannot name the pipeline itself: each run would start the next, for ever")
			}
		}
	}
	pl.Notifications = p.notifications(o)
	return pl
}

// params reads the params section: name -> {type, default, description, enum}.
func (p *parser) params(o obj) (map[string]Param, []string) {
	ps, ok := o.object("params")
	if !ok {
		return nil, nil
	}
	out := map[string]Param{}
	var order []string
	for _, name := range ps.keys() {
		ptr := ps.at(name)
		if !identRE.MatchString(name) {
			p.reportKey(ptr, CodeInvalidName, "The param name '%s' must be a letter or '_' then up to 79 letters, digits or '_' (it is read as $input.%s)", clip(name), clip(name))
		}
		po, ok := p.object(ps.get(name), ptr, "")
		if !ok {
			continue
		}
		po.allowOnly("type", "default", "description", "enum")
		var prm Param
		prm.Type, _ = po.enum("type", ParamString, ParamNumber, ParamInteger, ParamBoolean, ParamObject, ParamArray)
		prm.Description, _ = po.str("description")
		if po.has("enum") {
			if a, ok := po.array("enum"); ok {
				prm.Enum = a
				if len(a) == 0 {
					p.reportAt(po.at("enum"), CodeSchema, "The field 'enum' must list at least one value")
				}
				for i, e := range a {
					if prm.Type != "" && !matchesType(e, prm.Type) {
						p.reportAt(fmt.Sprintf("%s/enum/%d", ptr, i), CodeSchema, "This value is not of the param's type %s", prm.Type)
					}
				}
			}
		}
		if po.has("default") {
			prm.Default, prm.HasDefault = po.get("default"), true
			if s, ok := prm.Default.(string); ok && strings.Contains(s, "{%") {
				p.template(po.at("default"), s, scopeParam, nil)
			} else if prm.Type != "" && !matchesType(prm.Default, prm.Type) {
				p.reportAt(po.at("default"), CodeSchema, "The default is not of the param's type %s", prm.Type)
			} else if prm.Enum != nil && !slices.ContainsFunc(prm.Enum, func(e any) bool { return jsonEqual(e, prm.Default) }) {
				p.reportAt(po.at("default"), CodeSchema, "The default is not one of the param's enum values")
			}
		}
		out[name] = prm
		order = append(order, name)
	}
	return out, order
}

// body reads the body: a state machine file of the project, or inline.
func (p *parser) body(o obj) *Body {
	v := o.get("body")
	switch t := v.(type) {
	case string:
		b := &Body{File: t}
		clean := path.Clean(t)
		if t == "" || path.IsAbs(t) || clean == ".." || strings.HasPrefix(clean, "../") || strings.Contains(t, "{%") {
			p.reportAt("/body", CodeInvalidBody, "The body must name a state machine file inside the project, relative to pipeline.yaml (e.g. workflow.asl.json)")
			return b
		}
		if p.project == nil {
			return b
		}
		src, err := readBounded(p.project, clean)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				p.reportAt("/body", CodeInvalidBody, "The body file %s does not exist in the project", t)
			} else {
				p.reportAt("/body", CodeInvalidBody, "The body file %s cannot be read: %v", t, err)
			}
			return b
		}
		name := t
		if p.file != "" {
			name = filepath.Join(filepath.Dir(p.file), filepath.FromSlash(clean))
		}
		def, err := asl.ParseNamed(name, src)
		var ve *asl.ValidationError
		if errors.As(err, &ve) {
			p.diags = append(p.diags, ve.Diagnostics...)
		}
		b.Definition, b.Source = def, src
		return b
	case map[string]any:
		src, _ := json.Marshal(t) // it came from JSON or YAML: it marshals
		return &Body{Definition: p.inlineBody(t), Source: src}
	default:
		p.reportAt("/body", CodeSchema, "The field 'body' must be a state machine file name or an inline state machine (a mapping)")
		return nil
	}
}

// inlineBody checks an inline state machine with asl, and places each of
// its diagnostics in pipeline.yaml: asl reads the body as JSON, and each
// diagnostic's pointer (at a key or at a value there) leads back to the
// same key or value under /body here.
func (p *parser) inlineBody(v map[string]any) *asl.Definition {
	src, err := json.Marshal(v)
	if err != nil {
		p.reportAt("/body", CodeSchema, "The body cannot be read as a state machine: %v", err)
		return nil
	}
	def, err := asl.Parse(src)
	var ve *asl.ValidationError
	if !errors.As(err, &ve) {
		return def
	}
	asJSON, _ := asl.ReadDocument("", src)
	for _, d := range ve.Diagnostics {
		ptr := "/body" + d.Pointer
		pos := p.doc.Values.Lookup(ptr)
		if asJSON != nil {
			if kp, ok := asJSON.KeyPos(d.Pointer); ok && kp == d.Pos {
				if k, ok := p.doc.KeyPos(ptr); ok {
					pos = k
				}
			}
		}
		p.report(ptr, pos, d.Code, "%s", d.Message)
	}
	return nil
}

// clip shortens what a message quotes from the file.
func clip(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}
