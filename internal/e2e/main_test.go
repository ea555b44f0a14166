package e2e

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// binPath is the baton binary TestMain builds.
var binPath string

var soakFlag = flag.Bool("baton.soak", false, "run the long crash soak test (also BATON_SOAK=1)")

// roleArn is the role every test state machine gets (Baton checks its shape only).
const roleArn = "arn:aws:iam::123456789012:role/baton-e2e"

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	root, err := moduleRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 2
	}
	tmp, err := os.MkdirTemp("", "baton-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 2
	}
	defer os.RemoveAll(tmp)
	binPath = filepath.Join(tmp, "baton")
	args := []string{"build", "-o", binPath}
	if os.Getenv("BATON_E2E_RACE") == "1" {
		args = append(args, "-race")
	}
	args = append(args, "./cmd/baton")
	build := exec.Command("go", args...)
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: go %s in %s: %v\n%s", strings.Join(args, " "), root, err, out)
		return 2
	}
	return m.Run()
}

// moduleRoot is the nearest directory above the working directory (the
// package directory under go test) with a go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// syncBuffer is a bytes.Buffer safe for the process's stderr copier and
// the test reading it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// server is a `baton server` process on a fixed port and data directory
// that can be killed and started again.
type server struct {
	t       testing.TB
	dataDir string
	addr    string
	url     string
	logs    *syncBuffer
	args    []string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
	err  error         // cmd.Wait's error, once done is closed
	runs int
}

// newServer reserves a port and a data directory and starts a server. It
// is killed when the test ends; its log is printed when the test failed.
func newServer(t testing.TB, extraArgs ...string) *server {
	t.Helper()
	s := newServerNotStarted(t, extraArgs...)
	s.start()
	return s
}

// newServerNotStarted is newServer without the start.
func newServerNotStarted(t testing.TB, extraArgs ...string) *server {
	t.Helper()
	s := &server{t: t, dataDir: filepath.Join(t.TempDir(), "data"), addr: freeAddr(t), logs: &syncBuffer{}, args: extraArgs}
	s.url = "http://" + s.addr
	t.Cleanup(func() {
		s.mu.Lock()
		running := s.cmd != nil
		s.mu.Unlock()
		if running {
			s.kill()
		}
		logs := s.logs.String()
		if strings.Contains(logs, "WARNING: DATA RACE") {
			t.Errorf("the server reported a data race (see its log)")
		}
		if t.Failed() || os.Getenv("BATON_E2E_VERBOSE") == "1" {
			t.Logf("server log (%s, %d runs):\n%s", s.dataDir, s.runs, tail(logs, 400))
		}
	})
	return s
}

// freeAddr is a loopback address with a port nobody listens on right now.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("reserving a port: %v", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) <= n {
		return s
	}
	return fmt.Sprintf("[... %d lines before]\n%s", len(lines)-n, strings.Join(lines[len(lines)-n:], "\n"))
}

// start starts the process and waits until /readyz answers 200.
func (s *server) start() {
	s.t.Helper()
	s.launch()
	s.waitReady(30 * time.Second)
}

// launch starts the process without waiting for it to be ready.
func (s *server) launch() {
	s.t.Helper()
	s.mu.Lock()
	if s.cmd != nil {
		s.mu.Unlock()
		s.t.Fatalf("server already running")
	}
	s.runs++
	fmt.Fprintf(s.logs, "===== start #%d at %s =====\n", s.runs, time.Now().Format(time.TimeOnly+".000"))
	args := append([]string{"server", "--listen", s.addr, "--data-dir", s.dataDir, "--log-format", "text"}, s.args...)
	cmd := exec.Command(binPath, args...)
	cmd.Stdout = s.logs
	cmd.Stderr = s.logs
	// A shell task's child that outlives a killed server keeps the pipe
	// open; do not let it hold up Wait.
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		s.mu.Unlock()
		s.t.Fatalf("starting %s: %v", binPath, err)
	}
	done := make(chan struct{})
	s.cmd, s.done = cmd, done
	go func() {
		err := cmd.Wait()
		s.mu.Lock()
		s.err = err
		s.mu.Unlock()
		close(done)
	}()
	s.mu.Unlock()
}

// waitReady waits up to d for /readyz to answer 200.
func (s *server) waitReady(d time.Duration) {
	s.t.Helper()
	s.mu.Lock()
	done := s.done
	s.mu.Unlock()
	deadline := time.Now().Add(d)
	client := &http.Client{Timeout: time.Second}
	for {
		select {
		case <-done:
			s.t.Fatalf("server exited before it was ready: %v\n%s", s.exitErr(), tail(s.logs.String(), 100))
		default:
		}
		resp, err := client.Get(s.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("server on %s not ready after %v (last: %v)\n%s", s.addr, d, err, tail(s.logs.String(), 100))
		}
		time.Sleep(20 * time.Millisecond) // poll interval
	}
}

func (s *server) exitErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// kill SIGKILLs the process and waits for it to be gone.
func (s *server) kill() {
	s.t.Helper()
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd == nil {
		s.t.Fatalf("kill: server not running")
		return
	}
	fmt.Fprintf(s.logs, "===== SIGKILL at %s =====\n", time.Now().Format(time.TimeOnly+".000"))
	if err := cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		s.t.Fatalf("kill: %v", err)
	}
	s.wait(done, 10*time.Second)
}

// stop sends SIGTERM and expects a clean exit (status 0) within 30 s.
func (s *server) stop() {
	s.t.Helper()
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd == nil {
		s.t.Fatalf("stop: server not running")
		return
	}
	fmt.Fprintf(s.logs, "===== SIGTERM at %s =====\n", time.Now().Format(time.TimeOnly+".000"))
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		s.t.Fatalf("SIGTERM: %v", err)
	}
	s.wait(done, 30*time.Second)
	if err := s.exitErr(); err != nil {
		s.t.Fatalf("server did not exit cleanly on SIGTERM: %v\n%s", err, tail(s.logs.String(), 100))
	}
}

// waitFailed waits up to d for the process to exit by itself, which it
// must do with a failure (a status its supervisor restarts it on).
func (s *server) waitFailed(d time.Duration) {
	s.t.Helper()
	s.mu.Lock()
	done := s.done
	s.mu.Unlock()
	select {
	case <-done:
		if s.exitErr() == nil {
			s.t.Errorf("the server exited 0, want a failure its supervisor restarts")
		}
	case <-time.After(d):
		s.t.Fatalf("the server did not exit within %v", d)
	}
	s.wait(done, time.Second)
}

// waitLogged waits up to d until the server's log holds text.
func (s *server) waitLogged(d time.Duration, text string) {
	s.t.Helper()
	waitFor(s.t, d, fmt.Sprintf("the server to log %q", text), func() (bool, string) {
		return strings.Contains(s.logs.String(), text), "not yet"
	})
}

func (s *server) wait(done chan struct{}, d time.Duration) {
	s.t.Helper()
	select {
	case <-done:
	case <-time.After(d):
		s.t.Fatalf("server did not exit within %v", d)
	}
	s.mu.Lock()
	s.cmd, s.done = nil, nil
	s.mu.Unlock()
}

// newClient is a Step Functions client for the server. With retries false
// the SDK does not retry: the crash test retries by itself, and the SDK's
// retry quota would otherwise run dry while the server is down.
func newClient(url string, retries bool) *sfn.Client {
	return newClientVia(url, retries, http.DefaultTransport.(*http.Transport).Clone())
}

// newClientVia is newClient sending its requests through rt.
func newClientVia(url string, retries bool, rt http.RoundTripper) *sfn.Client {
	opts := sfn.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider("k", "s", ""),
		APIOptions:   []func(*middleware.Stack) error{disableHostPrefix},
		HTTPClient:   &http.Client{Transport: ownBody{rt}},
	}
	if !retries {
		opts.Retryer = aws.NopRetryer{}
	}
	return sfn.New(opts)
}

// ownBody gives the transport a request body of its own. smithy-go's
// ClientHandler closes the request body as soon as client.Do returns; when
// the response (here: histories over 4 KiB) arrives before net/http's
// write loop is done with that body, the write loop fails and closes the
// connection, and reading the rest of the response fails with "use of closed
// network connection" (seen with Go 1.26, smithy-go v1.28.8; reproduced with
// a bare net/http client that closes its request body after Do). A copy
// the SDK cannot close avoids it. This is on the client side, not Baton's.
type ownBody struct{ next http.RoundTripper }

func (o ownBody) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return o.next.RoundTrip(r)
	}
	b, err := io.ReadAll(r.Body)
	r.Body.Close()
	if err != nil {
		return nil, err
	}
	r = r.Clone(r.Context())
	r.Body = io.NopCloser(bytes.NewReader(b))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	r.ContentLength = int64(len(b))
	return o.next.RoundTrip(r)
}

// disableHostPrefix stops the SDK from sending StartSyncExecution (and
// TestState) to "sync-<host>" ("sync-127.0.0.1" does not resolve). The
// sfn package's endpointPrefix_opStartSyncExecutionMiddleware skips the
// prefix when smithyhttp.IsEndpointHostPrefixDisabled(ctx) is true; that is a
// stack value, so an Initialize middleware sets it for every operation.
// (Neither sfn.Options nor BaseEndpoint has a switch for it in
// sfn v1.41.2; the v1-style EndpointResolver with HostnameImmutable would
// work too but is deprecated.)
func disableHostPrefix(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("BatonE2EDisableHostPrefix",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			return next.HandleInitialize(smithyhttp.DisableEndpointHostPrefix(ctx, true), in)
		}), middleware.Before)
}

// waitFor polls cond until it reports done, failing the test after d. desc
// returns what was last seen, for the failure message.
func waitFor(t testing.TB, d time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		ok, last := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s; last seen: %s", d, what, last)
		}
		time.Sleep(50 * time.Millisecond) // poll interval
	}
}

// waitStatus polls DescribeExecution until the execution leaves RUNNING and
// returns its description.
func waitStatus(t testing.TB, c *sfn.Client, arn string, d time.Duration) *sfn.DescribeExecutionOutput {
	t.Helper()
	var out *sfn.DescribeExecutionOutput
	waitFor(t, d, "execution "+arn+" to end", func() (bool, string) {
		o, err := c.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		if err != nil {
			return false, err.Error()
		}
		out = o
		return o.Status != types.ExecutionStatusRunning, string(o.Status)
	})
	return out
}

// history is the whole history of an execution, oldest first.
func history(ctx context.Context, c *sfn.Client, arn string) ([]types.HistoryEvent, error) {
	var all []types.HistoryEvent
	in := &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn), MaxResults: 1000}
	for {
		out, err := c.GetExecutionHistory(ctx, in)
		if err != nil {
			return nil, err
		}
		all = append(all, out.Events...)
		if out.NextToken == nil || *out.NextToken == "" {
			return all, nil
		}
		in.NextToken = out.NextToken
	}
}

// formatHistory renders events one a line, for failure messages.
func formatHistory(evs []types.HistoryEvent) string {
	var b strings.Builder
	for _, e := range evs {
		fmt.Fprintf(&b, "  %3d <- %3d %-28s", e.Id, e.PreviousEventId, e.Type)
		if d := e.StateEnteredEventDetails; d != nil {
			fmt.Fprintf(&b, " %s", aws.ToString(d.Name))
		}
		if d := e.StateExitedEventDetails; d != nil {
			fmt.Fprintf(&b, " %s", aws.ToString(d.Name))
		}
		if d := e.TaskFailedEventDetails; d != nil {
			fmt.Fprintf(&b, " %s: %.120s", aws.ToString(d.Error), aws.ToString(d.Cause))
		}
		if d := e.ActivityFailedEventDetails; d != nil {
			fmt.Fprintf(&b, " %s: %.120s", aws.ToString(d.Error), aws.ToString(d.Cause))
		}
		if d := e.ActivityTimedOutEventDetails; d != nil {
			fmt.Fprintf(&b, " %s", aws.ToString(d.Error))
		}
		if d := e.TaskTimedOutEventDetails; d != nil {
			fmt.Fprintf(&b, " %s", aws.ToString(d.Error))
		}
		if d := e.ExecutionFailedEventDetails; d != nil {
			fmt.Fprintf(&b, " %s: %.200s", aws.ToString(d.Error), aws.ToString(d.Cause))
		}
		fmt.Fprintf(&b, "  @%s\n", aws.ToTime(e.Timestamp).Format(time.TimeOnly+".000"))
	}
	return b.String()
}
