// Package portal holds the supplier portal's ways in: one-time invitation tokens handed out when an
// assessment is sent, and the browser sessions they (or a supplier API key) are exchanged for. A session
// acts as the supplier credential it was opened with, so it lasts only while that credential is active:
// revoking the key (cancelling the assessment revokes its key) ends every session opened with it.
package portal

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/auth"
)

// Kind tells invitations from sessions.
type Kind string

const (
	KindInvitation Kind = "invitation"
	KindSession    Kind = "session"
)

// Token is a stored invitation or session; only the hash of its secret is kept.
type Token struct {
	ID           string
	Kind         Kind
	Hash         string
	KeyID        string // the supplier credential the token acts as
	VendorID     string
	AssessmentID string // the assessment an invitation leads to ("" for a session opened with a key)
	CSRF         string // sessions only: the token every form of the session carries
	CreatedAt    time.Time
	ExpiresAt    time.Time
	UsedAt       *time.Time // invitations: when it was exchanged
	EndedAt      *time.Time // sessions: when it was signed out
}

// Session is an open browser session.
type Session struct {
	ID           string
	Principal    auth.Principal
	AssessmentID string
	CSRF         string
	ExpiresAt    time.Time
}

// Repository stores tokens.
type Repository interface {
	Create(ctx context.Context, t Token) error
	GetByHash(ctx context.Context, hash string) (Token, error)
	// Use marks an unused invitation used and reports whether this call did (false: it was used already).
	Use(ctx context.Context, id string, at time.Time) (bool, error)
	End(ctx context.Context, id string, at time.Time) error
}

// Credentials are what the portal needs of the API keys.
type Credentials struct {
	// Authenticate turns an API key secret into its principal (Unauthenticated if unknown, revoked or expired).
	Authenticate func(ctx context.Context, secret string) (auth.Principal, error)
	// Principal is the principal of an active key (Unauthenticated once revoked or expired).
	Principal func(ctx context.Context, keyID string) (auth.Principal, error)
}

// DefaultSessionTTL is how long a session lasts from sign-in.
const DefaultSessionTTL = 8 * time.Hour

// Service holds the portal's sign-in use cases.
type Service struct {
	repo  Repository
	creds Credentials
	tx    domain.TxManager
	now   domain.Clock
	ttl   time.Duration
}

// NewService wires the portal sessions; ttl <= 0 takes DefaultSessionTTL.
func NewService(repo Repository, creds Credentials, tx domain.TxManager, now domain.Clock, ttl time.Duration) *Service {
	if ttl <= 0 {
		ttl = DefaultSessionTTL
	}
	return &Service{repo: repo, creds: creds, tx: tx, now: now, ttl: ttl}
}

var denied = domain.Errorf(domain.KindUnauthenticated, "the link or session is unknown, used, expired or ended")

const (
	invitationPrefix = "vri_"
	sessionPrefix    = "vrs_"
)

// Invite creates the one-time invitation to the assessment for the supplier key sent with it and
// returns its secret (shown once, in the send response).
func (s *Service) Invite(ctx context.Context, keyID, vendorID, assessmentID string, expires time.Time) (string, error) {
	secret, err := newSecret(invitationPrefix)
	if err != nil {
		return "", err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return "", fmt.Errorf("new invitation id: %w", err)
	}
	t := Token{ID: id.String(), Kind: KindInvitation, Hash: hash(secret), KeyID: keyID, VendorID: vendorID,
		AssessmentID: assessmentID, CreatedAt: s.now(), ExpiresAt: expires}
	if err := s.repo.Create(ctx, t); err != nil {
		return "", fmt.Errorf("store invitation: %w", err)
	}
	return secret, nil
}

// Redeem exchanges an invitation for a session, once: the second exchange of the same invitation is
// Unauthenticated.
func (s *Service) Redeem(ctx context.Context, invitation string) (Session, string, error) {
	var out Session
	var secret string
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		t, err := s.lookup(ctx, invitation, invitationPrefix, KindInvitation)
		if err != nil {
			return err
		}
		if t.UsedAt != nil {
			return denied
		}
		p, err := s.creds.Principal(ctx, t.KeyID)
		if err != nil {
			return err
		}
		ok, err := s.repo.Use(ctx, t.ID, s.now())
		if err != nil {
			return fmt.Errorf("use invitation: %w", err)
		}
		if !ok {
			return denied
		}
		out, secret, err = s.open(ctx, p, t.AssessmentID)
		return err
	})
	return out, secret, err
}

// SignIn opens a session with a supplier API key. Keys of internal roles are refused: the portal is
// the supplier's.
func (s *Service) SignIn(ctx context.Context, apiKey string) (Session, string, error) {
	var out Session
	var secret string
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		p, err := s.creds.Authenticate(ctx, strings.TrimSpace(apiKey))
		if err != nil {
			return err
		}
		if !p.IsSupplier() {
			return domain.Errorf(domain.KindForbidden, "the portal is for supplier keys; use the API with this key")
		}
		out, secret, err = s.open(ctx, p, "")
		return err
	})
	return out, secret, err
}

func (s *Service) open(ctx context.Context, p auth.Principal, assessmentID string) (Session, string, error) {
	secret, err := newSecret(sessionPrefix)
	if err != nil {
		return Session{}, "", err
	}
	csrf, err := newSecret("")
	if err != nil {
		return Session{}, "", err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return Session{}, "", fmt.Errorf("new session id: %w", err)
	}
	now := s.now()
	t := Token{ID: id.String(), Kind: KindSession, Hash: hash(secret), KeyID: p.KeyID, VendorID: p.VendorID,
		AssessmentID: assessmentID, CSRF: csrf, CreatedAt: now, ExpiresAt: now.Add(s.ttl)}
	if err := s.repo.Create(ctx, t); err != nil {
		return Session{}, "", fmt.Errorf("store session: %w", err)
	}
	return Session{ID: t.ID, Principal: p, AssessmentID: assessmentID, CSRF: csrf, ExpiresAt: t.ExpiresAt}, secret, nil
}

// Resolve returns the open session of a cookie secret. Expired, ended and unknown sessions, and
// sessions whose credential was revoked (the assessment was cancelled) or expired, are Unauthenticated.
func (s *Service) Resolve(ctx context.Context, secret string) (Session, error) {
	t, err := s.lookup(ctx, secret, sessionPrefix, KindSession)
	if err != nil {
		return Session{}, err
	}
	if t.EndedAt != nil {
		return Session{}, denied
	}
	p, err := s.creds.Principal(ctx, t.KeyID)
	if err != nil {
		return Session{}, err
	}
	return Session{ID: t.ID, Principal: p, AssessmentID: t.AssessmentID, CSRF: t.CSRF, ExpiresAt: t.ExpiresAt}, nil
}

// End signs a session out.
func (s *Service) End(ctx context.Context, id string) error {
	if err := s.repo.End(ctx, id, s.now()); err != nil {
		return fmt.Errorf("end session %s: %w", id, err)
	}
	return nil
}

// CSRFValid compares a form's token with the session's in constant time.
func (ss Session) CSRFValid(token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(ss.CSRF)) == 1
}

func (s *Service) lookup(ctx context.Context, secret, prefix string, kind Kind) (Token, error) {
	if !strings.HasPrefix(secret, prefix) || len(secret) > 128 {
		return Token{}, denied
	}
	t, err := s.repo.GetByHash(ctx, hash(secret))
	if errors.Is(err, domain.ErrNotFound) {
		return Token{}, denied
	}
	if err != nil {
		return Token{}, fmt.Errorf("look up %s: %w", kind, err)
	}
	if t.Kind != kind || !s.now().Before(t.ExpiresAt) {
		return Token{}, denied
	}
	return t, nil
}

func newSecret(prefix string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random secret: %w", err)
	}
	return prefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)), nil
}

func hash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
