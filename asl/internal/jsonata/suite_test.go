package jsonata

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/recolabs/gnata"
)

// The official JSONata test suite, as gnata ships it in its module
// (testdata/groups, testdata/datasets), run against the version go.mod pins.
// Cases that fail with that version are listed in knownFailures with the
// reason, so that the test stays green but says what does not work; a known
// failure that starts passing fails the test, so that the list is kept true.

// knownFailures maps "group/case.json[#index]" to why it fails with gnata
// v0.2.2.
var knownFailures = map[string]string{
	// Baton's default memory budget (64 MiB) is charged 16 bytes an item.
	"range-operator/case021.json": "a 10,000,000-item range is over Baton's default JSONata memory budget",
	"range-operator/case024.json": "a 10,000,000-item range is over Baton's default JSONata memory budget",
}

type suiteCase struct {
	Expr            string          `json:"expr"`
	ExprFile        string          `json:"expr-file"`
	RawData         json.RawMessage `json:"data"`
	Dataset         *string         `json:"dataset"`
	Bindings        map[string]any  `json:"bindings"`
	Result          any             `json:"result"`
	UndefinedResult bool            `json:"undefinedResult"`
	Unordered       bool            `json:"unordered"`
	Code            string          `json:"code"`
	Error           map[string]any  `json:"error"`
}

// gnataDir is where the module cache holds the upstream gnata that go.mod
// pins: Baton builds its fork (third_party/gnata, a replace), which leaves
// the suite's data out, and the suite checks the fork against it.
func gnataDir(t *testing.T) string {
	out, err := exec.Command("go", "list", "-m", "-json", "github.com/recolabs/gnata").Output()
	if err != nil {
		t.Fatalf("go list -m github.com/recolabs/gnata: %v", err)
	}
	var m struct{ Dir, Version string }
	if err := json.Unmarshal(out, &m); err != nil || m.Version == "" {
		t.Fatalf("go list -m github.com/recolabs/gnata: no Version in %s", out)
	}
	out, err = exec.Command("go", "mod", "download", "-json", "github.com/recolabs/gnata@"+m.Version).Output()
	if err != nil {
		t.Fatalf("go mod download github.com/recolabs/gnata@%s: %v", m.Version, err)
	}
	var d struct{ Dir string }
	if err := json.Unmarshal(out, &d); err != nil || d.Dir == "" {
		t.Fatalf("go mod download github.com/recolabs/gnata@%s: no Dir in %s", m.Version, out)
	}
	t.Logf("JSONata suite of gnata %s in %s, run on the fork in %s", m.Version, d.Dir, m.Dir)
	return d.Dir
}

func TestJSONataSuite(t *testing.T) {
	if testing.Short() {
		t.Skip("the JSONata suite takes a few seconds")
	}
	dir := filepath.Join(gnataDir(t), "testdata")
	groups, err := filepath.Glob(filepath.Join(dir, "groups", "*", "*.json"))
	if err != nil || len(groups) == 0 {
		t.Fatalf("no suite cases under %s: %v", dir, err)
	}
	datasets := map[string]any{}
	dataset := func(name string) (any, error) {
		if v, ok := datasets[name]; ok {
			return v, nil
		}
		b, err := os.ReadFile(filepath.Join(dir, "datasets", name+".json"))
		if err != nil {
			return nil, err
		}
		v, err := gnata.DecodeJSON(b)
		datasets[name] = v
		return v, err
	}
	var passed, failed, known int
	var unexpected []string
	stale := map[string]bool{}
	for k := range knownFailures {
		stale[k] = true
	}
	for _, file := range groups {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var cases []suiteCase
		single := len(raw) == 0 || raw[0] != '['
		if single {
			var c suiteCase
			err = json.Unmarshal(raw, &c)
			cases = []suiteCase{c}
		} else {
			err = json.Unmarshal(raw, &cases)
		}
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		rel, _ := filepath.Rel(filepath.Join(dir, "groups"), file)
		rel = filepath.ToSlash(rel)
		for i, c := range cases {
			name := rel
			if !single {
				name = fmt.Sprintf("%s#%d", rel, i)
			}
			problem := runSuiteCase(filepath.Dir(file), c, dataset)
			_, isKnown := knownFailures[name]
			delete(stale, name)
			switch {
			case problem == "" && isKnown:
				unexpected = append(unexpected, name+": passes now; remove it from knownFailures")
			case problem == "":
				passed++
			case isKnown:
				known++
			default:
				failed++
				unexpected = append(unexpected, name+": "+problem)
			}
		}
	}
	for k := range stale {
		unexpected = append(unexpected, k+": listed in knownFailures but not in the suite")
	}
	sort.Strings(unexpected)
	for _, u := range unexpected {
		t.Error(u)
	}
	t.Logf("JSONata suite: %d passed, %d known failures, %d unexpected", passed, known, len(unexpected))
}

// runSuiteCase runs one case and returns what went wrong, or "".
func runSuiteCase(dir string, c suiteCase, dataset func(string) (any, error)) string {
	if c.ExprFile != "" {
		b, err := os.ReadFile(filepath.Join(dir, c.ExprFile))
		if err != nil {
			return "expr-file: " + err.Error()
		}
		c.Expr = string(b)
	}
	var input any
	switch {
	case c.Dataset != nil:
		v, err := dataset(*c.Dataset)
		if err != nil {
			return "dataset: " + err.Error()
		}
		input = v
	case len(c.RawData) > 0 && string(c.RawData) != "null":
		v, err := gnata.DecodeJSON(c.RawData)
		if err != nil {
			return "data: " + err.Error()
		}
		input = v
	}
	wantErr := c.Code != "" || c.Error != nil
	expr, err := compileSafe(c.Expr)
	if err != nil {
		if wantErr && strings.Contains(err.Error(), c.Code) {
			return ""
		}
		return "compile: " + err.Error()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // generous: -race slows the large ranges down
	defer cancel()
	got, err := func() (r any, err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("panic: %v", p)
			}
		}()
		return expr.EvalWithBudget(ctx, input, c.Bindings, 64<<20) // Baton's default budget
	}()
	switch {
	case wantErr && err == nil:
		return fmt.Sprintf("want error %s, got %v", c.Code, got)
	case wantErr && !strings.Contains(err.Error(), c.Code):
		return fmt.Sprintf("want error %s, got %v", c.Code, err)
	case wantErr:
		return ""
	case err != nil:
		return "error: " + err.Error()
	case c.UndefinedResult:
		if got != nil {
			return fmt.Sprintf("want undefined, got %v", got)
		}
		return ""
	case c.Unordered:
		if !equalUnordered(got, c.Result) {
			return fmt.Sprintf("got %v, want %v (any order)", got, c.Result)
		}
		return ""
	case !gnata.DeepEqual(got, c.Result):
		return fmt.Sprintf("got %v, want %v", got, c.Result)
	}
	return ""
}

func equalUnordered(a, b any) bool {
	as, ok1 := a.([]any)
	bs, ok2 := b.([]any)
	if !ok1 || !ok2 || len(as) != len(bs) {
		return gnata.DeepEqual(a, b)
	}
	used := make([]bool, len(bs))
	for _, x := range as {
		found := false
		for j, y := range bs {
			if !used[j] && gnata.DeepEqual(x, y) {
				used[j], found = true, true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
