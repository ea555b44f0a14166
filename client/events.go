package client

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// sseEvent is one server-sent event.
type sseEvent struct {
	id, name string
	data     []byte
}

// readSSE calls fn for every event of a stream until it ends, fn fails or
// the reader fails.
func readSSE(r io.Reader, fn func(sseEvent) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20) // events carry payloads up to 256 KiB, escaped
	var ev sseEvent
	var data []string
	hasData := false
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			if hasData || ev.name != "" {
				ev.data = []byte(strings.Join(data, "\n"))
				if err := fn(ev); err != nil {
					return err
				}
			}
			ev, data, hasData = sseEvent{}, nil, false
			continue
		}
		if strings.HasPrefix(line, ":") {
			continue // a comment: heartbeat
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "id":
			ev.id = value
		case "event":
			ev.name = value
		case "data":
			data, hasData = append(data, value), true
		}
	}
	return sc.Err()
}

// errStreamEnded ends reading a stream after its last event.
var errStreamEnded = errors.New("stream ended")

// stream opens an event stream at path and reads it with fn.
func (c *Client) stream(ctx context.Context, path string, q url.Values, lastID string, fn func(sseEvent) error) error {
	req, err := c.request(ctx, "GET", path, q, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "text/event-stream")
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	res, err := c.send(req)
	if err != nil {
		var apiErr *APIError
		if errors.As(err, &apiErr) || ctx.Err() != nil {
			return err
		}
		return transportError{err}
	}
	defer res.Body.Close()
	var fnErr error
	err = readSSE(res.Body, func(ev sseEvent) error {
		fnErr = fn(ev)
		return fnErr
	})
	switch {
	case fnErr != nil:
		return fnErr
	case ctx.Err() != nil:
		return ctx.Err()
	case err != nil:
		return transportError{err}
	}
	return transportError{io.EOF} // closed without a last event
}

// FollowExecution calls fn for every history event of an execution, oldest
// first, from the one after event id after (0: from the start), as the
// events are stored, and returns the execution once it has ended. A
// dropped connection is resumed where it stopped; fn's error ends the
// follow and is returned.
//
//	ex, err := c.FollowExecution(ctx, arn, 0, func(ev client.HistoryEvent) error {
//		if ev.Type == "TaskStateEntered" {
//			fmt.Println("entered", ev.Detail("name"))
//		}
//		return nil
//	})
func (c *Client) FollowExecution(ctx context.Context, arn string, after int64, fn func(HistoryEvent) error) (*Execution, error) {
	last := after
	var final *Execution
	err := resume(ctx, func() (bool, error) {
		lastID := ""
		if last > 0 {
			lastID = strconv.FormatInt(last, 10)
		}
		got := false
		err := c.stream(ctx, executionPath(arn, "/events"), nil, lastID, func(ev sseEvent) error {
			got = true
			switch ev.name {
			case "history":
				var h HistoryEvent
				if err := json.Unmarshal(ev.data, &h); err != nil {
					return fmt.Errorf("decoding a history event: %w", err)
				}
				if h.ID != 0 && h.ID <= last {
					return nil // seen before a reconnection
				}
				if err := fn(h); err != nil {
					return err
				}
				last = max(last, h.ID)
			case "end":
				var ex Execution
				if err := json.Unmarshal(ev.data, &ex); err != nil {
					return fmt.Errorf("decoding the end of the stream: %w", err)
				}
				final = &ex
				return errStreamEnded
			}
			return nil
		})
		if final != nil {
			return got, nil
		}
		return got, err
	})
	if err != nil {
		return nil, err
	}
	return final, nil
}

// resume runs a stream until it ends (once returns a nil error), fails for
// another reason than the connection, or ctx ends. A dropped connection is
// opened again, with back-off while it yields nothing; once tells whether
// it got any event.
func resume(ctx context.Context, once func() (got bool, err error)) error {
	backoff := 100 * time.Millisecond
	for {
		got, err := once()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !isTransport(err) {
			return err
		}
		if got {
			backoff = 100 * time.Millisecond
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

// transportError marks errors of the connection, after which a stream is
// resumed.
type transportError struct{ err error }

func (e transportError) Error() string { return e.err.Error() }
func (e transportError) Unwrap() error { return e.err }

func isTransport(err error) bool {
	var t transportError
	return errors.As(err, &t)
}

// ExecutionUpdate tells that an execution's status changed.
type ExecutionUpdate struct {
	ExecutionArn    string `json:"executionArn"`
	StateMachineArn string `json:"stateMachineArn"`
	Status          string `json:"status"`
	LastEventID     int64  `json:"lastEventId"`
	Time            Time   `json:"time"`
}

// WatchExecutions calls fn for every status change of every execution (of
// one workflow when workflow is not ""), until ctx ends or fn fails. It
// returns ctx's error or fn's.
func (c *Client) WatchExecutions(ctx context.Context, workflow string, fn func(ExecutionUpdate) error) error {
	var q url.Values
	if workflow != "" {
		q = url.Values{"workflow": {workflow}}
	}
	for {
		err := c.stream(ctx, "/events", q, "", func(ev sseEvent) error {
			if ev.name != "execution" {
				return nil
			}
			var u ExecutionUpdate
			if err := json.Unmarshal(ev.data, &u); err != nil {
				return fmt.Errorf("decoding an execution update: %w", err)
			}
			return fn(u)
		})
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !isTransport(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}
