// Package apierr holds the errors that cross Baton's APIs: each has the
// exception name Step Functions uses (the "__type" of an AWS JSON 1.0 error
// and the "code" of a native API error), the HTTP status that goes with it,
// and a message for humans that says what to do next.
package apierr

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is an API error.
type Error struct {
	Code    string // e.g. "ExecutionDoesNotExist"
	Status  int    // HTTP status
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// statuses maps the exception names to HTTP statuses; names not listed are 400.
var statuses = map[string]int{
	"InternalServerError":         http.StatusInternalServerError,
	"ServiceUnavailable":          http.StatusServiceUnavailable,
	"ThrottlingException":         http.StatusBadRequest,
	"UnrecognizedClientException": http.StatusBadRequest,
	"UnknownOperationException":   http.StatusBadRequest,
	"SerializationException":      http.StatusBadRequest,
}

// New returns an Error with the status that goes with code.
func New(code, format string, args ...any) *Error {
	st, ok := statuses[code]
	if !ok {
		st = http.StatusBadRequest
	}
	return &Error{Code: code, Status: st, Message: fmt.Sprintf(format, args...)}
}

// Exception names used by Baton, as Step Functions spells them.
const (
	ActivityAlreadyExists        = "ActivityAlreadyExists"
	ActivityDoesNotExist         = "ActivityDoesNotExist"
	ActivityLimitExceeded        = "ActivityLimitExceeded"
	ConflictException            = "ConflictException"
	ExecutionAlreadyExists       = "ExecutionAlreadyExists"
	ExecutionDoesNotExist        = "ExecutionDoesNotExist"
	ExecutionLimitExceeded       = "ExecutionLimitExceeded"
	ExecutionNotRedrivable       = "ExecutionNotRedrivable"
	InvalidArn                   = "InvalidArn"
	InvalidDefinition            = "InvalidDefinition"
	InvalidExecutionInput        = "InvalidExecutionInput"
	InvalidName                  = "InvalidName"
	InvalidOutput                = "InvalidOutput"
	InvalidToken                 = "InvalidToken"
	MissingRequiredParameter     = "MissingRequiredParameter"
	ResourceNotFound             = "ResourceNotFound"
	ServiceQuotaExceeded         = "ServiceQuotaExceededException"
	StateMachineAlreadyExists    = "StateMachineAlreadyExists"
	StateMachineDeleting         = "StateMachineDeleting"
	StateMachineDoesNotExist     = "StateMachineDoesNotExist"
	StateMachineTypeNotSupported = "StateMachineTypeNotSupported"
	TaskDoesNotExist             = "TaskDoesNotExist"
	TaskTimedOut                 = "TaskTimedOut"
	TooManyTags                  = "TooManyTags"
	ValidationException          = "ValidationException"
	InternalServerError          = "InternalServerError"
	UnknownOperation             = "UnknownOperationException"
	Serialization                = "SerializationException"
	ServiceUnavailable           = "ServiceUnavailable"
)

// As returns err as an *Error when it is one (or wraps one).
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
