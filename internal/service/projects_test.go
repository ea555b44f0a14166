package service

import (
	"bytes"
	"context"
	"testing"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/bundle"
)

// TestBundleWorkBounded: however small their uploads, no more than
// maxBundleWork bundles are decoded at once; another upload waits for a
// slot, and gives up with ServiceUnavailable when its request ends first.
func TestBundleWorkBounded(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	var held []func()
	for range maxBundleWork {
		release, err := e.svc.bundleSlot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, release)
	}
	b := &bundle.Bundle{Files: []bundle.File{{Name: "pipeline.yaml", Mode: 0o644, Data: []byte("name: p\nsteps:\n  - {name: a, command: [\"true\"]}\n")}}}
	gone, cancel := context.WithCancel(ctx)
	cancel()
	_, err := e.svc.PutBundle(gone, bytes.NewReader(b.Bytes()))
	if ae, ok := apierr.As(err); !ok || ae.Code != apierr.ServiceUnavailable {
		t.Fatalf("an upload while every slot is taken and its request ended: %v, want ServiceUnavailable", err)
	}
	held[0]()
	out, err := e.svc.PutBundle(ctx, bytes.NewReader(b.Bytes()))
	if err != nil || !out.Created {
		t.Fatalf("an upload once a slot is free: %+v, %v", out, err)
	}
}
