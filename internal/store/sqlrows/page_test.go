package sqlrows

import (
	"errors"
	"testing"

	"github.com/batonhq/baton/internal/store"
)

func TestToken(t *testing.T) {
	k := PageKey{Kind: KindExecutions, N: 1700000000000000000, S: "arn:x"}
	got, ok, err := DecodeToken(KindExecutions, EncodeToken(k))
	if err != nil || !ok || got != k {
		t.Errorf("round trip: %+v, %v, %v; want %+v", got, ok, err, k)
	}
	if _, ok, err := DecodeToken(KindExecutions, ""); ok || err != nil {
		t.Errorf("first page: %v, %v", ok, err)
	}
	for _, tok := range []string{"garbage!", "e30", EncodeToken(PageKey{Kind: KindHistory, N: 3})} {
		if _, _, err := DecodeToken(KindExecutions, tok); !errors.Is(err, store.ErrBadToken) {
			t.Errorf("token %q: %v, want ErrBadToken", tok, err)
		}
	}
}

func TestLimit(t *testing.T) {
	for _, c := range []struct{ in, want int }{{0, DefaultLimit}, {-1, DefaultLimit}, {7, 7}, {MaxLimit, MaxLimit}, {MaxLimit + 1, MaxLimit}} {
		if got := Limit(store.Page{Limit: c.in}); got != c.want {
			t.Errorf("Limit(%d) = %d, want %d", c.in, got, c.want)
		}
	}
}

func TestNextPage(t *testing.T) {
	key := func(n int64) PageKey { return PageKey{Kind: "ignored", N: n} }
	if out, next := NextPage([]int64{1, 2}, 2, KindAudit, key); len(out) != 2 || next != "" {
		t.Errorf("last page: %v, %q", out, next)
	}
	out, next := NextPage([]int64{1, 2, 3}, 2, KindAudit, key)
	k, ok, err := DecodeToken(KindAudit, next)
	if len(out) != 2 || !ok || err != nil || k.N != 2 {
		t.Errorf("page of 2 of 3: %v, %+v, %v, %v", out, k, ok, err)
	}
}
