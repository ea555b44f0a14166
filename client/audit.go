package client

import (
	"context"
	"net/url"
	"time"
)

// AuditEntry is one request recorded in the audit log: who made it, from
// where, what it asked and how it ended (never its body or credential).
type AuditEntry struct {
	Seq        int64     `json:"seq,omitempty"`
	Time       time.Time `json:"time"`
	Principal  string    `json:"principal,omitempty"` // the credential's id
	Kind       string    `json:"kind,omitempty"`      // token, access-key, anonymous; "" without a valid credential
	RemoteAddr string    `json:"remoteAddr"`
	Method     string    `json:"method"`
	Path       string    `json:"path"`
	Operation  string    `json:"operation,omitempty"` // the AWS API's operation
	Namespace  string    `json:"namespace,omitempty"`
	Resource   string    `json:"resource,omitempty"`
	Status     int       `json:"status"`
}

// AuditQuery selects audit entries; zero fields do not filter.
type AuditQuery struct {
	Since, Until time.Time
	Principal    string // a credential's id
	Limit        int    // entries per page (the server's default: 100)
	NextToken    string // from the previous page
}

// AuditPage is one page of the audit log, newest first.
type AuditPage struct {
	Entries   []AuditEntry `json:"entries"`
	NextToken string       `json:"nextToken,omitempty"`
}

// ListAudit reads a page of the audit log of the Client's namespace ("*":
// every namespace's, for admins of every namespace). It needs admin of the
// namespace.
func (c *Client) ListAudit(ctx context.Context, q AuditQuery) (*AuditPage, error) {
	v := pageQuery(q.Limit, q.NextToken)
	setTime := func(name string, t time.Time) {
		if !t.IsZero() {
			v.Set(name, t.UTC().Format(time.RFC3339Nano))
		}
	}
	setTime("since", q.Since)
	setTime("until", q.Until)
	if q.Principal != "" {
		v.Set("principal", q.Principal)
	}
	var out AuditPage
	if _, err := c.call(ctx, "GET", "/audit", v, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// SetNamespaceRetention sets how long a namespace keeps its closed
// executions: "30d", "36h", "0" (forever) or "default" (the server's
// --execution-retention). It needs admin on every namespace.
func (c *Client) SetNamespaceRetention(ctx context.Context, namespace, retention string) (*Namespace, error) {
	var out Namespace
	if _, err := c.call(ctx, "PUT", "/namespaces/"+url.PathEscape(namespace), nil, map[string]string{"executionRetention": retention}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
