package service

import (
	"encoding/json"
	"time"
)

// The Input and Output types of every operation. Their JSON members are
// exactly those of the Step Functions API (AWS JSON 1.0), so that the
// sfnapi adapter decodes requests into them and encodes responses from them
// unchanged. Members AWS leaves out when empty are omitempty/omitzero.

// Tag is a key-value pair attached to a resource.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// LoggingConfiguration is accepted and stored as given; Baton logs through
// its own logger, not to CloudWatch.
type LoggingConfiguration struct {
	Level                string           `json:"level,omitempty"` // ALL, ERROR, FATAL, OFF
	IncludeExecutionData bool             `json:"includeExecutionData"`
	Destinations         []LogDestination `json:"destinations,omitempty"`
}

// LogDestination is a CloudWatch Logs log group (kept, not used).
type LogDestination struct {
	CloudWatchLogsLogGroup *CloudWatchLogsLogGroup `json:"cloudWatchLogsLogGroup,omitempty"`
}

// CloudWatchLogsLogGroup names a log group.
type CloudWatchLogsLogGroup struct {
	LogGroupArn string `json:"logGroupArn,omitempty"`
}

// TracingConfiguration is accepted and stored as given (X-Ray is not used).
type TracingConfiguration struct {
	Enabled bool `json:"enabled"`
}

// EncryptionConfiguration is accepted and ignored: Baton's data stays in
// its own store.
type EncryptionConfiguration struct {
	Type                         string `json:"type,omitempty"`
	KmsKeyID                     string `json:"kmsKeyId,omitempty"`
	KmsDataKeyReusePeriodSeconds *int   `json:"kmsDataKeyReusePeriodSeconds,omitempty"`
}

// RoutingConfigurationListItem is one route of an alias.
type RoutingConfigurationListItem struct {
	StateMachineVersionArn string `json:"stateMachineVersionArn"`
	Weight                 int    `json:"weight"`
}

// CloudWatchEventsExecutionDataDetails tells whether input or output was
// included.
type CloudWatchEventsExecutionDataDetails struct {
	Included bool `json:"included"`
}

// BillingDetails of an Express execution (Baton reports the duration).
type BillingDetails struct {
	BilledMemoryUsedInMB         int64 `json:"billedMemoryUsedInMB"`
	BilledDurationInMilliseconds int64 `json:"billedDurationInMilliseconds"`
}

// --- state machines ---

// CreateStateMachineInput is the request of CreateStateMachine.
type CreateStateMachineInput struct {
	Name                    string                   `json:"name"`
	Definition              string                   `json:"definition"`
	RoleArn                 string                   `json:"roleArn"`
	Type                    string                   `json:"type,omitempty"`
	LoggingConfiguration    *LoggingConfiguration    `json:"loggingConfiguration,omitempty"`
	TracingConfiguration    *TracingConfiguration    `json:"tracingConfiguration,omitempty"`
	EncryptionConfiguration *EncryptionConfiguration `json:"encryptionConfiguration,omitempty"`
	Tags                    []Tag                    `json:"tags,omitempty"`
	Publish                 bool                     `json:"publish,omitempty"`
	VersionDescription      string                   `json:"versionDescription,omitempty"`
	// Namespace creates it in that namespace ("": default). The native
	// API's.
	Namespace string `json:"-"`
}

// CreateStateMachineOutput is the response of CreateStateMachine.
type CreateStateMachineOutput struct {
	StateMachineArn        string `json:"stateMachineArn"`
	CreationDate           Time   `json:"creationDate"`
	StateMachineVersionArn string `json:"stateMachineVersionArn,omitempty"`
}

// UpdateStateMachineInput is the request of UpdateStateMachine.
type UpdateStateMachineInput struct {
	StateMachineArn         string                   `json:"stateMachineArn"`
	Definition              string                   `json:"definition,omitempty"`
	RoleArn                 string                   `json:"roleArn,omitempty"`
	LoggingConfiguration    *LoggingConfiguration    `json:"loggingConfiguration,omitempty"`
	TracingConfiguration    *TracingConfiguration    `json:"tracingConfiguration,omitempty"`
	EncryptionConfiguration *EncryptionConfiguration `json:"encryptionConfiguration,omitempty"`
	Publish                 bool                     `json:"publish,omitempty"`
	VersionDescription      string                   `json:"versionDescription,omitempty"`
}

// UpdateStateMachineOutput is the response of UpdateStateMachine.
type UpdateStateMachineOutput struct {
	UpdateDate             Time   `json:"updateDate"`
	RevisionID             string `json:"revisionId,omitempty"`
	StateMachineVersionArn string `json:"stateMachineVersionArn,omitempty"`
}

// DeleteStateMachineInput is the request of DeleteStateMachine.
type DeleteStateMachineInput struct {
	StateMachineArn string `json:"stateMachineArn"`
}

// DeleteStateMachineOutput is the (empty) response of DeleteStateMachine.
type DeleteStateMachineOutput struct{}

// DescribeStateMachineInput is the request of DescribeStateMachine. The ARN
// may be unqualified, a version ARN or an alias ARN.
type DescribeStateMachineInput struct {
	StateMachineArn string `json:"stateMachineArn"`
	IncludedData    string `json:"includedData,omitempty"` // ALL_DATA, METADATA_ONLY
}

// DescribeStateMachineOutput is the response of DescribeStateMachine.
type DescribeStateMachineOutput struct {
	StateMachineArn         string                   `json:"stateMachineArn"`
	Name                    string                   `json:"name"`
	Status                  string                   `json:"status,omitempty"`
	Definition              string                   `json:"definition"`
	RoleArn                 string                   `json:"roleArn"`
	Type                    string                   `json:"type"`
	CreationDate            Time                     `json:"creationDate"`
	LoggingConfiguration    *LoggingConfiguration    `json:"loggingConfiguration,omitempty"`
	TracingConfiguration    *TracingConfiguration    `json:"tracingConfiguration,omitempty"`
	EncryptionConfiguration *EncryptionConfiguration `json:"encryptionConfiguration,omitempty"`
	Label                   string                   `json:"label,omitempty"`
	RevisionID              string                   `json:"revisionId,omitempty"`
	Description             string                   `json:"description,omitempty"`
	VariableReferences      map[string][]string      `json:"variableReferences,omitempty"`
}

// ListStateMachinesInput is the request of ListStateMachines.
type ListStateMachinesInput struct {
	MaxResults int    `json:"maxResults,omitempty"`
	NextToken  string `json:"nextToken,omitempty"`
	// Namespace lists that namespace's ("": default). The native API's.
	Namespace string `json:"-"`
}

// StateMachineListItem is one state machine of ListStateMachines.
type StateMachineListItem struct {
	StateMachineArn string `json:"stateMachineArn"`
	Name            string `json:"name"`
	Type            string `json:"type"`
	CreationDate    Time   `json:"creationDate"`
}

// ListStateMachinesOutput is the response of ListStateMachines.
type ListStateMachinesOutput struct {
	StateMachines []StateMachineListItem `json:"stateMachines"`
	NextToken     string                 `json:"nextToken,omitempty"`
}

// DescribeStateMachineForExecutionInput is the request of
// DescribeStateMachineForExecution.
type DescribeStateMachineForExecutionInput struct {
	ExecutionArn string `json:"executionArn"`
	IncludedData string `json:"includedData,omitempty"`
}

// DescribeStateMachineForExecutionOutput describes the state machine as the
// execution runs it.
type DescribeStateMachineForExecutionOutput struct {
	StateMachineArn         string                   `json:"stateMachineArn"`
	Name                    string                   `json:"name"`
	Definition              string                   `json:"definition"`
	RoleArn                 string                   `json:"roleArn"`
	UpdateDate              Time                     `json:"updateDate"`
	LoggingConfiguration    *LoggingConfiguration    `json:"loggingConfiguration,omitempty"`
	TracingConfiguration    *TracingConfiguration    `json:"tracingConfiguration,omitempty"`
	EncryptionConfiguration *EncryptionConfiguration `json:"encryptionConfiguration,omitempty"`
	MapRunArn               string                   `json:"mapRunArn,omitempty"`
	Label                   string                   `json:"label,omitempty"`
	RevisionID              string                   `json:"revisionId,omitempty"`
	VariableReferences      map[string][]string      `json:"variableReferences,omitempty"`
}

// --- versions ---

// PublishStateMachineVersionInput is the request of PublishStateMachineVersion.
type PublishStateMachineVersionInput struct {
	StateMachineArn string `json:"stateMachineArn"`
	RevisionID      string `json:"revisionId,omitempty"`
	Description     string `json:"description,omitempty"`
}

// PublishStateMachineVersionOutput is the response of PublishStateMachineVersion.
type PublishStateMachineVersionOutput struct {
	CreationDate           Time   `json:"creationDate"`
	StateMachineVersionArn string `json:"stateMachineVersionArn"`
}

// ListStateMachineVersionsInput is the request of ListStateMachineVersions.
type ListStateMachineVersionsInput struct {
	StateMachineArn string `json:"stateMachineArn"`
	MaxResults      int    `json:"maxResults,omitempty"`
	NextToken       string `json:"nextToken,omitempty"`
}

// StateMachineVersionListItem is one version of ListStateMachineVersions.
type StateMachineVersionListItem struct {
	StateMachineVersionArn string `json:"stateMachineVersionArn"`
	CreationDate           Time   `json:"creationDate"`
}

// ListStateMachineVersionsOutput is the response of ListStateMachineVersions.
type ListStateMachineVersionsOutput struct {
	StateMachineVersions []StateMachineVersionListItem `json:"stateMachineVersions"`
	NextToken            string                        `json:"nextToken,omitempty"`
}

// DeleteStateMachineVersionInput is the request of DeleteStateMachineVersion.
type DeleteStateMachineVersionInput struct {
	StateMachineVersionArn string `json:"stateMachineVersionArn"`
}

// DeleteStateMachineVersionOutput is the (empty) response of
// DeleteStateMachineVersion.
type DeleteStateMachineVersionOutput struct{}

// --- aliases ---

// CreateStateMachineAliasInput is the request of CreateStateMachineAlias.
type CreateStateMachineAliasInput struct {
	Name                 string                         `json:"name"`
	Description          string                         `json:"description,omitempty"`
	RoutingConfiguration []RoutingConfigurationListItem `json:"routingConfiguration"`
}

// CreateStateMachineAliasOutput is the response of CreateStateMachineAlias.
type CreateStateMachineAliasOutput struct {
	StateMachineAliasArn string `json:"stateMachineAliasArn"`
	CreationDate         Time   `json:"creationDate"`
}

// UpdateStateMachineAliasInput is the request of UpdateStateMachineAlias;
// members left out keep their value.
type UpdateStateMachineAliasInput struct {
	StateMachineAliasArn string                         `json:"stateMachineAliasArn"`
	Description          *string                        `json:"description,omitempty"`
	RoutingConfiguration []RoutingConfigurationListItem `json:"routingConfiguration,omitempty"`
}

// UpdateStateMachineAliasOutput is the response of UpdateStateMachineAlias.
type UpdateStateMachineAliasOutput struct {
	UpdateDate Time `json:"updateDate"`
}

// DeleteStateMachineAliasInput is the request of DeleteStateMachineAlias.
type DeleteStateMachineAliasInput struct {
	StateMachineAliasArn string `json:"stateMachineAliasArn"`
}

// DeleteStateMachineAliasOutput is the (empty) response of
// DeleteStateMachineAlias.
type DeleteStateMachineAliasOutput struct{}

// DescribeStateMachineAliasInput is the request of DescribeStateMachineAlias.
type DescribeStateMachineAliasInput struct {
	StateMachineAliasArn string `json:"stateMachineAliasArn"`
}

// DescribeStateMachineAliasOutput is the response of DescribeStateMachineAlias.
type DescribeStateMachineAliasOutput struct {
	StateMachineAliasArn string                         `json:"stateMachineAliasArn"`
	Name                 string                         `json:"name"`
	Description          string                         `json:"description,omitempty"`
	RoutingConfiguration []RoutingConfigurationListItem `json:"routingConfiguration"`
	CreationDate         Time                           `json:"creationDate"`
	UpdateDate           Time                           `json:"updateDate,omitzero"`
}

// ListStateMachineAliasesInput is the request of ListStateMachineAliases.
type ListStateMachineAliasesInput struct {
	StateMachineArn string `json:"stateMachineArn"`
	MaxResults      int    `json:"maxResults,omitempty"`
	NextToken       string `json:"nextToken,omitempty"`
}

// StateMachineAliasListItem is one alias of ListStateMachineAliases.
type StateMachineAliasListItem struct {
	StateMachineAliasArn string `json:"stateMachineAliasArn"`
	CreationDate         Time   `json:"creationDate"`
}

// ListStateMachineAliasesOutput is the response of ListStateMachineAliases.
type ListStateMachineAliasesOutput struct {
	StateMachineAliases []StateMachineAliasListItem `json:"stateMachineAliases"`
	NextToken           string                      `json:"nextToken,omitempty"`
}

// --- executions ---

// StartExecutionInput is the request of StartExecution. StateMachineArn may
// be unqualified, a version ARN or an alias ARN.
type StartExecutionInput struct {
	StateMachineArn string `json:"stateMachineArn"`
	Name            string `json:"name,omitempty"`
	Input           string `json:"input,omitempty"`
	TraceHeader     string `json:"traceHeader,omitempty"`
	// LogicalDate is a pipeline run's $run.logical_date (a backfill's
	// day); zero: its start. The native API's, not Step Functions'.
	LogicalDate time.Time `json:"-"`
	// DataIntervalStart begins the data interval of a run given its
	// LogicalDate (a schedule's previous slot); zero: the interval is the
	// logical date alone.
	DataIntervalStart time.Time `json:"-"`
	// Trigger is what started the run ($run.trigger): set by the
	// server's triggers, never by a request.
	Trigger any `json:"-"`
}

// StartExecutionOutput is the response of StartExecution.
type StartExecutionOutput struct {
	ExecutionArn string `json:"executionArn"`
	StartDate    Time   `json:"startDate"`
}

// StartSyncExecutionInput is the request of StartSyncExecution.
type StartSyncExecutionInput struct {
	StateMachineArn string `json:"stateMachineArn"`
	Name            string `json:"name,omitempty"`
	Input           string `json:"input,omitempty"`
	TraceHeader     string `json:"traceHeader,omitempty"`
	IncludedData    string `json:"includedData,omitempty"`
}

// StartSyncExecutionOutput is the response of StartSyncExecution: the
// finished execution.
type StartSyncExecutionOutput struct {
	ExecutionArn    string                                `json:"executionArn"`
	StateMachineArn string                                `json:"stateMachineArn,omitempty"`
	Name            string                                `json:"name,omitempty"`
	StartDate       Time                                  `json:"startDate"`
	StopDate        Time                                  `json:"stopDate"`
	Status          string                                `json:"status"`
	Error           string                                `json:"error,omitempty"`
	Cause           string                                `json:"cause,omitempty"`
	Input           string                                `json:"input,omitempty"`
	InputDetails    *CloudWatchEventsExecutionDataDetails `json:"inputDetails,omitempty"`
	Output          string                                `json:"output,omitempty"`
	OutputDetails   *CloudWatchEventsExecutionDataDetails `json:"outputDetails,omitempty"`
	TraceHeader     string                                `json:"traceHeader,omitempty"`
	BillingDetails  *BillingDetails                       `json:"billingDetails,omitempty"`
}

// StopExecutionInput is the request of StopExecution.
type StopExecutionInput struct {
	ExecutionArn string `json:"executionArn"`
	Error        string `json:"error,omitempty"`
	Cause        string `json:"cause,omitempty"`
}

// StopExecutionOutput is the response of StopExecution.
type StopExecutionOutput struct {
	StopDate Time `json:"stopDate"`
}

// DescribeExecutionInput is the request of DescribeExecution.
type DescribeExecutionInput struct {
	ExecutionArn string `json:"executionArn"`
	IncludedData string `json:"includedData,omitempty"`
}

// DescribeExecutionOutput is the response of DescribeExecution.
type DescribeExecutionOutput struct {
	// ID is the store's id of the execution (not its ARN): the native
	// API's, not Step Functions'.
	ID                     int64                                 `json:"-"`
	ExecutionArn           string                                `json:"executionArn"`
	StateMachineArn        string                                `json:"stateMachineArn"`
	Name                   string                                `json:"name,omitempty"`
	Status                 string                                `json:"status"`
	StartDate              Time                                  `json:"startDate"`
	StopDate               Time                                  `json:"stopDate,omitzero"`
	Input                  string                                `json:"input,omitempty"`
	InputDetails           *CloudWatchEventsExecutionDataDetails `json:"inputDetails,omitempty"`
	Output                 string                                `json:"output,omitempty"`
	OutputDetails          *CloudWatchEventsExecutionDataDetails `json:"outputDetails,omitempty"`
	TraceHeader            string                                `json:"traceHeader,omitempty"`
	MapRunArn              string                                `json:"mapRunArn,omitempty"`
	Error                  string                                `json:"error,omitempty"`
	Cause                  string                                `json:"cause,omitempty"`
	StateMachineVersionArn string                                `json:"stateMachineVersionArn,omitempty"`
	StateMachineAliasArn   string                                `json:"stateMachineAliasArn,omitempty"`
	RedriveCount           *int                                  `json:"redriveCount,omitempty"`
	RedriveDate            Time                                  `json:"redriveDate,omitzero"`
	RedriveStatus          string                                `json:"redriveStatus,omitempty"`
	RedriveStatusReason    string                                `json:"redriveStatusReason,omitempty"`
}

// ListExecutionsInput is the request of ListExecutions.
type ListExecutionsInput struct {
	StateMachineArn string `json:"stateMachineArn,omitempty"`
	StatusFilter    string `json:"statusFilter,omitempty"`
	MaxResults      int    `json:"maxResults,omitempty"`
	NextToken       string `json:"nextToken,omitempty"`
	MapRunArn       string `json:"mapRunArn,omitempty"`
	RedriveFilter   string `json:"redriveFilter,omitempty"` // REDRIVEN, NOT_REDRIVEN
}

// ExecutionListItem is one execution of ListExecutions.
type ExecutionListItem struct {
	ExecutionArn           string `json:"executionArn"`
	StateMachineArn        string `json:"stateMachineArn"`
	Name                   string `json:"name"`
	Status                 string `json:"status"`
	StartDate              Time   `json:"startDate"`
	StopDate               Time   `json:"stopDate,omitzero"`
	MapRunArn              string `json:"mapRunArn,omitempty"`
	ItemCount              *int   `json:"itemCount,omitempty"`
	StateMachineVersionArn string `json:"stateMachineVersionArn,omitempty"`
	StateMachineAliasArn   string `json:"stateMachineAliasArn,omitempty"`
	RedriveCount           *int   `json:"redriveCount,omitempty"`
	RedriveDate            Time   `json:"redriveDate,omitzero"`
}

// ListExecutionsOutput is the response of ListExecutions.
type ListExecutionsOutput struct {
	Executions []ExecutionListItem `json:"executions"`
	NextToken  string              `json:"nextToken,omitempty"`
}

// GetExecutionHistoryInput is the request of GetExecutionHistory.
// IncludeExecutionData defaults to true.
type GetExecutionHistoryInput struct {
	ExecutionArn         string `json:"executionArn"`
	MaxResults           int    `json:"maxResults,omitempty"`
	ReverseOrder         bool   `json:"reverseOrder,omitempty"`
	NextToken            string `json:"nextToken,omitempty"`
	IncludeExecutionData *bool  `json:"includeExecutionData,omitempty"`
}

// GetExecutionHistoryOutput is the response of GetExecutionHistory. Each
// event is the JSON object of a Step Functions HistoryEvent, its timestamp
// in epoch seconds.
type GetExecutionHistoryOutput struct {
	Events    []json.RawMessage `json:"events"`
	NextToken string            `json:"nextToken,omitempty"`
}

// RedriveExecutionInput is the request of RedriveExecution.
type RedriveExecutionInput struct {
	ExecutionArn string `json:"executionArn"`
	ClientToken  string `json:"clientToken,omitempty"`
}

// RedriveExecutionOutput is the response of RedriveExecution.
type RedriveExecutionOutput struct {
	RedriveDate Time `json:"redriveDate"`
}

// --- activities and tasks ---

// CreateActivityInput is the request of CreateActivity.
type CreateActivityInput struct {
	Name                    string                   `json:"name"`
	Tags                    []Tag                    `json:"tags,omitempty"`
	EncryptionConfiguration *EncryptionConfiguration `json:"encryptionConfiguration,omitempty"`
	// Namespace creates it in that namespace ("": default). The native
	// API's.
	Namespace string `json:"-"`
}

// CreateActivityOutput is the response of CreateActivity.
type CreateActivityOutput struct {
	ActivityArn  string `json:"activityArn"`
	CreationDate Time   `json:"creationDate"`
}

// DescribeActivityInput is the request of DescribeActivity.
type DescribeActivityInput struct {
	ActivityArn string `json:"activityArn"`
}

// DescribeActivityOutput is the response of DescribeActivity.
type DescribeActivityOutput struct {
	ActivityArn             string                   `json:"activityArn"`
	Name                    string                   `json:"name"`
	CreationDate            Time                     `json:"creationDate"`
	EncryptionConfiguration *EncryptionConfiguration `json:"encryptionConfiguration,omitempty"`
}

// ListActivitiesInput is the request of ListActivities.
type ListActivitiesInput struct {
	MaxResults int    `json:"maxResults,omitempty"`
	NextToken  string `json:"nextToken,omitempty"`
	// Namespace lists that namespace's ("": default). The native API's.
	Namespace string `json:"-"`
}

// ActivityListItem is one activity of ListActivities.
type ActivityListItem struct {
	ActivityArn  string `json:"activityArn"`
	Name         string `json:"name"`
	CreationDate Time   `json:"creationDate"`
}

// ListActivitiesOutput is the response of ListActivities.
type ListActivitiesOutput struct {
	Activities []ActivityListItem `json:"activities"`
	NextToken  string             `json:"nextToken,omitempty"`
}

// DeleteActivityInput is the request of DeleteActivity.
type DeleteActivityInput struct {
	ActivityArn string `json:"activityArn"`
}

// DeleteActivityOutput is the (empty) response of DeleteActivity.
type DeleteActivityOutput struct{}

// GetActivityTaskInput is the request of GetActivityTask.
type GetActivityTaskInput struct {
	ActivityArn string `json:"activityArn"`
	WorkerName  string `json:"workerName,omitempty"`
}

// GetActivityTaskOutput is the response of GetActivityTask; both members are
// empty when no task came within the poll's time.
type GetActivityTaskOutput struct {
	TaskToken string `json:"taskToken,omitempty"`
	Input     string `json:"input,omitempty"`
}

// SendTaskSuccessInput is the request of SendTaskSuccess.
type SendTaskSuccessInput struct {
	TaskToken string `json:"taskToken"`
	Output    string `json:"output"`
}

// SendTaskSuccessOutput is the (empty) response of SendTaskSuccess.
type SendTaskSuccessOutput struct{}

// SendTaskFailureInput is the request of SendTaskFailure.
type SendTaskFailureInput struct {
	TaskToken string `json:"taskToken"`
	Error     string `json:"error,omitempty"`
	Cause     string `json:"cause,omitempty"`
}

// SendTaskFailureOutput is the (empty) response of SendTaskFailure.
type SendTaskFailureOutput struct{}

// SendTaskHeartbeatInput is the request of SendTaskHeartbeat.
type SendTaskHeartbeatInput struct {
	TaskToken string `json:"taskToken"`
}

// SendTaskHeartbeatOutput is the (empty) response of SendTaskHeartbeat.
type SendTaskHeartbeatOutput struct{}

// --- validation ---

// ValidateStateMachineDefinitionInput is the request of
// ValidateStateMachineDefinition.
type ValidateStateMachineDefinitionInput struct {
	Definition string `json:"definition"`
	Type       string `json:"type,omitempty"`
	Severity   string `json:"severity,omitempty"` // ERROR (default) or WARNING: the lowest severity reported
	MaxResults int    `json:"maxResults,omitempty"`
}

// ValidateStateMachineDefinitionDiagnostic is one problem of a definition.
type ValidateStateMachineDefinitionDiagnostic struct {
	Severity string `json:"severity"` // ERROR or WARNING
	Code     string `json:"code"`
	Message  string `json:"message"`
	Location string `json:"location,omitempty"` // JSON pointer, e.g. /States/Foo/Next
}

// ValidateStateMachineDefinitionOutput is the response of
// ValidateStateMachineDefinition.
type ValidateStateMachineDefinitionOutput struct {
	Result      string                                     `json:"result"` // OK or FAIL
	Diagnostics []ValidateStateMachineDefinitionDiagnostic `json:"diagnostics"`
	Truncated   bool                                       `json:"truncated"`
}

// --- tags ---

// TagResourceInput is the request of TagResource.
type TagResourceInput struct {
	ResourceArn string `json:"resourceArn"`
	Tags        []Tag  `json:"tags"`
}

// TagResourceOutput is the (empty) response of TagResource.
type TagResourceOutput struct{}

// UntagResourceInput is the request of UntagResource.
type UntagResourceInput struct {
	ResourceArn string   `json:"resourceArn"`
	TagKeys     []string `json:"tagKeys"`
}

// UntagResourceOutput is the (empty) response of UntagResource.
type UntagResourceOutput struct{}

// ListTagsForResourceInput is the request of ListTagsForResource.
type ListTagsForResourceInput struct {
	ResourceArn string `json:"resourceArn"`
}

// ListTagsForResourceOutput is the response of ListTagsForResource.
type ListTagsForResourceOutput struct {
	Tags []Tag `json:"tags"`
}
