package storetest

import (
	"bytes"
	"fmt"
	"math/rand/v2"

	"github.com/batonhq/baton/internal/store"
)

// bundle returns a bundle of data under a made-up digest of n.
func bundle(n int, data []byte) *store.Bundle {
	return &store.Bundle{Digest: fmt.Sprintf("sha256:%064x", n), Size: int64(len(data)), Created: at(n), Data: data}
}

var bundleTests = []test{
	{"PutAndGet", func(e *env) {
		b := bundle(1, []byte("gzipped tar"))
		created, err := e.s.PutBundle(e.ctx, b)
		e.ok(err, "PutBundle")
		e.equal(created, true, "created on the first put")
		got, err := e.s.GetBundle(e.ctx, b.Digest)
		e.ok(err, "GetBundle")
		e.equal(got, b, "the bundle read back")
		e.s = e.reopen()
		got, err = e.s.GetBundle(e.ctx, b.Digest)
		e.ok(err, "GetBundle after reopening")
		e.equal(got, b, "the bundle after reopening")
	}},
	{"PutAgain", func(e *env) {
		b := bundle(1, []byte("first"))
		_, err := e.s.PutBundle(e.ctx, b)
		e.ok(err, "PutBundle")
		again := bundle(1, []byte("first"))
		again.Created = at(99)
		created, err := e.s.PutBundle(e.ctx, again)
		e.ok(err, "PutBundle of the same digest")
		e.equal(created, false, "created on the second put")
		got, err := e.s.GetBundle(e.ctx, b.Digest)
		e.ok(err, "GetBundle")
		e.equal(got, b, "the bundle as first put (its creation time kept)")
	}},
	{"Missing", func(e *env) {
		_, err := e.s.GetBundle(e.ctx, bundle(7, nil).Digest)
		e.is(err, store.ErrNotFound, "GetBundle of a digest never put")
		_, err = e.s.PutBundle(e.ctx, bundle(1, []byte("x")))
		e.ok(err, "PutBundle")
		_, err = e.s.GetBundle(e.ctx, bundle(2, nil).Digest)
		e.is(err, store.ErrNotFound, "GetBundle of another digest")
	}},
	{"Large", func(e *env) {
		data := make([]byte, 10<<20)
		rand.NewChaCha8([32]byte{1}).Read(data) // incompressible
		b := bundle(3, data)
		_, err := e.s.PutBundle(e.ctx, b)
		e.ok(err, "PutBundle of 10 MiB")
		got, err := e.s.GetBundle(e.ctx, b.Digest)
		e.ok(err, "GetBundle of 10 MiB")
		if got.Size != int64(len(data)) || !bytes.Equal(got.Data, data) {
			e.Errorf("GetBundle: %d bytes (size %d), want the %d bytes put", len(got.Data), got.Size, len(data))
		}
	}},
}
