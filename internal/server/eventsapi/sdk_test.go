package eventsapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go"

	"github.com/batonhq/baton/client"
	"github.com/batonhq/baton/internal/server"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/internal/store/sqlite"
)

const (
	account = "123456789012"
	smArn   = "arn:aws:states:us-east-1:123456789012:stateMachine:orders"
)

// startServer starts a real Baton server and returns its URL.
func startServer(t *testing.T) string {
	url, _ := startServerIn(t, t.TempDir())
	return url
}

// startServerIn starts a real Baton server on a data directory and returns
// its URL and its shutdown.
func startServerIn(t *testing.T, dir string) (string, func()) {
	return startServerWith(t, server.Config{DataDir: dir})
}

// startServerWith starts a real Baton server with cfg (on a free loopback
// port, quiet) and returns its URL and its shutdown.
func startServerWith(t *testing.T, cfg server.Config) (string, func()) {
	t.Helper()
	cfg.Listen, cfg.Log = "127.0.0.1:0", slog.New(slog.NewTextHandler(io.Discard, nil))
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	s, err := server.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	stop := func() { s.Shutdown(context.Background()) }
	t.Cleanup(stop)
	return "http://" + s.Addr(), stop
}

// newClient returns an SDK client of url, without retries.
func newClient(url string) *eventbridge.Client {
	return eventbridge.New(eventbridge.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider("k", "s", ""),
		Retryer:      aws.NopRetryer{},
	})
}

// newSFNClient returns a Step Functions SDK client of url, without retries.
func newSFNClient(url string) *sfn.Client {
	return sfn.New(sfn.Options{Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("k", "s", ""), Retryer: aws.NopRetryer{}})
}

// wantAPIError fails unless err is the API error code with a message
// containing msg.
func wantAPIError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error = %v (%T), want %s", err, err, code)
	}
	if ae.ErrorCode() != code || !strings.Contains(ae.ErrorMessage(), msg) {
		t.Fatalf("error = %s: %s, want %s containing %q", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
}

func TestSDKRulesAndTargets(t *testing.T) {
	ctx := context.Background()
	c := newClient(startServer(t))

	pat := `{"source":["billing"],"detail-type":["Invoice Batch Closed"]}`
	pr, err := c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("invoices"), EventPattern: aws.String(pat),
		Description: aws.String("closed batches"), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("billing")}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(pr.RuleArn); got != "arn:aws:events:us-east-1:"+account+":rule/invoices" {
		t.Fatalf("RuleArn = %s", got)
	}
	d, err := c.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String("invoices")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(d.EventPattern) != pat || d.State != types.RuleStateEnabled || aws.ToString(d.EventBusName) != "default" ||
		aws.ToString(d.Description) != "closed batches" {
		t.Fatalf("DescribeRule = %+v", d)
	}

	// Targets: a workflow with each way of giving its input.
	put, err := c.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("invoices"), Targets: []types.Target{
		{Id: aws.String("whole"), Arn: aws.String(smArn)},
		{Id: aws.String("const"), Arn: aws.String(smArn), Input: aws.String(`{"k":1}`)},
		{Id: aws.String("path"), Arn: aws.String(smArn), InputPath: aws.String("$.detail")},
		{Id: aws.String("tpl"), Arn: aws.String(smArn), InputTransformer: &types.InputTransformer{
			InputPathsMap: map[string]string{"batch": "$.detail.batch"}, InputTemplate: aws.String(`{"batch": <batch>}`)},
			RetryPolicy: &types.RetryPolicy{MaximumRetryAttempts: aws.Int32(3), MaximumEventAgeInSeconds: aws.Int32(600)}},
	}})
	if err != nil || put.FailedEntryCount != 0 {
		t.Fatalf("PutTargets = %+v, %v", put, err)
	}
	lt, err := c.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String("invoices"), Limit: aws.Int32(3)})
	if err != nil || len(lt.Targets) != 3 || lt.NextToken == nil || aws.ToString(lt.Targets[0].Id) != "whole" {
		t.Fatalf("ListTargetsByRule = %+v, %v", lt, err)
	}
	lt2, err := c.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String("invoices"), NextToken: lt.NextToken})
	if err != nil || len(lt2.Targets) != 1 || lt2.NextToken != nil {
		t.Fatalf("ListTargetsByRule page 2 = %+v, %v", lt2, err)
	}
	tpl := lt2.Targets[0]
	if aws.ToString(tpl.InputTransformer.InputTemplate) != `{"batch": <batch>}` || tpl.InputTransformer.InputPathsMap["batch"] != "$.detail.batch" ||
		aws.ToInt32(tpl.RetryPolicy.MaximumRetryAttempts) != 3 || aws.ToInt32(tpl.RetryPolicy.MaximumEventAgeInSeconds) != 600 {
		t.Fatalf("a target read back = %+v", tpl)
	}

	// A sixth target passes the limit of five.
	_, err = c.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("invoices"), Targets: []types.Target{
		{Id: aws.String("five"), Arn: aws.String(smArn)}, {Id: aws.String("six"), Arn: aws.String(smArn)}}})
	wantAPIError(t, err, "LimitExceededException", "at most 5 targets")
	// Only workflows are targets.
	_, err = c.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("invoices"), Targets: []types.Target{
		{Id: aws.String("q"), Arn: aws.String("arn:aws:sqs:us-east-1:123456789012:queue")}}})
	wantAPIError(t, err, "ValidationException", "state machine ARN")

	// A rule with targets is not deleted, as on AWS.
	_, err = c.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String("invoices")})
	wantAPIError(t, err, "ValidationException", "Rule can't be deleted since it has targets.")

	if _, err := c.DisableRule(ctx, &eventbridge.DisableRuleInput{Name: aws.String("invoices")}); err != nil {
		t.Fatal(err)
	}
	ls, err := c.ListRules(ctx, &eventbridge.ListRulesInput{NamePrefix: aws.String("inv")})
	if err != nil || len(ls.Rules) != 1 || ls.Rules[0].State != types.RuleStateDisabled {
		t.Fatalf("ListRules = %+v, %v", ls, err)
	}
	if _, err := c.EnableRule(ctx, &eventbridge.EnableRuleInput{Name: aws.String("invoices")}); err != nil {
		t.Fatal(err)
	}
	rm, err := c.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: aws.String("invoices"), Ids: []string{"whole", "const", "path", "tpl"}})
	if err != nil || rm.FailedEntryCount != 0 {
		t.Fatalf("RemoveTargets = %+v, %v", rm, err)
	}
	if _, err := c.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String("invoices")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String("invoices")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) || aws.ToString(nf.Message) != "Rule invoices does not exist on EventBus default." {
		t.Fatalf("DescribeRule of a deleted rule: %v", err)
	}
	// Deleting a rule that does not exist is no error, as on AWS.
	if _, err := c.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String("invoices")}); err != nil {
		t.Fatal(err)
	}
}

func TestSDKListRulesPages(t *testing.T) {
	ctx := context.Background()
	c := newClient(startServer(t))
	for _, n := range []string{"a1", "a2", "a3", "b1", "a4"} {
		if _, err := c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String(n), EventPattern: aws.String(`{"source":["x"]}`)}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	pages := 0
	var token *string
	for {
		out, err := c.ListRules(ctx, &eventbridge.ListRulesInput{NamePrefix: aws.String("a"), Limit: aws.Int32(2), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, r := range out.Rules {
			names = append(names, aws.ToString(r.Name))
		}
		if token = out.NextToken; token == nil || pages > 10 {
			break
		}
	}
	if strings.Join(names, ",") != "a1,a2,a3,a4" || pages != 2 {
		t.Fatalf("rules named a... = %v in %d pages", names, pages)
	}
}

func TestSDKEventBuses(t *testing.T) {
	ctx := context.Background()
	c := newClient(startServer(t))
	cr, err := c.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String("orders"), Description: aws.String("order events")})
	if err != nil || aws.ToString(cr.EventBusArn) != "arn:aws:events:us-east-1:"+account+":event-bus/orders" {
		t.Fatalf("CreateEventBus = %+v, %v", cr, err)
	}
	_, err = c.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String("orders")})
	var exists *types.ResourceAlreadyExistsException
	if !errors.As(err, &exists) {
		t.Fatalf("CreateEventBus twice: %v", err)
	}
	d, err := c.DescribeEventBus(ctx, &eventbridge.DescribeEventBusInput{Name: aws.String("orders")})
	if err != nil || aws.ToString(d.Description) != "order events" || d.CreationTime == nil || d.CreationTime.Year() < 2020 {
		t.Fatalf("DescribeEventBus = %+v, %v", d, err)
	}
	ls, err := c.ListEventBuses(ctx, &eventbridge.ListEventBusesInput{})
	if err != nil || len(ls.EventBuses) != 2 || aws.ToString(ls.EventBuses[0].Name) != "default" || aws.ToString(ls.EventBuses[1].Name) != "orders" || ls.NextToken != nil {
		t.Fatalf("ListEventBuses = %+v, %v", ls, err)
	}

	// Pages of one hold the default bus first, then the others by name.
	if _, err := c.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String("audit")}); err != nil {
		t.Fatal(err)
	}
	var names []string
	var tok *string
	for range 10 {
		page, err := c.ListEventBuses(ctx, &eventbridge.ListEventBusesInput{Limit: aws.Int32(1), NextToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.EventBuses) != 1 {
			t.Fatalf("a page of Limit 1 holds %d buses", len(page.EventBuses))
		}
		names = append(names, aws.ToString(page.EventBuses[0].Name))
		if tok = page.NextToken; tok == nil {
			break
		}
	}
	if strings.Join(names, ",") != "default,audit,orders" {
		t.Fatalf("ListEventBuses in pages of 1: %v", names)
	}

	// Rules of a custom bus, named by name or ARN; schedules only on default.
	pr, err := c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("big"), EventBusName: cr.EventBusArn,
		EventPattern: aws.String(`{"detail":{"total":[{"exists":true}]}}`)})
	if err != nil || aws.ToString(pr.RuleArn) != "arn:aws:events:us-east-1:"+account+":rule/orders/big" {
		t.Fatalf("PutRule on a custom bus = %+v, %v", pr, err)
	}
	_, err = c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("tick"), EventBusName: aws.String("orders"), ScheduleExpression: aws.String("rate(5 minutes)")})
	wantAPIError(t, err, "ValidationException", "ScheduleExpression is supported only on the default event bus.")
	_, err = c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("x"), EventBusName: aws.String("nope"), EventPattern: aws.String(`{"source":["a"]}`)})
	wantAPIError(t, err, "ResourceNotFoundException", "Event bus nope does not exist.")
	_, err = c.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String("big")})
	wantAPIError(t, err, "ResourceNotFoundException", "Rule big does not exist on EventBus default.")
	if _, err := c.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String("big"), EventBusName: aws.String("orders")}); err != nil {
		t.Fatal(err)
	}

	_, err = c.DeleteEventBus(ctx, &eventbridge.DeleteEventBusInput{Name: aws.String("default")})
	wantAPIError(t, err, "ValidationException", "Cannot delete event bus default.")
	if _, err := c.DeleteEventBus(ctx, &eventbridge.DeleteEventBusInput{Name: aws.String("orders")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeEventBus(ctx, &eventbridge.DescribeEventBusInput{Name: aws.String("orders")})
	wantAPIError(t, err, "ResourceNotFoundException", "Event bus orders does not exist.")
}

func TestSDKPatterns(t *testing.T) {
	ctx := context.Background()
	c := newClient(startServer(t))
	event := `{"id":"1","account":"123456789012","source":"billing","time":"2026-01-01T00:00:00Z","region":"us-east-1","resources":[],"detail-type":"Invoice Batch Closed","detail":{"batch":7}}`
	for _, tc := range []struct {
		pattern string
		want    bool
	}{
		{`{"source":["billing"]}`, true},
		{`{"source":["shipping"]}`, false},
		{`{"detail":{"batch":[7]}}`, true},
	} {
		out, err := c.TestEventPattern(ctx, &eventbridge.TestEventPatternInput{EventPattern: aws.String(tc.pattern), Event: aws.String(event)})
		if err != nil || out.Result != tc.want {
			t.Errorf("TestEventPattern(%s) = %+v, %v; want %v", tc.pattern, out, err, tc.want)
		}
	}
	_, err := c.TestEventPattern(ctx, &eventbridge.TestEventPatternInput{EventPattern: aws.String(`{"source":"billing"}`), Event: aws.String(event)})
	wantAPIError(t, err, "InvalidEventPatternException", "Event pattern is not valid.")
	_, err = c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("bad"), EventPattern: aws.String(`{"source":`)})
	wantAPIError(t, err, "InvalidEventPatternException", "Event pattern is not valid.")
	_, err = c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("long"), EventPattern: aws.String(`{"source":["` + strings.Repeat("x", 4100) + `"]}`)})
	wantAPIError(t, err, "InvalidEventPatternException", "at most 4096")
	_, err = c.TestEventPattern(ctx, &eventbridge.TestEventPatternInput{EventPattern: aws.String(`{"source":["billing"]}`), Event: aws.String(`{"source":"billing"}`)})
	wantAPIError(t, err, "ValidationException", `missing the required field "id"`)
	_, err = c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("cron"), ScheduleExpression: aws.String("cron(0 3 * * * *)")})
	wantAPIError(t, err, "ValidationException", "Parameter ScheduleExpression is not valid")
	_, err = c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("at"), ScheduleExpression: aws.String("at(2026-01-01T00:00:00)")})
	wantAPIError(t, err, "ValidationException", "neither cron(...) nor rate(...)")
	_, err = c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("none")})
	wantAPIError(t, err, "ValidationException", "Parameter(s) EventPattern or ScheduleExpression must be specified.")
	_, err = c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("bad name!"), EventPattern: aws.String(`{"source":["a"]}`)})
	wantAPIError(t, err, "ValidationException", "regular expression pattern")
}

// TestRulesPerBusLimit: the 301st rule of a bus is refused with AWS's
// LimitExceededException, naming the flag that raises it.
func TestRulesPerBusLimit(t *testing.T) {
	ctx := context.Background()
	c := newClient(startServer(t))
	for i := range 300 {
		if _, err := c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("r" + itoa(i)), ScheduleExpression: aws.String("rate(1 hour)")}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("one-more"), ScheduleExpression: aws.String("rate(1 hour)")})
	wantAPIError(t, err, "LimitExceededException", "--max-rules-per-bus")
	if _, err := c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("r0"), ScheduleExpression: aws.String("rate(2 hours)")}); err != nil {
		t.Fatalf("replacing a rule at the limit: %v", err)
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

// TestHostileRequests: what a browser page or a broken client sends gets
// a 4xx with the AWS JSON error shape.
func TestHostileRequests(t *testing.T) {
	url := startServer(t)
	for _, tc := range []struct {
		name, ct, origin, body string
		status                 int
		code                   string
	}{
		{"text/plain from a page", "text/plain", "", `{}`, 415, "SerializationException"},
		{"a page of another origin", "application/x-amz-json-1.1", "https://evil.example", `{}`, 403, "OriginNotAllowed"},
		{"not JSON", "application/x-amz-json-1.1", "", `{"Name":`, 400, "SerializationException"},
		{"a wrong type", "application/x-amz-json-1.1", "", `{"Name":7}`, 400, "SerializationException"},
		{"a huge body", "application/x-amz-json-1.1", "", `{"Name":"` + strings.Repeat("x", 1<<20) + `"}`, 413, "ValidationException"},
		{"bad UTF-8", "application/x-amz-json-1.1", "", "{\"Name\":\"\xff\"}", 400, "SerializationException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(tc.body))
			req.Header.Set("X-Amz-Target", "AWSEvents.DescribeRule")
			req.Header.Set("Content-Type", tc.ct)
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status || !strings.Contains(string(b), `"__type":"`+tc.code+`"`) {
				t.Fatalf("status %d body %s; want %d %s", resp.StatusCode, b, tc.status, tc.code)
			}
		})
	}
	req, _ := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(`{}`))
	req.Header.Set("X-Amz-Target", "AWSEvents.PutPermission")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(b), "UnknownOperationException") || !strings.Contains(string(b), "PutRule") {
		t.Fatalf("an operation Baton lacks: %d %s", resp.StatusCode, b)
	}
}

// TestSDKPutEvents: PutEvents stores each good entry on the outbox in
// EventBridge's envelope, and answers a refused entry in its place.
func TestSDKPutEvents(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	url, stop := startServerIn(t, dir)
	c := newClient(url)
	if _, err := c.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String("billing")}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 3, 0, 0, 0, time.UTC)
	out, err := c.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []types.PutEventsRequestEntry{
		{Source: aws.String("billing"), DetailType: aws.String("Invoice Batch Closed"), Detail: aws.String(`{"batch": 7}`),
			EventBusName: aws.String("billing"), Time: &at, Resources: []string{"arn:x"}},
		{Source: aws.String("billing"), DetailType: aws.String("x"), Detail: aws.String(`[1]`)},
		{DetailType: aws.String("x"), Detail: aws.String(`{}`)},
		{Source: aws.String("billing"), DetailType: aws.String("x"), Detail: aws.String(`{}`), EventBusName: aws.String("nope")},
		{Source: aws.String("app"), DetailType: aws.String("Ping"), Detail: aws.String(`{}`)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	codes := []string{}
	for _, e := range out.Entries {
		codes = append(codes, aws.ToString(e.ErrorCode))
	}
	if out.FailedEntryCount != 3 || strings.Join(codes, ",") != ",MalformedDetail,InvalidArgument,ResourceNotFoundException," ||
		out.Entries[0].EventId == nil || out.Entries[4].EventId == nil {
		t.Fatalf("PutEvents = %d failed, codes %v", out.FailedEntryCount, codes)
	}
	_, err = c.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: make([]types.PutEventsRequestEntry, 11)})
	wantAPIError(t, err, "ValidationException", "length between 1 and 10")
	big := strings.Repeat("x", 200<<10)
	_, err = c.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []types.PutEventsRequestEntry{
		{Source: aws.String("a"), DetailType: aws.String("b"), Detail: aws.String(`{"a":"` + big + `"}`)},
		{Source: aws.String("a"), DetailType: aws.String("b"), Detail: aws.String(`{"a":"` + big + `"}`)}}})
	wantAPIError(t, err, "ValidationException", "over the limit")

	// The outbox holds the two good events, durable across a restart.
	stop()
	st, err := sqlite.Open(dir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var got []map[string]any
	for p := range store.OutboxPartitions {
		evs, err := st.ReadOutbox(ctx, p, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			var m map[string]any
			if err := json.Unmarshal(e.Body, &m); err != nil {
				t.Fatal(err)
			}
			if m["source"] == "aws.states" {
				continue
			}
			m["bus"] = e.Bus
			got = append(got, m)
		}
	}
	if len(got) != 2 {
		t.Fatalf("outbox = %v, want 2 events", got)
	}
	for _, m := range got {
		if m["source"] != "billing" {
			continue
		}
		d, _ := m["detail"].(map[string]any)
		if m["id"] != aws.ToString(out.Entries[0].EventId) || m["bus"] != "billing" || m["time"] != "2026-03-01T03:00:00Z" ||
			m["account"] != account || m["detail-type"] != "Invoice Batch Closed" || d["batch"] != 7.0 || m["version"] != "0" {
			t.Fatalf("event = %v", m)
		}
		return
	}
	t.Fatalf("no billing event in %v", got)
}

// TestRuleStartsWorkflow: an event put with PutEvents that a rule matches
// starts the rule's target workflow, once, with the input its
// InputTransformer makes; the server's --max-targets-per-rule applies.
func TestRuleStartsWorkflow(t *testing.T) {
	ctx := context.Background()
	url, _ := startServerWith(t, server.Config{MaxTargetsPerRule: 1})
	c := newClient(url)
	sc := newSFNClient(url)
	cr, err := sc.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("orders"), RoleArn: aws.String("arn:aws:iam::123456789012:role/r"),
		Definition: aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("invoices"), EventPattern: aws.String(`{"source":["billing"],"detail":{"total":[{"numeric":[">",100]}]}}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("invoices"), Targets: []types.Target{{Id: aws.String("wf"), Arn: cr.StateMachineArn,
		InputTransformer: &types.InputTransformer{InputPathsMap: map[string]string{"batch": "$.detail.batch"}, InputTemplate: aws.String(`{"batch": <batch>, "rule": <aws.events.rule-name>}`)}}}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("invoices"), Targets: []types.Target{{Id: aws.String("two"), Arn: cr.StateMachineArn}}})
	wantAPIError(t, err, "LimitExceededException", "--max-targets-per-rule")
	out, err := c.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []types.PutEventsRequestEntry{
		{Source: aws.String("billing"), DetailType: aws.String("Invoice Batch Closed"), Detail: aws.String(`{"batch": 7, "total": 250}`)},
		{Source: aws.String("billing"), DetailType: aws.String("Invoice Batch Closed"), Detail: aws.String(`{"batch": 8, "total": 50}`)},
	}})
	if err != nil || out.FailedEntryCount != 0 {
		t.Fatalf("PutEvents = %+v, %v", out, err)
	}
	deadline := time.Now().Add(20 * time.Second)
	var inputs []string
	for time.Now().Before(deadline) {
		ls, err := sc.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: cr.StateMachineArn})
		if err != nil {
			t.Fatal(err)
		}
		if len(ls.Executions) > 0 {
			for _, x := range ls.Executions {
				d, err := sc.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: x.ExecutionArn})
				if err != nil {
					t.Fatal(err)
				}
				inputs = append(inputs, aws.ToString(d.Input))
			}
			break
		}
		time.Sleep(10 * time.Millisecond) // polling the server, with a deadline
	}
	if len(inputs) != 1 || inputs[0] != `{"batch": 7, "rule": "invoices"}` {
		t.Fatalf("executions started by the rule have inputs %q; want one with batch 7", inputs)
	}
}

// TestSDKNamespaces: a namespace's buses and rules carry its account id;
// the EventBridge API reaches them by bus ARN, and they are not the
// default namespace's.
func TestSDKNamespaces(t *testing.T) {
	ctx := context.Background()
	url := startServer(t)
	ns, err := client.New(url).CreateNamespace(ctx, "team-a")
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(url)
	bus := "arn:aws:events:us-east-1:" + ns.AccountID + ":event-bus/default"
	pr, err := c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("r"), EventBusName: aws.String(bus), EventPattern: aws.String(`{"source":["a"]}`)})
	if err != nil || aws.ToString(pr.RuleArn) != "arn:aws:events:us-east-1:"+ns.AccountID+":rule/r" {
		t.Fatalf("PutRule in team-a = %+v, %v", pr, err)
	}
	_, err = c.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String("r")})
	wantAPIError(t, err, "ResourceNotFoundException", "Rule r does not exist on EventBus default.")
	ls, err := c.ListRules(ctx, &eventbridge.ListRulesInput{EventBusName: aws.String(bus)})
	if err != nil || len(ls.Rules) != 1 {
		t.Fatalf("ListRules of team-a's bus = %+v, %v", ls, err)
	}
	_, err = c.ListRules(ctx, &eventbridge.ListRulesInput{EventBusName: aws.String("arn:aws:events:us-east-1:999999999999:event-bus/default")})
	wantAPIError(t, err, "ResourceNotFoundException", "Event bus default does not exist.")

	// The native API names the namespace.
	rules, _, err := client.New(url, client.WithNamespace("team-a")).ListRules(ctx, "", "", 0, "")
	if err != nil || len(rules) != 1 || rules[0].Arn != aws.ToString(pr.RuleArn) {
		t.Fatalf("native ListRules in team-a = %+v, %v", rules, err)
	}
}
