// Package lineage builds the graph of pipelines across namespaces: the
// datasets they read and write, the upstream runs their triggers wait for,
// and each pipeline's health. It is pure: the caller reads the pipelines
// and their last runs, and the graph is a function of them and the time.
package lineage

import (
	"slices"
	"strings"
	"time"

	"github.com/batonhq/baton/internal/events"
	"github.com/batonhq/baton/internal/pipeline"
)

// Health of a pipeline.
const (
	OK       = "ok"
	Failing  = "failing"   // its last ended run FAILED, TIMED_OUT or was ABORTED
	Late     = "late"      // a scheduled slot passed (by Grace) without a run since
	NeverRun = "never-run" // no run at all
)

// Grace is how long after a scheduled slot a pipeline with no run
// started since is late.
const Grace = 15 * time.Minute

// Pipeline is one pipeline as the caller read it.
type Pipeline struct {
	Namespace, Name, Arn string
	Parsed               *pipeline.Pipeline // nil: its definition no longer parses
	// Last is its latest run (nil: none); LastEnded its latest ended one.
	Last, LastEnded *Run
}

// Run is a run's status and times.
type Run struct {
	Status          string
	Start, Stop     time.Time
	ExecutionArn    string
	StateMachineArn string
}

// Node is a pipeline of the graph.
type Node struct {
	Namespace    string   `json:"namespace"`
	Name         string   `json:"name"`
	Arn          string   `json:"arn"`
	LastStatus   string   `json:"lastStatus,omitempty"`
	LastStopDate *float64 `json:"lastStopDate,omitempty"` // epoch seconds, as the API's times
	Health       string   `json:"health"`
}

// Dataset is a location pipelines read or write.
type Dataset struct {
	URI       string   `json:"uri"`
	Producers []string `json:"producers"`
	Consumers []string `json:"consumers"`
}

// Edge links two pipelines.
type Edge struct {
	Source string `json:"source"`
	Target string `json:"target"`
	Kind   string `json:"kind"` // "upstream" (its trigger waits for the source's runs) or "dataset"
}

// Graph is the lineage.
type Graph struct {
	Pipelines []Node    `json:"pipelines"`
	Datasets  []Dataset `json:"datasets"`
	Edges     []Edge    `json:"edges"`
}

// Build makes the graph of ps at now. arnOf names a workflow by namespace
// and name (upstream conditions name their workflows so).
func Build(ps []Pipeline, now time.Time, arnOf func(namespace, name string) string) Graph {
	g := Graph{Pipelines: []Node{}, Datasets: []Dataset{}, Edges: []Edge{}}
	datasets := map[string]*Dataset{}
	ds := func(uri string) *Dataset {
		d, ok := datasets[uri]
		if !ok {
			d = &Dataset{URI: uri, Producers: []string{}, Consumers: []string{}}
			datasets[uri] = d
		}
		return d
	}
	for _, p := range ps {
		n := Node{Namespace: p.Namespace, Name: p.Name, Arn: p.Arn, Health: health(p, now)}
		if p.Last != nil {
			n.LastStatus = p.Last.Status
			if !p.Last.Stop.IsZero() {
				t := float64(p.Last.Stop.UnixMilli()) / 1000
				n.LastStopDate = &t
			}
		}
		g.Pipelines = append(g.Pipelines, n)
		if p.Parsed == nil {
			continue
		}
		for _, uri := range p.Parsed.Datasets.Reads {
			addOnce(&ds(uri).Consumers, p.Arn)
		}
		for _, uri := range p.Parsed.Datasets.Writes {
			addOnce(&ds(uri).Producers, p.Arn)
		}
		tr := p.Parsed.Trigger
		if tr == nil {
			continue
		}
		for _, d := range tr.Data {
			// A data trigger watches a pattern in a directory: the dataset
			// is the directory, as datasets name them (s3://lake/x/).
			addOnce(&ds(d.Path[:strings.LastIndex(d.Path, "/")+1]).Consumers, p.Arn)
		}
		if x := tr.Executions; x != nil {
			for _, c := range append(slices.Clone(x.AllOf), x.AnyOf...) {
				ns := c.Namespace
				if ns == "" {
					ns = p.Namespace
				}
				e := Edge{Source: arnOf(ns, c.Name), Target: p.Arn, Kind: "upstream"}
				if !slices.Contains(g.Edges, e) {
					g.Edges = append(g.Edges, e)
				}
			}
		}
	}
	uris := make([]string, 0, len(datasets))
	for u := range datasets {
		uris = append(uris, u)
	}
	slices.Sort(uris)
	for _, u := range uris {
		d := datasets[u]
		g.Datasets = append(g.Datasets, *d)
		for _, from := range d.Producers {
			for _, to := range d.Consumers {
				if e := (Edge{Source: from, Target: to, Kind: "dataset"}); from != to && !slices.Contains(g.Edges, e) {
					g.Edges = append(g.Edges, e)
				}
			}
		}
	}
	return g
}

func addOnce(list *[]string, s string) {
	if !slices.Contains(*list, s) {
		*list = append(*list, s)
	}
}

// health says how a pipeline fares at now.
func health(p Pipeline, now time.Time) string {
	if p.Last == nil {
		return NeverRun
	}
	if p.LastEnded != nil {
		switch p.LastEnded.Status {
		case "FAILED", "TIMED_OUT", "ABORTED":
			return Failing
		}
	}
	if p.Parsed != nil && p.Parsed.Trigger != nil {
		for _, s := range p.Parsed.Trigger.Schedules {
			expr, loc, err := events.CompileSchedule(s)
			if err != nil {
				continue
			}
			// The first slot after the latest run's start: passed by the
			// grace with no run since, the pipeline is late.
			if next, ok := expr.Next(p.Last.Start, loc); ok && next.Add(Grace).Before(now) {
				return Late
			}
		}
	}
	return OK
}
