package webhook

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The test vector published with the Standard Webhooks reference
// libraries: a receiver's library verifies what Sign produces only if this
// reproduces exactly.
const (
	vectorSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vectorID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vectorTS     = 1614265330
	vectorBody   = `{"test": 2432232314}`
	vectorSig    = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func TestSignVector(t *testing.T) {
	key, err := DecodeSecret(vectorSecret)
	if err != nil {
		t.Fatal(err)
	}
	if got := Sign(key, vectorID, time.Unix(vectorTS, 0), []byte(vectorBody)); got != vectorSig {
		t.Fatalf("Sign = %s, want %s", got, vectorSig)
	}
}

func vectorHeaders(sig string) http.Header {
	h := http.Header{}
	h.Set(HeaderID, vectorID)
	h.Set(HeaderTimestamp, "1614265330")
	h.Set(HeaderSignature, sig)
	return h
}

func TestVerify(t *testing.T) {
	key, _ := DecodeSecret(vectorSecret)
	other, _ := DecodeSecret("whsec_" + base64.StdEncoding.EncodeToString([]byte("another-secret-of-enough-bytes")))
	at := time.Unix(vectorTS, 0)
	for _, tc := range []struct {
		name    string
		key     []byte
		headers http.Header
		body    string
		now     time.Time
		want    error
	}{
		{"vector", key, vectorHeaders(vectorSig), vectorBody, at, nil},
		{"several signatures, one matching", key, vectorHeaders("v1,bm9wZQ== v2,abc " + vectorSig), vectorBody, at, nil},
		{"within tolerance", key, vectorHeaders(vectorSig), vectorBody, at.Add(4 * time.Minute), nil},
		{"too old", key, vectorHeaders(vectorSig), vectorBody, at.Add(6 * time.Minute), ErrTimestamp},
		{"too new", key, vectorHeaders(vectorSig), vectorBody, at.Add(-6 * time.Minute), ErrTimestamp},
		{"tampered body", key, vectorHeaders(vectorSig), `{"test": 2432232315}`, at, ErrSignature},
		{"wrong secret", other, vectorHeaders(vectorSig), vectorBody, at, ErrSignature},
		{"other version only", key, vectorHeaders("v1a," + strings.TrimPrefix(vectorSig, "v1,")), vectorBody, at, ErrSignature},
		{"no signature", key, vectorHeaders(""), vectorBody, at, ErrMissingHeaders},
		{"bad timestamp", key, func() http.Header { h := vectorHeaders(vectorSig); h.Set(HeaderTimestamp, "soon"); return h }(), vectorBody, at, ErrTimestamp},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := Verify(tc.key, tc.headers, []byte(tc.body), tc.now, 0); !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestDecodeSecret(t *testing.T) {
	raw := []byte("0123456789abcdef0123456789abcdef")
	b64 := base64.StdEncoding.EncodeToString(raw)
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"whsec_" + b64, true},
		{b64, true}, // the prefix is optional, as in the reference libraries
		{"whsec_" + strings.TrimRight(base64.StdEncoding.EncodeToString(raw[:31]), "="), true},
		{"whsec_", false},
		{"", false},
		{"whsec_not base64!", false},
		{"whsec_" + base64.StdEncoding.EncodeToString([]byte("short")), false},
	} {
		key, err := DecodeSecret(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("DecodeSecret(%q) = %v, want ok %v", tc.in, err, tc.ok)
		}
		if err != nil && strings.TrimPrefix(tc.in, "whsec_") != "" && strings.Contains(err.Error(), strings.TrimPrefix(tc.in, "whsec_")) {
			t.Errorf("the error quotes the secret: %v", err)
		}
		if err == nil && len(key) < MinSecretBytes {
			t.Errorf("DecodeSecret(%q) = %d bytes", tc.in, len(key))
		}
	}
}

// FuzzDecodeSecret: decoding never panics, never quotes its input, and a
// decoded key signs and verifies.
func FuzzDecodeSecret(f *testing.F) {
	for _, s := range []string{vectorSecret, "whsec_", "whsec_====", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		key, err := DecodeSecret(s)
		if err != nil {
			if len(s) > 8 && strings.Contains(err.Error(), s) {
				t.Fatalf("the error quotes the secret: %v", err)
			}
			return
		}
		now := time.Unix(1700000000, 0)
		h := http.Header{}
		h.Set(HeaderID, "msg_1")
		h.Set(HeaderTimestamp, "1700000000")
		h.Set(HeaderSignature, Sign(key, "msg_1", now, []byte("{}")))
		if err := Verify(key, h, []byte("{}"), now, 0); err != nil {
			t.Fatalf("round trip: %v", err)
		}
	})
}
