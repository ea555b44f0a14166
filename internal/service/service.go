package service

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/bundle"
	"github.com/batonhq/baton/internal/engine"
	"github.com/batonhq/baton/internal/store"
)

// Defaults of Config.
const (
	DefaultRegion          = "us-east-1"
	DefaultAccountID       = "123456789012"
	DefaultMaxPayloadBytes = 262144 // 256 KiB, Step Functions' limit
)

// Config configures a Service. Zero fields take their defaults.
type Config struct {
	Region          string           // region in ARNs; default "us-east-1"
	AccountID       string           // account in ARNs; default "123456789012"
	MaxPayloadBytes int              // largest input, output or task result, in bytes; default 262144
	Now             func() time.Time // clock; default time.Now

	// Rand returns a random int in [0, n); it picks an alias' version by
	// weight. Default math/rand/v2.IntN; tests set a seeded source.
	Rand func(n int) int
	// NewID returns a fresh unique id (default execution names, express
	// execution ids, revision ids); default a random UUID.
	NewID func() string
	// DisabledResource, when set, tells why a Task state's resource is
	// switched off on this server (an error naming the flag), or nil; such
	// definitions are refused with InvalidDefinition.
	DisabledResource func(resource, stateName string) error
	// MaxTaskLogBytes is the output of a task attempt kept in its log
	// (0: store.DefaultMaxLogBytes), for the logs workers send.
	MaxTaskLogBytes int64
	// Bundles bounds the project bundles deploys upload (zero fields: the
	// bundle package's defaults).
	Bundles bundle.Limits
	// MaxRulesPerBus and MaxTargetsPerRule bound EventBridge rules (0:
	// DefaultMaxRulesPerBus, DefaultMaxTargetsPerRule, AWS's quotas).
	MaxRulesPerBus, MaxTargetsPerRule int
	// PutBusEvents appends PutEvents' events to the bus's outbox and wakes
	// its consumers (events.Bus.Put); nil: the store's AppendEvents.
	PutBusEvents func(ctx context.Context, evs []*store.OutboxEvent) error
	// OnWorkflowsChanged, when set, is called after a workflow was
	// created, updated, deployed or deleted (the triggers read them again).
	OnWorkflowsChanged func()
	// Notifications is the server's notifier (nil: none): deploys check
	// that pipelines' targets can be delivered to.
	Notifications Notifications
	// RequireGrants refuses to deploy a pipeline that triggers on another
	// namespace's runs without that namespace's grant (grants.go). The
	// server sets it with authentication on: without it every caller may
	// do everything anyway.
	RequireGrants bool
}

// Service implements every operation of the Step Functions API over a store
// and an engine. It is safe for concurrent use.
type Service struct {
	cfg   Config
	store store.Store
	eng   Engine
	arns  arns
	// classify tells how a task resource runs (TestState runs only those
	// of this server's executors).
	classify func(executionArn, resource string) engine.TaskClass
	// bundleSlots bounds the bundles decoded at once (projects.go).
	bundleSlots chan struct{}
	// putEvents group-commits PutEvents' appends (events.go).
	putEvents groupAppender
	// nsOfAccount caches NamespaceOfArn: account id -> namespace name.
	nsOfAccount sync.Map
	// pipelines caches parsed pipeline definitions by ARN and revision
	// (lineage.go).
	pipelines sync.Map
}

// New returns a Service storing in st and running executions with eng.
func New(cfg Config, st store.Store, eng Engine) *Service {
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	if cfg.AccountID == "" {
		cfg.AccountID = DefaultAccountID
	}
	if cfg.MaxPayloadBytes <= 0 {
		cfg.MaxPayloadBytes = DefaultMaxPayloadBytes
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.IntN
	}
	if cfg.NewID == nil {
		cfg.NewID = uuid.NewString
	}
	return &Service{cfg: cfg, store: st, eng: eng, arns: arns{region: cfg.Region, account: cfg.AccountID},
		classify: TaskClassifier(cfg.Region, cfg.AccountID), bundleSlots: make(chan struct{}, maxBundleWork)}
}

// Config returns the service's configuration with its defaults filled in.
func (s *Service) Config() Config { return s.cfg }

func (s *Service) now() time.Time { return s.cfg.Now().UTC() }

// changed tells the server that the workflows changed.
func (s *Service) changed() {
	if s.cfg.OnWorkflowsChanged != nil {
		s.cfg.OnWorkflowsChanged()
	}
}

// --- request checks shared by the operations ---

// field is a member of a request, for required-member checks.
type field struct {
	name  string
	value string
}

// required returns AWS's ValidationException for the members left empty
// ("1 validation error detected: Value null at 'stateMachineArn' failed to
// satisfy constraint: Member must not be null").
func required(fields ...field) error {
	var msgs []string
	for _, f := range fields {
		if f.value == "" {
			msgs = append(msgs, fmt.Sprintf("Value null at '%s' failed to satisfy constraint: Member must not be null", f.name))
		}
	}
	return validationErrors(msgs)
}

// validationErrors builds AWS's "N validation error(s) detected: ..."
// message; nil when msgs is empty.
func validationErrors(msgs []string) error {
	switch len(msgs) {
	case 0:
		return nil
	case 1:
		return apierr.New(apierr.ValidationException, "1 validation error detected: %s", msgs[0])
	}
	return apierr.New(apierr.ValidationException, "%d validation errors detected: %s", len(msgs), strings.Join(msgs, "; "))
}

// checkMaxResults checks maxResults against AWS's range 0..1000.
func checkMaxResults(n int) error {
	switch {
	case n < 0:
		return validationErrors([]string{fmt.Sprintf("Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 0", n)})
	case n > 1000:
		return validationErrors([]string{fmt.Sprintf("Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000", n)})
	}
	return nil
}

// maxTokenLen is AWS's limit on nextToken.
const maxTokenLen = 1024

// page checks maxResults and nextToken and returns the store's page.
func page(maxResults int, token string) (store.Page, error) {
	if err := checkMaxResults(maxResults); err != nil {
		return store.Page{}, err
	}
	if len(token) > maxTokenLen {
		return store.Page{}, validationErrors([]string{fmt.Sprintf("Value at 'nextToken' failed to satisfy constraint: Member must have length less than or equal to %d", maxTokenLen)})
	}
	return store.Page{Limit: maxResults, Token: token}, nil
}

// checkEnum checks an enumerated member (empty passes: the caller applies
// the default).
func checkEnum(name, value string, allowed ...string) error {
	if value == "" {
		return nil
	}
	for _, a := range allowed {
		if a == value {
			return nil
		}
	}
	return validationErrors([]string{fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum value set: [%s]", value, name, strings.Join(allowed, ", "))})
}

// parseArn parses the ARN in member name and checks that it is of one of
// the kinds: a malformed ARN or one of another kind is InvalidArn.
func parseArn(name, value string, kinds ...ArnKind) (Arn, error) {
	a, err := ParseArn(value)
	if err != nil {
		return Arn{}, apierr.New(apierr.InvalidArn, "Invalid Arn: '%s' (%s: %v)", value, name, err)
	}
	for _, k := range kinds {
		if a.Kind == k {
			return a, nil
		}
	}
	return Arn{}, apierr.New(apierr.InvalidArn, "Invalid Arn: 'Resource type not valid in this context: %s' (%s)", a.Kind, name)
}

// storeErr turns a store error into an API error: ErrNotFound into what
// notFound returns, ErrBadToken into InvalidToken, ErrConflict into
// ConflictException; other errors are returned wrapped (they become
// InternalServerError at the HTTP edge).
func storeErr(err error, notFound func() error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound) && notFound != nil:
		return notFound()
	case errors.Is(err, store.ErrBadToken):
		return apierr.New(apierr.InvalidToken, "Invalid Token: the nextToken was not issued by this server or by this list (%v)", err)
	case errors.Is(err, store.ErrConflict):
		return apierr.New(apierr.ConflictException, "the resource changed meanwhile; retry: %v", err)
	case errors.Is(err, store.ErrUnavailable), errors.Is(err, store.ErrDamaged):
		return apierr.StoreFault(err)
	}
	if _, ok := apierr.As(err); ok {
		return err
	}
	return fmt.Errorf("store: %w", err)
}

func stateMachineNotFound(arn string) func() error {
	return func() error {
		return apierr.New(apierr.StateMachineDoesNotExist, "State Machine Does Not Exist: '%s'", arn)
	}
}

func executionNotFound(arn string) func() error {
	return func() error {
		return apierr.New(apierr.ExecutionDoesNotExist, "Execution Does Not Exist: '%s'", arn)
	}
}

func activityNotFound(arn string) func() error {
	return func() error {
		return apierr.New(apierr.ActivityDoesNotExist, "Activity Does Not Exist: '%s'", arn)
	}
}

func resourceNotFound(what, arn string) func() error {
	return func() error {
		return apierr.New(apierr.ResourceNotFound, "Resource not found: %s '%s' does not exist", what, arn)
	}
}
