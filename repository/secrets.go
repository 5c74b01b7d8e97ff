package repository

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// SecretKeySize is the length of the secrets key: AES-256.
const SecretKeySize = 32

// sealedPrefix marks a sealed value and its format, so that a later format can be told apart and
// a value stored in clear before sealing existed is recognised as such.
const sealedPrefix = "enc:v1:"

// ErrSecretKey is a sealed secret that does not open with the configured key: another key sealed it,
// or the stored value was altered or moved to another row.
var ErrSecretKey = errors.New("secrets key mismatch")

// SecretBox seals the secrets the server must read back in clear (webhook signing secrets, which
// sign every delivery, so they cannot be hashed) with AES-256-GCM under a key kept outside the
// database: a copy of the database alone does not give them away.
type SecretBox struct {
	aead cipher.AEAD
	// source names where the key came from (its file), for the errors an operator has to act on.
	source string
}

// NewSecretBox returns a box sealing with key (SecretKeySize bytes); source names where the key
// came from, for errors.
func NewSecretBox(key []byte, source string) (*SecretBox, error) {
	if len(key) != SecretKeySize {
		return nil, fmt.Errorf("secrets key %s: %d bytes, want %d", source, len(key), SecretKeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secrets key %s: %w", source, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secrets key %s: %w", source, err)
	}
	return &SecretBox{aead: aead, source: source}, nil
}

// Source names where the key came from.
func (b *SecretBox) Source() string {
	if b == nil {
		return "(none configured)"
	}
	return b.source
}

// errNoSecretBox is a wiring mistake: a repository that stores secrets was built without a key.
var errNoSecretBox = errors.New("no secrets key configured: secrets cannot be stored or read")

// Seal returns plain sealed for the place it is stored at (where: table, row id and column), so that
// the stored value opens there only. The empty string stays empty: there is nothing to hide.
func (b *SecretBox) Seal(plain, where string) (string, error) {
	if plain == "" {
		return "", nil
	}
	if b == nil {
		return "", errNoSecretBox
	}
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("seal a secret: %w", err)
	}
	out := b.aead.Seal(nonce, nonce, []byte(plain), []byte(where))
	return sealedPrefix + base64.StdEncoding.EncodeToString(out), nil
}

// Open returns the secret stored at where. A value without the sealed prefix was stored in clear
// before secrets were sealed and is returned as it is (the start-up upgrade seals it).
func (b *SecretBox) Open(stored, where string) (string, error) {
	if !strings.HasPrefix(stored, "enc:") {
		return stored, nil
	}
	if b == nil {
		return "", errNoSecretBox
	}
	if !IsSealed(stored) {
		return "", fmt.Errorf("%s: sealed in an unknown format %q", where, strings.SplitN(stored, ":", 3)[1])
	}
	raw, err := base64.StdEncoding.DecodeString(stored[len(sealedPrefix):])
	n := b.aead.NonceSize()
	if err != nil || len(raw) < n+b.aead.Overhead() {
		return "", fmt.Errorf("%w: %s is damaged (key %s)", ErrSecretKey, where, b.source)
	}
	plain, err := b.aead.Open(nil, raw[:n], raw[n:], []byte(where))
	if err != nil {
		return "", fmt.Errorf("%w: %s does not open with the key %s; it was sealed with another key "+
			"(every replica must use the same key) or the row was altered", ErrSecretKey, where, b.source)
	}
	return string(plain), nil
}

// IsSealed reports whether a stored value is sealed (in the current format).
func IsSealed(stored string) bool { return strings.HasPrefix(stored, sealedPrefix) }
