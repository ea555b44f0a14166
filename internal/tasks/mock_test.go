package tasks

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
)

func TestMockRetryPath(t *testing.T) {
	r := newResolver(t, Options{Mocks: loadMockConfig(t), StateMachineName: "LambdaSQSIntegration", TestCase: "RetryPath"})
	success := jsonValue(t, `{"StatusCode": 200, "Payload": {"StatusCode": 200, "body": "Hello from Lambda!"}}`)
	steps := []struct {
		want     any
		wantErr  string
		causeHas []string
	}{
		{wantErr: "Lambda.ResourceNotReadyException", causeHas: []string{"Lambda resource is not ready."}},
		{wantErr: "Lambda.TimeoutException", causeHas: []string{"Lambda timed out."}},
		{wantErr: "Lambda.TimeoutException"},
		{want: success},
		{wantErr: ErrorRuntime, causeHas: []string{`"MockedLambdaRetry"`, "invocation 4", `"LambdaState"`, "0, 1-2, 3"}},
	}
	for i, s := range steps {
		req := Request{Resource: "arn:aws:states:::lambda:invoke", StateName: "LambdaState", ExecutionName: "e1", Attempt: i}
		got, err := run(t, r, req)
		if s.wantErr != "" {
			asFailure(t, err, s.wantErr, s.causeHas...)
			continue
		}
		if err != nil || !reflect.DeepEqual(got, s.want) {
			t.Fatalf("call %d = %v, %v; want %v", i, got, err, s.want)
		}
	}
}

func TestMockCountsPerExecutionAndState(t *testing.T) {
	r := newResolver(t, Options{Mocks: loadMockConfig(t), StateMachineName: "LambdaSQSIntegration", TestCase: "RetryPath"})
	call := func(execution, state string) string {
		_, err := run(t, r, Request{StateName: state, ExecutionName: execution})
		if err != nil {
			return err.(*Failure).Name
		}
		return "ok"
	}
	got := []string{
		call("a", "LambdaState"), // a: invocation 0
		call("b", "LambdaState"), // b: invocation 0
		call("a", "SQSState"),    // other state: invocation 0
		call("a", "LambdaState"), // a: invocation 1
	}
	want := []string{"Lambda.ResourceNotReadyException", "Lambda.ResourceNotReadyException", "ok", "Lambda.TimeoutException"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestMockReturnsFreshValues(t *testing.T) {
	cfg, err := ParseMockConfig([]byte(`{
		"StateMachines": {"SM": {"TestCases": {"T": {"S": "R"}}}},
		"MockedResponses": {"R": {"0-1": {"Return": {"list": [1]}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	r := newResolver(t, Options{Mocks: cfg, StateMachineName: "SM", TestCase: "T"})
	first, err := run(t, r, Request{StateName: "S"})
	if err != nil {
		t.Fatal(err)
	}
	first.(map[string]any)["list"].([]any)[0] = "changed"
	second, err := run(t, r, Request{StateName: "S"})
	if err != nil {
		t.Fatal(err)
	}
	if want := jsonValue(t, `{"list": [1]}`); !reflect.DeepEqual(second, want) {
		t.Fatalf("second call = %v: changing the first result changed the mock", second)
	}
}

func TestMockConcurrentCallsGetDistinctInvocations(t *testing.T) {
	const n = 50
	resp := &MockedResponse{Name: "R"}
	for i := range n {
		resp.Steps = append(resp.Steps, MockStep{Key: fmt.Sprint(i), First: i, Last: i, Return: int64(i)})
	}
	cfg := &MockConfig{
		StateMachines:   map[string]*MockStateMachine{"SM": {TestCases: map[string]MockTestCase{"T": {"Item": "R"}}}},
		MockedResponses: map[string]*MockedResponse{"R": resp},
	}
	r := newResolver(t, Options{Mocks: cfg, StateMachineName: "SM", TestCase: "T"})
	e, err := r.Executor("arn:aws:states:::lambda:invoke", "Item")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu   sync.Mutex
		seen []int64
		wg   sync.WaitGroup
	)
	for range n {
		wg.Go(func() {
			v, err := e.Run(context.Background(), Request{StateName: "Item", ExecutionName: "map"})
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			seen = append(seen, v.(int64))
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(seen)
	for i, v := range seen {
		if v != int64(i) {
			t.Fatalf("invocations %v: want each of 0..%d once", seen, n-1)
		}
	}
}
