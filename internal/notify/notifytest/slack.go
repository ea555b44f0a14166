package notifytest

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// Slack is a fake of Slack's Web API: chat.postMessage and chat.update
// with a bot token, answering as Slack does (HTTP 200 with ok false and an
// error code, 429 with Retry-After). Channels are named ("alerts",
// "#alerts") or given by the ID it answers ("C0001"); each gets a stable ID
// on first use. Message ts values increase like Slack's
// ("1700000000.000100").
type Slack struct {
	// URL is the API's base URL, for slack.Client.BaseURL and a slack
	// connection's api_url ("http://127.0.0.1:PORT/api/").
	URL   string
	Token string

	*httpFake

	mu        sync.Mutex
	seq       int64
	ids       map[string]string // channel name (without #) -> ID
	messages  []SlackMessage
	updates   []SlackUpdate
	calls     int
	failNext  faults[string]
	failChan  map[string]string // channel ID -> error code
	limitNext faults[int]
}

// SlackMessage is a posted message, as the fake recorded it.
type SlackMessage struct {
	Channel        string // the channel's ID
	TS             string
	ThreadTS       string // "" for a message in the channel (a thread's root)
	Text           string // the text as posted; see Current for the updated one
	Blocks         json.RawMessage
	ReplyBroadcast bool
	UnfurlLinks    *bool    // as sent, nil when absent
	Updates        []string // the texts of the chat.update calls on it, in order
}

// Current is the message's text after its updates.
func (m SlackMessage) Current() string {
	if len(m.Updates) > 0 {
		return m.Updates[len(m.Updates)-1]
	}
	return m.Text
}

// SlackUpdate is a chat.update call.
type SlackUpdate struct {
	Channel, TS, Text string
	Blocks            json.RawMessage
}

// SlackThread is a root message and its replies, in order.
type SlackThread struct {
	Root    SlackMessage
	Replies []SlackMessage
}

// NewSlack starts a fake Slack that accepts token; it stops with the test.
func NewSlack(t testing.TB, token string) *Slack {
	s := &Slack{Token: token, ids: map[string]string{}, failChan: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/chat.postMessage", s.post)
	mux.HandleFunc("POST /api/chat.update", s.update)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		slackAnswer(w, map[string]any{"ok": false, "error": "unknown_method"})
	})
	s.httpFake = startHTTP(t, mux)
	s.URL = "http://" + s.addr + "/api/"
	return s
}

// FailNext makes the next n calls answer ok false with code
// ("internal_error", "invalid_auth"...).
func (s *Slack) FailNext(n int, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = faults[string]{n: n, fault: code}
}

// FailChannel makes every call for a channel (name or ID) answer ok false
// with code ("not_in_channel", "channel_not_found"...); "" stops it.
func (s *Slack) FailChannel(ch, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.idLocked(ch)
	if code == "" {
		delete(s.failChan, id)
		return
	}
	s.failChan[id] = code
}

// RateLimitNext makes the next n calls answer HTTP 429 with Retry-After
// retryAfter seconds and ok false "ratelimited", as Slack does.
func (s *Slack) RateLimitNext(n, retryAfter int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limitNext = faults[int]{n: n, fault: retryAfter}
}

// Calls is how many API calls the fake handled (rate-limited and failed
// ones included; not those answered 503 or refused while down).
func (s *Slack) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// ChannelID is the ID the fake gives a channel name ("alerts" or
// "#alerts").
func (s *Slack) ChannelID(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.idLocked(name)
}

// idLocked returns a channel's ID, giving a name one on first use.
func (s *Slack) idLocked(ch string) string {
	name := strings.TrimPrefix(ch, "#")
	for _, id := range s.ids {
		if id == name {
			return id
		}
	}
	if id, ok := s.ids[name]; ok {
		return id
	}
	id := fmt.Sprintf("C%04d", len(s.ids)+1)
	s.ids[name] = id
	return id
}

// Messages returns every posted message, in the order posted.
func (s *Slack) Messages() []SlackMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.messages)
	for i := range out {
		out[i].Updates = slices.Clone(out[i].Updates)
	}
	return out
}

// Updates returns every chat.update call that succeeded, in order.
func (s *Slack) Updates() []SlackUpdate {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.updates)
}

// Threads returns the threads of a channel (name or ID): each root message
// with its replies, in the order the roots were posted.
func (s *Slack) Threads(ch string) []SlackThread {
	msgs := s.Messages()
	id := s.ChannelID(ch)
	var out []SlackThread
	index := map[string]int{}
	for _, m := range msgs {
		if m.Channel != id {
			continue
		}
		if m.ThreadTS == "" {
			index[m.TS] = len(out)
			out = append(out, SlackThread{Root: m})
			continue
		}
		if i, ok := index[m.ThreadTS]; ok {
			out[i].Replies = append(out[i].Replies, m)
		}
	}
	return out
}

// WaitMessages waits until at least n messages were posted, and returns
// them.
func (s *Slack) WaitMessages(t testing.TB, n int, timeout time.Duration) []SlackMessage {
	t.Helper()
	Eventually(t, timeout, fmt.Sprintf("fake Slack: want %d messages, have %d", n, len(s.Messages())), func() bool { return len(s.Messages()) >= n })
	return s.Messages()
}

// Wait polls cond (given the fake) until it holds.
func (s *Slack) Wait(t testing.TB, timeout time.Duration, what string, cond func(*Slack) bool) {
	t.Helper()
	Eventually(t, timeout, "fake Slack: "+what, func() bool { return cond(s) })
}

func slackAnswer(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

// begin checks a call's token and body and applies the faults; it returns
// false when it has answered.
func (s *Slack) begin(w http.ResponseWriter, r *http.Request, into any) (ch string, ok bool) {
	s.mu.Lock()
	s.calls++
	limit, limited := s.limitNext.take()
	s.mu.Unlock()
	if limited {
		w.Header().Set("Retry-After", strconv.Itoa(limit))
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusTooManyRequests)
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": "ratelimited"})
		return "", false
	}
	auth := r.Header.Get("Authorization")
	switch {
	case auth == "":
		slackAnswer(w, map[string]any{"ok": false, "error": "not_authed"})
		return "", false
	case auth != "Bearer "+s.Token:
		slackAnswer(w, map[string]any{"ok": false, "error": "invalid_auth"})
		return "", false
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		slackAnswer(w, map[string]any{"ok": false, "error": "invalid_form_data"})
		return "", false
	}
	var peek struct {
		Channel string `json:"channel"`
	}
	body := http.MaxBytesReader(w, r.Body, 1<<20)
	dec := json.NewDecoder(body)
	raw := json.RawMessage{}
	if err := dec.Decode(&raw); err != nil || json.Unmarshal(raw, &peek) != nil || json.Unmarshal(raw, into) != nil {
		slackAnswer(w, map[string]any{"ok": false, "error": "invalid_json"})
		return "", false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if code, failing := s.failNext.take(); failing {
		slackAnswer(w, map[string]any{"ok": false, "error": code})
		return "", false
	}
	if peek.Channel == "" {
		slackAnswer(w, map[string]any{"ok": false, "error": "channel_not_found"})
		return "", false
	}
	id := s.idLocked(peek.Channel)
	if code, failing := s.failChan[id]; failing {
		slackAnswer(w, map[string]any{"ok": false, "error": code})
		return "", false
	}
	return id, true
}

func (s *Slack) post(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Text           string          `json:"text"`
		Blocks         json.RawMessage `json:"blocks"`
		ThreadTS       string          `json:"thread_ts"`
		ReplyBroadcast bool            `json:"reply_broadcast"`
		UnfurlLinks    *bool           `json:"unfurl_links"`
	}
	id, ok := s.begin(w, r, &req)
	if !ok {
		return
	}
	switch {
	case req.Text == "" && len(req.Blocks) == 0:
		slackAnswer(w, map[string]any{"ok": false, "error": "no_text"})
		return
	case utf8.RuneCountInString(req.Text) > 40000:
		slackAnswer(w, map[string]any{"ok": false, "error": "msg_too_long"})
		return
	case len(req.Blocks) > 0 && (req.Blocks[0] != '[' || !json.Valid(req.Blocks)):
		slackAnswer(w, map[string]any{"ok": false, "error": "invalid_blocks"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if req.ThreadTS != "" && s.findLocked(id, req.ThreadTS) < 0 {
		slackAnswer(w, map[string]any{"ok": false, "error": "thread_not_found"})
		return
	}
	s.seq++
	micro := s.seq * 100
	ts := fmt.Sprintf("%d.%06d", 1700000000+micro/1e6, micro%1e6)
	s.messages = append(s.messages, SlackMessage{Channel: id, TS: ts, ThreadTS: req.ThreadTS, Text: req.Text,
		Blocks: req.Blocks, ReplyBroadcast: req.ReplyBroadcast, UnfurlLinks: req.UnfurlLinks})
	slackAnswer(w, map[string]any{"ok": true, "channel": id, "ts": ts, "message": map[string]any{"text": req.Text, "ts": ts}})
}

func (s *Slack) findLocked(id, ts string) int {
	return slices.IndexFunc(s.messages, func(m SlackMessage) bool { return m.Channel == id && m.TS == ts })
}

func (s *Slack) update(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Channel string          `json:"channel"`
		TS      string          `json:"ts"`
		Text    string          `json:"text"`
		Blocks  json.RawMessage `json:"blocks"`
	}
	id, ok := s.begin(w, r, &req)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Slack's chat.update takes the channel's ID only.
	if id != req.Channel {
		slackAnswer(w, map[string]any{"ok": false, "error": "channel_not_found"})
		return
	}
	i := s.findLocked(id, req.TS)
	if i < 0 {
		slackAnswer(w, map[string]any{"ok": false, "error": "message_not_found"})
		return
	}
	s.messages[i].Updates = append(s.messages[i].Updates, req.Text)
	s.updates = append(s.updates, SlackUpdate{Channel: id, TS: req.TS, Text: req.Text, Blocks: req.Blocks})
	slackAnswer(w, map[string]any{"ok": true, "channel": id, "ts": req.TS, "text": req.Text})
}
