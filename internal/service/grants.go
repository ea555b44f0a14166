package service

// Grants between namespaces: a pipeline of one namespace may trigger on
// the runs of another namespace's workflow (trigger.executions, the
// field's allOf across accounts) only when that namespace granted it. The
// upstream team consents to be watched: its run outcomes (and outputs,
// which a trigger passes on) reach the downstream team's pipeline.

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/pipeline"
	"github.com/batonhq/baton/internal/store"
)

// Grant is a grant as the API shows it.
type Grant struct {
	From         string `json:"from"`
	To           string `json:"to"`
	Workflow     string `json:"workflow"`
	CreationDate Time   `json:"creationDate,omitzero"`
	CreatedBy    string `json:"createdBy,omitempty"`
}

// CreateGrant lets namespace to trigger on workflow ("*": every workflow)
// of namespace from. by names the caller, for the record.
func (s *Service) CreateGrant(ctx context.Context, from, to, workflow, by string) (*Grant, error) {
	if err := s.checkGrant(ctx, from, to, workflow); err != nil {
		return nil, err
	}
	g := &store.Grant{From: from, To: to, Workflow: workflow, Created: s.now(), CreatedBy: by}
	if err := s.store.CreateGrant(ctx, g); err != nil {
		return nil, storeErr(err, func() error {
			return apierr.New(apierr.ConflictException, "namespace %s already grants %s the runs of %s", from, to, workflow)
		})
	}
	s.changed() // the triggers read the grants again
	return grantOut(g), nil
}

func (s *Service) checkGrant(ctx context.Context, from, to, workflow string) error {
	if from == to {
		return apierr.New(apierr.ValidationException, "a grant from namespace %s to itself is not needed: a namespace's pipelines see its own runs", from)
	}
	for _, ns := range []string{from, to} {
		if _, err := s.namespaceAccount(ctx, ns); err != nil {
			return err
		}
	}
	if workflow != "*" {
		if err := checkName("workflow", workflow); err != nil {
			return err
		}
	}
	return nil
}

// ListGrants lists the grants from or to namespace ("*": every grant).
func (s *Service) ListGrants(ctx context.Context, namespace string) ([]Grant, error) {
	all, err := s.store.ListGrants(ctx)
	if err != nil {
		return nil, storeErr(err, nil)
	}
	out := []Grant{}
	for _, g := range all {
		if namespace == "*" || g.From == namespace || g.To == namespace {
			out = append(out, *grantOut(g))
		}
	}
	return out, nil
}

// DeleteGrant revokes a grant. Pipelines deployed under it stop seeing
// the upstream runs that end after it (the triggers read the grants
// again); they are not undeployed.
func (s *Service) DeleteGrant(ctx context.Context, from, to, workflow string) error {
	if err := s.store.DeleteGrant(ctx, from, to, workflow); err != nil {
		return storeErr(err, func() error {
			return apierr.New(apierr.ResourceNotFound, "namespace %s grants %s nothing for %s (the grants: baton grants list --namespace %s)", from, to, workflow, from)
		})
	}
	s.changed()
	return nil
}

func grantOut(g *store.Grant) *Grant {
	return &Grant{From: g.From, To: g.To, Workflow: g.Workflow, CreationDate: NewTime(g.Created), CreatedBy: g.CreatedBy}
}

// checkGrants refuses a pipeline of namespace ns whose trigger watches
// another namespace's workflow without its grant (when grants are
// required).
func (s *Service) checkGrants(ctx context.Context, ns string, pl *pipeline.Pipeline) error {
	if !s.cfg.RequireGrants || pl.Trigger == nil || pl.Trigger.Executions == nil {
		return nil
	}
	x := pl.Trigger.Executions
	var grants []*store.Grant
	loaded := false
	var missing []string
	for _, c := range append(append([]pipeline.UpstreamCondition(nil), x.AllOf...), x.AnyOf...) {
		from := cmp.Or(c.Namespace, ns)
		if from == ns {
			continue
		}
		if !loaded {
			var err error
			if grants, err = s.store.ListGrants(ctx); err != nil {
				return storeErr(err, nil)
			}
			loaded = true
		}
		if !store.Granted(grants, from, ns, c.Name) {
			missing = append(missing, fmt.Sprintf("%s of namespace %s (an admin of %s: baton grants create --namespace %s --to %s --workflow %s)", c.Name, from, from, from, ns, c.Name))
		}
	}
	if len(missing) > 0 {
		return apierr.New(apierr.InvalidDefinition, "Invalid Pipeline: %s triggers on runs of other namespaces that grant namespace %s nothing: %s",
			pl.Name, ns, strings.Join(missing, "; "))
	}
	return nil
}
