package notifytest

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/internal/notify/webhook"
)

// Webhook is a receiver of Standard Webhooks: it verifies each delivery's
// signature with its secret, records it, and answers 204 (verified) or 401
// (not).
type Webhook struct {
	URL    string // where to send, "http://127.0.0.1:PORT/hook"
	Secret string // whsec_<base64>

	key []byte
	*httpFake
	statusFaults

	mu         sync.Mutex
	deliveries []WebhookDelivery
}

// WebhookDelivery is a received webhook.
type WebhookDelivery struct {
	ID        string // webhook-id
	Timestamp string // webhook-timestamp
	Body      []byte
	Header    http.Header
	Verified  bool
	Err       string // why it was not verified
}

// NewWebhook starts a receiver verifying with secret (whsec_<base64>); it
// stops with the test.
func NewWebhook(t testing.TB, secret string) *Webhook {
	t.Helper()
	key, err := webhook.DecodeSecret(secret)
	if err != nil {
		t.Fatalf("notifytest: %v", err)
	}
	w := &Webhook{Secret: secret, key: key}
	w.httpFake = startHTTP(t, http.HandlerFunc(w.serve))
	w.URL = "http://" + w.addr + "/hook"
	return w
}

// Deliveries returns the recorded deliveries, in order.
func (w *Webhook) Deliveries() []WebhookDelivery {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.deliveries)
}

// Count returns how many times the webhook id was received (verified).
func (w *Webhook) Count(id string) int {
	n := 0
	for _, d := range w.Deliveries() {
		if d.ID == id && d.Verified {
			n++
		}
	}
	return n
}

// WaitDeliveries waits until at least n deliveries were recorded, and
// returns them.
func (w *Webhook) WaitDeliveries(t testing.TB, n int, timeout time.Duration) []WebhookDelivery {
	t.Helper()
	Eventually(t, timeout, fmt.Sprintf("fake webhook receiver: want %d deliveries, have %d", n, len(w.Deliveries())), func() bool { return len(w.Deliveries()) >= n })
	return w.Deliveries()
}

// Wait polls cond (given the fake) until it holds.
func (w *Webhook) Wait(t testing.TB, timeout time.Duration, what string, cond func(*Webhook) bool) {
	t.Helper()
	Eventually(t, timeout, "fake webhook receiver: "+what, func() bool { return cond(w) })
}

func (w *Webhook) serve(rw http.ResponseWriter, r *http.Request) {
	fault, failing := w.statusFaults.take()
	if failing {
		if fault.retryAfter > 0 {
			rw.Header().Set("Retry-After", strconv.Itoa(fault.retryAfter))
		}
		http.Error(rw, http.StatusText(fault.status), fault.status)
		return
	}
	if r.Method != http.MethodPost {
		http.Error(rw, "POST only", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, 4<<20))
	if err != nil {
		http.Error(rw, err.Error(), http.StatusRequestEntityTooLarge)
		return
	}
	d := WebhookDelivery{ID: r.Header.Get(webhook.HeaderID), Timestamp: r.Header.Get(webhook.HeaderTimestamp), Body: body, Header: r.Header.Clone()}
	if err := webhook.Verify(w.key, r.Header, body, time.Now(), webhook.DefaultTolerance); err != nil {
		d.Err = err.Error()
	} else {
		d.Verified = true
	}
	w.mu.Lock()
	w.deliveries = append(w.deliveries, d)
	w.mu.Unlock()
	if !d.Verified {
		http.Error(rw, d.Err, http.StatusUnauthorized)
		return
	}
	rw.WriteHeader(http.StatusNoContent)
}
