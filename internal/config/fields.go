package config

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/internal/value"
)

// fields reads the fields of one connection, reporting problems at their
// positions with the connection's name.
type fields struct {
	r    *reader
	ptr  string // the connection's pointer
	obj  map[string]any
	conn string
}

func (f fields) fieldPtr(key string) string { return f.ptr + "/" + asl.PointerToken(key) }

// problem reports a problem with the field key.
func (f fields) problem(key, format string, args ...any) {
	f.r.problem(f.fieldPtr(key), "connection %q: %s %s", f.conn, key, fmt.Sprintf(format, args...))
}

// whole reports a problem with the connection as a whole.
func (f fields) whole(format string, args ...any) {
	f.r.problem(f.ptr, "connection %q %s", f.conn, fmt.Sprintf(format, args...))
}

// str reads an optional string field ("" when absent).
func (f fields) str(key string) string {
	v, ok := f.obj[key]
	if !ok {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		f.problem(key, "must be a string, got %s", value.TypeName(v))
		return ""
	}
	if strings.HasPrefix(s, "env:") || strings.HasPrefix(s, "file:") {
		f.problem(key, "is not a secret: write its value, not a reference")
	}
	return s
}

// integer reads an optional whole number in [lo, hi] (0 when absent).
func (f fields) integer(key string, lo, hi int64) int {
	v, ok := f.obj[key]
	if !ok {
		return 0
	}
	var n int64
	switch v := v.(type) {
	case int64:
		n = v
	case float64:
		if v != math.Trunc(v) || v < math.MinInt32 || v > math.MaxInt32 {
			f.problem(key, "must be a whole number, got %v", v)
			return 0
		}
		n = int64(v)
	default:
		f.problem(key, "must be a number, got %s", value.TypeName(v))
		return 0
	}
	if n < lo || n > hi {
		f.problem(key, "must be between %d and %d, got %d", lo, hi, n)
		return 0
	}
	return int(n)
}

// boolean reads an optional boolean; ok is false when absent.
func (f fields) boolean(key string) (bool, bool) {
	v, has := f.obj[key]
	if !has {
		return false, false
	}
	b, isBool := v.(bool)
	if !isBool {
		f.problem(key, "must be true or false, got %s", value.TypeName(v))
		return false, false
	}
	return b, true
}

// secret reads an optional secret field: a reference env:NAME or
// file:PATH, resolved now, or (unless refOnly) a literal value. Messages
// name the reference, never the value.
func (f fields) secret(key string, refOnly bool) Secret {
	v, ok := f.obj[key]
	if !ok {
		return Secret{}
	}
	s, ok := v.(string)
	if !ok {
		f.problem(key, "must be a string (env:NAME or file:PATH), got %s", value.TypeName(v))
		return Secret{}
	}
	switch {
	case strings.HasPrefix(s, "env:"):
		name := strings.TrimPrefix(s, "env:")
		if name == "" || strings.ContainsAny(name, "=\x00") {
			f.problem(key, "names no valid environment variable in %q", s)
			return Secret{}
		}
		val, ok := f.r.sources.LookupEnv(name)
		if !ok || val == "" {
			f.problem(key, "refers to the environment variable %s, which is not set (or is empty) in the server's environment", name)
			return Secret{}
		}
		return Secret{value: val, ref: true}
	case strings.HasPrefix(s, "file:"):
		path := strings.TrimPrefix(s, "file:")
		if path == "" {
			f.problem(key, "names no file in %q", s)
			return Secret{}
		}
		if !filepath.IsAbs(path) {
			path = filepath.Join(f.r.dir, path)
		}
		b, err := f.r.sources.ReadFile(path)
		if err != nil {
			f.problem(key, "refers to the file %s, which cannot be read: %v", path, unwrapPathError(err))
			return Secret{}
		}
		val := strings.TrimRight(string(b), "\r\n")
		if val == "" {
			f.problem(key, "refers to the file %s, which is empty", path)
			return Secret{}
		}
		return Secret{value: val, ref: true}
	case refOnly:
		f.problem(key, "must be a reference, env:NAME or file:PATH, so that no secret is written in the configuration file")
		return Secret{}
	default:
		return Secret{value: s}
	}
}

// unwrapPathError drops the path from an *fs.PathError (the message
// already names it).
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// caFile reads the PEM certificates of a ca_file field (path relative to
// the configuration file's directory); nil when it has problems.
func (f fields) caFile(key, path string) []byte {
	if !filepath.IsAbs(path) {
		path = filepath.Join(f.r.dir, path)
	}
	pem, err := f.r.sources.ReadFile(path)
	switch {
	case err != nil:
		f.problem(key, "cannot be read: %v", err)
	case !x509.NewCertPool().AppendCertsFromPEM(pem):
		f.problem(key, "%s holds no PEM certificate", path)
	default:
		return pem
	}
	return nil
}

// namespaceName is the form of a namespace's name.
var namespaceName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)

// namespaces reads an optional list of namespace names (nil when absent).
func (f fields) namespaces(key string) []string {
	v, ok := f.obj[key]
	if !ok {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		f.problem(key, "must be a list of namespaces (namespaces: [team-a, default]), got %s", value.TypeName(v))
		return nil
	}
	out := []string{}
	for i, item := range list {
		s, ok := item.(string)
		if !ok || !namespaceName.MatchString(s) {
			f.r.problem(fmt.Sprintf("%s/%d", f.fieldPtr(key), i), "connection %q: %s[%d] must be a namespace's name (lowercase letters, digits and -), got %v", f.conn, key, i, item)
			continue
		}
		out = append(out, s)
	}
	return out
}
