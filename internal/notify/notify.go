// Package notify tells people how runs went: on Slack (one thread per
// run), by e-mail, through signed webhooks and OpsGenie.
//
// It is a consumer of the event bus. Its decider reads executions' and
// steps' status events from the outbox and turns them, by each workflow's
// settings (a pipeline's notifications: section, or the settings stored
// for any other workflow), into notifications. These are stored with the
// decider's cursors and state in one transaction (as intents of the bus),
// so that an event that was committed is notified even after a crash, and
// only once decided. The delivery then carries them out in order per
// destination (a Slack channel, a webhook URL, a mail server) with retries
// and back-off; one that cannot be delivered ends in a dead-letter list
// that can be retried.
package notify

import (
	"encoding/json"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/batonhq/baton/internal/notify/tmpl"
	"github.com/batonhq/baton/internal/pipeline"
)

// Levels of notification, as pipeline.yaml names them.
const (
	LevelFull     = "FULL_EXECUTION" // run start, each step's start, retry, success or failure, the outcome
	LevelPipeline = "PIPELINE"       // run start and outcome
	LevelFailures = "FAILURES"       // failed, timed out or aborted runs and steps
)

// Channels.
const (
	Slack    = "SLACK"
	Email    = "EMAIL"
	Webhook  = "WEBHOOK"
	OpsGenie = "OPSGENIE"
)

// Settings say whom a workflow's runs are told to, and of what.
type Settings struct {
	Type    string   `json:"type"`
	Targets []Target `json:"targets"`
}

// Target is one channel with its addresses: Slack channels, e-mail
// addresses, webhook URLs or OpsGenie teams.
type Target struct {
	Channel   string   `json:"channel"`
	Addresses []string `json:"addresses"`
	// Connection names the server's connection of the channel ("": the
	// only one of its type).
	Connection string `json:"connection,omitempty"`
	// Template overrides the message (Go templates, see docs/notifications.md).
	Template *Template `json:"template,omitempty"`
}

// Template holds a target's own message templates; empty fields keep the
// default.
type Template struct {
	Subject string `json:"subject,omitempty"` // e-mail subject, OpsGenie message
	Text    string `json:"text,omitempty"`    // the message
}

// FromPipeline converts a pipeline's notifications: section.
func FromPipeline(n *pipeline.Notifications) *Settings {
	if n == nil {
		return nil
	}
	s := &Settings{Type: n.Type}
	for _, t := range n.Targets {
		tg := Target{Channel: t.Channel, Addresses: t.Addresses, Connection: t.Connection}
		if t.Subject != "" || t.Text != "" {
			tg.Template = &Template{Subject: t.Subject, Text: t.Text}
		}
		s.Targets = append(s.Targets, tg)
	}
	return s
}

// ParseSettings reads and checks settings given as JSON (the API's body);
// the error names the field by JSON pointer.
func ParseSettings(body []byte) (*Settings, error) {
	var s Settings
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("the settings are not valid JSON of the expected shape: %v", err)
	}
	return &s, s.Check()
}

// Check validates settings; the error names the field by JSON pointer.
func (s *Settings) Check() error {
	switch s.Type {
	case LevelFull, LevelPipeline, LevelFailures:
	default:
		return fmt.Errorf("/type: %q is not a level; use FULL_EXECUTION, PIPELINE or FAILURES", s.Type)
	}
	if len(s.Targets) == 0 {
		return fmt.Errorf("/targets: at least one target is needed")
	}
	if len(s.Targets) > 20 {
		return fmt.Errorf("/targets: %d targets; at most 20 are allowed", len(s.Targets))
	}
	for i, t := range s.Targets {
		if err := t.Check(); err != nil {
			return fmt.Errorf("/targets/%d%v", i, err)
		}
	}
	return nil
}

// Check validates a target (the error starts with the JSON pointer of
// the field, relative to the target).
func (t *Target) Check() error {
	switch t.Channel {
	case Slack, Email, Webhook, OpsGenie:
	default:
		return fmt.Errorf("/channel: %q is not a channel; use SLACK, EMAIL, WEBHOOK or OPSGENIE", t.Channel)
	}
	if len(t.Addresses) == 0 || len(t.Addresses) > 50 {
		return fmt.Errorf("/addresses: give 1 to 50 addresses")
	}
	for i, a := range t.Addresses {
		if err := CheckAddress(t.Channel, a); err != nil {
			return fmt.Errorf("/addresses/%d: %v", i, err)
		}
	}
	if t.Template != nil {
		if _, err := tmpl.Parse("subject", t.Template.Subject); err != nil {
			return fmt.Errorf("/template/subject: %v", err)
		}
		if _, err := tmpl.Parse("text", t.Template.Text); err != nil {
			return fmt.Errorf("/template/text: %v", err)
		}
	}
	return nil
}

// CheckAddress checks one address of a channel.
func CheckAddress(channel, a string) error {
	if a == "" || len(a) > 512 || strings.ContainsAny(a, "\r\n\x00") {
		return fmt.Errorf("an address must be 1 to 512 characters on one line")
	}
	switch channel {
	case Email:
		if ad, err := mail.ParseAddress(a); err != nil || ad.Address != a {
			return fmt.Errorf("%q is not an e-mail address (write it bare: name@example.com)", a)
		}
	case Webhook:
		if !strings.HasPrefix(a, "https://") && !strings.HasPrefix(a, "http://") {
			return fmt.Errorf("a webhook address must be an http:// or https:// URL")
		}
	}
	return nil
}

// Notification is one message to one destination, as stored (the body of
// a bus intent) until it is delivered.
type Notification struct {
	ID         string `json:"id"`
	Order      int64  `json:"order"` // decision order: delivered in it per destination
	Channel    string `json:"channel"`
	Connection string `json:"connection,omitempty"`
	// Addresses: one Slack channel, webhook URL or OpsGenie team; every
	// address of an e-mail target (one mail to all of them).
	Addresses []string  `json:"addresses"`
	Kind      string    `json:"kind"`
	Workflow  string    `json:"workflow"`          // state machine ARN
	Run       string    `json:"run,omitempty"`     // execution ARN; "" for summaries and tests
	RunName   string    `json:"runName,omitempty"` // for the Slack root's status line
	Status    string    `json:"status,omitempty"`  // the run's status after this
	Failure   bool      `json:"failure,omitempty"` // a failure: broadcast on Slack, an alert on OpsGenie
	Resolve   bool      `json:"resolve,omitempty"` // a recovery: closes the OpsGenie alert
	Alias     string    `json:"alias,omitempty"`   // OpsGenie alias: one alert per workflow
	Title     string    `json:"title"`             // one line: e-mail subject, Slack root, OpsGenie message
	Text      string    `json:"text"`              // the message (Slack mrkdwn-safe plain text)
	Event     any       `json:"event,omitempty"`   // the webhook body's event
	Time      time.Time `json:"time"`
}

// Kinds of notification.
const (
	KindRunStarted    = "run_started"
	KindRunSucceeded  = "run_succeeded"
	KindRunFailed     = "run_failed"
	KindRunTimedOut   = "run_timed_out"
	KindRunAborted    = "run_aborted"
	KindRecovered     = "recovered"
	KindStepStarted   = "step_started"
	KindStepRetry     = "step_retry"
	KindStepSucceeded = "step_succeeded"
	KindStepFailed    = "step_failed"
	KindSummary       = "summary"
	KindTest          = "test"
	KindRule          = "rule"   // an event matched by a rule with a notification target
	KindDigest        = "digest" // e-mail only: several notifications in one mail
)

// lane is the destination a notification is delivered to in order.
func (n *Notification) lane() string {
	switch n.Channel {
	case Email, OpsGenie:
		return n.Channel + "|" + n.Connection
	}
	return n.Channel + "|" + n.Connection + "|" + strings.Join(n.Addresses, ",")
}
