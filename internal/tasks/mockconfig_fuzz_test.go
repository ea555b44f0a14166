package tasks

import "testing"

// FuzzParseMockConfig checks that any input either fails with an error or
// gives a config that keeps ParseMockConfig's promises. The seed corpus is in
// testdata/fuzz/FuzzParseMockConfig.
func FuzzParseMockConfig(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseMockConfig(data)
		if err != nil {
			if cfg != nil {
				t.Fatal("a config and an error")
			}
			return
		}
		for name, r := range cfg.MockedResponses {
			if r.Name != name || len(r.Steps) == 0 {
				t.Fatalf("response %q: name %q, %d steps", name, r.Name, len(r.Steps))
			}
			for i, s := range r.Steps {
				if s.First < 0 || s.Last < s.First {
					t.Fatalf("response %q step %q: range %d-%d", name, s.Key, s.First, s.Last)
				}
				if i > 0 && s.First <= r.Steps[i-1].Last {
					t.Fatalf("response %q: steps %q and %q overlap or are unsorted", name, r.Steps[i-1].Key, s.Key)
				}
				if s.Throw != nil && s.Throw.Name == "" {
					t.Fatalf("response %q step %q: Throw without an error name", name, s.Key)
				}
				for _, at := range []int{s.First, s.Last} {
					if got, ok := r.At(at); !ok || got.Key != s.Key {
						t.Fatalf("response %q: At(%d) = %q, %v; want step %q", name, at, got.Key, ok, s.Key)
					}
				}
			}
		}
		for smName, sm := range cfg.StateMachines {
			for tcName, tc := range sm.TestCases {
				for state, resp := range tc {
					if cfg.MockedResponses[resp] == nil {
						t.Fatalf("%s/%s/%s names missing response %q", smName, tcName, state, resp)
					}
				}
			}
		}
	})
}
