package config

import (
	"fmt"
	"log/slog"
)

// redacted is what a Secret prints as, whatever prints it.
const redacted = "[redacted]"

// Secret is a credential read from the environment or a file when the
// configuration is loaded (a password, a secret key, a token). It prints as
// "[redacted]" through fmt (every verb), encoding/json and log/slog, so that
// a connection can be logged or put in an error without leaking what it
// holds; only Reveal gives the value, to the client that needs it.
type Secret struct {
	value string
	// ref says the value came from a reference (or NewSecret): a real
	// secret, scrubbed from messages by Connection.Redact. A value written
	// in the file (a header such as Accept: text/csv) only prints redacted.
	ref bool
}

// NewSecret wraps a value (for tests and programs that build a Config).
func NewSecret(v string) Secret { return Secret{value: v, ref: true} }

// Reveal returns the value, for the driver or client that authenticates.
func (s Secret) Reveal() string { return s.value }

// IsZero reports whether the secret is empty (not configured).
func (s Secret) IsZero() bool { return s.value == "" }

// String returns "[redacted]".
func (Secret) String() string { return redacted }

// GoString returns "[redacted]" for %#v.
func (Secret) GoString() string { return redacted }

// Format prints "[redacted]" for every verb (%s, %v, %q, %x, %d...).
func (Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// MarshalJSON encodes the secret as the string "[redacted]".
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText encodes the secret as "[redacted]" (YAML, XML, map keys).
func (Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// LogValue logs the secret as "[redacted]".
func (Secret) LogValue() slog.Value { return slog.StringValue(redacted) }
