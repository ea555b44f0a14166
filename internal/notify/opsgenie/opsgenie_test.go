package opsgenie_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/batonhq/baton/internal/notify/channel"
	"github.com/batonhq/baton/internal/notify/notifytest"
	"github.com/batonhq/baton/internal/notify/opsgenie"
)

const key = "eb243592-faa2-4ba2-a551-1afdf565c889"

func TestCreateDeduplicateClose(t *testing.T) {
	fake := notifytest.NewOpsGenie(t, key)
	c := &opsgenie.Client{APIKey: key, BaseURL: fake.URL}
	ctx := context.Background()
	a := opsgenie.Alert{
		Message:     strings.Repeat("m", 200),
		Alias:       "baton/etl/nightly",
		Description: "step load failed",
		Responders:  []opsgenie.Responder{{Name: "data-eng", Type: "team"}, {Name: "ann@example.com", Type: "user"}},
		Tags:        []string{"baton", strings.Repeat("t", 60)},
		Details:     map[string]string{"run": "r1"},
		Priority:    "P2",
		Source:      "Baton",
	}
	for range 3 {
		if err := c.Create(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	got, ok := fake.Alert("baton/etl/nightly")
	if !ok || got.Count != 3 || !got.Open || utf8.RuneCountInString(got.Message) != 130 || got.Priority != "P2" || got.Details["run"] != "r1" {
		t.Fatalf("alert = %+v", got)
	}
	if got.Responders[0]["name"] != "data-eng" || got.Responders[1]["username"] != "ann@example.com" || got.Responders[1]["type"] != "user" {
		t.Fatalf("responders = %v", got.Responders)
	}
	if utf8.RuneCountInString(got.Tags[1]) != 50 {
		t.Fatalf("tag not cut to 50: %q", got.Tags[1])
	}
	if err := c.Close(ctx, "baton/etl/nightly", "recovered: run r2 succeeded"); err != nil {
		t.Fatal(err)
	}
	got = fake.WaitAlert(t, "baton/etl/nightly", false, time.Second)
	if got.CloseNote != "recovered: run r2 succeeded" {
		t.Fatalf("closed alert = %+v", got)
	}
	// After the close a new failure opens a new alert.
	if err := c.Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	if all := fake.Alerts(); len(all) != 2 || !all[1].Open || all[1].Count != 1 {
		t.Fatalf("alerts = %+v", all)
	}
	// Closing an alias that is not open is accepted.
	if err := c.Close(ctx, "never-opened", ""); err != nil {
		t.Fatal(err)
	}
}

func TestErrors(t *testing.T) {
	fake := notifytest.NewOpsGenie(t, key)
	for _, tc := range []struct {
		name       string
		key        string
		alert      opsgenie.Alert
		setup      func()
		code       string
		permanent  bool
		retryAfter time.Duration
		msg        string
	}{
		{name: "bad key", key: "wrong-key", code: "http_401", permanent: true, msg: "API key"},
		{name: "no key", key: "-", code: "http_401", permanent: true, msg: "api_key"},
		{name: "forbidden", setup: func() { fake.FailNext(1, 403, 0) }, code: "http_403", permanent: true, msg: "API key"},
		{name: "unprocessable", setup: func() { fake.FailNext(1, 422, 0) }, code: "http_422", permanent: true},
		{name: "no message", alert: opsgenie.Alert{Alias: "x"}, code: "bad_request", permanent: true},
		{name: "bad priority", alert: opsgenie.Alert{Message: "m", Priority: "P9"}, code: "bad_request", permanent: true},
		{name: "rate limited", setup: func() { fake.FailNext(1, 429, 5) }, code: "http_429", retryAfter: 5 * time.Second},
		{name: "server error", setup: func() { fake.FailNext(1, 500, 0) }, code: "http_500"},
		{name: "down", setup: func() { _ = fake.SetDown(notifytest.Unavailable) }, code: "http_503"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				tc.setup()
			}
			t.Cleanup(func() { _ = fake.SetDown(notifytest.Up) })
			k := key
			switch tc.key {
			case "-":
				k = ""
			case "":
			default:
				k = tc.key
			}
			a := tc.alert
			if a.Message == "" && a.Alias == "" {
				a = opsgenie.Alert{Message: "run failed", Alias: "a1"}
			}
			err := (&opsgenie.Client{APIKey: k, BaseURL: fake.URL}).Create(context.Background(), a)
			var ce *channel.Error
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *channel.Error", err)
			}
			if ce.Channel != "opsgenie" || ce.Code != tc.code || ce.Permanent != tc.permanent || ce.RetryAfter != tc.retryAfter || !strings.Contains(ce.Msg, tc.msg) {
				t.Fatalf("err = %+v, want code %s permanent %v retry after %v saying %q", ce, tc.code, tc.permanent, tc.retryAfter, tc.msg)
			}
			if strings.Contains(err.Error(), key) || strings.Contains(err.Error(), "wrong-key") {
				t.Fatalf("the key leaked: %v", err)
			}
		})
	}
}
