package native

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/server/httpx"
)

// Error codes of the native API beyond the service's exception names.
const (
	CodeNotFound         = "NotFound"         // no route for the path
	CodeMethodNotAllowed = "MethodNotAllowed" // the path exists for other methods
)

// minBodyLimit is the smallest bound on request bodies: a definition is
// at most 1 MiB, and JSON escaping can double it.
const minBodyLimit = 4 << 20

// bodyLimit bounds request bodies: a definition, or a payload of
// maxPayload bytes, which escaping can double.
func bodyLimit(maxPayload int) int64 {
	return max(minBodyLimit, 2*int64(maxPayload)+64<<10)
}

// errorBody is the JSON of every error response.
type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// writeJSON writes v with the status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeErrorBody(w, http.StatusInternalServerError, apierr.InternalServerError, "encoding the response: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// WriteError writes an error response of the native API; the server's
// guard answers with it.
func WriteError(w http.ResponseWriter, status int, code, msg string) {
	writeErrorBody(w, status, code, msg)
}

func writeErrorBody(w http.ResponseWriter, status int, code, msg string) {
	b, _ := json.Marshal(errorBody{Code: code, Message: msg})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// writeError writes err: an *apierr.Error with its code and status,
// anything else as a 500 whose detail goes to the log only.
func (h *handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	if e, ok := apierr.As(err); ok {
		switch {
		case e.Status >= 500 && w.Header().Get("Retry-After") != "":
			// Load shed at a limit (streams, body memory): one line per
			// refused request at Error would let a flood flood the log.
			h.log.Debug("native API request shed", "method", r.Method, "path", r.URL.Path, "err", err)
		case e.Status >= 500:
			h.log.Error("native API error", "method", r.Method, "path", r.URL.Path, "err", err)
		}
		writeErrorBody(w, e.Status, e.Code, e.Message)
		return
	}
	if r.Context().Err() != nil {
		// The client went away; nobody reads the answer.
		return
	}
	h.log.Error("native API internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	writeErrorBody(w, http.StatusInternalServerError, apierr.InternalServerError,
		"internal server error; the server's log has the details")
}

// badRequest is a ValidationException for a malformed query or body.
func badRequest(format string, args ...any) error {
	return apierr.New(apierr.ValidationException, format, args...)
}

// decodeBody decodes the JSON request body into v. An empty body leaves v
// as it is when optional is set. Unknown members are refused, so that a
// misspelt member is reported rather than ignored.
func (h *handler) decodeBody(w http.ResponseWriter, r *http.Request, v any, optional bool) error {
	body, err := httpx.ReadBody(w, r, h.bodyLimit, h.svc.Config().MaxPayloadBytes)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if optional {
			return nil
		}
		return apierr.New(apierr.Serialization, "the request body is empty; send a JSON object (Content-Type: application/json)")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return apierr.New(apierr.Serialization, "the request body is not the expected JSON object: %v", err)
	}
	if dec.More() {
		return apierr.New(apierr.Serialization, "the request body holds more than one JSON value")
	}
	return nil
}

// maxPage is the largest page of a list.
const maxPage = 1000

// queryPage reads the paging parameters every list takes: ?limit=
// (1..1000; 0 when absent, the default) and ?next=.
func queryPage(r *http.Request) (limit int, next string, err error) {
	limit, err = queryInt(r, "limit")
	if err != nil {
		return 0, "", err
	}
	if r.URL.Query().Has("limit") && (limit < 1 || limit > maxPage) {
		return 0, "", badRequest("query parameter limit=%d: want 1 to %d (default %d)", limit, maxPage, defaultListLimit)
	}
	return limit, r.URL.Query().Get("next"), nil
}

// queryInt reads an integer query parameter (0 when absent).
func queryInt(r *http.Request, name string) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, badRequest("query parameter %s=%q is not an integer", name, s)
	}
	return n, nil
}

// queryBool reads a boolean query parameter: def when absent.
func queryBool(r *http.Request, name string, def bool) (bool, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, badRequest("query parameter %s=%q is not a boolean (true or false)", name, s)
	}
	return b, nil
}

// maxWait bounds ?wait=: longer waits are cut to it.
const maxWait = 5 * time.Minute

// queryWait reads ?wait=DURATION ("30s", or plain seconds "30"); 0 when
// absent.
func queryWait(r *http.Request) (time.Duration, error) {
	s := r.URL.Query().Get("wait")
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		n, nerr := strconv.Atoi(s)
		if nerr != nil {
			return 0, badRequest("query parameter wait=%q is not a duration (e.g. 30s, 2m)", s)
		}
		d = time.Duration(n) * time.Second
	}
	if d < 0 {
		return 0, badRequest("query parameter wait=%q is negative", s)
	}
	return min(d, maxWait), nil
}

// jsonText turns a JSON value from a request into the JSON text the service
// takes; an absent value is "".
func jsonText(v json.RawMessage) string {
	t := bytes.TrimSpace(v)
	if len(t) == 0 {
		return ""
	}
	return string(t)
}

// jsonValue turns the service's JSON text into a JSON value for a
// response; text that is not JSON (it should not happen) becomes a JSON
// string, so the response stays valid.
func jsonValue(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	if json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	b, _ := json.Marshal(s)
	return b
}

// definitionText accepts a definition as a JSON string (its text, JSON or
// YAML) or as a JSON object (the definition itself).
func definitionText(v json.RawMessage) (string, error) {
	t := bytes.TrimSpace(v)
	switch {
	case len(t) == 0 || string(t) == "null":
		return "", nil
	case t[0] == '"':
		var s string
		if err := json.Unmarshal(t, &s); err != nil {
			return "", badRequest("definition: %v", err)
		}
		return s, nil
	case t[0] == '{':
		return string(t), nil
	}
	return "", badRequest("definition must be a JSON object (the state machine) or a string (its JSON or YAML text), not %s", kindOf(t))
}

func kindOf(t []byte) string {
	switch {
	case len(t) == 0:
		return "nothing"
	case t[0] == '[':
		return "an array"
	case t[0] == 't' || t[0] == 'f':
		return "a boolean"
	case t[0] == 'n':
		return "null"
	}
	return "a number"
}

// pathName reads a path wildcard and refuses an empty one.
func pathName(r *http.Request, name string) (string, error) {
	v := strings.TrimSpace(r.PathValue(name))
	if v == "" {
		return "", badRequest("the path lacks the %s", name)
	}
	return v, nil
}
