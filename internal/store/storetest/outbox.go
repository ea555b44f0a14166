package storetest

import (
	"github.com/batonhq/baton/internal/store"
)

// outboxEvent returns an event of partition p with a body naming it.
func outboxEvent(p int, name string, n int) *store.OutboxEvent {
	return &store.OutboxEvent{Partition: p, Account: "123456789012", Bus: "default", Time: at(n),
		Body: []byte(`{"id":"` + name + `"}`)}
}

var outboxTests = []test{
	{"CommitAppendsInItsTransaction", func(e *env) {
		sm := stateMachine("sm")
		e.ok(e.s.CreateStateMachine(e.ctx, sm), "CreateStateMachine")
		x := running(sm.Arn, "a", at(1))
		ev := outboxEvent(3, "started", 1)
		e.commit(&store.Transition{Execution: x, New: true, Outbox: []*store.OutboxEvent{ev}})
		if ev.Seq <= 0 {
			e.Fatalf("Commit did not write the event's Seq back: %d", ev.Seq)
		}
		// A refused transition stores none of its events.
		dup := outboxEvent(3, "refused", 2)
		err := e.s.Commit(e.ctx, []*store.Transition{{Execution: running(sm.Arn, "a", at(2)), New: true, Outbox: []*store.OutboxEvent{dup}}})
		e.is(err, store.ErrExists, "a second start of the same name")
		got, err := e.s.ReadOutbox(e.ctx, 3, 0, 10)
		e.ok(err, "ReadOutbox")
		e.equal(got, []*store.OutboxEvent{ev}, "the outbox after a stored and a refused transition")
		last, err := e.s.LastOutboxSeq(e.ctx)
		e.ok(err, "LastOutboxSeq")
		e.equal(last, ev.Seq, "the last Seq")
	}},
	{"ReadByPartitionInOrder", func(e *env) {
		var p1 []*store.OutboxEvent
		for i := 0; i < 5; i++ {
			a, b := outboxEvent(1, "one", i), outboxEvent(2, "two", i)
			e.ok(e.s.AppendEvents(e.ctx, []*store.OutboxEvent{a, b}), "AppendEvents")
			p1 = append(p1, a)
		}
		for i := 1; i < len(p1); i++ {
			if p1[i].Seq <= p1[i-1].Seq {
				e.Fatalf("Seq does not grow: %d then %d", p1[i-1].Seq, p1[i].Seq)
			}
		}
		got, err := e.s.ReadOutbox(e.ctx, 1, 0, 3)
		e.ok(err, "ReadOutbox")
		e.equal(got, p1[:3], "the first page of partition 1")
		got, err = e.s.ReadOutbox(e.ctx, 1, p1[2].Seq, 10)
		e.ok(err, "ReadOutbox")
		e.equal(got, p1[3:], "partition 1 after a cursor")
		all, err := e.s.ReadOutbox(e.ctx, -1, p1[1].Seq, 3)
		e.ok(err, "ReadOutbox of every partition")
		if len(all) != 3 || all[0].Seq <= p1[1].Seq || all[0].Seq >= all[1].Seq || all[1].Seq >= all[2].Seq {
			e.Fatalf("ReadOutbox of every partition after %d: %+v", p1[1].Seq, all)
		}
		e.equal(all[0].Partition, 2, "the partition of an event read with the others")
		e.s = e.reopen()
		got, err = e.s.ReadOutbox(e.ctx, 1, 0, 10)
		e.ok(err, "ReadOutbox after reopening")
		e.equal(got, p1, "partition 1 after reopening")
		e.is(e.s.AppendEvents(e.ctx, []*store.OutboxEvent{outboxEvent(store.OutboxPartitions, "x", 1)}), store.ErrConflict, "a partition out of range")
	}},
	{"ConsumerCommit", func(e *env) {
		cur, err := e.s.Cursors(e.ctx, "rules")
		e.ok(err, "Cursors")
		e.equal(len(cur), 0, "cursors of a new consumer")
		in := &store.Intent{ID: "start-1", Body: []byte(`{"w":1}`), Created: at(1)}
		skipped := outboxEvent(4, "skipped", 1)
		e.ok(e.s.CommitConsumer(e.ctx, &store.ConsumerCommit{Consumer: "rules",
			Events:  []*store.OutboxEvent{skipped},
			Cursors: map[int]int64{0: 7, 5: 9},
			State:   map[string][]byte{"a": []byte("1"), "b": []byte("2")},
			Intents: []*store.Intent{in}}), "CommitConsumer")
		// The same intent again (a replay after a crash) is stored once.
		e.ok(e.s.CommitConsumer(e.ctx, &store.ConsumerCommit{Consumer: "rules",
			State:   map[string][]byte{"a": nil, "c": []byte("3")},
			Intents: []*store.Intent{{ID: "start-1", Body: []byte(`{"w":2}`), Created: at(2)}, {ID: "start-2", Created: at(3)}}}), "CommitConsumer")
		e.s = e.reopen()
		evs, err := e.s.ReadOutbox(e.ctx, 4, 0, 10)
		e.ok(err, "ReadOutbox")
		e.equal(evs, []*store.OutboxEvent{skipped}, "the event stored with the consumer's decisions")
		cur, err = e.s.Cursors(e.ctx, "rules")
		e.ok(err, "Cursors")
		e.equal(cur, map[int]int64{0: 7, 5: 9}, "cursors read back")
		state := map[string]string{}
		e.ok(e.s.ConsumerState(e.ctx, "rules", func(k string, v []byte) error { state[k] = string(v); return nil }), "ConsumerState")
		e.equal(state, map[string]string{"b": "2", "c": "3"}, "state after a set and a delete")
		ins, err := e.s.Intents(e.ctx, "rules")
		e.ok(err, "Intents")
		e.equal(len(ins), 2, "intents")
		e.equal(*ins[0], store.Intent{ID: "start-1", Consumer: "rules", Body: []byte(`{"w":1}`), Created: at(1)}, "the first intent, kept as first stored")
		e.equal(*ins[1], store.Intent{ID: "start-2", Consumer: "rules", Created: at(3)}, "the second intent")
		other, err := e.s.Intents(e.ctx, "triggers")
		e.ok(err, "Intents")
		e.equal(len(other), 0, "another consumer's intents")
		e.ok(e.s.CommitConsumer(e.ctx, &store.ConsumerCommit{Consumer: "rules", DoneIntents: []string{"start-1", "unknown"}}), "CommitConsumer")
		ins, err = e.s.Intents(e.ctx, "rules")
		e.ok(err, "Intents")
		e.equal(len(ins), 1, "intents left once one is done")
	}},
	{"TrimKeepsUnread", func(e *env) {
		a, b, c := outboxEvent(0, "a", 1), outboxEvent(0, "b", 2), outboxEvent(0, "c", 3)
		e.ok(e.s.AppendEvents(e.ctx, []*store.OutboxEvent{a, b, c}), "AppendEvents")
		n, err := e.s.TrimOutbox(e.ctx, at(10))
		e.ok(err, "TrimOutbox")
		e.equal(n, int64(0), "events trimmed with no consumer")
		e.ok(e.s.CommitConsumer(e.ctx, &store.ConsumerCommit{Consumer: "fast", Cursors: map[int]int64{0: c.Seq}}), "CommitConsumer")
		e.ok(e.s.CommitConsumer(e.ctx, &store.ConsumerCommit{Consumer: "slow", Cursors: map[int]int64{0: a.Seq}}), "CommitConsumer")
		n, err = e.s.TrimOutbox(e.ctx, at(10))
		e.ok(err, "TrimOutbox")
		e.equal(n, int64(1), "events every consumer read")
		e.ok(e.s.CommitConsumer(e.ctx, &store.ConsumerCommit{Consumer: "slow", Cursors: map[int]int64{0: c.Seq}}), "CommitConsumer")
		n, err = e.s.TrimOutbox(e.ctx, at(3))
		e.ok(err, "TrimOutbox")
		e.equal(n, int64(1), "events read and older than the bound")
		got, err := e.s.ReadOutbox(e.ctx, 0, 0, 10)
		e.ok(err, "ReadOutbox")
		e.equal(got, []*store.OutboxEvent{c}, "what is left")
	}},
}
