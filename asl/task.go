package asl

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/batonhq/baton/asl/internal/jsonpath"
	"github.com/batonhq/baton/internal/value"
)

// dispatch schedules one attempt of a Task state: effective input, timeouts,
// the RunTask command and the Scheduled/Started events.
func (m *Machine) dispatch(x *Execution, f *Frame, s *state, now time.Time, out *Output) bool {
	if strings.HasSuffix(s.resource, ".waitForTaskToken") {
		f.Token = newToken()
	} else {
		f.Token = ""
	}
	var eff any
	var fail *Failure
	if s.js != nil {
		eff, fail = m.jsonataArguments(x, f, s)
	} else {
		eff, fail = m.effectiveInput(x, f, s, f.Input, true)
	}
	if fail != nil {
		return m.fail(x, f, s, fail, now, out)
	}
	timeout, heartbeat := s.timeout, s.heartbeat
	if s.js != nil && (s.js.timeout != nil || s.js.heartbeat != nil) {
		sc := m.scope(x, f, f.Input)
		for _, t := range []struct {
			j *jvalue
			d *time.Duration
		}{{s.js.timeout, &timeout}, {s.js.heartbeat, &heartbeat}} {
			if t.j == nil {
				continue
			}
			n, fail := jsonataSeconds(t.j, sc, 1)
			if fail != nil {
				return m.fail(x, f, s, fail, now, out)
			}
			*t.d = time.Duration(n) * time.Second
		}
	}
	if s.timeoutPath != nil {
		d, fail := durationAt(s.timeoutPath, m.env(x, f, f.Input), "TimeoutSecondsPath")
		if fail != nil {
			return m.fail(x, f, s, fail, now, out)
		}
		timeout = d
	}
	if s.heartbeatPath != nil {
		d, fail := durationAt(s.heartbeatPath, m.env(x, f, f.Input), "HeartbeatSecondsPath")
		if fail != nil {
			return m.fail(x, f, s, fail, now, out)
		}
		heartbeat = d
	}
	taskID := "task-" + fmt.Sprint(m.newID(x))
	f.TaskID = taskID
	f.Started = false
	f.Phase = phaseTask
	if x.Tasks == nil {
		x.Tasks = map[string]int64{}
	}
	x.Tasks[taskID] = f.ID
	attempt := f.RetryCount
	out.Commands = append(out.Commands, RunTask{TaskID: taskID, Resource: s.resource, Input: eff, StateName: s.name,
		Attempt: attempt, Token: f.Token, Timeout: timeout, Heartbeat: heartbeat})
	if timeout > 0 {
		f.TimeoutTimer = m.arm(x, f.ID, timerTaskTimeout, now.Add(timeout), out)
	}
	f.Heartbeat = int64(heartbeat / time.Second)
	if heartbeat > 0 && (s.taskEvents == taskEventsActivity || strings.HasSuffix(s.resource, ".waitForTaskToken")) {
		f.HeartbeatTimer = m.arm(x, f.ID, timerHeartbeat, now.Add(heartbeat), out)
	}
	switch s.taskEvents {
	case taskEventsLambda:
		if ev := m.event(x, f, now, out, "LambdaFunctionScheduled"); ev != nil {
			ev.Input, ev.HasInput = eff, true
			ev.Task = &TaskDetails{Resource: s.resource, TimeoutSeconds: int64(timeout / time.Second)}
		}
		m.event(x, f, now, out, "LambdaFunctionStarted")
	case taskEventsActivity:
		if ev := m.event(x, f, now, out, "ActivityScheduled"); ev != nil {
			ev.Input, ev.HasInput = eff, true
			ev.Task = &TaskDetails{Resource: s.resource, TimeoutSeconds: int64(timeout / time.Second), HeartbeatSeconds: int64(heartbeat / time.Second)}
		}
	default:
		typ, res := splitResource(s.resource)
		if ev := m.event(x, f, now, out, "TaskScheduled"); ev != nil {
			params := eff
			if params == nil {
				params = map[string]any{}
			}
			ev.Task = &TaskDetails{ResourceType: typ, Resource: res, Region: x.Info.Region, Parameters: params,
				TimeoutSeconds: int64(timeout / time.Second), HeartbeatSeconds: int64(heartbeat / time.Second)}
		}
		if ev := m.event(x, f, now, out, "TaskStarted"); ev != nil {
			ev.Task = &TaskDetails{ResourceType: typ, Resource: res}
		}
	}
	return false
}

// splitResource splits a Task resource into the resourceType and resource of
// Task* history events: "arn:aws:states:::lambda:invoke" -> ("lambda", "invoke").
func splitResource(r string) (string, string) {
	rest := r
	if strings.HasPrefix(r, "arn:") {
		parts := strings.SplitN(r, ":", 6)
		if len(parts) == 6 {
			rest = parts[5]
		}
	}
	if i := strings.IndexByte(rest, ':'); i >= 0 {
		return rest[:i], rest[i+1:]
	}
	return rest, ""
}

// durationAt reads a positive whole number of seconds at a path
// (TimeoutSecondsPath, HeartbeatSecondsPath, SecondsPath).
func durationAt(p *jsonpath.Path, env jsonpath.Env, field string) (time.Duration, *Failure) {
	v, err := p.Get(env)
	if err != nil {
		return 0, pathFailure(p, err)
	}
	n, ok := value.Number(v)
	if !ok || n < 0 || n != math.Trunc(n) || (n == 0 && field != "SecondsPath") || n > 99999999 {
		return 0, &Failure{Error: ErrRuntime, Cause: fmt.Sprintf("The value of the field '%s' must be a positive integer: the path '%s' resolved to %s", field, p.String(), value.MarshalString(v))}
	}
	return time.Duration(n) * time.Second, nil
}

// endTask clears the frame's task and its timers.
func (m *Machine) endTask(x *Execution, f *Frame, out *Output) {
	delete(x.Tasks, f.TaskID)
	f.TaskID, f.Token = "", ""
	m.cancelTimer(x, f.TimeoutTimer, out)
	m.cancelTimer(x, f.HeartbeatTimer, out)
	f.TimeoutTimer, f.HeartbeatTimer = "", ""
}

func (m *Machine) taskSucceeded(x *Execution, f *Frame, output any, now time.Time, out *Output) bool {
	s := m.stateOf(f)
	m.endTask(x, f, out)
	f.Phase = phaseEnter
	var typ string
	switch s.taskEvents {
	case taskEventsLambda:
		typ = "LambdaFunctionSucceeded"
	case taskEventsActivity:
		typ = "ActivitySucceeded"
	default:
		typ = "TaskSucceeded"
	}
	if ev := m.event(x, f, now, out, typ); ev != nil {
		ev.Output, ev.HasOutput = output, true
		if s.taskEvents == taskEventsTask {
			typ, res := splitResource(s.resource)
			ev.Task = &TaskDetails{ResourceType: typ, Resource: res}
		}
	}
	return m.complete(x, f, s, output, now, out)
}

// taskFailed records a failed or timed-out attempt ("Failed" or "TimedOut")
// and hands the error to Retry and Catch.
func (m *Machine) taskFailed(x *Execution, f *Frame, fail *Failure, how string, now time.Time, out *Output) bool {
	s := m.stateOf(f)
	if how == "TimedOut" {
		out.Commands = append(out.Commands, CancelTask{TaskID: f.TaskID})
	}
	m.endTask(x, f, out)
	f.Phase = phaseEnter
	var typ string
	switch s.taskEvents {
	case taskEventsLambda:
		typ = "LambdaFunction" + how
	case taskEventsActivity:
		typ = "Activity" + how
	default:
		typ = "Task" + how
	}
	if ev := m.event(x, f, now, out, typ); ev != nil {
		ev.Error, ev.Cause = fail.Error, fail.Cause
		if s.taskEvents == taskEventsTask {
			typ, res := splitResource(s.resource)
			ev.Task = &TaskDetails{ResourceType: typ, Resource: res}
		}
	}
	return m.fail(x, f, s, fail, now, out)
}
