package events

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/batonhq/baton/internal/events/schedule"
	"github.com/batonhq/baton/internal/store"
)

// Scheduled rules: an EventBridge rule with a ScheduleExpression (on the
// default bus) fires its targets at each slot, with EventBridge's
// "Scheduled Event" as the event their input is made from. Like
// EventBridge, a rule does not catch up on slots missed while the server
// was down: it fires for the latest of them only.

const (
	ruleSlotPrefix = "s/"
	// rulesRescan is how often the scheduled rules are read again, to see
	// rules put meanwhile (a rule's first slot counts from when it was put,
	// so reading it late loses nothing).
	rulesRescan = 15 * time.Second
)

// loadSlots reads the rules' last slots.
func (r *Rules) loadSlots(ctx context.Context) error {
	slots := map[string]time.Time{}
	err := r.st.ConsumerState(ctx, r.name, func(key string, v []byte) error {
		if strings.HasPrefix(key, ruleSlotPrefix) {
			var t time.Time
			if t.UnmarshalText(v) == nil {
				slots[key] = t
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.slots = slots
	return nil
}

// tick fires the scheduled rules whose slot came.
func (r *Rules) tick(ctx context.Context, now time.Time, c *store.ConsumerCommit) (time.Time, error) {
	rules, err := r.scheduled(ctx)
	if err != nil {
		return time.Time{}, err
	}
	next := now.Add(rulesRescan)
	live := map[string]bool{}
	for _, ar := range rules {
		acct, rule := ar.acct, ar.rule
		expr, err := schedule.Parse(rule.ScheduleExpression)
		if err != nil {
			continue // checked by PutRule
		}
		h := sha256.Sum256([]byte(rule.ScheduleExpression))
		key := fmt.Sprintf("%s%s/%s/%s", ruleSlotPrefix, acct, rule.Name, hex.EncodeToString(h[:4]))
		live[key] = true
		r.mu.Lock()
		last, ok := r.slots[key]
		r.mu.Unlock()
		if !ok {
			last = rule.Modified // the first slot comes after the rule was put
		}
		// The latest slot due, if any.
		var due time.Time
		for at := last; ; {
			s, ok := expr.Next(at, time.UTC)
			if !ok || s.After(now) {
				if ok && s.Before(next) {
					next = s
				}
				break
			}
			due, at = s, s
		}
		if due.IsZero() {
			if !ok {
				r.saveSlot(key, last, c)
			}
			continue
		}
		ruleArn := r.ruleArn(rule)
		ev, id := scheduledEvent(r.region, acct, ruleArn, due)
		for _, t := range rule.Targets {
			in, err := r.intent(ev, id, rule, ruleArn, t)
			if err != nil {
				return time.Time{}, err
			}
			c.Intents = append(c.Intents, in)
		}
		r.saveSlot(key, due, c)
	}
	// Forget the slots of rules that are gone or changed.
	r.mu.Lock()
	for key := range r.slots {
		if !live[key] {
			delete(r.slots, key)
			if c.State == nil {
				c.State = map[string][]byte{}
			}
			c.State[key] = nil
		}
	}
	r.mu.Unlock()
	return next, nil
}

// acctRule is a scheduled rule and the account it was listed in.
type acctRule struct {
	acct string
	rule *store.Rule
}

// scheduled lists the enabled scheduled rules with targets of every
// account's default bus that the consumer fires: the single instance
// lists them at every tick; a member of a RulesGroup takes its own from
// the list the members share, read again when RulesGeneration moved.
func (r *Rules) scheduled(ctx context.Context) ([]acctRule, error) {
	if r.part < 0 {
		return listScheduled(ctx, r.st, r.defaultAccount)
	}
	gen, err := r.cache.generation(ctx, r.st)
	if err != nil {
		return nil, err
	}
	all, err := r.cache.scheduledAt(ctx, r.st, gen, r.defaultAccount)
	if err != nil {
		return nil, err
	}
	var out []acctRule
	for _, ar := range all {
		if r.mine(r.ruleArn(ar.rule)) {
			out = append(out, ar)
		}
	}
	return out, nil
}

// scheduledAt returns the scheduled rules, listed once per generation.
func (c *ruleCache) scheduledAt(ctx context.Context, st store.Store, gen int64, defaultAccount string) ([]acctRule, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sched != nil && gen <= c.schedGen {
		return c.sched, nil
	}
	rules, err := listScheduled(ctx, st, defaultAccount)
	if err != nil {
		return nil, err
	}
	if rules == nil {
		rules = []acctRule{}
	}
	c.sched, c.schedGen = rules, gen
	return rules, nil
}

// listScheduled lists the enabled scheduled rules with targets of every
// account's default bus.
func listScheduled(ctx context.Context, st store.Store, defaultAccount string) ([]acctRule, error) {
	accounts := []string{defaultAccount}
	nss, err := st.ListNamespaces(ctx)
	if err != nil {
		return nil, err
	}
	for _, n := range nss {
		accounts = append(accounts, n.AccountID)
	}
	var out []acctRule
	for _, acct := range accounts {
		tok := ""
		for {
			rules, more, err := st.ListRules(ctx, acct, store.DefaultBus, "", store.Page{Limit: 1000, Token: tok})
			if err != nil {
				return nil, err
			}
			for _, rule := range rules {
				if rule.ScheduleExpression != "" && rule.State == store.RuleEnabled && len(rule.Targets) > 0 {
					out = append(out, acctRule{acct, rule})
				}
			}
			if more == "" {
				break
			}
			tok = more
		}
	}
	return out, nil
}

func (r *Rules) saveSlot(key string, at time.Time, c *store.ConsumerCommit) {
	r.mu.Lock()
	r.slots[key] = at
	r.mu.Unlock()
	b, _ := at.MarshalText()
	if c.State == nil {
		c.State = map[string][]byte{}
	}
	c.State[key] = b
}

// scheduledEvent is EventBridge's event of a scheduled rule's slot; its id
// derives from the rule and the slot, so a slot fires its targets once.
func scheduledEvent(region, account, ruleArn string, slot time.Time) (*store.OutboxEvent, string) {
	h := sha256.Sum256([]byte(ruleArn + "\x00" + slot.UTC().Format(time.RFC3339)))
	id := uuidOf(h[:16])
	body, _ := json.Marshal(map[string]any{"version": "0", "id": id, "detail-type": "Scheduled Event",
		"source": "aws.events", "account": account, "time": slot.UTC().Format(time.RFC3339), "region": region,
		"resources": []string{ruleArn}, "detail": map[string]any{}})
	return &store.OutboxEvent{Account: account, Bus: store.DefaultBus, Time: slot, Body: body}, id
}
