package service

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/batonhq/baton/internal/apierr"
)

// maxNameLen is the longest name of a state machine, execution, activity
// or alias, in characters.
const maxNameLen = 80

// forbiddenNameChars are the characters Step Functions refuses in names,
// besides whitespace and control characters.
const forbiddenNameChars = "<>{}[]?*\"#%\\^|~`$&,;:/"

// checkName checks the name of a state machine, execution or activity as
// Step Functions does and returns an apierr InvalidName saying what is
// wrong; what is the kind of thing named ("state machine", ...).
func checkName(what, name string) error {
	if reason := nameProblem(name); reason != "" {
		return apierr.New(apierr.InvalidName, "Invalid Name: '%s' (%s name %s)", name, what, reason)
	}
	return nil
}

// nameProblem returns why name is not a valid name, or "".
func nameProblem(name string) string {
	if name == "" {
		return "must not be empty"
	}
	if !utf8.ValidString(name) {
		return "is not valid UTF-8"
	}
	if n := utf8.RuneCountInString(name); n > maxNameLen {
		return fmt.Sprintf("is %d characters long; the limit is %d", n, maxNameLen)
	}
	for _, r := range name {
		switch {
		case unicode.IsSpace(r):
			return "must not contain whitespace"
		case r < 0x20 || (r >= 0x7f && r <= 0x9f):
			return fmt.Sprintf("must not contain control characters (U+%04X)", r)
		case strings.ContainsRune(forbiddenNameChars, r):
			return fmt.Sprintf("must not contain %q: brackets <>{}[], wildcards ?*, and the characters \"#%%\\^|~`$&,;:/ are not allowed", r)
		}
	}
	return ""
}

// checkAliasName checks an alias name: 1 to 80 letters, digits, '-', '_'
// and '.', not only digits (that would read as a version number).
func checkAliasName(name string) error {
	bad := func(reason string) error {
		return apierr.New(apierr.InvalidName, "Invalid Name: '%s' (alias name %s)", name, reason)
	}
	if name == "" {
		return bad("must not be empty")
	}
	if len(name) > maxNameLen {
		return bad(fmt.Sprintf("is %d characters long; the limit is %d", len(name), maxNameLen))
	}
	digits := true
	for _, r := range name {
		switch {
		case r >= '0' && r <= '9':
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '-', r == '_', r == '.':
			digits = false
		default:
			return bad(fmt.Sprintf("must contain only letters, digits, '-', '_' and '.', not %q", r))
		}
	}
	if digits {
		return bad("must contain at least one letter, '-', '_' or '.'")
	}
	return nil
}
