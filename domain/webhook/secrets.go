package webhook

import (
	"context"
	"fmt"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/event"
)

// SecretsRotatedType is recorded when "secrets rotate" re-sealed webhook secrets under a new secrets
// key: a security-relevant operation auditors must see, though it changes no endpoint's secret.
const SecretsRotatedType = "webhook_secrets.rotated"

// SecretsKeySubject names the secrets key in its events (the subject id is the key id, never the key).
const SecretsKeySubject = "secrets_key"

// RotateReport is what a rotation did, counted in stored values (an endpoint has up to two).
type RotateReport struct {
	// Sealed counts the values re-sealed under the current key (or sealed, if stored in clear).
	Sealed int
	// Current counts the values already sealed under the current key.
	Current int
	// Failed counts the values that could not be re-sealed (FailedAt names them).
	Failed   int
	FailedAt []string
}

// SecretsStore re-seals the stored webhook secrets (repository.Webhooks).
type SecretsStore interface {
	RotateSecrets(ctx context.Context) (RotateReport, error)
	// KeyIDs are the ids of the current secrets key and of the previous ones still configured.
	KeyIDs() (current string, previous []string)
}

// SecretsRotation is the data of webhook_secrets.rotated: ids only, never keys.
type SecretsRotation struct {
	KeyID          string
	PreviousKeyIDs []string
	Resealed       int
	Current        int
	Failed         int
}

// Secrets is the use case of "secrets rotate".
type Secrets struct {
	store  SecretsStore
	tx     domain.TxManager
	events event.Recorder
}

// NewSecrets wires the secrets rotation.
func NewSecrets(store SecretsStore, tx domain.TxManager, events event.Recorder) *Secrets {
	return &Secrets{store: store, tx: tx, events: events}
}

// Rotate re-seals every stored secret under the current key, then records webhook_secrets.rotated
// in its own short transaction when something was re-sealed: the rotation runs a batch per
// transaction, so one event around it all would hold a transaction open for the whole table. A
// rotation that re-sealed some values and failed on others is recorded too (its error is returned).
func (s *Secrets) Rotate(ctx context.Context) (RotateReport, error) {
	rep, err := s.store.RotateSecrets(ctx)
	if rep.Sealed == 0 {
		return rep, err
	}
	cur, prev := s.store.KeyIDs()
	data := SecretsRotation{KeyID: cur, PreviousKeyIDs: prev, Resealed: rep.Sealed, Current: rep.Current, Failed: rep.Failed}
	if data.PreviousKeyIDs == nil {
		data.PreviousKeyIDs = []string{}
	}
	dctx, cancel := domain.Detach(ctx)
	defer cancel()
	recErr := s.tx.InTx(dctx, func(ctx context.Context) error {
		return s.events.Record(ctx, event.New(SecretsRotatedType, event.Subject{Type: SecretsKeySubject, ID: cur}, nil, data))
	})
	if recErr != nil {
		recErr = fmt.Errorf("record %s: %w", SecretsRotatedType, recErr)
		if err != nil {
			return rep, fmt.Errorf("%w; %w", err, recErr)
		}
		return rep, recErr
	}
	return rep, err
}
