// Package sigv4 verifies AWS Signature Version 4 on requests to the Step
// Functions and EventBridge APIs, as AWS does: the canonical request (URI
// and query encoded per RFC 3986, signed headers lowercased and trimmed,
// the SHA-256 of the body), the string to sign with its credential scope
// (date, region, service, aws4_request), the signing key derived from the
// secret, and a clock skew of at most 15 minutes. Presigned requests (the
// X-Amz-* query parameters) are verified too.
//
// The package is pure: it knows nothing of stores or HTTP servers. The
// caller finds the secret of an access key id (SecretFunc), bounds and
// reads the body, and turns an *Error into the AWS error body.
package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Algorithm is the only signing algorithm accepted.
const Algorithm = "AWS4-HMAC-SHA256"

// MaxSkew is how far a request's time may be from the server's, either way.
const MaxSkew = 15 * time.Minute

// MaxPresignExpiry is the longest X-Amz-Expires AWS accepts (7 days).
const MaxPresignExpiry = 7 * 24 * time.Hour

// Error codes, as AWS's JSON APIs answer them.
const (
	CodeMissingToken      = "MissingAuthenticationToken"
	CodeIncomplete        = "IncompleteSignature"
	CodeInvalidSignature  = "InvalidSignatureException"
	CodeUnrecognized      = "UnrecognizedClientException"
	timeFormat            = "20060102T150405Z"
	dateFormat            = "20060102"
	scopeTerminator       = "aws4_request"
	querySignature        = "X-Amz-Signature"
	queryAlgorithm        = "X-Amz-Algorithm"
	queryCredential       = "X-Amz-Credential"
	queryDate             = "X-Amz-Date"
	queryExpires          = "X-Amz-Expires"
	querySignedHeaders    = "X-Amz-SignedHeaders"
	invalidSignatureWords = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)

// Error is a refusal, with the AWS error code and HTTP status to answer.
type Error struct {
	Code    string
	Status  int
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func incomplete(format string, args ...any) *Error {
	return &Error{Code: CodeIncomplete, Status: http.StatusBadRequest, Message: fmt.Sprintf(format, args...)}
}

func invalid(format string, args ...any) *Error {
	return &Error{Code: CodeInvalidSignature, Status: http.StatusForbidden, Message: fmt.Sprintf(format, args...)}
}

// ErrUnknownKey is what a SecretFunc returns (wrapped or not) for an access
// key id it does not know, or one revoked or expired: the request is then
// refused with UnrecognizedClientException.
var ErrUnknownKey = errors.New("unknown access key")

// SecretFunc returns the secret access key of an access key id.
type SecretFunc func(accessKeyID string) (string, error)

// Credential is the Credential parameter: the access key id and the scope.
type Credential struct {
	AccessKeyID string
	Date        string // YYYYMMDD
	Region      string
	Service     string
	Terminator  string // aws4_request
}

// Scope is the credential scope: date/region/service/aws4_request.
func (c Credential) Scope() string {
	return c.Date + "/" + c.Region + "/" + c.Service + "/" + c.Terminator
}

// Authorization is a parsed signature: from the Authorization header or
// from a presigned URL's query.
type Authorization struct {
	Credential    Credential
	SignedHeaders []string // lowercase, as given (AWS requires them sorted)
	Signature     string   // lowercase hex
	// Presigned: the request time and how long it stays valid come from
	// the query.
	Presigned bool
	Expires   time.Duration
}

// ParseAuthorization parses an Authorization header of the form
//
//	AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/states/aws4_request, SignedHeaders=host;x-amz-date, Signature=5d...
//
// Errors are *Error values with the code AWS answers.
func ParseAuthorization(h string) (Authorization, error) {
	var a Authorization
	alg, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	if alg != Algorithm {
		return a, incomplete("Authorization header requires the %s algorithm, not %q", Algorithm, truncate(alg))
	}
	var cred, signed, sig string
	var seen [3]bool
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return a, incomplete("Authorization header has a parameter without '=': %q", truncate(part))
		}
		switch k {
		case "Credential":
			cred, seen[0] = v, true
		case "SignedHeaders":
			signed, seen[1] = v, true
		case "Signature":
			sig, seen[2] = v, true
		default:
			return a, incomplete("Authorization header has an unknown parameter %q", truncate(k))
		}
	}
	var missing []string
	for i, name := range []string{"Credential", "SignedHeaders", "Signature"} {
		if !seen[i] {
			missing = append(missing, "Authorization header requires '"+name+"' parameter.")
		}
	}
	if len(missing) > 0 {
		return a, incomplete("%s Authorization=%s", strings.Join(missing, " "), truncate(h))
	}
	return finish(a, cred, signed, sig)
}

// finish checks and stores the three parameters.
func finish(a Authorization, cred, signed, sig string) (Authorization, error) {
	c, err := parseCredential(cred)
	if err != nil {
		return a, err
	}
	a.Credential = c
	if signed == "" {
		return a, incomplete("SignedHeaders is empty; it must name at least host")
	}
	a.SignedHeaders = strings.Split(signed, ";")
	for _, h := range a.SignedHeaders {
		if h == "" || h != strings.ToLower(h) {
			return a, incomplete("SignedHeaders %q must be lowercase header names separated by ';'", truncate(signed))
		}
	}
	if len(sig) != 64 || !isHex(sig) {
		return a, incomplete("Signature must be 64 lowercase hexadecimal digits")
	}
	a.Signature = sig
	return a, nil
}

// parseCredential parses AKID/date/region/service/aws4_request.
func parseCredential(s string) (Credential, error) {
	p := strings.Split(s, "/")
	if len(p) != 5 || p[0] == "" {
		return Credential{}, incomplete("Credential should have the form ACCESS_KEY_ID/YYYYMMDD/REGION/SERVICE/aws4_request, not %q", truncate(s))
	}
	c := Credential{AccessKeyID: p[0], Date: p[1], Region: p[2], Service: p[3], Terminator: p[4]}
	if _, err := time.Parse(dateFormat, c.Date); err != nil {
		return c, incomplete("Credential has a malformed date %q (want YYYYMMDD)", truncate(c.Date))
	}
	if c.Terminator != scopeTerminator {
		return c, invalid("Credential should be scoped with a valid terminator: 'aws4_request', not '%s'.", truncate(c.Terminator))
	}
	return c, nil
}

// parsePresigned reads the X-Amz-* query parameters of a presigned request.
func parsePresigned(r *http.Request) (Authorization, time.Time, error) {
	q := r.URL.Query()
	a := Authorization{Presigned: true}
	if alg := q.Get(queryAlgorithm); alg != Algorithm {
		return a, time.Time{}, incomplete("X-Amz-Algorithm must be %s, not %q", Algorithm, truncate(alg))
	}
	for _, k := range []string{queryCredential, queryDate, queryExpires, querySignedHeaders, querySignature} {
		if q.Get(k) == "" {
			return a, time.Time{}, incomplete("a presigned request requires the query parameter %s", k)
		}
	}
	t, err := time.Parse(timeFormat, q.Get(queryDate))
	if err != nil {
		return a, t, incomplete("X-Amz-Date %q is not of the form YYYYMMDD'T'HHMMSS'Z'", truncate(q.Get(queryDate)))
	}
	secs, err := strconv.Atoi(q.Get(queryExpires))
	if err != nil || secs < 1 || time.Duration(secs)*time.Second > MaxPresignExpiry {
		return a, t, incomplete("X-Amz-Expires must be a number of seconds from 1 to 604800 (7 days), not %q", truncate(q.Get(queryExpires)))
	}
	a.Expires = time.Duration(secs) * time.Second
	a, err = finish(a, q.Get(queryCredential), q.Get(querySignedHeaders), q.Get(querySignature))
	return a, t, err
}

// Verifier checks signatures for one region and a set of services.
type Verifier struct {
	Region   string          // the server's region; a credential scoped to another is refused
	Services map[string]bool // signing names accepted, e.g. "states", "events"
	Now      func() time.Time
}

// Verify checks r, whose body (already read, bounded by the caller) is
// body, and returns its parsed Authorization. A request that carries no
// signature at all fails with CodeMissingToken.
func (v Verifier) Verify(r *http.Request, body []byte, secretFor SecretFunc) (Authorization, error) {
	var (
		a   Authorization
		t   time.Time
		err error
	)
	switch h := r.Header.Get("Authorization"); {
	case h != "":
		if a, err = ParseAuthorization(h); err != nil {
			return a, err
		}
		if t, err = requestTime(r, a.SignedHeaders); err != nil {
			return a, err
		}
	case r.URL.Query().Has(queryAlgorithm) || r.URL.Query().Has(querySignature):
		if a, t, err = parsePresigned(r); err != nil {
			return a, err
		}
	default:
		return a, &Error{Code: CodeMissingToken, Status: http.StatusForbidden,
			Message: "Missing Authentication Token: sign the request with AWS Signature Version 4 and an access key from 'baton access-keys create'"}
	}
	if err := v.checkScope(a.Credential, t); err != nil {
		return a, err
	}
	if err := v.checkTime(a, t); err != nil {
		return a, err
	}
	if !contains(a.SignedHeaders, "host") {
		return a, invalid("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}
	secret, err := secretFor(a.Credential.AccessKeyID)
	if errors.Is(err, ErrUnknownKey) {
		return a, &Error{Code: CodeUnrecognized, Status: http.StatusForbidden, Message: "The security token included in the request is invalid."}
	}
	if err != nil {
		return a, err
	}
	// Always the body's own hash, never what X-Amz-Content-Sha256 claims
	// (nor UNSIGNED-PAYLOAD, which these APIs do not allow): a body changed
	// in transit then fails the signature.
	sum := sha256.Sum256(body)
	creq := CanonicalRequest(r, a.SignedHeaders, hex.EncodeToString(sum[:]), a.Presigned)
	want := Sign(SigningKey(secret, a.Credential.Date, a.Credential.Region, a.Credential.Service), StringToSign(t, a.Credential.Scope(), creq))
	if subtle.ConstantTimeCompare([]byte(want), []byte(a.Signature)) != 1 {
		return a, invalid(invalidSignatureWords)
	}
	return a, nil
}

// checkScope refuses a credential of another day, region or service.
func (v Verifier) checkScope(c Credential, t time.Time) error {
	if c.Date != t.UTC().Format(dateFormat) {
		return invalid("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.",
			c.Date, t.UTC().Format(dateFormat), t.UTC().Format(timeFormat))
	}
	if v.Region != "" && c.Region != v.Region {
		return invalid("Credential should be scoped to a valid region, not '%s'. This server's region is '%s'.", truncate(c.Region), v.Region)
	}
	if len(v.Services) > 0 && !v.Services[c.Service] {
		names := make([]string, 0, len(v.Services))
		for s := range v.Services {
			names = append(names, "'"+s+"'")
		}
		sort.Strings(names)
		return invalid("Credential should be scoped to correct service: %s, not '%s'.", strings.Join(names, " or "), truncate(c.Service))
	}
	return nil
}

// checkTime refuses a request older or newer than MaxSkew (a presigned
// one: past its expiry, or dated in the future by more than MaxSkew).
func (v Verifier) checkTime(a Authorization, t time.Time) error {
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	now = now.UTC()
	f := func(x time.Time) string { return x.UTC().Format(timeFormat) }
	if t.After(now.Add(MaxSkew)) {
		return invalid("Signature not yet current: %s is still later than %s (%s + 15 min.)", f(t), f(now.Add(MaxSkew)), f(now))
	}
	if a.Presigned {
		if now.After(t.Add(a.Expires)) {
			return invalid("Signature expired: %s is now earlier than %s (%s - %d sec.)", f(t.Add(a.Expires)), f(now), f(now), 0)
		}
		return nil
	}
	if t.Before(now.Add(-MaxSkew)) {
		return invalid("Signature expired: %s is now earlier than %s (%s - 15 min.)", f(t), f(now.Add(-MaxSkew)), f(now))
	}
	return nil
}

// requestTime is the X-Amz-Date header, else the Date header (which must
// then be signed, as AWS requires of whichever dates the request).
func requestTime(r *http.Request, signed []string) (time.Time, error) {
	if s := r.Header.Get("X-Amz-Date"); s != "" {
		t, err := time.Parse(timeFormat, s)
		if err != nil {
			return t, incomplete("X-Amz-Date %q is not of the form YYYYMMDD'T'HHMMSS'Z'", truncate(s))
		}
		return t, nil
	}
	if s := r.Header.Get("Date"); s != "" && contains(signed, "date") {
		t, err := http.ParseTime(s)
		if err != nil {
			return t, incomplete("Date %q is not an HTTP date", truncate(s))
		}
		return t, nil
	}
	return time.Time{}, incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
}

// CanonicalRequest is the canonical form of r that SigV4 signs:
// method, URI, query, headers, signed header names, payload hash.
func CanonicalRequest(r *http.Request, signed []string, payloadHash string, presigned bool) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(CanonicalURI(r.URL.Path))
	b.WriteByte('\n')
	b.WriteString(CanonicalQuery(r.URL.RawQuery, presigned))
	b.WriteByte('\n')
	for _, h := range signed {
		b.WriteString(h)
		b.WriteByte(':')
		b.WriteString(headerValue(r, h))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(signed, ";"))
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

// headerValue is the canonical value of a header: its values joined by
// ",", each trimmed, with runs of spaces made one.
func headerValue(r *http.Request, name string) string {
	var vals []string
	switch name {
	case "host":
		vals = []string{r.Host}
	case "content-length":
		vals = r.Header.Values(name)
		if len(vals) == 0 && r.ContentLength >= 0 {
			vals = []string{strconv.FormatInt(r.ContentLength, 10)}
		}
	default:
		vals = r.Header.Values(name)
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = strings.Join(strings.Fields(v), " ")
	}
	return strings.Join(out, ",")
}

// CanonicalURI normalises a (decoded) path as AWS does for services other
// than S3 — "." and ".." segments and empty segments removed, the trailing
// slash kept — and encodes each segment.
func CanonicalURI(p string) string {
	if p == "" {
		return "/"
	}
	var segs []string
	for _, s := range strings.Split(p, "/") {
		switch s {
		case "", ".":
		case "..":
			if len(segs) > 0 {
				segs = segs[:len(segs)-1]
			}
		default:
			segs = append(segs, Escape(s))
		}
	}
	out := "/" + strings.Join(segs, "/")
	if len(segs) > 0 && strings.HasSuffix(p, "/") {
		out += "/"
	}
	return out
}

// CanonicalQuery decodes a raw query and encodes it again, sorted by name
// then value ("+" stays a plus sign, as SDKs encode a space as %20). A
// presigned request's signature is left out.
func CanonicalQuery(raw string, presigned bool) string {
	if raw == "" {
		return ""
	}
	type kv struct{ k, v string }
	var ps []kv
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		k, v = unescape(k), unescape(v)
		if presigned && k == querySignature {
			continue
		}
		ps = append(ps, kv{Escape(k), Escape(v)})
	}
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].k != ps[j].k {
			return ps[i].k < ps[j].k
		}
		return ps[i].v < ps[j].v
	})
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String()
}

// unescape decodes %XX escapes; a malformed escape stays as it is.
func unescape(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1:i+3]) {
			n, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			b.WriteByte(byte(n))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Escape encodes every byte but the unreserved characters of RFC 3986
// (A-Z a-z 0-9 - . _ ~) as %XX with upper-case hex.
func Escape(s string) string {
	const hexd = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexd[c>>4])
		b.WriteByte(hexd[c&15])
	}
	return b.String()
}

// StringToSign is the algorithm, the request time, the scope and the hash
// of the canonical request, one a line.
func StringToSign(t time.Time, scope, canonicalRequest string) string {
	sum := sha256.Sum256([]byte(canonicalRequest))
	return Algorithm + "\n" + t.UTC().Format(timeFormat) + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
}

// SigningKey derives the key of a day, region and service from the secret.
func SigningKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, scopeTerminator)
}

// Sign is the hex HMAC-SHA256 of the string to sign under the signing key.
func Sign(key []byte, stringToSign string) string {
	return hex.EncodeToString(hmacSHA256(key, stringToSign))
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return s != ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// truncate keeps what an error quotes of a request short.
func truncate(s string) string {
	if len(s) > 100 {
		return s[:100] + "..."
	}
	return s
}
