package tasks

import (
	"context"
	"io"
	"time"
)

// Request is one attempt of one Task state.
type Request struct {
	Resource  string        // the Task's Resource ARN or URI
	Input     any           // the effective input (after InputPath and Parameters); never mutated
	StateName string        // the Task state's name
	Attempt   int           // 0 for the first attempt of this state entry, 1 for the first retry...
	TaskToken string        // set for .waitForTaskToken resources
	Timeout   time.Duration // 0: none; when it passes the executor stops the work and fails with States.Timeout
	Heartbeat time.Duration // informational here
	// Dir is the working directory of a pipeline step: the files of the
	// project version its run started with. Relative to Options.WorkDir;
	// "" for Options.WorkDir (or Baton's own directory).
	Dir string

	ExecutionName, StateMachineName string
	// ExecutionArn is the task's execution ("" under baton run): its
	// namespace decides which connections it may use.
	ExecutionArn string

	// Logs, when set, receives what the task's command writes on stdout
	// and stderr as it writes it (the task log), besides what the executor
	// does with it (stdout is a baton:shell task's result; a failure's
	// cause keeps the tail of stderr).
	Logs LogSink
}

// Streams of LogSink.WriteLog.
const (
	StreamStdout = "stdout"
	StreamStderr = "stderr"
)

// LogSink receives the output of a task's command. WriteLog is called from
// one goroutine per stream and must not keep p; it may block to bound the
// memory held (the command then waits on its pipe).
type LogSink interface {
	WriteLog(stream string, p []byte)
}

// LogWriter is the log of one task attempt; Close stores what it holds
// and is called once the attempt ended.
type LogWriter interface {
	LogSink
	Close()
}

// LogSinks opens the logs of task attempts: attempt is 1 for a task's first
// run, 2 for its first retry...
type LogSinks interface {
	OpenLog(executionArn, taskID, stateName string, attempt int) LogWriter
}

// streamWriter is the io.Writer of one stream of a LogSink.
type streamWriter struct {
	sink   LogSink
	stream string
}

func (w streamWriter) Write(p []byte) (int, error) {
	w.sink.WriteLog(w.stream, p)
	return len(p), nil
}

// tee writes to w and, when sink is set, to its stream.
func tee(w io.Writer, sink LogSink, stream string) io.Writer {
	if sink == nil {
		return w
	}
	return io.MultiWriter(w, streamWriter{sink, stream})
}

// Failure is a failed task: Name is the ASL error name that Retry and Catch
// match (e.g. "States.Timeout", "Shell.ExitError") and Cause a human text.
type Failure struct {
	Name  string
	Cause string
}

// Error returns "Name: Cause".
func (f *Failure) Error() string {
	if f.Cause == "" {
		return f.Name
	}
	return f.Name + ": " + f.Cause
}

// Executor runs a task and returns its result (a JSON value) or an error.
// The error is a *Failure when the task failed; any other error means the
// work was interrupted (the context ended) or could not be dispatched (a
// *NoExecutorError), and is not the task's own failure.
type Executor interface {
	Run(ctx context.Context, req Request) (any, error)
}

// ExecutorFunc adapts a function to the Executor interface.
type ExecutorFunc func(ctx context.Context, req Request) (any, error)

// Run calls f.
func (f ExecutorFunc) Run(ctx context.Context, req Request) (any, error) { return f(ctx, req) }

// Error names raised by the executors of this package, for Retry and Catch.
const (
	ErrorTimeout           = "States.Timeout"           // the task outlived its TimeoutSeconds
	ErrorRuntime           = "States.Runtime"           // a configuration error, e.g. a mock without a response for this call
	ErrorDataLimitExceeded = "States.DataLimitExceeded" // the result is larger than MaxResultBytes

	ErrorShellExit         = "Shell.ExitError"       // the command exited non-zero or was killed by a signal
	ErrorShellNotFound     = "Shell.CommandNotFound" // the executable does not exist
	ErrorShellStart        = "Shell.StartError"      // the command could not be started for another reason
	ErrorShellInvalidInput = "Shell.InvalidInput"    // the baton:shell input has the wrong shape

	ErrorHTTPClient       = "Http.ClientError"    // the server answered 4xx
	ErrorHTTPServer       = "Http.ServerError"    // the server answered 5xx
	ErrorHTTPTransport    = "Http.TransportError" // no answer: DNS, connection, TLS, protocol errors
	ErrorHTTPInvalidInput = "Http.InvalidInput"   // the baton:http input has the wrong shape

	ErrorLambdaUnknown = "Lambda.Unknown" // a command mapped to a Lambda function failed without naming an error
)

// MaxResultBytes bounds a task's result (a command's stdout, an HTTP
// response body), the payload quota of Step Functions (256 KiB). Larger
// results fail the task with States.DataLimitExceeded instead of swelling the
// execution's history.
const MaxResultBytes = 256 << 10
