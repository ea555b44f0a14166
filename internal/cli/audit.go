package cli

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/batonhq/baton/client"
	"github.com/batonhq/baton/internal/service"
)

// auditFlags are baton audit's flags.
type auditFlags struct {
	remoteFlags
	since, until, principal string
	limit                   int
}

func newAuditCmd() *cobra.Command {
	var f auditFlags
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Show the audit log: who changed what, and which requests were refused",
		Long: `audit shows the server's audit log, newest first: every request that changed
something (deploys, starts, stops, tokens made...) and every request refused
(401, 403), with its time, the credential that made it, the address it came
from, the method and path (or AWS operation), the namespace, the resource and
the status answered. Never a request's body or credential.

It reads the log of --namespace (default "default") and needs admin there;
--namespace '*' reads every namespace's entries, and those of requests that
named none (refused ones without a credential), and needs admin on every
namespace.`,
		Example: `  baton audit --namespace team-a --since 1h
  baton audit --namespace '*' --since 7d --principal 2gsu42w6jeyz4
  baton audit --namespace team-a --since 2026-12-01T00:00:00Z --until 2026-12-02T00:00:00Z --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runAudit(cmd, &f) },
	}
	addRemoteFlags(cmd, &f.remoteFlags, true)
	fl := cmd.Flags()
	fl.StringVar(&f.since, "since", "", "entries since this time (RFC 3339) or this long ago (90m, 24h, 7d)")
	fl.StringVar(&f.until, "until", "", "entries before this time (RFC 3339) or this long ago")
	fl.StringVar(&f.principal, "principal", "", "only the entries of this credential (a token's or access key's id)")
	fl.IntVar(&f.limit, "limit", 100, "most entries shown")
	return cmd
}

// auditTime reads --since or --until.
func auditTime(flag, v string, now time.Time) (time.Time, error) {
	t, err := service.ParseTimeOrAgo(v, now)
	if err != nil {
		return time.Time{}, usageErr("%s %v", flag, err)
	}
	return t, nil
}

func runAudit(cmd *cobra.Command, f *auditFlags) error {
	if f.limit < 1 {
		return usageErr("--limit %d: want at least 1", f.limit)
	}
	now := time.Now()
	since, err := auditTime("--since", f.since, now)
	if err != nil {
		return err
	}
	until, err := auditTime("--until", f.until, now)
	if err != nil {
		return err
	}
	c, err := f.client()
	if err != nil {
		return err
	}
	q := client.AuditQuery{Since: since, Until: until, Principal: f.principal}
	entries := []client.AuditEntry{}
	for len(entries) < f.limit {
		q.Limit = min(f.limit-len(entries), 1000)
		page, err := c.ListAudit(context.Background(), q)
		if err != nil {
			return apiErr(&f.remoteFlags, err)
		}
		entries = append(entries, page.Entries...)
		if q.NextToken = page.NextToken; q.NextToken == "" {
			break
		}
	}
	if f.json() {
		return printJSON(cmd.OutOrStdout(), entries)
	}
	w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "TIME\tPRINCIPAL\tFROM\tREQUEST\tNAMESPACE\tRESOURCE\tSTATUS")
	for _, e := range entries {
		who := cmp.Or(e.Principal, e.Kind, "-")
		req := e.Method + " " + e.Path
		if e.Operation != "" {
			req = e.Operation
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Time.Local().Format(time.DateTime), who, e.RemoteAddr, req,
			cmp.Or(e.Namespace, "-"), cmp.Or(e.Resource, "-"), strconv.Itoa(e.Status))
	}
	return w.Flush()
}
