package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeyFileName is the server key generated in the data directory when no
// --secret-key is given.
const KeyFileName = "secret.key"

// Sealer encrypts secrets stored in the database (access keys' secrets,
// later connections' secrets) with AES-256-GCM under the server key. A
// sealed value is a version byte, the nonce and the ciphertext; the
// credential's id is the additional data, so a sealed secret copied onto
// another row does not open.
type Sealer struct {
	aead cipher.AEAD
	// previous are former server keys, tried by Open when the current one
	// fails: a key rotation keeps the values sealed before it readable
	// until they are replaced (docs/security.md, "The server key").
	previous []cipher.AEAD
}

// WithPrevious adds former server keys (specs as LoadSealer's, env: or
// file:) that Open tries after the current one.
func (s *Sealer) WithPrevious(specs []string) error {
	for _, spec := range specs {
		if !strings.HasPrefix(spec, "env:") && !strings.HasPrefix(spec, "file:") {
			return fmt.Errorf("--previous-secret-key %q: give env:NAME or file:PATH", spec)
		}
		old, _, err := LoadSealer(spec, "")
		if err != nil {
			return fmt.Errorf("--previous-secret-key: %w", err)
		}
		s.previous = append(s.previous, old.aead)
	}
	return nil
}

const sealVersion = 1

// LoadSealer reads the server key from spec: "env:NAME" (the variable
// holds the key), "file:PATH" (the file does), or "" for the file
// KeyFileName in dataDir, created with 0600 permissions at the first
// start. A key is 32 bytes given as 64 hex digits or base64; any other
// text of at least 32 bytes is hashed with SHA-256 into one.
// generated tells whether the key file was just created.
func LoadSealer(spec, dataDir string) (s *Sealer, generated bool, err error) {
	var raw []byte
	switch {
	case strings.HasPrefix(spec, "env:"):
		name := strings.TrimPrefix(spec, "env:")
		v, ok := os.LookupEnv(name)
		if !ok || v == "" {
			return nil, false, fmt.Errorf("--secret-key %s: the variable %s is not set", spec, name)
		}
		raw = []byte(v)
	case strings.HasPrefix(spec, "file:"):
		raw, err = os.ReadFile(strings.TrimPrefix(spec, "file:"))
		if err != nil {
			return nil, false, fmt.Errorf("--secret-key %s: %w", spec, err)
		}
	case spec == "":
		path := filepath.Join(dataDir, KeyFileName)
		raw, err = os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			key := make([]byte, 32)
			if _, err := rand.Read(key); err != nil {
				return nil, false, err
			}
			raw = []byte(hex.EncodeToString(key) + "\n")
			if err := writeSecretFile(path, raw); err != nil {
				return nil, false, fmt.Errorf("creating the server key: %w", err)
			}
			generated = true
		} else if err != nil {
			return nil, false, fmt.Errorf("the server key: %w", err)
		}
	default:
		return nil, false, fmt.Errorf("--secret-key %q: give env:NAME or file:PATH", spec)
	}
	key, err := decodeKey(strings.TrimSpace(string(raw)))
	if err != nil {
		return nil, false, fmt.Errorf("the server key (%s): %w", cmpOr(spec, filepath.Join(dataDir, KeyFileName)), err)
	}
	s, err = NewSealer(key)
	return s, generated, err
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// decodeKey turns the key's text into 32 bytes.
func decodeKey(s string) ([]byte, error) {
	if b, err := hex.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	if len(s) < 32 {
		return nil, errors.New("too short: give 32 random bytes as 64 hex digits (openssl rand -hex 32)")
	}
	sum := sha256.Sum256([]byte(s))
	return sum[:], nil
}

// NewSealer returns a Sealer of a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts plain, bound to id.
func (s *Sealer) Seal(id string, plain []byte) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out := append([]byte{sealVersion}, nonce...)
	return s.aead.Seal(out, nonce, plain, []byte(id)), nil
}

// ErrSealed is the error of a sealed value that does not open: another
// server key, or a damaged or moved value.
var ErrSealed = errors.New("the secret does not decrypt with this server's key (was --secret-key changed?)")

// Open decrypts what Seal made for id.
func (s *Sealer) Open(id string, sealed []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < 1+n || sealed[0] != sealVersion {
		return nil, ErrSealed
	}
	for _, aead := range append([]cipher.AEAD{s.aead}, s.previous...) {
		if plain, err := aead.Open(nil, sealed[1:1+n], sealed[1+n:], []byte(id)); err == nil {
			return plain, nil
		}
	}
	return nil, ErrSealed
}

// writeSecretFile creates path readable by its owner only; it fails when
// the file exists, so that nothing is overwritten.
func writeSecretFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
