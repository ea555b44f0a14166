package sqlrows

import (
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/batonhq/baton/internal/store"
)

// Page limits.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// Kinds of page tokens: a token is only valid for the list that issued it.
const (
	KindStateMachines = "sm"
	KindVersions      = "v"
	KindAliases       = "a"
	KindActivities    = "act"
	KindExecutions    = "x"
	KindHistory       = "h"
	KindHistoryRev    = "hr"
	KindEventBuses    = "eb"
	KindRules         = "er"
	KindAudit         = "au"
)

// PageKey is the last key of a page, what a token encodes: base64url of
// its JSON.
type PageKey struct {
	Kind string `json:"k"`
	T    string `json:"t,omitempty"` // sort key (e.g. a name)
	S    string `json:"s,omitempty"` // tie breaker or key (e.g. an ARN)
	N    int64  `json:"n,omitempty"`
}

// Limit returns the effective page size of p.
func Limit(p store.Page) int {
	switch {
	case p.Limit <= 0:
		return DefaultLimit
	case p.Limit > MaxLimit:
		return MaxLimit
	}
	return p.Limit
}

// DecodeToken decodes p.Token for a list of the given kind. ok is false for
// the first page.
func DecodeToken(kind, token string) (k PageKey, ok bool, err error) {
	if token == "" {
		return k, false, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return k, false, fmt.Errorf("page token: %w", store.ErrBadToken)
	}
	if err := json.Unmarshal(b, &k); err != nil || k.Kind != kind {
		return k, false, fmt.Errorf("page token: %w", store.ErrBadToken)
	}
	return k, true, nil
}

// EncodeToken returns the token of the page that follows k.
func EncodeToken(k PageKey) string {
	b, err := json.Marshal(k)
	if err != nil { // cannot happen: strings and ints only
		return ""
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// HistoryKind is the kind of the tokens of an execution's history read
// forward, or in reverse.
func HistoryKind(reverse bool) string {
	if reverse {
		return KindHistoryRev
	}
	return KindHistory
}

// NextPage cuts out, read with a limit of n+1, to a page of n rows and
// returns the token of the page that follows: "" when out was the last.
// key returns a row's key; NextPage sets its Kind to kind.
func NextPage[T any](out []T, n int, kind string, key func(T) PageKey) ([]T, string) {
	if len(out) <= n {
		return out, ""
	}
	out = out[:n]
	next := key(out[n-1])
	next.Kind = kind
	return out, EncodeToken(next)
}
