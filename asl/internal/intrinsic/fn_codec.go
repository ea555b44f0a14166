package intrinsic

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"strings"
	"unicode/utf8"

	"github.com/batonhq/baton/internal/value"
)

// hashes are the algorithms of States.Hash, by the names it accepts.
var hashes = map[string]func() hash.Hash{
	"MD5":     md5.New,
	"SHA-1":   sha1.New,
	"SHA-256": sha256.New,
	"SHA-384": sha512.New384,
	"SHA-512": sha512.New,
}

const hashNames = "MD5, SHA-1, SHA-256, SHA-384, SHA-512"

// evalBase64Encode implements States.Base64Encode(string): the standard,
// padded encoding of the string's UTF-8 bytes.
func evalBase64Encode(c *callNode, args []any) (any, error) {
	s, ok := args[0].(string)
	if !ok || textLen(s) > maxTextLen {
		return nil, invalidArgs(c.fn.name)
	}
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

// evalBase64Decode implements States.Base64Decode(string). Like Java's MIME
// decoder, it skips characters outside the Base64 alphabet and does not
// require padding, which is how AWS behaves. Bytes that are not UTF-8
// become U+FFFD.
func evalBase64Decode(c *callNode, args []any) (any, error) {
	s, ok := args[0].(string)
	if !ok || textLen(s) > maxTextLen {
		return nil, invalidArgs(c.fn.name)
	}
	clean := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if isBase64Byte(s[i]) {
			clean = append(clean, s[i])
		}
	}
	if len(clean)%4 == 1 {
		clean = clean[:len(clean)-1] // six lone bits make no byte
	}
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
	n, err := base64.RawStdEncoding.Decode(out, clean)
	if err != nil {
		return nil, invalidArgs(c.fn.name)
	}
	return validUTF8(out[:n]), nil
}

func isBase64Byte(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/'
}

// validUTF8 converts b to a string, replacing each invalid byte with U+FFFD.
func validUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		sb.WriteRune(r) // utf8.RuneError for an invalid byte
		b = b[size:]
	}
	return sb.String()
}

// evalHash implements States.Hash(data, algorithm): the lowercase hex
// digest. Data that is not a string is hashed as its JSON text, as AWS does.
func evalHash(c *callNode, args []any) (any, error) {
	data, ok := args[0].(string)
	if !ok {
		data = string(value.Marshal(args[0]))
	}
	algo, _ := args[1].(string)
	newHash := hashes[algo]
	if newHash == nil || textLen(data) > maxTextLen {
		return nil, invalidArgs(c.fn.name)
	}
	h := newHash()
	h.Write([]byte(data))
	return hex.EncodeToString(h.Sum(nil)), nil
}
