package events

// The rules consumer: it matches each event of the outbox against the
// enabled rules of its account's bus and, for each target of each rule
// that matches, decides an intent to start the target's workflow, named
// from the event and the rule's target so that starting it twice (a crash
// between the start and its record) starts it once.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strings"
	"sync"
	"time"

	"github.com/batonhq/baton/internal/events/pattern"
	"github.com/batonhq/baton/internal/partition"
	"github.com/batonhq/baton/internal/store"
)

// RulesConsumer is the name of the rules consumer.
const RulesConsumer = "rules"

// Rules matches events against rules and starts their targets.
type Rules struct {
	st     store.Store
	start  Starter
	region string
	now    func() time.Time
	// name is the consumer's name; part is the cluster partition of the
	// rules it acts for (RulePartition), or -1: all.
	name string
	part int
	// cache holds the rules read from the store: its own, or shared by
	// the members of a RulesGroup.
	cache *ruleCache

	mu   sync.Mutex
	trys map[string]int // attempts of intents, by id (since start)
	// slots are the last slots of the scheduled rules (rulesched.go).
	slots          map[string]time.Time
	defaultAccount string
}

type busKey struct{ account, bus string }

// busRules are the enabled rules with patterns of a bus.
type busRules struct {
	m     *pattern.Matcher
	rules map[string]*store.Rule
}

// ruleCache holds the enabled pattern rules of each bus read at one
// generation of the rules (RulesGeneration), and their matchers by
// partition: a bus is listed once per generation for all the members that
// share the cache, and each member matches events against its own rules
// only.
type ruleCache struct {
	region string

	mu     sync.Mutex
	gen    int64 // RulesGeneration the cache was read at
	listed map[busKey][]*store.Rule
	bus    map[busPart]*busRules
	// sched are the scheduled rules of every account at schedGen (members
	// only: the single instance lists them at every tick).
	sched    []acctRule
	schedGen int64

	// The reads of RulesGeneration (generation): genStarted counts those
	// begun; genDone is the last that ended well, which read genN;
	// genFlight is closed when the read going on ends.
	genMu               sync.Mutex
	genStarted, genDone uint64
	genN                int64
	genFlight           chan struct{}
}

// generation returns RulesGeneration as read by a store read that began
// after the call: the rules it says are at least those put before the
// caller read its events. The members of a group call it together (they
// read the same events at once): one read serves all who were waiting
// when it began, rather than a read per member.
func (c *ruleCache) generation(ctx context.Context, st store.Store) (int64, error) {
	c.genMu.Lock()
	want := c.genStarted + 1 // a read that begins from now on
	for {
		if c.genDone >= want {
			n := c.genN
			c.genMu.Unlock()
			return n, nil
		}
		if f := c.genFlight; f != nil {
			c.genMu.Unlock()
			select {
			case <-f:
			case <-ctx.Done():
				return 0, ctx.Err()
			}
			c.genMu.Lock()
			continue
		}
		c.genStarted++
		id, f := c.genStarted, make(chan struct{})
		c.genFlight = f
		c.genMu.Unlock()
		n, err := st.RulesGeneration(ctx)
		c.genMu.Lock()
		c.genFlight = nil
		close(f)
		if err == nil && id > c.genDone {
			c.genN, c.genDone = n, id
		}
		c.genMu.Unlock()
		return n, err
	}
}

type busPart struct {
	busKey
	part int
}

func newRuleCache(region string) *ruleCache {
	return &ruleCache{region: region, gen: -1, schedGen: -1, listed: map[busKey][]*store.Rule{}, bus: map[busPart]*busRules{}}
}

// NewRules returns the rules consumer over st, starting workflows with
// start (the triggers' Starter: a run of that name that exists is done);
// region is the region in rule ARNs.
func NewRules(st store.Store, start Starter, region, defaultAccount string, now func() time.Time) *Rules {
	return newRules(st, start, region, defaultAccount, now, RulesConsumer, -1, newRuleCache(region))
}

func newRules(st store.Store, start Starter, region, defaultAccount string, now func() time.Time, name string, part int, cache *ruleCache) *Rules {
	if now == nil {
		now = time.Now
	}
	return &Rules{st: st, start: start, region: region, defaultAccount: defaultAccount, now: now, name: name, part: part,
		cache: cache, trys: map[string]int{}, slots: map[string]time.Time{}}
}

// RulePartition is the cluster partition of a rule, by its ARN: the
// member of that partition of a RulesGroup fires it (its matched events'
// starts, its schedule's slots). It is FNV-1a (32 bits) of the whole ARN
// modulo partition.Count: stored format (the member's state and intents
// are kept under its partition), never to change.
func RulePartition(ruleArn string) int {
	h := fnv.New32a()
	h.Write([]byte(ruleArn))
	return int(h.Sum32() % partition.Count)
}

// mine reports whether the consumer acts for the rule of ruleArn.
func (r *Rules) mine(ruleArn string) bool {
	return r.part < 0 || RulePartition(ruleArn) == r.part
}

// Consumer returns the consumer to register on the bus.
func (r *Rules) Consumer() Consumer {
	return Consumer{Name: r.name, Load: r.loadSlots, Handle: r.handle, Tick: r.tick, Act: r.act}
}

// startIntent is the body of a rules intent.
type startIntent struct {
	Account         string       `json:"account"`
	StateMachineArn string       `json:"stateMachineArn"`
	Name            string       `json:"name"`
	Input           string       `json:"input"`
	Rule            string       `json:"rule"`
	Retry           *RetryPolicy `json:"retry,omitempty"`
}

// handle decides the starts of a batch of events.
func (r *Rules) handle(ctx context.Context, evs []*store.OutboxEvent, c *store.ConsumerCommit) error {
	gen, err := r.cache.generation(ctx, r.st)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, ev := range evs {
		br, err := r.cache.rulesOf(ctx, r.st, gen, busKey{ev.Account, ev.Bus}, r.part)
		if err != nil {
			return err
		}
		if len(br.rules) == 0 {
			continue
		}
		names, err := br.m.Match(ev.Body)
		if err != nil {
			continue // not a JSON object: no rule matches it
		}
		var id struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(ev.Body, &id)
		for _, name := range names {
			rule := br.rules[name]
			ruleArn := r.ruleArn(rule)
			for _, t := range rule.Targets {
				if ch, addr, ok := NotificationTarget(t.Arn); ok {
					c.Events = append(c.Events, r.notification(ev, id.ID, rule, ruleArn, t, ch, addr))
					continue
				}
				in, err := r.intent(ev, id.ID, rule, ruleArn, t)
				if err != nil {
					return err
				}
				c.Intents = append(c.Intents, in)
			}
		}
	}
	return nil
}

// rulesOf returns the enabled pattern rules of a bus (of partition part
// only, when part >= 0), read once per generation of the rules.
func (c *ruleCache) rulesOf(ctx context.Context, st store.Store, gen int64, k busKey, part int) (*busRules, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen > c.gen {
		// Rules changed. (A member that read an older generation takes
		// the newer rules: read after its events, as it needs.)
		clear(c.listed)
		clear(c.bus)
		c.gen = gen
	}
	if br, ok := c.bus[busPart{k, part}]; ok {
		return br, nil
	}
	listed, ok := c.listed[k]
	if !ok {
		tok := ""
		for {
			rules, next, err := st.ListRules(ctx, k.account, k.bus, "", store.Page{Limit: 1000, Token: tok})
			if err != nil {
				return nil, err
			}
			for _, rule := range rules {
				if rule.State == store.RuleEnabled && rule.EventPattern != "" && len(rule.Targets) > 0 {
					listed = append(listed, rule)
				}
			}
			if next == "" {
				break
			}
			tok = next
		}
		c.listed[k] = listed
	}
	br := &busRules{m: pattern.NewMatcher(), rules: map[string]*store.Rule{}}
	for _, rule := range listed {
		if part >= 0 && RulePartition(ruleArn(c.region, rule)) != part {
			continue
		}
		p, err := pattern.Compile([]byte(rule.EventPattern))
		if err != nil {
			continue // checked by PutRule; a stored bad one matches nothing
		}
		br.m.Add(rule.Name, p)
		br.rules[rule.Name] = rule
	}
	c.bus[busPart{k, part}] = br
	return br, nil
}

func (r *Rules) ruleArn(rule *store.Rule) string { return ruleArn(r.region, rule) }

// ruleArn is the ARN of a rule in region.
func ruleArn(region string, rule *store.Rule) string {
	if rule.Bus == store.DefaultBus {
		return fmt.Sprintf("arn:aws:events:%s:%s:rule/%s", region, rule.Account, rule.Name)
	}
	return fmt.Sprintf("arn:aws:events:%s:%s:rule/%s/%s", region, rule.Account, rule.Bus, rule.Name)
}

// intent is the start of one target for one event. Its id and the
// execution's name derive from the event id, the rule and the target.
func (r *Rules) intent(ev *store.OutboxEvent, eventID string, rule *store.Rule, ruleArn string, rt *store.RuleTarget) (*store.Intent, error) {
	var t Target
	if err := json.Unmarshal(rt.Spec, &t); err != nil {
		return nil, fmt.Errorf("target %s of rule %s: %w", rt.ID, ruleArn, err)
	}
	t.Id, t.Arn = rt.ID, rt.Arn
	input, err := TargetInput(&t, ev.Body, RuleContext{RuleArn: ruleArn, RuleName: rule.Name, Ingestion: ev.Time})
	if err != nil {
		input = "null" // a path the event lacks selects nothing
	}
	if eventID == "" {
		eventID = fmt.Sprintf("seq-%d", ev.Seq)
	}
	h := sha256.Sum256([]byte(eventID + "\x00" + ruleArn + "\x00" + rt.ID))
	sum := hex.EncodeToString(h[:])
	prefix := rule.Name
	if len(prefix) > 64 {
		prefix = prefix[:64]
	}
	body, err := json.Marshal(startIntent{Account: rule.Account, StateMachineArn: t.Arn, Name: prefix + "-" + sum[:15],
		Input: input, Rule: ruleArn, Retry: t.RetryPolicy})
	if err != nil {
		return nil, err
	}
	return &store.Intent{ID: "rule-" + sum, Consumer: r.name, Body: body}, nil
}

// Notification requests: a rule's notification target puts one on the
// bus, which the notifier reads (internal/notify).
const (
	NotificationSource      = "baton.notifications"
	NotificationRequested   = "Notification Requested"
	notificationArnPrefix   = "arn:baton:notifications:"
	maxNotificationAddrSize = 512
)

// NotificationTarget reads a rule target's ARN that asks for a
// notification: arn:baton:notifications:REGION:ACCOUNT:CHANNEL/ADDRESS
// (region and account may be empty), CHANNEL one of slack, email,
// webhook, opsgenie.
func NotificationTarget(arn string) (channel, address string, ok bool) {
	rest, ok := strings.CutPrefix(arn, notificationArnPrefix)
	if !ok {
		return "", "", false
	}
	parts := strings.SplitN(rest, ":", 3)
	if len(parts) != 3 {
		return "", "", false
	}
	channel, address, ok = strings.Cut(parts[2], "/")
	channel = strings.ToUpper(channel)
	switch channel {
	case "SLACK", "EMAIL", "WEBHOOK", "OPSGENIE":
	default:
		return "", "", false
	}
	if !ok || address == "" || len(address) > maxNotificationAddrSize {
		return "", "", false
	}
	return channel, address, true
}

// notification is the bus event that asks the notifier to tell a rule's
// matched event: its text is the target's input (Input, InputPath or
// InputTransformer shape it, as for any target).
func (r *Rules) notification(ev *store.OutboxEvent, eventID string, rule *store.Rule, ruleArn string, rt *store.RuleTarget, ch, addr string) *store.OutboxEvent {
	var t Target
	_ = json.Unmarshal(rt.Spec, &t)
	t.Id, t.Arn = rt.ID, rt.Arn
	input, err := TargetInput(&t, ev.Body, RuleContext{RuleArn: ruleArn, RuleName: rule.Name, Ingestion: ev.Time})
	if err != nil {
		input = "null"
	}
	var src struct {
		Source     string `json:"source"`
		DetailType string `json:"detail-type"`
	}
	_ = json.Unmarshal(ev.Body, &src)
	if eventID == "" {
		eventID = fmt.Sprintf("seq-%d", ev.Seq)
	}
	h := sha256.Sum256([]byte(eventID + "\x00" + ruleArn + "\x00" + rt.ID))
	body, _ := json.Marshal(map[string]any{"version": "0", "id": hex.EncodeToString(h[:16]), "source": NotificationSource,
		"detail-type": NotificationRequested, "account": rule.Account, "time": ev.Time.UTC().Format(time.RFC3339), "region": r.region,
		"resources": []string{ruleArn}, "detail": map[string]any{"rule": ruleArn, "ruleName": rule.Name, "channel": ch, "address": addr,
			"text": input, "eventId": eventID, "eventSource": src.Source, "eventDetailType": src.DetailType}})
	return &store.OutboxEvent{Partition: store.PartitionOf(ruleArn), Account: rule.Account, Bus: store.DefaultBus, Time: ev.Time, Body: body}
}

// Defaults of a target's retry policy, EventBridge's.
const (
	defaultMaxAttempts = 185
	defaultMaxAge      = 24 * time.Hour
)

// act starts the workflow of an intent. A refusal of the start itself
// (the workflow was deleted, the input is refused: the Starter marks it
// Permanent) is given up; other failures are tried again within the
// target's retry policy.
func (r *Rules) act(ctx context.Context, in *store.Intent) error {
	var si startIntent
	if err := json.Unmarshal(in.Body, &si); err != nil {
		return Permanent(fmt.Errorf("intent %s: %w", in.ID, err))
	}
	err := r.start.Start(ctx, RunRequest{StateMachineArn: si.StateMachineArn, Name: si.Name, Input: si.Input,
		Trigger: map[string]any{"rule": si.Rule}})
	r.mu.Lock()
	defer r.mu.Unlock()
	if err == nil || IsPermanent(err) {
		delete(r.trys, in.ID)
		return err
	}
	r.trys[in.ID]++
	maxTries, maxAge := defaultMaxAttempts, defaultMaxAge
	if p := si.Retry; p != nil {
		if p.MaximumRetryAttempts != nil {
			maxTries = *p.MaximumRetryAttempts
		}
		if p.MaximumEventAgeInSeconds != nil {
			maxAge = time.Duration(*p.MaximumEventAgeInSeconds) * time.Second
		}
	}
	if r.trys[in.ID] > maxTries || (!in.Created.IsZero() && r.now().Sub(in.Created) > maxAge) {
		delete(r.trys, in.ID)
		return Permanent(fmt.Errorf("rule %s gave up starting %s after %d attempts (its RetryPolicy): %w", si.Rule, si.StateMachineArn, maxTries+1, err))
	}
	return err
}
