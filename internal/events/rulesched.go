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
	err := r.st.ConsumerState(ctx, RulesConsumer, func(key string, v []byte) error {
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
	accounts := []string{r.defaultAccount}
	nss, err := r.st.ListNamespaces(ctx)
	if err != nil {
		return time.Time{}, err
	}
	for _, n := range nss {
		accounts = append(accounts, n.AccountID)
	}
	next := now.Add(rulesRescan)
	live := map[string]bool{}
	for _, acct := range accounts {
		tok := ""
		for {
			rules, more, err := r.st.ListRules(ctx, acct, store.DefaultBus, "", store.Page{Limit: 1000, Token: tok})
			if err != nil {
				return time.Time{}, err
			}
			for _, rule := range rules {
				if rule.ScheduleExpression == "" || rule.State != store.RuleEnabled || len(rule.Targets) == 0 {
					continue
				}
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
			if more == "" {
				break
			}
			tok = more
		}
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
