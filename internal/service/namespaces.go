package service

// Namespaces: each team's workflows and runs live in a namespace with an
// account id of its own in their ARNs, so that `listings` of two teams
// never collide. "default" has the server's account. The Step Functions
// API reaches any namespace through its ARNs; its lists without an ARN show
// "default" (until access keys map callers to namespaces).

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"regexp"
	"strings"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/store"
)

// DefaultNamespace is the namespace of everything not given one.
const DefaultNamespace = "default"

// Namespace describes a namespace.
type Namespace struct {
	Name         string `json:"name"`
	AccountID    string `json:"accountId"`
	CreationDate Time   `json:"creationDate,omitzero"`
	// ExecutionRetention is how long its closed executions are kept ("30d",
	// "forever"); empty: the server's --execution-retention.
	ExecutionRetention string `json:"executionRetention,omitempty"`
}

// namespaceName is the form of a namespace's name, as Kubernetes names them.
var namespaceName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)

// CreateNamespace creates a namespace with a new account id, derived from
// its name (so that the same name gets the same id on another server)
// unless that is taken.
func (s *Service) CreateNamespace(ctx context.Context, name string) (*Namespace, error) {
	if !namespaceName.MatchString(name) {
		return nil, apierr.New(apierr.ValidationException, "namespace %q: a namespace's name has 1 to 63 lowercase letters, digits and '-', starting and ending with a letter or digit (like team-a)", name)
	}
	if name == DefaultNamespace {
		return nil, apierr.New(apierr.ConflictException, "namespace %q exists: it is the server's own", name)
	}
	taken := map[string]bool{s.cfg.AccountID: true}
	all, err := s.store.ListNamespaces(ctx)
	if err != nil {
		return nil, storeErr(err, nil)
	}
	for _, n := range all {
		if n.Name == name {
			return nil, apierr.New(apierr.ConflictException, "namespace %q exists (account %s)", name, n.AccountID)
		}
		taken[n.AccountID] = true
	}
	h := sha256.Sum256([]byte("baton-namespace\x00" + name))
	id := binary.BigEndian.Uint64(h[:8]) % 1_000_000_000_000
	for taken[fmt.Sprintf("%012d", id)] {
		id = (id + 1) % 1_000_000_000_000
	}
	n := &store.Namespace{Name: name, AccountID: fmt.Sprintf("%012d", id), Created: s.now()}
	if err := s.store.CreateNamespace(ctx, n); err != nil {
		return nil, storeErr(err, func() error {
			return apierr.New(apierr.ConflictException, "namespace %q was created by another call meanwhile", name)
		})
	}
	s.changed() // triggers may name it
	return &Namespace{Name: n.Name, AccountID: n.AccountID, CreationDate: NewTime(n.Created)}, nil
}

// ListNamespaces lists the namespaces, "default" first.
func (s *Service) ListNamespaces(ctx context.Context) ([]Namespace, error) {
	all, err := s.store.ListNamespaces(ctx)
	if err != nil {
		return nil, storeErr(err, nil)
	}
	out := []Namespace{{Name: DefaultNamespace, AccountID: s.cfg.AccountID}}
	for _, n := range all {
		out = append(out, *namespaceOf(n))
	}
	return out, nil
}

// WithNamespace returns ctx in which requests that name no namespace act
// in ns: the AWS APIs' CreateStateMachine, ListStateMachines, ... of a
// credential with roles in one team's namespace act there, as an AWS key
// acts in its account.
func WithNamespace(ctx context.Context, ns string) context.Context {
	return context.WithValue(ctx, namespaceKey{}, ns)
}

type namespaceKey struct{}

// namespaceAccount is the account id of a namespace ("" is the request's
// namespace, WithNamespace, else "default").
func (s *Service) namespaceAccount(ctx context.Context, ns string) (string, error) {
	if ns == "" {
		ns, _ = ctx.Value(namespaceKey{}).(string)
	}
	if ns == "" || ns == DefaultNamespace {
		return s.cfg.AccountID, nil
	}
	n, err := s.store.GetNamespace(ctx, ns)
	if err != nil {
		return "", storeErr(err, func() error {
			return apierr.New(apierr.ResourceNotFound, "namespace %q does not exist; create it with baton namespaces create %s (the namespaces: baton namespaces list)", ns, ns)
		})
	}
	return n.AccountID, nil
}

// StateMachineArnIn is the ARN of a workflow of a namespace by its name
// (or NAME:VERSION, NAME:ALIAS); an ARN is returned as it is.
func (s *Service) StateMachineArnIn(ctx context.Context, ns, ref string) (string, error) {
	if strings.HasPrefix(ref, "arn:") {
		return ref, nil
	}
	account, err := s.namespaceAccount(ctx, ns)
	if err != nil {
		return "", err
	}
	return arns{region: s.cfg.Region, account: account}.stateMachine(ref), nil
}

// ActivityArnIn is the ARN of an activity of a namespace by its name; an
// ARN is returned as it is.
func (s *Service) ActivityArnIn(ctx context.Context, ns, ref string) (string, error) {
	if strings.HasPrefix(ref, "arn:") {
		return ref, nil
	}
	account, err := s.namespaceAccount(ctx, ns)
	if err != nil {
		return "", err
	}
	return arns{region: s.cfg.Region, account: account}.activity(ref), nil
}

// namespaceOfAccount is the name of the namespace of an account id: the
// server's is "default"; one no namespace has is "" (an ARN made up by
// hand: its runs have no namespace).
func (s *Service) namespaceOfAccount(ctx context.Context, account string) (string, error) {
	if account == s.cfg.AccountID {
		return DefaultNamespace, nil
	}
	all, err := s.store.ListNamespaces(ctx)
	if err != nil {
		return "", storeErr(err, nil)
	}
	for _, n := range all {
		if n.AccountID == account {
			return n.Name, nil
		}
	}
	return "", nil
}

// NamespaceOfArn is the namespace of an ARN's account: "default" for the
// server's, "" for an account no namespace has (only a role on every
// namespace reaches it). Namespaces are never deleted, so a name once
// found is kept (a map small as the namespaces are).
func (s *Service) NamespaceOfArn(ctx context.Context, arn string) (string, error) {
	account := accountOf(arn)
	if account == s.cfg.AccountID {
		return DefaultNamespace, nil
	}
	if ns, ok := s.nsOfAccount.Load(account); ok {
		return ns.(string), nil
	}
	ns, err := s.namespaceOfAccount(ctx, account)
	if err == nil && ns != "" {
		s.nsOfAccount.Store(account, ns)
	}
	return ns, err
}

// TaskNamespace is the namespace of the execution whose open task a task
// token names: a task result is authorized there.
func (s *Service) TaskNamespace(ctx context.Context, token string) (string, error) {
	if err := checkToken(token); err != nil {
		return "", err
	}
	arn, err := s.eng.TokenExecution(ctx, token)
	if err != nil {
		return "", err
	}
	return s.NamespaceOfArn(ctx, arn)
}

// accountOf is the account of an ARN ("" when it is none).
func accountOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[4]
}
