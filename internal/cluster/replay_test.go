package cluster

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"
)

// TestACallSeenOnTheWayCannotBeSentToAnotherNode: each node remembers the
// nonces of its own calls only, so a signed call seen on the network
// between two nodes could be sent once more to a third, within the
// signature's minute. The calls that name no partition (a query of every
// node, the stream of every execution's status changes) would be
// answered there. A call is signed for the node it is sent to, and any
// other refuses it before doing anything.
func TestACallSeenOnTheWayCannotBeSentToAnotherNode(t *testing.T) {
	w := newWorld()
	a, b, c := addNode(t, w, "a"), addNode(t, w, "b"), addNode(t, w, "c")
	// What a listener on the network between a and b sees of a's call.
	var seenHeader http.Header
	var seenBody []byte
	b.srv.Config.Handler = http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		seenHeader = r.Header.Clone()
		seenBody, _ = io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(seenBody))
		b.h.ServeHTTP(rw, r)
	})
	if _, err := a.rt.rpc.do(context.Background(), b.srv.URL, &request{Op: opQuery, Query: "who"}); err != nil {
		t.Fatalf("a's call to b: %v", err)
	}
	if seenBody == nil {
		t.Fatal("the call was not seen")
	}
	replay, err := http.NewRequest(http.MethodPost, c.srv.URL+Path, bytes.NewReader(seenBody))
	if err != nil {
		t.Fatal(err)
	}
	replay.Header = seenHeader
	resp, err := http.DefaultClient.Do(replay)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a's call to b, sent again to c: %s %s", resp.Status, got)
	}
}
