package s3test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/ohler55/ojg/oj"
	"github.com/versity/versitygw/backend/meta"
	"github.com/versity/versitygw/backend/posix"
	"github.com/versity/versitygw/embedgw"

	"github.com/batonhq/baton/internal/config"
	"github.com/batonhq/baton/internal/steptask"
	"github.com/batonhq/baton/internal/tasks"
)

const (
	accessKey = "BATONTESTKEY"
	secretKey = "Sup3r-s3cret-v4lue" // no failure or output may show it
	bucket    = "landing"
)

// endpoint is the address of the gateway TestMain started.
var endpoint string

// TestMain runs one S3 gateway for the package (versitygw allows one per
// process) over a temporary directory.
func TestMain(m *testing.M) {
	os.Exit(runWithGateway(m))
}

func runWithGateway(m *testing.M) int {
	root, err := os.MkdirTemp("", "baton-s3-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(root)
	be, err := posix.New(root, meta.XattrMeta{}, posix.PosixOpts{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "versitygw posix backend:", err)
		return 1
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	endpoint = ln.Addr().String()
	ln.Close() // the gateway listens on it itself
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- embedgw.RunVersityGW(ctx, be, &embedgw.Config{
			RootUserAccess: accessKey, RootUserSecret: secretKey, Ports: []string{endpoint},
			MaxConnections: 100, MaxRequests: 100, MultipartMaxParts: 10000, Quiet: true,
		})
	}()
	defer func() {
		cancel()
		<-done
	}()
	if err := makeBucket(done); err != nil {
		fmt.Fprintln(os.Stderr, "starting the S3 gateway:", err)
		return 1
	}
	return m.Run()
}

// makeBucket waits for the gateway to answer and creates the test bucket.
func makeBucket(done <-chan error) error {
	c := client()
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		err := c.MakeBucket(context.Background(), bucket, minio.MakeBucketOptions{})
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		select {
		case err := <-done:
			return fmt.Errorf("the gateway stopped: %v", err)
		case <-tick.C:
		}
	}
}

// client is a client of the gateway, to set up and check objects.
func client() *minio.Client {
	c, err := minio.New(endpoint, &minio.Options{Creds: credentials.NewStaticV4(accessKey, secretKey, ""), Region: "us-east-1"})
	if err != nil {
		panic(err)
	}
	return c
}

// resolver serves the steps with the connections "lake" (the gateway) and
// "badkey" (a wrong secret).
func resolver(t *testing.T) *tasks.Resolver {
	t.Helper()
	src := fmt.Sprintf(`connections:
  lake: {type: s3, endpoint: "http://%s", access_key_id: env:KEY, secret_access_key: env:SECRET}
  badkey: {type: s3, endpoint: "%s", tls: false, access_key_id: env:KEY, secret_access_key: env:WRONG}
`, endpoint, endpoint)
	env := map[string]string{"KEY": accessKey, "SECRET": secretKey, "WRONG": "wrong-" + secretKey}
	cfg, err := config.Parse("baton.yaml", []byte(src), config.Sources{LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	if err != nil {
		t.Fatal(err)
	}
	r, err := tasks.NewResolver(tasks.Options{Connections: cfg})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// step runs one step task.
func step(t *testing.T, r *tasks.Resolver, resource, input string) (map[string]any, error) {
	t.Helper()
	in, err := oj.ParseString(input)
	if err != nil {
		t.Fatalf("bad test JSON %s: %v", input, err)
	}
	e, err := r.Executor(resource, "step")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	out, err := e.Run(ctx, tasks.Request{Resource: resource, Input: in})
	if err != nil {
		if strings.Contains(err.Error(), secretKey) || strings.Contains(err.Error(), "wrong-") {
			t.Fatalf("the failure shows a secret: %v", err)
		}
		return nil, err
	}
	if s := oj.JSON(out); strings.Contains(s, secretKey) {
		t.Fatalf("the output shows a secret: %s", s)
	}
	return out.(map[string]any), nil
}

// failure asserts that err is a *tasks.Failure named name whose cause has
// every string of causeHas.
func failure(t *testing.T, err error, name string, causeHas ...string) {
	t.Helper()
	var f *tasks.Failure
	if !errors.As(err, &f) || f.Name != name {
		t.Fatalf("err = %v, want a %s failure", err, name)
	}
	for _, s := range causeHas {
		if !strings.Contains(f.Cause, s) {
			t.Fatalf("cause %q does not contain %q", f.Cause, s)
		}
	}
}

func md5hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

func TestCopyS3(t *testing.T) {
	dir := t.TempDir()
	small := []byte(strings.Repeat("region,amount\nnorth,1\n", 500))
	large := bytes.Repeat([]byte("0123456789abcdef"), (17<<20)/16) // 17 MiB: a multipart upload
	for name, b := range map[string][]byte{"small.csv": small, "large.bin": large} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.(http.Flusher).Flush() // chunked: no Content-Length, the size is unknown
		_, _ = w.Write(small)
	}))
	t.Cleanup(srv.Close)
	r := resolver(t)
	file := "file://" + dir
	tests := []struct {
		name, from, to string
		wantTo         string
		want           []byte
		etag           string // "" : the MD5 of want
	}{
		{"file to s3", file + "/small.csv", "s3://landing/in/small.csv", "", small, ""},
		{"s3 to file", "s3://landing/in/small.csv", file + "/back/small.csv", "", small, ""},
		{"s3 to s3 under a prefix", "s3://landing/in/small.csv", "s3://landing/copies/", "s3://landing/copies/small.csv", small, ""},
		{"http of unknown length to s3", srv.URL + "/export.csv", "s3://landing/in/export.csv", "", small, "-"},
		{"a large file to s3, in parts", file + "/large.bin", "s3://landing/in/large.bin", "", large, "-"},
		{"a large object back", "s3://landing/in/large.bin", file + "/back/large.bin", "", large, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := step(t, r, steptask.ResourceCopy, fmt.Sprintf(`{"connection": "lake", "from": %q, "to": %q}`, tt.from, tt.to))
			if err != nil {
				t.Fatal(err)
			}
			to := tt.to
			if tt.wantTo != "" {
				to = tt.wantTo
			}
			if out["from"] != tt.from || out["to"] != to || out["size"] != int64(len(tt.want)) {
				t.Fatalf("output = %s", oj.JSON(out))
			}
			etag, _ := out["etag"].(string)
			switch {
			case tt.etag == "" && etag != md5hex(tt.want):
				t.Fatalf("etag = %q, want the MD5 %s", etag, md5hex(tt.want))
			case tt.etag == "-" && etag == "":
				t.Fatal("no etag")
			}
			// What arrived is what was sent.
			var got []byte
			if strings.HasPrefix(to, "s3://") {
				obj, err := client().GetObject(t.Context(), bucket, strings.TrimPrefix(to, "s3://landing/"), minio.GetObjectOptions{})
				if err == nil {
					got, err = io.ReadAll(obj)
				}
				if err != nil {
					t.Fatal(err)
				}
			} else if got, err = os.ReadFile(strings.TrimPrefix(to, "file://")); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.want) {
				t.Fatalf("the copy has %d bytes, want %d", len(got), len(tt.want))
			}
		})
	}
	failures := []struct {
		name, input, want string
		causeHas          []string
	}{
		{"missing key", `{"connection": "lake", "from": "s3://landing/nope.csv", "to": "` + file + `/x"}`, tasks.ErrorCopyNotFound, []string{"s3://landing/nope.csv", "NoSuchKey"}},
		{"missing bucket", `{"connection": "lake", "from": "s3://no-such-bucket/a.csv", "to": "` + file + `/x"}`, tasks.ErrorCopyNotFound, []string{"s3://no-such-bucket/a.csv"}},
		{"wrong secret key", `{"connection": "badkey", "from": "` + file + `/small.csv", "to": "s3://landing/x.csv"}`, tasks.ErrorCopy, []string{"writing s3://landing/x.csv", "SignatureDoesNotMatch"}},
	}
	for _, tt := range failures {
		t.Run(tt.name, func(t *testing.T) {
			_, err := step(t, r, steptask.ResourceCopy, tt.input)
			failure(t, err, tt.want, tt.causeHas...)
		})
	}
}

func TestWaitForS3(t *testing.T) {
	c := client()
	before := time.Now().Add(-time.Minute)
	for _, key := range []string{"sales/b.csv", "sales/a.csv", "sales/notes.txt", "sales/2026/c.csv", "salesman.csv"} {
		if _, err := c.PutObject(t.Context(), bucket, key, strings.NewReader(key), int64(len(key)), minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	r := resolver(t)
	out, err := step(t, r, steptask.ResourceWaitFor, `{"connection": "lake", "path": "s3://landing/sales/*.csv", "since": "`+before.UTC().Format(time.RFC3339)+`"}`)
	if err != nil {
		t.Fatal(err)
	}
	objs := out["objects"].([]any)
	if out["found"] != true || len(objs) != 2 {
		t.Fatalf("output = %s", oj.JSON(out))
	}
	for i, want := range []string{"s3://landing/sales/a.csv", "s3://landing/sales/b.csv"} {
		o := objs[i].(map[string]any)
		if o["url"] != want || o["size"] != int64(len("sales/a.csv")) || o["etag"] != md5hex([]byte(strings.TrimPrefix(want, "s3://landing/"))) || o["modified"] == "" {
			t.Fatalf("objects[%d] = %s, want %s", i, oj.JSON(o), want)
		}
	}
	// Nothing arrived after a later time.
	out, err = step(t, r, steptask.ResourceWaitFor, `{"connection": "lake", "path": "s3://landing/sales/*.csv", "since": "`+time.Now().Add(time.Hour).UTC().Format(time.RFC3339)+`"}`)
	if err != nil || out["found"] != false || len(out["objects"].([]any)) != 0 {
		t.Fatalf("output = %v, %v", out, err)
	}
	_, err = step(t, r, steptask.ResourceWaitFor, `{"connection": "lake", "path": "s3://no-such-bucket/*.csv"}`)
	failure(t, err, tasks.ErrorWaitFor, "NoSuchBucket")
	_, err = step(t, r, steptask.ResourceWaitFor, `{"connection": "badkey", "path": "s3://landing/sales/*.csv"}`)
	failure(t, err, tasks.ErrorWaitFor, "SignatureDoesNotMatch")
}

// TestS3OverTLS: an s3 connection with tls and a ca_file reaches a server
// whose certificate that CA signed, and refuses it without the CA. The
// gateway sits behind a TLS reverse proxy (it keeps the Host header, which
// the request's signature covers).
func TestS3OverTLS(t *testing.T) {
	target, err := url.Parse("http://" + endpoint)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httptest.NewUnstartedServer(httputil.NewSingleHostReverseProxy(target))
	proxy.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are expected
	proxy.StartTLS()
	t.Cleanup(proxy.Close)
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: proxy.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "in.txt"), []byte("over TLS"), 0o644); err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(proxy.URL, "https://")
	src := fmt.Sprintf(`connections:
  tls: {type: s3, endpoint: %q, ca_file: %q, access_key_id: env:KEY, secret_access_key: env:SECRET}
  untrusted: {type: s3, endpoint: %q, access_key_id: env:KEY, secret_access_key: env:SECRET}
`, host, ca, proxy.URL)
	env := map[string]string{"KEY": accessKey, "SECRET": secretKey}
	cfg, err := config.Parse(filepath.Join(dir, "baton.yaml"), []byte(src), config.Sources{LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	if err != nil {
		t.Fatal(err)
	}
	r, err := tasks.NewResolver(tasks.Options{Connections: cfg})
	if err != nil {
		t.Fatal(err)
	}
	out, err := step(t, r, steptask.ResourceCopy, `{"connection": "tls", "from": "file://`+dir+`/in.txt", "to": "s3://landing/tls/in.txt"}`)
	if err != nil || out["size"] != int64(len("over TLS")) {
		t.Fatalf("output = %v, %v", out, err)
	}
	_, err = step(t, r, steptask.ResourceCopy, `{"connection": "untrusted", "from": "file://`+dir+`/in.txt", "to": "s3://landing/tls/in.txt"}`)
	failure(t, err, tasks.ErrorCopy, "certificate")
}
