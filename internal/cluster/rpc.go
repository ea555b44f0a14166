package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/engine"
	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/workflow"
)

// The nodes' internal API: one route, POST Path, taking a request and
// answering a reply (or, for op "watch", a stream of updates: relay.go),
// each call signed with the cluster's key (which only
// the holders of the database's credentials can read; see sign.go). It is
// mounted on the server's listener ahead of the public API's
// authentication, and refuses any request without a well-formed signature
// before reading its body: a browser cannot send the header cross-origin
// without a preflight, which the route does not answer.
const Path = "/internal/cluster/v1/call"

// request is one forwarded engine call.
type request struct {
	Op string `json:"op"`
	// To is the base URL of the node the call is sent to (its advertise
	// URL), signed with the rest: a call seen on the network cannot be
	// sent to another node, which would not know its nonce. A node of an
	// older version sends none, which is taken.
	To          string               `json:"to,omitempty"`
	Arn         string               `json:"arn,omitempty"`
	Start       *engine.StartRequest `json:"start,omitempty"`
	ParentToken string               `json:"parentToken,omitempty"`
	Nested      bool                 `json:"nested,omitempty"`
	Token       string               `json:"token,omitempty"`
	Output      string               `json:"output,omitempty"`
	Error       string               `json:"error,omitempty"`
	Cause       string               `json:"cause,omitempty"`
	Step        string               `json:"step,omitempty"`
	Worker      string               `json:"worker,omitempty"`
	Outcome     *outcome             `json:"outcome,omitempty"`
	// Trigger is Start.Trigger, whose numbers encoding/json would turn
	// into float64s: as JSON, read back as the engine reads values.
	Trigger json.RawMessage `json:"trigger,omitempty"`
	// Query and Args are a query's name and arguments (ask.go).
	Query string          `json:"query,omitempty"`
	Args  json.RawMessage `json:"args,omitempty"`
}

// outcome is an engine.TaskOutcome on the wire: its Output as the
// engine's JSON (workflow.MarshalJSON), read back with workflow.ParseJSON,
// so that numbers keep their kind and every digit.
type outcome struct {
	OK     bool            `json:"ok"`
	Output json.RawMessage `json:"output,omitempty"`
	Error  string          `json:"error,omitempty"`
	Cause  string          `json:"cause,omitempty"`
}

func wireOutcome(o engine.TaskOutcome) *outcome {
	w := &outcome{OK: o.OK, Error: o.Error, Cause: o.Cause}
	if o.Output != nil {
		w.Output = workflow.MarshalJSON(o.Output)
	}
	return w
}

func (w *outcome) engine() (engine.TaskOutcome, error) {
	o := engine.TaskOutcome{OK: w.OK, Error: w.Error, Cause: w.Cause}
	if len(w.Output) > 0 {
		v, err := workflow.ParseJSON(w.Output)
		if err != nil {
			return o, apierr.New(apierr.ValidationException, "deliver: the outcome's output: %v", err)
		}
		o.Output = v
	}
	return o, nil
}

// startRequest is a start on the wire (see request.Trigger).
func startRequest(sr engine.StartRequest) (*request, error) {
	req := &request{Op: opStart}
	if sr.Trigger != nil {
		b, err := json.Marshal(sr.Trigger)
		if err != nil {
			return nil, fmt.Errorf("forwarding a start: its trigger: %w", err)
		}
		req.Trigger = b
		sr.Trigger = nil
	}
	req.Start = &sr
	return req, nil
}

const (
	opStart         = "start"
	opStop          = "stop"
	opRedrive       = "redrive"
	opRetryFrom     = "retryFrom"
	opTaskSuccess   = "taskSuccess"
	opTaskFailure   = "taskFailure"
	opTaskHeartbeat = "taskHeartbeat"
	opDeliver       = "deliver"
	opClaim         = "claim"
	opQuery         = "query"
	// opTokenExecution asks which execution a token's open task is of,
	// for a token only the memory of the node running it holds.
	opTokenExecution = "tokenExecution"
	// opPollNow hands out a task of an activity that the engine holds,
	// if any, at once (activities.go: pollElsewhere).
	opPollNow = "pollNow"
)

// reply is a forwarded call's answer.
type reply struct {
	Execution *store.Execution `json:"execution,omitempty"`
	Task      *store.Task      `json:"task,omitempty"`
	Answer    json.RawMessage  `json:"answer,omitempty"` // a query's
	Arn       string           `json:"arn,omitempty"`    // opTokenExecution's
	Err       *replyError      `json:"err,omitempty"`
}

type replyError struct {
	Code    string `json:"code"`
	Status  int    `json:"status"`
	Message string `json:"message"`
}

// maxRequestBytes bounds a forwarded call: a start carries a definition
// and an input, each bounded by the server's payload limits.
const maxRequestBytes = 64 << 20

// Handler serves the internal API for the other nodes, on this node's
// engine only (a call is never forwarded twice), and answers their
// queries (ask.go).
func Handler(eng Engine, key []byte, self string, queries Queries) http.Handler {
	h := newHandler(eng, key)
	h.self, h.queries = strings.TrimRight(self, "/"), queries
	return h
}

// rpcHandler is Handler, with the bounds of its watch streams (relay.go).
type rpcHandler struct {
	eng     Engine
	v       *verifier
	self    string // this node's advertise URL: the To of its calls ("": not checked)
	queries Queries

	beat, ownCheck time.Duration
	watches        atomic.Int64 // watch streams being served
	maxWatches     int64
}

func newHandler(eng Engine, key []byte) *rpcHandler {
	return &rpcHandler{eng: eng, v: newVerifier(key), beat: watchBeat, ownCheck: watchOwnCheck, maxWatches: maxServedWatches}
}

func (h *rpcHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	refuse := func(err error) {
		http.Error(w, "this route is for the nodes of the cluster: "+err.Error(), http.StatusUnauthorized)
	}
	c, err := h.v.verify(r.Header.Get("Authorization"))
	if err != nil {
		refuse(err)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBytes))
	if err != nil {
		http.Error(w, "reading the request: "+err.Error(), http.StatusBadRequest)
		return
	}
	if err := c.body(body); err != nil {
		refuse(err)
		return
	}
	var req request
	if err := json.Unmarshal(body, &req); err != nil {
		http.Error(w, "reading the request: "+err.Error(), http.StatusBadRequest)
		return
	}
	if req.To != "" && h.self != "" && req.To != h.self {
		refuse(errOtherNode)
		return
	}
	if req.Op == opWatch {
		h.serveWatch(w, r, req.Arn)
		return
	}
	var out *reply
	if req.Op == opQuery {
		out = serveQuery(r.Context(), h.eng, h.queries, &req)
	} else {
		out = serve(r.Context(), h.eng, &req)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// serve runs a forwarded call on eng.
func serve(ctx context.Context, eng Engine, req *request) *reply {
	var out reply
	var err error
	switch req.Op {
	case opStart:
		if req.Start == nil {
			err = apierr.New(apierr.ValidationException, "start without a request")
			break
		}
		if len(req.Trigger) > 0 {
			if req.Start.Trigger, err = workflow.ParseJSON(req.Trigger); err != nil {
				err = apierr.New(apierr.ValidationException, "start: its trigger: %v", err)
				break
			}
		}
		if req.Nested {
			out.Execution, err = eng.StartNested(ctx, *req.Start, req.ParentToken)
		} else {
			out.Execution, err = eng.Start(ctx, *req.Start)
		}
	case opStop:
		out.Execution, err = eng.Stop(ctx, req.Arn, req.Error, req.Cause)
	case opRedrive:
		out.Execution, err = eng.Redrive(ctx, req.Arn)
	case opRetryFrom:
		out.Execution, err = eng.RetryFrom(ctx, req.Arn, req.Step)
	case opTaskSuccess:
		err = eng.SendTaskSuccess(ctx, req.Token, req.Output)
	case opTaskFailure:
		err = eng.SendTaskFailure(ctx, req.Token, req.Error, req.Cause)
	case opTaskHeartbeat:
		err = eng.SendTaskHeartbeat(ctx, req.Token)
	case opDeliver:
		if req.Outcome == nil {
			err = apierr.New(apierr.ValidationException, "deliver without an outcome")
			break
		}
		var o engine.TaskOutcome
		if o, err = req.Outcome.engine(); err == nil {
			err = eng.DeliverResult(ctx, req.Token, o)
		}
	case opClaim:
		out.Task, err = eng.ClaimActivityTask(ctx, req.Token, req.Worker)
	case opTokenExecution:
		out.Arn, err = eng.TokenExecution(ctx, req.Token)
	case opPollNow:
		out.Task, err = eng.TakeActivityTask(ctx, req.Arn, req.Worker)
	default:
		err = apierr.New(apierr.ValidationException, "unknown operation %q", req.Op)
	}
	if err != nil {
		out.Execution, out.Task = nil, nil
		out.Err = encodeError(err)
	}
	if out.Execution != nil && out.Execution.Snapshot != nil {
		// The interpreter's state (it may be large) is no caller's business.
		cp := *out.Execution
		cp.Snapshot = nil
		out.Execution = &cp
	}
	return &out
}

func encodeError(err error) *replyError {
	// The engine's not-owner error is an apierr too: its code crosses, and
	// the router that forwarded the call asks the store for the new owner.
	var ae *apierr.Error
	if errors.As(err, &ae) {
		return &replyError{Code: ae.Code, Status: ae.Status, Message: ae.Message}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &replyError{Code: apierr.ServiceUnavailable, Status: http.StatusServiceUnavailable, Message: "the call was cancelled: " + err.Error()}
	}
	return &replyError{Code: apierr.InternalServerError, Status: http.StatusInternalServerError, Message: err.Error()}
}

func (e *replyError) err() error {
	return &apierr.Error{Code: e.Code, Status: e.Status, Message: e.Message}
}

// client calls other nodes.
type client struct {
	http *http.Client
	key  []byte
}

func newClient(key []byte) *client {
	tr := &http.Transport{
		DialContext:           (&net.Dialer{Timeout: 3 * time.Second, KeepAlive: 15 * time.Second}).DialContext,
		MaxIdleConnsPerHost:   32,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: 90 * time.Second,
		// Another node is reached directly, never through the
		// environment's proxy.
		Proxy: nil,
	}
	return &client{http: &http.Client{Transport: tr}, key: key}
}

// call sends req to the node at addr (its base URL).
func (c *client) call(ctx context.Context, addr string, req *request) (*store.Execution, error) {
	out, err := c.do(ctx, addr, req)
	if err != nil {
		return nil, err
	}
	return out.Execution, nil
}

func (c *client) start(ctx context.Context, addr string, sr engine.StartRequest, parentToken string, nested bool) (*store.Execution, error) {
	req, err := startRequest(sr)
	if err != nil {
		return nil, err
	}
	req.ParentToken, req.Nested = parentToken, nested
	return c.call(ctx, addr, req)
}

func (c *client) claim(ctx context.Context, addr, token, worker string) (*store.Task, error) {
	out, err := c.do(ctx, addr, &request{Op: opClaim, Token: token, Worker: worker})
	if err != nil {
		return nil, err
	}
	return out.Task, nil
}

func (c *client) do(ctx context.Context, addr string, req *request) (*reply, error) {
	to := *req
	to.To = strings.TrimRight(addr, "/")
	body, err := json.Marshal(&to)
	if err != nil {
		return nil, err
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(addr, "/")+Path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Authorization", sign(c.key, body, time.Now()))
	resp, err := c.http.Do(hr)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return nil, apierr.New(apierr.ServiceUnavailable, "the cluster's node %s answered %s: %s", addr, resp.Status, strings.TrimSpace(string(msg)))
	}
	var out reply
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxRequestBytes)).Decode(&out); err != nil {
		return nil, fmt.Errorf("reading the answer of the cluster's node %s: %w", addr, err)
	}
	if out.Err != nil {
		return nil, out.Err.err()
	}
	return &out, nil
}
