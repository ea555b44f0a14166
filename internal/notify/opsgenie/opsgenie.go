// Package opsgenie creates and closes alerts with OpsGenie's Alert API v2
// (Authorization: GenieKey KEY, an API integration's key). OpsGenie
// de-duplicates alerts by alias: creating an alert whose alias is open
// adds to its count instead of paging again, and closing by alias ends it.
// The API answers 202 Accepted and processes requests asynchronously.
//
// Atlassian ends OpsGenie in April 2027: this is one channel among others.
package opsgenie

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/batonhq/baton/internal/notify/channel"
)

// Base URLs of the API.
const (
	DefaultBaseURL = "https://api.opsgenie.com"
	EUBaseURL      = "https://api.eu.opsgenie.com"
)

// OpsGenie's limits, in characters (longer fields are truncated).
const (
	MaxMessage     = 130
	MaxAlias       = 512
	MaxDescription = 15000
	MaxSource      = 100
	MaxTags        = 20
	MaxTag         = 50
	MaxNote        = 25000
)

// Client calls the Alert API.
type Client struct {
	APIKey  string
	BaseURL string       // default DefaultBaseURL; EUBaseURL for EU accounts
	HTTP    *http.Client // default channel.DefaultHTTPClient (30 s time-out)
}

// Responder is who an alert is routed to.
type Responder struct {
	Name string // a team's, escalation's or schedule's name, or a user's username (e-mail)
	Type string // "team", "user", "escalation" or "schedule"
}

// Alert is a Create request.
type Alert struct {
	Message     string // the title (truncated to MaxMessage)
	Alias       string // the de-duplication key (truncated to MaxAlias)
	Description string // truncated to MaxDescription
	Responders  []Responder
	Tags        []string
	Details     map[string]string
	Priority    string // "P1" to "P5"; "" is OpsGenie's default (P3)
	Source      string
}

// Create creates an alert, or adds to the count of the open alert with the
// same alias.
func (c *Client) Create(ctx context.Context, a Alert) error {
	if strings.TrimSpace(a.Message) == "" {
		return &channel.Error{Channel: channel.OpsGenie, Code: "bad_request", Permanent: true, Msg: "the alert has no message; check the template"}
	}
	if a.Priority != "" && !(len(a.Priority) == 2 && a.Priority[0] == 'P' && a.Priority[1] >= '1' && a.Priority[1] <= '5') {
		return &channel.Error{Channel: channel.OpsGenie, Code: "bad_request", Permanent: true, Msg: fmt.Sprintf("the alert's priority %q is not P1 to P5", a.Priority)}
	}
	body := map[string]any{"message": cut(a.Message, MaxMessage)}
	if a.Alias != "" {
		body["alias"] = cut(a.Alias, MaxAlias)
	}
	if a.Description != "" {
		body["description"] = cut(a.Description, MaxDescription)
	}
	if len(a.Responders) > 0 {
		rs := make([]map[string]string, 0, len(a.Responders))
		for _, r := range a.Responders {
			key := "name"
			if r.Type == "user" {
				key = "username"
			}
			rs = append(rs, map[string]string{key: r.Name, "type": r.Type})
		}
		body["responders"] = rs
	}
	if len(a.Tags) > 0 {
		tags := make([]string, 0, min(len(a.Tags), MaxTags))
		for _, t := range a.Tags[:min(len(a.Tags), MaxTags)] {
			tags = append(tags, cut(t, MaxTag))
		}
		body["tags"] = tags
	}
	if len(a.Details) > 0 {
		body["details"] = a.Details
	}
	if a.Priority != "" {
		body["priority"] = a.Priority
	}
	if a.Source != "" {
		body["source"] = cut(a.Source, MaxSource)
	}
	return c.post(ctx, "/v2/alerts", body)
}

// Close closes the open alert with alias, with a note. Closing an alert
// that is not open is accepted by the API (202) and does nothing.
func (c *Client) Close(ctx context.Context, alias, note string) error {
	if alias == "" {
		return &channel.Error{Channel: channel.OpsGenie, Code: "bad_request", Permanent: true, Msg: "no alias to close"}
	}
	body := map[string]any{"source": "Baton"}
	if note != "" {
		body["note"] = cut(note, MaxNote)
	}
	return c.post(ctx, "/v2/alerts/"+url.PathEscape(cut(alias, MaxAlias))+"/close?identifierType=alias", body)
}

// cut truncates s to n characters.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func (c *Client) post(ctx context.Context, path string, body any) error {
	if c.APIKey == "" {
		return &channel.Error{Channel: channel.OpsGenie, Code: "http_401", Permanent: true, Msg: "no API key is configured; set the opsgenie connection's api_key in the server configuration"}
	}
	b, err := json.Marshal(body)
	if err != nil {
		return &channel.Error{Channel: channel.OpsGenie, Code: "bad_request", Permanent: true, Msg: fmt.Sprintf("the alert cannot be encoded (%v)", err)}
	}
	base := strings.TrimSuffix(c.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path, bytes.NewReader(b))
	if err != nil {
		return &channel.Error{Channel: channel.OpsGenie, Code: "bad_url", Permanent: true, Msg: "the OpsGenie API URL is not valid; check the opsgenie connection's api_url"}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "GenieKey "+c.APIKey)
	hc := c.HTTP
	if hc == nil {
		hc = channel.DefaultHTTPClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return channel.TransportError(channel.OpsGenie, "OpsGenie", err, "check the opsgenie connection's api_url and the server's CA certificates")
	}
	defer channel.DrainClose(resp.Body)
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return nil
	}
	e := channel.StatusError(channel.OpsGenie, "OpsGenie", resp, time.Now())
	var answer struct {
		Message string `json:"message"`
	}
	if raw, err := channel.ReadBody(resp.Body); err == nil && json.Unmarshal(raw, &answer) == nil && answer.Message != "" {
		// OpsGenie's own words ("Key format is not valid!", "Message can
		// not be empty."), bounded; they never quote the key.
		said := strings.ReplaceAll(cut(answer.Message, 200), c.APIKey, "[redacted]")
		switch resp.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden:
			e.Msg = fmt.Sprintf("OpsGenie refused the API key (HTTP %d: %s); give the opsgenie connection an API integration's key with create and close rights", resp.StatusCode, said)
		default:
			e.Msg = fmt.Sprintf("%s (OpsGenie said: %s)", e.Msg, said)
		}
	} else if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		e.Msg = fmt.Sprintf("OpsGenie refused the API key (HTTP %d); give the opsgenie connection an API integration's key with create and close rights", resp.StatusCode)
	}
	return e
}
