package storetest

import (
	"fmt"

	"github.com/batonhq/baton/internal/store"
)

// auditEntry returns an entry of principal in namespace at second n.
func auditEntry(n int, principal, namespace string) *store.AuditEntry {
	return &store.AuditEntry{Time: at(n), Principal: principal, Kind: store.CredentialToken, RemoteAddr: "192.0.2.7:5000",
		Method: "POST", Path: fmt.Sprintf("/api/v1/workflows/w%d/executions", n), Namespace: namespace, Resource: fmt.Sprintf("w%d", n), Status: 201}
}

var auditTests = []test{
	{"AppendListFilter", func(e *env) {
		got, _, err := e.s.ListAudit(e.ctx, store.AuditFilter{}, store.Page{})
		e.ok(err, "ListAudit")
		e.equal(len(got), 0, "entries of a new store")
		var all []*store.AuditEntry
		for i := 1; i <= 7; i++ {
			ns, who := "team-a", "t1"
			if i%2 == 0 {
				ns, who = "team-b", "t2"
			}
			all = append(all, auditEntry(i, who, ns))
		}
		all[6].Operation, all[6].Path, all[6].Status, all[6].Kind = "StartExecution", "/", 403, store.CredentialAccessKey
		e.ok(e.s.AppendAudit(e.ctx, all[:3]), "AppendAudit")
		e.ok(e.s.AppendAudit(e.ctx, all[3:]), "AppendAudit")
		e.ok(e.s.AppendAudit(e.ctx, nil), "AppendAudit of nothing")
		for i := 1; i < len(all); i++ {
			if all[i].Seq <= all[i-1].Seq {
				e.Fatalf("Seq not increasing: %d after %d", all[i].Seq, all[i-1].Seq)
			}
		}
		e.s = e.reopen()
		list := func(f store.AuditFilter) []*store.AuditEntry {
			return walk(e, 2, func(p store.Page) ([]*store.AuditEntry, string, error) { return e.s.ListAudit(e.ctx, f, p) })
		}
		e.equal(list(store.AuditFilter{}), []*store.AuditEntry{all[6], all[5], all[4], all[3], all[2], all[1], all[0]}, "every entry, newest first")
		e.equal(list(store.AuditFilter{Namespace: "team-b"}), []*store.AuditEntry{all[5], all[3], all[1]}, "one namespace's")
		e.equal(list(store.AuditFilter{Principal: "t1", Since: at(3), Until: at(7)}), []*store.AuditEntry{all[4], all[2]}, "one principal's, in [since, until)")
		for _, tok := range badTokens {
			_, _, err := e.s.ListAudit(e.ctx, store.AuditFilter{}, store.Page{Token: tok})
			e.is(err, store.ErrBadToken, "ListAudit with token %q", tok)
		}
	}},
	{"TrimInBatches", func(e *env) {
		var all []*store.AuditEntry
		for i := 1; i <= 5; i++ {
			all = append(all, auditEntry(i, "t1", "team-a"))
		}
		e.ok(e.s.AppendAudit(e.ctx, all), "AppendAudit")
		n, err := e.s.TrimAudit(e.ctx, at(5), 3)
		e.ok(err, "TrimAudit")
		e.equal(n, 3, "a batch of 3 trimmed")
		n, err = e.s.TrimAudit(e.ctx, at(5), 3)
		e.ok(err, "TrimAudit")
		e.equal(n, 1, "the last older entry trimmed")
		got, _, err := e.s.ListAudit(e.ctx, store.AuditFilter{}, store.Page{})
		e.ok(err, "ListAudit")
		e.equal(got, []*store.AuditEntry{all[4]}, "the entry not older than the cutoff")
	}},
}
