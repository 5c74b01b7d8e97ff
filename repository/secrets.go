package repository

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// SecretKeySize is the length of the secrets key: AES-256.
const SecretKeySize = 32

// Stored forms of a sealed value. v1 does not say which key sealed it (it is tried with every
// configured key); v2 names the key by its id, so that a rotation can tell what is left to re-seal
// and an error can say which key is missing. A value stored in clear before sealing existed has
// neither prefix.
const (
	sealedPrefixV1 = "enc:v1:"
	sealedPrefixV2 = "enc:v2:"
)

// ErrSecretKey is a sealed secret that does not open with the configured keys: another key sealed it,
// or the stored value was altered or moved to another row.
var ErrSecretKey = errors.New("secrets key mismatch")

// SecretBox seals the secrets the server must read back in clear (webhook signing secrets, which
// sign every delivery, so they cannot be hashed) with AES-256-GCM under a key kept outside the
// database: a copy of the database alone does not give them away. It seals with its current key and
// opens with the current key or any previous one, so that the key can be rotated without downtime.
type SecretBox struct {
	current  secretKey
	previous []secretKey
}

type secretKey struct {
	aead cipher.AEAD
	// id names the key in stored values without revealing it: KeyID. sum is the whole hash, to
	// tell two keys that share an id apart.
	id  string
	sum [sha256.Size]byte
	// source names where the key came from (its file), for the errors an operator has to act on.
	source string
}

// KeyID is the id a key is named by in stored values and messages: the first 8 hex digits of the
// SHA-256 of the raw key, which an operator can compute from a key file
// (base64 -d < secrets.key | sha256sum | cut -c1-8). 32 bits of a hash of a random 256-bit key give
// nothing of it away.
func KeyID(key []byte) string {
	sum := sha256.Sum256(key)
	return hex.EncodeToString(sum[:4])
}

func newSecretKey(key []byte, source string) (secretKey, error) {
	if len(key) != SecretKeySize {
		return secretKey{}, fmt.Errorf("secrets key %s: %d bytes, want %d", source, len(key), SecretKeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return secretKey{}, fmt.Errorf("secrets key %s: %w", source, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return secretKey{}, fmt.Errorf("secrets key %s: %w", source, err)
	}
	return secretKey{aead: aead, id: KeyID(key), sum: sha256.Sum256(key), source: source}, nil
}

func (k secretKey) String() string { return k.source + " (id " + k.id + ")" }

// NewSecretBox returns a box sealing with key (SecretKeySize bytes); source names where the key
// came from, for errors.
func NewSecretBox(key []byte, source string) (*SecretBox, error) {
	k, err := newSecretKey(key, source)
	if err != nil {
		return nil, err
	}
	return &SecretBox{current: k}, nil
}

// WithPrevious returns a box that also opens what key sealed: a previous key, kept for reading
// while a rotation is under way. A key equal to the current one or one already added is ignored, so
// that a configuration left listing the current key as previous does no harm; another key with the
// same id (one chance in 2^32) is refused, as values could not say which of the two sealed them.
func (b *SecretBox) WithPrevious(key []byte, source string) (*SecretBox, error) {
	k, err := newSecretKey(key, source)
	if err != nil {
		return nil, err
	}
	if have, ok := b.key(k.id); ok {
		if have.sum != k.sum {
			return nil, fmt.Errorf("secrets key %s has the same key id %s as %s: make another key", source, k.id, have.source)
		}
		return b, nil
	}
	return &SecretBox{current: b.current, previous: append(b.previous[:len(b.previous):len(b.previous)], k)}, nil
}

// key returns the configured key with id.
func (b *SecretBox) key(id string) (secretKey, bool) {
	if b.current.id == id {
		return b.current, true
	}
	for _, k := range b.previous {
		if k.id == id {
			return k, true
		}
	}
	return secretKey{}, false
}

// Source names where the current key came from, with its id and the previous keys'.
func (b *SecretBox) Source() string {
	if b == nil {
		return "(none configured)"
	}
	s := b.current.String()
	if len(b.previous) > 0 {
		prev := make([]string, len(b.previous))
		for i, k := range b.previous {
			prev[i] = k.String()
		}
		s += ", previous " + strings.Join(prev, ", ")
	}
	return s
}

// CurrentKeyID is the id of the key the box seals with.
func (b *SecretBox) CurrentKeyID() string { return b.current.id }

// PreviousKeyIDs are the ids of the previous keys the box still opens with.
func (b *SecretBox) PreviousKeyIDs() []string {
	ids := make([]string, len(b.previous))
	for i, k := range b.previous {
		ids[i] = k.id
	}
	return ids
}

// errNoSecretBox is a wiring mistake: a repository that stores secrets was built without a key.
var errNoSecretBox = errors.New("no secrets key configured: secrets cannot be stored or read")

// Seal returns plain sealed with the current key for the place it is stored at (where: table, row id
// and column), so that the stored value opens there only. The empty string stays empty: there is
// nothing to hide.
func (b *SecretBox) Seal(plain, where string) (string, error) {
	if plain == "" {
		return "", nil
	}
	if b == nil {
		return "", errNoSecretBox
	}
	return b.current.seal(plain, where, sealedPrefixV2+b.current.id+":")
}

func (k secretKey) seal(plain, where, prefix string) (string, error) {
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("seal a secret: %w", err)
	}
	out := k.aead.Seal(nonce, nonce, []byte(plain), []byte(where))
	return prefix + base64.StdEncoding.EncodeToString(out), nil
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
	switch {
	case strings.HasPrefix(stored, sealedPrefixV2):
		id, body, ok := strings.Cut(stored[len(sealedPrefixV2):], ":")
		if !ok {
			return "", fmt.Errorf("%w: %s is damaged (no key id)", ErrSecretKey, where)
		}
		k, ok := b.key(id)
		if !ok {
			return "", fmt.Errorf("%w: %s was sealed with the key id %s, which is none of the configured secrets "+
				"keys (%s): give this replica that key, as current or previous key", ErrSecretKey, where, id, b.Source())
		}
		plain, err := k.open(body)
		if err != nil {
			return "", fmt.Errorf("%w: %s is damaged (key %s)", ErrSecretKey, where, k)
		}
		s, err := plain(where)
		if err != nil {
			return "", fmt.Errorf("%w: %s does not open with the key %s it names: the row was altered, or the value "+
				"was moved from another row", ErrSecretKey, where, k)
		}
		return s, nil
	case strings.HasPrefix(stored, sealedPrefixV1):
		// v1 does not name its key: the current one first (what a fleet that never rotated uses).
		for _, k := range append([]secretKey{b.current}, b.previous...) {
			plain, err := k.open(stored[len(sealedPrefixV1):])
			if err != nil {
				return "", fmt.Errorf("%w: %s is damaged (keys %s)", ErrSecretKey, where, b.Source())
			}
			if s, err := plain(where); err == nil {
				return s, nil
			}
		}
		return "", fmt.Errorf("%w: %s does not open with the keys %s; it was sealed with another key "+
			"(every replica must use the same key) or the row was altered", ErrSecretKey, where, b.Source())
	}
	return "", fmt.Errorf("%s: sealed in an unknown format %q", where, strings.SplitN(stored, ":", 3)[1])
}

// open decodes a sealed body; the returned function decrypts it for a place (an error there is the
// wrong key or an altered row; an error from open itself is a damaged value, whatever the key).
func (k secretKey) open(body string) (func(where string) (string, error), error) {
	raw, err := base64.StdEncoding.DecodeString(body)
	n := k.aead.NonceSize()
	if err != nil || len(raw) < n+k.aead.Overhead() {
		return nil, errors.New("damaged")
	}
	return func(where string) (string, error) {
		plain, err := k.aead.Open(nil, raw[:n], raw[n:], []byte(where))
		if err != nil {
			return "", fmt.Errorf("%w: %s does not open with the key %s", ErrSecretKey, where, k)
		}
		return string(plain), nil
	}, nil
}

// IsSealed reports whether a stored value is sealed (in a known format).
func IsSealed(stored string) bool {
	return strings.HasPrefix(stored, sealedPrefixV1) || strings.HasPrefix(stored, sealedPrefixV2)
}

// IsCurrent reports whether stored is sealed with the box's current key, in the current format:
// what a rotation leaves as it is.
func (b *SecretBox) IsCurrent(stored string) bool {
	return strings.HasPrefix(stored, sealedPrefixV2+b.current.id+":")
}

// SealedKeyID is the id of the key a stored value names (v2), or "" (clear, v1: no name).
func SealedKeyID(stored string) string {
	rest, ok := strings.CutPrefix(stored, sealedPrefixV2)
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, ":")
	return id
}
