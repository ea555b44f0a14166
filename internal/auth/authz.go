package auth

import (
	"context"
	"fmt"
	"net/http"

	"github.com/batonhq/baton/internal/apierr"
)

// Error codes of a refusal: the native API's, and the AWS APIs' (Step
// Functions and EventBridge answer AccessDeniedException with status 400).
const (
	CodeAccessDenied    = "AccessDenied"
	CodeAWSAccessDenied = "AccessDeniedException"
)

// Require returns nil when the caller of ctx holds role in namespace, else
// a 403 AccessDenied that says which role is missing and how to get it.
// namespace "*" asks for a role held in some namespace: a listing across
// namespaces, which then shows only the namespaces the caller may see
// (Visible). A request without a verified caller is refused.
func Require(ctx context.Context, namespace string, role Role) error {
	p := FromContext(ctx)
	ok := p.Has(namespace, role)
	if namespace == AllNamespaces {
		ok = p.HasAnywhere(role)
	}
	noteCheck(ctx, namespace, ok)
	if ok {
		return nil
	}
	return Denied(p, namespace, role)
}

// RequireEvery returns nil when the caller of ctx holds role on every
// namespace (a '*' grant), else Denied.
func RequireEvery(ctx context.Context, role Role) error {
	p := FromContext(ctx)
	ok := p.Has(AllNamespaces, role)
	noteCheck(ctx, AllNamespaces, ok)
	if !ok {
		return Denied(p, AllNamespaces, role)
	}
	return nil
}

// Denied is the refusal of Require.
func Denied(p *Principal, namespace string, role Role) *apierr.Error {
	where := "namespace " + namespace
	switch namespace {
	case AllNamespaces:
		where = "any namespace"
	case "":
		// An ARN whose account no namespace has: only a grant on every
		// namespace reaches it.
		where = "the namespace of that ARN (no namespace has its account; only a role on every namespace reaches it)"
	}
	msg := fmt.Sprintf("%s holds no %s role in %s: ask an admin for one (baton tokens create --namespace %s --role %s, or baton access-keys create for the AWS APIs)",
		p, role, where, orStar(namespace), role)
	if p == nil {
		msg = "this request carries no credential; send Authorization: Bearer TOKEN"
	}
	return &apierr.Error{Code: CodeAccessDenied, Status: http.StatusForbidden, Message: msg}
}

func orStar(ns string) string {
	if ns == "" {
		return "'*'"
	}
	return ns
}

// Visible tells whether the caller of ctx may see namespace's resources
// (holds viewer there): listings across namespaces keep only these.
func Visible(ctx context.Context, namespace string) bool {
	return FromContext(ctx).Has(namespace, Viewer)
}

// HomeNamespace is the namespace of a request that names none (the AWS
// APIs' CreateStateMachine, ListStateMachines, ...): as an AWS access key
// acts in its account, a credential acts in the namespace of its first
// role; "default" for a role on every namespace and without
// authentication.
func (p *Principal) HomeNamespace() string {
	if p != nil {
		for _, g := range p.Roles {
			if g.Namespace != AllNamespaces && g.Namespace != "" {
				return g.Namespace
			}
		}
	}
	return "default"
}

// Everyone is the caller of every request to a server without
// authentication: it may do anything, as on a laptop.
var Everyone = &Principal{Anonymous: true}

// Open serves h as a server without authentication does: every request
// is Everyone's (tests of the API handlers, embedded uses).
func Open(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), Everyone)))
	})
}
