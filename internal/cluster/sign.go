package cluster

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A forwarded call is signed: the Authorization header carries the time
// it was sent, a random nonce, the body's SHA-256 and an HMAC (under the
// cluster's key) of the three. A receiving node checks the HMAC before it
// reads the body (a caller without the key cannot make it read one), then
// the body against its digest; it takes a call only within signedWindow
// of its time and only once per nonce, and only when the body names it
// as the node the call is for (request.To: each node knows only its own
// nonces), so that a call seen on the network (plain HTTP between nodes)
// can neither be altered nor sent again, to it or to another node.

// signScheme starts the header's value.
const signScheme = "Baton-Cluster-Sig "

// signedWindow is how far a call's time may be from the receiver's clock
// (both ways: the nodes' clocks drift).
const signedWindow = time.Minute

// maxNonces bounds the nonces a node remembers; past it, calls are
// refused (503 from the sender's view: retried) until older ones are
// pruned. Only calls signed with the key reach it.
const maxNonces = 1 << 20

// sign returns the Authorization value of a call with body, sent at now.
func sign(key, body []byte, now time.Time) string {
	var n [16]byte
	_, _ = rand.Read(n[:]) // never fails (crypto/rand)
	nonce := hex.EncodeToString(n[:])
	ts := strconv.FormatInt(now.UnixNano(), 10)
	digest := bodyDigest(body)
	return signScheme + ts + "," + nonce + "," + digest + "," + signature(key, ts, nonce, digest)
}

func bodyDigest(body []byte) string {
	d := sha256.Sum256(body)
	return hex.EncodeToString(d[:])
}

func signature(key []byte, ts, nonce, digest string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("baton cluster rpc v2\n" + ts + "\n" + nonce + "\n" + digest))
	return hex.EncodeToString(m.Sum(nil))
}

// Why a call is refused.
var (
	errUnsigned  = errors.New("the cluster key's signature is missing or malformed")
	errBadSig    = errors.New("the signature does not match the cluster key")
	errBadBody   = errors.New("the body does not match its signed digest")
	errStale     = errors.New("the call's time is more than a minute from this node's clock (check the nodes' clocks)")
	errReplayed  = errors.New("the call was received already")
	errNonces    = errors.New("too many calls in the last minutes to check for repeats; retry")
	errOtherNode = errors.New("the call was signed for another node (check the nodes' --advertise-url)")
)

// call is a verified call's header: its body must have digest. Its nonce
// is remembered once the body matches (body), so that a captured header
// sent first with another body cannot get the real call refused.
type call struct {
	v      *verifier
	digest string
	nonce  string
	at     time.Time
}

// verifier checks the signatures of the calls a node receives.
type verifier struct {
	key []byte
	now func() time.Time

	mu     sync.Mutex
	nonces map[string]time.Time // seen, with the call's time
	pruned time.Time            // when nonces last lost those past the window
}

func newVerifier(key []byte) *verifier {
	return &verifier{key: key, now: time.Now, nonces: map[string]time.Time{}}
}

// verify checks a call's Authorization header, before its body is read:
// its signature, its time, and that its nonce was not received yet.
func (v *verifier) verify(h string) (*call, error) {
	rest, ok := strings.CutPrefix(h, signScheme)
	if !ok {
		return nil, errUnsigned
	}
	f := strings.Split(rest, ",")
	if len(f) != 4 || len(f[1]) != 32 || len(f[2]) != 64 || len(f[3]) != 64 {
		return nil, errUnsigned
	}
	ts, nonce, digest, sig := f[0], f[1], f[2], f[3]
	if !hmac.Equal([]byte(sig), []byte(signature(v.key, ts, nonce, digest))) {
		return nil, errBadSig
	}
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return nil, errUnsigned
	}
	now, at := v.now(), time.Unix(0, n)
	if d := now.Sub(at); d > signedWindow || d < -signedWindow {
		return nil, errStale
	}
	v.mu.Lock()
	_, seen := v.nonces[nonce]
	v.mu.Unlock()
	if seen {
		return nil, errReplayed
	}
	return &call{v: v, digest: digest, nonce: nonce, at: at}, nil
}

// remember records a nonce, once: errReplayed when it was already.
func (v *verifier) remember(nonce string, at time.Time) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if _, seen := v.nonces[nonce]; seen {
		return errReplayed
	}
	now := v.now()
	// Once a window, the nonces of calls past it go (such a call is
	// refused anyway): the map holds about two windows of calls, and each
	// call costs no scan.
	if now.Sub(v.pruned) > signedWindow {
		for n, t := range v.nonces {
			if now.Sub(t) > signedWindow {
				delete(v.nonces, n)
			}
		}
		v.pruned = now
	}
	if len(v.nonces) >= maxNonces {
		return errNonces
	}
	v.nonces[nonce] = at
	return nil
}

// body checks the body read against the signed digest, then remembers the
// call's nonce: the call is taken once.
func (c *call) body(b []byte) error {
	if !hmac.Equal([]byte(bodyDigest(b)), []byte(c.digest)) {
		return errBadBody
	}
	return c.v.remember(c.nonce, c.at)
}
