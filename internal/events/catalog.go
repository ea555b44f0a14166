package events

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/batonhq/baton/internal/partition"
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

// Catalog is a reader of the deployed pipelines that several consumers
// share: on a node of a cluster the 64 members of the triggers and of the
// arrivals take their workflows from one Catalog, so that a reload after
// Changed reads the store once, not once per member. Changed bumps a
// generation; the first member that loads after it reads the store (the
// others wait for that read) and the snapshot serves every member until
// the next Changed.
type Catalog struct {
	c catalog

	mu     sync.Mutex
	gen    uint64        // bumped by Changed
	snap   *catalogSnap  // the last read; nil: none yet
	flight chan struct{} // closed when the read going on ends; nil: none
}

// catalogSnap is one read of the catalog, at generation gen.
type catalogSnap struct {
	gen      uint64
	wfs      []*Workflow
	accounts map[string]string
	// byPart are wfs by cluster partition (partition.Of of their ARN).
	byPart [partition.Count][]*Workflow
	// grants were read (withGrants) with the rest.
	grants     []*store.Grant
	grantsRead bool
}

// NewCatalog returns a Catalog over st's state machines and namespaces.
func NewCatalog(st store.Store, region, defaultAccount string) *Catalog {
	return &Catalog{c: catalog{st: st, region: region, defaultAccount: defaultAccount}, gen: 1}
}

// Changed says that workflows, namespaces or grants changed: the next
// load reads the store again.
func (c *Catalog) Changed() {
	c.mu.Lock()
	c.gen++
	c.mu.Unlock()
}

// load returns the pipelines with triggers (of partition part only when
// part >= 0), the account of every namespace and, withGrants, the grants:
// from the snapshot when no Changed came since it was read, else from one
// read of the store shared by the loads waiting meanwhile. The slices and
// maps returned are shared: read only.
func (c *Catalog) load(ctx context.Context, withGrants bool, part int) ([]*Workflow, map[string]string, []*store.Grant, error) {
	for {
		c.mu.Lock()
		if s := c.snap; s != nil && s.gen == c.gen && (s.grantsRead || !withGrants) {
			c.mu.Unlock()
			return s.of(part), s.accounts, s.grants, nil
		}
		if f := c.flight; f != nil {
			c.mu.Unlock()
			select {
			case <-f:
				continue // read what it read, or read anew (Changed meanwhile, it failed)
			case <-ctx.Done():
				return nil, nil, nil, ctx.Err()
			}
		}
		f := make(chan struct{})
		c.flight = f
		s := &catalogSnap{gen: c.gen, grantsRead: withGrants}
		c.mu.Unlock()
		var err error
		s.wfs, s.accounts, err = c.c.load(ctx)
		if err == nil && withGrants {
			s.grants, err = c.c.st.ListGrants(ctx)
		}
		c.mu.Lock()
		c.flight = nil
		close(f)
		if err == nil {
			for _, w := range s.wfs {
				p := partition.Of(w.Arn)
				s.byPart[p] = append(s.byPart[p], w)
			}
			c.snap = s
		}
		c.mu.Unlock()
		if err != nil {
			return nil, nil, nil, err
		}
		// A Changed during the read is the caller's to see: it marked the
		// caller stale, and its next load reads again.
		return s.of(part), s.accounts, s.grants, nil
	}
}

// of returns the workflows of partition part (all: part < 0).
func (s *catalogSnap) of(part int) []*Workflow {
	if part < 0 || part >= partition.Count {
		return s.wfs
	}
	return s.byPart[part]
}

// ofPartition returns the workflows of wfs in partition part.
func ofPartition(wfs []*Workflow, part int) []*Workflow {
	var out []*Workflow
	for _, w := range wfs {
		if partition.Of(w.Arn) == part {
			out = append(out, w)
		}
	}
	return out
}
