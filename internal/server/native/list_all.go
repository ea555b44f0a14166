package native

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/batonhq/baton/internal/service"
)

// Limits of listing the executions of every workflow.
const (
	defaultListLimit = 100
	// maxListAllDepth bounds offset+limit of a listing across workflows:
	// each page reads that many executions of each workflow.
	maxListAllDepth = 10000
	allTokenPrefix  = "all."
)

// listAllExecutions lists the executions of every workflow, newest first.
// The service lists one state machine at a time, so this merges their
// lists; its page token is the offset into the merged list ("all.N").
func (h *handler) listAllExecutions(ctx context.Context, ns string, in *service.ListExecutionsInput) (*service.ListExecutionsOutput, error) {
	limit := in.MaxResults
	if limit <= 0 {
		limit = defaultListLimit
	}
	offset := 0
	if in.NextToken != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(in.NextToken, allTokenPrefix))
		if !strings.HasPrefix(in.NextToken, allTokenPrefix) || err != nil || n < 0 {
			return nil, badRequest("next=%q was not issued by a listing of every workflow's executions (a token of ?workflow=X works only with that workflow)", in.NextToken)
		}
		offset = n
	}
	if in.StatusFilter == service.StatusSuccessAlias {
		in.StatusFilter = service.StatusSucceeded
	}
	switch in.StatusFilter {
	case "", service.StatusRunning, service.StatusSucceeded, service.StatusFailed, service.StatusTimedOut, service.StatusAborted, service.StatusPendingRedrive, service.StatusQueued:
	default:
		return nil, badRequest("status=%q: want RUNNING, QUEUED, SUCCEEDED, FAILED, TIMED_OUT, ABORTED or PENDING_REDRIVE", in.StatusFilter)
	}
	depth := offset + limit
	if depth > maxListAllDepth {
		return nil, badRequest("listing every workflow's executions goes %d deep at most; narrow it with ?workflow=NAME or ?status=", maxListAllDepth)
	}
	var all []service.ExecutionListItem
	more := false
	next := ""
	for {
		sms, err := h.svc.ListStateMachines(ctx, &service.ListStateMachinesInput{MaxResults: 1000, NextToken: next, Namespace: ns})
		if err != nil {
			return nil, err
		}
		for _, sm := range sms.StateMachines {
			items, truncated, err := h.firstExecutions(ctx, sm.StateMachineArn, in.StatusFilter, depth+1)
			if err != nil {
				return nil, err
			}
			all = append(all, items...)
			more = more || truncated
		}
		if next = sms.NextToken; next == "" {
			break
		}
	}
	slices.SortFunc(all, func(a, b service.ExecutionListItem) int {
		if c := b.StartDate.Compare(a.StartDate.Time); c != 0 {
			return c
		}
		return cmp.Compare(a.ExecutionArn, b.ExecutionArn)
	})
	out := &service.ListExecutionsOutput{Executions: []service.ExecutionListItem{}}
	if offset < len(all) {
		out.Executions = all[offset:min(len(all), depth)]
	}
	if len(all) > depth || more {
		out.NextToken = allTokenPrefix + strconv.Itoa(depth)
	}
	return out, nil
}

// firstExecutions returns up to n of a state machine's newest executions,
// and whether it has more.
func (h *handler) firstExecutions(ctx context.Context, smArn, status string, n int) ([]service.ExecutionListItem, bool, error) {
	var out []service.ExecutionListItem
	next := ""
	for len(out) < n {
		page, err := h.svc.ListExecutions(ctx, &service.ListExecutionsInput{
			StateMachineArn: smArn, StatusFilter: status, MaxResults: min(1000, n-len(out)), NextToken: next,
		})
		if isCode(err, "StateMachineDoesNotExist") {
			return out, false, nil // deleted meanwhile
		}
		if err != nil {
			return nil, false, err
		}
		out = append(out, page.Executions...)
		if next = page.NextToken; next == "" {
			return out, false, nil
		}
	}
	return out, next != "", nil
}
