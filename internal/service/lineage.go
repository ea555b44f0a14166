package service

import (
	"cmp"
	"context"

	"github.com/batonhq/baton/internal/lineage"
	"github.com/batonhq/baton/internal/pipeline"
	"github.com/batonhq/baton/internal/store"
)

// Lineage is the graph of the pipelines of the namespaces visible says
// (nil: only namespace): their datasets, upstream triggers and health.
func (s *Service) Lineage(ctx context.Context, namespace string, visible func(string) bool) (*lineage.Graph, error) {
	all, err := s.ListNamespaces(ctx)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}    // account -> namespace listed
	accounts := map[string]string{} // namespace -> account, of every namespace
	for _, n := range all {
		accounts[n.Name] = n.AccountID
		if visible != nil && visible(n.Name) || visible == nil && n.Name == cmp.Or(namespace, DefaultNamespace) {
			names[n.AccountID] = n.Name
		}
	}
	if visible == nil && len(names) == 0 {
		if _, err := s.namespaceAccount(ctx, namespace); err != nil {
			return nil, err // says the namespace does not exist
		}
	}
	var ps []lineage.Pipeline
	p := store.Page{Limit: 1000}
	for {
		sms, next, err := s.store.ListStateMachines(ctx, p)
		if err != nil {
			return nil, storeErr(err, nil)
		}
		for _, sm := range sms {
			ns, ok := names[accountOf(sm.Arn)]
			if !ok || sm.Language != pipeline.LanguageName {
				continue
			}
			lp := lineage.Pipeline{Namespace: ns, Name: sm.Name, Arn: sm.Arn, Parsed: s.parsedPipeline(sm)}
			// The latest runs: the first is the last run, the first ended
			// one the last outcome (a running run does not hide a failure).
			exs, _, err := s.store.ListExecutions(ctx, store.ExecutionFilter{StateMachineArn: sm.Arn}, store.Page{Limit: 5})
			if err != nil {
				return nil, storeErr(err, nil)
			}
			for i, e := range exs {
				r := &lineage.Run{Status: e.Status, Start: e.StartDate, Stop: e.StopDate}
				if i == 0 {
					lp.Last = r
				}
				if lp.LastEnded == nil && e.Status != "RUNNING" && e.Status != "PENDING_REDRIVE" {
					lp.LastEnded = r
				}
			}
			ps = append(ps, lp)
		}
		if next == "" {
			break
		}
		p.Token = next
	}
	g := lineage.Build(ps, s.now(), func(ns, name string) string {
		return arns{region: s.cfg.Region, account: accounts[ns]}.stateMachine(name)
	})
	return &g, nil
}

// parsedPipeline is a deployed pipeline's definition parsed, kept for its
// revision (one entry per workflow; nil when it no longer parses: an
// older format).
func (s *Service) parsedPipeline(sm *store.StateMachine) *pipeline.Pipeline {
	if v, ok := s.pipelines.Load(sm.Arn); ok && v.(parsedRevision).rev == sm.RevisionID {
		return v.(parsedRevision).pl
	}
	pl, err := pipeline.Parse([]byte(sm.Definition))
	if err != nil {
		pl = nil
	}
	s.pipelines.Store(sm.Arn, parsedRevision{sm.RevisionID, pl})
	return pl
}

type parsedRevision struct {
	rev string
	pl  *pipeline.Pipeline
}
