package sqlrows

import (
	"encoding/json"
	"time"

	"github.com/batonhq/baton/internal/store"
)

// Nanos encodes t as Unix nanoseconds, 0 for the zero time.
func Nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// FromNanos decodes Nanos: 0 is the zero time, anything else a UTC time.
func FromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// Language is the language stored for a definition: "asl", the only one
// before languages were recorded, when none is given.
func Language(l string) string {
	if l == "" {
		return "asl"
	}
	return l
}

// NonNil returns b, or an empty slice for nil (for NOT NULL BLOB and BYTEA
// columns).
func NonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// Routes is an alias's routing as stored: never JSON null.
func Routes(r []store.Route) []store.Route {
	if r == nil {
		return []store.Route{}
	}
	return r
}

// Roles encodes a credential's roles as stored: a JSON array, [] for none.
func Roles(roles []store.RoleGrant) (string, error) {
	if roles == nil {
		return "[]", nil
	}
	b, err := json.Marshal(roles)
	return string(b), err
}
