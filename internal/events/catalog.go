package events

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/batonhq/baton/internal/pipeline"
	"github.com/batonhq/baton/internal/store"
)

// Workflow is a deployed pipeline with triggers.
type Workflow struct {
	Arn       string // the state machine's ARN
	Name      string
	Namespace string
	Account   string
	Trigger   *pipeline.Trigger
	Revision  string // changes with every update of the workflow
	// Deployed is when its current revision was deployed: a data trigger
	// new in it counts what arrives after.
	Deployed time.Time
}

// catalog reads the deployed pipelines that have a trigger, and maps
// namespaces to accounts.
type catalog struct {
	st             store.Store
	region         string
	defaultAccount string
	// parsed caches the triggers of each pipeline by ARN and revision, so
	// that a reload after one deploy parses that one only.
	mu     sync.Mutex
	parsed map[string]*pipeline.Trigger
}

// load returns the pipelines with triggers, and the account of every
// namespace by name.
func (c *catalog) load(ctx context.Context) ([]*Workflow, map[string]string, error) {
	accounts := map[string]string{"default": c.defaultAccount}
	names := map[string]string{c.defaultAccount: "default"}
	nss, err := c.st.ListNamespaces(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, n := range nss {
		accounts[n.Name] = n.AccountID
		names[n.AccountID] = n.Name
	}
	var out []*Workflow
	c.mu.Lock()
	defer c.mu.Unlock()
	parsed := map[string]*pipeline.Trigger{}
	page := store.Page{Limit: 1000}
	for {
		sms, next, err := c.st.ListStateMachines(ctx, page)
		if err != nil {
			return nil, nil, err
		}
		for _, sm := range sms {
			if sm.Language != pipeline.LanguageName {
				continue
			}
			key := sm.Arn + "\x00" + sm.RevisionID
			trig, ok := c.parsed[key]
			if !ok {
				// Deployed definitions were validated; one that no longer is
				// (an older format) has no trigger: it runs by hand.
				if pl, err := pipeline.Parse([]byte(sm.Definition)); err == nil {
					trig = pl.Trigger
				}
			}
			parsed[key] = trig
			if trig == nil {
				continue
			}
			account := accountOf(sm.Arn)
			out = append(out, &Workflow{Arn: sm.Arn, Name: sm.Name, Namespace: names[account], Account: account,
				Trigger: trig, Revision: sm.RevisionID, Deployed: cmp.Or(sm.UpdatedAt, sm.CreatedAt)})
		}
		if next == "" {
			c.parsed = parsed
			return out, accounts, nil
		}
		page.Token = next
	}
}

// accountOf returns the account of an ARN (its fifth field).
func accountOf(arn string) string {
	f := strings.SplitN(arn, ":", 6)
	if len(f) < 6 {
		return ""
	}
	return f[4]
}

// stateMachineArn returns the ARN of a workflow by name in an account.
func (c *catalog) stateMachineArn(account, name string) string {
	return fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", c.region, account, name)
}
