// The methods of store.Store, each going through do. Every method of
// store.Store must be here, so that a new one is not silently passed
// through: keep this file in step with the interface.

package retrying

import (
	"context"
	"time"

	"github.com/batonhq/baton/internal/store"
)

func (s *Store) CreateStateMachine(ctx context.Context, sm *store.StateMachine) error {
	return s.do(ctx, "CreateStateMachine", write, func() error { return s.Store.CreateStateMachine(ctx, sm) })
}

func (s *Store) UpdateStateMachine(ctx context.Context, sm *store.StateMachine) error {
	return s.do(ctx, "UpdateStateMachine", write, func() error { return s.Store.UpdateStateMachine(ctx, sm) })
}

func (s *Store) GetStateMachine(ctx context.Context, arn string) (*store.StateMachine, error) {
	var a *store.StateMachine
	err := s.do(ctx, "GetStateMachine", read, func() (err error) {
		a, err = s.Store.GetStateMachine(ctx, arn)
		return err
	})
	return a, err
}

func (s *Store) ListStateMachines(ctx context.Context, page store.Page) ([]*store.StateMachine, string, error) {
	var a []*store.StateMachine
	var b string
	err := s.do(ctx, "ListStateMachines", read, func() (err error) {
		a, b, err = s.Store.ListStateMachines(ctx, page)
		return err
	})
	return a, b, err
}

func (s *Store) DeleteStateMachine(ctx context.Context, arn string) error {
	return s.do(ctx, "DeleteStateMachine", write, func() error { return s.Store.DeleteStateMachine(ctx, arn) })
}

func (s *Store) CreateVersion(ctx context.Context, v *store.Version) error {
	return s.do(ctx, "CreateVersion", write, func() error { return s.Store.CreateVersion(ctx, v) })
}

func (s *Store) GetVersion(ctx context.Context, arn string) (*store.Version, error) {
	var a *store.Version
	err := s.do(ctx, "GetVersion", read, func() (err error) {
		a, err = s.Store.GetVersion(ctx, arn)
		return err
	})
	return a, err
}

func (s *Store) ListVersions(ctx context.Context, stateMachineArn string, page store.Page) ([]*store.Version, string, error) {
	var a []*store.Version
	var b string
	err := s.do(ctx, "ListVersions", read, func() (err error) {
		a, b, err = s.Store.ListVersions(ctx, stateMachineArn, page)
		return err
	})
	return a, b, err
}

func (s *Store) DeleteVersion(ctx context.Context, arn string) error {
	return s.do(ctx, "DeleteVersion", write, func() error { return s.Store.DeleteVersion(ctx, arn) })
}

func (s *Store) CreateAlias(ctx context.Context, a *store.Alias) error {
	return s.do(ctx, "CreateAlias", write, func() error { return s.Store.CreateAlias(ctx, a) })
}

func (s *Store) UpdateAlias(ctx context.Context, a *store.Alias) error {
	return s.do(ctx, "UpdateAlias", write, func() error { return s.Store.UpdateAlias(ctx, a) })
}

func (s *Store) GetAlias(ctx context.Context, arn string) (*store.Alias, error) {
	var a *store.Alias
	err := s.do(ctx, "GetAlias", read, func() (err error) {
		a, err = s.Store.GetAlias(ctx, arn)
		return err
	})
	return a, err
}

func (s *Store) ListAliases(ctx context.Context, stateMachineArn string, page store.Page) ([]*store.Alias, string, error) {
	var a []*store.Alias
	var b string
	err := s.do(ctx, "ListAliases", read, func() (err error) {
		a, b, err = s.Store.ListAliases(ctx, stateMachineArn, page)
		return err
	})
	return a, b, err
}

func (s *Store) DeleteAlias(ctx context.Context, arn string) error {
	return s.do(ctx, "DeleteAlias", write, func() error { return s.Store.DeleteAlias(ctx, arn) })
}

func (s *Store) CreateActivity(ctx context.Context, a *store.Activity) error {
	return s.do(ctx, "CreateActivity", write, func() error { return s.Store.CreateActivity(ctx, a) })
}

func (s *Store) GetActivity(ctx context.Context, arn string) (*store.Activity, error) {
	var a *store.Activity
	err := s.do(ctx, "GetActivity", read, func() (err error) {
		a, err = s.Store.GetActivity(ctx, arn)
		return err
	})
	return a, err
}

func (s *Store) ListActivities(ctx context.Context, page store.Page) ([]*store.Activity, string, error) {
	var a []*store.Activity
	var b string
	err := s.do(ctx, "ListActivities", read, func() (err error) {
		a, b, err = s.Store.ListActivities(ctx, page)
		return err
	})
	return a, b, err
}

func (s *Store) DeleteActivity(ctx context.Context, arn string) error {
	return s.do(ctx, "DeleteActivity", write, func() error { return s.Store.DeleteActivity(ctx, arn) })
}

func (s *Store) TagResource(ctx context.Context, arn string, tags map[string]string) error {
	return s.do(ctx, "TagResource", write, func() error { return s.Store.TagResource(ctx, arn, tags) })
}

func (s *Store) UntagResource(ctx context.Context, arn string, keys []string) error {
	return s.do(ctx, "UntagResource", write, func() error { return s.Store.UntagResource(ctx, arn, keys) })
}

func (s *Store) ListTags(ctx context.Context, arn string) (map[string]string, error) {
	var a map[string]string
	err := s.do(ctx, "ListTags", read, func() (err error) {
		a, err = s.Store.ListTags(ctx, arn)
		return err
	})
	return a, err
}

func (s *Store) Commit(ctx context.Context, batch []*store.Transition) error {
	return s.do(ctx, "Commit", write, func() error { return s.Store.Commit(ctx, batch) })
}

func (s *Store) GetExecution(ctx context.Context, arn string) (*store.Execution, error) {
	var a *store.Execution
	err := s.do(ctx, "GetExecution", read, func() (err error) {
		a, err = s.Store.GetExecution(ctx, arn)
		return err
	})
	return a, err
}

func (s *Store) ListExecutions(ctx context.Context, filter store.ExecutionFilter, page store.Page) ([]*store.Execution, string, error) {
	var a []*store.Execution
	var b string
	err := s.do(ctx, "ListExecutions", read, func() (err error) {
		a, b, err = s.Store.ListExecutions(ctx, filter, page)
		return err
	})
	return a, b, err
}

func (s *Store) History(ctx context.Context, executionArn string, reverse bool, page store.Page) ([]store.Event, string, error) {
	var a []store.Event
	var b string
	err := s.do(ctx, "History", read, func() (err error) {
		a, b, err = s.Store.History(ctx, executionArn, reverse, page)
		return err
	})
	return a, b, err
}

func (s *Store) OpenTasks(ctx context.Context) ([]*store.Task, error) {
	var a []*store.Task
	err := s.do(ctx, "OpenTasks", read, func() (err error) {
		a, err = s.Store.OpenTasks(ctx)
		return err
	})
	return a, err
}

func (s *Store) GetTask(ctx context.Context, token string) (*store.Task, error) {
	var a *store.Task
	err := s.do(ctx, "GetTask", read, func() (err error) {
		a, err = s.Store.GetTask(ctx, token)
		return err
	})
	return a, err
}

func (s *Store) DeleteExecution(ctx context.Context, arn string) error {
	return s.do(ctx, "DeleteExecution", write, func() error { return s.Store.DeleteExecution(ctx, arn) })
}

func (s *Store) AppendLogs(ctx context.Context, maxBytes int64, chunks []*store.LogChunk) error {
	return s.do(ctx, "AppendLogs", write, func() error { return s.Store.AppendLogs(ctx, maxBytes, chunks) })
}

func (s *Store) ReadLogs(ctx context.Context, executionArn string, q store.LogQuery) ([]*store.LogChunk, error) {
	var a []*store.LogChunk
	err := s.do(ctx, "ReadLogs", read, func() (err error) {
		a, err = s.Store.ReadLogs(ctx, executionArn, q)
		return err
	})
	return a, err
}

// PutBundle is a write, repeated only when it had no effect: repeating one
// that had would be harmless (a bundle is stored once per digest) but
// would answer created false for the bundle it created.
func (s *Store) PutBundle(ctx context.Context, b *store.Bundle) (bool, error) {
	var created bool
	err := s.do(ctx, "PutBundle", write, func() (err error) {
		created, err = s.Store.PutBundle(ctx, b)
		return err
	})
	return created, err
}

func (s *Store) GetBundle(ctx context.Context, digest string) (*store.Bundle, error) {
	var b *store.Bundle
	err := s.do(ctx, "GetBundle", read, func() (err error) {
		b, err = s.Store.GetBundle(ctx, digest)
		return err
	})
	return b, err
}

func (s *Store) CreateNamespace(ctx context.Context, n *store.Namespace) error {
	return s.do(ctx, "CreateNamespace", write, func() error { return s.Store.CreateNamespace(ctx, n) })
}

func (s *Store) GetNamespace(ctx context.Context, name string) (*store.Namespace, error) {
	var a *store.Namespace
	err := s.do(ctx, "GetNamespace", read, func() (err error) {
		a, err = s.Store.GetNamespace(ctx, name)
		return err
	})
	return a, err
}

func (s *Store) ListNamespaces(ctx context.Context) ([]*store.Namespace, error) {
	var a []*store.Namespace
	err := s.do(ctx, "ListNamespaces", read, func() (err error) {
		a, err = s.Store.ListNamespaces(ctx)
		return err
	})
	return a, err
}

func (s *Store) AppendEvents(ctx context.Context, evs []*store.OutboxEvent) error {
	return s.do(ctx, "AppendEvents", write, func() error { return s.Store.AppendEvents(ctx, evs) })
}

func (s *Store) ReadOutbox(ctx context.Context, partition int, after int64, limit int) ([]*store.OutboxEvent, error) {
	var a []*store.OutboxEvent
	err := s.do(ctx, "ReadOutbox", read, func() (err error) {
		a, err = s.Store.ReadOutbox(ctx, partition, after, limit)
		return err
	})
	return a, err
}

func (s *Store) LastOutboxSeq(ctx context.Context) (int64, error) {
	var a int64
	err := s.do(ctx, "LastOutboxSeq", read, func() (err error) {
		a, err = s.Store.LastOutboxSeq(ctx)
		return err
	})
	return a, err
}

func (s *Store) Cursors(ctx context.Context, consumer string) (map[int]int64, error) {
	var a map[int]int64
	err := s.do(ctx, "Cursors", read, func() (err error) {
		a, err = s.Store.Cursors(ctx, consumer)
		return err
	})
	return a, err
}

func (s *Store) ConsumerState(ctx context.Context, consumer string, fn func(key string, value []byte) error) error {
	return s.do(ctx, "ConsumerState", read, func() error { return s.Store.ConsumerState(ctx, consumer, fn) })
}

func (s *Store) CommitConsumer(ctx context.Context, c *store.ConsumerCommit) error {
	return s.do(ctx, "CommitConsumer", write, func() error { return s.Store.CommitConsumer(ctx, c) })
}

func (s *Store) Intents(ctx context.Context, consumer string) ([]*store.Intent, error) {
	var a []*store.Intent
	err := s.do(ctx, "Intents", read, func() (err error) {
		a, err = s.Store.Intents(ctx, consumer)
		return err
	})
	return a, err
}

func (s *Store) TrimOutbox(ctx context.Context, before time.Time) (int64, error) {
	var a int64
	err := s.do(ctx, "TrimOutbox", write, func() (err error) {
		a, err = s.Store.TrimOutbox(ctx, before)
		return err
	})
	return a, err
}
