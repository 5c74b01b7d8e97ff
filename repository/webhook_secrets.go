package repository

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/vendorrisk/vendorrisk/domain/webhook"
)

// SecretsReport is what SealSecrets did.
type SecretsReport struct {
	// Sealed counts the values that were stored in clear and are sealed now.
	Sealed int
	// Opened counts the values already sealed that open with the key.
	Opened int
}

// sealBatch is how many endpoints one transaction of SealSecrets reads and upgrades: short
// transactions, so that start-up does not hold locks that requests on other replicas wait for.
const sealBatch = 100

// SealSecrets checks every stored endpoint secret against the key, then seals those still stored in
// clear (from before secrets were sealed), a batch of endpoints per short transaction. It fails,
// naming the key and sealing nothing, when a sealed secret does not open: a wrong key, or replicas
// with different keys, must stop the start rather than sign deliveries receivers reject, or seal the
// clear ones under a key that is about to be replaced.
func (s *Webhooks) SealSecrets(ctx context.Context) (SecretsReport, error) {
	var rep SecretsReport
	bad := map[string]bool{}  // a set: a batch may run twice
	kids := map[string]bool{} // the key ids the values that do not open name
	opened, err := s.eachSecret(ctx, func(ctx context.Context, n *secretTally, id, col, stored string) error {
		if !strings.HasPrefix(stored, "enc:") {
			return nil
		}
		_, err := s.box.Open(stored, secretPlace(id, col))
		switch {
		case errors.Is(err, ErrSecretKey):
			bad[secretPlace(id, col)] = true
			if kid := SealedKeyID(stored); kid != "" {
				kids[kid] = true
			}
			return nil
		case err != nil:
			return err
		}
		n.current++
		return nil
	})
	rep.Opened = opened.current
	if err != nil {
		return rep, err
	}
	if err := s.keyMismatch(rep, slices.Sorted(maps.Keys(bad)), slices.Sorted(maps.Keys(kids))); err != nil {
		return rep, err
	}
	sealed, err := s.eachSecret(ctx, func(ctx context.Context, n *secretTally, id, col, stored string) error {
		if stored == "" || strings.HasPrefix(stored, "enc:") {
			return nil
		}
		sealed, err := s.box.Seal(stored, secretPlace(id, col))
		if err != nil {
			return err
		}
		// Only if unchanged: a rotation on a running replica meanwhile stored a new, sealed, value.
		res := s.db.conn(ctx).Exec("UPDATE webhook_endpoints SET "+col+" = ? WHERE id = ? AND "+col+" = ?", sealed, id, stored)
		if res.Error != nil {
			return fmt.Errorf("seal %s: %w", secretPlace(id, col), dbErr(res.Error))
		}
		n.sealed += int(res.RowsAffected)
		return nil
	})
	rep.Sealed = sealed.sealed
	return rep, err
}

// secretTally is what a pass over the secrets counted: a batch's counts are added once it commits.
type secretTally struct {
	sealed, current, failed int
	failedAt                []string
}

func (t *secretTally) add(o secretTally) {
	t.sealed += o.sealed
	t.current += o.current
	t.failed += o.failed
	t.failedAt = append(t.failedAt, o.failedAt...)
}

// eachSecret calls fn with every endpoint's stored secrets (col is the column), a batch of endpoints
// per transaction, and sums what fn counts in the batches that committed.
func (s *Webhooks) eachSecret(ctx context.Context, fn func(ctx context.Context, n *secretTally, id, col, stored string) error) (secretTally, error) {
	var total secretTally
	after := ""
	for {
		var rows []endpointRow
		var n secretTally
		err := s.db.InTx(ctx, func(ctx context.Context) error {
			rows, n = nil, secretTally{} // a transaction aborted by a conflict runs again
			if err := s.db.conn(ctx).Select("id", "secret", "previous_secret").Where("id > ?", after).Order("id").
				Limit(sealBatch).Find(&rows).Error; err != nil {
				return fmt.Errorf("read webhook secrets: %w", dbErr(err))
			}
			for _, r := range rows {
				for _, c := range [2]struct{ col, stored string }{{"secret", r.Secret}, {"previous_secret", r.PreviousSecret}} {
					if err := fn(ctx, &n, r.ID, c.col, c.stored); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total.add(n)
		if len(rows) < sealBatch {
			return total, nil
		}
		after = rows[len(rows)-1].ID
	}
}

// keyMismatch explains the sealed secrets that did not open: none opening means the key is not the
// one they were sealed with; some opening means another key sealed the others, or rows were altered.
// kids are the key ids those values name (after a rotation: the key this replica lacks).
func (s *Webhooks) keyMismatch(rep SecretsReport, bad, kids []string) error {
	if len(bad) == 0 {
		return nil
	}
	shown := bad[:min(len(bad), 5)]
	if len(kids) > 0 {
		shown = append(shown, "sealed with key id "+strings.Join(kids, ", "))
	}
	if rep.Opened == 0 {
		return fmt.Errorf("%w: the secrets key %s is not the key the webhook secrets were sealed with "+
			"(none of %d opens, e.g. %s); start with the key file they were sealed with",
			ErrSecretKey, s.box.Source(), len(bad), strings.Join(shown, ", "))
	}
	return fmt.Errorf("%w: %d of %d sealed webhook secrets do not open with the secrets key %s (%s): another key "+
		"sealed them (every replica must use the same key file) or the rows were altered",
		ErrSecretKey, len(bad), len(bad)+rep.Opened, s.box.Source(), strings.Join(shown, ", "))
}

// RotateReport is what RotateSecrets did (webhook.RotateReport).
type RotateReport = webhook.RotateReport

// KeyIDs are the ids of the secrets key values are sealed under and of the previous keys still
// configured (webhook.SecretsStore).
func (s *Webhooks) KeyIDs() (current string, previous []string) {
	return s.box.CurrentKeyID(), s.box.PreviousKeyIDs()
}

// ErrSecretsUnreadable is a rotation refused before writing anything: some values open with none of
// the configured keys.
var ErrSecretsUnreadable = errors.New("webhook secrets that open with none of the secrets keys")

// rotateAttempts bounds how often one value is re-read and re-sealed when others keep changing it.
const rotateAttempts = 3

// RotateSecrets re-seals every endpoint secret and previous secret under the current key, a batch of
// endpoints per short transaction, so that the previous keys can be retired. It first checks that
// every value opens with one of the keys and refuses, writing nothing and naming the endpoints, when
// some do not: re-sealing the rest would hide that a key is missing until it is gone. A value changed
// since it was read (a secret rotated on a running replica, another rotation) is read again, not
// overwritten.
func (s *Webhooks) RotateSecrets(ctx context.Context) (RotateReport, error) {
	var rep RotateReport
	if _, err := s.CheckRotation(ctx); err != nil {
		return rep, err
	}
	n, err := s.eachSecret(ctx, s.rotateOne)
	rep = RotateReport{Sealed: n.sealed, Current: n.current, Failed: n.failed, FailedAt: n.failedAt}
	if err == nil && rep.Failed > 0 {
		err = fmt.Errorf("%d webhook secret(s) not re-sealed (%s): run the rotation again", rep.Failed, strings.Join(rep.FailedAt, ", "))
	}
	return rep, err
}

// CheckRotation is RotateSecrets without writing: Sealed counts the values a rotation would re-seal,
// Current those already sealed under the current key. It fails, naming the endpoints, when some
// values open with none of the keys (a restore drill runs it to prove the keys kept are enough).
func (s *Webhooks) CheckRotation(ctx context.Context) (RotateReport, error) {
	bad := map[string]bool{} // a set: a batch may run twice
	n, err := s.eachSecret(ctx, func(ctx context.Context, n *secretTally, id, col, stored string) error {
		if stored == "" {
			return nil
		}
		// Any error: a wrong key, an altered row, a format this version does not know.
		if _, err := s.box.Open(stored, secretPlace(id, col)); err != nil {
			bad[id] = true
		} else if s.box.IsCurrent(stored) {
			n.current++
		} else {
			n.sealed++
		}
		return nil
	})
	rep := RotateReport{Sealed: n.sealed, Current: n.current}
	if err != nil {
		return rep, err
	}
	if len(bad) > 0 {
		ids := slices.Sorted(maps.Keys(bad))
		return rep, fmt.Errorf("%w: endpoints %s; nothing was re-sealed: add the key they were sealed with as a "+
			"previous key (keys now: %s)", ErrSecretsUnreadable, strings.Join(ids, ", "), s.box.Source())
	}
	return rep, nil
}

// rotateOne re-seals one stored value under the current key, only if it is still what was read; when
// it is not, it reads it again and goes on with what is there.
func (s *Webhooks) rotateOne(ctx context.Context, n *secretTally, id, col, stored string) error {
	place := secretPlace(id, col)
	for range rotateAttempts {
		if stored == "" {
			return nil
		}
		if s.box.IsCurrent(stored) {
			if _, err := s.box.Open(stored, place); err != nil {
				return n.fail(place)
			}
			n.current++
			return nil
		}
		plain, err := s.box.Open(stored, place)
		if err != nil {
			return n.fail(place)
		}
		sealed, err := s.box.Seal(plain, place)
		if err != nil {
			return err
		}
		res := s.db.conn(ctx).Exec("UPDATE webhook_endpoints SET "+col+" = ? WHERE id = ? AND "+col+" = ?", sealed, id, stored)
		if res.Error != nil {
			return fmt.Errorf("re-seal %s: %w", place, dbErr(res.Error))
		}
		if res.RowsAffected == 1 {
			n.sealed++
			return nil
		}
		// Changed since read: read committed (MySQL) or serialised (SQLite), so this sees the new value.
		var now []string
		if err := s.db.conn(ctx).Raw("SELECT "+col+" FROM webhook_endpoints WHERE id = ?", id).Scan(&now).Error; err != nil {
			return fmt.Errorf("read %s again: %w", place, dbErr(err))
		}
		if len(now) == 0 {
			return nil // the endpoint was deleted meanwhile
		}
		stored = now[0]
	}
	return n.fail(place)
}

// fail counts a value that could not be re-sealed; the rotation goes on with the others.
func (t *secretTally) fail(place string) error {
	t.failed++
	t.failedAt = append(t.failedAt, place)
	return nil
}
