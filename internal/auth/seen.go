package auth

import (
	"context"
	"sync"
)

// Seen is what authentication and authorization learned of one request,
// for the audit log: who called (WithPrincipal notes it), the namespace
// its role was checked in and whether it was refused (Require notes
// them), and the resource it named (the route tables note it). The
// server's audit middleware puts an empty one in the request's context
// before authentication and reads it once the response is written, so
// that the log is written in one place while what it says is found where
// it is known.
type Seen struct {
	mu        sync.Mutex
	principal *Principal
	namespace string
	resource  string
	denied    bool
}

type seenKey struct{}

// WithSeen returns ctx carrying a new, empty Seen.
func WithSeen(ctx context.Context) (context.Context, *Seen) {
	s := &Seen{}
	return context.WithValue(ctx, seenKey{}, s), s
}

func seenOf(ctx context.Context) *Seen {
	s, _ := ctx.Value(seenKey{}).(*Seen)
	return s
}

// NoteResource records the resource (a workflow's or execution's name or
// ARN) a request names, when it carries a Seen; the first one noted stays.
func NoteResource(ctx context.Context, resource string) {
	if s := seenOf(ctx); s != nil && resource != "" {
		s.mu.Lock()
		if s.resource == "" {
			s.resource = resource
		}
		s.mu.Unlock()
	}
}

// noteCheck records a check of a role in namespace: the first namespace
// checked, or the one refused.
func noteCheck(ctx context.Context, namespace string, ok bool) {
	s := seenOf(ctx)
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.denied {
		return
	}
	if !ok {
		s.denied, s.namespace = true, namespace
	} else if s.namespace == "" || s.namespace == AllNamespaces {
		s.namespace = namespace
	}
}

func notePrincipal(ctx context.Context, p *Principal) {
	if s := seenOf(ctx); s != nil {
		s.mu.Lock()
		s.principal = p
		s.mu.Unlock()
	}
}

// Principal is the verified caller (nil: none).
func (s *Seen) Principal() *Principal {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.principal
}

// Namespace is the namespace the request's role was checked in ("" when
// none was; "*" for a listing across namespaces).
func (s *Seen) Namespace() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.namespace
}

// Resource is the resource the request named ("" when unknown).
func (s *Seen) Resource() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.resource
}

// Denied tells whether a role check refused the request.
func (s *Seen) Denied() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.denied
}
