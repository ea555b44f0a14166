package sfnapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/server/httpx"
	"github.com/batonhq/baton/internal/service"
)

// ContentType is the media type of AWS JSON 1.0 requests and responses.
const ContentType = "application/x-amz-json-1.0"

// minBodyLimit is the smallest request body limit: room for a definition
// of 1 MiB (Step Functions' limit) with JSON escaping.
const minBodyLimit = 2<<20 + 64<<10

// Handler returns the HTTP handler of the Step Functions API. It serves
// POST requests on any path (SDKs send "/"), with or without a SigV4
// Authorization header (not verified). The Host is the server's guard's
// business, which accepts the "sync-" prefix SDKs put on
// StartSyncExecution and TestState.
func Handler(svc *service.Service, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// A payload of MaxPayloadBytes can double in size when escaped inside
	// a JSON string; a definition can be 1 MiB.
	limit := int64(max(2*svc.Config().MaxPayloadBytes+64<<10, minBodyLimit))
	return &handler{svc: svc, log: log, limit: limit}
}

type handler struct {
	svc   *service.Service
	log   *slog.Logger
	limit int64
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
			Message: fmt.Sprintf("the Step Functions API takes POST requests, not %s", r.Method)})
		return
	}
	call, ok := ops[opName]
	if !ok || !strings.HasPrefix(target, TargetPrefix) {
		msg := fmt.Sprintf("unknown operation %q: X-Amz-Target must be %s<Operation>", target, TargetPrefix)
		if unsupported[opName] && strings.HasPrefix(target, TargetPrefix) {
			msg = fmt.Sprintf("Baton does not support %s: Map Runs belong to Distributed Map, which Baton does not run yet", opName)
		}
		if target == "" {
			msg = "missing X-Amz-Target header: it must be " + TargetPrefix + "<Operation>"
		}
		h.writeError(w, r, opName, reqID, apierr.New(apierr.UnknownOperation, "%s", msg))
		return
	}
	if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
		h.writeError(w, r, opName, reqID, err)
		return
	}
	body, err := httpx.ReadBody(w, r, h.limit, h.svc.Config().MaxPayloadBytes)
	if err == nil {
		err = checkNestedText(body)
	}
	if err != nil {
		h.writeError(w, r, opName, reqID, err)
		return
	}
	ctx, err := Authorize(r.Context(), h.svc, roles[opName], body)
	if err != nil {
		h.writeError(w, r, opName, reqID, err)
		return
	}
	if d, ok := longOps[opName]; ok {
		httpx.Extend(w, d)
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

// longOps are the operations that rightly outlive the server's read and
// write timeouts, with how long they may take: GetActivityTask long-polls,
// StartSyncExecution and TestState run an execution (5 minutes at most).
var longOps = map[string]time.Duration{
	"GetActivityTask":    service.ActivityPollTimeout + writeGrace,
	"StartSyncExecution": 5*time.Minute + writeGrace,
	"TestState":          5*time.Minute + writeGrace,
}

// writeGrace is how long a long operation may take to write its answer.
const writeGrace = 10 * time.Second

// checkContentType accepts AWS JSON 1.0 only (see
// httpx.CheckAWSContentType).
func checkContentType(ct string) error {
	return httpx.CheckAWSContentType(ct, ContentType, "the Step Functions API")
}

// WriteError writes an AWS JSON 1.0 error; the server's guard answers with
// it.
func WriteError(w http.ResponseWriter, status int, code, msg string) {
	httpx.WriteAWSError(w, ContentType, status, code, msg)
}

// writeError writes err as an AWS JSON 1.0 error: an apierr.Error with its
// code and status, anything else as InternalServerError (logged).
func (h *handler) writeError(w http.ResponseWriter, r *http.Request, opName, reqID string, err error) {
	e := httpx.AWSErrorOf(h.log, "step functions API", r, opName, reqID, err, apierr.InternalServerError)
	WriteError(w, e.Status, e.Code, e.Message)
}

// nestedJSON are the members whose string is JSON text, parsed later by
// the engine: execution inputs and task outputs.
var nestedJSON = []string{"input", "output"}

// checkNestedText refuses a lone surrogate escaped in the JSON text of an
// input or output, as ReadBody does in the body itself: the engine would
// turn it into U+FFFD.
func checkNestedText(body []byte) error {
	if !bytes.Contains(body, []byte(`\\u`)) {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return nil // the operation reports it
	}
	for _, k := range nestedJSON {
		var s string
		if json.Unmarshal(m[k], &s) == nil && httpx.LoneSurrogate([]byte(s)) >= 0 {
			return apierr.New(apierr.Serialization, "member %q escapes a lone surrogate (\\uD800 to \\uDFFF without its pair), which is not a character; send UTF-8 text", k)
		}
	}
	return nil
}

// unsupported are Step Functions operations Baton knows of but does not
// offer, so that their error says so rather than "unknown".
var unsupported = map[string]bool{"DescribeMapRun": true, "ListMapRuns": true, "UpdateMapRun": true}
