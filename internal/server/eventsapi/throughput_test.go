package eventsapi_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/batonhq/baton/internal/server"
)

// TestPutEventsThroughput measures events per second through PutEvents on
// the real server (durable: each call's events are stored before it
// answers), with 300 rules on the bus: first events no rule matches, then
// events that each start a run, timed until every run exists. Run with
// BATON_SLOW_TESTS=1 -v; bench/RESULTS.md may quote it.
func TestPutEventsThroughput(t *testing.T) {
	if os.Getenv("BATON_SLOW_TESTS") == "" {
		t.Skip("set BATON_SLOW_TESTS=1 to measure")
	}
	ctx := context.Background()
	url, _ := startServerWith(t, server.Config{Durability: os.Getenv("BATON_DURABILITY")})
	c := newClient(url)
	sc := newSFNClient(url)
	cr, err := sc.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("sink"), RoleArn: aws.String("arn:aws:iam::123456789012:role/r"),
		Type: "EXPRESS", Definition: aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)})
	if err != nil {
		t.Fatal(err)
	}
	std, err := sc.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("runs"), RoleArn: aws.String("arn:aws:iam::123456789012:role/r"),
		Definition: aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)})
	if err != nil {
		t.Fatal(err)
	}
	_ = cr
	for i := range 299 {
		name := fmt.Sprintf("r%03d", i)
		if _, err := c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String(name), EventPattern: aws.String(`{"source":["app.` + name + `"],"detail":{"kind":[{"prefix":"k"}]}}`)}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String(name), Targets: []types.Target{{Id: aws.String("t"), Arn: std.StateMachineArn}}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("hit"), EventPattern: aws.String(`{"source":["hit"]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("hit"), Targets: []types.Target{{Id: aws.String("t"), Arn: std.StateMachineArn}}}); err != nil {
		t.Fatal(err)
	}
	put := func(source string, calls, workers int) time.Duration {
		entries := make([]types.PutEventsRequestEntry, 10)
		for i := range entries {
			entries[i] = types.PutEventsRequestEntry{Source: aws.String(source), DetailType: aws.String("T"), Detail: aws.String(fmt.Sprintf(`{"kind":"x","n":%d}`, i))}
		}
		start := time.Now()
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < calls; i += workers {
					out, err := c.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: entries})
					if err != nil || out.FailedEntryCount != 0 {
						t.Errorf("PutEvents: %v", err)
						return
					}
				}
			}()
		}
		wg.Wait()
		return time.Since(start)
	}
	const noMatch = 2000 // calls of 10 events
	d := put("nobody", noMatch, 16)
	t.Logf("PutEvents, 300 rules, no match: %d events in %v = %.0f events/s", noMatch*10, d.Round(time.Millisecond), float64(noMatch*10)/d.Seconds())

	const hits = 100 // calls of 10 events, each starting a run
	start := time.Now()
	put("hit", hits, 16)
	for {
		n := 0
		var tok *string
		for {
			ls, err := sc.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: std.StateMachineArn, MaxResults: 1000, NextToken: tok})
			if err != nil {
				t.Fatal(err)
			}
			n += len(ls.Executions)
			if tok = ls.NextToken; tok == nil {
				break
			}
		}
		if n >= hits*10 {
			break
		}
		if time.Since(start) > 2*time.Minute {
			t.Fatalf("%d of %d runs after 2 minutes", n, hits*10)
		}
		time.Sleep(20 * time.Millisecond) // polling the server
	}
	d = time.Since(start)
	t.Logf("PutEvents, each event starting a run: %d runs started in %v = %.0f events/s", hits*10, d.Round(time.Millisecond), float64(hits*10)/d.Seconds())
}
