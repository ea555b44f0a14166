package notifytest

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// OpsGenie is a fake of OpsGenie's Alert API v2: POST /v2/alerts and
// POST /v2/alerts/{alias}/close?identifierType=alias with Authorization:
// GenieKey KEY, answering 202. Like OpsGenie it de-duplicates by alias: a
// create on an open alias adds to its count; after a close, a create opens
// a new alert.
type OpsGenie struct {
	URL    string // the API's base URL, "http://127.0.0.1:PORT"
	APIKey string

	*httpFake
	statusFaults

	mu       sync.Mutex
	alerts   []*OpsGenieAlert // every alert, in creation order
	requests int
}

// OpsGenieAlert is an alert as the fake holds it.
type OpsGenieAlert struct {
	Alias       string
	Message     string
	Description string
	Priority    string
	Source      string
	Tags        []string
	Details     map[string]string
	Responders  []map[string]string
	Count       int // creates while it was open
	Open        bool
	CloseNote   string
}

// NewOpsGenie starts a fake OpsGenie that accepts apiKey; it stops with
// the test.
func NewOpsGenie(t testing.TB, apiKey string) *OpsGenie {
	o := &OpsGenie{APIKey: apiKey}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v2/alerts", o.create)
	mux.HandleFunc("POST /v2/alerts/{alias}/close", o.close)
	o.httpFake = startHTTP(t, mux)
	o.URL = "http://" + o.addr
	return o
}

// Requests is how many API requests the fake handled (failed ones
// included; not those answered 503 or refused while down).
func (o *OpsGenie) Requests() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.requests
}

// Alerts returns every alert, open or closed, in creation order.
func (o *OpsGenie) Alerts() []OpsGenieAlert {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]OpsGenieAlert, len(o.alerts))
	for i, a := range o.alerts {
		out[i] = *a
		out[i].Tags = slices.Clone(a.Tags)
		out[i].Details = maps.Clone(a.Details)
		out[i].Responders = slices.Clone(a.Responders)
	}
	return out
}

// Alert returns the latest alert with alias.
func (o *OpsGenie) Alert(alias string) (OpsGenieAlert, bool) {
	all := o.Alerts()
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].Alias == alias {
			return all[i], true
		}
	}
	return OpsGenieAlert{}, false
}

// Wait polls cond (given the fake) until it holds.
func (o *OpsGenie) Wait(t testing.TB, timeout time.Duration, what string, cond func(*OpsGenie) bool) {
	t.Helper()
	Eventually(t, timeout, "fake OpsGenie: "+what, func() bool { return cond(o) })
}

// WaitAlert waits until the alert with alias exists with open as given,
// and returns it.
func (o *OpsGenie) WaitAlert(t testing.TB, alias string, open bool, timeout time.Duration) OpsGenieAlert {
	t.Helper()
	o.Wait(t, timeout, fmt.Sprintf("want alert %q open=%v", alias, open), func(o *OpsGenie) bool {
		a, ok := o.Alert(alias)
		return ok && a.Open == open
	})
	a, _ := o.Alert(alias)
	return a
}

func ogAnswer(w http.ResponseWriter, status int, v map[string]any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	v["took"] = 0.01
	v["requestId"] = "00000000-0000-4000-8000-000000000000"
	_ = json.NewEncoder(w).Encode(v)
}

// begin checks the key and applies the faults; false when it answered.
func (o *OpsGenie) begin(w http.ResponseWriter, r *http.Request, into any) bool {
	o.mu.Lock()
	o.requests++
	o.mu.Unlock()
	fault, failing := o.statusFaults.take()
	if failing {
		if fault.retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(fault.retryAfter))
		}
		ogAnswer(w, fault.status, map[string]any{"message": http.StatusText(fault.status)})
		return false
	}
	if r.Header.Get("Authorization") != "GenieKey "+o.APIKey {
		ogAnswer(w, http.StatusUnauthorized, map[string]any{"message": "Could not authenticate"})
		return false
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(into); err != nil {
		ogAnswer(w, http.StatusUnprocessableEntity, map[string]any{"message": "Request body is not processable. Please check the errors.", "errors": map[string]string{"body": err.Error()}})
		return false
	}
	return true
}

func (o *OpsGenie) create(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Message     string              `json:"message"`
		Alias       string              `json:"alias"`
		Description string              `json:"description"`
		Priority    string              `json:"priority"`
		Source      string              `json:"source"`
		Tags        []string            `json:"tags"`
		Details     map[string]string   `json:"details"`
		Responders  []map[string]string `json:"responders"`
	}
	if !o.begin(w, r, &req) {
		return
	}
	switch {
	case req.Message == "":
		ogAnswer(w, http.StatusUnprocessableEntity, map[string]any{"message": "Message can not be empty."})
		return
	case utf8.RuneCountInString(req.Message) > 130, utf8.RuneCountInString(req.Alias) > 512, utf8.RuneCountInString(req.Description) > 15000:
		ogAnswer(w, http.StatusUnprocessableEntity, map[string]any{"message": "Request body is not processable. Please check the errors."})
		return
	}
	if req.Alias == "" {
		req.Alias = req.Message // OpsGenie's default alias
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, a := range o.alerts {
		if a.Alias == req.Alias && a.Open {
			a.Count++
			ogAnswer(w, http.StatusAccepted, map[string]any{"result": "Request will be processed"})
			return
		}
	}
	o.alerts = append(o.alerts, &OpsGenieAlert{Alias: req.Alias, Message: req.Message, Description: req.Description,
		Priority: req.Priority, Source: req.Source, Tags: req.Tags, Details: req.Details, Responders: req.Responders, Count: 1, Open: true})
	ogAnswer(w, http.StatusAccepted, map[string]any{"result": "Request will be processed"})
}

func (o *OpsGenie) close(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Note   string `json:"note"`
		Source string `json:"source"`
	}
	if !o.begin(w, r, &req) {
		return
	}
	if r.URL.Query().Get("identifierType") != "alias" {
		ogAnswer(w, http.StatusUnprocessableEntity, map[string]any{"message": "the fake closes by alias only (identifierType=alias)"})
		return
	}
	alias := r.PathValue("alias")
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, a := range o.alerts {
		if a.Alias == alias && a.Open {
			a.Open, a.CloseNote = false, req.Note
		}
	}
	// OpsGenie accepts the request whatever the alert's state: the
	// outcome is in the request's status.
	ogAnswer(w, http.StatusAccepted, map[string]any{"result": "Request will be processed"})
}
