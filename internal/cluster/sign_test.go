package cluster

import (
	"testing"
	"time"
)

// FuzzVerify: no Authorization value makes the verifier panic, and none
// but a signature made with the key passes.
func FuzzVerify(f *testing.F) {
	now := time.Unix(1_800_000_000, 0)
	f.Add(sign(key, []byte(`{}`), now))
	f.Add(signScheme + "1,2,3,4")
	f.Add(signScheme + ",,,")
	f.Add("Baton-Cluster 00")
	f.Add("")
	f.Fuzz(func(t *testing.T, h string) {
		v := newVerifier([]byte("a key the fuzzer never signs with"))
		v.now = func() time.Time { return now }
		if c, err := v.verify(h); err == nil || c != nil {
			t.Fatalf("verified %q with a key nobody signed with", h)
		}
	})
}
