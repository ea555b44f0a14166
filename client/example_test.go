package client_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/batonhq/baton/client"
)

// Deploy a workflow, run it and wait for its outcome.
func Example() {
	ctx := context.Background()
	c := client.New("http://127.0.0.1:7780")

	def, err := os.ReadFile("etl.asl.json")
	if err != nil {
		log.Fatal(err)
	}
	if _, err := c.DeployWorkflow(ctx, client.DeployWorkflowInput{Name: "etl", Definition: string(def)}); err != nil {
		log.Fatal(err)
	}
	started, err := c.StartExecution(ctx, "etl", client.StartExecutionInput{Input: map[string]any{"day": "2026-11-21"}})
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	ex, err := c.WaitExecution(ctx, started.ExecutionArn)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ex.Status, string(ex.Output))
}

// Follow an execution's progress as it happens.
func ExampleClient_FollowExecution() {
	ctx := context.Background()
	c := client.New("")
	arn := "arn:aws:states:us-east-1:123456789012:execution:etl:run-1"
	ex, err := c.FollowExecution(ctx, arn, 0, func(ev client.HistoryEvent) error {
		switch ev.Type {
		case "TaskStateEntered", "PassStateEntered", "MapStateEntered":
			fmt.Println("entered", ev.Detail("name"))
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("ended", ex.Status)
}

// Print what the commands of an execution's tasks write, as they write it,
// until the execution ends.
func ExampleClient_FollowLogs() {
	ctx := context.Background()
	c := client.New("")
	arn := "arn:aws:states:us-east-1:123456789012:execution:etl:run-1"
	status, err := c.FollowLogs(ctx, arn, client.LogsOptions{Step: "Extract"}, func(ch client.LogChunk) error {
		fmt.Print(ch.Text)
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("ended", status)
}

// A worker of an activity: poll for tasks and report their results.
func ExampleClient_PollActivity() {
	ctx := context.Background()
	c := client.New("")
	if _, err := c.CreateActivity(ctx, "resize"); err != nil {
		log.Fatal(err)
	}
	for ctx.Err() == nil {
		task, err := c.PollActivity(ctx, "resize", "worker-1")
		if err != nil {
			log.Print(err)
			continue
		}
		if task == nil {
			continue // no task within a minute: poll again
		}
		if err := c.SendTaskSuccess(ctx, task.TaskToken, map[string]any{"resized": true}); err != nil {
			log.Print(err)
		}
	}
}

// Read an execution's whole history.
func ExampleClient_History() {
	ctx := context.Background()
	c := client.New("")
	for ev, err := range c.History(ctx, "arn:aws:states:us-east-1:123456789012:execution:etl:run-1", client.HistoryOptions{}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(ev.ID, ev.Timestamp.Format(time.RFC3339), ev.Type)
	}
}
