package asl

// This file transcribes the specification's field tables: which fields each
// object may have. Any other field is an error, as in Step Functions.

// stateTypes lists the types in the order AWS's message gives them.
var stateTypes = []string{"Task", "Wait", "Pass", "Succeed", "Fail", "Choice", "Parallel", "Map"}

var (
	topLevelFields  = fields([]string{"Comment", "StartAt", "States", "Version", "TimeoutSeconds", "QueryLanguage"})
	branchFields    = fields([]string{"Comment", "StartAt", "States"})
	processorFields = fields([]string{"Comment", "StartAt", "States", "ProcessorConfig"})
	processorConfig = fields([]string{"Mode", "ExecutionType"})
)

// Groups of fields, as in "Table of State Types and Fields".
var (
	commonFields     = []string{"Type", "Comment", "QueryLanguage"}
	ioPathFields     = []string{"InputPath", "OutputPath"}
	transitionFields = []string{"Next", "End"}
	errorFields      = []string{"Retry", "Catch"}
)

// jsonPathStateFields lists the fields of each state type in JSONPath.
var jsonPathStateFields = map[string]fieldSet{
	"Task": fields(commonFields, ioPathFields, transitionFields, errorFields,
		[]string{"Assign", "ResultPath", "Parameters", "ResultSelector",
			"Resource", "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath", "Credentials"}),
	"Parallel": fields(commonFields, ioPathFields, transitionFields, errorFields,
		[]string{"Assign", "ResultPath", "Parameters", "ResultSelector", "Branches"}),
	"Map": fields(commonFields, ioPathFields, transitionFields, errorFields,
		[]string{"Assign", "ResultPath", "Parameters", "ResultSelector",
			"ItemProcessor", "Iterator", "ItemsPath", "ItemSelector", "ItemReader", "ItemBatcher", "ResultWriter",
			"MaxConcurrency", "MaxConcurrencyPath", "ToleratedFailureCount", "ToleratedFailureCountPath",
			"ToleratedFailurePercentage", "ToleratedFailurePercentagePath", "Label"}),
	"Pass": fields(commonFields, ioPathFields, transitionFields,
		[]string{"Assign", "ResultPath", "Parameters", "Result"}),
	"Wait": fields(commonFields, ioPathFields, transitionFields,
		[]string{"Assign", "Seconds", "SecondsPath", "Timestamp", "TimestampPath"}),
	"Choice":  fields(commonFields, ioPathFields, []string{"Assign", "Choices", "Default"}),
	"Succeed": fields(commonFields, ioPathFields),
	"Fail":    fields(commonFields, []string{"Error", "ErrorPath", "Cause", "CausePath"}),
}

// jsonataStateFields lists the fields of each state type in JSONata.
var jsonataStateFields = map[string]fieldSet{
	"Task": fields(commonFields, transitionFields, errorFields,
		[]string{"Output", "Assign", "Arguments", "Resource", "TimeoutSeconds", "HeartbeatSeconds", "Credentials"}),
	"Parallel": fields(commonFields, transitionFields, errorFields,
		[]string{"Output", "Assign", "Arguments", "Branches"}),
	"Map": fields(commonFields, transitionFields, errorFields,
		[]string{"Output", "Assign", "ItemProcessor", "Iterator", "Items", "ItemSelector", "ItemReader", "ItemBatcher", "ResultWriter",
			"MaxConcurrency", "ToleratedFailureCount", "ToleratedFailurePercentage", "Label"}),
	"Pass":    fields(commonFields, transitionFields, []string{"Output", "Assign"}),
	"Wait":    fields(commonFields, transitionFields, []string{"Output", "Assign", "Seconds", "Timestamp"}),
	"Choice":  fields(commonFields, []string{"Output", "Assign", "Choices", "Default"}),
	"Succeed": fields(commonFields, []string{"Output"}),
	"Fail":    fields(commonFields, []string{"Error", "Cause"}),
}

var (
	retrierFields         = fields([]string{"ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds", "JitterStrategy", "Comment"})
	jsonPathCatcherFields = fields([]string{"ErrorEquals", "Next", "ResultPath", "Assign", "Comment"})
	jsonataCatcherFields  = fields([]string{"ErrorEquals", "Next", "Output", "Assign", "Comment"})
)

// comparisonKind is the type of operand a comparison operator takes.
type comparisonKind int

const (
	operandString comparisonKind = iota
	operandNumber
	operandBoolean
	operandTimestamp
	operandPath // the *Path operators
	operandTest // the Is* operators, which take true or false
)

// comparisonOperators maps each JSONPath comparison operator to its operand.
var comparisonOperators = map[string]comparisonKind{
	"StringEquals": operandString, "StringEqualsPath": operandPath,
	"StringLessThan": operandString, "StringLessThanPath": operandPath,
	"StringGreaterThan": operandString, "StringGreaterThanPath": operandPath,
	"StringLessThanEquals": operandString, "StringLessThanEqualsPath": operandPath,
	"StringGreaterThanEquals": operandString, "StringGreaterThanEqualsPath": operandPath,
	"StringMatches": operandString,
	"NumericEquals": operandNumber, "NumericEqualsPath": operandPath,
	"NumericLessThan": operandNumber, "NumericLessThanPath": operandPath,
	"NumericGreaterThan": operandNumber, "NumericGreaterThanPath": operandPath,
	"NumericLessThanEquals": operandNumber, "NumericLessThanEqualsPath": operandPath,
	"NumericGreaterThanEquals": operandNumber, "NumericGreaterThanEqualsPath": operandPath,
	"BooleanEquals": operandBoolean, "BooleanEqualsPath": operandPath,
	"TimestampEquals": operandTimestamp, "TimestampEqualsPath": operandPath,
	"TimestampLessThan": operandTimestamp, "TimestampLessThanPath": operandPath,
	"TimestampGreaterThan": operandTimestamp, "TimestampGreaterThanPath": operandPath,
	"TimestampLessThanEquals": operandTimestamp, "TimestampLessThanEqualsPath": operandPath,
	"TimestampGreaterThanEquals": operandTimestamp, "TimestampGreaterThanEqualsPath": operandPath,
	"IsNull": operandTest, "IsPresent": operandTest, "IsNumeric": operandTest,
	"IsString": operandTest, "IsBoolean": operandTest, "IsTimestamp": operandTest,
}

// choiceRuleFields lists the fields of a JSONPath Choice Rule; nested
// rules (inside And, Or, Not) may not have Next nor Assign, which the
// parser reports with a message of its own.
var choiceRuleFields = func() fieldSet {
	s := fields([]string{"Variable", "And", "Or", "Not", "Next", "Assign", "Comment"})
	for op := range comparisonOperators {
		s[op] = true
	}
	return s
}()

// jsonataChoiceRuleFields lists the fields of a JSONata Choice Rule.
var jsonataChoiceRuleFields = fields([]string{"Condition", "Next", "Assign", "Output", "Comment"})
