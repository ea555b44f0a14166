package server

import (
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/batonhq/baton/internal/audit"
	"github.com/batonhq/baton/internal/auth"
	"github.com/batonhq/baton/internal/server/native"
	"github.com/batonhq/baton/internal/store"
)

// auditor is the one place requests are recorded in the audit log
// (docs/security.md, Audit log): outside the guard and authentication, so
// that it sees their refusals too. It records every request that changes
// something (a non-GET of the native API, an AWS operation that is not a
// read) with the status it got, and every request refused (401, 403, or
// AWS's AccessDeniedException). What the request was is read from its
// method, path and headers, who made it and where it acted from what
// authentication and authorization noted (auth.Seen): never its body, its
// query or its credential.
type auditor struct {
	rec  *audit.Recorder
	next http.Handler
	now  func() time.Time
}

func (a *auditor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx, seen := auth.WithSeen(r.Context())
	sw := &statusWriter{ResponseWriter: w}
	a.next.ServeHTTP(sw, r.WithContext(ctx))
	status := sw.status
	if status == 0 {
		status = http.StatusOK
	}
	op := awsOperation(r)
	refused := status == http.StatusUnauthorized || status == http.StatusForbidden || seen.Denied()
	if !refused && !changes(r, op) {
		return
	}
	e := &store.AuditEntry{Time: a.now().UTC(), RemoteAddr: remoteHost(r), Method: r.Method, Path: r.URL.Path,
		Operation: op, Namespace: seen.Namespace(), Resource: seen.Resource(), Status: status}
	if e.Namespace == "" {
		e.Namespace = r.URL.Query().Get("namespace")
	}
	switch p := seen.Principal(); {
	case p == nil:
	case p.Anonymous:
		e.Kind = "anonymous"
	default:
		e.Principal, e.Kind = p.ID, p.Kind
	}
	a.rec.Record(e)
}

// awsOperation is the AWS API operation of a request to POST / (the part
// of X-Amz-Target after the dot), "" for any other request.
func awsOperation(r *http.Request) string {
	if r.Method != http.MethodPost || r.URL.Path != "/" {
		return ""
	}
	t := r.Header.Get("X-Amz-Target")
	_, op, ok := strings.Cut(t, ".")
	if !ok || len(op) > 64 {
		return ""
	}
	return op
}

// changes tells whether a request may change something: a non-GET of the
// native API, an AWS operation that is not Describe*, List*, Get*,
// Validate* or TestEventPattern. TestState is recorded: it runs a task on
// the server. Left out as well are what workers send while a task runs:
// an activity's poll (a read, as GetActivityTask is), heartbeats and task
// logs, many a minute per task, which would bury the log; the task's
// result (success, failure) is recorded.
func changes(r *http.Request, op string) bool {
	if op != "" {
		if op == "SendTaskHeartbeat" {
			return false
		}
		for _, read := range []string{"Describe", "List", "Get", "Validate", "TestEventPattern"} {
			if strings.HasPrefix(op, read) {
				return false
			}
		}
		return true
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	p := r.URL.Path
	if !strings.HasPrefix(p, native.Prefix+"/") {
		return false
	}
	switch {
	case strings.HasPrefix(p, native.Prefix+"/activities/") && strings.HasSuffix(p, "/poll"),
		p == native.Prefix+"/tasks/heartbeat", p == native.Prefix+"/tasks/logs":
		return false
	}
	return true
}

// remoteHost is the address of the client's socket, without its port.
// X-Forwarded-For is not read: the server trusts no proxy (the guard
// does not either), so a client could write anything there.
func remoteHost(r *http.Request) string {
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return h
	}
	return r.RemoteAddr
}

// statusWriter remembers the status a handler answered. Unwrap lets
// http.ResponseController (event streams' flushes and deadlines) reach
// the connection's writer.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		if w.status == 0 {
			w.status = http.StatusOK
		}
		f.Flush()
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
