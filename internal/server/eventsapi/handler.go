// Package eventsapi serves Baton's EventBridge-compatible API: the AWS
// JSON 1.1 protocol (POST / with X-Amz-Target: AWSEvents.<Operation>) that
// AWS SDKs and the AWS CLI speak, on the same port as the Step Functions
// API, so that they work against Baton unchanged given an endpoint
// override.
//
// Like sfnapi it is thin: it decodes the body into the operation's service
// input, calls the service, and encodes the output or the error
// ({"__type": "<ExceptionName>", "message": "..."} with its HTTP status).
// SigV4 signatures are accepted without being checked.
package eventsapi

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/server/httpx"
	"github.com/batonhq/baton/internal/server/sfnapi"
	"github.com/batonhq/baton/internal/service"
)

// ContentType is the media type of AWS JSON 1.1 requests and responses.
const ContentType = "application/x-amz-json-1.1"

// TargetPrefix is the X-Amz-Target prefix of EventBridge operations.
const TargetPrefix = "AWSEvents."

// bodyLimit bounds a request body: PutEvents carries up to 256 KiB of
// entries, which JSON escaping can double.
const bodyLimit = 2*256<<10 + 64<<10

// Handler returns the HTTP handler of the EventBridge API.
func Handler(svc *service.Service, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &handler{svc: svc, log: log}
}

type handler struct {
	svc *service.Service
	log *slog.Logger
}

// ServeHTTP serves one request.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := uuid.NewString()
	w.Header().Set("x-amzn-RequestId", reqID)
	target := r.Header.Get("X-Amz-Target")
	opName := strings.TrimPrefix(target, TargetPrefix)
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.writeError(w, r, opName, reqID, &apierr.Error{Code: apierr.UnknownOperation, Status: http.StatusMethodNotAllowed,
			Message: fmt.Sprintf("the EventBridge API takes POST requests, not %s", r.Method)})
		return
	}
	call, ok := ops[opName]
	if !ok || !strings.HasPrefix(target, TargetPrefix) {
		h.writeError(w, r, opName, reqID, apierr.New(apierr.UnknownOperation,
			"unknown operation %q: Baton's EventBridge API offers %s", target, strings.Join(Operations(), ", ")))
		return
	}
	if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
		h.writeError(w, r, opName, reqID, err)
		return
	}
	body, err := httpx.ReadBody(w, r, bodyLimit, h.svc.Config().MaxPayloadBytes)
	if err != nil {
		h.writeError(w, r, opName, reqID, err)
		return
	}
	ctx, err := sfnapi.Authorize(r.Context(), h.svc, roles[opName], body)
	if err != nil {
		h.writeError(w, r, opName, reqID, err)
		return
	}
	out, err := call(ctx, h.svc, body)
	if err != nil {
		h.writeError(w, r, opName, reqID, err)
		return
	}
	b, err := json.Marshal(out)
	if err != nil {
		h.writeError(w, r, opName, reqID, fmt.Errorf("encoding the %s response: %w", opName, err))
		return
	}
	w.Header().Set("Content-Type", ContentType)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// checkContentType accepts AWS JSON 1.1 only (see
// httpx.CheckAWSContentType).
func checkContentType(ct string) error {
	return httpx.CheckAWSContentType(ct, ContentType, "the EventBridge API")
}

// WriteError writes an AWS JSON 1.1 error.
func WriteError(w http.ResponseWriter, status int, code, msg string) {
	httpx.WriteAWSError(w, ContentType, status, code, msg)
}

// writeError writes err: an apierr.Error with its code and status,
// anything else as InternalException (logged).
func (h *handler) writeError(w http.ResponseWriter, r *http.Request, opName, reqID string, err error) {
	e := httpx.AWSErrorOf(h.log, "eventbridge API", r, opName, reqID, err, "InternalException")
	WriteError(w, e.Status, e.Code, e.Message)
}

// op decodes a request body into an operation's input and calls it.
type op = sfnapi.Op

// bind makes the op of a service method, as for Step Functions.
func bind[I, O any](method func(*service.Service, context.Context, *I) (*O, error)) op {
	return sfnapi.Bind(method)
}

// ops are the EventBridge operations Baton implements.
var ops = map[string]op{
	"PutEvents":         bind((*service.Service).PutEvents),
	"PutRule":           bind((*service.Service).PutRule),
	"DescribeRule":      bind((*service.Service).DescribeRule),
	"ListRules":         bind((*service.Service).ListRules),
	"DeleteRule":        bind((*service.Service).DeleteRule),
	"EnableRule":        bind((*service.Service).EnableRule),
	"DisableRule":       bind((*service.Service).DisableRule),
	"PutTargets":        bind((*service.Service).PutTargets),
	"RemoveTargets":     bind((*service.Service).RemoveTargets),
	"ListTargetsByRule": bind((*service.Service).ListTargetsByRule),
	"TestEventPattern":  bind((*service.Service).TestEventPattern),
	"CreateEventBus":    bind((*service.Service).CreateEventBus),
	"DescribeEventBus":  bind((*service.Service).DescribeEventBus),
	"ListEventBuses":    bind((*service.Service).ListEventBuses),
	"DeleteEventBus":    bind((*service.Service).DeleteEventBus),
}

// Operations returns the names of the operations served, sorted.
func Operations() []string {
	names := make([]string, 0, len(ops))
	for n := range ops {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
