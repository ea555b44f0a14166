package asl

// Standard error names of the States Language (Appendix A) and of AWS.
const (
	ErrAll                             = "States.ALL"
	ErrDataLimitExceeded               = "States.DataLimitExceeded"
	ErrRuntime                         = "States.Runtime"
	ErrHeartbeatTimeout                = "States.HeartbeatTimeout"
	ErrTimeout                         = "States.Timeout"
	ErrTaskFailed                      = "States.TaskFailed"
	ErrPermissions                     = "States.Permissions"
	ErrResultPathMatchFailure          = "States.ResultPathMatchFailure"
	ErrParameterPathFailure            = "States.ParameterPathFailure"
	ErrQueryEvaluationError            = "States.QueryEvaluationError"
	ErrBranchFailed                    = "States.BranchFailed"
	ErrNoChoiceMatched                 = "States.NoChoiceMatched"
	ErrIntrinsicFailure                = "States.IntrinsicFailure"
	ErrExceedToleratedFailureThreshold = "States.ExceedToleratedFailureThreshold"
	ErrItemReaderFailed                = "States.ItemReaderFailed"
	ErrResultWriterFailed              = "States.ResultWriterFailed"
)

// Failure is an error raised while running a state: an error name and a
// human-readable cause.
type Failure struct {
	Error string
	Cause string
}

// terminal reports whether no Retry or Catch may handle the error: AWS fails
// the execution on States.Runtime and States.DataLimitExceeded whatever the
// state's handlers say.
func (f *Failure) terminal() bool {
	return f.Error == ErrRuntime || f.Error == ErrDataLimitExceeded
}

// matches reports whether an ErrorEquals list covers the error name.
// States.ALL matches every name; States.TaskFailed matches every name but
// States.Timeout (AWS's documented behaviour).
func matches(errorEquals []string, name string) bool {
	for _, e := range errorEquals {
		switch e {
		case name, ErrAll:
			return true
		case ErrTimeout:
			if name == ErrHeartbeatTimeout {
				return true // the spec's States.Timeout covers a missed heartbeat too
			}
		case ErrTaskFailed:
			if name != ErrTimeout {
				return true
			}
		}
	}
	return false
}
