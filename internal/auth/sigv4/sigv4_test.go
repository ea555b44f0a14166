package sigv4

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	suiteKey    = "AKIDEXAMPLE"
	suiteSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
)

var suiteTime = time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)

func suiteSecrets(id string) (string, error) {
	if id == suiteKey {
		return suiteSecret, nil
	}
	return "", ErrUnknownKey
}

// readSReq parses a signed request of the test suite. Its request line may
// hold a raw space or raw UTF-8, which net/http's parser refuses, so it is
// parsed by hand: METHOD SP URI SP HTTP/1.1, then Name:value lines, a blank
// line and the body.
func readSReq(t *testing.T, text string) (*http.Request, []byte) {
	t.Helper()
	head, body, _ := strings.Cut(text, "\n\n")
	lines := strings.Split(head, "\n")
	method, rest, _ := strings.Cut(lines[0], " ")
	uri := strings.TrimSuffix(rest, " HTTP/1.1")
	p, q, _ := strings.Cut(uri, "?")
	r := &http.Request{Method: method, URL: &url.URL{Path: p, RawQuery: q}, Header: http.Header{}, ContentLength: int64(len(body))}
	for _, l := range lines[1:] {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			t.Fatalf("header line %q", l)
		}
		if strings.EqualFold(k, "Host") {
			r.Host = strings.TrimSpace(v)
			continue
		}
		r.Header.Add(k, strings.TrimLeft(v, " "))
	}
	return r, []byte(body)
}

func suiteVerifier() Verifier {
	return Verifier{Region: "us-east-1", Services: map[string]bool{"service": true}, Now: func() time.Time { return suiteTime }}
}

// TestSuite verifies the signed requests of AWS's test suite, and that
// changing any part of each makes it fail.
func TestSuite(t *testing.T) {
	files, err := filepath.Glob("testdata/aws-sig-v4-test-suite/*.sreq")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test suite: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".sreq"), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			r, body := readSReq(t, string(b))
			a, err := suiteVerifier().Verify(r, body, suiteSecrets)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if a.Credential.AccessKeyID != suiteKey {
				t.Errorf("access key %q", a.Credential.AccessKeyID)
			}
			// A changed body, method or header must fail.
			if _, err := suiteVerifier().Verify(r, append(body, 'x'), suiteSecrets); !isCode(err, CodeInvalidSignature) {
				t.Errorf("a changed body: %v", err)
			}
			r2, _ := readSReq(t, string(b))
			r2.Header.Set("X-Amz-Date", "20150830T123601Z")
			if _, err := suiteVerifier().Verify(r2, body, suiteSecrets); !isCode(err, CodeInvalidSignature) {
				t.Errorf("a changed date: %v", err)
			}
			r3, _ := readSReq(t, string(b))
			r3.Host = "example.amazonaws.org"
			if _, err := suiteVerifier().Verify(r3, body, suiteSecrets); !isCode(err, CodeInvalidSignature) {
				t.Errorf("a changed host: %v", err)
			}
		})
	}
}

func isCode(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// signed builds a request to the Step Functions API signed at ts.
func signed(t testing.TB, ts time.Time, id, secret, region, service string, body string) *http.Request {
	t.Helper()
	r, err := http.NewRequest("POST", "http://127.0.0.1:7780/", bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("X-Amz-Target", "AWSStepFunctions.ListStateMachines")
	r.Header.Set("Content-Type", "application/x-amz-json-1.0")
	r.Header.Set("X-Amz-Date", ts.UTC().Format(timeFormat))
	signedHeaders := []string{"content-type", "host", "x-amz-date", "x-amz-target"}
	sum := sha256.Sum256([]byte(body))
	c := Credential{AccessKeyID: id, Date: ts.UTC().Format(dateFormat), Region: region, Service: service, Terminator: scopeTerminator}
	sig := Sign(SigningKey(secret, c.Date, region, service), StringToSign(ts, c.Scope(), CanonicalRequest(r, signedHeaders, hex.EncodeToString(sum[:]), false)))
	r.Header.Set("Authorization", Algorithm+" Credential="+id+"/"+c.Scope()+", SignedHeaders="+strings.Join(signedHeaders, ";")+", Signature="+sig)
	return r
}

func TestRefusals(t *testing.T) {
	now := time.Date(2026, 12, 5, 3, 0, 0, 0, time.UTC)
	v := Verifier{Region: "eu-west-1", Services: map[string]bool{"states": true, "events": true}, Now: func() time.Time { return now }}
	secrets := func(id string) (string, error) {
		if id == "AKIDGOOD" {
			return "secret", nil
		}
		return "", ErrUnknownKey
	}
	body := "{}"
	for _, tc := range []struct {
		name string
		r    *http.Request
		code string
	}{
		{"valid", signed(t, now, "AKIDGOOD", "secret", "eu-west-1", "states", body), ""},
		{"events service", signed(t, now, "AKIDGOOD", "secret", "eu-west-1", "events", body), ""},
		{"14 minutes old", signed(t, now.Add(-14*time.Minute), "AKIDGOOD", "secret", "eu-west-1", "states", body), ""},
		{"wrong secret", signed(t, now, "AKIDGOOD", "wrong", "eu-west-1", "states", body), CodeInvalidSignature},
		{"unknown key", signed(t, now, "AKIDBAD", "secret", "eu-west-1", "states", body), CodeUnrecognized},
		{"wrong region", signed(t, now, "AKIDGOOD", "secret", "us-east-1", "states", body), CodeInvalidSignature},
		{"wrong service", signed(t, now, "AKIDGOOD", "secret", "eu-west-1", "s3", body), CodeInvalidSignature},
		{"16 minutes old", signed(t, now.Add(-16*time.Minute), "AKIDGOOD", "secret", "eu-west-1", "states", body), CodeInvalidSignature},
		{"16 minutes ahead", signed(t, now.Add(16*time.Minute), "AKIDGOOD", "secret", "eu-west-1", "states", body), CodeInvalidSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.Verify(tc.r, []byte(body), secrets)
			if tc.code == "" {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			if !isCode(err, tc.code) {
				t.Fatalf("Verify: %v, want %s", err, tc.code)
			}
		})
	}
	r := signed(t, now, "AKIDGOOD", "secret", "eu-west-1", "states", body)
	r.Header.Del("Authorization")
	if _, err := v.Verify(r, []byte(body), secrets); !isCode(err, CodeMissingToken) {
		t.Errorf("no signature: %v", err)
	}
	r.Header.Set("Authorization", Algorithm+" Credential=AKIDGOOD/20261205/eu-west-1/states/aws4_request")
	if _, err := v.Verify(r, []byte(body), secrets); !isCode(err, CodeIncomplete) {
		t.Errorf("no signature parameter: %v", err)
	}
}

func TestPresigned(t *testing.T) {
	r, body := readSReq(t, "GET / HTTP/1.1\nHost:example.amazonaws.com")
	scope := "20150830/us-east-1/service/aws4_request"
	q := url.Values{}
	q.Set(queryAlgorithm, Algorithm)
	q.Set(queryCredential, suiteKey+"/"+scope)
	q.Set(queryDate, "20150830T123600Z")
	q.Set(queryExpires, "60")
	q.Set(querySignedHeaders, "host")
	r.URL.RawQuery = q.Encode()
	sum := sha256.Sum256(body)
	sig := Sign(SigningKey(suiteSecret, "20150830", "us-east-1", "service"), StringToSign(suiteTime, scope, CanonicalRequest(r, []string{"host"}, hex.EncodeToString(sum[:]), true)))
	r.URL.RawQuery += "&" + querySignature + "=" + sig
	if _, err := suiteVerifier().Verify(r, body, suiteSecrets); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	late := suiteVerifier()
	late.Now = func() time.Time { return suiteTime.Add(61 * time.Second) }
	if _, err := late.Verify(r, body, suiteSecrets); !isCode(err, CodeInvalidSignature) {
		t.Errorf("past X-Amz-Expires: %v", err)
	}
}

func TestParseAuthorization(t *testing.T) {
	a, err := ParseAuthorization("AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/states/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + strings.Repeat("ab", 32))
	if err != nil {
		t.Fatal(err)
	}
	if a.Credential.Region != "us-east-1" || a.Credential.Service != "states" || len(a.SignedHeaders) != 2 {
		t.Errorf("parsed %+v", a)
	}
	for _, bad := range []string{"", "Bearer x", "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA256 Credential=a/b", "AWS4-HMAC-SHA256 Credential=AKID/2015/us-east-1/states/aws4_request, SignedHeaders=host, Signature=00",
		"AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/states/aws4_request, SignedHeaders=Host, Signature=" + strings.Repeat("ab", 32)} {
		if _, err := ParseAuthorization(bad); err == nil {
			t.Errorf("ParseAuthorization(%q) succeeded", bad)
		}
	}
}

// FuzzParseAuthorization: the parser never panics, and what it accepts
// has the parts a verifier relies on.
func FuzzParseAuthorization(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/states/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + strings.Repeat("ab", 32))
	f.Add("AWS4-HMAC-SHA256 Credential=,,,=")
	f.Fuzz(func(t *testing.T, h string) {
		a, err := ParseAuthorization(h)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code == "" || e.Status == 0 {
				t.Fatalf("error %v is not an *Error with a code", err)
			}
			return
		}
		if a.Credential.AccessKeyID == "" || len(a.SignedHeaders) == 0 || len(a.Signature) != 64 || a.Credential.Terminator != scopeTerminator {
			t.Fatalf("accepted %q as %+v", h, a)
		}
	})
}

// BenchmarkVerify is the cost of verifying one StartExecution-sized
// request (the signing key is derived each time, as the verifier does).
func BenchmarkVerify(b *testing.B) {
	now := time.Date(2026, 12, 5, 3, 0, 0, 0, time.UTC)
	v := Verifier{Region: "us-east-1", Services: map[string]bool{"states": true}, Now: func() time.Time { return now }}
	body := `{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:bench","input":"{\"n\":1}"}`
	r := signed(b, now, "AKIDGOOD", "secret", "us-east-1", "states", body)
	secrets := func(string) (string, error) { return "secret", nil }
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(r, []byte(body), secrets); err != nil {
			b.Fatal(err)
		}
	}
}
