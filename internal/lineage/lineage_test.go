package lineage

import (
	"fmt"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/pipeline"
)

func parse(t *testing.T, src string) *pipeline.Pipeline {
	t.Helper()
	pl, err := pipeline.Parse([]byte(src))
	if err != nil {
		t.Fatalf("%v\n%s", err, src)
	}
	return pl
}

func arnOf(ns, name string) string { return fmt.Sprintf("arn:%s:%s", ns, name) }

// TestBuild: datasets link their writers to their readers (data triggers
// read too), upstream triggers link across namespaces, each pipeline has
// its health.
func TestBuild(t *testing.T) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	run := func(status string, start time.Time) *Run {
		return &Run{Status: status, Start: start, Stop: start.Add(time.Minute)}
	}
	ps := []Pipeline{
		{Namespace: "core", Name: "listings", Arn: arnOf("core", "listings"), Parsed: parse(t, `name: listings
datasets: {writes: ["s3://lake/listings/"]}
trigger: {schedule: {cron: "cron(0 3 * * ? *)"}}
steps: [{name: a, command: ["true"]}]
`), Last: run("SUCCEEDED", now.Add(-9*time.Hour)), LastEnded: run("SUCCEEDED", now.Add(-9*time.Hour))},
		{Namespace: "search", Name: "index", Arn: arnOf("search", "index"), Parsed: parse(t, `name: index
datasets: {reads: ["s3://lake/listings/"]}
trigger:
  executions: {allOf: [{name: listings, namespace: core}]}
steps: [{name: a, command: ["true"]}]
`), Last: run("FAILED", now.Add(-time.Hour)), LastEnded: run("FAILED", now.Add(-time.Hour))},
		{Namespace: "search", Name: "late", Arn: arnOf("search", "late"), Parsed: parse(t, `name: late
trigger:
  schedule: {cron: "rate(1 hour)"}
  data: [{path: "s3://lake/listings/*.csv", connection: lake}]
steps: [{name: a, command: ["true"]}]
`), Last: run("SUCCEEDED", now.Add(-3*time.Hour)), LastEnded: run("SUCCEEDED", now.Add(-3*time.Hour))},
		{Namespace: "search", Name: "new", Arn: arnOf("search", "new")},
	}
	g := Build(ps, now, arnOf)
	health := map[string]string{}
	for _, n := range g.Pipelines {
		health[n.Name] = n.Health
	}
	want := map[string]string{"listings": OK, "index": Failing, "late": Late, "new": NeverRun}
	for k, v := range want {
		if health[k] != v {
			t.Errorf("%s: health %q, want %q", k, health[k], v)
		}
	}
	if len(g.Datasets) != 1 || len(g.Datasets[0].Producers) != 1 || len(g.Datasets[0].Consumers) != 2 {
		t.Fatalf("datasets: %+v", g.Datasets)
	}
	edges := map[Edge]bool{}
	for _, e := range g.Edges {
		edges[e] = true
	}
	for _, e := range []Edge{
		{arnOf("core", "listings"), arnOf("search", "index"), "upstream"},
		{arnOf("core", "listings"), arnOf("search", "index"), "dataset"},
		{arnOf("core", "listings"), arnOf("search", "late"), "dataset"},
	} {
		if !edges[e] {
			t.Errorf("missing edge %+v in %+v", e, g.Edges)
		}
	}
	if len(g.Edges) != 3 {
		t.Errorf("edges: %+v", g.Edges)
	}
}
