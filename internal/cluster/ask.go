package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/engine"
	"github.com/batonhq/baton/internal/partition"
)

// Queries are questions the server asks of the node that knows the
// answer from its memory: the trigger explanation of a workflow, which
// the owner of its partition holds (when watched data is next listed, why
// a listing fails), or the notification destinations failing on a node.
// The cluster carries them and knows nothing of what they ask. A query is
// given the ARN it is about ("" for a node-wide one) and its arguments as
// JSON; its answer travels as JSON.
type Queries map[string]func(ctx context.Context, arn string, args json.RawMessage) (any, error)

// askAllTimeout bounds the wait for each node's answer to AskAll: a node
// that does not answer in time is left out rather than holding up the
// caller's request.
const askAllTimeout = 3 * time.Second

// serveQuery answers a query of another node. A query about an ARN is
// answered only while this node owns its partition: otherwise the asking
// router is told so and asks the new owner.
func serveQuery(ctx context.Context, eng Engine, qs Queries, req *request) *reply {
	fn := qs[req.Query]
	if fn == nil {
		return &reply{Err: encodeError(apierr.New(apierr.ValidationException, "unknown query %q", req.Query))}
	}
	if req.Arn != "" && !eng.Owned().Has(partition.Of(req.Arn)) {
		return &reply{Err: encodeError(&apierr.Error{Code: engine.NotOwnerCode, Status: http.StatusServiceUnavailable,
			Message: fmt.Sprintf("this node does not run the partition of %s; retry", req.Arn)})}
	}
	v, err := fn(ctx, req.Arn, req.Args)
	if err != nil {
		return &reply{Err: encodeError(err)}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return &reply{Err: encodeError(fmt.Errorf("encoding the answer to %s: %w", req.Query, err))}
	}
	return &reply{Answer: b}
}

// Ask answers query about arn on the node owning arn's partition: local
// here when this node owns it, else the owner's answer decoded into out.
// A partition that moves meanwhile is followed, as for any routed call.
func (r *Router) Ask(ctx context.Context, query, arn string, args any, local func() error, out any) error {
	b, err := json.Marshal(args)
	if err != nil {
		return err
	}
	return r.route(ctx, arn, local, func(addr string) error {
		rep, err := r.rpc.do(ctx, addr, &request{Op: opQuery, Query: query, Arn: arn, Args: b})
		if err != nil {
			return err
		}
		if err := json.Unmarshal(rep.Answer, out); err != nil {
			return fmt.Errorf("reading the answer of the cluster's node %s to %s: %w", addr, query, err)
		}
		return nil
	})
}

// AskAll asks query of every other live node at once and returns their
// answers by node name. The nodes that did not answer (down, slow, or
// from before the query existed) are in missed, sorted, with why.
func (r *Router) AskAll(ctx context.Context, query string, args any) (answers map[string]json.RawMessage, missed []string, err error) {
	b, err := json.Marshal(args)
	if err != nil {
		return nil, nil, err
	}
	answers = map[string]json.RawMessage{}
	var mu sync.Mutex
	err = r.eachOther(ctx, func(ctx context.Context, n Node) {
		rep, err := r.rpc.do(ctx, n.Addr, &request{Op: opQuery, Query: query, Args: b})
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			missed = append(missed, fmt.Sprintf("%s (%v)", n.Holder, err))
			return
		}
		answers[n.Holder] = rep.Answer
	})
	sort.Strings(missed)
	return answers, missed, err
}

// eachOther calls fn for every other live node at once, each with
// askAllTimeout to answer, and returns when all have returned.
func (r *Router) eachOther(ctx context.Context, fn func(ctx context.Context, n Node)) error {
	nodes, err := r.dir.Nodes(ctx)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	for _, n := range nodes {
		if n.Holder == r.self || n.Addr == "" {
			continue
		}
		wg.Go(func() {
			cctx, cancel := context.WithTimeout(ctx, askAllTimeout)
			defer cancel()
			fn(cctx, n)
		})
	}
	wg.Wait()
	return nil
}
