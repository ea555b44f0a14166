package service

import (
	"context"

	"github.com/batonhq/baton/internal/engine"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/workflow"
)

// Engine runs executions. internal/engine implements it.
type Engine interface {
	// Start starts an execution. Standard executions are durable when it
	// returns. With the same name and input as an existing RUNNING execution
	// of the same state machine it returns that execution; otherwise an
	// existing name is an apierr ExecutionAlreadyExists.
	Start(ctx context.Context, req StartRequest) (*store.Execution, error)
	// StartSync runs an Express execution to its end and returns it.
	StartSync(ctx context.Context, req StartRequest) (*store.Execution, error)
	// Stop aborts a RUNNING execution (apierr ExecutionDoesNotExist if unknown;
	// stopping a finished execution returns it unchanged).
	Stop(ctx context.Context, executionArn, errName, cause string) (*store.Execution, error)
	// Redrive resumes a FAILED, TIMED_OUT or ABORTED Standard execution
	// (apierr ExecutionNotRedrivable otherwise).
	Redrive(ctx context.Context, executionArn string) (*store.Execution, error)
	SendTaskSuccess(ctx context.Context, token, output string) error
	SendTaskFailure(ctx context.Context, token, errName, cause string) error
	SendTaskHeartbeat(ctx context.Context, token string) error
	// TokenExecution is the ARN of the execution of a task token's open
	// task (apierr InvalidToken or TaskTimedOut when none).
	TokenExecution(ctx context.Context, token string) (string, error)
	// GetActivityTask waits until a task of the activity is available or
	// ctx ends (the caller bounds it to 60 s) and hands it to the worker;
	// it returns nil, nil when none came.
	GetActivityTask(ctx context.Context, activityArn, workerName string) (*store.Task, error)
	// RunTestTask runs the task of a state tested on its own (TestState)
	// on the executor of its resource, and returns its outcome.
	RunTestTask(ctx context.Context, t workflow.RunTask) engine.TaskOutcome
}

// StartRequest is a validated request to start an execution, as the engine
// takes it.
type StartRequest = engine.StartRequest

// TestStateInput is the request of TestState: a state (or a whole machine
// and the name of one of its states) run once on an input.
type TestStateInput struct {
	Definition         string                  `json:"definition"`
	RoleArn            string                  `json:"roleArn,omitempty"`
	Input              string                  `json:"input,omitempty"`
	InspectionLevel    string                  `json:"inspectionLevel,omitempty"` // INFO (default), DEBUG, TRACE
	RevealSecrets      bool                    `json:"revealSecrets,omitempty"`
	Variables          string                  `json:"variables,omitempty"` // JSON object
	StateName          string                  `json:"stateName,omitempty"`
	Context            string                  `json:"context,omitempty"` // JSON object: the context object ($$)
	Mock               *MockInput              `json:"mock,omitempty"`
	StateConfiguration *TestStateConfiguration `json:"stateConfiguration,omitempty"`
}

// MockInput replaces the result of the tested state's task with a given
// result or error.
type MockInput struct {
	Result              string           `json:"result,omitempty"` // JSON text
	ErrorOutput         *MockErrorOutput `json:"errorOutput,omitempty"`
	FieldValidationMode string           `json:"fieldValidationMode,omitempty"` // STRICT (default), PRESENT, NONE
}

// MockErrorOutput is a mocked task failure.
type MockErrorOutput struct {
	Error string `json:"error,omitempty"`
	Cause string `json:"cause,omitempty"`
}

// TestStateConfiguration sets the circumstances of the tested state: the
// retry count so far, the state that caused the error being handled, Map
// details.
type TestStateConfiguration struct {
	RetrierRetryCount        *int   `json:"retrierRetryCount,omitempty"`
	ErrorCausedByState       string `json:"errorCausedByState,omitempty"`
	MapIterationFailureCount *int   `json:"mapIterationFailureCount,omitempty"`
	MapItemReaderData        string `json:"mapItemReaderData,omitempty"`
}

// TestStateOutput is the result of TestState.
type TestStateOutput struct {
	Output         string          `json:"output,omitempty"`
	Error          string          `json:"error,omitempty"`
	Cause          string          `json:"cause,omitempty"`
	InspectionData *InspectionData `json:"inspectionData,omitempty"`
	NextState      string          `json:"nextState,omitempty"`
	Status         string          `json:"status,omitempty"` // SUCCEEDED, FAILED, RETRIABLE, CAUGHT_ERROR
}

// InspectionData shows the data of the tested state after each step of its
// input and output processing (DEBUG and TRACE inspection levels).
type InspectionData struct {
	Input                      string                  `json:"input,omitempty"`
	AfterArguments             string                  `json:"afterArguments,omitempty"`
	AfterInputPath             string                  `json:"afterInputPath,omitempty"`
	AfterParameters            string                  `json:"afterParameters,omitempty"`
	Result                     string                  `json:"result,omitempty"`
	AfterResultSelector        string                  `json:"afterResultSelector,omitempty"`
	AfterResultPath            string                  `json:"afterResultPath,omitempty"`
	AfterItemsPath             string                  `json:"afterItemsPath,omitempty"`
	AfterItemsPointer          string                  `json:"afterItemsPointer,omitempty"`
	AfterItemSelector          string                  `json:"afterItemSelector,omitempty"`
	AfterItemBatcher           string                  `json:"afterItemBatcher,omitempty"`
	MaxConcurrency             *int                    `json:"maxConcurrency,omitempty"`
	ToleratedFailureCount      *int                    `json:"toleratedFailureCount,omitempty"`
	ToleratedFailurePercentage *float64                `json:"toleratedFailurePercentage,omitempty"`
	Variables                  string                  `json:"variables,omitempty"`
	ErrorDetails               *InspectionErrorDetails `json:"errorDetails,omitempty"`
	Request                    *InspectionDataRequest  `json:"request,omitempty"`
	Response                   *InspectionDataResponse `json:"response,omitempty"`
}

// InspectionErrorDetails tells which Retry or Catch rule handled an error.
type InspectionErrorDetails struct {
	CatchIndex                  *int `json:"catchIndex,omitempty"`
	RetryIndex                  *int `json:"retryIndex,omitempty"`
	RetryBackoffIntervalSeconds *int `json:"retryBackoffIntervalSeconds,omitempty"`
}

// InspectionDataRequest is the raw HTTP request of an HTTP task (TRACE).
type InspectionDataRequest struct {
	Protocol string `json:"protocol,omitempty"`
	Method   string `json:"method,omitempty"`
	URL      string `json:"url,omitempty"`
	Headers  string `json:"headers,omitempty"`
	Body     string `json:"body,omitempty"`
}

// InspectionDataResponse is the raw HTTP response of an HTTP task (TRACE).
type InspectionDataResponse struct {
	Protocol      string `json:"protocol,omitempty"`
	StatusCode    string `json:"statusCode,omitempty"`
	StatusMessage string `json:"statusMessage,omitempty"`
	Headers       string `json:"headers,omitempty"`
	Body          string `json:"body,omitempty"`
}
