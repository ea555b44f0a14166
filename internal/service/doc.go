// Package service is Baton's API surface: one method per Step Functions
// operation (CreateStateMachine, StartExecution, GetExecutionHistory, ...),
// with Input and Output types whose JSON members are exactly those of the
// Step Functions API. Both HTTP adapters (the AWS JSON 1.0 adapter in
// internal/server/sfnapi and the native REST API) are thin layers over it.
//
// The service validates requests as Step Functions does, reads and writes
// the catalog (state machines, versions, aliases, activities, tags) through
// store.Store, and hands everything that runs to an Engine. Errors that
// cross it are *apierr.Error values carrying AWS's exception names.
package service
