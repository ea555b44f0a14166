// Package webhook delivers signed webhooks in the Standard Webhooks form
// (https://www.standardwebhooks.com/): a POST of a JSON body with the
// headers webhook-id, webhook-timestamp and webhook-signature, the latter
// "v1,<base64 HMAC-SHA256 of id.timestamp.body>" under a shared secret, so
// that any receiver using a Standard Webhooks library can verify it.
// Verify is the receiver's side, for tests and for receivers written in
// Go.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// SecretPrefix starts a secret in its usual text form, whsec_<base64>.
const SecretPrefix = "whsec_"

// Secret size bounds, in bytes once decoded. The specification recommends
// 24 to 64 random bytes; shorter than 16 is refused as guessable.
const (
	MinSecretBytes = 16
	MaxSecretBytes = 1024
)

// DefaultTolerance is how far a webhook-timestamp may be from the
// receiver's clock, either way (replay protection), as the specification
// recommends.
const DefaultTolerance = 5 * time.Minute

// Header names.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// DecodeSecret decodes a secret written as whsec_<base64> (standard
// base64, padded or not). As the reference libraries do, the prefix may be
// left out: the rest is the base64 of the key. Sign and Verify take the
// decoded key (the raw bytes form). Errors never quote the secret.
func DecodeSecret(s string) ([]byte, error) {
	b64 := strings.TrimPrefix(s, SecretPrefix)
	if b64 == "" {
		return nil, errors.New("the webhook secret is empty: give whsec_ followed by the base64 of random bytes")
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		key, err = base64.RawStdEncoding.DecodeString(b64)
	}
	if err != nil {
		return nil, errors.New("the webhook secret is not whsec_ followed by standard base64")
	}
	if len(key) < MinSecretBytes || len(key) > MaxSecretBytes {
		return nil, fmt.Errorf("the webhook secret decodes to %d bytes; give %d to %d random bytes (for example: echo whsec_$(head -c 32 /dev/urandom | base64))", len(key), MinSecretBytes, MaxSecretBytes)
	}
	return key, nil
}

// Sign returns the webhook-signature of a message: "v1," and the base64
// HMAC-SHA256, under secret, of "msgID.unix-seconds.body".
func Sign(secret []byte, msgID string, ts time.Time, body []byte) string {
	return "v1," + base64.StdEncoding.EncodeToString(mac(secret, msgID, strconv.FormatInt(ts.Unix(), 10), body))
}

func mac(secret []byte, msgID, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(msgID))
	h.Write([]byte{'.'})
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Verification errors.
var (
	ErrMissingHeaders = errors.New("webhook: missing webhook-id, webhook-timestamp or webhook-signature header")
	ErrTimestamp      = errors.New("webhook: webhook-timestamp is not a Unix time within the tolerance (replayed or clock skew)")
	ErrSignature      = errors.New("webhook: no v1 signature matches")
)

// Verify checks a received webhook: its headers are present, its
// timestamp within tolerance of now (DefaultTolerance when 0), and one of
// the space-separated signatures of webhook-signature (other versions than
// v1 are skipped) is the message's, compared in constant time.
func Verify(secret []byte, headers http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	id, ts, sigs := headers.Get(HeaderID), headers.Get(HeaderTimestamp), headers.Get(HeaderSignature)
	if id == "" || ts == "" || sigs == "" {
		return ErrMissingHeaders
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return ErrTimestamp
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return ErrTimestamp
	}
	want := mac(secret, id, ts, body)
	for _, s := range strings.Fields(sigs) {
		version, sig, ok := strings.Cut(s, ",")
		if !ok || version != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(sig)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return ErrSignature
}
