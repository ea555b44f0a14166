// The methods of store.Store, each going through around. Every method of
// store.Store must be here, so that a new one is not silently passed
// through: keep this file in step with the interface.

package faulty

import (
	"context"
	"time"

	"github.com/batonhq/baton/internal/store"
)

func (f *Store) CreateStateMachine(ctx context.Context, sm *store.StateMachine) error {
	return f.around(ctx, "CreateStateMachine", sm.Arn, func() error { return f.Store.CreateStateMachine(ctx, sm) })
}

func (f *Store) UpdateStateMachine(ctx context.Context, sm *store.StateMachine) error {
	return f.around(ctx, "UpdateStateMachine", sm.Arn, func() error { return f.Store.UpdateStateMachine(ctx, sm) })
}

func (f *Store) GetStateMachine(ctx context.Context, arn string) (*store.StateMachine, error) {
	var a *store.StateMachine
	err := f.around(ctx, "GetStateMachine", arn, func() (err error) {
		a, err = f.Store.GetStateMachine(ctx, arn)
		return err
	})
	return a, err
}

func (f *Store) ListStateMachines(ctx context.Context, page store.Page) ([]*store.StateMachine, string, error) {
	var a []*store.StateMachine
	var b string
	err := f.around(ctx, "ListStateMachines", "", func() (err error) {
		a, b, err = f.Store.ListStateMachines(ctx, page)
		return err
	})
	return a, b, err
}

func (f *Store) DeleteStateMachine(ctx context.Context, arn string) error {
	return f.around(ctx, "DeleteStateMachine", arn, func() error { return f.Store.DeleteStateMachine(ctx, arn) })
}

func (f *Store) CreateVersion(ctx context.Context, v *store.Version) error {
	return f.around(ctx, "CreateVersion", v.Arn, func() error { return f.Store.CreateVersion(ctx, v) })
}

func (f *Store) GetVersion(ctx context.Context, arn string) (*store.Version, error) {
	var a *store.Version
	err := f.around(ctx, "GetVersion", arn, func() (err error) {
		a, err = f.Store.GetVersion(ctx, arn)
		return err
	})
	return a, err
}

func (f *Store) ListVersions(ctx context.Context, stateMachineArn string, page store.Page) ([]*store.Version, string, error) {
	var a []*store.Version
	var b string
	err := f.around(ctx, "ListVersions", stateMachineArn, func() (err error) {
		a, b, err = f.Store.ListVersions(ctx, stateMachineArn, page)
		return err
	})
	return a, b, err
}

func (f *Store) DeleteVersion(ctx context.Context, arn string) error {
	return f.around(ctx, "DeleteVersion", arn, func() error { return f.Store.DeleteVersion(ctx, arn) })
}

func (f *Store) CreateAlias(ctx context.Context, a *store.Alias) error {
	return f.around(ctx, "CreateAlias", a.Arn, func() error { return f.Store.CreateAlias(ctx, a) })
}

func (f *Store) UpdateAlias(ctx context.Context, a *store.Alias) error {
	return f.around(ctx, "UpdateAlias", a.Arn, func() error { return f.Store.UpdateAlias(ctx, a) })
}

func (f *Store) GetAlias(ctx context.Context, arn string) (*store.Alias, error) {
	var a *store.Alias
	err := f.around(ctx, "GetAlias", arn, func() (err error) {
		a, err = f.Store.GetAlias(ctx, arn)
		return err
	})
	return a, err
}

func (f *Store) ListAliases(ctx context.Context, stateMachineArn string, page store.Page) ([]*store.Alias, string, error) {
	var a []*store.Alias
	var b string
	err := f.around(ctx, "ListAliases", stateMachineArn, func() (err error) {
		a, b, err = f.Store.ListAliases(ctx, stateMachineArn, page)
		return err
	})
	return a, b, err
}

func (f *Store) DeleteAlias(ctx context.Context, arn string) error {
	return f.around(ctx, "DeleteAlias", arn, func() error { return f.Store.DeleteAlias(ctx, arn) })
}

func (f *Store) CreateActivity(ctx context.Context, a *store.Activity) error {
	return f.around(ctx, "CreateActivity", a.Arn, func() error { return f.Store.CreateActivity(ctx, a) })
}

func (f *Store) GetActivity(ctx context.Context, arn string) (*store.Activity, error) {
	var a *store.Activity
	err := f.around(ctx, "GetActivity", arn, func() (err error) {
		a, err = f.Store.GetActivity(ctx, arn)
		return err
	})
	return a, err
}

func (f *Store) ListActivities(ctx context.Context, page store.Page) ([]*store.Activity, string, error) {
	var a []*store.Activity
	var b string
	err := f.around(ctx, "ListActivities", "", func() (err error) {
		a, b, err = f.Store.ListActivities(ctx, page)
		return err
	})
	return a, b, err
}

func (f *Store) DeleteActivity(ctx context.Context, arn string) error {
	return f.around(ctx, "DeleteActivity", arn, func() error { return f.Store.DeleteActivity(ctx, arn) })
}

func (f *Store) TagResource(ctx context.Context, arn string, tags map[string]string) error {
	return f.around(ctx, "TagResource", arn, func() error { return f.Store.TagResource(ctx, arn, tags) })
}

func (f *Store) UntagResource(ctx context.Context, arn string, keys []string) error {
	return f.around(ctx, "UntagResource", arn, func() error { return f.Store.UntagResource(ctx, arn, keys) })
}

func (f *Store) ListTags(ctx context.Context, arn string) (map[string]string, error) {
	var a map[string]string
	err := f.around(ctx, "ListTags", arn, func() (err error) {
		a, err = f.Store.ListTags(ctx, arn)
		return err
	})
	return a, err
}

func (f *Store) Commit(ctx context.Context, batch []*store.Transition) error {
	return f.around(ctx, "Commit", "", func() error { return f.Store.Commit(ctx, batch) })
}

func (f *Store) GetExecution(ctx context.Context, arn string) (*store.Execution, error) {
	var a *store.Execution
	err := f.around(ctx, "GetExecution", arn, func() (err error) {
		a, err = f.Store.GetExecution(ctx, arn)
		return err
	})
	return a, err
}

func (f *Store) ListExecutions(ctx context.Context, filter store.ExecutionFilter, page store.Page) ([]*store.Execution, string, error) {
	var a []*store.Execution
	var b string
	err := f.around(ctx, "ListExecutions", "", func() (err error) {
		a, b, err = f.Store.ListExecutions(ctx, filter, page)
		return err
	})
	return a, b, err
}

func (f *Store) History(ctx context.Context, executionArn string, reverse bool, page store.Page) ([]store.Event, string, error) {
	var a []store.Event
	var b string
	err := f.around(ctx, "History", executionArn, func() (err error) {
		a, b, err = f.Store.History(ctx, executionArn, reverse, page)
		return err
	})
	return a, b, err
}

func (f *Store) OpenTasks(ctx context.Context) ([]*store.Task, error) {
	var a []*store.Task
	err := f.around(ctx, "OpenTasks", "", func() (err error) {
		a, err = f.Store.OpenTasks(ctx)
		return err
	})
	return a, err
}

func (f *Store) GetTask(ctx context.Context, token string) (*store.Task, error) {
	var a *store.Task
	err := f.around(ctx, "GetTask", token, func() (err error) {
		a, err = f.Store.GetTask(ctx, token)
		return err
	})
	return a, err
}

func (f *Store) DeleteExecution(ctx context.Context, arn string) error {
	return f.around(ctx, "DeleteExecution", arn, func() error { return f.Store.DeleteExecution(ctx, arn) })
}

func (f *Store) AppendLogs(ctx context.Context, maxBytes int64, chunks []*store.LogChunk) error {
	return f.around(ctx, "AppendLogs", "", func() error { return f.Store.AppendLogs(ctx, maxBytes, chunks) })
}

func (f *Store) ReadLogs(ctx context.Context, executionArn string, q store.LogQuery) ([]*store.LogChunk, error) {
	var a []*store.LogChunk
	err := f.around(ctx, "ReadLogs", executionArn, func() (err error) {
		a, err = f.Store.ReadLogs(ctx, executionArn, q)
		return err
	})
	return a, err
}

func (f *Store) Timers(ctx context.Context, fn func(store.Timer) error) error {
	return f.around(ctx, "Timers", "", func() error { return f.Store.Timers(ctx, fn) })
}

func (f *Store) PutBundle(ctx context.Context, b *store.Bundle) (bool, error) {
	var created bool
	err := f.around(ctx, "PutBundle", b.Digest, func() (err error) {
		created, err = f.Store.PutBundle(ctx, b)
		return err
	})
	return created, err
}

func (f *Store) GetBundle(ctx context.Context, digest string) (*store.Bundle, error) {
	var b *store.Bundle
	err := f.around(ctx, "GetBundle", digest, func() (err error) {
		b, err = f.Store.GetBundle(ctx, digest)
		return err
	})
	return b, err
}

func (f *Store) CreateNamespace(ctx context.Context, n *store.Namespace) error {
	return f.around(ctx, "CreateNamespace", n.Name, func() error { return f.Store.CreateNamespace(ctx, n) })
}

func (f *Store) GetNamespace(ctx context.Context, name string) (*store.Namespace, error) {
	var a *store.Namespace
	err := f.around(ctx, "GetNamespace", name, func() (err error) {
		a, err = f.Store.GetNamespace(ctx, name)
		return err
	})
	return a, err
}

func (f *Store) ListNamespaces(ctx context.Context) ([]*store.Namespace, error) {
	var a []*store.Namespace
	err := f.around(ctx, "ListNamespaces", "", func() (err error) {
		a, err = f.Store.ListNamespaces(ctx)
		return err
	})
	return a, err
}

func (f *Store) AppendEvents(ctx context.Context, evs []*store.OutboxEvent) error {
	return f.around(ctx, "AppendEvents", "", func() error { return f.Store.AppendEvents(ctx, evs) })
}

func (f *Store) ReadOutbox(ctx context.Context, partition int, after int64, limit int) ([]*store.OutboxEvent, error) {
	var a []*store.OutboxEvent
	err := f.around(ctx, "ReadOutbox", "", func() (err error) {
		a, err = f.Store.ReadOutbox(ctx, partition, after, limit)
		return err
	})
	return a, err
}

func (f *Store) LastOutboxSeq(ctx context.Context) (int64, error) {
	var a int64
	err := f.around(ctx, "LastOutboxSeq", "", func() (err error) {
		a, err = f.Store.LastOutboxSeq(ctx)
		return err
	})
	return a, err
}

func (f *Store) Cursors(ctx context.Context, consumer string) (map[int]int64, error) {
	var a map[int]int64
	err := f.around(ctx, "Cursors", consumer, func() (err error) {
		a, err = f.Store.Cursors(ctx, consumer)
		return err
	})
	return a, err
}

func (f *Store) ConsumerState(ctx context.Context, consumer string, fn func(key string, value []byte) error) error {
	return f.around(ctx, "ConsumerState", consumer, func() error { return f.Store.ConsumerState(ctx, consumer, fn) })
}

func (f *Store) CommitConsumer(ctx context.Context, c *store.ConsumerCommit) error {
	return f.around(ctx, "CommitConsumer", c.Consumer, func() error { return f.Store.CommitConsumer(ctx, c) })
}

func (f *Store) Intents(ctx context.Context, consumer string) ([]*store.Intent, error) {
	var a []*store.Intent
	err := f.around(ctx, "Intents", consumer, func() (err error) {
		a, err = f.Store.Intents(ctx, consumer)
		return err
	})
	return a, err
}

func (f *Store) TrimOutbox(ctx context.Context, before time.Time) (int64, error) {
	var a int64
	err := f.around(ctx, "TrimOutbox", "", func() (err error) {
		a, err = f.Store.TrimOutbox(ctx, before)
		return err
	})
	return a, err
}
