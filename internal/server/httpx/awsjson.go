package httpx

import (
	"encoding/json"
	"errors"
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
