// Package config reads the server's configuration file (baton server
// --config baton.yaml): the named connections that pipeline steps use
// (sql, s3, http) and those of notification channels (slack, smtp,
// webhook, opsgenie), with their secrets given as env:NAME or file:PATH
// references and resolved when the file is loaded. docs/server.md
// describes the format.
package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/internal/value"
)

// MaxFileBytes bounds the configuration file.
const MaxFileBytes = 1 << 20

// Connection types.
const (
	TypeSQL  = "sql"
	TypeS3   = "s3"
	TypeHTTP = "http"
)

// typeList names the connection types in messages.
const typeList = "sql, s3, http, slack, smtp, webhook or opsgenie"

// SQL drivers.
const (
	DriverSQLite   = "sqlite"
	DriverPostgres = "postgres"
)

// Config is a loaded configuration file.
type Config struct {
	File        string // the file it was read from, for messages
	Connections map[string]*Connection
	// Namespaces are the policies of namespaces by name ("*": of those
	// not listed); nil: no policy, everything the server allows.
	Namespaces map[string]*NamespacePolicy
}

// Step kinds a namespace policy lists.
const (
	StepShell   = "shell"    // baton:shell tasks, shell (command, script) steps
	StepHTTP    = "http"     // baton:http tasks, http steps
	StepSQL     = "sql"      // sql steps
	StepCopy    = "copy"     // copy steps
	StepWaitFor = "wait_for" // wait_for steps
	StepMapped  = "mapped"   // commands mapped with --resource (and Lambda mappings)
)

// StepKinds lists the step kinds.
var StepKinds = []string{StepShell, StepHTTP, StepSQL, StepCopy, StepWaitFor, StepMapped}

// NamespacePolicy is what a namespace's workflows may run on the server.
type NamespacePolicy struct {
	// Steps are the step kinds allowed (StepKinds); nil: every kind. A
	// workflow's activity tasks and nested runs are always allowed: they
	// run no code on the server.
	Steps []string
}

// StepAllowed tells whether the workflows of namespace may run steps of
// kind: its policy, else the "*" one, else yes.
func (c *Config) StepAllowed(namespace, kind string) bool {
	if c == nil || c.Namespaces == nil {
		return true
	}
	p, ok := c.Namespaces[namespace]
	if !ok {
		p, ok = c.Namespaces["*"]
	}
	return !ok || p.Steps == nil || slices.Contains(p.Steps, kind)
}

// Connection is one named connection; exactly one of SQL, S3, HTTP,
// Slack, SMTP, Webhook and OpsGenie is set, as Type says.
type Connection struct {
	Name string
	// Namespaces are the namespaces whose workflows may use it (nil:
	// every one). On a server shared by teams, a team's database or
	// bucket credentials are its own.
	Namespaces []string
	Type       string // TypeSQL, TypeS3, TypeHTTP, TypeSlack, TypeSMTP, TypeWebhook or TypeOpsGenie
	SQL        *SQL
	S3         *S3
	HTTP       *HTTP
	Slack      *Slack
	SMTP       *SMTP
	Webhook    *Webhook
	OpsGenie   *OpsGenie
}

// SQL is a database connection.
type SQL struct {
	Driver string // DriverSQLite or DriverPostgres
	// DSN is the whole data source name (a SQLite file name or file: URI,
	// a PostgreSQL URL or key=value string); a Secret because it may hold
	// a password.
	DSN Secret
	// Path is the SQLite database file (relative to the configuration
	// file's directory), instead of DSN.
	Path string
	// PostgreSQL fields, instead of (or over) DSN.
	Host     string
	Port     int
	User     string
	Password Secret
	Database string
	SSLMode  string
}

// S3 is an S3-compatible object store.
type S3 struct {
	Endpoint        string // host[:port]
	Region          string // default us-east-1
	PathStyle       bool   // bucket in the path (default) rather than in the host name
	AccessKeyID     Secret
	SecretAccessKey Secret
	TLS             bool   // https (default) or http
	CAFile          string // extra CA certificates (PEM) to trust
	CA              []byte // the PEM read from CAFile
}

// HTTP is a base URL and headers for http steps.
type HTTP struct {
	BaseURL string            // absolute http(s) URL; step URLs are relative to it
	Headers map[string]Secret // sent with every request (tokens are secrets)
}

// dsnPassword finds the password of a key=value PostgreSQL DSN.
var dsnPassword = regexp.MustCompile(`(?:^|\s)password\s*=\s*(?:'((?:[^'\\]|\\.)*)'|(\S+))`)

// dsnUnescape undoes the escapes of a quoted DSN value.
var dsnUnescape = strings.NewReplacer(`\\`, `\`, `\'`, `'`)

// Secrets returns the values of the connection's secrets (those given as
// references, and the password of a DSN), for scrubbing them from messages
// that a driver or server built (see Redact).
func (c *Connection) Secrets() []string {
	var out []string
	add := func(ss ...Secret) {
		for _, s := range ss {
			if s.ref && !s.IsZero() {
				out = append(out, s.Reveal())
			}
		}
	}
	switch {
	case c.SQL != nil:
		add(c.SQL.DSN, c.SQL.Password)
		dsn := c.SQL.DSN.Reveal()
		if u, err := url.Parse(dsn); err == nil {
			if u.User != nil {
				if p, ok := u.User.Password(); ok {
					add(NewSecret(p))
				}
			}
			// libpq and pgx take ?password= too.
			add(NewSecret(u.Query().Get("password")))
		}
		if m := dsnPassword.FindStringSubmatch(dsn); m != nil {
			add(NewSecret(dsnUnescape.Replace(m[1]) + m[2]))
		}
	case c.S3 != nil:
		add(c.S3.AccessKeyID, c.S3.SecretAccessKey)
	case c.Slack != nil:
		add(c.Slack.Token)
	case c.SMTP != nil:
		add(c.SMTP.Password)
	case c.Webhook != nil:
		add(c.Webhook.Secret)
		// The key alone, as a receiver's library may quote it.
		if k := strings.TrimPrefix(c.Webhook.Secret.Reveal(), "whsec_"); c.Webhook.Secret.ref && len(k) >= 8 {
			add(NewSecret(k))
		}
	case c.OpsGenie != nil:
		add(c.OpsGenie.APIKey)
	case c.HTTP != nil:
		for _, k := range slices.Sorted(maps.Keys(c.HTTP.Headers)) {
			h := c.HTTP.Headers[k]
			add(h)
			// "Bearer TOKEN", "Basic ...": a server may quote the
			// credentials without their scheme.
			if scheme, cred, ok := strings.Cut(h.Reveal(), " "); ok && h.ref && isWord(scheme) && len(cred) >= 8 {
				add(NewSecret(strings.TrimSpace(cred)))
			}
		}
	}
	// Longest first, so that a secret containing another is replaced whole.
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}

// Redact replaces every secret of the connection in s with "[redacted]",
// as it is and as a server quoting it would write it: escaped in a JSON
// string (with / as \/ too, as PHP does) or in a URL.
func (c *Connection) Redact(s string) string { return c.Redactor()(s) }

// Redactor returns Redact with the forms of the secrets worked out once,
// for scrubbing many strings (every string of an answer).
func (c *Connection) Redactor() func(string) string {
	if c == nil {
		return func(s string) string { return s }
	}
	var forms []string
	for _, v := range c.Secrets() {
		forms = append(forms, v)
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if enc.Encode(v) == nil {
			j := strings.TrimSuffix(b.String(), "\n")
			j = j[1 : len(j)-1]
			forms = append(forms, j, strings.ReplaceAll(j, "/", `\/`))
		}
		forms = append(forms, url.QueryEscape(v), url.PathEscape(v))
	}
	// Longest first, so that a form containing another is replaced whole.
	slices.SortStableFunc(forms, func(a, b string) int { return len(b) - len(a) })
	return func(s string) string {
		for _, v := range forms {
			s = strings.ReplaceAll(s, v, redacted)
		}
		return s
	}
}

// isWord reports whether s is letters only (an authorization scheme).
func isWord(s string) bool {
	return s != "" && !strings.ContainsFunc(s, func(r rune) bool { return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') })
}

// UnknownConnectionError is a step naming a connection that the
// configuration does not define.
type UnknownConnectionError struct {
	Name  string
	File  string   // "" when the server has no configuration file
	Known []string // the names it has
}

func (e *UnknownConnectionError) Error() string {
	if e.File == "" {
		return fmt.Sprintf("no connection %q: the server has no configuration file; define the connection in one and start the server with --config FILE (BATON_CONFIG)", e.Name)
	}
	known := "none"
	if len(e.Known) > 0 {
		known = strings.Join(e.Known, ", ")
	}
	return fmt.Sprintf("no connection %q in %s (it defines: %s); add it under connections: and restart the server", e.Name, e.File, known)
}

// Connection returns the named connection, or an *UnknownConnectionError.
// A nil Config has none.
func (c *Config) Connection(name string) (*Connection, error) {
	if c == nil {
		return nil, &UnknownConnectionError{Name: name}
	}
	if conn, ok := c.Connections[name]; ok {
		return conn, nil
	}
	return nil, &UnknownConnectionError{Name: name, File: c.File, Known: slices.Sorted(maps.Keys(c.Connections))}
}

// Sources resolve secret references. The zero value reads the process's
// environment and files.
type Sources struct {
	LookupEnv func(string) (string, bool)  // default os.LookupEnv
	ReadFile  func(string) ([]byte, error) // default readReferencedFile
}

// Load reads and checks the configuration file at path, resolving its
// secret references from the environment and from files (relative paths
// are relative to the file's directory).
func Load(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("configuration file: %w", err)
	}
	defer f.Close()
	src, err := readBounded(f, MaxFileBytes)
	if err != nil {
		return nil, fmt.Errorf("configuration file %s: %w", path, err)
	}
	return Parse(path, src, Sources{})
}

// Error lists every problem of a configuration file, one a line, as
// file:line:col: message.
type Error struct {
	Problems []string
}

func (e *Error) Error() string { return strings.Join(e.Problems, "\n") }

// Parse checks a configuration file's text. file names it in messages and
// anchors relative file: references and paths. Every problem is reported at
// once, as an *Error.
func Parse(file string, src []byte, sources Sources) (*Config, error) {
	if sources.LookupEnv == nil {
		sources.LookupEnv = os.LookupEnv
	}
	if sources.ReadFile == nil {
		sources.ReadFile = readReferencedFile
	}
	if len(src) > MaxFileBytes {
		return nil, &Error{Problems: []string{fmt.Sprintf("%s: the file is larger than %d bytes", file, MaxFileBytes)}}
	}
	doc, err := asl.ReadDocument(file, src)
	if err != nil {
		var ve *asl.ValidationError
		if errors.As(err, &ve) {
			e := &Error{}
			for _, d := range ve.Diagnostics {
				d.File = file
				e.Problems = append(e.Problems, d.String())
			}
			return nil, e
		}
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	r := &reader{file: file, doc: doc, sources: sources, dir: filepath.Dir(file)}
	cfg := r.config()
	for _, d := range doc.Duplicates {
		r.problemAt(d.Pos, "duplicate key %q", d.Key)
	}
	if len(r.problems) > 0 {
		return nil, &Error{Problems: r.problems}
	}
	return cfg, nil
}

// reader walks a document, collecting problems with their positions.
type reader struct {
	file     string
	dir      string
	doc      *asl.Document
	sources  Sources
	problems []string
}

func (r *reader) problemAt(p asl.Pos, format string, args ...any) {
	r.problems = append(r.problems, fmt.Sprintf("%s:%d:%d: %s", r.file, p.Line, p.Col, fmt.Sprintf(format, args...)))
}

// problem reports a problem with the value at pointer.
func (r *reader) problem(pointer, format string, args ...any) {
	r.problemAt(r.doc.Values.Lookup(pointer), format, args...)
}

// keyProblem reports a problem with the key of the member at pointer.
func (r *reader) keyProblem(pointer, format string, args ...any) {
	p, ok := r.doc.KeyPos(pointer)
	if !ok {
		p = r.doc.Values.Lookup(pointer)
	}
	r.problemAt(p, format, args...)
}

// object checks that v is an object with only the allowed keys.
func (r *reader) object(pointer, what string, v any, allowed ...string) (map[string]any, bool) {
	obj, ok := v.(map[string]any)
	if !ok {
		r.problem(pointer, "%s must be a mapping, got %s", what, value.TypeName(v))
		return nil, false
	}
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		if !slices.Contains(allowed, k) {
			r.keyProblem(pointer+"/"+asl.PointerToken(k), "unknown field %q in %s (fields: %s)", k, what, strings.Join(allowed, ", "))
		}
	}
	return obj, true
}

var namePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)

func (r *reader) config() *Config {
	cfg := &Config{File: r.file, Connections: map[string]*Connection{}}
	if r.doc.Value == nil {
		return cfg // an empty document: no connections
	}
	top, ok := r.object("", "the configuration", r.doc.Value, "connections", "namespaces")
	if !ok {
		return cfg
	}
	if v, ok := top["namespaces"]; ok && v != nil {
		cfg.Namespaces = r.namespacePolicies(v)
	}
	v, ok := top["connections"]
	if !ok || v == nil {
		return cfg
	}
	conns, ok := r.object("/connections", "connections", v, slices.Collect(maps.Keys(asMap(v)))...)
	if !ok {
		return cfg
	}
	for _, name := range slices.Sorted(maps.Keys(conns)) {
		ptr := "/connections/" + asl.PointerToken(name)
		if !namePattern.MatchString(name) {
			r.keyProblem(ptr, "connection name %q must be 1 to 80 letters, digits, _ or -", name)
			continue
		}
		if c := r.connection(ptr, name, conns[name]); c != nil {
			cfg.Connections[name] = c
		}
	}
	return cfg
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// connection reads one connection; nil when it has problems.
func (r *reader) connection(ptr, name string, v any) *Connection {
	before := len(r.problems)
	obj, ok := v.(map[string]any)
	if !ok {
		r.problem(ptr, "connection %q must be a mapping, got %s", name, value.TypeName(v))
		return nil
	}
	what := fmt.Sprintf("connection %q", name)
	c := &Connection{Name: name}
	f := fields{r: r, ptr: ptr, obj: obj, conn: name}
	c.Type = f.str("type")
	c.Namespaces = f.namespaces("namespaces")
	switch c.Type {
	case TypeSQL:
		r.object(ptr, what, v, "type", "driver", "dsn", "path", "host", "port", "user", "password", "database", "sslmode", "namespaces")
		c.SQL = r.sql(f)
	case TypeS3:
		r.object(ptr, what, v, "type", "endpoint", "region", "url_style", "access_key_id", "secret_access_key", "tls", "ca_file", "namespaces")
		c.S3 = r.s3(f)
	case TypeHTTP:
		r.object(ptr, what, v, "type", "base_url", "headers", "namespaces")
		c.HTTP = r.http(f)
	case TypeSlack:
		r.object(ptr, what, v, "type", "token", "api_url", "namespaces")
		c.Slack = r.slack(f)
	case TypeSMTP:
		r.object(ptr, what, v, "type", "host", "port", "security", "username", "password", "from", "timeout", "ca_file", "namespaces")
		c.SMTP = r.smtp(f)
	case TypeWebhook:
		r.object(ptr, what, v, "type", "secret", "allow_private", "allowed_url_prefixes", "namespaces")
		c.Webhook = r.webhook(f)
	case TypeOpsGenie:
		r.object(ptr, what, v, "type", "api_key", "api_url", "responder_type", "namespaces")
		c.OpsGenie = r.opsgenie(f)
	case "":
		if _, has := obj["type"]; !has {
			r.problem(ptr, "%s needs a type: %s", what, typeList)
		}
	default:
		r.problem(ptr+"/type", "%s has an unknown type %q (%s)", what, c.Type, typeList)
	}
	if len(r.problems) > before {
		return nil
	}
	return c
}

func (r *reader) sql(f fields) *SQL {
	s := &SQL{Driver: f.str("driver"), DSN: f.secret("dsn", false), Path: f.str("path"),
		Host: f.str("host"), Port: f.integer("port", 1, 65535), User: f.str("user"),
		Password: f.secret("password", true), Database: f.str("database"), SSLMode: f.str("sslmode")}
	_, hasDSN := f.obj["dsn"]
	switch s.Driver {
	case DriverSQLite:
		for _, k := range []string{"host", "port", "user", "password", "database", "sslmode"} {
			if _, ok := f.obj[k]; ok {
				f.problem(k, "is a PostgreSQL field; a sqlite connection takes path or dsn")
			}
		}
		_, hasPath := f.obj["path"]
		switch {
		case hasPath && hasDSN:
			f.problem("dsn", "give path or dsn, not both")
		case !hasPath && !hasDSN:
			f.whole("needs path (the database file) or dsn")
		case hasPath && s.Path != "" && !filepath.IsAbs(s.Path):
			s.Path = filepath.Join(f.r.dir, s.Path)
		}
	case DriverPostgres:
		if _, ok := f.obj["path"]; ok {
			f.problem("path", "is a sqlite field; a postgres connection takes dsn or host, port, user, database, sslmode")
		}
		if _, hasHost := f.obj["host"]; !hasHost && !hasDSN {
			f.whole("needs dsn or host")
		}
		if s.SSLMode != "" && !slices.Contains([]string{"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}, s.SSLMode) {
			f.problem("sslmode", "must be disable, allow, prefer, require, verify-ca or verify-full, got %q", s.SSLMode)
		}
	case "":
		if _, has := f.obj["driver"]; !has {
			f.whole("needs a driver: sqlite or postgres")
		}
	default:
		f.problem("driver", "must be sqlite or postgres, got %q", s.Driver)
	}
	return s
}

func (r *reader) s3(f fields) *S3 {
	s := &S3{Region: f.str("region"), AccessKeyID: f.secret("access_key_id", false),
		SecretAccessKey: f.secret("secret_access_key", true), CAFile: f.str("ca_file"), PathStyle: true, TLS: true}
	if s.Region == "" {
		s.Region = "us-east-1"
	}
	switch style := f.str("url_style"); style {
	case "", "path":
	case "virtual":
		s.PathStyle = false
	default:
		f.problem("url_style", "must be path (https://endpoint/bucket/key) or virtual (https://bucket.endpoint/key), got %q", style)
	}
	tls, hasTLS := f.boolean("tls")
	endpoint := f.str("endpoint")
	switch {
	case endpoint == "":
		if _, has := f.obj["endpoint"]; !has {
			f.whole("needs an endpoint (host:port, or an http:// or https:// URL)")
		}
	case strings.Contains(endpoint, "://"):
		u, err := url.Parse(endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Trim(u.Path, "/") != "" || u.User != nil || u.RawQuery != "" {
			f.problem("endpoint", "must be host:port or an http:// or https:// URL without a path, got %q", endpoint)
			break
		}
		s.Endpoint, s.TLS = u.Host, u.Scheme == "https"
		if hasTLS && tls != s.TLS {
			f.problem("tls", "contradicts the endpoint's scheme %s://", u.Scheme)
		}
	default:
		if strings.ContainsAny(endpoint, "/?#@ ") {
			f.problem("endpoint", "must be host:port or an http:// or https:// URL, got %q", endpoint)
		}
		s.Endpoint = endpoint
		if hasTLS {
			s.TLS = tls
		}
	}
	if s.AccessKeyID.IsZero() != s.SecretAccessKey.IsZero() {
		f.whole("needs both access_key_id and secret_access_key, or neither (anonymous access)")
	}
	if s.CAFile != "" {
		s.CA = f.caFile("ca_file", s.CAFile)
		if !s.TLS {
			f.problem("ca_file", "needs TLS (tls: false turns it off)")
		}
	}
	return s
}

func (r *reader) http(f fields) *HTTP {
	h := &HTTP{BaseURL: f.str("base_url"), Headers: map[string]Secret{}}
	if h.BaseURL != "" {
		u, err := url.Parse(h.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			f.problem("base_url", "must be an absolute http:// or https:// URL, got %q", h.BaseURL)
		}
	}
	v, ok := f.obj["headers"]
	if !ok {
		return h
	}
	obj, ok := v.(map[string]any)
	if !ok {
		f.problem("headers", "must be a mapping of names to values, got %s", value.TypeName(v))
		return h
	}
	hf := fields{r: f.r, ptr: f.ptr + "/headers", obj: obj, conn: f.conn}
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		if !validHeaderName(k) {
			f.r.keyProblem(hf.ptr+"/"+asl.PointerToken(k), "connection %q: header name %q is not a valid HTTP header name", f.conn, k)
			continue
		}
		s := hf.secret(k, credentialHeader(k))
		if strings.ContainsAny(s.Reveal(), "\r\n\x00") {
			hf.problem(k, "holds a line break or NUL")
		}
		h.Headers[k] = s
	}
	if len(h.Headers) > 0 && h.BaseURL == "" {
		// A step's url is then any URL: the headers, which hold the
		// credentials, would go to whatever host a pipeline names.
		f.whole("has headers but no base_url: give the base_url of the service they are for (they are sent to its host only)")
	}
	return h
}

// credentialHeader reports whether a header's value is a credential by its
// name (Authorization, Cookie, X-Api-Key, X-Auth-Token...): such a value
// must be a reference, so that Redact knows it and scrubs it from what a
// server echoes.
func credentialHeader(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"auth", "cookie", "token", "key", "secret", "password", "session", "signature"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range []byte(name) {
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// errNotRegular is a file: reference or ca_file naming a FIFO, a device or
// a directory.
var errNotRegular = errors.New("not a regular file (give a file holding the value)")

// readReferencedFile reads a file: reference or a ca_file: a regular file
// (symbolic links followed, as mounted secrets are) of at most MaxFileBytes.
// A FIFO would block the server's start for ever and /dev/zero fill its
// memory: both are refused before they are read.
func readReferencedFile(path string) ([]byte, error) {
	if fi, err := os.Stat(path); err != nil {
		return nil, err
	} else if !fi.Mode().IsRegular() {
		return nil, errNotRegular
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readBounded(f, MaxFileBytes)
}

// readBounded reads at most limit bytes, failing past it.
func readBounded(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("the file is larger than %d bytes", limit)
	}
	return b, nil
}

// UsableIn tells whether the workflows of namespace may use c ("": a run
// of no namespace, baton run's).
func (c *Connection) UsableIn(namespace string) bool {
	return c.Namespaces == nil || namespace == "" || slices.Contains(c.Namespaces, namespace)
}

// namespacePolicies reads the namespaces section: NAME (or "*") ->
// {steps: [KIND...]}.
func (r *reader) namespacePolicies(v any) map[string]*NamespacePolicy {
	nss, ok := r.object("/namespaces", "namespaces", v, slices.Collect(maps.Keys(asMap(v)))...)
	if !ok {
		return nil
	}
	out := map[string]*NamespacePolicy{}
	for _, name := range slices.Sorted(maps.Keys(nss)) {
		ptr := "/namespaces/" + asl.PointerToken(name)
		if name != "*" && !namespaceName.MatchString(name) {
			r.keyProblem(ptr, "namespace %q: a namespace's name has lowercase letters, digits and -, or is * for the namespaces not listed", name)
			continue
		}
		what := fmt.Sprintf("namespace %q", name)
		obj, ok := r.object(ptr, what, nss[name], "steps")
		if !ok {
			continue
		}
		p := &NamespacePolicy{}
		if sv, has := obj["steps"]; has {
			list, ok := sv.([]any)
			if !ok {
				r.problem(ptr+"/steps", "%s: steps must be a list of step kinds (%s), got %s", what, strings.Join(StepKinds, ", "), value.TypeName(sv))
				continue
			}
			p.Steps = []string{}
			for i, item := range list {
				k, _ := item.(string)
				if !slices.Contains(StepKinds, k) {
					r.problem(fmt.Sprintf("%s/steps/%d", ptr, i), "%s: steps[%d] must be one of %s, got %v", what, i, strings.Join(StepKinds, ", "), item)
					continue
				}
				p.Steps = append(p.Steps, k)
			}
		}
		out[name] = p
	}
	return out
}
