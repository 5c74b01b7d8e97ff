// Package apikey manages credentials: random bearer secrets stored only as a hash, each with one role.
package apikey

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/event"
)

// secretPrefix makes our secrets recognisable to secret scanners and to people.
const secretPrefix = "vrk_"

// lastUsedGranularity bounds how often authentication writes last_used_at: once a minute per key is
// enough to answer "is this key still used?" without a write on every request.
const lastUsedGranularity = time.Minute

// Key is a stored credential. The secret itself is never stored.
type Key struct {
	ID         string
	Name       string
	Role       auth.Role
	VendorID   string // suppliers only
	Prefix     string // the first characters of the secret, to recognise it in lists
	Hash       string `event:"-"` // hex SHA-256 of the secret: never in an event
	CreatedBy  string // key ID of the creator, or "cli"/"bootstrap"
	CreatedAt  time.Time
	ExpiresAt  *time.Time
	RevokedAt  *time.Time
	LastUsedAt *time.Time
}

// Active reports whether the key may authenticate at now.
func (k Key) Active(now time.Time) bool {
	return k.RevokedAt == nil && (k.ExpiresAt == nil || now.Before(*k.ExpiresAt))
}

// Repository stores keys.
type Repository interface {
	Create(ctx context.Context, k Key) error
	Get(ctx context.Context, id string) (Key, error)
	GetByHash(ctx context.Context, hash string) (Key, error)
	// List returns keys ordered by ID after the given ID, at most limit.
	List(ctx context.Context, afterID string, limit int) ([]Key, error)
	Revoke(ctx context.Context, id string, at time.Time) error
	TouchLastUsed(ctx context.Context, id string, at time.Time) error
	Count(ctx context.Context) (int64, error)
}

// VendorExists lets the service check a supplier key's vendor without depending on the vendor package.
type VendorExists func(ctx context.Context, id string) (bool, error)

// Service holds the credential use cases.
type Service struct {
	repo         Repository
	vendorExists VendorExists
	now          domain.Clock
	tx           domain.TxManager
	events       event.Recorder
	cache        *authCache
}

// NewService wires the credential use cases; events records each credential made or revoked. Verified
// credentials are cached for DefaultCacheTTL (see CacheFor).
func NewService(repo Repository, vendorExists VendorExists, now domain.Clock, tx domain.TxManager, events event.Recorder) *Service {
	return &Service{repo: repo, vendorExists: vendorExists, now: now, tx: tx, events: events, cache: newAuthCache(DefaultCacheTTL)}
}

func subject(k Key) event.Subject {
	return event.Subject{Type: "api_key", ID: k.ID, VendorID: k.VendorID}
}

// CacheFor sets how long a verified credential is believed without a database read; zero or less
// asks the database on every request. A key revoked through this service is refused at once; one
// revoked elsewhere (another replica, the CLI) is refused here within ttl. Call it before serving.
func (s *Service) CacheFor(ttl time.Duration) { s.cache = newAuthCache(ttl) }

// NewKey is the input for Create.
type NewKey struct {
	Name      string
	Role      auth.Role
	VendorID  string
	ExpiresAt *time.Time
	CreatedBy string
}

// Create makes a key and returns it with its secret, which is shown this once.
func (s *Service) Create(ctx context.Context, in NewKey) (Key, string, error) {
	if err := s.validate(ctx, &in); err != nil {
		return Key{}, "", err
	}
	k, secret, err := Mint(in, s.now())
	if err != nil {
		return Key{}, "", err
	}
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.repo.Create(ctx, k); err != nil {
			return fmt.Errorf("store api key: %w", err)
		}
		return event.Record(ctx, s.events, "api_key.created", subject(k), nil, k)
	})
	if err != nil {
		return Key{}, "", err
	}
	return k, secret, nil
}

func (s *Service) validate(ctx context.Context, in *NewKey) error {
	in.Name = strings.TrimSpace(in.Name)
	in.VendorID = strings.TrimSpace(in.VendorID)
	var v domain.Validator
	_, okRole := auth.ParseRole(string(in.Role))
	v.Check(okRole, "role", "must be one of admin, procurement, risk_owner, auditor, supplier")
	v.Check(utf8.RuneCountInString(in.Name) <= 200, "name", "must be at most 200 characters")
	v.Check(in.ExpiresAt == nil || in.ExpiresAt.After(s.now()), "expires_at", "must be in the future")
	switch {
	case in.Role == auth.RoleSupplier && in.VendorID == "":
		v.Add("vendor_id", "is required for a supplier key")
	case in.Role != auth.RoleSupplier && in.VendorID != "":
		v.Add("vendor_id", "is only allowed for a supplier key")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if in.VendorID == "" {
		return nil
	}
	ok := domain.ValidID(in.VendorID)
	if ok {
		var err error
		if ok, err = s.vendorExists(ctx, in.VendorID); err != nil {
			return fmt.Errorf("check vendor %s: %w", in.VendorID, err)
		}
	}
	if !ok {
		return domain.Invalid("vendor_id", "no such vendor")
	}
	return nil
}

// Get returns one key's metadata.
func (s *Service) Get(ctx context.Context, id string) (Key, error) {
	if !domain.ValidID(id) {
		return Key{}, domain.NotFound("api key", id)
	}
	k, err := s.repo.Get(ctx, id)
	if errors.Is(err, domain.ErrNotFound) {
		return Key{}, domain.NotFound("api key", id)
	}
	if err != nil {
		return Key{}, fmt.Errorf("load api key %s: %w", id, err)
	}
	return k, nil
}

// List returns one page of keys, oldest first.
func (s *Service) List(ctx context.Context, limit int, cursor string) (domain.Page[Key], error) {
	return domain.ListPage(ctx, "api keys", limit, cursor, "created_at",
		func(ctx context.Context, after *domain.Cursor, limit int) ([]Key, error) {
			return s.repo.List(ctx, domain.CursorID(after), limit)
		}, func(k Key) domain.Cursor { return domain.Cursor{Sort: "created_at", ID: k.ID} })
}

// Revoke ends a key at once. Revoking a revoked key is a no-op that keeps the first revocation time.
func (s *Service) Revoke(ctx context.Context, id string) (Key, error) {
	k, err := s.Get(ctx, id)
	if err != nil {
		return Key{}, err
	}
	if k.RevokedAt != nil {
		return k, nil
	}
	now := s.now()
	before := k
	k.RevokedAt = &now
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.repo.Revoke(ctx, id, now); err != nil {
			return fmt.Errorf("revoke api key %s: %w", id, err)
		}
		return event.Record(ctx, s.events, "api_key.revoked", subject(k), before, k)
	})
	if err != nil {
		return Key{}, err
	}
	// Refused at once here: the entry goes, and the key is not cached again for a while, so that a
	// request that reads the row before this transaction commits cannot put it back for a TTL.
	s.cache.revoked(id, now)
	return k, nil
}

// Authenticate turns a bearer secret into a principal. Unknown, revoked and expired secrets all give
// the same Unauthenticated error so that the answer reveals nothing about which keys exist.
func (s *Service) Authenticate(ctx context.Context, secret string) (auth.Principal, error) {
	denied := domain.Errorf(domain.KindUnauthenticated, "the credential is missing, unknown, revoked or expired")
	if !strings.HasPrefix(secret, secretPrefix) || len(secret) > 128 {
		return auth.Principal{}, denied
	}
	h := hash(secret)
	now := s.now()
	if e, ok := s.cache.get(h, now); ok {
		if e.expiresAt != nil && !now.Before(*e.expiresAt) {
			s.cache.forget(e.principal.KeyID)
			return auth.Principal{}, denied
		}
		if err := s.touch(ctx, h, e.principal.KeyID, e.lastUsed, now); err != nil {
			return auth.Principal{}, err
		}
		return e.principal, nil
	}
	k, err := s.repo.GetByHash(ctx, h)
	if errors.Is(err, domain.ErrNotFound) {
		return auth.Principal{}, denied
	}
	if err != nil {
		return auth.Principal{}, fmt.Errorf("look up api key: %w", err)
	}
	if !k.Active(now) {
		return auth.Principal{}, denied
	}
	p := auth.Principal{KeyID: k.ID, Name: k.Name, Role: k.Role, VendorID: k.VendorID}
	s.cache.put(h, cached{principal: p, expiresAt: k.ExpiresAt, lastUsed: k.LastUsedAt, until: now.Add(s.cache.ttl)})
	if err := s.touch(ctx, h, k.ID, k.LastUsedAt, now); err != nil {
		return auth.Principal{}, err
	}
	return p, nil
}

// touch writes last_used_at when the stored one is older than lastUsedGranularity (or absent).
func (s *Service) touch(ctx context.Context, h, id string, lastUsed *time.Time, now time.Time) error {
	if lastUsed != nil && now.Sub(*lastUsed) < lastUsedGranularity {
		return nil
	}
	if err := s.repo.TouchLastUsed(ctx, id, now); err != nil {
		return fmt.Errorf("record api key use: %w", err)
	}
	s.cache.touched(h, now)
	return nil
}

// PrincipalOf is the principal of an active key, for a session that acts as it (the supplier portal):
// a revoked, expired or unknown key is Unauthenticated, like its secret.
func (s *Service) PrincipalOf(ctx context.Context, id string) (auth.Principal, error) {
	denied := domain.Errorf(domain.KindUnauthenticated, "the credential is missing, unknown, revoked or expired")
	k, err := s.repo.Get(ctx, id)
	if errors.Is(err, domain.ErrNotFound) {
		return auth.Principal{}, denied
	}
	if err != nil {
		return auth.Principal{}, fmt.Errorf("load api key %s: %w", id, err)
	}
	if !k.Active(s.now()) {
		return auth.Principal{}, denied
	}
	return auth.Principal{KeyID: k.ID, Name: k.Name, Role: k.Role, VendorID: k.VendorID}, nil
}

// Bootstrap creates the first admin key when the database has no key at all. It returns the secret,
// or "" when keys already exist.
func (s *Service) Bootstrap(ctx context.Context) (Key, string, error) {
	var (
		k      Key
		secret string
	)
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		n, err := s.repo.Count(ctx)
		if err != nil {
			return fmt.Errorf("count api keys: %w", err)
		}
		if n > 0 {
			return nil
		}
		k, secret, err = s.Create(ctx, NewKey{Name: "bootstrap admin", Role: auth.RoleAdmin, CreatedBy: "bootstrap"})
		return err
	})
	return k, secret, err
}

// Mint makes a key and its secret at now without checking or storing it: Create's first step, and how
// tests seed credentials straight into storage.
func Mint(in NewKey, now time.Time) (Key, string, error) {
	secret, err := newSecret()
	if err != nil {
		return Key{}, "", fmt.Errorf("generate secret: %w", err)
	}
	return Key{
		ID: domain.NewID(), Name: in.Name, Role: in.Role, VendorID: in.VendorID,
		Prefix: secret[:len(secretPrefix)+8], Hash: hash(secret), CreatedBy: in.CreatedBy,
		CreatedAt: now, ExpiresAt: in.ExpiresAt,
	}, secret, nil
}

func newSecret() (string, error) {
	b := make([]byte, 32) // 256 bits
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return secretPrefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)), nil
}

// hash is a plain SHA-256: the secrets are 256 random bits, so a slow password hash adds nothing but
// latency on every request.
func hash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
