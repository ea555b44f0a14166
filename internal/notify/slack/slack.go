// Package slack posts and updates messages with Slack's Web API and a bot
// token (chat.postMessage, chat.update). Failures are *channel.Error,
// classified for the retry logic of package notify.
//
// Slack answers HTTP 200 with {"ok":false,"error":"..."} for most
// failures: the error names what to fix (not_in_channel: invite the bot;
// invalid_auth: the token). Rate limiting is HTTP 429 with Retry-After in
// seconds; chat.postMessage also allows about one message per second per
// channel, which the caller paces.
package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/batonhq/baton/internal/notify/channel"
)

// DefaultBaseURL is Slack's Web API.
const DefaultBaseURL = "https://slack.com/api/"

// Slack's limits, in characters.
const (
	// MaxTextChars is the most of a message's text Slack keeps (it
	// truncates longer text, and refuses far longer with msg_too_long).
	MaxTextChars = 40000
	// MaxSectionChars is the most text a section block holds (longer is
	// invalid_blocks).
	MaxSectionChars = 3000
)

// Client calls Slack's Web API with a bot token (xoxb-...).
type Client struct {
	Token   string
	BaseURL string       // default DefaultBaseURL; a test or proxy URL ending in /
	HTTP    *http.Client // default channel.DefaultHTTPClient (30 s time-out)
}

// Message is a chat.postMessage request.
type Message struct {
	Channel        string          // a channel ID (C0123...) or name (#alerts)
	Text           string          // the text, or the fallback (notifications) when Blocks are given
	Blocks         json.RawMessage // optional Block Kit blocks (a JSON array)
	ThreadTS       string          // the root's ts: post as a reply in its thread
	ReplyBroadcast bool            // a reply also shown in the channel
}

// Posted is where a message landed: the channel ID (Slack answers an ID
// even when the message named the channel) and the message's ts, the
// thread_ts of its replies and the ts of chat.update.
type Posted struct {
	Channel string
	TS      string
}

type postRequest struct {
	Channel        string          `json:"channel"`
	Text           string          `json:"text"`
	Blocks         json.RawMessage `json:"blocks,omitempty"`
	ThreadTS       string          `json:"thread_ts,omitempty"`
	ReplyBroadcast bool            `json:"reply_broadcast,omitempty"`
	UnfurlLinks    bool            `json:"unfurl_links"`
}

type updateRequest struct {
	Channel string          `json:"channel"`
	TS      string          `json:"ts"`
	Text    string          `json:"text"`
	Blocks  json.RawMessage `json:"blocks,omitempty"`
}

// answer is the part of Slack's answers the client reads.
type answer struct {
	OK      bool   `json:"ok"`
	Error   string `json:"error"`
	Channel string `json:"channel"`
	TS      string `json:"ts"`
}

// PostMessage posts m with chat.postMessage (links are not unfurled: a
// notification's link to its run would otherwise fill the channel). A text
// longer than MaxTextChars is truncated rather than refused.
func (c *Client) PostMessage(ctx context.Context, m Message) (Posted, error) {
	if m.Channel == "" {
		return Posted{}, &channel.Error{Channel: channel.Slack, Code: "channel_not_found", Permanent: true, Msg: "the message names no Slack channel; give the target's addresses"}
	}
	a, err := c.call(ctx, "chat.postMessage", postRequest{Channel: m.Channel, Text: Truncate(m.Text, MaxTextChars), Blocks: m.Blocks,
		ThreadTS: m.ThreadTS, ReplyBroadcast: m.ReplyBroadcast && m.ThreadTS != ""}, m.Channel)
	if err != nil {
		return Posted{}, err
	}
	if a.TS == "" {
		return Posted{}, &channel.Error{Channel: channel.Slack, Code: "bad_response", Msg: "Slack answered ok without the message's ts; the delivery is retried"}
	}
	if a.Channel == "" {
		a.Channel = m.Channel
	}
	return Posted{Channel: a.Channel, TS: a.TS}, nil
}

// Update replaces the text (and blocks) of the message ts in channelID
// (an ID, as Posted gives) with chat.update.
func (c *Client) Update(ctx context.Context, channelID, ts, text string, blocks json.RawMessage) error {
	_, err := c.call(ctx, "chat.update", updateRequest{Channel: channelID, TS: ts, Text: Truncate(text, MaxTextChars), Blocks: blocks}, channelID)
	return err
}

// call posts req to method and reads Slack's answer.
func (c *Client) call(ctx context.Context, method string, req any, ch string) (answer, error) {
	if c.Token == "" {
		return answer{}, &channel.Error{Channel: channel.Slack, Code: "not_authed", Permanent: true, Msg: "no bot token is configured; set the slack connection's token in the server configuration"}
	}
	body, err := json.Marshal(req)
	if err != nil {
		return answer{}, &channel.Error{Channel: channel.Slack, Code: "invalid_blocks", Permanent: true, Msg: fmt.Sprintf("the message cannot be encoded (%v); check its blocks", err)}
	}
	base := c.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, base+method, bytes.NewReader(body))
	if err != nil {
		return answer{}, &channel.Error{Channel: channel.Slack, Code: "bad_url", Permanent: true, Msg: fmt.Sprintf("the Slack API URL is not valid (%v); check the slack connection's api_url", err)}
	}
	hreq.Header.Set("Content-Type", "application/json; charset=utf-8")
	hreq.Header.Set("Authorization", "Bearer "+c.Token)
	hc := c.HTTP
	if hc == nil {
		hc = channel.DefaultHTTPClient
	}
	resp, err := hc.Do(hreq)
	if err != nil {
		return answer{}, channel.TransportError(channel.Slack, "Slack", err, "check the slack connection's api_url and the server's CA certificates")
	}
	defer channel.DrainClose(resp.Body)
	if resp.StatusCode == http.StatusTooManyRequests {
		e := channel.StatusError(channel.Slack, "Slack", resp, time.Now())
		e.Code = "ratelimited"
		if e.RetryAfter == 0 {
			e.RetryAfter = time.Second
		}
		return answer{}, e
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return answer{}, channel.StatusError(channel.Slack, "Slack", resp, time.Now())
	}
	raw, err := channel.ReadBody(resp.Body)
	if err != nil {
		return answer{}, channel.TransportError(channel.Slack, "Slack", err, "")
	}
	var a answer
	if err := json.Unmarshal(raw, &a); err != nil {
		return answer{}, &channel.Error{Channel: channel.Slack, Code: "bad_response", Msg: "Slack answered something that is not its JSON; the delivery is retried (check the slack connection's api_url if this lasts)"}
	}
	if !a.OK {
		e := classify(a.Error, ch)
		if a.Error == "ratelimited" {
			e.RetryAfter = channel.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		}
		return answer{}, e
	}
	return a, nil
}

// transient are Slack's errors worth retrying; every other error is about
// the request, the token or the channel, and is permanent.
var transient = map[string]string{
	"ratelimited":         "Slack is rate limiting the bot; the delivery is retried after its Retry-After",
	"internal_error":      "Slack had an internal error; the delivery is retried",
	"fatal_error":         "Slack had a fatal error; the delivery is retried",
	"service_unavailable": "Slack is unavailable; the delivery is retried",
	"request_timeout":     "Slack timed out; the delivery is retried",
}

// advice says what to do about the permanent errors Slack documents for
// chat.postMessage and chat.update.
var advice = map[string]string{
	"not_in_channel":        "the bot is not in channel %s; invite it (/invite @your-bot) or use a channel it is in",
	"channel_not_found":     "Slack knows no channel %s that the bot can see; check the name or ID (a private channel needs the bot invited)",
	"is_archived":           "channel %s is archived; unarchive it or choose another channel",
	"invalid_auth":          "Slack refused the bot token; check the slack connection's token in the server configuration",
	"not_authed":            "no bot token was sent; set the slack connection's token in the server configuration",
	"account_inactive":      "the bot token belongs to a deleted user or workspace; give the slack connection a current token",
	"token_revoked":         "the bot token was revoked; give the slack connection a new token",
	"token_expired":         "the bot token expired; give the slack connection a new token",
	"missing_scope":         "the bot token lacks a scope it needs (chat:write); add it to the Slack app and reinstall it",
	"no_permission":         "the bot may not post in %s; check the channel's posting permissions",
	"restricted_action":     "the workspace does not let the bot post in %s; ask its administrators",
	"msg_too_long":          "the message is longer than Slack accepts; shorten the template",
	"invalid_blocks":        "Slack refused the message's blocks; check the template",
	"invalid_blocks_format": "Slack refused the message's blocks (not a JSON array); check the template",
	"no_text":               "the message has no text; check the template",
	"message_not_found":     "the message to update is gone from %s (deleted?)",
	"cant_update_message":   "the bot may not update that message in %s",
	"edit_window_closed":    "the message in %s can no longer be edited",
}

// classify turns Slack's error code into a *channel.Error.
func classify(code, ch string) *channel.Error {
	if code == "" {
		code = "unknown_error"
	}
	if msg, ok := transient[code]; ok {
		return &channel.Error{Channel: channel.Slack, Code: code, Msg: msg}
	}
	msg, ok := advice[code]
	if !ok {
		msg = "Slack refused the request (" + code + ") in %s; see Slack's documentation of that error"
	}
	if strings.Contains(msg, "%s") {
		msg = fmt.Sprintf(msg, ch)
	}
	return &channel.Error{Channel: channel.Slack, Code: code, Permanent: true, Msg: msg}
}

// Truncate cuts text to at most max characters (runes, as Slack counts),
// ending it with "…" when it cut; it cuts at a line break when one falls in
// the last fifth, so that a log tail keeps whole lines. Use MaxTextChars for
// a message's text and MaxSectionChars for a section block's.
func Truncate(text string, max int) string {
	if max <= 0 {
		return ""
	}
	if utf8.RuneCountInString(text) <= max {
		return text
	}
	if max == 1 {
		return "…"
	}
	// The byte offset of the (max-1)th rune: room for the ellipsis.
	cut, n := 0, 0
	for i := range text {
		if n == max-1 {
			cut = i
			break
		}
		n++
	}
	head := text[:cut]
	if nl := strings.LastIndexByte(head, '\n'); nl >= 0 && utf8.RuneCountInString(head[nl:]) <= max/5 {
		head = head[:nl+1]
	}
	return head + "…"
}
