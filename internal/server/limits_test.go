package server

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// rawConn is a client connection that sends requests by hand.
type rawConn struct {
	net.Conn
	r *bufio.Reader
}

func dial(t *testing.T, addr string) *rawConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawConn{Conn: c, r: bufio.NewReader(c)}
}

// get sends a GET and reads the response (body included, unless it is an
// event stream).
func (c *rawConn) get(t *testing.T, path string) (*http.Response, string) {
	t.Helper()
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", path); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	res, err := http.ReadResponse(c.r, nil)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		return res, ""
	}
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// TestConnectionCapKeepsProbes: past --max-connections, requests get 503
// with Retry-After at once (not a blocked accept), while /healthz and
// /readyz still answer 200; once a connection closes, service resumes.
// Event streams past --max-streams get 503 too.
func TestConnectionCapKeepsProbes(t *testing.T) {
	s, _ := startServer(t, "", HTTPConfig{MaxConnections: 4, MaxStreams: 2})
	addr := s.Addr()
	// Two event streams fill the stream cap.
	for range 2 {
		if res, body := dial(t, addr).get(t, "/api/v1/events"); res.StatusCode != 200 {
			t.Fatalf("stream: %d %s", res.StatusCode, body)
		}
	}
	res, body := dial(t, addr).get(t, "/api/v1/events")
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" || !strings.Contains(body, "--max-streams") {
		t.Fatalf("stream past the cap: %d %v %s", res.StatusCode, res.Header, body)
	}
	// The refused stream's connection stays open; one more, kept alive,
	// fills the connection cap.
	held := dial(t, addr)
	if res, body := held.get(t, "/api/v1/workflows"); res.StatusCode != 200 {
		t.Fatalf("%d %s", res.StatusCode, body)
	}
	start := time.Now()
	over := dial(t, addr)
	res, body = over.get(t, "/api/v1/workflows")
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" || !strings.Contains(body, "--max-connections") {
		t.Fatalf("past the connection cap: %d %v %s", res.StatusCode, res.Header, body)
	}
	if !res.Close {
		t.Errorf("a connection past the cap is kept open")
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if res, body := dial(t, addr).get(t, path); res.StatusCode != 200 {
			t.Fatalf("%s at the cap: %d %s", path, res.StatusCode, body)
		}
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("answers at the cap took %v", d)
	}
	held.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, body := dial(t, addr).get(t, "/api/v1/workflows")
		if res.StatusCode == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no service after a connection closed: %d %s", res.StatusCode, body)
		}
	}
}

// TestSlowBodyCutOff: a body trickled byte by byte is cut off by the read
// timeout (408), on both APIs, instead of holding the connection.
func TestSlowBodyCutOff(t *testing.T) {
	const readTimeout = 300 * time.Millisecond
	s, _ := startServer(t, "", HTTPConfig{ReadTimeout: readTimeout})
	for _, tc := range []struct{ path, headers string }{
		{"/api/v1/workflows", "Content-Type: application/json\r\n"},
		{"/", "Content-Type: application/x-amz-json-1.0\r\nX-Amz-Target: AWSStepFunctions.ListActivities\r\n"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			c := dial(t, s.Addr())
			start := time.Now()
			fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%sContent-Length: 100000\r\n\r\n{", tc.path, tc.headers)
			done := make(chan struct{})
			defer close(done)
			go func() { // one byte every 50 ms, until the server hangs up
				tick := time.NewTicker(50 * time.Millisecond)
				defer tick.Stop()
				for {
					select {
					case <-done:
						return
					case <-tick.C:
						if _, err := c.Write([]byte(" ")); err != nil {
							return
						}
					}
				}
			}()
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
			res, err := http.ReadResponse(c.r, nil)
			if err != nil {
				t.Fatalf("no answer to a trickled body after %v: %v", time.Since(start), err)
			}
			b, _ := io.ReadAll(res.Body)
			if res.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(b), "--read-timeout") {
				t.Fatalf("%d %s", res.StatusCode, b)
			}
			if d := time.Since(start); d > readTimeout+2*time.Second {
				t.Fatalf("cut off after %v", d)
			}
			// The server closes the connection (EOF, or a reset since the
			// client still writes), rather than waiting for the rest.
			var ne net.Error
			if _, err := io.ReadAll(c.r); errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("connection not closed: %v", err)
			}
		})
	}
}

// TestLongRequestsOutliveTimeouts: long polls, waits and event streams are
// not cut off by the read and write timeouts that bound other requests.
func TestLongRequestsOutliveTimeouts(t *testing.T) {
	const timeout = 200 * time.Millisecond
	s, _ := startServer(t, "", HTTPConfig{ReadTimeout: timeout, WriteTimeout: timeout})
	addr := s.Addr()
	jsonHdr := map[string]string{"Content-Type": "application/json"}
	if status, body, _ := call(t, addr, "POST", "/api/v1/activities", "", jsonHdr, `{"name":"act"}`); status != 200 {
		t.Fatalf("create activity: %d %v", status, body)
	}
	// An event stream opened now must still deliver after the timeouts.
	stream := dial(t, addr)
	if res, _ := stream.get(t, "/api/v1/events"); res.StatusCode != 200 {
		t.Fatalf("stream: %d", res.StatusCode)
	}
	// A long poll of 1 s (5 timeouts) ends with 204, not an error.
	start := time.Now()
	status, body, _ := call(t, addr, "POST", "/api/v1/activities/act/poll?wait=1s", "", jsonHdr, `{}`)
	if status != http.StatusNoContent || time.Since(start) < time.Second {
		t.Fatalf("long poll: %d %v after %v", status, body, time.Since(start))
	}
	// StartSyncExecution of an Express workflow that waits 1 s.
	def := `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"End":true}}}`
	sfn := func(op string) map[string]string {
		return map[string]string{"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AWSStepFunctions." + op}
	}
	status, body, _ = call(t, addr, "POST", "/", "", sfn("CreateStateMachine"),
		`{"name":"slow","type":"EXPRESS","roleArn":"arn:aws:iam::123456789012:role/r","definition":`+quoteJSON(def)+`}`)
	if status != 200 {
		t.Fatalf("create: %d %v", status, body)
	}
	status, body, _ = call(t, addr, "POST", "/", "", sfn("StartSyncExecution"), `{"stateMachineArn":"`+body["stateMachineArn"].(string)+`"}`)
	if status != 200 || body["status"] != "SUCCEEDED" {
		t.Fatalf("StartSyncExecution: %d %v", status, body)
	}
	// The stream opened before all this still delivers.
	if status, body, _ := call(t, addr, "POST", "/api/v1/workflows", "", jsonHdr, `{"name":"wf","definition":`+passDef+`}`); status != 201 {
		t.Fatalf("deploy: %d %v", status, body)
	}
	if status, body, _ := call(t, addr, "POST", "/api/v1/workflows/wf/executions", "", jsonHdr, `{}`); status != 201 {
		t.Fatalf("start: %d %v", status, body)
	}
	_ = stream.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		line, err := stream.r.ReadString('\n')
		if err != nil {
			t.Fatalf("the stream ended: %v", err)
		}
		if strings.HasPrefix(line, "event: execution") {
			break
		}
	}
}

func quoteJSON(s string) string {
	return fmt.Sprintf("%q", s) // the definition holds no characters Go and JSON escape differently
}

// TestDefaultLimits: the default connection cap stays under the file
// descriptor limit, and the stream cap under the connection cap.
func TestDefaultLimits(t *testing.T) {
	conns, streams := DefaultLimits()
	if conns < 1 || conns > maxDefaultConnections || streams < 1 || streams > conns/2+1 {
		t.Fatalf("defaults %d connections, %d streams", conns, streams)
	}
}

// TestIdleConnectionClosed: a keep-alive connection left idle is closed
// after the idle timeout, giving its slot back.
func TestIdleConnectionClosed(t *testing.T) {
	const idle = 200 * time.Millisecond
	s, _ := startServer(t, "", HTTPConfig{IdleTimeout: idle})
	c := dial(t, s.Addr())
	if res, body := c.get(t, "/healthz"); res.StatusCode != 200 {
		t.Fatalf("%d %s", res.StatusCode, body)
	}
	start := time.Now()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.r.ReadByte(); !errors.Is(err, io.EOF) {
		t.Fatalf("idle connection: %v after %v", err, time.Since(start))
	}
	if d := time.Since(start); d > idle+2*time.Second {
		t.Fatalf("closed after %v", d)
	}
}

// TestIdleFloodKeepsProbes: connections that send nothing, far past
// --max-connections and its headroom for probes, do not shut /healthz
// out (they were closed at accept once the headroom was full of them).
func TestIdleFloodKeepsProbes(t *testing.T) {
	s, _ := startServer(t, "", HTTPConfig{MaxConnections: 4})
	for range 4 + probeHeadroom + 20 {
		dial(t, s.Addr())
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if res, body := dial(t, s.Addr()).get(t, path); res.StatusCode != 200 {
			t.Fatalf("%s under a flood of idle connections: %d %s", path, res.StatusCode, body)
		}
	}
	if res, body := dial(t, s.Addr()).get(t, "/api/v1/workflows"); res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("past the cap: %d %s", res.StatusCode, body)
	}
}

// TestLargeHeadersRefused: headers past --max-header-bytes get 431 (net/http
// alone took 1 MiB of headers per connection).
func TestLargeHeadersRefused(t *testing.T) {
	s, _ := startServer(t, "", HTTPConfig{})
	c := dial(t, s.Addr())
	fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: %s\r\n\r\n", strings.Repeat("a", DefaultMaxHeaderBytes+8<<10))
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	res, err := http.ReadResponse(c.r, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("%d KiB of headers: %d, want 431", (DefaultMaxHeaderBytes+8<<10)>>10, res.StatusCode)
	}
}

// TestBodyMemoryBudget: the bodies being received, all requests together,
// are bounded by --max-body-memory: past it a request gets 503 with
// Retry-After, on both APIs (400 bodies of 4 MB held 2.3 GB); once the
// held body's request ends, requests are served again.
func TestBodyMemoryBudget(t *testing.T) {
	s, _ := startServer(t, "", HTTPConfig{MaxBodyMemory: 64 << 10})
	var held net.Conn
	var heldAt time.Time
	hold := func() {
		heldAt = time.Now()
		held = dial(t, s.Addr())
		fmt.Fprintf(held, "POST /api/v1/activities HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", 60<<10, strings.Repeat(" ", 50<<10))
	}
	hold()
	// refused reports whether the held request was answered or its
	// connection closed (under -race on a loaded machine it can lose the
	// race for the budget to a request of the test): hold another.
	refused := func() bool {
		held.SetReadDeadline(time.Now().Add(time.Millisecond))
		n, err := held.Read(make([]byte, 1))
		held.SetReadDeadline(time.Time{})
		return n > 0 || errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.ECONNRESET)
	}
	body := `{"name":"a"}` + strings.Repeat(" ", 20<<10)
	post := func(path, ct, target string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, "http://"+s.Addr()+path, strings.NewReader(body))
		req.Header.Set("Content-Type", ct)
		req.Header.Set("X-Amz-Target", target)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode == http.StatusServiceUnavailable && (res.Header.Get("Retry-After") == "" || !strings.Contains(string(b), "--max-body-memory")) {
			t.Fatalf("503 without Retry-After or the flag: %v %s", res.Header, b)
		}
		return res
	}
	native := func() int { return post("/api/v1/activities", "application/json", "").StatusCode }
	sfn := func() int {
		return post("/", "application/x-amz-json-1.0", "AWSStepFunctions.CreateActivity").StatusCode
	}
	waitFor := func(want int, call func() int) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second) // a loaded machine (-race, CI) takes its time to read the held body
		for got := call(); got != want; got = call() {
			if time.Now().After(deadline) {
				t.Fatalf("status %d, want %d", got, want)
			}
			// Under -race on a loaded machine the held request was seen to
			// reach its handler only after many seconds (it then lost the
			// budget to a poll): hold it again on a new connection.
			if want == http.StatusServiceUnavailable && (refused() || time.Since(heldAt) > 3*time.Second) {
				held.Close()
				hold()
			}
			// Polling, with the deadline above: a tight loop of requests
			// under -race starved the server's reading of the held body.
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitFor(http.StatusServiceUnavailable, native) // once the held body is read
	if got := sfn(); got != http.StatusServiceUnavailable {
		t.Errorf("Step Functions API past the budget: %d, want 503", got)
	}
	held.Close()
	waitFor(http.StatusOK, sfn)
}
