package sfnapi

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/batonhq/baton/internal/service"
	"github.com/batonhq/baton/internal/store"
)

func serviceConfig() service.Config { return service.Config{} }

// newClient returns an SDK client of srv, without retries (errors come
// back at once) and, with noPrefix, without the sync- host prefix.
func newClient(srv *testServer, noPrefix bool) *sfn.Client {
	return sfn.New(sfn.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("k", "s", ""),
		Retryer:      aws.NopRetryer{},
		HTTPClient:   srv.Client(),
	}, func(o *sfn.Options) {
		if noPrefix {
			o.APIOptions = append(o.APIOptions, DisableHostPrefix)
		}
	})
}

// DisableHostPrefix is the APIOptions entry that keeps the Go SDK from
// prefixing the host with "sync-" (as in docs/api-stepfunctions.md).
func DisableHostPrefix(s *middleware.Stack) error {
	return s.Initialize.Add(middleware.InitializeMiddlewareFunc("DisableHostPrefix",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			return next.HandleInitialize(smithyhttp.DisableEndpointHostPrefix(ctx, true), in)
		}), middleware.Before)
}

// wantErr fails unless err is the SDK error type T.
func wantErr[T error](t *testing.T, err error) T {
	t.Helper()
	var target T
	if !errors.As(err, &target) {
		t.Fatalf("error = %v (%T), want %T", err, err, target)
	}
	return target
}

func TestSDKStateMachines(t *testing.T) {
	ctx := context.Background()
	srv := newTestServer(t, serviceConfig())
	c := newClient(srv, true)

	cr, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name: aws.String("sm"), Definition: aws.String(passDef), RoleArn: aws.String("arn:aws:iam::123456789012:role/r"),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("data")}}, Publish: true, VersionDescription: aws.String("first"),
	})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(cr.StateMachineArn)
	if arn != "arn:aws:states:us-east-1:123456789012:stateMachine:sm" || aws.ToString(cr.StateMachineVersionArn) != arn+":1" ||
		cr.CreationDate.UnixMilli() != 1714564800250 {
		t.Fatalf("CreateStateMachine = %+v", cr)
	}
	d, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: &arn})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(d.Name) != "sm" || d.Status != types.StateMachineStatusActive || d.Type != types.StateMachineTypeStandard ||
		aws.ToString(d.Definition) != passDef || d.LoggingConfiguration.Level != types.LogLevelOff || d.RevisionId == nil {
		t.Fatalf("DescribeStateMachine = %+v", d)
	}
	up, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: &arn,
		Definition: aws.String(`{"StartAt":"Q","States":{"Q":{"Type":"Pass","End":true}}}`), Publish: true})
	if err != nil || aws.ToString(up.StateMachineVersionArn) != arn+":2" || up.UpdateDate == nil {
		t.Fatalf("UpdateStateMachine = %+v, %v", up, err)
	}
	ls, err := c.ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
	if err != nil || len(ls.StateMachines) != 1 || aws.ToString(ls.StateMachines[0].Name) != "sm" {
		t.Fatalf("ListStateMachines = %+v, %v", ls, err)
	}

	// Versions and aliases.
	vs, err := c.ListStateMachineVersions(ctx, &sfn.ListStateMachineVersionsInput{StateMachineArn: &arn})
	if err != nil || len(vs.StateMachineVersions) != 2 || aws.ToString(vs.StateMachineVersions[0].StateMachineVersionArn) != arn+":2" {
		t.Fatalf("ListStateMachineVersions = %+v, %v", vs, err)
	}
	al, err := c.CreateStateMachineAlias(ctx, &sfn.CreateStateMachineAliasInput{Name: aws.String("prod"),
		RoutingConfiguration: []types.RoutingConfigurationListItem{
			{StateMachineVersionArn: aws.String(arn + ":1"), Weight: 80},
			{StateMachineVersionArn: aws.String(arn + ":2"), Weight: 20},
		}})
	if err != nil || aws.ToString(al.StateMachineAliasArn) != arn+":prod" {
		t.Fatalf("CreateStateMachineAlias = %+v, %v", al, err)
	}
	da, err := c.DescribeStateMachineAlias(ctx, &sfn.DescribeStateMachineAliasInput{StateMachineAliasArn: al.StateMachineAliasArn})
	if err != nil || len(da.RoutingConfiguration) != 2 || da.RoutingConfiguration[0].Weight != 80 {
		t.Fatalf("DescribeStateMachineAlias = %+v, %v", da, err)
	}
	if _, err := c.UpdateStateMachineAlias(ctx, &sfn.UpdateStateMachineAliasInput{StateMachineAliasArn: al.StateMachineAliasArn,
		RoutingConfiguration: []types.RoutingConfigurationListItem{{StateMachineVersionArn: aws.String(arn + ":2"), Weight: 100}}}); err != nil {
		t.Fatal(err)
	}
	las, err := c.ListStateMachineAliases(ctx, &sfn.ListStateMachineAliasesInput{StateMachineArn: &arn})
	if err != nil || len(las.StateMachineAliases) != 1 {
		t.Fatalf("ListStateMachineAliases = %+v, %v", las, err)
	}
	_, err = c.DeleteStateMachineVersion(ctx, &sfn.DeleteStateMachineVersionInput{StateMachineVersionArn: aws.String(arn + ":2")})
	wantErr[*types.ConflictException](t, err)
	if _, err := c.DeleteStateMachineVersion(ctx, &sfn.DeleteStateMachineVersionInput{StateMachineVersionArn: aws.String(arn + ":1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteStateMachineAlias(ctx, &sfn.DeleteStateMachineAliasInput{StateMachineAliasArn: al.StateMachineAliasArn}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeStateMachineAlias(ctx, &sfn.DescribeStateMachineAliasInput{StateMachineAliasArn: al.StateMachineAliasArn})
	wantErr[*types.ResourceNotFound](t, err)

	// Tags.
	if _, err := c.TagResource(ctx, &sfn.TagResourceInput{ResourceArn: &arn, Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("test")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(ctx, &sfn.UntagResourceInput{ResourceArn: &arn, TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.ListTagsForResource(ctx, &sfn.ListTagsForResourceInput{ResourceArn: &arn})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "env" {
		t.Fatalf("ListTagsForResource = %+v, %v", tags, err)
	}

	// Validation.
	v, err := c.ValidateStateMachineDefinition(ctx, &sfn.ValidateStateMachineDefinitionInput{
		Definition: aws.String(`{"StartAt":"Nope","States":{"P":{"Type":"Pass","End":true}}}`)})
	if err != nil || v.Result != types.ValidateStateMachineDefinitionResultCodeFail || len(v.Diagnostics) == 0 ||
		v.Diagnostics[0].Severity != types.ValidateStateMachineDefinitionSeverityError || aws.ToString(v.Diagnostics[0].Location) != "/StartAt" {
		t.Fatalf("ValidateStateMachineDefinition = %+v, %v", v, err)
	}

	// Errors the SDK must recognise.
	_, err = c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn + "x")})
	wantErr[*types.StateMachineDoesNotExist](t, err)
	_, err = c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String("not-an-arn")})
	wantErr[*types.InvalidArn](t, err)
	_, err = c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("bad"), RoleArn: aws.String("arn:aws:iam::1:role/r"),
		Definition: aws.String(`{"StartAt":"X","States":{}}`)})
	if e := wantErr[*types.InvalidDefinition](t, err); !strings.Contains(e.ErrorMessage(), "Invalid State Machine Definition") {
		t.Fatalf("message = %q", e.ErrorMessage())
	}
	_, err = c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("a b"), RoleArn: aws.String("arn:aws:iam::1:role/r"), Definition: aws.String(passDef)})
	wantErr[*types.InvalidName](t, err)
	_, err = c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("sm"), RoleArn: aws.String("arn:aws:iam::1:role/other"), Definition: aws.String(passDef)})
	wantErr[*types.StateMachineAlreadyExists](t, err)
	_, err = c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("v"), RoleArn: aws.String("arn:aws:iam::1:role/r"),
		Definition: aws.String(passDef), VersionDescription: aws.String("needs publish")})
	wantErr[*types.ValidationException](t, err)
	// Operations whose model lists no ValidationException still see the code.
	_, err = c.ListStateMachines(ctx, &sfn.ListStateMachinesInput{MaxResults: 5000})
	if e := wantErr[smithy.APIError](t, err); e.ErrorCode() != "ValidationException" {
		t.Fatalf("code = %s", e.ErrorCode())
	}
	_, err = c.ListStateMachines(ctx, &sfn.ListStateMachinesInput{NextToken: aws.String("forged")})
	wantErr[*types.InvalidToken](t, err)

	if _, err := c.DeleteStateMachine(ctx, &sfn.DeleteStateMachineInput{StateMachineArn: &arn}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: &arn})
	wantErr[*types.StateMachineDoesNotExist](t, err)
}

func TestSDKExecutions(t *testing.T) {
	ctx := context.Background()
	srv := newTestServer(t, serviceConfig())
	c := newClient(srv, true)
	cr, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("sm"), Definition: aws.String(passDef),
		RoleArn: aws.String("arn:aws:iam::123456789012:role/r")})
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: cr.StateMachineArn, Name: aws.String("run"), Input: aws.String(`{"a":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(st.ExecutionArn) != "arn:aws:states:us-east-1:123456789012:execution:sm:run" || st.StartDate.UnixMilli() != 1714564800250 {
		t.Fatalf("StartExecution = %+v", st)
	}
	_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: cr.StateMachineArn, Name: aws.String("run"), Input: aws.String(`{"a":2}`)})
	wantErr[*types.ExecutionAlreadyExists](t, err)
	_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: cr.StateMachineArn, Input: aws.String(`{`)})
	wantErr[*types.InvalidExecutionInput](t, err)

	d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: st.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != types.ExecutionStatusRunning || aws.ToString(d.Input) != `{"a":1}` || d.StopDate != nil || aws.ToInt32(d.RedriveCount) != 0 ||
		d.StartDate.UnixMilli() != 1714564800250 {
		t.Fatalf("DescribeExecution = %+v", d)
	}
	h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: st.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Events) != 1 || h.Events[0].Type != types.HistoryEventTypeExecutionStarted || h.Events[0].Id != 1 ||
		h.Events[0].Timestamp.UnixMilli() != 1714564800250 || h.Events[0].ExecutionStartedEventDetails == nil ||
		aws.ToString(h.Events[0].ExecutionStartedEventDetails.Input) != `{"input":true}` ||
		aws.ToString(h.Events[0].ExecutionStartedEventDetails.RoleArn) != "arn:aws:iam::123456789012:role/r" {
		t.Fatalf("GetExecutionHistory = %+v", h.Events)
	}
	h, err = c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: st.ExecutionArn, IncludeExecutionData: aws.Bool(false)})
	if err != nil || h.Events[0].ExecutionStartedEventDetails.Input != nil {
		t.Fatalf("without data = %+v, %v", h.Events, err)
	}
	le, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: cr.StateMachineArn, StatusFilter: types.ExecutionStatusRunning})
	if err != nil || len(le.Executions) != 1 || aws.ToString(le.Executions[0].Name) != "run" {
		t.Fatalf("ListExecutions = %+v, %v", le, err)
	}
	dsm, err := c.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: st.ExecutionArn})
	if err != nil || aws.ToString(dsm.Definition) != passDef {
		t.Fatalf("DescribeStateMachineForExecution = %+v, %v", dsm, err)
	}
	stop, err := c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: st.ExecutionArn, Error: aws.String("E")})
	if err != nil || stop.StopDate == nil {
		t.Fatalf("StopExecution = %+v, %v", stop, err)
	}
	_, err = c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: st.ExecutionArn})
	wantErr[*types.ExecutionNotRedrivable](t, err)
	_, err = c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String("arn:aws:states:us-east-1:123456789012:execution:sm:nope")})
	wantErr[*types.ExecutionDoesNotExist](t, err)
	_, err = c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: cr.StateMachineArn})
	wantErr[*types.StateMachineTypeNotSupported](t, err)

	// Activities and tasks.
	act, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("work")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.DescribeActivity(ctx, &sfn.DescribeActivityInput{ActivityArn: act.ActivityArn}); err != nil {
		t.Fatal(err)
	}
	la, err := c.ListActivities(ctx, &sfn.ListActivitiesInput{})
	if err != nil || len(la.Activities) != 1 {
		t.Fatalf("ListActivities = %+v, %v", la, err)
	}
	srv.eng.task = &store.Task{Token: "good-token", Input: `{"job":1}`}
	task, err := c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: act.ActivityArn, WorkerName: aws.String("w")})
	if err != nil || aws.ToString(task.TaskToken) != "good-token" || aws.ToString(task.Input) != `{"job":1}` {
		t.Fatalf("GetActivityTask = %+v, %v", task, err)
	}
	task, err = c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: act.ActivityArn})
	if err != nil || task.TaskToken != nil {
		t.Fatalf("GetActivityTask (none) = %+v, %v", task, err)
	}
	if _, err := c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String("good-token"), Output: aws.String(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String("good-token")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: aws.String("stale")})
	wantErr[*types.InvalidToken](t, err)
	_, err = c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String("good-token"), Output: aws.String(`nope`)})
	wantErr[*types.InvalidOutput](t, err)
	if _, err := c.DeleteActivity(ctx, &sfn.DeleteActivityInput{ActivityArn: act.ActivityArn}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeActivity(ctx, &sfn.DescribeActivityInput{ActivityArn: act.ActivityArn})
	wantErr[*types.ActivityDoesNotExist](t, err)

	ts, err := c.TestState(ctx, &sfn.TestStateInput{Definition: aws.String(`{"Type":"Pass","End":true}`), Input: aws.String(`{"t":1}`)})
	if err != nil || ts.Status != types.TestExecutionStatusSucceeded || aws.ToString(ts.Output) != `{"t":1}` {
		t.Fatalf("TestState = %+v, %v", ts, err)
	}
}

// TestSDKSyncHostPrefix runs StartSyncExecution as SDKs send it by
// default, to "sync-<host>", and with the prefix disabled.
func TestSDKSyncHostPrefix(t *testing.T) {
	ctx := context.Background()
	srv := newTestServer(t, serviceConfig())
	var mu sync.Mutex
	var hosts []string
	inner := srv.Config.Handler
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hosts = append(hosts, r.Host)
		mu.Unlock()
		inner.ServeHTTP(w, r)
	})
	// A client whose dialer reaches the test server whatever the host, as
	// DNS would for sync-<host>.
	addr := srv.Listener.Addr().String()
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}}
	_, port, _ := net.SplitHostPort(addr)
	c := sfn.New(sfn.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://baton.test:" + port),
		Credentials: credentials.NewStaticCredentialsProvider("k", "s", ""), Retryer: aws.NopRetryer{}, HTTPClient: hc})

	cr, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("ex"), Definition: aws.String(passDef),
		RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), Type: types.StateMachineTypeExpress})
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: cr.StateMachineArn, Input: aws.String(`{"x":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != types.SyncExecutionStatusSucceeded || aws.ToString(out.Output) != `{"x":1}` || out.StopDate == nil ||
		!strings.HasPrefix(aws.ToString(out.ExecutionArn), "arn:aws:states:us-east-1:123456789012:express:ex:") {
		t.Fatalf("StartSyncExecution = %+v", out)
	}
	mu.Lock()
	last := hosts[len(hosts)-1]
	mu.Unlock()
	if last != "sync-baton.test:"+port {
		t.Fatalf("StartSyncExecution went to %q, want the sync- prefix", last)
	}
	// With the prefix disabled, against the plain test server.
	plain := newClient(srv, true)
	if _, err := plain.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: cr.StateMachineArn}); err != nil {
		t.Fatal(err)
	}
	_, err = plain.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: out.ExecutionArn})
	wantErr[*types.InvalidArn](t, err)
}
