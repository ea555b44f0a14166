package channel

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"
)

func TestClassification(t *testing.T) {
	perm := &Error{Channel: "slack", Code: "invalid_auth", Permanent: true, Msg: "x"}
	limited := &Error{Channel: "webhook", Code: "http_429", RetryAfter: 3 * time.Second, Msg: "y"}
	for _, tc := range []struct {
		err        error
		permanent  bool
		retryAfter time.Duration
	}{
		{perm, true, 0},
		{fmt.Errorf("deliver: %w", perm), true, 0},
		{limited, false, 3 * time.Second},
		{fmt.Errorf("deliver: %w", limited), false, 3 * time.Second},
		{context.Canceled, false, 0},
		{context.DeadlineExceeded, false, 0},
		{errors.New("other"), false, 0},
		{nil, false, 0},
	} {
		if IsPermanent(tc.err) != tc.permanent || RetryAfterOf(tc.err) != tc.retryAfter {
			t.Errorf("%v: permanent %v retry after %v, want %v %v", tc.err, IsPermanent(tc.err), RetryAfterOf(tc.err), tc.permanent, tc.retryAfter)
		}
	}
	if got := perm.Error(); got != "slack: invalid_auth: x" {
		t.Errorf("Error() = %q", got)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"7", 7 * time.Second},
		{" 30 ", 30 * time.Second},
		{"0", 0},
		{"-5", 0},
		{"soon", 0},
		{"999999999999", MaxRetryAfter},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{now.Add(48 * time.Hour).Format(http.TimeFormat), MaxRetryAfter},
	} {
		if got := ParseRetryAfter(tc.in, now); got != tc.want {
			t.Errorf("ParseRetryAfter(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestTransientStatus(t *testing.T) {
	for status, want := range map[int]bool{301: false, 400: false, 401: false, 403: false, 404: false, 408: true, 409: true,
		410: false, 413: false, 422: false, 425: true, 429: true, 500: true, 502: true, 503: true} {
		if TransientStatus(status) != want {
			t.Errorf("TransientStatus(%d) = %v, want %v", status, !want, want)
		}
	}
}
