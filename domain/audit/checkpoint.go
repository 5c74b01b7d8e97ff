package audit

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
)

// CheckpointVersion names the signed form of a checkpoint; it is part of the signed message.
const CheckpointVersion = "audit-checkpoint-v1"

// Checkpoint is the chain's head at a moment, signed with a key the database does not hold. Someone
// who can write the database can rewrite the chain and recompute every hash, but cannot sign: a
// checkpoint kept outside (exported) or still in the table exposes a rewritten or truncated chain.
type Checkpoint struct {
	Seq       int64
	Hash      string
	SignedAt  time.Time
	KeyID     string
	PublicKey ed25519.PublicKey
	Signature []byte
}

// Message is what is signed: the version, seq, hash and signing time, one per line.
func (c Checkpoint) Message() []byte {
	return []byte(CheckpointVersion + "\n" + strconv.FormatInt(c.Seq, 10) + "\n" + c.Hash + "\n" +
		c.SignedAt.UTC().Format("2006-01-02T15:04:05.000000Z"))
}

// SignatureValid reports whether the signature verifies under the checkpoint's own public key, and
// the key id names that key.
func (c Checkpoint) SignatureValid() bool {
	return len(c.PublicKey) == ed25519.PublicKeySize && KeyID(c.PublicKey) == c.KeyID &&
		ed25519.Verify(c.PublicKey, c.Message(), c.Signature)
}

// KeyID names a public key: the first 16 hex digits of its SHA-256.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// Signer holds the private key that signs checkpoints.
type Signer struct{ key ed25519.PrivateKey }

// NewSigner makes a signer from a 32-byte Ed25519 seed.
func NewSigner(seed []byte) (*Signer, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("audit signing key: want a %d-byte Ed25519 seed, got %d bytes", ed25519.SeedSize, len(seed))
	}
	return &Signer{key: ed25519.NewKeyFromSeed(seed)}, nil
}

// Public is the key that verifies the signer's checkpoints.
func (s *Signer) Public() ed25519.PublicKey { return s.key.Public().(ed25519.PublicKey) }

// CheckpointRepository stores checkpoints (append-only).
type CheckpointRepository interface {
	// AddCheckpoint stores c; domain.ErrDuplicate when one exists for its seq already.
	AddCheckpoint(ctx context.Context, c Checkpoint) error
	// Checkpoints returns every stored checkpoint in seq order.
	Checkpoints(ctx context.Context) ([]Checkpoint, error)
}

// Checkpoints signs the chain's head and checks the chain against what was signed.
type Checkpoints struct {
	store  CheckpointRepository
	chain  Repository
	signer *Signer
	now    domain.Clock
}

// NewCheckpoints wires checkpoints; signer is the configured key (it also decides which keys are trusted).
func NewCheckpoints(store CheckpointRepository, chain Repository, signer *Signer, now domain.Clock) *Checkpoints {
	return &Checkpoints{store: store, chain: chain, signer: signer, now: now}
}

// PublicKey is the key that verifies this installation's checkpoints.
func (c *Checkpoints) PublicKey() ed25519.PublicKey { return c.signer.Public() }

// Sign signs the current head and stores the checkpoint. It reports false when the head is already
// signed (nothing happened since) or the chain is empty.
func (c *Checkpoints) Sign(ctx context.Context) (Checkpoint, bool, error) {
	head, err := c.chain.Head(ctx)
	if err != nil {
		return Checkpoint{}, false, fmt.Errorf("read audit head: %w", err)
	}
	if head.Seq == 0 {
		return Checkpoint{}, false, nil
	}
	pub := c.signer.Public()
	cp := Checkpoint{Seq: head.Seq, Hash: head.Hash, SignedAt: c.now().UTC().Truncate(time.Microsecond), KeyID: KeyID(pub),
		PublicKey: pub}
	cp.Signature = ed25519.Sign(c.signer.key, cp.Message())
	if err := c.store.AddCheckpoint(ctx, cp); err != nil {
		if errors.Is(err, domain.ErrDuplicate) {
			return Checkpoint{}, false, nil
		}
		return Checkpoint{}, false, fmt.Errorf("store audit checkpoint at seq %d: %w", head.Seq, err)
	}
	return cp, true, nil
}

// Run signs the head as a background task: it returns 1 when it signed a new checkpoint.
func (c *Checkpoints) Run(ctx context.Context) (int, error) {
	_, made, err := c.Sign(ctx)
	if !made {
		return 0, err
	}
	return 1, err
}

// List returns every checkpoint, oldest first.
func (c *Checkpoints) List(ctx context.Context) ([]Checkpoint, error) {
	cps, err := c.store.Checkpoints(ctx)
	if err != nil {
		return nil, fmt.Errorf("list audit checkpoints: %w", err)
	}
	return cps, nil
}

// CheckpointCheck is what checking one checkpoint against the chain found.
type CheckpointCheck struct {
	SignatureValid bool // the signature verifies under the checkpoint's key
	TrustedKey     bool // that key is this installation's signing key
	InChain        bool // the chain has the event at the checkpoint's seq with the signed hash
	Problem        string
}

// OK reports whether the checkpoint holds.
func (r CheckpointCheck) OK() bool { return r.SignatureValid && r.TrustedKey && r.InChain }

// Check checks one checkpoint (one kept outside, or one from the table) against the chain as it is now.
func (c *Checkpoints) Check(ctx context.Context, cp Checkpoint) (CheckpointCheck, error) {
	r := CheckpointCheck{SignatureValid: cp.SignatureValid(), TrustedKey: KeyID(c.signer.Public()) == cp.KeyID}
	switch {
	case !r.SignatureValid:
		r.Problem = "the signature does not verify: the checkpoint was altered or not signed by this key"
		return r, nil
	case !r.TrustedKey:
		r.Problem = "signed by key " + cp.KeyID + ", not by this installation's key " + KeyID(c.signer.Public())
		return r, nil
	}
	evs, err := c.chain.Scan(ctx, cp.Seq-1, 1)
	if err != nil {
		return r, fmt.Errorf("read audit event %d: %w", cp.Seq, err)
	}
	switch {
	case len(evs) == 0 || evs[0].Seq != cp.Seq:
		r.Problem = "the chain has no event " + strconv.FormatInt(cp.Seq, 10) + ": it was truncated after the checkpoint was signed"
	case evs[0].Hash != cp.Hash:
		r.Problem = "event " + strconv.FormatInt(cp.Seq, 10) + " has another hash than was signed: the chain was rewritten"
	default:
		r.InChain = true
	}
	return r, nil
}

// Audit is the outcome of checking every stored checkpoint.
type Audit struct {
	Checked int
	Last    *Checkpoint // the newest checkpoint that holds
	Break   *Break      // the first checkpoint that does not hold
}

// CheckAll checks every stored checkpoint against the chain, oldest first, and stops at the first
// that does not hold.
func (c *Checkpoints) CheckAll(ctx context.Context) (Audit, error) {
	var out Audit
	cps, err := c.List(ctx)
	if err != nil {
		return out, err
	}
	for _, cp := range cps {
		r, err := c.Check(ctx, cp)
		if err != nil {
			return out, err
		}
		out.Checked++
		if !r.OK() {
			out.Break = &Break{Seq: cp.Seq, Reason: "checkpoint at seq " + strconv.FormatInt(cp.Seq, 10) + ": " + r.Problem}
			return out, nil
		}
		last := cp
		out.Last = &last
	}
	return out, nil
}
