// Package store defines what Baton keeps durably: state machines with their
// versions and aliases, activities, tags, executions with their history,
// and the tasks and timers of running executions.
//
// Store is an interface made for several implementations (SQLite in
// store/sqlite, PostgreSQL later). Every implementation must pass the
// conformance suite in store/storetest.
//
// The engine writes an execution only through Commit: one call stores the
// transitions of many executions (group commit) in one transaction, each
// with its history events, its new snapshot and the tasks and timers it
// creates or retires. Either all of a Commit is stored or none of it.
package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Sentinel errors. Implementations wrap them (errors.Is works).
var (
	ErrNotFound = errors.New("not found")      // no row with that key
	ErrExists   = errors.New("already exists") // a row with that key exists
	ErrConflict = errors.New("conflict")       // the row changed meanwhile (e.g. a stale revision)

	// ErrUnavailable wraps a failure of the store itself that may pass:
	// the disk is full, an I/O error. The same call may succeed later.
	ErrUnavailable = errors.New("the store is unavailable")
	// ErrLocked wraps, with ErrUnavailable, a call that waited too long for
	// a lock another process holds on the database.
	ErrLocked = errors.New("the database is locked by another process")
	// ErrDamaged wraps a read or write that found the database damaged
	// (corrupt pages, not a database). It will not pass by itself: the
	// database must be restored from a backup.
	ErrDamaged = errors.New("database damaged")
)

// PartitionsLostError is the failure of a Commit that wrote executions of
// partitions (package partition) whose lease this node no longer holds:
// another node took them over. Nothing of the Commit was stored. The
// engine stops running those partitions and stores the rest of its batch.
type PartitionsLostError struct {
	Parts []int // the partitions lost, in order
}

func (e *PartitionsLostError) Error() string {
	return fmt.Sprintf("this node no longer owns partitions %v: another node runs their executions now", e.Parts)
}

// Health is implemented by stores that can tell whether they can serve:
// Health returns nil when they can, else why not (an error wrapping
// ErrUnavailable or ErrDamaged). The server's /readyz asks it.
type Health interface {
	Health(ctx context.Context) error
}

// Store is the durable state of a Baton server.
type Store interface {
	// State machines. The ARN is the key; names are unique (the ARN holds
	// the name). ListStateMachines returns them sorted by name.
	CreateStateMachine(ctx context.Context, sm *StateMachine) error // ErrExists
	UpdateStateMachine(ctx context.Context, sm *StateMachine) error // ErrNotFound; replaces every field
	GetStateMachine(ctx context.Context, arn string) (*StateMachine, error)
	ListStateMachines(ctx context.Context, page Page) ([]*StateMachine, string, error)
	// DeleteStateMachine removes the state machine, its versions, aliases
	// and tags. Executions stay (they are still described and listed).
	DeleteStateMachine(ctx context.Context, arn string) error

	// Versions: immutable snapshots of a state machine, numbered 1, 2, ...
	// per state machine (CreateVersion assigns Version.Number and returns
	// it; numbers are never reused, even after a delete).
	CreateVersion(ctx context.Context, v *Version) error
	GetVersion(ctx context.Context, arn string) (*Version, error)
	// ListVersions returns the versions of a state machine, newest first.
	ListVersions(ctx context.Context, stateMachineArn string, page Page) ([]*Version, string, error)
	DeleteVersion(ctx context.Context, arn string) error

	// Aliases route executions to one or two versions.
	CreateAlias(ctx context.Context, a *Alias) error // ErrExists
	UpdateAlias(ctx context.Context, a *Alias) error // ErrNotFound
	GetAlias(ctx context.Context, arn string) (*Alias, error)
	ListAliases(ctx context.Context, stateMachineArn string, page Page) ([]*Alias, string, error) // sorted by name
	DeleteAlias(ctx context.Context, arn string) error

	// Activities.
	CreateActivity(ctx context.Context, a *Activity) error // ErrExists
	GetActivity(ctx context.Context, arn string) (*Activity, error)
	ListActivities(ctx context.Context, page Page) ([]*Activity, string, error) // sorted by name
	DeleteActivity(ctx context.Context, arn string) error

	// Tags of any resource, by ARN. TagResource adds or overwrites keys.
	TagResource(ctx context.Context, arn string, tags map[string]string) error
	UntagResource(ctx context.Context, arn string, keys []string) error
	ListTags(ctx context.Context, arn string) (map[string]string, error) // empty map when none

	// Commit stores the transitions of one or more executions in one
	// transaction: all or nothing. Transitions of the same execution are
	// applied in slice order. It fails with ErrExists when a transition
	// with New set names an execution that exists, and with ErrNotFound
	// when one without New names an execution that does not.
	Commit(ctx context.Context, batch []*Transition) error

	// GetExecution returns an execution with its snapshot.
	GetExecution(ctx context.Context, arn string) (*Execution, error)
	// ListExecutions returns executions without their snapshots, newest
	// start first (ties broken by ARN).
	ListExecutions(ctx context.Context, f ExecutionFilter, page Page) ([]*Execution, string, error)
	// History returns up to page.Limit events of an execution, in id order
	// (reverse order when reverse is set), starting after the position
	// encoded in page.Token.
	History(ctx context.Context, executionArn string, reverse bool, page Page) ([]Event, string, error)

	// OpenTasks returns every task of every RUNNING execution (recovery).
	OpenTasks(ctx context.Context) ([]*Task, error)
	// GetTask returns one task by token (ErrNotFound when it is done).
	GetTask(ctx context.Context, token string) (*Task, error)
	// Timers calls fn for every armed timer (recovery), in no particular
	// order; it stops at fn's first error and returns it.
	Timers(ctx context.Context, fn func(Timer) error) error

	// DeleteExecution removes an execution that is not RUNNING (ErrConflict
	// if it is; ErrNotFound if there is none) with everything kept of it:
	// its history, tasks, timers and task logs.
	DeleteExecution(ctx context.Context, arn string) error
	// DeleteClosedExecutions deletes up to limit executions whose ARN
	// starts with arnPrefix (a namespace's "arn:aws:states:REGION:ACCOUNT:"),
	// whose status is closed (SUCCEEDED, FAILED, TIMED_OUT, ABORTED) and
	// whose StopDate is before before, as DeleteExecution does, and returns
	// how many it deleted. Retention calls it in small batches, each its own
	// short transaction, so that the engine's commits are never held up for
	// long; fewer than limit means there are no more.
	DeleteClosedExecutions(ctx context.Context, arnPrefix string, before time.Time, limit int) (int, error)

	// AppendLogs stores chunks of what the commands of tasks wrote, each
	// after the chunks of its attempt stored before. An attempt keeps at
	// most maxBytes (<= 0: DefaultMaxLogBytes) of output: past it, the
	// oldest bytes are cut and a reader finds a marker line where they were
	// (see LogChunk.Cut). Logs are kept by execution ARN, so that an
	// execution not stored yet (Express) can have them; they go with
	// DeleteExecution.
	AppendLogs(ctx context.Context, maxBytes int64, chunks []*LogChunk) error
	// ReadLogs returns the chunks of an execution's task logs that q
	// selects, in the order they were appended.
	ReadLogs(ctx context.Context, executionArn string, q LogQuery) ([]*LogChunk, error)

	// PutBundle stores a project bundle (the encoded bytes of a deployed
	// pipeline project) under its content digest, once: putting a digest
	// already stored changes nothing and returns created false. The store
	// does not look inside Data nor check the digest; the service does.
	// Bundles are never deleted yet: a later garbage collection will drop
	// those no version refers to, older than some age (hence Created).
	PutBundle(ctx context.Context, b *Bundle) (created bool, err error)
	// GetBundle returns a bundle with its data (ErrNotFound when missing).
	GetBundle(ctx context.Context, digest string) (*Bundle, error)

	// Namespaces: names and account ids are each unique (ErrExists).
	// ListNamespaces returns them sorted by name; they are few.
	CreateNamespace(ctx context.Context, n *Namespace) error
	GetNamespace(ctx context.Context, name string) (*Namespace, error) // ErrNotFound
	ListNamespaces(ctx context.Context) ([]*Namespace, error)
	// SetNamespaceRetention sets a namespace's ExecutionRetention
	// (ErrNotFound when there is no such namespace).
	SetNamespaceRetention(ctx context.Context, name string, retention time.Duration) error

	// The event bus's outbox. Events are appended by Commit (a
	// transition's Outbox, in its transaction) and by AppendEvents (custom
	// events); each gets the next Seq, which grows in commit order within
	// a partition. Consumers read a partition after their cursor and store
	// their progress with CommitConsumer, so that what they decided
	// (state, intents) and how far they read are stored together.
	AppendEvents(ctx context.Context, evs []*OutboxEvent) error
	// ReadOutbox returns up to limit events of a partition (every
	// partition when partition < 0) with Seq > after, in Seq order.
	ReadOutbox(ctx context.Context, partition int, after int64, limit int) ([]*OutboxEvent, error)
	// LastOutboxSeq returns the highest Seq stored (0 for none).
	LastOutboxSeq(ctx context.Context) (int64, error)
	// Cursors returns a consumer's cursors by partition (none: empty map).
	Cursors(ctx context.Context, consumer string) (map[int]int64, error)
	// ConsumerState calls fn for each state entry of a consumer, by key.
	ConsumerState(ctx context.Context, consumer string, fn func(key string, value []byte) error) error
	// CommitConsumer stores a consumer's cursors, state changes, new
	// intents, done intents and events in one transaction: all or nothing. A new
	// intent whose (consumer, id) is stored already is left as it is.
	CommitConsumer(ctx context.Context, c *ConsumerCommit) error
	// Intents returns a consumer's intents not yet done, oldest first.
	Intents(ctx context.Context, consumer string) ([]*Intent, error)
	// TrimOutbox deletes events older than before that every consumer
	// with a cursor has read, and returns how many it deleted.
	TrimOutbox(ctx context.Context, before time.Time) (int64, error)

	EventRules
	Credentials
	Grants
	AuditLog

	// SetNotificationSettings stores the notification settings of a state
	// machine (the service's own encoding; nil removes them). ErrNotFound
	// when the state machine does not exist. DeleteStateMachine removes
	// them with it.
	SetNotificationSettings(ctx context.Context, stateMachineArn string, body []byte) error
	// NotificationSettings returns them; nil when it has none.
	NotificationSettings(ctx context.Context, stateMachineArn string) ([]byte, error)

	Close() error
}

// --- Event buses and rules (EventBridge-compatible) ---

// ErrLimit is matched by the error of a write refused because it would
// pass a limit the caller gave (e.g. the rules of a bus).
var ErrLimit = errors.New("limit reached")

// DefaultBus is the event bus every account has without creating it; it
// is not stored, yet rules live on it.
const DefaultBus = "default"

// EventRules keeps event buses and their rules with their targets, per
// account (the account id of a namespace). The store does not look inside
// patterns or targets: the service validates them.
type EventRules interface {
	// CreateEventBus stores a bus (ErrExists when the account has one of
	// that name; DefaultBus always exists).
	CreateEventBus(ctx context.Context, b *EventBus) error
	GetEventBus(ctx context.Context, account, name string) (*EventBus, error) // ErrNotFound; not for DefaultBus
	// ListEventBuses returns an account's stored buses whose names start
	// with prefix, sorted by name.
	ListEventBuses(ctx context.Context, account, prefix string, page Page) ([]*EventBus, string, error)
	// DeleteEventBus removes a bus with its rules and their targets
	// (ErrNotFound when missing).
	DeleteEventBus(ctx context.Context, account, name string) error

	// PutRule creates or replaces a rule (keeping its targets and Created);
	// a new rule fails with ErrLimit when the bus has maxRules already
	// (<= 0: no limit), and with ErrNotFound when its bus is neither
	// DefaultBus nor stored. created tells whether it is new.
	PutRule(ctx context.Context, r *Rule, maxRules int) (created bool, err error)
	// GetRule returns a rule with its targets (ErrNotFound).
	GetRule(ctx context.Context, account, bus, name string) (*Rule, error)
	// ListRules returns a bus's rules whose names start with prefix,
	// sorted by name, each with its targets.
	ListRules(ctx context.Context, account, bus, prefix string, page Page) ([]*Rule, string, error)
	// SetRuleState sets a rule's State (ErrNotFound).
	SetRuleState(ctx context.Context, account, bus, name, state string, modified time.Time) error
	// DeleteRule removes a rule; with targets it fails with ErrConflict
	// unless force (then they go too). ErrNotFound when missing.
	DeleteRule(ctx context.Context, account, bus, name string, force bool) error
	// PutTargets adds targets to a rule or replaces those of the same ID;
	// ErrLimit when the rule would have more than maxTargets (<= 0: no
	// limit); ErrNotFound when the rule is missing.
	PutTargets(ctx context.Context, account, bus, rule string, targets []*RuleTarget, maxTargets int) error
	// RemoveTargets removes targets by ID (unknown IDs are ignored) and
	// returns the IDs it removed; ErrNotFound when the rule is missing.
	RemoveTargets(ctx context.Context, account, bus, rule string, ids []string) ([]string, error)
	// RulesGeneration is a number that changes whenever any rule or target
	// changes (or a bus is deleted), so that a reader of rules knows when
	// to read them again.
	RulesGeneration(ctx context.Context) (int64, error)
}

// EventBus is a custom event bus of an account.
type EventBus struct {
	Account     string
	Name        string
	Description string
	Created     time.Time
	Modified    time.Time
}

// Rule states.
const (
	RuleEnabled  = "ENABLED"
	RuleDisabled = "DISABLED"
)

// Rule is an event rule of a bus: an event pattern and/or a schedule, and
// the targets started by what matches.
type Rule struct {
	Account            string
	Bus                string
	Name               string
	EventPattern       string // JSON as given; "" for none
	ScheduleExpression string // "" for none
	State              string // RuleEnabled or RuleDisabled
	Description        string
	RoleArn            string
	Created            time.Time
	Modified           time.Time
	Targets            []*RuleTarget // in the order they were first put; set by reads
}

// RuleTarget is one target of a rule: its ID (unique in the rule), the ARN
// of what it starts, and Spec, the target's whole configuration as the
// service encodes it (JSON).
type RuleTarget struct {
	ID   string
	Arn  string
	Spec []byte
}

// Namespace is a team's space of workflows: its own account id in ARNs.
type Namespace struct {
	Name      string
	AccountID string // 12 digits
	Created   time.Time
	// ExecutionRetention is how long its closed executions are kept: 0 is
	// the server's default (--execution-retention), a negative one forever.
	ExecutionRetention time.Duration
}

// Page asks for one page of a list: at most Limit items (0: the
// implementation's default, 100) after the position in Token ("" for the
// first page). Tokens are opaque; a bad token is an error wrapping
// ErrBadToken.
type Page struct {
	Limit int
	Token string
}

// ErrBadToken is returned for a page token the store did not issue.
var ErrBadToken = errors.New("invalid page token")

// StateMachine is the latest (unpublished) revision of a state machine.
type StateMachine struct {
	Arn                  string
	Name                 string
	Type                 string // STANDARD or EXPRESS
	Language             string // the workflow language of Definition: "asl" or "pipeline"
	Definition           string
	Bundle               string // digest of the project bundle its runs work in; "" for none
	RoleArn              string
	Description          string
	LoggingConfiguration string // JSON, as given
	TracingConfiguration string // JSON, as given
	RevisionID           string // changes on every update
	CreatedAt            time.Time
	UpdatedAt            time.Time
}

// Version is an immutable, numbered snapshot of a state machine.
type Version struct {
	Arn             string // StateMachineArn + ":" + Number
	StateMachineArn string
	Number          int64
	Language        string // the workflow language of Definition
	Definition      string
	Bundle          string // digest of its project bundle; "" for none
	RoleArn         string
	Type            string
	Description     string
	RevisionID      string // revision of the state machine it was published from
	CreatedAt       time.Time
}

// Alias points at one or two versions with weights summing to 100.
type Alias struct {
	Arn             string // StateMachineArn + ":" + Name
	StateMachineArn string
	Name            string
	Description     string
	Routing         []Route
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Route is one entry of an alias' routing configuration.
type Route struct {
	VersionArn string
	Weight     int
}

// Activity is a queue of tasks for remote workers.
type Activity struct {
	Arn       string
	Name      string
	CreatedAt time.Time
}

// Execution types.
const (
	TypeStandard = "STANDARD"
	TypeExpress  = "EXPRESS"
)

// Execution is one run of a state machine. Express executions are stored
// only when they end, with no history, tasks, timers or snapshot.
type Execution struct {
	// ID is the store's own id of the execution, not its ARN: unique among
	// the stored executions and stable while it exists; 0 until stored.
	// Work that must not depend on names (partitions, keys) uses it.
	ID              int64
	Arn             string
	StateMachineArn string // the state machine's unqualified ARN
	VersionArn      string // the version that runs, "" when none was named or published
	AliasArn        string // the alias it was started through, if any
	Name            string
	Type            string // TypeStandard or TypeExpress
	Status          string // RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE
	Input           string // JSON text
	Output          string // JSON text, when SUCCEEDED
	Error           string
	Cause           string
	StartDate       time.Time
	StopDate        time.Time // zero while RUNNING
	RedriveCount    int
	RedriveDate     time.Time // zero when never redriven
	TraceHeader     string
	ParentToken     string    // task token of the parent's Task state, for nested executions
	Language        string    // the workflow language of Definition ("asl" for executions stored before languages were recorded)
	Definition      string    // the definition it runs (copied at start: later updates do not affect it)
	Bundle          string    // digest of the project bundle whose files its steps work in (copied at start); "" for none
	LogicalDate     time.Time // the time a pipeline run stands for (a schedule's slot, a backfill's date); zero: its start
	RoleArn         string
	Snapshot        []byte // the language's snapshot of the execution (workflow.Instance.Snapshot); nil for Express
	EventCount      int64  // id of the last history event
}

// ExecutionFilter narrows ListExecutions. Empty fields do not filter.
type ExecutionFilter struct {
	StateMachineArn string // unqualified ARN: every execution of the state machine
	VersionArn      string // executions started on this version
	AliasArn        string // executions started through this alias
	Status          string
	Redriven        *bool // true: redriven at least once; false: never
}

// Event is one history event: its id (1, 2, ... per execution), type,
// time, previous event id, and Body, the whole event as Step Functions'
// GetExecutionHistory shows it (JSON object).
type Event struct {
	ID        int64
	Type      string
	Timestamp time.Time
	Previous  int64
	Body      []byte
}

// Task kinds.
const (
	TaskBuiltin  = "builtin"  // run by the node's worker pool (baton:shell, baton:http, mapped resources)
	TaskActivity = "activity" // queued for remote workers polling GetActivityTask
	TaskCallback = "callback" // .waitForTaskToken: waits for SendTaskSuccess/Failure
	TaskChild    = "child"    // a nested execution (states:startExecution)
)

// Task states.
const (
	TaskQueued  = "queued"  // not yet handed to a worker
	TaskStarted = "started" // handed to a worker (WorkerName)
)

// Task is one attempt of a Task state that an execution is waiting for.
// It exists from the transition that schedules it to the transition that
// applies its result.
type Task struct {
	Token        string // unique; task token for callbacks and activities
	ExecutionArn string
	TaskID       string // the interpreter's task id (asl.RunTask.TaskID)
	Kind         string
	Resource     string
	ActivityArn  string // for TaskActivity
	StateName    string
	Input        string // JSON text of the effective input
	State        string // TaskQueued or TaskStarted
	WorkerName   string
	Attempt      int
	TimeoutSec   int64
	HeartbeatSec int64
	CreatedAt    time.Time
	StartedAt    time.Time
}

// Timer is an armed timer of an execution.
type Timer struct {
	ExecutionArn string
	TimerID      string // the interpreter's timer id
	At           time.Time
	Purpose      string
}

// NumberEvents applies Commit's numbering to the events a transition
// appends after event last of its execution: an event with ID 0 gets the
// next id, an event with an ID must carry exactly the next one (else
// ErrConflict). It returns the id of the last event, last when none.
func NumberEvents(arn string, last int64, evs []Event) (int64, error) {
	for i := range evs {
		e := &evs[i]
		next := last + 1
		switch e.ID {
		case 0:
			e.ID = next
		case next:
		default:
			return last, fmt.Errorf("execution %q: event id %d, want %d: %w", arn, e.ID, next, ErrConflict)
		}
		last = next
	}
	return last, nil
}

// Transition is one atomic change of one execution.
type Transition struct {
	// Execution is the execution's new state. With New set it is inserted
	// (ErrExists if the ARN is taken); otherwise every field but Arn,
	// StateMachineArn, VersionArn, AliasArn, Name, Type, Input, StartDate,
	// Definition, RoleArn, TraceHeader, ParentToken, Language, Bundle and
	// LogicalDate is updated.
	Execution *Execution
	New       bool

	Events []Event // appended to the history; ids continue the sequence

	AddTasks     []*Task  // inserted (ErrExists on a duplicate token)
	StartTasks   []*Task  // existing tasks updated: State, WorkerName, StartedAt
	DeleteTasks  []string // tokens of tasks that are done; unknown tokens are ignored
	AddTimers    []Timer  // inserted or replaced (by ExecutionArn, TimerID)
	DeleteTimers []string // timer ids of this execution; unknown ids are ignored

	// Outbox events are appended to the event bus in the same transaction
	// (their Seq written back).
	Outbox []*OutboxEvent

	// DeleteAll, set on a transition that ends the execution, removes every
	// remaining task and timer of the execution.
	DeleteAll bool
}

// ErrNoEffect is matched (errors.Is) by the error of a call that the store
// guarantees had no effect: its transaction was rolled back, or it never
// reached the database. A decorator may repeat such a write without
// applying it twice (see store/retrying). Errors are marked with NoEffect.
var ErrNoEffect = errors.New("the call had no effect")

// NoEffect marks err as the failure of a call that had no effect, leaving
// its message unchanged. It returns nil for nil.
func NoEffect(err error) error {
	if err == nil || errors.Is(err, ErrNoEffect) {
		return err
	}
	return noEffect{err}
}

type noEffect struct{ error }

func (e noEffect) Unwrap() error        { return e.error }
func (e noEffect) Is(target error) bool { return target == ErrNoEffect }

// Streams of a task log.
const (
	LogStdout = "stdout"
	LogStderr = "stderr"
)

// DefaultMaxLogBytes is the most output kept per task attempt (1 MiB).
const DefaultMaxLogBytes = 1 << 20

// LogChunk is a piece of what the command of one task attempt wrote on
// one of its streams.
type LogChunk struct {
	// Seq is set by the store: the chunk's position among the logs of its
	// execution, increasing in append order; a reader follows a log by
	// asking for the chunks after the last Seq it has.
	Seq          int64
	ExecutionArn string
	TaskID       string // the attempt: the interpreter's task id is unique per attempt
	StateName    string // the Task state (pipeline step) that ran it
	Attempt      int    // 1 for the first run, 2 for the first retry...
	Stream       string // LogStdout or LogStderr
	Time         time.Time
	Data         []byte
	// Cut, on a chunk read, is the number of bytes of this attempt cut for
	// its size cap before this chunk, which the reader had not read yet;
	// Data then begins with CutMarker(Cut).
	Cut int64
}

// CutMarker is the line put where the oldest part of a task log was cut.
func CutMarker(n int64) string { return fmt.Sprintf("[... %d bytes cut ...]\n", n) }

// LogQuery selects chunks of an execution's task logs.
type LogQuery struct {
	StateName string // only this state's (step's) attempts; "" for all
	Attempt   int    // only this attempt (1, 2, ...); 0 for all
	After     int64  // only chunks with a greater Seq (0: from the start)
	Limit     int    // most chunks returned; 0: 1000
	// MaxBytes ends the page after the chunk that brings its data to this
	// many bytes (a page holds at least one chunk); 0: no bound. Chunks are
	// up to about 100 KiB each, so 1000 of them would be 100 MB.
	MaxBytes int64
}

// Bundle is a project bundle kept in the store, content-addressed.
type Bundle struct {
	Digest  string    // "sha256:" and 64 hex digits, the key
	Size    int64     // len(Data), kept apart so that a listing need not read Data
	Created time.Time // when it was first stored
	Data    []byte    // the encoded bundle (a gzipped tar)
}

// OutboxPartitions is the number of partitions of the outbox: fixed, so
// that the partition of a key never changes. A single node reads them all;
// the cluster spreads them over nodes.
const OutboxPartitions = 16

// PartitionOf returns the outbox partition of a key (an execution ARN, an
// event id): FNV-1a of the key modulo OutboxPartitions.
func PartitionOf(key string) int {
	h := uint32(2166136261)
	for i := 0; i < len(key); i++ {
		h ^= uint32(key[i])
		h *= 16777619
	}
	return int(h % OutboxPartitions)
}

// OutboxEvent is one event on the bus: an EventBridge envelope (Body, a
// JSON object) on the bus of a namespace (Account is its account id).
type OutboxEvent struct {
	Seq       int64 // assigned when stored
	Partition int
	Account   string
	Bus       string // "default" unless a custom bus
	Time      time.Time
	Body      []byte
}

// ConsumerCommit is what a consumer of the outbox stores at once.
type ConsumerCommit struct {
	Consumer    string
	Cursors     map[int]int64     // partition -> last Seq read
	State       map[string][]byte // key -> new value; a nil value deletes the key
	Intents     []*Intent         // to carry out
	DoneIntents []string          // ids of intents carried out
	Events      []*OutboxEvent    // appended to the outbox (Seq written back)
	// Fenced asks that the commit be stored only while this node holds the
	// lease of cluster partition Partition (package partition): a cluster
	// member's store refuses it otherwise with a *PartitionsLostError,
	// storing nothing, as it refuses a Commit. A store that is not a
	// cluster member (SQLite; PostgreSQL without JoinCluster) ignores both.
	Fenced    bool
	Partition int
}

// Intent is an effect a consumer decided and will carry out, stored before
// it is: a start of a workflow named by ID, so that carrying it out twice
// (after a crash) starts it once. Body is the consumer's own encoding.
type Intent struct {
	ID       string
	Consumer string
	Body     []byte
	Created  time.Time
}

// --- Credentials (authentication) ---

// Credential kinds.
const (
	// CredentialToken is a bearer token of the native API, the CLI, workers
	// and the UI. Its Secret is the SHA-256 of the token's secret part: the
	// secret is high-entropy random, so a fast hash is enough, and the
	// store never holds what a caller sends.
	CredentialToken = "token"
	// CredentialAccessKey is an AWS access key for the Step Functions and
	// EventBridge APIs. SigV4 derives its signing key from the secret
	// itself, so the Secret stored is the secret sealed (AES-GCM) under the
	// server's key, never the plain secret.
	CredentialAccessKey = "access-key"
)

// RoleGrant is one role a credential holds in one namespace ("*": every
// namespace).
type RoleGrant struct {
	Namespace string `json:"namespace"`
	Role      string `json:"role"`
}

// Credential is a token or an access key. IDs are unique across kinds.
// The zero Expires means it never expires; the zero Revoked, that it is
// not revoked; the zero LastUsed, that it was never used.
type Credential struct {
	ID       string
	Kind     string
	Name     string
	Secret   []byte
	Roles    []RoleGrant
	Created  time.Time
	Expires  time.Time
	Revoked  time.Time
	LastUsed time.Time
}

// Credentials keeps tokens and access keys. Rows are never deleted by
// these methods: a revoked credential stays listed, so that who held what
// can be told afterwards.
type Credentials interface {
	CreateCredential(ctx context.Context, c *Credential) error         // ErrExists
	GetCredential(ctx context.Context, id string) (*Credential, error) // ErrNotFound
	// ListCredentials returns the credentials of a kind ("": every kind),
	// sorted by Created then ID.
	ListCredentials(ctx context.Context, kind string) ([]*Credential, error)
	// RevokeCredential sets Revoked (ErrNotFound when missing; revoking
	// again keeps the first time).
	RevokeCredential(ctx context.Context, id string, at time.Time) error
	// TouchCredential sets LastUsed (ErrNotFound when missing).
	TouchCredential(ctx context.Context, id string, at time.Time) error
}

// --- Grants between namespaces (authorization) ---

// Grant lets the pipelines of namespace To trigger on the runs of
// workflow Workflow ("*": every workflow) of namespace From: the upstream
// team's consent to be watched.
type Grant struct {
	From, To, Workflow string
	Created            time.Time
	// CreatedBy names who made it (a credential's id), for the record.
	CreatedBy string
}

// Grants keeps grants, keyed by (From, To, Workflow).
type Grants interface {
	CreateGrant(ctx context.Context, g *Grant) error // ErrExists
	// ListGrants returns every grant, sorted by From, To, Workflow.
	ListGrants(ctx context.Context) ([]*Grant, error)
	DeleteGrant(ctx context.Context, from, to, workflow string) error // ErrNotFound
}

// Granted tells whether grants let namespace to trigger on the runs of
// workflow of namespace from (always within one namespace).
func Granted(grants []*Grant, from, to, workflow string) bool {
	if from == to {
		return true
	}
	for _, g := range grants {
		if g.From == from && g.To == to && (g.Workflow == workflow || g.Workflow == "*") {
			return true
		}
	}
	return false
}

// --- Audit log ---

// AuditEntry is one request recorded in the audit log: who made it, from
// where, what it asked and how it ended. Never its body or credential.
type AuditEntry struct {
	Seq  int64 // set by the store: increasing in append order
	Time time.Time
	// Principal is the credential's id ("" when there is none); Kind is
	// its kind (CredentialToken, CredentialAccessKey), "anonymous" on a
	// server without authentication, "" for a request without a valid one.
	Principal  string
	Kind       string
	RemoteAddr string // the client's address
	Method     string
	Path       string
	Operation  string // the AWS API's operation (StartExecution); "" on the native API
	Namespace  string // "" when the request named none
	Resource   string // the workflow, execution... it named, when known
	Status     int    // the HTTP status answered
}

// AuditFilter narrows ListAudit. Empty fields do not filter.
type AuditFilter struct {
	Namespace string
	Principal string
	Since     time.Time // Time >= Since
	Until     time.Time // Time < Until
}

// AuditLog keeps the audit log: appended in batches, read newest first,
// trimmed by age.
type AuditLog interface {
	// AppendAudit stores entries in one transaction (their Seq written back).
	AppendAudit(ctx context.Context, entries []*AuditEntry) error
	// ListAudit returns the entries f selects, newest (highest Seq) first.
	ListAudit(ctx context.Context, f AuditFilter, page Page) ([]*AuditEntry, string, error)
	// TrimAudit deletes up to limit of the oldest entries older than before
	// and returns how many it deleted.
	TrimAudit(ctx context.Context, before time.Time, limit int) (int, error)
}
