package asl

import "github.com/batonhq/baton/workflow"

// The events, commands and history of the interpreter are those of the
// contract between Baton's engine and every workflow language (package
// workflow); these aliases keep the names asl's users know.
type (
	Event         = workflow.Event
	TaskSucceeded = workflow.TaskSucceeded
	TaskFailed    = workflow.TaskFailed
	TaskStarted   = workflow.TaskStarted
	TaskHeartbeat = workflow.TaskHeartbeat
	TimerFired    = workflow.TimerFired
	Stop          = workflow.Stop

	Command     = workflow.Command
	RunTask     = workflow.RunTask
	CancelTask  = workflow.CancelTask
	ArmTimer    = workflow.ArmTimer
	CancelTimer = workflow.CancelTimer

	Output       = workflow.Output
	HistoryEvent = workflow.HistoryEvent
	TaskDetails  = workflow.TaskDetails
)

// HistoryBatch is the batch size of Output.FlushHistory.
const HistoryBatch = workflow.HistoryBatch
