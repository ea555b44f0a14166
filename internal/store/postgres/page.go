package postgres

import (
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/batonhq/baton/internal/store"
)

// Page limits.
const (
	defaultLimit = 100
	maxLimit     = 1000
)

// Kinds of page tokens: a token is only valid for the list that issued it.
const (
	kindStateMachines = "sm"
	kindVersions      = "v"
	kindAliases       = "a"
	kindActivities    = "act"
	kindExecutions    = "x"
	kindHistory       = "h"
	kindHistoryRev    = "hr"
	kindEventBuses    = "eb"
	kindRules         = "er"
)

// pageKey is the last key of a page, what a token encodes: base64url of
// its JSON.
type pageKey struct {
	Kind string `json:"k"`
	T    string `json:"t,omitempty"` // sort key (e.g. a name)
	S    string `json:"s,omitempty"` // tie breaker or key (e.g. an ARN)
	N    int64  `json:"n,omitempty"`
}

// limit returns the effective page size of p.
func limit(p store.Page) int {
	switch {
	case p.Limit <= 0:
		return defaultLimit
	case p.Limit > maxLimit:
		return maxLimit
	}
	return p.Limit
}

// decodeToken decodes p.Token for a list of the given kind. ok is false for
// the first page.
func decodeToken(kind, token string) (k pageKey, ok bool, err error) {
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

// encodeToken returns the token of the page that follows k.
func encodeToken(k pageKey) string {
	b, err := json.Marshal(k)
	if err != nil { // cannot happen: strings and ints only
		return ""
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
