package schedule

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/txtar"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite the expected fire times of testdata/*.txtar")

// TestGolden runs the cases of testdata/*.txtar. A case is a file NAME
// with "key: value" lines (expr; tz, default UTC; after, RFC 3339; count,
// default 5; start and end, RFC 3339) and a file NAME.want with the fire
// times, one a line in the time zone with the weekday, "(none)" when there
// are no more, or "error: MESSAGE". Run with -update-golden to rewrite the
// .want files, then review the diff.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files (%v)", err)
	}
	for _, file := range files {
		a, err := txtar.ParseFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var rewritten []txtar.File
		for _, f := range a.Files {
			if strings.HasSuffix(f.Name, ".want") {
				continue
			}
			t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar")+"/"+f.Name, func(t *testing.T) {
				got := runCase(t, f.Data)
				rewritten = append(rewritten, f, txtar.File{Name: f.Name + ".want", Data: got + "\n"})
				want, ok := a.Get(f.Name + ".want")
				if !*updateGolden && (!ok || strings.TrimSpace(want) != got) {
					t.Errorf("%s:\ngot:\n%s\nwant:\n%s", strings.TrimSpace(f.Data), got, strings.TrimSpace(want))
				}
			})
		}
		if *updateGolden {
			a.Files = rewritten
			if err := os.WriteFile(file, []byte(txtar.Format(a)), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// runCase evaluates one case and formats its outcome.
func runCase(t *testing.T, spec string) string {
	t.Helper()
	kv := map[string]string{"tz": "UTC", "count": "5", "after": "2026-01-01T00:00:00Z"}
	for _, line := range strings.Split(strings.TrimSpace(spec), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("bad line %q", line)
		}
		kv[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	loc, err := time.LoadLocation(kv["tz"])
	if err != nil {
		t.Fatal(err)
	}
	times := map[string]*time.Time{}
	for _, k := range []string{"after", "start", "end"} {
		if v, ok := kv[k]; ok {
			tm, err := time.Parse(time.RFC3339, v)
			if err != nil {
				t.Fatalf("%s: %v", k, err)
			}
			times[k] = &tm
		}
	}
	count, err := strconv.Atoi(kv["count"])
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse(kv["expr"])
	if err != nil {
		return "error: " + err.Error()
	}
	if s.String() != strings.Join(strings.Fields(kv["expr"]), " ") && !strings.HasPrefix(kv["expr"], "@") {
		t.Errorf("String() = %q for %q", s.String(), kv["expr"])
	}
	s = s.Within(times["start"], times["end"])
	var out []string
	after := *times["after"]
	for range count {
		start := time.Now()
		next, ok := s.Next(after, loc)
		if d := time.Since(start); d > time.Second {
			t.Errorf("Next took %v", d)
		}
		if !ok {
			out = append(out, "(none)")
			break
		}
		if !next.After(after) {
			t.Fatalf("Next(%v) = %v, not after it", after, next)
		}
		out = append(out, fmt.Sprintf("%s %s", next.Format(time.RFC3339), next.Format("Mon")))
		after = next
	}
	return strings.Join(out, "\n")
}
