package repository

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
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
	bad := map[string]bool{} // a set: a batch may run twice
	var err error
	rep.Opened, err = s.eachSecret(ctx, func(ctx context.Context, id, col, stored string) (int, error) {
		if !strings.HasPrefix(stored, "enc:") {
			return 0, nil
		}
		_, err := s.box.Open(stored, secretPlace(id, col))
		switch {
		case errors.Is(err, ErrSecretKey):
			bad[secretPlace(id, col)] = true
			return 0, nil
		case err != nil:
			return 0, err
		}
		return 1, nil
	})
	if err != nil {
		return rep, err
	}
	if err := s.keyMismatch(rep, slices.Sorted(maps.Keys(bad))); err != nil {
		return rep, err
	}
	rep.Sealed, err = s.eachSecret(ctx, func(ctx context.Context, id, col, stored string) (int, error) {
		if stored == "" || strings.HasPrefix(stored, "enc:") {
			return 0, nil
		}
		sealed, err := s.box.Seal(stored, secretPlace(id, col))
		if err != nil {
			return 0, err
		}
		// Only if unchanged: a rotation on a running replica meanwhile stored a new, sealed, value.
		res := s.db.conn(ctx).Exec("UPDATE webhook_endpoints SET "+col+" = ? WHERE id = ? AND "+col+" = ?", sealed, id, stored)
		if res.Error != nil {
			return 0, fmt.Errorf("seal %s: %w", secretPlace(id, col), dbErr(res.Error))
		}
		return int(res.RowsAffected), nil
	})
	return rep, err
}

// eachSecret calls fn with every endpoint's stored secrets (col is the column), a batch of endpoints
// per transaction, and sums what fn counts in the batches that committed.
func (s *Webhooks) eachSecret(ctx context.Context, fn func(ctx context.Context, id, col, stored string) (int, error)) (int, error) {
	total := 0
	after := ""
	for {
		var rows []endpointRow
		n := 0
		err := s.db.InTx(ctx, func(ctx context.Context) error {
			rows, n = nil, 0 // a transaction aborted by a conflict runs again
			if err := s.db.conn(ctx).Select("id", "secret", "previous_secret").Where("id > ?", after).Order("id").
				Limit(sealBatch).Find(&rows).Error; err != nil {
				return fmt.Errorf("read webhook secrets: %w", dbErr(err))
			}
			for _, r := range rows {
				for _, c := range [2]struct{ col, stored string }{{"secret", r.Secret}, {"previous_secret", r.PreviousSecret}} {
					k, err := fn(ctx, r.ID, c.col, c.stored)
					if err != nil {
						return err
					}
					n += k
				}
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += n
		if len(rows) < sealBatch {
			return total, nil
		}
		after = rows[len(rows)-1].ID
	}
}

// keyMismatch explains the sealed secrets that did not open: none opening means the key is not the
// one they were sealed with; some opening means another key sealed the others, or rows were altered.
func (s *Webhooks) keyMismatch(rep SecretsReport, bad []string) error {
	if len(bad) == 0 {
		return nil
	}
	shown := bad[:min(len(bad), 5)]
	if rep.Opened == 0 {
		return fmt.Errorf("%w: the secrets key %s is not the key the webhook secrets were sealed with "+
			"(none of %d opens, e.g. %s); start with the key file they were sealed with",
			ErrSecretKey, s.box.Source(), len(bad), strings.Join(shown, ", "))
	}
	return fmt.Errorf("%w: %d of %d sealed webhook secrets do not open with the secrets key %s (%s): another key "+
		"sealed them (every replica must use the same key file) or the rows were altered",
		ErrSecretKey, len(bad), len(bad)+rep.Opened, s.box.Source(), strings.Join(shown, ", "))
}
