package server

import (
	"context"
	"encoding/json"
	"time"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/cluster"
	"github.com/batonhq/baton/internal/events"
	"github.com/batonhq/baton/internal/notify"
)

// What a node of a cluster asks the others (cluster.Queries): what only
// the memory of the node running a workflow's partition knows.
const (
	// queryExplain is a workflow's trigger explanation, from the owner
	// of its partition: when its watched data is next listed and why a
	// listing fails are in that node's memory only.
	queryExplain = "explainTriggers"
	// queryFailing are the notification destinations failing on a node.
	queryFailing = "failingDestinations"
)

// explainArgs are queryExplain's arguments.
type explainArgs struct {
	Now time.Time `json:"now"`
}

// clusterQueries answers the other nodes' queries.
func clusterQueries(explain explainer, notifier notifications) cluster.Queries {
	return cluster.Queries{
		queryExplain: func(ctx context.Context, arn string, args json.RawMessage) (any, error) {
			var a explainArgs
			if err := json.Unmarshal(args, &a); err != nil {
				return nil, apierr.New(apierr.ValidationException, "%s: its arguments: %v", queryExplain, err)
			}
			return explain.Explain(ctx, arn, a.Now)
		},
		queryFailing: func(context.Context, string, json.RawMessage) (any, error) {
			return notifier.d.Status().Failing, nil
		},
	}
}

// explainTimeout bounds the wait for the owner's explanation, after which
// the stored state answers (a partition moving between nodes).
const explainTimeout = 3 * time.Second

// askOwnerExplain explains a workflow's triggers from the node owning its
// partition (local, this node's consumers, when it is this one). When the
// owner cannot answer in time, the state it stored answers, as local does
// on a node that does not run the workflow.
func askOwnerExplain(ctx context.Context, r *cluster.Router, arn string, now time.Time, local func(context.Context) (*events.Explanation, error)) (*events.Explanation, error) {
	actx, cancel := context.WithTimeout(ctx, explainTimeout)
	defer cancel()
	var ex *events.Explanation
	err := r.Ask(actx, queryExplain, arn, explainArgs{Now: now}, func() (err error) {
		ex, err = local(actx)
		return err
	}, &ex)
	if err == nil && ex != nil {
		return ex, nil
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return local(ctx)
}

// failingOnOtherNodes are the destinations failing on the cluster's other
// nodes, and those that did not say.
func failingOnOtherNodes(r *cluster.Router) func(ctx context.Context) ([]notify.LaneFailing, []string) {
	return func(ctx context.Context) ([]notify.LaneFailing, []string) {
		answers, missed, err := r.AskAll(ctx, queryFailing, struct{}{})
		if err != nil {
			return nil, []string{"the other nodes (" + err.Error() + ")"}
		}
		var out []notify.LaneFailing
		for node, b := range answers {
			var ls []notify.LaneFailing
			if err := json.Unmarshal(b, &ls); err != nil {
				missed = append(missed, node+" (its answer: "+err.Error()+")")
				continue
			}
			out = append(out, ls...)
		}
		return out, missed
	}
}
