package service

import (
	"context"
	"regexp"
	"testing"

	"github.com/batonhq/baton/internal/apierr"
)

// TestCreateNamespace: names as Kubernetes has them; an account id of 12
// digits derived from the name, the same on another server, never the
// server's own nor another namespace's; default is the server's and is
// listed first.
func TestCreateNamespace(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	for _, tt := range []struct {
		name, code string
	}{
		{"Team-A", apierr.ValidationException},
		{"-a", apierr.ValidationException},
		{"a_b", apierr.ValidationException},
		{"", apierr.ValidationException},
		{"default", apierr.ConflictException},
	} {
		if _, err := e.svc.CreateNamespace(ctx, tt.name); !isCode(err, tt.code) {
			t.Errorf("CreateNamespace(%q): %v, want %s", tt.name, err, tt.code)
		}
	}
	a, err := e.svc.CreateNamespace(ctx, "team-a")
	if err != nil || !regexp.MustCompile(`^\d{12}$`).MatchString(a.AccountID) || a.AccountID == e.svc.Config().AccountID {
		t.Fatalf("team-a: %+v, %v", a, err)
	}
	if _, err := e.svc.CreateNamespace(ctx, "team-a"); !isCode(err, apierr.ConflictException) {
		t.Errorf("team-a again: %v", err)
	}
	other := newEnv(t, Config{})
	again, err := other.svc.CreateNamespace(ctx, "team-a")
	if err != nil || again.AccountID != a.AccountID {
		t.Errorf("team-a on another server: %+v, want account %s", again, a.AccountID)
	}
	all, err := e.svc.ListNamespaces(ctx)
	if err != nil || len(all) != 2 || all[0].Name != "default" || all[0].AccountID != e.svc.Config().AccountID || all[1].Name != "team-a" {
		t.Fatalf("ListNamespaces: %+v, %v", all, err)
	}
	if _, err := e.svc.StateMachineArnIn(ctx, "nope", "etl"); !isCode(err, apierr.ResourceNotFound) {
		t.Errorf("a workflow of an unknown namespace: %v", err)
	}
}

func isCode(err error, code string) bool {
	ae, ok := apierr.As(err)
	return ok && ae.Code == code
}
