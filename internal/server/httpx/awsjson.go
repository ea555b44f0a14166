package httpx

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/batonhq/baton/internal/apierr"
)

// The AWS JSON protocols (1.0 for Step Functions, 1.1 for EventBridge)
// share their checks and error shape.

// CheckAWSContentType accepts the media type want (with parameters such as
// charset), what every AWS SDK and the AWS CLI send, and nothing else: the
// media types a web page may post to another site without asking
// (text/plain, forms) are refused, so that such a page cannot call api.
func CheckAWSContentType(ct, want, api string) error {
	if mt, _, err := mime.ParseMediaType(ct); err == nil && strings.EqualFold(mt, want) {
		return nil
	}
	if ct == "" {
		ct = "none"
	} else {
		ct = strconv.Quote(ct)
	}
	return &apierr.Error{Code: apierr.Serialization, Status: http.StatusUnsupportedMediaType,
		Message: "Content-Type " + ct + ": " + api + " takes Content-Type: " + want}
}

// WriteAWSError writes an AWS JSON error: {"__type": code, "message": msg}.
func WriteAWSError(w http.ResponseWriter, contentType string, status int, code, msg string) {
	b, _ := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{code, msg})
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("x-amzn-ErrorType", code)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// DecodeAWSInput decodes a request body into an operation's input (an
// empty body counts as {}), reporting what is wrong as AWS does
// (SerializationException).
func DecodeAWSInput(body []byte, in any) error {
	if len(body) == 0 {
		return nil
	}
	err := json.Unmarshal(body, in)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return apierr.New(apierr.Serialization, "member %q must be a %s, not a JSON %s", te.Field, te.Type, te.Value)
	}
	return apierr.New(apierr.Serialization, "the request body is not a JSON object: %v", err)
}

// ErrShuttingDown is the cause with which a server cancels the requests
// in flight when it shuts down (context.WithCancelCause of their base
// context).
var ErrShuttingDown = errors.New("the server is shutting down")

// AWSErrorOf is the error to answer for err, an AWS JSON API's operation
// op failed with: err's own when it is an apierr.Error (logged at debug),
// 503 when the server cut the request short as it shuts down (the client
// tries again: another node of a cluster, or this server once it is back),
// 499 when the client went away, else internalCode with status 500 and the
// request id (err logged as an error: its text may hold details the
// client should not see).
func AWSErrorOf(log *slog.Logger, api string, r *http.Request, op, reqID string, err error, internalCode string) *apierr.Error {
	e, ok := apierr.As(err)
	switch {
	case ok:
		log.Debug(api+" error", "op", op, "code", e.Code, "message", e.Message, "request_id", reqID)
	case errors.Is(err, context.Canceled) && errors.Is(context.Cause(r.Context()), ErrShuttingDown):
		e = &apierr.Error{Code: apierr.ServiceUnavailable, Status: http.StatusServiceUnavailable, Message: "the server is shutting down: try again"}
		log.Debug(api+" request cut short by the shutdown", "op", op, "request_id", reqID)
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		// The client went away; nobody reads the answer.
		e = &apierr.Error{Code: apierr.InternalServerError, Status: 499, Message: "request cancelled"}
		log.Debug(api+" request cancelled", "op", op, "request_id", reqID)
	default:
		log.Error(api+" internal error", "op", op, "err", err, "request_id", reqID)
		e = &apierr.Error{Code: internalCode, Status: http.StatusInternalServerError,
			Message: fmt.Sprintf("internal error (request id %s); the server log has the cause", reqID)}
	}
	return e
}
