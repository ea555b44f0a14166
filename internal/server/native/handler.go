// Package native serves Baton's native REST API under /api/v1: workflows,
// executions, activities and tasks as JSON resources, plus live updates as
// server-sent events. It is a thin layer over internal/service, so its JSON
// members are those of the service's types (the Step Functions API's names);
// execution inputs and outputs travel as JSON values rather than strings.
package native

import (
	"context"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/engine"
	"github.com/batonhq/baton/internal/events"
	"github.com/batonhq/baton/internal/service"
)

// Prefix is the path under which Handler serves.
const Prefix = "/api/v1"

// Watcher delivers live updates of executions; *engine.Engine implements
// it. Watch returns the updates of one execution (or of every execution
// when arn is "") until ctx ends, then closes the channel. A slow reader may
// miss updates; each carries the execution's latest event id.
type Watcher interface {
	Watch(ctx context.Context, arn string) <-chan engine.Update
}

// handler serves the native API.
type handler struct {
	svc      *service.Service
	w        Watcher
	triggers TriggerExplainer
	log      *slog.Logger
	mux      *http.ServeMux

	// heartbeat is the interval of SSE comments that keep idle streams
	// open through proxies; recheck is how often a waiter or a stream
	// rereads the execution in case an update was missed.
	heartbeat time.Duration
	recheck   time.Duration
	// maxPoll bounds an activity long poll.
	maxPoll time.Duration
	// bodyLimit bounds request bodies.
	bodyLimit int64
	// streams counts the open event streams, at most maxStreams.
	streams    atomic.Int64
	maxStreams int64
}

// Options are the handler's limits.
type Options struct {
	// MaxStreams caps the event streams open at once (default 1000); past
	// it, a stream request gets 503 with Retry-After.
	MaxStreams int
	// Triggers explains workflows' triggers; nil: the route answers 404.
	Triggers TriggerExplainer
	// Recheck is how often waits and event streams read the store again
	// in case an update was missed (default 5 s).
	Recheck time.Duration
}

// TriggerExplainer explains what starts a workflow and what its triggers
// wait for (the server's triggers consumer).
type TriggerExplainer interface {
	Explain(ctx context.Context, stateMachineArn string, now time.Time) (*events.Explanation, error)
	// SetPaused pauses or resumes a workflow's schedules.
	SetPaused(ctx context.Context, stateMachineArn string, paused bool) error
}

// DefaultMaxStreams is the default of Options.MaxStreams.
const DefaultMaxStreams = 1000

// Handler returns the native API handler. Mount it at /api/v1/: it expects
// full request paths starting with /api/v1. w may be nil, in which case
// waits and streams fall back to rereading the store.
func Handler(svc *service.Service, w Watcher, log *slog.Logger, opts Options) http.Handler {
	return newHandler(svc, w, log, opts)
}

func newHandler(svc *service.Service, w Watcher, log *slog.Logger, opts Options) *handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.MaxStreams <= 0 {
		opts.MaxStreams = DefaultMaxStreams
	}
	if opts.Recheck <= 0 {
		opts.Recheck = 5 * time.Second
	}
	h := &handler{svc: svc, w: w, log: log, mux: http.NewServeMux(), triggers: opts.Triggers,
		heartbeat: 15 * time.Second, recheck: opts.Recheck, maxPoll: service.ActivityPollTimeout,
		bodyLimit: bodyLimit(svc.Config().MaxPayloadBytes), maxStreams: int64(opts.MaxStreams)}
	h.routes()
	return h
}

// route is one entry of the API: a ServeMux pattern and its handler.
type route struct {
	pattern string
	fn      func(http.ResponseWriter, *http.Request) error
}

func (h *handler) routes() {
	for _, r := range h.table() {
		if _, ok := rules[r.pattern]; !ok {
			panic("native: route " + r.pattern + " has no authorization rule (add it to rules in authz.go)")
		}
		h.mux.Handle(r.pattern, h.wrap(r.pattern, r.fn))
	}
	h.mux.HandleFunc("/", h.noRoute)
}

// table lists the API's routes.
func (h *handler) table() []route {
	return []route{
		{"GET /api/v1/workflows", h.listWorkflows},
		{"POST /api/v1/workflows", h.deployWorkflow},
		{"GET /api/v1/workflows/{name}", h.getWorkflow},
		{"DELETE /api/v1/workflows/{name}", h.deleteWorkflow},
		{"GET /api/v1/workflows/{name}/versions", h.listVersions},
		{"POST /api/v1/workflows/{name}/versions", h.publishVersion},
		{"POST /api/v1/workflows/{name}/executions", h.startExecution},
		{"GET /api/v1/workflows/{name}/triggers", h.explainTriggers},
		{"GET /api/v1/workflows/{name}/graph", h.workflowGraph},
		{"GET /api/v1/workflows/{name}/grid", h.workflowGrid},
		{"POST /api/v1/workflows/{name}/schedules/pause", h.pauseSchedules},
		{"POST /api/v1/workflows/{name}/schedules/resume", h.resumeSchedules},
		{"GET /api/v1/workflows/{name}/notifications", h.workflowNotifications},
		{"PUT /api/v1/workflows/{name}/notifications", h.setWorkflowNotifications},
		{"DELETE /api/v1/workflows/{name}/notifications", h.deleteWorkflowNotifications},
		{"GET /api/v1/notifications/failed", h.failedNotifications},
		{"POST /api/v1/notifications/failed/retry", h.retryNotifications},
		{"POST /api/v1/notifications/test", h.testNotification},
		{"GET /api/v1/notifications/status", h.notificationStatus},

		{"GET /api/v1/executions", h.listExecutions},
		{"GET /api/v1/executions/{arn}", h.describeExecution},
		{"GET /api/v1/executions/{arn}/history", h.history},
		{"GET /api/v1/executions/{arn}/steps", h.executionSteps},
		{"GET /api/v1/executions/{arn}/events", h.executionEvents},
		{"GET /api/v1/executions/{arn}/logs", h.executionLogs},
		{"POST /api/v1/executions/{arn}/stop", h.stopExecution},
		{"POST /api/v1/executions/{arn}/redrive", h.redriveExecution},
		{"POST /api/v1/executions/{arn}/retry", h.retryExecution},
		{"GET /api/v1/events", h.allEvents},

		{"GET /api/v1/activities", h.listActivities},
		{"POST /api/v1/activities", h.createActivity},
		{"GET /api/v1/activities/{name}", h.describeActivity},
		{"DELETE /api/v1/activities/{name}", h.deleteActivity},
		{"POST /api/v1/activities/{name}/poll", h.pollActivity},
		{"POST /api/v1/tasks/success", h.taskSuccess},
		{"POST /api/v1/tasks/failure", h.taskFailure},
		{"POST /api/v1/tasks/heartbeat", h.taskHeartbeat},
		{"POST /api/v1/tasks/logs", h.taskLogs},

		{"GET /api/v1/schemas/pipeline.json", h.pipelineSchema},
		{"POST /api/v1/bundles", h.putBundle},
		{"GET /api/v1/namespaces", h.listNamespaces},
		{"POST /api/v1/namespaces", h.createNamespace},
		{"PUT /api/v1/namespaces/{name}", h.putNamespace},
		{"GET /api/v1/audit", h.listAudit},
		{"GET /api/v1/grants", h.listGrants},
		{"POST /api/v1/grants", h.createGrant},
		{"DELETE /api/v1/grants", h.deleteGrant},
		{"GET /api/v1/bundles/{digest}", h.getBundle},

		{"GET /api/v1/rules", h.listRules},
		{"POST /api/v1/rules", h.putRule},
		{"GET /api/v1/rules/{name}", h.getRule},
		{"DELETE /api/v1/rules/{name}", h.deleteRule},
		{"POST /api/v1/rules/{name}/enable", h.enableRule},
		{"POST /api/v1/rules/{name}/disable", h.disableRule},
		{"POST /api/v1/events", h.putEvents},
		{"GET /api/v1/bus/events", h.readBus},
		{"GET /api/v1/lineage", h.lineage},
	}
}

// ServeHTTP dispatches to the routes.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mux.ServeHTTP(w, r)
}

// wrap turns a route function into a handler: the caller's role is
// checked (authz.go), and the route's error becomes the JSON error
// response. A POST must say its body is JSON, even an empty one:
// the media types a web page may send to another site without asking
// (text/plain, forms) are refused, so such a page cannot change anything.
func (h *handler) wrap(pattern string, fn func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := h.authorize(pattern, w, r)
		if err == nil {
			err = checkContentType(r)
		}
		if err == nil {
			err = fn(w, r)
		}
		if err != nil {
			h.writeError(w, r, err)
		}
	})
}

// CodeUnsupportedMediaType is the error code of a write request whose body
// is not declared as JSON.
const CodeUnsupportedMediaType = "UnsupportedMediaType"

// checkContentType requires Content-Type: application/json (parameters
// such as charset=utf-8 allowed) on POST requests.
func checkContentType(r *http.Request) error {
	if r.Method != http.MethodPost {
		return nil
	}
	ct := r.Header.Get("Content-Type")
	if r.URL.Path == bundlesPath {
		if isGzip(r) {
			return nil
		}
		return &apierr.Error{Code: CodeUnsupportedMediaType, Status: http.StatusUnsupportedMediaType,
			Message: "Content-Type " + strconv.Quote(ct) + ": a bundle is sent as Content-Type: " + gzipType + " (a gzipped tar of the project, as baton deploy DIR sends)"}
	}
	if mt, _, err := mime.ParseMediaType(ct); err == nil && strings.EqualFold(mt, "application/json") {
		return nil
	}
	if ct == "" {
		ct = "none"
	} else {
		ct = strconv.Quote(ct)
	}
	return &apierr.Error{Code: CodeUnsupportedMediaType, Status: http.StatusUnsupportedMediaType,
		Message: "Content-Type " + ct + ": the native API takes JSON bodies; send Content-Type: application/json (with an empty body when there is nothing to send)"}
}

// CheckContentType is the native API's Content-Type rule, for routes of
// /api/v1 served outside this package (tokens and access keys).
func CheckContentType(r *http.Request) error { return checkContentType(r) }

// methods are the methods the API uses, for 405's Allow header.
var methods = []string{http.MethodGet, http.MethodPost, http.MethodDelete}

// noRoute answers requests no route matched: 405 with an Allow header when
// the path exists for other methods, 404 otherwise.
func (h *handler) noRoute(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range methods {
		if m == r.Method {
			continue
		}
		r2 := r.Clone(r.Context())
		r2.Method = m
		if _, pattern := h.mux.Handler(r2); pattern != "" && pattern != "/" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeErrorBody(w, http.StatusMethodNotAllowed, CodeMethodNotAllowed,
			"method "+r.Method+" is not allowed on "+r.URL.Path+"; use "+strings.Join(allow, " or "))
		return
	}
	writeErrorBody(w, http.StatusNotFound, CodeNotFound,
		"no such route: "+r.Method+" "+r.URL.Path+" (the native API lives under "+Prefix+"; see docs/api.md)")
}
