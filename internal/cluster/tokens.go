package cluster

import (
	"context"
	"errors"
	"sync"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/engine"
	"github.com/batonhq/baton/internal/store"
)

// Task tokens that only one node knows. The token of an open task of a
// Standard execution is in the store, which tells its execution and so
// the node to ask. An Express execution is stored once it ends: its
// tasks' tokens (a callback's, an activity's, a nested start's) live in
// the memory of the node running it. A node that neither the store nor
// its own engine can answer for a token asks every other node at once;
// the one that runs the task answers, the others say TaskTimedOut. The
// node that answered is remembered for the token's next calls
// (heartbeats), so that only the first call of a token asks them all.

// tokenNodes bounds the tokens whose node is remembered.
const tokenNodes = 4096

// tokenCache remembers which node answered for a token, the oldest
// forgotten first.
type tokenCache struct {
	mu    sync.Mutex
	addr  map[string]string
	order []string
}

func (c *tokenCache) get(token string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.addr[token]
}

func (c *tokenCache) put(token, addr string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.addr == nil {
		c.addr = map[string]string{}
	}
	if _, ok := c.addr[token]; !ok {
		if len(c.order) >= tokenNodes {
			delete(c.addr, c.order[0])
			c.order = c.order[1:]
		}
		c.order = append(c.order, token)
	}
	c.addr[token] = addr
}

func (c *tokenCache) forget(token string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.addr, token) // its place in order goes with the oldest
}

// notHere reports whether a node's answer for a token says that it does
// not run the token's task: the task is unknown there, or the node was
// not reached. Any other answer comes from the node that runs it.
func notHere(err error) bool {
	if e, ok := apierr.As(err); ok {
		return e.Code == apierr.TaskTimedOut || e.Code == apierr.InvalidToken || e.Code == apierr.ServiceUnavailable ||
			e.Code == engine.NotOwnerCode
	}
	return err != nil
}

// unknownToken reports whether this node's answer for a token that the
// store does not hold says that it does not know it.
func unknownToken(err error) bool {
	e, ok := apierr.As(err)
	return ok && e.Code == apierr.TaskTimedOut
}

// elsewhere runs call for token on the other live nodes, the remembered
// one first, until one runs the token's task: its answer (nil, or the
// error of that node) is returned; notFound when none does.
func (r *Router) elsewhere(ctx context.Context, token string, notFound error, call func(ctx context.Context, addr string) error) error {
	if addr := r.tokens.get(token); addr != "" {
		cctx, cancel := context.WithTimeout(ctx, askAllTimeout)
		err := call(cctx, addr)
		cancel()
		if !notHere(err) {
			return err
		}
		r.tokens.forget(token)
	}
	var mu sync.Mutex
	var answer error
	found := false
	err := r.eachOther(ctx, func(ctx context.Context, n Node) {
		err := call(ctx, n.Addr)
		if notHere(err) {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if !found || err == nil {
			found, answer = true, err
		}
		if err == nil {
			r.tokens.put(token, n.Addr)
		}
	})
	if err != nil {
		return apierr.StoreFault(err)
	}
	if !found {
		return notFound
	}
	return answer
}

// tokenExecutionElsewhere is TokenExecution of a token only another
// node's memory holds.
func (r *Router) tokenExecutionElsewhere(ctx context.Context, token string, notFound error) (string, error) {
	var mu sync.Mutex
	var arn string
	err := r.elsewhere(ctx, token, notFound, func(ctx context.Context, addr string) error {
		rep, err := r.rpc.do(ctx, addr, &request{Op: opTokenExecution, Token: token})
		if err != nil {
			return err
		}
		if rep.Arn == "" {
			return errors.New("the cluster's node answered no execution")
		}
		mu.Lock()
		arn = rep.Arn
		mu.Unlock()
		return nil
	})
	if err != nil {
		return "", err
	}
	mu.Lock()
	defer mu.Unlock()
	return arn, nil
}

// byToken routes a call on a task token: to the owner of its execution
// when the store holds the token, else to this node's engine, and when
// that does not know it either, to the node whose memory holds it (an
// Express execution's task).
func (r *Router) byToken(ctx context.Context, token string, local func() error, forward func(ctx context.Context, addr string) error) error {
	t, err := r.dir.GetTask(ctx, token)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			return apierr.StoreFault(err)
		}
		err := local()
		if unknownToken(err) {
			return r.elsewhere(ctx, token, err, forward)
		}
		return err
	}
	return r.route(ctx, t.ExecutionArn, local, func(addr string) error { return forward(ctx, addr) })
}
