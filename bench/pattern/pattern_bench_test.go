// Package patternbench compares Baton's event-pattern Matcher with quamina
// (the matcher EventBridge's own Ruler inspired) on the same rules and events
// in the same run. Run:
//
//	cd bench/pattern && go test -run '^$' -bench . -benchtime 2s
package patternbench

import (
	"fmt"
	"slices"
	"testing"

	"github.com/batonhq/baton/internal/events/pattern"
	"quamina.net/go/quamina"
)

// rules returns n rules of the usual shapes: exact and prefix values on
// source, detail-type and detail fields.
func rules(n int) map[string]string {
	out := make(map[string]string, n)
	for i := 0; i < n; i++ {
		var src string
		switch i % 3 {
		case 0:
			src = fmt.Sprintf(`{"source":["app.svc%d"],"detail-type":["Order %d"],"detail":{"orderId":["o-%d"]}}`, i%50, i%20, i)
		case 1:
			src = fmt.Sprintf(`{"source":[{"prefix":"app.svc%d"}],"detail":{"key":[{"prefix":"uploads/%d/"}]}}`, i%50, i)
		default:
			src = fmt.Sprintf(`{"detail-type":["Order %d"],"detail":{"customer":{"name":["cust-%d"]},"status":["PAID","SHIPPED"]}}`, i%20, i)
		}
		out[fmt.Sprintf("rule-%05d", i)] = src
	}
	return out
}

// events returns EventBridge-shaped events (~700 bytes), some of which
// match one or a few rules and most of which match none.
func events(n, rulesN int) [][]byte {
	out := make([][]byte, n)
	for j := 0; j < n; j++ {
		i := (j * 7919) % (rulesN * 2) // half the ids exist among the rules
		out[j] = []byte(fmt.Sprintf(`{"version":"0","id":"6a7e8feb-b491-4cf7-a9f1-bf3703467718","detail-type":"Order %d","source":"app.svc%d","account":"111122223333","time":"2026-12-04T21:00:00Z","region":"us-east-1","resources":["arn:aws:states:us-east-1:111122223333:execution:sm:%d","arn:aws:s3:::bucket"],"detail":{"orderId":"o-%d","key":"uploads/%d/file.csv","customer":{"name":"cust-%d","tier":"gold","address":{"city":"Berlin","zip":"10115"}},"status":"PAID","amount":1234.5,"items":[{"sku":"a","qty":1},{"sku":"b","qty":2}],"note":"a note of some length to make the event look like a real one, with padding"}}`,
			i%20, i%50, j, i, i, i))
	}
	return out
}

func newBaton(tb testing.TB, rs map[string]string) *pattern.Matcher {
	m := pattern.NewMatcher()
	for name, src := range rs {
		p, err := pattern.Compile([]byte(src))
		if err != nil {
			tb.Fatal(err)
		}
		m.Add(name, p)
	}
	return m
}

func newQuamina(tb testing.TB, rs map[string]string) *quamina.Quamina {
	q, err := quamina.New()
	if err != nil {
		tb.Fatal(err)
	}
	for name, src := range rs {
		if err := q.AddPattern(name, src); err != nil {
			tb.Fatal(err)
		}
	}
	return q
}

// TestSameAsQuamina: both matchers agree on every event of the benchmark.
func TestSameAsQuamina(t *testing.T) {
	rs := rules(3000)
	m, q := newBaton(t, rs), newQuamina(t, rs)
	matched := 0
	for _, ev := range events(2000, 3000) {
		got, err := m.Match(ev)
		if err != nil {
			t.Fatal(err)
		}
		qx, err := q.MatchesForEvent(ev)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, x := range qx {
			want = append(want, x.(string))
		}
		slices.Sort(want)
		want = slices.Compact(want)
		if !slices.Equal(got, want) {
			t.Fatalf("event %s\nbaton   %v\nquamina %v", ev, got, want)
		}
		matched += len(got)
	}
	if matched == 0 {
		t.Fatal("no event matched: the benchmark would measure only misses")
	}
}

// BenchmarkMatch matches the same events against the same rules with
// Baton's Matcher and with quamina, at 100 and 10,000 rules, to show the
// cost per event does not grow with the number of rules.
func BenchmarkMatch(b *testing.B) {
	for _, n := range []int{100, 10000} {
		rs := rules(n)
		evs := events(1000, n)
		b.Run(fmt.Sprintf("rules=%d/baton", n), func(b *testing.B) {
			m := newBaton(b, rs)
			loop(b, evs, func(ev []byte) error { _, err := m.Match(ev); return err })
		})
		b.Run(fmt.Sprintf("rules=%d/quamina", n), func(b *testing.B) {
			q := newQuamina(b, rs)
			loop(b, evs, func(ev []byte) error { _, err := q.MatchesForEvent(ev); return err })
		})
	}
}

// loop matches the events in turn and reports events per second.
func loop(b *testing.B, evs [][]byte, match func([]byte) error) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := match(evs[i%len(evs)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "events/s")
}
