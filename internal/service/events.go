package service

// The EventBridge-compatible API: event buses, rules with their targets
// (workflows to start), patterns tested, and custom events put on a bus.
// Buses and rules live in a namespace: its account id is in their ARNs
// (arn:aws:events:REGION:ACCOUNT:rule/[BUS/]NAME), and every namespace has
// a "default" bus without creating it. The EventBridge API reaches another
// namespace's bus by its ARN; the native API names the namespace.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/events"
	"github.com/batonhq/baton/internal/events/pattern"
	"github.com/batonhq/baton/internal/events/schedule"
	"github.com/batonhq/baton/internal/notify"
	"github.com/batonhq/baton/internal/store"
)

// EventBridge's exception names.
const (
	EventsResourceNotFound      = "ResourceNotFoundException"
	EventsResourceAlreadyExists = "ResourceAlreadyExistsException"
	EventsInvalidEventPattern   = "InvalidEventPatternException"
	EventsLimitExceeded         = "LimitExceededException"
	EventsConcurrentChange      = "ConcurrentModificationException"
)

// EventBridge's quotas, Baton's defaults (Config.MaxRulesPerBus and
// MaxTargetsPerRule change the first two).
const (
	DefaultMaxRulesPerBus    = 300
	DefaultMaxTargetsPerRule = 5
	maxEventPatternLen       = 4096 // characters
	maxPutEventsEntries      = 10
	maxPutEventsBytes        = 256 << 10
	maxTargetInputLen        = 8192
)

var (
	eventsName = regexp.MustCompile(`^[.\-_A-Za-z0-9]+$`)  // rules, targets' ids
	busName    = regexp.MustCompile(`^[/.\-_A-Za-z0-9]+$`) // buses
)

// --- shapes (EventBridge's members) ---

// EventsTag is a tag of a rule or bus.
type EventsTag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// PutRuleInput is PutRule's request.
type PutRuleInput struct {
	Name               string      `json:"Name"`
	EventBusName       string      `json:"EventBusName,omitempty"`
	EventPattern       string      `json:"EventPattern,omitempty"`
	ScheduleExpression string      `json:"ScheduleExpression,omitempty"`
	State              string      `json:"State,omitempty"`
	Description        string      `json:"Description,omitempty"`
	RoleArn            string      `json:"RoleArn,omitempty"`
	Tags               []EventsTag `json:"Tags,omitempty"`
	// Namespace is the native API's (the EventBridge API names another
	// namespace's bus by ARN): "" is default.
	Namespace string `json:"-"`
}

// PutRuleOutput is PutRule's answer.
type PutRuleOutput struct {
	RuleArn string `json:"RuleArn"`
}

// RuleInput names a rule: DescribeRule, DeleteRule, EnableRule, DisableRule.
type RuleInput struct {
	Name         string `json:"Name"`
	EventBusName string `json:"EventBusName,omitempty"`
	Force        bool   `json:"Force,omitempty"`
	Namespace    string `json:"-"`
}

// RuleDescription is a rule as DescribeRule and ListRules show it.
type RuleDescription struct {
	Name               string `json:"Name"`
	Arn                string `json:"Arn"`
	EventBusName       string `json:"EventBusName"`
	EventPattern       string `json:"EventPattern,omitempty"`
	ScheduleExpression string `json:"ScheduleExpression,omitempty"`
	State              string `json:"State"`
	Description        string `json:"Description,omitempty"`
	RoleArn            string `json:"RoleArn,omitempty"`
	CreatedBy          string `json:"CreatedBy,omitempty"`
	// Targets is the native API's: the rule's targets.
	Targets []events.Target `json:"-"`
}

// ListRulesInput is ListRules' request.
type ListRulesInput struct {
	EventBusName string `json:"EventBusName,omitempty"`
	NamePrefix   string `json:"NamePrefix,omitempty"`
	Limit        *int   `json:"Limit,omitempty"`
	NextToken    string `json:"NextToken,omitempty"`
	Namespace    string `json:"-"`
}

// ListRulesOutput is ListRules' answer.
type ListRulesOutput struct {
	Rules     []RuleDescription `json:"Rules"`
	NextToken string            `json:"NextToken,omitempty"`
}

// Empty is the answer of operations that return nothing.
type Empty struct{}

// PutTargetsInput is PutTargets' request.
type PutTargetsInput struct {
	Rule         string          `json:"Rule"`
	EventBusName string          `json:"EventBusName,omitempty"`
	Targets      []events.Target `json:"Targets"`
	Namespace    string          `json:"-"`
}

// TargetsResultEntry is a target PutTargets or RemoveTargets failed on.
type TargetsResultEntry struct {
	TargetId     string `json:"TargetId"`
	ErrorCode    string `json:"ErrorCode"`
	ErrorMessage string `json:"ErrorMessage"`
}

// TargetsOutput is PutTargets' and RemoveTargets' answer.
type TargetsOutput struct {
	FailedEntryCount int                  `json:"FailedEntryCount"`
	FailedEntries    []TargetsResultEntry `json:"FailedEntries"`
}

// RemoveTargetsInput is RemoveTargets' request.
type RemoveTargetsInput struct {
	Rule         string   `json:"Rule"`
	EventBusName string   `json:"EventBusName,omitempty"`
	Ids          []string `json:"Ids"`
	Force        bool     `json:"Force,omitempty"`
	Namespace    string   `json:"-"`
}

// ListTargetsByRuleInput is ListTargetsByRule's request.
type ListTargetsByRuleInput struct {
	Rule         string `json:"Rule"`
	EventBusName string `json:"EventBusName,omitempty"`
	Limit        *int   `json:"Limit,omitempty"`
	NextToken    string `json:"NextToken,omitempty"`
	Namespace    string `json:"-"`
}

// ListTargetsByRuleOutput is ListTargetsByRule's answer.
type ListTargetsByRuleOutput struct {
	Targets   []events.Target `json:"Targets"`
	NextToken string          `json:"NextToken,omitempty"`
}

// TestEventPatternInput is TestEventPattern's request.
type TestEventPatternInput struct {
	EventPattern string `json:"EventPattern"`
	Event        string `json:"Event"`
}

// TestEventPatternOutput is TestEventPattern's answer.
type TestEventPatternOutput struct {
	Result bool `json:"Result"`
}

// EventBusInput names a bus: CreateEventBus, DescribeEventBus, DeleteEventBus.
type EventBusInput struct {
	Name        string      `json:"Name"`
	Description string      `json:"Description,omitempty"`
	Tags        []EventsTag `json:"Tags,omitempty"`
	Namespace   string      `json:"-"`
}

// CreateEventBusOutput is CreateEventBus' answer.
type CreateEventBusOutput struct {
	EventBusArn string `json:"EventBusArn"`
	Description string `json:"Description,omitempty"`
}

// EventBusDescription is a bus as DescribeEventBus and ListEventBuses show it.
type EventBusDescription struct {
	Name             string `json:"Name"`
	Arn              string `json:"Arn"`
	Description      string `json:"Description,omitempty"`
	CreationTime     Time   `json:"CreationTime,omitzero"`
	LastModifiedTime Time   `json:"LastModifiedTime,omitzero"`
}

// ListEventBusesInput is ListEventBuses' request.
type ListEventBusesInput struct {
	NamePrefix string `json:"NamePrefix,omitempty"`
	Limit      *int   `json:"Limit,omitempty"`
	NextToken  string `json:"NextToken,omitempty"`
	Namespace  string `json:"-"`
}

// ListEventBusesOutput is ListEventBuses' answer.
type ListEventBusesOutput struct {
	EventBuses []EventBusDescription `json:"EventBuses"`
	NextToken  string                `json:"NextToken,omitempty"`
}

// --- errors and checks ---

func eventsValidation(format string, args ...any) error {
	return apierr.New(apierr.ValidationException, format, args...)
}

func ruleNotFound(name, bus string) error {
	return apierr.New(EventsResourceNotFound, "Rule %s does not exist on EventBus %s.", name, bus)
}

func busNotFound(bus string) error {
	return apierr.New(EventsResourceNotFound, "Event bus %s does not exist.", bus)
}

// eventsStoreErr is storeErr with EventBridge's codes.
func eventsStoreErr(err error, notFound func() error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrBadToken):
		return eventsValidation("The NextToken is not valid: it was not issued by this list (%v)", err)
	case errors.Is(err, store.ErrConflict):
		return apierr.New(EventsConcurrentChange, "the resource changed meanwhile; retry: %v", err)
	}
	return storeErr(err, notFound)
}

// checkName checks a member against EventBridge's name constraints.
func checkEventsName(member, v string, max int, re *regexp.Regexp) error {
	switch {
	case v == "":
		return required(field{member, v})
	case len(v) > max:
		return validationErrors([]string{fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", v, member, max)})
	case !re.MatchString(v):
		return validationErrors([]string{fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", v, member, strings.Trim(re.String(), "^$"))})
	}
	return nil
}

// checkLimit checks a list's Limit (1..100).
func checkLimit(limit *int) (int, error) {
	if limit == nil {
		return 0, nil
	}
	if *limit < 1 || *limit > 100 {
		return 0, validationErrors([]string{fmt.Sprintf("Value '%d' at 'limit' failed to satisfy constraint: Member must have value between 1 and 100", *limit)})
	}
	return *limit, nil
}

// busRef is a resolved bus: its account and name.
type busRef struct {
	account, name string
}

func (s *Service) busArn(b busRef) string {
	return fmt.Sprintf("arn:aws:events:%s:%s:event-bus/%s", s.cfg.Region, b.account, b.name)
}

func (s *Service) ruleArn(b busRef, name string) string {
	if b.name == store.DefaultBus {
		return fmt.Sprintf("arn:aws:events:%s:%s:rule/%s", s.cfg.Region, b.account, name)
	}
	return fmt.Sprintf("arn:aws:events:%s:%s:rule/%s/%s", s.cfg.Region, b.account, b.name, name)
}

// resolveBus turns an EventBusName (a name or a bus ARN; "" for the
// default bus) into its account and name; with mustExist, a custom bus
// must be stored.
func (s *Service) resolveBus(ctx context.Context, ns, ref string, mustExist bool) (busRef, error) {
	if ref == "" {
		ref = store.DefaultBus
	}
	if len(ref) > 1600 {
		return busRef{}, validationErrors([]string{"Value at 'eventBusName' failed to satisfy constraint: Member must have length less than or equal to 1600"})
	}
	var b busRef
	if strings.HasPrefix(ref, "arn:") {
		parts := strings.SplitN(ref, ":", 6)
		if len(parts) != 6 || parts[2] != "events" || !strings.HasPrefix(parts[5], "event-bus/") || parts[4] == "" {
			return busRef{}, eventsValidation("Parameter EventBusName is not valid. Reason: %q is neither a bus name nor a bus ARN (arn:aws:events:REGION:ACCOUNT:event-bus/NAME)", ref)
		}
		b = busRef{account: parts[4], name: strings.TrimPrefix(parts[5], "event-bus/")}
		if nsName, err := s.namespaceOfAccount(ctx, b.account); err != nil {
			return busRef{}, err
		} else if nsName == "" {
			return busRef{}, busNotFound(b.name)
		}
	} else {
		account, err := s.namespaceAccount(ctx, ns)
		if err != nil {
			return busRef{}, err
		}
		b = busRef{account: account, name: ref}
	}
	if err := checkEventsName("eventBusName", b.name, 256, busName); err != nil {
		return busRef{}, err
	}
	if mustExist && b.name != store.DefaultBus {
		if _, err := s.store.GetEventBus(ctx, b.account, b.name); err != nil {
			return busRef{}, eventsStoreErr(err, func() error { return busNotFound(b.name) })
		}
	}
	return b, nil
}

// CompileEventPattern checks an event pattern as PutRule does.
func CompileEventPattern(src string) (*pattern.Pattern, error) {
	if n := len([]rune(src)); n > maxEventPatternLen {
		return nil, apierr.New(EventsInvalidEventPattern, "Event pattern is not valid. Reason: it has %d characters; at most %d are allowed", n, maxEventPatternLen)
	}
	p, err := pattern.Compile([]byte(src))
	if err != nil {
		return nil, apierr.New(EventsInvalidEventPattern, "Event pattern is not valid. Reason: %v", err)
	}
	return p, nil
}

// checkSchedule checks a rule's schedule: cron(...) or rate(...) as
// EventBridge rules take them (at(...) is the Scheduler's).
func checkSchedule(expr string) error {
	if len(expr) > 256 {
		return validationErrors([]string{"Value at 'scheduleExpression' failed to satisfy constraint: Member must have length less than or equal to 256"})
	}
	if !(strings.HasPrefix(expr, "cron(") || strings.HasPrefix(expr, "rate(")) {
		return eventsValidation("Parameter ScheduleExpression is not valid: %q is neither cron(...) nor rate(...)", expr)
	}
	if _, err := schedule.Parse(expr); err != nil {
		return eventsValidation("Parameter ScheduleExpression is not valid: %v", err)
	}
	return nil
}

// --- rules ---

// PutRule creates or replaces a rule (replacing keeps its targets).
func (s *Service) PutRule(ctx context.Context, in *PutRuleInput) (*PutRuleOutput, error) {
	if err := checkEventsName("name", in.Name, 64, eventsName); err != nil {
		return nil, err
	}
	if len(in.Description) > 512 {
		return nil, validationErrors([]string{"Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 512"})
	}
	if in.EventPattern == "" && in.ScheduleExpression == "" {
		return nil, eventsValidation("Parameter(s) EventPattern or ScheduleExpression must be specified.")
	}
	state := in.State
	switch state {
	case "":
		state = store.RuleEnabled
	case store.RuleEnabled, store.RuleDisabled:
	default:
		return nil, validationErrors([]string{fmt.Sprintf("Value '%s' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]", state)})
	}
	if in.EventPattern != "" {
		if _, err := CompileEventPattern(in.EventPattern); err != nil {
			return nil, err
		}
	}
	b, err := s.resolveBus(ctx, in.Namespace, in.EventBusName, true)
	if err != nil {
		return nil, err
	}
	if in.ScheduleExpression != "" {
		if err := checkSchedule(in.ScheduleExpression); err != nil {
			return nil, err
		}
		if b.name != store.DefaultBus {
			return nil, eventsValidation("ScheduleExpression is supported only on the default event bus.")
		}
	}
	now := s.now()
	r := &store.Rule{Account: b.account, Bus: b.name, Name: in.Name, EventPattern: in.EventPattern, ScheduleExpression: in.ScheduleExpression,
		State: state, Description: in.Description, RoleArn: in.RoleArn, Created: now, Modified: now}
	if _, err := s.store.PutRule(ctx, r, s.maxRules()); err != nil {
		if errors.Is(err, store.ErrLimit) {
			return nil, apierr.New(EventsLimitExceeded, "The requested resource exceeds the maximum number allowed: event bus %s has %d rules, the most allowed (baton server --max-rules-per-bus, BATON_MAX_RULES_PER_BUS); delete rules you no longer use", b.name, s.maxRules())
		}
		return nil, eventsStoreErr(err, func() error { return busNotFound(b.name) })
	}
	arn := s.ruleArn(b, in.Name)
	if len(in.Tags) > 0 {
		tags := map[string]string{}
		for _, t := range in.Tags {
			tags[t.Key] = t.Value
		}
		if err := s.store.TagResource(ctx, arn, tags); err != nil {
			return nil, eventsStoreErr(err, nil)
		}
	}
	return &PutRuleOutput{RuleArn: arn}, nil
}

func (s *Service) maxRules() int {
	if s.cfg.MaxRulesPerBus > 0 {
		return s.cfg.MaxRulesPerBus
	}
	return DefaultMaxRulesPerBus
}

func (s *Service) maxTargets() int {
	if s.cfg.MaxTargetsPerRule > 0 {
		return s.cfg.MaxTargetsPerRule
	}
	return DefaultMaxTargetsPerRule
}

// ruleDescription shows a stored rule.
func (s *Service) ruleDescription(b busRef, r *store.Rule) RuleDescription {
	d := RuleDescription{Name: r.Name, Arn: s.ruleArn(b, r.Name), EventBusName: r.Bus, EventPattern: r.EventPattern,
		ScheduleExpression: r.ScheduleExpression, State: r.State, Description: r.Description, RoleArn: r.RoleArn, CreatedBy: r.Account}
	for _, t := range r.Targets {
		d.Targets = append(d.Targets, decodeTarget(t))
	}
	return d
}

// decodeTarget reads a stored target (its spec is events.Target's JSON).
func decodeTarget(t *store.RuleTarget) events.Target {
	var x events.Target
	if json.Unmarshal(t.Spec, &x) != nil {
		x = events.Target{}
	}
	x.Id, x.Arn = t.ID, t.Arn
	return x
}

// rule resolves a rule's bus and reads it.
func (s *Service) rule(ctx context.Context, ns, busName, name string) (busRef, *store.Rule, error) {
	if err := checkEventsName("name", name, 64, eventsName); err != nil {
		return busRef{}, nil, err
	}
	b, err := s.resolveBus(ctx, ns, busName, true)
	if err != nil {
		return busRef{}, nil, err
	}
	r, err := s.store.GetRule(ctx, b.account, b.name, name)
	if err != nil {
		return busRef{}, nil, eventsStoreErr(err, func() error { return ruleNotFound(name, b.name) })
	}
	return b, r, nil
}

// DescribeRule describes a rule.
func (s *Service) DescribeRule(ctx context.Context, in *RuleInput) (*RuleDescription, error) {
	b, r, err := s.rule(ctx, in.Namespace, in.EventBusName, in.Name)
	if err != nil {
		return nil, err
	}
	d := s.ruleDescription(b, r)
	return &d, nil
}

// ListRules lists a bus's rules by name.
func (s *Service) ListRules(ctx context.Context, in *ListRulesInput) (*ListRulesOutput, error) {
	limit, err := checkLimit(in.Limit)
	if err != nil {
		return nil, err
	}
	if in.NamePrefix != "" {
		if err := checkEventsName("namePrefix", in.NamePrefix, 64, eventsName); err != nil {
			return nil, err
		}
	}
	b, err := s.resolveBus(ctx, in.Namespace, in.EventBusName, true)
	if err != nil {
		return nil, err
	}
	rules, next, err := s.store.ListRules(ctx, b.account, b.name, in.NamePrefix, store.Page{Limit: limit, Token: in.NextToken})
	if err != nil {
		return nil, eventsStoreErr(err, nil)
	}
	out := &ListRulesOutput{Rules: []RuleDescription{}, NextToken: next}
	for _, r := range rules {
		out.Rules = append(out.Rules, s.ruleDescription(b, r))
	}
	return out, nil
}

// DeleteRule deletes a rule; one with targets is refused unless Force, as
// on AWS. A rule that does not exist is no error (AWS's behaviour).
func (s *Service) DeleteRule(ctx context.Context, in *RuleInput) (*Empty, error) {
	if err := checkEventsName("name", in.Name, 64, eventsName); err != nil {
		return nil, err
	}
	b, err := s.resolveBus(ctx, in.Namespace, in.EventBusName, false)
	if err != nil {
		return nil, err
	}
	err = s.store.DeleteRule(ctx, b.account, b.name, in.Name, in.Force)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return &Empty{}, nil
	case errors.Is(err, store.ErrConflict):
		return nil, eventsValidation("Rule can't be deleted since it has targets.")
	case err != nil:
		return nil, eventsStoreErr(err, nil)
	}
	s.untagAll(ctx, s.ruleArn(b, in.Name))
	return &Empty{}, nil
}

// untagAll drops a deleted resource's tags (best effort: a tag left
// behind is harmless, and found again if the name is reused).
func (s *Service) untagAll(ctx context.Context, arn string) {
	tags, err := s.store.ListTags(ctx, arn)
	if err != nil || len(tags) == 0 {
		return
	}
	_ = s.store.UntagResource(ctx, arn, slices.Collect(mapKeys(tags)))
}

func mapKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// EnableRule enables a rule.
func (s *Service) EnableRule(ctx context.Context, in *RuleInput) (*Empty, error) {
	return s.setRuleState(ctx, in, store.RuleEnabled)
}

// DisableRule disables a rule: its targets are no longer started.
func (s *Service) DisableRule(ctx context.Context, in *RuleInput) (*Empty, error) {
	return s.setRuleState(ctx, in, store.RuleDisabled)
}

func (s *Service) setRuleState(ctx context.Context, in *RuleInput, state string) (*Empty, error) {
	if err := checkEventsName("name", in.Name, 64, eventsName); err != nil {
		return nil, err
	}
	b, err := s.resolveBus(ctx, in.Namespace, in.EventBusName, true)
	if err != nil {
		return nil, err
	}
	if err := s.store.SetRuleState(ctx, b.account, b.name, in.Name, state, s.now()); err != nil {
		return nil, eventsStoreErr(err, func() error { return ruleNotFound(in.Name, b.name) })
	}
	return &Empty{}, nil
}

// --- targets ---

// checkTarget checks a target as PutTargets does. Baton's targets are
// workflows: the ARN must be a state machine's (or its version's or
// alias').
func checkTarget(i int, t *events.Target) error {
	if err := checkEventsName(fmt.Sprintf("targets.%d.member.id", i+1), t.Id, 64, eventsName); err != nil {
		return err
	}
	if t.Arn == "" {
		return required(field{fmt.Sprintf("targets.%d.member.arn", i+1), ""})
	}
	a, err := ParseArn(t.Arn)
	_, _, notification := events.NotificationTarget(t.Arn)
	if !notification && (err != nil || (a.Kind != ArnStateMachine && a.Kind != ArnVersion && a.Kind != ArnAlias)) {
		return eventsValidation("Parameter %s is not valid. Reason: Baton's rules start workflows or send notifications: a target's Arn is a state machine ARN (arn:aws:states:REGION:ACCOUNT:stateMachine:NAME, or a version's or alias') or a notification's (arn:baton:notifications:::slack/#channel, email/ADDRESS, webhook/URL or opsgenie/TEAM)", t.Arn)
	}
	n := 0
	for _, set := range []bool{t.Input != "", t.InputPath != "", t.InputTransformer != nil} {
		if set {
			n++
		}
	}
	if n > 1 {
		return eventsValidation("Parameter(s) Input, InputPath, InputTransformer of target %s: only one of them may be given.", t.Id)
	}
	switch {
	case len(t.Input) > maxTargetInputLen:
		return eventsValidation("Parameter Input of target %s is not valid. Reason: it has %d characters; at most %d are allowed.", t.Id, len(t.Input), maxTargetInputLen)
	case t.Input != "" && !json.Valid([]byte(t.Input)):
		return eventsValidation("Parameter Input of target %s is not valid. Reason: it is not valid JSON.", t.Id)
	case len(t.InputPath) > 256:
		return eventsValidation("Parameter InputPath of target %s is not valid. Reason: it has more than 256 characters.", t.Id)
	}
	if t.InputPath != "" {
		if _, err := events.ParsePath(t.InputPath); err != nil {
			return eventsValidation("Parameter InputPath of target %s is not valid. Reason: %v", t.Id, err)
		}
	}
	if t.InputTransformer != nil {
		if err := events.CheckTransformer(t.InputTransformer); err != nil {
			return eventsValidation("Parameter InputTransformer of target %s is not valid. Reason: %v", t.Id, err)
		}
	}
	if rp := t.RetryPolicy; rp != nil {
		if v := rp.MaximumRetryAttempts; v != nil && (*v < 0 || *v > 185) {
			return validationErrors([]string{fmt.Sprintf("Value '%d' at 'targets.%d.member.retryPolicy.maximumRetryAttempts' failed to satisfy constraint: Member must have value between 0 and 185", *v, i+1)})
		}
		if v := rp.MaximumEventAgeInSeconds; v != nil && (*v < 60 || *v > 86400) {
			return validationErrors([]string{fmt.Sprintf("Value '%d' at 'targets.%d.member.retryPolicy.maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value between 60 and 86400", *v, i+1)})
		}
	}
	return nil
}

// PutTargets adds targets to a rule or replaces those of the same Id.
func (s *Service) PutTargets(ctx context.Context, in *PutTargetsInput) (*TargetsOutput, error) {
	if err := checkEventsName("rule", in.Rule, 64, eventsName); err != nil {
		return nil, err
	}
	switch {
	case in.Targets == nil:
		return nil, required(field{"targets", ""})
	case len(in.Targets) == 0:
		return nil, validationErrors([]string{"Value '[]' at 'targets' failed to satisfy constraint: Member must have length greater than or equal to 1"})
	case len(in.Targets) > 100:
		return nil, validationErrors([]string{"Value at 'targets' failed to satisfy constraint: Member must have length less than or equal to 100"})
	}
	seen := map[string]bool{}
	rows := make([]*store.RuleTarget, 0, len(in.Targets))
	for i := range in.Targets {
		t := &in.Targets[i]
		if err := checkTarget(i, t); err != nil {
			return nil, err
		}
		if ch, addr, ok := events.NotificationTarget(t.Arn); ok {
			if err := notify.CheckAddress(ch, addr); err != nil {
				return nil, eventsValidation("Parameter %s is not valid. Reason: %v.", t.Arn, err)
			}
			if err := s.checkTargets(&notify.Settings{Targets: []notify.Target{{Channel: ch, Addresses: []string{addr}}}}); err != nil {
				return nil, eventsValidation("Parameter %s is not valid. Reason: %s.", t.Arn, strings.TrimPrefix(err.Error(), apierr.ValidationException+": "))
			}
		}
		if seen[t.Id] {
			return nil, eventsValidation("Parameter Targets is not valid. Reason: target Id %s is given twice.", t.Id)
		}
		seen[t.Id] = true
		spec, err := json.Marshal(t)
		if err != nil {
			return nil, err
		}
		rows = append(rows, &store.RuleTarget{ID: t.Id, Arn: t.Arn, Spec: spec})
	}
	b, err := s.resolveBus(ctx, in.Namespace, in.EventBusName, true)
	if err != nil {
		return nil, err
	}
	if err := s.store.PutTargets(ctx, b.account, b.name, in.Rule, rows, s.maxTargets()); err != nil {
		if errors.Is(err, store.ErrLimit) {
			return nil, apierr.New(EventsLimitExceeded, "The requested resource exceeds the maximum number allowed: a rule has at most %d targets (baton server --max-targets-per-rule, BATON_MAX_TARGETS_PER_RULE); remove targets with RemoveTargets first", s.maxTargets())
		}
		return nil, eventsStoreErr(err, func() error { return ruleNotFound(in.Rule, b.name) })
	}
	return &TargetsOutput{FailedEntries: []TargetsResultEntry{}}, nil
}

// RemoveTargets removes targets of a rule by Id; unknown Ids are no error.
func (s *Service) RemoveTargets(ctx context.Context, in *RemoveTargetsInput) (*TargetsOutput, error) {
	if err := checkEventsName("rule", in.Rule, 64, eventsName); err != nil {
		return nil, err
	}
	switch {
	case in.Ids == nil:
		return nil, required(field{"ids", ""})
	case len(in.Ids) == 0 || len(in.Ids) > 100:
		return nil, validationErrors([]string{"Value at 'ids' failed to satisfy constraint: Member must have length between 1 and 100"})
	}
	for i, id := range in.Ids {
		if err := checkEventsName(fmt.Sprintf("ids.%d.member", i+1), id, 64, eventsName); err != nil {
			return nil, err
		}
	}
	b, err := s.resolveBus(ctx, in.Namespace, in.EventBusName, true)
	if err != nil {
		return nil, err
	}
	if _, err := s.store.RemoveTargets(ctx, b.account, b.name, in.Rule, in.Ids); err != nil {
		return nil, eventsStoreErr(err, func() error { return ruleNotFound(in.Rule, b.name) })
	}
	return &TargetsOutput{FailedEntries: []TargetsResultEntry{}}, nil
}

// ListTargetsByRule lists a rule's targets in the order they were added.
func (s *Service) ListTargetsByRule(ctx context.Context, in *ListTargetsByRuleInput) (*ListTargetsByRuleOutput, error) {
	limit, err := checkLimit(in.Limit)
	if err != nil {
		return nil, err
	}
	_, r, err := s.rule(ctx, in.Namespace, in.EventBusName, in.Rule)
	if err != nil {
		return nil, err
	}
	// A rule has a handful of targets: the token is the position.
	start := 0
	if in.NextToken != "" {
		b, err := base64.RawURLEncoding.DecodeString(in.NextToken)
		n, err2 := strconv.Atoi(strings.TrimPrefix(string(b), "t:"))
		if err != nil || err2 != nil || !bytes.HasPrefix(b, []byte("t:")) || n < 0 || n > len(r.Targets) {
			return nil, eventsValidation("The NextToken is not valid: it was not issued by ListTargetsByRule of this rule")
		}
		start = n
	}
	end := len(r.Targets)
	if limit > 0 {
		end = min(end, start+limit)
	}
	out := &ListTargetsByRuleOutput{Targets: []events.Target{}}
	for _, t := range r.Targets[start:end] {
		out.Targets = append(out.Targets, decodeTarget(t))
	}
	if end < len(r.Targets) {
		out.NextToken = base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "t:%d", end))
	}
	return out, nil
}

// --- patterns ---

// envelopeFields are the members TestEventPattern requires of its event.
var envelopeFields = []string{"id", "account", "source", "time", "region", "resources", "detail-type"}

// TestEventPattern tells whether an event matches a pattern.
func (s *Service) TestEventPattern(ctx context.Context, in *TestEventPatternInput) (*TestEventPatternOutput, error) {
	if err := required(field{"eventPattern", in.EventPattern}, field{"event", in.Event}); err != nil {
		return nil, err
	}
	p, err := CompileEventPattern(in.EventPattern)
	if err != nil {
		return nil, err
	}
	var ev map[string]json.RawMessage
	if err := json.Unmarshal([]byte(in.Event), &ev); err != nil || ev == nil {
		return nil, eventsValidation("Parameter Event is not valid. Reason: it is not a JSON object.")
	}
	for _, f := range envelopeFields {
		if _, ok := ev[f]; !ok {
			return nil, eventsValidation("Parameter Event is not valid. Reason: Provided Event is missing the required field %q (an event has %s).", f, strings.Join(envelopeFields, ", "))
		}
	}
	ok, err := p.Match([]byte(in.Event))
	if err != nil {
		return nil, eventsValidation("Parameter Event is not valid. Reason: %v", err)
	}
	return &TestEventPatternOutput{Result: ok}, nil
}

// --- buses ---

// CreateEventBus creates a custom bus.
func (s *Service) CreateEventBus(ctx context.Context, in *EventBusInput) (*CreateEventBusOutput, error) {
	if err := checkEventsName("name", in.Name, 256, busName); err != nil {
		return nil, err
	}
	if strings.Contains(in.Name, "/") {
		return nil, eventsValidation("Event bus name must not contain '/'.")
	}
	if len(in.Description) > 512 {
		return nil, validationErrors([]string{"Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 512"})
	}
	account, err := s.namespaceAccount(ctx, in.Namespace)
	if err != nil {
		return nil, err
	}
	b := busRef{account: account, name: in.Name}
	now := s.now()
	err = s.store.CreateEventBus(ctx, &store.EventBus{Account: account, Name: in.Name, Description: in.Description, Created: now, Modified: now})
	if errors.Is(err, store.ErrExists) {
		return nil, apierr.New(EventsResourceAlreadyExists, "Event bus %s already exists.", in.Name)
	}
	if err != nil {
		return nil, eventsStoreErr(err, nil)
	}
	if len(in.Tags) > 0 {
		tags := map[string]string{}
		for _, t := range in.Tags {
			tags[t.Key] = t.Value
		}
		if err := s.store.TagResource(ctx, s.busArn(b), tags); err != nil {
			return nil, eventsStoreErr(err, nil)
		}
	}
	return &CreateEventBusOutput{EventBusArn: s.busArn(b), Description: in.Description}, nil
}

// DescribeEventBus describes a bus ("" or "default": the default bus).
func (s *Service) DescribeEventBus(ctx context.Context, in *EventBusInput) (*EventBusDescription, error) {
	b, err := s.resolveBus(ctx, in.Namespace, in.Name, false)
	if err != nil {
		return nil, err
	}
	if b.name == store.DefaultBus {
		return &EventBusDescription{Name: b.name, Arn: s.busArn(b)}, nil
	}
	x, err := s.store.GetEventBus(ctx, b.account, b.name)
	if err != nil {
		return nil, eventsStoreErr(err, func() error { return busNotFound(b.name) })
	}
	return &EventBusDescription{Name: x.Name, Arn: s.busArn(b), Description: x.Description,
		CreationTime: NewTime(x.Created), LastModifiedTime: NewTime(x.Modified)}, nil
}

// afterDefaultBus is the NextToken of a first page that held the default
// bus alone (Limit 1): the next page starts at the first stored bus.
const afterDefaultBus = "after-default"

// ListEventBuses lists the default bus, then the custom ones by name.
func (s *Service) ListEventBuses(ctx context.Context, in *ListEventBusesInput) (*ListEventBusesOutput, error) {
	limit, err := checkLimit(in.Limit)
	if err != nil {
		return nil, err
	}
	account, err := s.namespaceAccount(ctx, in.Namespace)
	if err != nil {
		return nil, err
	}
	out := &ListEventBusesOutput{EventBuses: []EventBusDescription{}}
	page := store.Page{Limit: limit, Token: in.NextToken}
	if in.NextToken == afterDefaultBus {
		page.Token = ""
	} else if in.NextToken == "" && strings.HasPrefix(store.DefaultBus, in.NamePrefix) {
		// The default bus (stored by no one) opens the first page.
		out.EventBuses = append(out.EventBuses, EventBusDescription{Name: store.DefaultBus, Arn: s.busArn(busRef{account, store.DefaultBus})})
		if limit == 1 {
			more, _, err := s.store.ListEventBuses(ctx, account, in.NamePrefix, store.Page{Limit: 1})
			if err != nil {
				return nil, eventsStoreErr(err, nil)
			}
			if len(more) > 0 {
				out.NextToken = afterDefaultBus
			}
			return out, nil
		}
		if limit > 1 {
			page.Limit = limit - 1
		}
	}
	buses, next, err := s.store.ListEventBuses(ctx, account, in.NamePrefix, page)
	if err != nil {
		return nil, eventsStoreErr(err, nil)
	}
	out.NextToken = next
	for _, x := range buses {
		out.EventBuses = append(out.EventBuses, EventBusDescription{Name: x.Name, Arn: s.busArn(busRef{account, x.Name}),
			Description: x.Description, CreationTime: NewTime(x.Created), LastModifiedTime: NewTime(x.Modified)})
	}
	return out, nil
}

// DeleteEventBus deletes a custom bus with its rules; the default bus
// cannot be deleted. A bus that does not exist is no error (as on AWS).
func (s *Service) DeleteEventBus(ctx context.Context, in *EventBusInput) (*Empty, error) {
	if err := checkEventsName("name", in.Name, 256, busName); err != nil {
		return nil, err
	}
	if in.Name == store.DefaultBus {
		return nil, eventsValidation("Cannot delete event bus default.")
	}
	account, err := s.namespaceAccount(ctx, in.Namespace)
	if err != nil {
		return nil, err
	}
	err = s.store.DeleteEventBus(ctx, account, in.Name)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, eventsStoreErr(err, nil)
	}
	s.untagAll(ctx, s.busArn(busRef{account, in.Name}))
	return &Empty{}, nil
}

// newEventID returns a random event id (a UUID's form).
func newEventID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return uuidOf(b[:])
}

// --- events ---

// PutEventsEntry is one event of PutEvents.
type PutEventsEntry struct {
	Source       string   `json:"Source,omitempty"`
	DetailType   string   `json:"DetailType,omitempty"`
	Detail       string   `json:"Detail,omitempty"`
	Resources    []string `json:"Resources,omitempty"`
	Time         *Time    `json:"Time,omitempty"`
	EventBusName string   `json:"EventBusName,omitempty"`
	TraceHeader  string   `json:"TraceHeader,omitempty"`
}

// PutEventsInput is PutEvents' request.
type PutEventsInput struct {
	Entries    []PutEventsEntry `json:"Entries"`
	EndpointId string           `json:"EndpointId,omitempty"`
	Namespace  string           `json:"-"`
}

// PutEventsResultEntry is the fate of one entry: its event id, or why it
// was refused.
type PutEventsResultEntry struct {
	EventId      string `json:"EventId,omitempty"`
	ErrorCode    string `json:"ErrorCode,omitempty"`
	ErrorMessage string `json:"ErrorMessage,omitempty"`
}

// PutEventsOutput is PutEvents' answer, an entry per entry in order.
type PutEventsOutput struct {
	FailedEntryCount int                    `json:"FailedEntryCount"`
	Entries          []PutEventsResultEntry `json:"Entries"`
}

// entrySize is an entry's size as EventBridge counts it against 256 KiB.
func entrySize(e *PutEventsEntry) int {
	n := 14 + len(e.Source) + len(e.DetailType) + len(e.Detail) // 14: the time
	for _, r := range e.Resources {
		n += len(r)
	}
	return n
}

// PutEvents puts custom events on buses. They are appended to the bus's
// outbox (durable before the call returns); rules' targets are started by
// the rules consumer reading it, never here.
func (s *Service) PutEvents(ctx context.Context, in *PutEventsInput) (*PutEventsOutput, error) {
	switch {
	case in.Entries == nil:
		return nil, required(field{"entries", ""})
	case len(in.Entries) == 0 || len(in.Entries) > maxPutEventsEntries:
		return nil, validationErrors([]string{fmt.Sprintf("Value '[PutEventsRequestEntry]' at 'entries' failed to satisfy constraint: Member must have length between 1 and %d", maxPutEventsEntries)})
	}
	total := 0
	for i := range in.Entries {
		total += entrySize(&in.Entries[i])
	}
	if total > maxPutEventsBytes {
		return nil, eventsValidation("Total size of the entries in the request is over the limit: %d bytes, more than %d (256 KiB); put fewer or smaller events per call", total, maxPutEventsBytes)
	}
	out := &PutEventsOutput{Entries: make([]PutEventsResultEntry, len(in.Entries))}
	var evs []*store.OutboxEvent
	now := s.now()
	for i := range in.Entries {
		ev, err := s.busEvent(ctx, in.Namespace, &in.Entries[i], now)
		if err != nil {
			code, msg := "InternalException", err.Error()
			if e, ok := apierr.As(err); ok {
				code, msg = e.Code, e.Message
			}
			out.Entries[i] = PutEventsResultEntry{ErrorCode: code, ErrorMessage: msg}
			out.FailedEntryCount++
			continue
		}
		out.Entries[i] = PutEventsResultEntry{EventId: ev.id}
		evs = append(evs, ev.OutboxEvent)
	}
	if len(evs) > 0 {
		put := s.cfg.PutBusEvents
		if put == nil {
			put = s.store.AppendEvents
		}
		if err := s.putEvents.append(ctx, evs, put); err != nil {
			return nil, eventsStoreErr(err, nil)
		}
	}
	return out, nil
}

// groupAppender group-commits the appends of concurrent PutEvents calls:
// while one append is stored, the calls that come queue theirs, and the
// next append stores them all in one transaction (one fsync instead of
// one each). Each call returns once its events are stored, or with the
// error of the append that held them (then none of those is stored).
type groupAppender struct {
	mu      sync.Mutex
	queue   []*pendingAppend
	running bool
}

type pendingAppend struct {
	evs  []*store.OutboxEvent
	done chan error
}

func (g *groupAppender) append(ctx context.Context, evs []*store.OutboxEvent, put func(context.Context, []*store.OutboxEvent) error) error {
	p := &pendingAppend{evs: evs, done: make(chan error, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, p)
	if g.running {
		g.mu.Unlock()
		select {
		case err := <-p.done:
			return err
		case <-ctx.Done():
			return fmt.Errorf("waiting for the events to be stored (they may be): %w", ctx.Err())
		}
	}
	// This call stores what is queued until the queue is empty, its own
	// events first; the appends outlive its context, which others wait on.
	g.running = true
	wctx := context.WithoutCancel(ctx)
	for len(g.queue) > 0 {
		batch := g.queue
		g.queue = nil
		g.mu.Unlock()
		var all []*store.OutboxEvent
		for _, b := range batch {
			all = append(all, b.evs...)
		}
		err := put(wctx, all)
		for _, b := range batch {
			b.done <- err
		}
		g.mu.Lock()
	}
	g.running = false
	g.mu.Unlock()
	return <-p.done
}

type busEvent struct {
	*store.OutboxEvent
	id string
}

// busEvent checks an entry and makes its event in EventBridge's envelope.
func (s *Service) busEvent(ctx context.Context, ns string, e *PutEventsEntry, now time.Time) (busEvent, error) {
	invalid := func(member string) error {
		return apierr.New("InvalidArgument", "Parameter %s is not valid. Reason: %s is a required argument.", member, member)
	}
	switch {
	case e.Source == "":
		return busEvent{}, invalid("Source")
	case e.DetailType == "":
		return busEvent{}, invalid("DetailType")
	case e.Detail == "":
		return busEvent{}, invalid("Detail")
	case strings.HasPrefix(e.Source, "aws.") || strings.HasPrefix(e.Source, "baton."):
		// Only the server says that a run ended or a step failed: a forged
		// aws.states event would start another team's downstream pipeline.
		return busEvent{}, apierr.New("NotAuthorizedForSourceException", "Not authorized for the source %s: sources starting with aws. and baton. are the server's own.", e.Source)
	}
	var detail map[string]json.RawMessage
	if err := json.Unmarshal([]byte(e.Detail), &detail); err != nil || detail == nil {
		return busEvent{}, apierr.New("MalformedDetail", "Detail is malformed: it must be a JSON object.")
	}
	b, err := s.resolveBus(ctx, ns, e.EventBusName, true)
	if err != nil {
		return busEvent{}, err
	}
	at := now
	if e.Time != nil && !e.Time.IsZero() {
		at = e.Time.Time
	}
	resources := e.Resources
	if resources == nil {
		resources = []string{}
	}
	id := newEventID()
	body, err := json.Marshal(map[string]any{
		"version":     "0",
		"id":          id,
		"detail-type": e.DetailType,
		"source":      e.Source,
		"account":     b.account,
		"time":        at.UTC().Format("2006-01-02T15:04:05Z"),
		"region":      s.cfg.Region,
		"resources":   resources,
		"detail":      json.RawMessage(e.Detail),
	})
	if err != nil {
		return busEvent{}, apierr.New("MalformedDetail", "Detail is malformed: %v", err)
	}
	return busEvent{OutboxEvent: &store.OutboxEvent{Partition: store.PartitionOf(id), Account: b.account, Bus: b.name, Time: now, Body: body}, id: id}, nil
}

// BusEvent is an event read back from a namespace's buses.
type BusEvent struct {
	Seq   int64           `json:"seq"`
	Bus   string          `json:"bus"`
	Event json.RawMessage `json:"event"`
}

// ReadBusOutput is a page of ReadBus.
type ReadBusOutput struct {
	Events []BusEvent `json:"events"`
	// Next is the position to read on from (after=Next), whether or not
	// this page held events: the scan went past other namespaces' events.
	Next int64 `json:"next"`
}

// maxBusScan bounds the events one ReadBus looks at.
const maxBusScan = 5000

// ReadBus returns the events of a namespace's buses after position after
// (0: from the oldest kept; -1: from now, an empty page whose Next is the
// latest position), up to limit (at most 1000): what `baton events tail`
// shows. Events are kept for the server's --event-retention.
func (s *Service) ReadBus(ctx context.Context, namespace string, after int64, limit int) (*ReadBusOutput, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	account, err := s.namespaceAccount(ctx, namespace)
	if err != nil {
		return nil, err
	}
	if after < 0 {
		last, err := s.store.LastOutboxSeq(ctx)
		if err != nil {
			return nil, storeErr(err, nil)
		}
		return &ReadBusOutput{Events: []BusEvent{}, Next: last}, nil
	}
	out := &ReadBusOutput{Events: []BusEvent{}, Next: after}
	for scanned := 0; scanned < maxBusScan && len(out.Events) < limit; {
		evs, err := s.store.ReadOutbox(ctx, -1, out.Next, 500)
		if err != nil {
			return nil, storeErr(err, nil)
		}
		for _, ev := range evs {
			out.Next = ev.Seq
			if ev.Account == account {
				out.Events = append(out.Events, BusEvent{Seq: ev.Seq, Bus: ev.Bus, Event: ev.Body})
				if len(out.Events) == limit {
					break
				}
			}
		}
		scanned += len(evs)
		if len(evs) < 500 {
			break
		}
	}
	return out, nil
}
