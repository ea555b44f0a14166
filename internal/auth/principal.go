// Package auth says who is calling: tokens for the native API, the CLI,
// workers and the UI, AWS access keys for the Step Functions and
// EventBridge APIs, and the Principal that a verified request carries in
// its context.
//
// Authorization (which role a route needs in which namespace) builds on
// Principal.Has: the server's middleware authenticates once and puts the
// Principal in the request's context; a route table then asks
// FromContext(ctx).Has(namespace, role) before the handler runs.
package auth

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/batonhq/baton/internal/store"
)

// Role is what a credential may do in a namespace. Each role includes the
// ones before it.
type Role string

// The roles, weakest first.
const (
	Viewer   Role = "viewer"   // read
	Operator Role = "operator" // start, stop, redrive, retry, send task results
	Deployer Role = "deployer" // deploy and delete workflows, rules, schedules
	Admin    Role = "admin"    // tokens, keys, connections, grants
)

// Roles lists the roles, weakest first.
var Roles = []Role{Viewer, Operator, Deployer, Admin}

// AllNamespaces is the namespace of a grant that holds in every namespace.
const AllNamespaces = "*"

// rank orders the roles; 0 for an unknown one.
func (r Role) rank() int { return slices.Index(Roles, r) + 1 }

// Includes tells whether r allows what other allows.
func (r Role) Includes(other Role) bool { return r.rank() > 0 && r.rank() >= other.rank() }

// ParseRole checks a role's name.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if r.rank() == 0 {
		return "", fmt.Errorf("unknown role %q: give one of viewer, operator, deployer, admin", s)
	}
	return r, nil
}

// ParseGrant parses NS:ROLE, or ROLE alone in defaultNamespace.
func ParseGrant(s, defaultNamespace string) (store.RoleGrant, error) {
	ns, role, ok := strings.Cut(s, ":")
	if !ok {
		ns, role = defaultNamespace, s
	}
	r, err := ParseRole(role)
	if err != nil {
		return store.RoleGrant{}, err
	}
	if ns = strings.TrimSpace(ns); ns == "" {
		return store.RoleGrant{}, fmt.Errorf("role %q has no namespace: give --namespace NS or NS:ROLE", s)
	}
	return store.RoleGrant{Namespace: ns, Role: string(r)}, nil
}

// Principal is a verified caller.
type Principal struct {
	// ID is the token's id or the access key id ("" when authentication is
	// off: then Anonymous is true).
	ID   string
	Kind string // store.CredentialToken or store.CredentialAccessKey
	Name string
	// Roles are the credential's grants.
	Roles []store.RoleGrant
	// Anonymous marks a request to a server without authentication: it
	// may do anything, as on a laptop.
	Anonymous bool
}

// Has tells whether p holds role (or a stronger one) in namespace.
func (p *Principal) Has(namespace string, role Role) bool {
	if p == nil {
		return false
	}
	if p.Anonymous {
		return true
	}
	for _, g := range p.Roles {
		if (g.Namespace == namespace || g.Namespace == AllNamespaces) && Role(g.Role).Includes(role) {
			return true
		}
	}
	return false
}

// HasAnywhere tells whether p holds role in at least one namespace.
func (p *Principal) HasAnywhere(role Role) bool {
	if p == nil {
		return false
	}
	if p.Anonymous {
		return true
	}
	for _, g := range p.Roles {
		if Role(g.Role).Includes(role) {
			return true
		}
	}
	return false
}

// Covers tells whether p may hand out grant: p must hold grant's role in
// its namespace, and a grant on every namespace needs the same of p.
func (p *Principal) Covers(grant store.RoleGrant) bool {
	if p != nil && p.Anonymous {
		return true
	}
	if grant.Namespace == AllNamespaces {
		for _, g := range p.roles() {
			if g.Namespace == AllNamespaces && Role(g.Role).Includes(Role(grant.Role)) {
				return true
			}
		}
		return false
	}
	return p.Has(grant.Namespace, Role(grant.Role))
}

func (p *Principal) roles() []store.RoleGrant {
	if p == nil {
		return nil
	}
	return p.Roles
}

// String names p for logs: never a secret.
func (p *Principal) String() string {
	switch {
	case p == nil:
		return "nobody"
	case p.Anonymous:
		return "anonymous"
	}
	return p.Kind + " " + p.ID
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	notePrincipal(ctx, p)
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the Principal of a request (nil when none was
// verified: a route open to all, such as /healthz).
func FromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}
