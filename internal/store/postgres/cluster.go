package postgres

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/internal/partition"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlrows"
)

// partLockKey is the first key of the session advisory lock on a
// partition (the second is the partition): "batp" in ASCII. The two-key
// form never meets nodeLockKey or goose's lock (one bigint key).
const partLockKey int32 = 0x62617470

// activityChannel is the LISTEN/NOTIFY channel on which a commit that
// queues an activity task notifies the activity's ARN.
const activityChannel = "baton_activity"

// JoinOptions tune JoinCluster.
type JoinOptions struct {
	Holder  string        // names this node ("" : host pid N)
	Addr    string        // this node's base URL for other nodes (http://host:port)
	Timeout time.Duration // lease timeout: default DefaultLockTimeout, min 1s
	OnLost  func(error)   // once, when the member session fails: every partition may be lost
}

// Member is a node's membership of the cluster of servers that share the
// database, and the partitions it holds. It lives on a session of its own
// (see session): the database ends it, releasing the node's partitions,
// when the node stops, dies, or falls silent for the lease timeout.
//
// Partition p is held through the session advisory lock (partLockKey, p)
// and the row p of partition_leases, whose epoch taking the lock bumps.
// Every Commit of the store checks, in its first round trip, the epochs of
// the partitions of the executions it writes against those this member
// took (fencing): a node that lost a partition without noticing can no
// longer write its executions.
type Member struct {
	*session
	s       *Store
	holder  string
	started int64       // its row of cluster_nodes
	dead    atomic.Bool // the session failed or Leave was called: no more Acquire
	// fences is the epoch taken per partition, 0 when not held: Commit
	// reads them without locks.
	fences [partition.Count]atomic.Int64
	// locked is the partition locks taken on the session (guarded by
	// session.busy).
	locked    partition.Set
	leaveOnce sync.Once
}

// errLeft is the failure of a call on a member that left or was lost.
var errLeft = errors.New("postgres: this node is no longer a member of the cluster (it left, or its session failed)")

// JoinCluster makes the store's server a member of the cluster of servers
// that share the database. It takes the node lock shared, so that a server
// running the database alone (LockNode: the node lock exclusive) and
// cluster members never share one database; applies the migrations when
// the store leaves them to it (Options.MigrateUnderLock: goose's lock lets
// members starting together take turns); and records the node's address.
// The store's Commits are fenced by the member's partitions from then on,
// even after Leave (no partition held: every Commit fails).
func (s *Store) JoinCluster(ctx context.Context, opts JoinOptions) (*Member, error) {
	if s.closed.Load() {
		return nil, errClosed
	}
	if m := s.member.Load(); m != nil && !m.dead.Load() {
		return nil, errors.New("postgres: this store's server is already a member of the cluster")
	}
	timeout := leaseTimeout(opts.Timeout)
	holder := holderName(opts.Holder)
	m := &Member{s: s, holder: holder}
	// Acquire's bump may wait for the Commits of the previous holder: it
	// gives up (lock_timeout) before the session's own deadline, which
	// would end the session.
	params := map[string]string{"lock_timeout": fmt.Sprint((timeout / 2).Milliseconds())}
	se, err := s.openSession(ctx, holder, timeout, "this node's cluster membership", params, func(err error) {
		m.drop()
		if opts.OnLost != nil {
			opts.OnLost(err)
		}
	})
	if err != nil {
		return nil, err
	}
	m.session = se
	conn := se.conn
	fail := func(err error) (*Member, error) {
		conn.Close(context.Background())
		return nil, err
	}
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock_shared($1)`, nodeLockKey).Scan(&ok); err != nil {
		return fail(fmt.Errorf("postgres: join the cluster: %w", classify(err)))
	}
	if !ok {
		who, _ := s.holder(ctx, conn)
		return fail(fmt.Errorf("postgres: %s runs the executions of this database without --cluster: stop it first (and start every server of this database with --cluster), or give this cluster a database of its own", who))
	}
	if s.opts.MigrateUnderLock {
		// Members starting together take turns on goose's lock; the
		// session must not fall silent meanwhile.
		if err := se.keepAlive(func() error { return s.migrate(ctx) }); err != nil {
			return fail(err)
		}
	}
	// The session of a node of the same name that was cut off (this node
	// before a restart, say) ends within the lease timeout; a node of the
	// same name that answers does not.
	deadline := time.Now().Add(timeout + 2*time.Second)
	for {
		var dup bool
		if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid
			WHERE a.pid <> pg_backend_pid() AND a.datname = current_database() AND a.application_name = $2
				AND `+memberLock+`)`, nodeLockKey, nodeAppName(holder)).Scan(&dup); err != nil {
			return fail(fmt.Errorf("postgres: join the cluster: %w", classify(err)))
		}
		if !dup {
			break
		}
		if !time.Now().Before(deadline) {
			return fail(fmt.Errorf("postgres: a node named %q is already a member of this cluster: give each node a name of its own", holder))
		}
		select {
		case <-ctx.Done():
			return fail(ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
	now := time.Now().UnixNano()
	m.started = now
	if _, err := conn.Exec(ctx, `INSERT INTO cluster_nodes (holder, addr, started, seen) VALUES ($1, $2, $3, $3)
		ON CONFLICT (holder) DO UPDATE SET addr = excluded.addr, started = excluded.started, seen = excluded.seen`,
		holder, opts.Addr, now); err != nil {
		return fail(fmt.Errorf("postgres: join the cluster: %w", classify(err)))
	}
	s.member.Store(m)
	se.start()
	return m, nil
}

// memberLock is the condition on pg_locks l of a cluster member's shared
// node lock ($1: nodeLockKey).
const memberLock = `l.locktype = 'advisory' AND l.granted AND l.mode = 'ShareLock' AND l.objsubid = 1
	AND ((l.classid::bigint << 32) | l.objid::bigint) = $1`

// drop forgets every fence: the store's Commits of executions are refused
// from then on.
func (m *Member) drop() {
	m.dead.Store(true)
	for p := range m.fences {
		m.fences[p].Store(0)
	}
}

// Acquire takes partition p: its lock, if no other node holds it (false
// otherwise), and its lease, bumping the epoch. The bump waits for the
// Commits of the previous holder that are checking their epoch (they hold
// the row FOR SHARE), so that none of them commits after it. Taking a
// partition held already is a no-op.
func (m *Member) Acquire(ctx context.Context, p int) (bool, error) {
	if p < 0 || p >= partition.Count {
		return false, fmt.Errorf("postgres: no partition %d", p)
	}
	ok := false
	err := m.use(ctx, func(ctx context.Context, conn *pgx.Conn) error {
		if m.dead.Load() {
			return errLeft
		}
		if m.locked.Has(p) {
			if ok = m.fences[p].Load() != 0; !ok {
				return errors.New("it is being released")
			}
			return nil
		}
		if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1::int4, $2::int4)`, partLockKey, p).Scan(&ok); err != nil || !ok {
			return err
		}
		m.locked = m.locked.With(p)
		var epoch int64
		err := conn.QueryRow(ctx, `UPDATE partition_leases SET epoch = epoch + 1, holder = $2, since = $3
			WHERE part = $1 RETURNING epoch`, p, m.holder, time.Now().UnixNano()).Scan(&epoch)
		if err != nil {
			ok = false
			if uerr := m.unlock(ctx, conn, p); uerr != nil {
				return errors.Join(err, uerr)
			}
			return err
		}
		m.fences[p].Store(epoch)
		if m.dead.Load() {
			// The session failed meanwhile: drop may have passed p.
			m.fences[p].Store(0)
			return errLeft
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("postgres: acquire partition %d: %w", p, classify(err))
	}
	return ok, nil
}

// unlock releases the lock of p on the session.
func (m *Member) unlock(ctx context.Context, conn *pgx.Conn, p int) error {
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_unlock($1::int4, $2::int4)`, partLockKey, p); err != nil {
		return err
	}
	m.locked = m.locked.Without(p)
	return nil
}

// Release gives partition p up: the store's Commits of its executions are
// refused at once, then its lock is released for another node to take.
// Releasing a partition not held is a no-op, as is any Release once the
// member's session failed (the database releases its locks with it).
func (m *Member) Release(ctx context.Context, p int) error {
	if p < 0 || p >= partition.Count {
		return fmt.Errorf("postgres: no partition %d", p)
	}
	m.fences[p].Store(0)
	err := m.use(ctx, func(ctx context.Context, conn *pgx.Conn) error {
		if !m.locked.Has(p) || m.conn.IsClosed() {
			return nil
		}
		return m.unlock(ctx, conn, p)
	})
	if err != nil {
		if m.dead.Load() && m.conn.IsClosed() {
			return nil
		}
		return fmt.Errorf("postgres: release partition %d: %w", p, classify(err))
	}
	return nil
}

// Held is the partitions this member holds (none once its session failed).
func (m *Member) Held() partition.Set {
	var s partition.Set
	for p := range m.fences {
		if m.fences[p].Load() != 0 {
			s = s.With(p)
		}
	}
	return s
}

// Leave releases every partition and ends the member's session. The
// store's Commits of executions are refused from then on. It is
// idempotent.
func (m *Member) Leave() error {
	var err error
	m.leaveOnce.Do(func() {
		m.drop()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		// Closing the session releases its locks anyway; this says the
		// node left on purpose.
		_ = m.use(ctx, func(ctx context.Context, conn *pgx.Conn) error {
			_, err := conn.Exec(ctx, `DELETE FROM cluster_nodes WHERE holder = $1 AND started = $2`, m.holder, m.started)
			return err
		})
		err = m.close()
	})
	return err
}

// ClusterNode is a live member of the cluster.
type ClusterNode struct {
	Holder, Addr string
	Since        time.Time // when it joined
}

// liveMembers is the application_name of the sessions of the live
// members.
func liveMembers(ctx context.Context, q querier) (map[string]bool, error) {
	rows, err := q.Query(ctx, `SELECT a.application_name FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid
		WHERE a.datname = current_database() AND `+memberLock, nodeLockKey)
	if err != nil {
		return nil, err
	}
	live := map[string]bool{}
	var app string
	_, err = pgx.ForEachRow(rows, []any{&app}, func() error {
		live[app] = true
		return nil
	})
	return live, err
}

// ClusterNodes lists the live members of the cluster (their session is
// alive), by name.
func (s *Store) ClusterNodes(ctx context.Context) ([]ClusterNode, error) {
	q, err := s.read()
	if err != nil {
		return nil, err
	}
	live, err := liveMembers(ctx, q)
	if err != nil {
		return nil, classify(err)
	}
	rows, err := q.Query(ctx, `SELECT holder, addr, started FROM cluster_nodes ORDER BY holder`)
	if err != nil {
		return nil, classify(err)
	}
	var out []ClusterNode
	var n ClusterNode
	var started int64
	_, err = pgx.ForEachRow(rows, []any{&n.Holder, &n.Addr, &started}, func() error {
		if live[nodeAppName(n.Holder)] {
			n.Since = time.Unix(0, started).UTC()
			out = append(out, n)
		}
		return nil
	})
	return out, classify(err)
}

// PartitionOwner is the lease of one partition.
type PartitionOwner struct {
	Part   int
	Holder string // "" if no live owner
	Epoch  int64
	Since  time.Time
}

// PartitionOwners lists the lease of every partition, in order.
func (s *Store) PartitionOwners(ctx context.Context) ([]PartitionOwner, error) {
	q, err := s.read()
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT p.part, p.holder, p.epoch, p.since, coalesce(a.application_name, '')
		FROM partition_leases p
		LEFT JOIN pg_locks l ON l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
			AND l.classid::bigint = $1 AND l.objid::bigint = p.part
			AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
		LEFT JOIN pg_stat_activity a ON a.pid = l.pid
		ORDER BY p.part`, int64(partLockKey))
	if err != nil {
		return nil, classify(err)
	}
	out := make([]PartitionOwner, 0, partition.Count)
	var o PartitionOwner
	var since int64
	var app string
	_, err = pgx.ForEachRow(rows, []any{&o.Part, &o.Holder, &o.Epoch, &since, &app}, func() error {
		if app == "" || app != nodeAppName(o.Holder) {
			o.Holder = ""
		}
		o.Since = time.Unix(0, since).UTC()
		out = append(out, o)
		return nil
	})
	return out, classify(err)
}

// ClusterKey returns the cluster's secret: 32 random bytes, created by the
// first call on the database.
func (s *Store) ClusterKey(ctx context.Context) ([]byte, error) {
	q, err := s.read()
	if err != nil {
		return nil, err
	}
	var key []byte
	err = q.QueryRow(ctx, `SELECT key FROM cluster_key WHERE one = 1`).Scan(&key)
	if !errors.Is(err, pgx.ErrNoRows) {
		return key, classify(err)
	}
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("postgres: cluster key: %w", err)
	}
	// Another node may create it first: then its key is the cluster's.
	if _, err := q.Exec(ctx, `INSERT INTO cluster_key (one, key) VALUES (1, $1) ON CONFLICT (one) DO NOTHING`, fresh); err != nil {
		return nil, classify(err)
	}
	err = q.QueryRow(ctx, `SELECT key FROM cluster_key WHERE one = 1`).Scan(&key)
	return key, classify(err)
}

// maxQueued bounds QueuedActivityTasks' answer.
const maxQueued = 1000

// QueuedActivityTasks returns the queued tasks of an activity, of any
// partition, oldest first: at most limit (1 to 1000; 100 for 0 or less).
func (s *Store) QueuedActivityTasks(ctx context.Context, activityArn string, limit int) ([]*store.Task, error) {
	q, err := s.read()
	if err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, maxQueued)
	rows, err := q.Query(ctx, `SELECT `+sqlrows.TaskColumns+`
		FROM tasks t JOIN executions e ON e.id = t.execution_id
		WHERE t.activity_arn = $1 AND t.state = $2 AND t.kind = $3 AND e.status = 'RUNNING'
		ORDER BY t.created_at, t.token LIMIT $4`, activityArn, store.TaskQueued, store.TaskActivity, limit)
	if err != nil {
		return nil, classify(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*store.Task, error) { return sqlrows.ScanTask(r) })
	return out, classify(err)
}

// partFence is the check of a member's Commit: the partitions of the
// executions it writes.
type partFence struct {
	m     *Member
	parts []int // in order, once each
}

// fenceFor is the check of batch's Commit by m's store; nil when it
// writes no partition's executions. An Express execution is not checked:
// it runs on the node that started it, whatever its partition, and is
// stored once, when it has ended.
func (m *Member) fenceFor(batch []*store.Transition) *partFence {
	var set partition.Set
	for _, tr := range batch {
		if tr.Execution.Type != store.TypeExpress {
			set = set.With(partition.Of(tr.Execution.Arn))
		}
	}
	if set == 0 {
		return nil
	}
	return &partFence{m: m, parts: set.List()}
}

// partFenceQuery reads the leases of the partitions a Commit writes and
// holds them FOR SHARE until COMMIT: a node taking one over waits for it.
const partFenceQuery = `SELECT part, epoch FROM partition_leases WHERE part = ANY($1) ORDER BY part FOR SHARE`

// check reads partFenceQuery's answer: a *store.PartitionsLostError for
// the partitions not held, or held by an epoch since bumped.
func (f *partFence) check(rows pgx.Rows) error {
	now := map[int]int64{}
	var p int
	var epoch int64
	if _, err := pgx.ForEachRow(rows, []any{&p, &epoch}, func() error {
		now[p] = epoch
		return nil
	}); err != nil {
		return err
	}
	var lost []int
	for _, p := range f.parts {
		mine := f.m.fences[p].Load()
		if e, ok := now[p]; !ok || mine == 0 || e != mine {
			lost = append(lost, p)
		}
	}
	if len(lost) > 0 {
		slices.Sort(lost)
		return &store.PartitionsLostError{Parts: lost}
	}
	return nil
}

// activitiesQueued collects the activities a member's Commit queues tasks
// for, to notify them (activityChannel) when it commits.
func activitiesQueued(tr *store.Transition, seen map[string]bool, out []string) []string {
	for _, t := range tr.AddTasks {
		if t.Kind == store.TaskActivity && t.State == store.TaskQueued && !seen[t.ActivityArn] {
			seen[t.ActivityArn] = true
			out = append(out, t.ActivityArn)
		}
	}
	return out
}

// notifyQuery notifies activityChannel of each activity ARN of $1.
const notifyQuery = `SELECT pg_notify('` + activityChannel + `', a) FROM unnest($1::text[]) AS a`

// notice sends payload on activityChannel (ListenActivities).
func (s *Store) notice(ctx context.Context, payload string) error {
	q, err := s.read()
	if err != nil {
		return err
	}
	_, err = q.Exec(ctx, `SELECT pg_notify($1, $2)`, activityChannel, payload)
	return classify(err)
}

// WorkflowsChanged is what ListenActivities passes its fn, never an
// activity ARN, when a member said that the workflows changed
// (NotifyWorkflowsChanged).
const WorkflowsChanged = "baton:workflows-changed"

// NotifyWorkflowsChanged tells the members listening (ListenActivities)
// that workflows were deployed, changed or deleted: the node running the
// cluster's triggers reads them again.
func (s *Store) NotifyWorkflowsChanged(ctx context.Context) error {
	return s.notice(ctx, WorkflowsChanged)
}

// BucketChanged starts what ListenActivities passes its fn, followed by
// a bucket's name, when a member was told that objects of that bucket
// changed (NotifyBucket).
const BucketChanged = "baton:bucket:"

// NotifyBucket tells the members listening (ListenActivities) that a
// bucket notification named bucket: the node running the cluster's data
// arrivals lists it.
func (s *Store) NotifyBucket(ctx context.Context, bucket string) error {
	return s.notice(ctx, BucketChanged+bucket)
}

// ActivityHeld starts what ListenActivities passes its fn, followed by an
// activity's ARN, when a member's engine holds a task of that activity
// that no row tells of: an Express run's, kept in that member's memory
// (NotifyActivityHeld).
const ActivityHeld = "baton:held:"

// NotifyActivityHeld tells the members listening (ListenActivities) that
// this member's engine holds a task of the activity activityArn in memory:
// their waiting polls ask it for the task.
func (s *Store) NotifyActivityHeld(ctx context.Context, activityArn string) error {
	return s.notice(ctx, ActivityHeld+activityArn)
}

// PausedChanged starts what ListenActivities passes its fn, followed by
// "1:" (paused) or "0:" (resumed) and a workflow's ARN, when a member
// paused or resumed its schedules (NotifyPaused).
const PausedChanged = "baton:paused:"

// NotifyPaused tells the members listening (ListenActivities) that the
// schedules of the workflow arn were paused or resumed: the node running
// the cluster's triggers skips or runs their slots.
func (s *Store) NotifyPaused(ctx context.Context, arn string, paused bool) error {
	v := "0:"
	if paused {
		v = "1:"
	}
	return s.notice(ctx, PausedChanged+v+arn)
}

// NotificationsRetried is what ListenActivities passes its fn when a
// member retried failed notifications (NotifyNotificationsRetried).
const NotificationsRetried = "baton:notifications-retried"

// NotifyNotificationsRetried tells the members listening
// (ListenActivities) that failed notifications were stored again to be
// delivered: the node running the cluster's notifications reads them.
func (s *Store) NotifyNotificationsRetried(ctx context.Context) error {
	return s.notice(ctx, NotificationsRetried)
}

// OutboxChanged is what ListenActivities passes its fn when a member
// committed events to the outbox (NotifyOutbox).
const OutboxChanged = "baton:outbox"

// NotifyOutbox tells the members listening (ListenActivities) that events
// were committed to the outbox: the node running the cluster's bus reads
// it now rather than at its next rescan. It is sent apart from the
// commits (a NOTIFY in a commit serialises the commits of every member),
// so callers throttle it.
func (s *Store) NotifyOutbox(ctx context.Context) error {
	return s.notice(ctx, OutboxChanged)
}

// listenIdle is how long ListenActivities waits for a notification before
// it checks that its connection still works.
const listenIdle = 30 * time.Second

// ListenActivities calls fn with the activity ARN of each task queued by
// a Commit of any member of the cluster (after it commits), until ctx
// ends (it then returns nil). It listens on a connection of its own and
// reconnects when it fails; notifications sent meanwhile are lost, so
// after reconnecting it calls fn("") once: any activity may have queued
// tasks since (and the workflows and buckets may have changed). It passes
// WorkflowsChanged, BucketChanged and a bucket, or PausedChanged and what
// changed, when a member notified that. fn runs on
// ListenActivities' goroutine.
func (s *Store) ListenActivities(ctx context.Context, fn func(activityArn string)) error {
	const minWait, maxWait = 100 * time.Millisecond, 5 * time.Second
	wait := minWait
	for again := false; ; again = true {
		if s.closed.Load() {
			return errClosed
		}
		began := time.Now()
		err := s.listen(ctx, fn, again)
		if ctx.Err() != nil {
			return nil
		}
		_ = err // a failure of the connection or the database: reconnect
		if time.Since(began) > maxWait {
			wait = minWait // it listened a while: a new failure
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(2*wait, maxWait)
	}
}

// listen runs one connection of ListenActivities, until it fails or ctx
// ends; missed says notifications may have been missed before it.
func (s *Store) listen(ctx context.Context, fn func(string), missed bool) error {
	cc := s.cfg.ConnConfig.Copy()
	cc.RuntimeParams["application_name"] = "baton listen"
	conn, err := pgx.ConnectConfig(ctx, cc)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, `LISTEN `+activityChannel); err != nil {
		return err
	}
	if missed {
		fn("")
	}
	for {
		wctx, cancel := context.WithTimeout(ctx, listenIdle)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err == nil:
			fn(n.Payload)
		case errors.Is(err, context.DeadlineExceeded) && !conn.IsClosed():
			// Quiet a while: does the connection still work?
			pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err := conn.Ping(pctx)
			cancel()
			if err != nil {
				return err
			}
		default:
			return err
		}
	}
}

// clusterHolder describes the live cluster members, "" if none.
func clusterHolder(ctx context.Context, q querier) string {
	live, err := liveMembers(ctx, q)
	if err != nil || len(live) == 0 {
		return ""
	}
	names := make([]string, 0, len(live))
	for app := range live {
		names = append(names, nodeName(strings.TrimPrefix(app, nodeAppPrefix)))
	}
	slices.Sort(names)
	return fmt.Sprintf("a cluster of %d servers (%s)", len(names), strings.Join(names, ", "))
}
