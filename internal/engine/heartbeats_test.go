package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/apierr"
)

func TestActivityHeartbeatTimeout(t *testing.T) {
	w := newWorld(t)
	act := "arn:aws:states:us-east-1:123456789012:activity:slow"
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + act + `","HeartbeatSeconds":10,"End":true}}}`
	ex := w.start("hb", def, `{}`)
	ctx := context.Background()
	task, _ := w.eng.GetActivityTask(ctx, act, "w")
	if task == nil {
		t.Fatal("no task")
	}
	w.restart() // the worker's task survives a restart of the server
	w.advance(11 * time.Second)
	done := w.wait(ex.Arn, "FAILED")
	if done.Error != "States.HeartbeatTimeout" {
		t.Fatalf("error %s", done.Error)
	}
	err := w.eng.SendTaskSuccess(ctx, task.Token, `{}`)
	if e, ok := apierr.As(err); !ok || e.Code != apierr.TaskTimedOut {
		t.Fatalf("late result: %v", err)
	}
}
