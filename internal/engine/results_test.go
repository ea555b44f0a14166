package engine_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/apierr"
)

func TestCallbackToken(t *testing.T) {
	w := newWorld(t)
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
	  "Parameters":{"MessageBody":{"token.$":"$$.Task.Token"}},"End":true}}}`
	ex := w.start("cb", def, `{}`)
	task := w.openTask(ex.Arn)
	if !strings.Contains(task.Input, task.Token) {
		t.Fatalf("the token %s is not in the task input %s", task.Token, task.Input)
	}
	w.restart()
	if err := w.eng.SendTaskFailure(context.Background(), task.Token, "Nope", "rejected"); err != nil {
		t.Fatal(err)
	}
	done := w.wait(ex.Arn, "FAILED")
	if done.Error != "Nope" || done.Cause != "rejected" {
		t.Fatalf("%s %s", done.Error, done.Cause)
	}
	err := w.eng.SendTaskSuccess(context.Background(), "garbage", `{}`)
	if e, ok := apierr.As(err); !ok || e.Code != apierr.InvalidToken {
		t.Fatalf("garbage token: %v", err)
	}
}

// A late result of attempt 0 of an activity, after its timeout started
// attempt 1, is refused and does not complete attempt 1.
func TestLateResultOfEarlierAttemptIsRefused(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + actArn + `","TimeoutSeconds":10,
	  "Retry":[{"ErrorEquals":["States.Timeout"],"IntervalSeconds":1,"MaxAttempts":1}],"End":true}}}`
	ex := w.start("late", def, `{}`)
	t0task, err := w.eng.GetActivityTask(ctx, actArn, "w0")
	if err != nil || t0task == nil || t0task.Attempt != 0 {
		t.Fatalf("attempt 0: %+v %v", t0task, err)
	}
	w.advance(10 * time.Second) // attempt 0 times out
	w.advance(time.Second)      // the retry back-off
	t1task, err := w.eng.GetActivityTask(ctx, actArn, "w1")
	if err != nil || t1task == nil || t1task.Attempt != 1 || t1task.Token == t0task.Token {
		t.Fatalf("attempt 1: %+v %v", t1task, err)
	}
	if err := w.eng.SendTaskSuccess(ctx, t0task.Token, `"from attempt 0"`); !isCode(err, apierr.TaskTimedOut) {
		t.Fatalf("late result of attempt 0: %v", err)
	}
	if err := w.eng.SendTaskHeartbeat(ctx, t0task.Token); !isCode(err, apierr.TaskTimedOut) {
		t.Fatalf("late heartbeat of attempt 0: %v", err)
	}
	if err := w.eng.SendTaskSuccess(ctx, t1task.Token, `"from attempt 1"`); err != nil {
		t.Fatal(err)
	}
	done := w.wait(ex.Arn, "SUCCEEDED")
	if done.Output != `"from attempt 1"` {
		t.Fatalf("output %s", done.Output)
	}
	if len(w.tasksOf(ex.Arn)) != 0 || len(w.timersOf(ex.Arn)) != 0 {
		t.Fatal("tasks or timers left")
	}
}
