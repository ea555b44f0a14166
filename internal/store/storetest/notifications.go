package storetest

import "github.com/batonhq/baton/internal/store"

var notificationSettingTests = []test{
	{"SetAndDelete", func(e *env) {
		sm := stateMachine("alerts")
		e.is(e.s.SetNotificationSettings(e.ctx, sm.Arn, []byte(`{}`)), store.ErrNotFound, "settings of a state machine that does not exist")
		e.ok(e.s.CreateStateMachine(e.ctx, sm), "CreateStateMachine")
		got, err := e.s.NotificationSettings(e.ctx, sm.Arn)
		e.ok(err, "NotificationSettings")
		e.equal(got, []byte(nil), "settings never set")
		e.ok(e.s.SetNotificationSettings(e.ctx, sm.Arn, []byte(`{"type":"FAILURES"}`)), "SetNotificationSettings")
		e.ok(e.s.SetNotificationSettings(e.ctx, sm.Arn, []byte(`{"type":"PIPELINE"}`)), "SetNotificationSettings again")
		got, err = e.s.NotificationSettings(e.ctx, sm.Arn)
		e.ok(err, "NotificationSettings")
		e.equal(string(got), `{"type":"PIPELINE"}`, "settings replaced")
		e.ok(e.s.SetNotificationSettings(e.ctx, sm.Arn, nil), "removing them")
		got, _ = e.s.NotificationSettings(e.ctx, sm.Arn)
		e.equal(got, []byte(nil), "settings removed")
		// Deleting the state machine takes its settings along: one of the
		// same name made later starts without them.
		e.ok(e.s.SetNotificationSettings(e.ctx, sm.Arn, []byte(`{"type":"FAILURES"}`)), "SetNotificationSettings")
		e.ok(e.s.DeleteStateMachine(e.ctx, sm.Arn), "DeleteStateMachine")
		e.ok(e.s.CreateStateMachine(e.ctx, stateMachine("alerts")), "re-creating it")
		got, _ = e.s.NotificationSettings(e.ctx, sm.Arn)
		e.equal(got, []byte(nil), "settings of a re-created state machine")
	}},
}
