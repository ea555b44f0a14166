package cli_test

import (
	"strings"
	"testing"
)

const mockedPipeline = `name: demo
params:
  day: {type: string, default: "{% $substring($run.logical_date, 0, 10) %}"}
steps:
  - name: extract
    command: ["false"]
  - name: transform
    depends_on: [extract]
    command: ["false"]
  - name: load
    depends_on: [transform]
    command: ["false"]
handlers:
  on_failure: [{name: undo, command: ["false"]}]
output: "{% {'day': $input.day, 'rows': $steps.extract.output.rows} %}"
`

func TestRunPipelineMocked(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "pipeline.yaml", mockedPipeline)
	mocks := []string{"--mock", `extract={"rows": 3}`, "--mock", `transform={"ok": true}`}

	// Every step mocked: the run succeeds with the pipeline's output, and
	// --logical-date reaches $run.logical_date.
	r := runBaton(t, dir, "", append([]string{"run", ".", "--mock", "load={}", "--logical-date", "2026-11-20"}, mocks...)...)
	if got := decode(t, r.stdout); r.code != 0 || got["status"] != "SUCCEEDED" || got["output"].(map[string]any)["day"] != "2026-11-20" || got["output"].(map[string]any)["rows"] != 3.0 {
		t.Fatalf("mocked run: %+v", r)
	}
	if !strings.Contains(r.stderr, "> extract") || !strings.Contains(r.stderr, "< load") {
		t.Fatalf("progress: %s", r.stderr)
	}

	// A mocked failure fails the run with the step's error; the on_failure
	// handler runs (mocked here too).
	r = runBaton(t, dir, "", append([]string{"run", "pipeline.yaml", "-q", "--mock-error", "load=Sql.Error:timeout", "--mock", "undo=null", "--history"}, mocks...)...)
	got := decode(t, r.stdout)
	if r.code != 1 || got["status"] != "FAILED" || got["error"] != "Sql.Error" || !strings.Contains(got["cause"].(string), "timeout") {
		t.Fatalf("mocked failure: %+v", r)
	}
	if !strings.Contains(r.stdout, `"name":"undo"`) {
		t.Fatalf("the on_failure handler did not run: %s", r.stdout)
	}

	// Mistakes are usage errors that say what is wrong.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--mock", "nope=1"}, "steps the pipeline does not have: nope"},
		{[]string{"--mock", "extract={bad"}, "not valid JSON"},
		{[]string{"--mock", "extract=1", "--mock-error", "extract=X"}, "mocked twice"},
		{[]string{"--mock-error", "load"}, "want STEP=ERROR"},
		{[]string{"--logical-date", "yesterday"}, "want a day (2026-11-21)"},
	} {
		r := runBaton(t, dir, "", append([]string{"run", "."}, c.args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("baton run %v: %+v, want exit 2 and %q", c.args, r, c.want)
		}
	}
	if r := runBaton(t, dir, "", "run", "--mock", "x=1", "missing.asl.json"); r.code != 2 || !strings.Contains(r.stderr, "are for pipelines") {
		t.Fatalf("--mock on a state machine: %+v", r)
	}
}

func TestRunPipelineInvalid(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "pipeline.yaml", "name: demo\nsteps:\n  - name: a\n    depends_on: [b]\n    command: [\"true\"]\n")
	r := runBaton(t, dir, "", "run", dir)
	if r.code != 2 || !strings.Contains(r.stderr, "pipeline.yaml:4:") || !strings.Contains(r.stderr, "baton validate") {
		t.Fatalf("invalid pipeline: %+v", r)
	}
	if r := runBaton(t, t.TempDir(), "", "run", "."); r.code != 2 || !strings.Contains(r.stderr, "baton init") {
		t.Fatalf("a directory without a pipeline: %+v", r)
	}
}

// A pipeline whose body is a state machine runs that state machine under
// the pipeline's name.
func TestRunPipelineBody(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "pipeline.yaml", "name: bodied\nbody: flow.asl.json\n")
	writeFile(t, dir, "flow.asl.json", `{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"name.$":"$$.StateMachine.Name"},"ResultPath":"$.r","End":true}}}`)
	r := runBaton(t, dir, `{"k":1}`, "run", ".", "-q")
	got := decode(t, r.stdout)
	if r.code != 0 || got["status"] != "SUCCEEDED" || got["output"].(map[string]any)["r"].(map[string]any)["name"] != "bodied" {
		t.Fatalf("body run: %+v", r)
	}
}

// baton run --config gives pipeline steps the named connections of the
// server's configuration file: here a SQLite database.
func TestRunPipelineConfig(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "baton.yaml", "connections:\n  local:\n    type: sql\n    driver: sqlite\n    path: app.db\n")
	writeFile(t, dir, "pipeline.yaml", `name: sqldemo
steps:
  - name: load
    type: sql
    connection: local
    query: "CREATE TABLE t(x INTEGER); INSERT INTO t VALUES (1), (2), (3);"
  - name: count
    type: sql
    connection: local
    depends_on: [load]
    query: "SELECT count(*) AS n FROM t"
output: "{% $steps.count.output.rows[0].n %}"
`)
	r := runBaton(t, dir, "", "run", ".", "-q", "--config", "baton.yaml")
	if got := decode(t, r.stdout); r.code != 0 || got["output"] != 3.0 {
		t.Fatalf("sql steps with --config: %+v", r)
	}
	r = runBaton(t, dir, "", "run", ".", "-q")
	if got := decode(t, r.stdout); r.code != 1 || !strings.Contains(got["cause"].(string), "local") {
		t.Fatalf("an unknown connection: %+v", r)
	}
	if r := runBaton(t, dir, "", "run", ".", "--config", "nope.yaml"); r.code != 2 || !strings.Contains(r.stderr, "--config") {
		t.Fatalf("a missing config file: %+v", r)
	}
}

// baton run --logs prints what each step's command writes, line by line,
// prefixed with the step (and the attempt after the first).
func TestRunPipelineLogs(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "pipeline.yaml", `name: logs
steps:
  - name: extract
    script: |
      echo "read 3 rows"
      echo "one row was late" >&2
      printf 'no newline at the end'
  - name: load
    depends_on: [extract]
    command: [sh, -c, 'echo "try $TRY"; [ -e done ] || { touch done; exit 1; }']
    env: {TRY: "x"}
    retry: {retries: 1, interval: 1s}
`)
	r := runBaton(t, dir, "", "run", ".", "-q", "--logs", "--skip-waits")
	for _, want := range []string{"  extract | read 3 rows", "  extract ! one row was late", "  extract | no newline at the end", "  load | try x", "  load#2 | try x"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if r.code != 0 {
		t.Fatalf("run: %+v", r)
	}
	if r := runBaton(t, dir, "", "run", ".", "-q"); strings.Contains(r.stderr, "read 3 rows") {
		t.Fatalf("logs printed without --logs: %s", r.stderr)
	}
}

// TestRunPipelineExposeEnv: expressions read as $env only the variables
// --expose-env names (and that are set): none by default.
func TestRunPipelineExposeEnv(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "pipeline.yaml", "name: envy\nsteps:\n  - {name: a, command: [\"true\"]}\noutput: \"{% $env %}\"\n")
	env := []string{"TEAM=shop", "SECRET_TOKEN=hunter2"}
	r := runBatonEnv(t, dir, "", env, "run", ".", "-q")
	if got := decode(t, r.stdout); r.code != 0 || len(got["output"].(map[string]any)) != 0 {
		t.Fatalf("without --expose-env: %+v", r)
	}
	r = runBatonEnv(t, dir, "", env, "run", ".", "-q", "--expose-env", "TEAM,UNSET")
	got := decode(t, r.stdout)
	if out := got["output"].(map[string]any); r.code != 0 || len(out) != 1 || out["TEAM"] != "shop" {
		t.Fatalf("--expose-env TEAM,UNSET: %+v", r)
	}
}
