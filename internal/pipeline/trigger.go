package pipeline

import (
	"fmt"
	"path"
	"strings"
	"time"
	_ "time/tzdata" // time zones of schedules, on hosts without a zoneinfo database

	"github.com/batonhq/baton/internal/events/schedule"
	"github.com/batonhq/baton/internal/notify/tmpl"
)

// The trigger: and notifications: sections.

var (
	scheduleFields   = []string{"cron", "minute", "hour", "day", "weekday", "month", "timezone", "overlap", "catchup", "catchup_window", "jitter", "start", "end"}
	overlapPolicies  = []string{"skip", "buffer_one", "buffer_all", "cancel_other", "terminate_other", "allow_all"}
	runStatuses      = []string{"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "SUCCESS"}
	channels         = []string{"SLACK", "EMAIL", "WEBHOOK", "OPSGENIE"}
	notificationKind = []string{"FULL_EXECUTION", "PIPELINE", "FAILURES"}
)

func (p *parser) trigger(o obj) *Trigger {
	to, ok := o.object("trigger")
	if !ok {
		return nil
	}
	to.allowOnly("schedule", "executions", "data", "event")
	t := &Trigger{}
	switch s := to.get("schedule").(type) {
	case nil:
	case []any:
		for i, e := range s {
			t.Schedules = append(t.Schedules, p.schedule(e, fmt.Sprintf("%s/%d", to.at("schedule"), i)))
		}
	default:
		t.Schedules = append(t.Schedules, p.schedule(s, to.at("schedule")))
	}
	if eo, ok := to.object("executions"); ok {
		eo.allowOnly("allOf", "anyOf", "operator", "window", "match")
		et := &ExecutionsTrigger{Operator: "AND", Match: "any"}
		et.AllOf = p.conditions(eo, "allOf")
		et.AnyOf = p.conditions(eo, "anyOf")
		if len(et.AllOf)+len(et.AnyOf) == 0 {
			p.reportAt(eo.ptr, CodeSchema, "An executions trigger needs at least one condition in allOf or anyOf")
		}
		if op, ok := eo.enum("operator", "AND", "OR"); ok {
			et.Operator = op
		}
		et.Window = eo.duration("window")
		if m, ok := eo.enum("match", "any", "logical_date"); ok {
			et.Match = m
		}
		t.Executions = et
	}
	if da, ok := to.array("data"); ok {
		for i, e := range da {
			ptr := fmt.Sprintf("%s/%d", to.at("data"), i)
			d, ok := p.object(e, ptr, "")
			if !ok {
				continue
			}
			d.allowOnly("path", "batch", "connection")
			d.require("path")
			dt := DataTrigger{BatchSize: 1}
			dt.Path, _ = d.static("path")
			dt.Connection, _ = d.static("connection")
			checkScheme(d, "path", dt.Path, "file://", "s3://")
			checkWatchPath(d, dt)
			if b, ok := d.object("batch"); ok {
				b.allowOnly("size", "window")
				if n, ok := b.integer("size", 1, 100_000); ok {
					dt.BatchSize = n
				}
				if b.has("window") && b.get("window") != "0s" && b.get("window") != int64(0) {
					dt.BatchWindow = b.duration("window")
				}
			}
			t.Data = append(t.Data, dt)
		}
	}
	if ev, ok := to.object("event"); ok {
		ev.allowOnly("pattern")
		ev.require("pattern")
		if pat, ok := ev.object("pattern"); ok {
			if len(pat.m) == 0 {
				p.reportAt(pat.ptr, CodeSchema, "An event pattern must match on at least one field")
			}
			p.checkPattern(pat)
			t.Event = &EventTrigger{Pattern: pat.m}
		}
	}
	return t
}

// checkWatchPath checks what a data trigger watches: an absolute
// directory (no step's working directory to be relative to) or a bucket
// read through a connection, and a pattern in the last segment only, as
// the wait_for step lists it.
func checkWatchPath(d obj, dt DataTrigger) {
	scheme, rest, _ := strings.Cut(dt.Path, "://")
	dir, last := path.Split(rest)
	switch {
	case scheme == "file" && !strings.HasPrefix(rest, "/"):
		d.errorf("path", "A data trigger watches an absolute directory: write file:///srv/landing/*.csv (three slashes), not %s", clip(dt.Path))
	case scheme == "s3" && dt.Connection == "":
		d.errorf("path", "An s3:// path is listed through a connection: add connection: NAME, an s3 connection of the server's --config file")
	case scheme != "file" && scheme != "s3":
	case last == "":
		d.errorf("path", "The path %s ends with /: give a file name or a pattern (*.csv) as its last segment", clip(dt.Path))
	case strings.ContainsAny(dir, "*?["):
		d.errorf("path", "Only the last segment of %s may hold wildcards (* ? [...])", clip(dt.Path))
	default:
		if _, err := path.Match(last, ""); err != nil {
			d.errorf("path", "The pattern %s is malformed: %v", clip(last), err)
		}
	}
}

// checkPattern checks the shape of an EventBridge pattern: every leaf is a
// list of values or matchers.
func (p *parser) checkPattern(o obj) {
	for _, k := range o.keys() {
		switch v := o.get(k).(type) {
		case []any:
		case map[string]any:
			sub, _ := p.object(v, o.at(k), "")
			p.checkPattern(sub)
		default:
			o.errorf(k, "In an event pattern, '%s' must be a list of values to match (e.g. [%v]) or a nested pattern", clip(k), v)
		}
	}
}

func (p *parser) schedule(v any, ptr string) Schedule {
	var s Schedule
	o, ok := p.object(v, ptr, "A schedule")
	if !ok {
		return s
	}
	o.allowOnly(scheduleFields...)
	short, shortOK := false, true
	for _, f := range []struct {
		key    string
		lo, hi int64
		dst    **int
	}{{"minute", 0, 59, &s.Minute}, {"hour", 0, 23, &s.Hour}, {"day", 1, 31, &s.Day}, {"weekday", 0, 6, &s.Weekday}, {"month", 1, 12, &s.Month}} {
		if n, ok := o.integer(f.key, f.lo, f.hi); ok {
			*f.dst = &n
			short = true
		} else if o.has(f.key) {
			short, shortOK = true, false
		}
	}
	if c, ok := o.static("cron"); ok {
		s.Cron = c
		if short {
			p.reportKey(o.at("cron"), CodeSchema, "A schedule is either cron or the shorthand (minute, hour, day, weekday, month), not both")
		} else if _, err := schedule.Parse(c); err != nil {
			o.errorf("cron", "%s", err)
		}
	} else if short && shortOK {
		// The fields are each in range; Shorthand refuses what they say
		// together (day with weekday).
		if _, err := schedule.Shorthand(s.Minute, s.Hour, s.Day, s.Weekday, s.Month); err != nil {
			o.errorf("weekday", "%s", err)
		}
	} else if !short && !o.has("cron") {
		p.reportAt(ptr, CodeSchema, "A schedule needs cron (cron(...), rate(...), at(...) or 5-field cron) or the shorthand (minute, hour, day, weekday, month)")
	}
	if tz, ok := o.static("timezone"); ok {
		if _, err := time.LoadLocation(tz); err != nil || tz == "" || tz == "Local" {
			o.errorf("timezone", "Unknown time zone '%s': use an IANA name such as UTC or Europe/Berlin", clip(tz))
		}
		s.Timezone = tz
	}
	s.Overlap, _ = o.enum("overlap", overlapPolicies...)
	s.Catchup, _ = o.enum("catchup", "none", "latest", "all")
	s.CatchupWindow = o.duration("catchup_window")
	if o.has("jitter") && o.get("jitter") != "0s" && o.get("jitter") != int64(0) {
		s.Jitter = o.duration("jitter")
	}
	for _, k := range []string{"start", "end"} {
		switch v := o.get(k).(type) {
		case nil:
		case string:
			tm, err := time.Parse(time.RFC3339, v)
			if err != nil {
				o.errorf(k, "The field '%s' must be an RFC 3339 time such as 2026-01-01T00:00:00Z", k)
				continue
			}
			if k == "start" {
				s.Start = &tm
			} else {
				s.End = &tm
			}
		default:
			o.errorf(k, "The field '%s' must be an RFC 3339 time such as 2026-01-01T00:00:00Z", k)
		}
	}
	if s.Start != nil && s.End != nil && !s.End.After(*s.Start) {
		o.errorf("end", "The schedule ends before it starts")
	}
	return s
}

// conditions reads allOf or anyOf.
func (p *parser) conditions(o obj, key string) []UpstreamCondition {
	a, ok := o.array(key)
	if !ok {
		return nil
	}
	var out []UpstreamCondition
	for i, e := range a {
		ptr := fmt.Sprintf("%s/%d", o.at(key), i)
		c, ok := p.object(e, ptr, "")
		if !ok {
			continue
		}
		c.allowOnly("name", "namespace", "account", "status")
		c.require("name")
		var u UpstreamCondition
		u.Name = c.nonEmpty("name")
		if u.Name != "" && !nameRE.MatchString(u.Name) {
			c.errorf("name", "The pipeline name '%s' must be 1 to 80 letters, digits, '-' or '_'", clip(u.Name))
		}
		if c.exclusive("namespace", "account") {
			for _, k := range []string{"namespace", "account"} {
				if ns, ok := c.static(k); ok {
					u.Namespace = ns
					if !nameRE.MatchString(ns) {
						c.errorf(k, "The namespace '%s' must be 1 to 80 letters, digits, '-' or '_'", clip(ns))
					}
				}
			}
		}
		if c.has("status") {
			for k, st := range c.stringList("status", true) {
				if st == "SUCCESS" {
					st = "SUCCEEDED"
				} else if !contains(runStatuses, st) {
					p.reportAt(fmt.Sprintf("%s/status/%d", ptr, k), CodeSchema, "Unknown status '%s': use SUCCEEDED, FAILED, TIMED_OUT or ABORTED%s", clip(st), p.didYouMean(strings.ToUpper(st), runStatuses))
					continue
				}
				u.Status = append(u.Status, st)
			}
		} else {
			u.Status = []string{"SUCCEEDED"}
		}
		out = append(out, u)
	}
	return out
}

func (p *parser) notifications(o obj) *Notifications {
	no, ok := o.object("notifications")
	if !ok {
		return nil
	}
	no.allowOnly("type", "targets")
	n := &Notifications{Type: "PIPELINE"}
	if t, ok := no.enum("type", notificationKind...); ok {
		n.Type = t
	}
	no.require("targets")
	ta, _ := no.array("targets")
	for i, e := range ta {
		ptr := fmt.Sprintf("%s/%d", no.at("targets"), i)
		to, ok := p.object(e, ptr, "")
		if !ok {
			continue
		}
		to.allowOnly("channel", "addresses", "connection", "template")
		to.require("channel", "addresses")
		var t NotificationTarget
		t.Channel, _ = to.enum("channel", channels...)
		t.Addresses = to.stringList("addresses", true)
		t.Connection, _ = to.str("connection")
		if tp, ok := to.object("template"); ok {
			tp.allowOnly("subject", "text")
			for _, f := range []struct {
				key string
				dst *string
			}{{"subject", &t.Subject}, {"text", &t.Text}} {
				src, ok := tp.str(f.key)
				if !ok {
					continue
				}
				if _, err := tmpl.Parse(f.key, src); err != nil {
					tp.errorf(f.key, "The template is not valid: %v", err)
					continue
				}
				*f.dst = src
			}
		}
		if to.has("addresses") && len(t.Addresses) == 0 {
			to.errorf("addresses", "The field 'addresses' must list at least one address")
		}
		for k, a := range t.Addresses {
			aptr := fmt.Sprintf("%s/addresses/%d", ptr, k)
			switch {
			case t.Channel == "EMAIL" && !strings.Contains(a, "@"):
				p.reportAt(aptr, CodeSchema, "'%s' is not an e-mail address", clip(a))
			case t.Channel == "WEBHOOK" && !strings.HasPrefix(a, "https://") && !strings.HasPrefix(a, "http://"):
				p.reportAt(aptr, CodeSchema, "A webhook address must be an http:// or https:// URL")
			case a == "":
				p.reportAt(aptr, CodeSchema, "An address must not be empty")
			}
		}
		n.Targets = append(n.Targets, t)
	}
	return n
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
