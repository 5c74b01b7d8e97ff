package repository

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/webhook"
)

// Outbox stores the webhook outbox.
type Outbox struct{ db *DB }

// NewOutbox returns the outbox repository.
func NewOutbox(db *DB) *Outbox { return &Outbox{db: db} }

var _ webhook.OutboxRepository = (*Outbox)(nil)

type outboxRow struct {
	Seq         int64 `gorm:"primaryKey;autoIncrement"`
	ID          string
	Type        string
	Version     int
	SubjectType string
	SubjectID   string
	VendorID    string
	EndpointID  string
	Payload     string
	RequestID   string
	OccurredAt  time.Time
}

func (outboxRow) TableName() string { return "outbox" }

func (r outboxRow) toDomain() webhook.Message {
	return webhook.Message{Seq: r.Seq, ID: r.ID, Type: r.Type, Version: r.Version, SubjectType: r.SubjectType, SubjectID: r.SubjectID,
		VendorID: r.VendorID, EndpointID: r.EndpointID, Payload: json.RawMessage(r.Payload), RequestID: r.RequestID,
		OccurredAt: r.OccurredAt.UTC()}
}

// Append takes the outbox lock (held until the transaction ends, so seqs become visible in order) and
// inserts the messages.
func (s *Outbox) Append(ctx context.Context, msgs []webhook.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	if err := takeLock(ctx, s.db, "outbox"); err != nil {
		return err
	}
	rows := make([]outboxRow, len(msgs))
	for i, m := range msgs {
		rows[i] = outboxRow{ID: m.ID, Type: m.Type, Version: m.Version, SubjectType: m.SubjectType, SubjectID: m.SubjectID,
			VendorID: m.VendorID, EndpointID: m.EndpointID, Payload: string(m.Payload), RequestID: m.RequestID,
			OccurredAt: m.OccurredAt.UTC()}
	}
	if err := s.db.conn(ctx).CreateInBatches(&rows, insertBatch).Error; err != nil {
		return fmt.Errorf("insert outbox messages: %w", dbErr(err))
	}
	return nil
}

// After returns messages after afterSeq in order.
func (s *Outbox) After(ctx context.Context, afterSeq int64, limit int) ([]webhook.Message, error) {
	var rows []outboxRow
	if err := s.db.conn(ctx).Where("seq > ?", afterSeq).Order("seq").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read outbox: %w", dbErr(err))
	}
	out := make([]webhook.Message, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// LastSeq is the highest seq stored.
func (s *Outbox) LastSeq(ctx context.Context) (int64, error) {
	var n *int64
	if err := s.db.conn(ctx).Model(&outboxRow{}).Select("MAX(seq)").Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("read outbox end: %w", dbErr(err))
	}
	if n == nil {
		return 0, nil
	}
	return *n, nil
}

// Webhooks stores endpoints, deliveries and attempts. Endpoint signing secrets are stored sealed
// by box.
type Webhooks struct {
	db  *DB
	box *SecretBox
}

// NewWebhooks returns the webhook repository; box seals the endpoints' signing secrets.
func NewWebhooks(db *DB, box *SecretBox) *Webhooks { return &Webhooks{db: db, box: box} }

var _ webhook.Repository = (*Webhooks)(nil)

type endpointRow struct {
	ID                  string `gorm:"primaryKey"`
	URL                 string
	Description         string
	EventTypes          string
	VendorID            string
	Enabled             bool
	DisabledReason      string
	Secret              string
	PreviousSecret      string
	PreviousSecretUntil *time.Time
	ConsecutiveFailures int
	OutboxCursor        int64
	Version             int
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

func (endpointRow) TableName() string { return "webhook_endpoints" }

// secretPlace is the additional data a secret is sealed with: the row and the column, so that a
// sealed value copied to another endpoint (or to the other column) does not open there.
func secretPlace(endpointID, column string) string {
	return "webhook_endpoints/" + endpointID + "/" + column
}

func (s *Webhooks) toEndpointRow(e webhook.Endpoint) (endpointRow, error) {
	types, err := json.Marshal(e.EventTypes)
	if err != nil {
		return endpointRow{}, fmt.Errorf("encode event types: %w", err)
	}
	secret, err := s.box.Seal(e.Secret, secretPlace(e.ID, "secret"))
	if err != nil {
		return endpointRow{}, fmt.Errorf("seal the secret of endpoint %s: %w", e.ID, err)
	}
	previous, err := s.box.Seal(e.PreviousSecret, secretPlace(e.ID, "previous_secret"))
	if err != nil {
		return endpointRow{}, fmt.Errorf("seal the previous secret of endpoint %s: %w", e.ID, err)
	}
	return endpointRow{ID: e.ID, URL: e.URL, Description: e.Description, EventTypes: string(types), VendorID: e.VendorID, Enabled: e.Enabled,
		DisabledReason: e.DisabledReason, Secret: secret, PreviousSecret: previous, PreviousSecretUntil: utcPtr(e.PreviousSecretUntil),
		ConsecutiveFailures: e.ConsecutiveFailures, Version: e.Version, CreatedAt: e.CreatedAt.UTC(), UpdatedAt: e.UpdatedAt.UTC()}, nil
}

func (s *Webhooks) toDomain(r endpointRow) (webhook.Endpoint, error) {
	var types []string
	if err := json.Unmarshal([]byte(r.EventTypes), &types); err != nil {
		return webhook.Endpoint{}, fmt.Errorf("decode event types of endpoint %s: %w", r.ID, err)
	}
	secret, err := s.box.Open(r.Secret, secretPlace(r.ID, "secret"))
	if err != nil {
		return webhook.Endpoint{}, fmt.Errorf("read the secret of webhook endpoint %s: %w", r.ID, err)
	}
	previous, err := s.box.Open(r.PreviousSecret, secretPlace(r.ID, "previous_secret"))
	if err != nil {
		return webhook.Endpoint{}, fmt.Errorf("read the previous secret of webhook endpoint %s: %w", r.ID, err)
	}
	return webhook.Endpoint{ID: r.ID, URL: r.URL, Description: r.Description, EventTypes: types, VendorID: r.VendorID, Enabled: r.Enabled,
		DisabledReason: r.DisabledReason, Secret: secret, PreviousSecret: previous, PreviousSecretUntil: utcPtr(r.PreviousSecretUntil),
		ConsecutiveFailures: r.ConsecutiveFailures, Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}, nil
}

// CreateEndpoint stores a new endpoint whose deliveries start after the outbox seq cursor.
func (s *Webhooks) CreateEndpoint(ctx context.Context, e webhook.Endpoint, cursor int64) error {
	row, err := s.toEndpointRow(e)
	if err != nil {
		return err
	}
	row.OutboxCursor = cursor
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("insert webhook endpoint: %w", dbErr(err))
	}
	return nil
}

// GetEndpoint reads one endpoint.
func (s *Webhooks) GetEndpoint(ctx context.Context, id string) (webhook.Endpoint, error) {
	var row endpointRow
	if err := s.db.conn(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return webhook.Endpoint{}, dbErr(err)
	}
	return s.toDomain(row)
}

// ListEndpoints returns endpoints by id.
func (s *Webhooks) ListEndpoints(ctx context.Context, afterID string, limit int) ([]webhook.Endpoint, error) {
	q := s.db.conn(ctx).Order("id")
	if afterID != "" {
		q = q.Where("id > ?", afterID)
	}
	if limit > 0 {
		q = q.Limit(limit)
	}
	var rows []endpointRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("query webhook endpoints: %w", dbErr(err))
	}
	out := make([]webhook.Endpoint, len(rows))
	for i, r := range rows {
		var err error
		if out[i], err = s.toDomain(r); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// UpdateEndpoint stores what an update may change, if the version is the one read.
func (s *Webhooks) UpdateEndpoint(ctx context.Context, e webhook.Endpoint) error {
	row, err := s.toEndpointRow(e)
	if err != nil {
		return err
	}
	res := s.db.conn(ctx).Model(&endpointRow{}).Where("id = ? AND version = ?", e.ID, e.Version-1).
		Select("url", "description", "event_types", "enabled", "disabled_reason", "secret", "previous_secret",
			"previous_secret_until", "consecutive_failures", "version", "updated_at").Updates(&row)
	return affectedOne(res.Error, res.RowsAffected, "update webhook endpoint "+e.ID)
}

// DeleteEndpoint removes an endpoint, its deliveries and their attempts.
func (s *Webhooks) DeleteEndpoint(ctx context.Context, id string) error {
	conn := s.db.conn(ctx)
	if err := conn.Exec("DELETE FROM webhook_attempts WHERE endpoint_id = ?", id).Error; err != nil {
		return fmt.Errorf("delete attempts: %w", dbErr(err))
	}
	if err := conn.Exec("DELETE FROM webhook_deliveries WHERE endpoint_id = ?", id).Error; err != nil {
		return fmt.Errorf("delete deliveries: %w", dbErr(err))
	}
	res := conn.Exec("DELETE FROM webhook_endpoints WHERE id = ?", id)
	if res.Error != nil {
		return fmt.Errorf("delete endpoint: %w", dbErr(res.Error))
	}
	if res.RowsAffected == 0 {
		return domain.ErrNotFound
	}
	return nil
}

// SetFailures stores the failure count without a version change (the worker's bookkeeping).
func (s *Webhooks) SetFailures(ctx context.Context, endpointID string, n int) error {
	return dbErr(s.db.conn(ctx).Exec("UPDATE webhook_endpoints SET consecutive_failures = ? WHERE id = ?", n, endpointID).Error)
}

// Cursor reads the endpoint's outbox cursor.
func (s *Webhooks) Cursor(ctx context.Context, endpointID string) (int64, error) {
	var row endpointRow
	if err := s.db.conn(ctx).Select("outbox_cursor").Where("id = ?", endpointID).Take(&row).Error; err != nil {
		return 0, dbErr(err)
	}
	return row.OutboxCursor, nil
}

type deliveryRow struct {
	ID             string `gorm:"primaryKey"`
	EndpointID     string
	OutboxSeq      int64
	MessageID      string
	EventType      string
	Status         string
	Attempts       int
	NextAttemptAt  *time.Time
	RetryFrom      time.Time
	LastStatusCode int
	LastError      string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func (deliveryRow) TableName() string { return "webhook_deliveries" }

func toDeliveryRow(d webhook.Delivery) deliveryRow {
	return deliveryRow{ID: d.ID, EndpointID: d.EndpointID, OutboxSeq: d.Seq, MessageID: d.MessageID, EventType: d.EventType,
		Status: string(d.Status), Attempts: d.Attempts, NextAttemptAt: utcPtr(d.NextAttemptAt), RetryFrom: d.RetryFrom.UTC(),
		LastStatusCode: d.LastStatusCode, LastError: d.LastError, CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC()}
}

func (r deliveryRow) toDomain() webhook.Delivery {
	return webhook.Delivery{ID: r.ID, EndpointID: r.EndpointID, Seq: r.OutboxSeq, MessageID: r.MessageID, EventType: r.EventType,
		Status: webhook.DeliveryStatus(r.Status), Attempts: r.Attempts, NextAttemptAt: utcPtr(r.NextAttemptAt), RetryFrom: r.RetryFrom.UTC(),
		LastStatusCode: r.LastStatusCode, LastError: r.LastError, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// Enqueue inserts deliveries and moves the cursor, if no one moved it since it was read.
func (s *Webhooks) Enqueue(ctx context.Context, endpointID string, ds []webhook.Delivery, from, to int64) error {
	conn := s.db.conn(ctx)
	res := conn.Exec("UPDATE webhook_endpoints SET outbox_cursor = ? WHERE id = ? AND outbox_cursor = ?", to, endpointID, from)
	if err := affectedOne(res.Error, res.RowsAffected, "move the outbox cursor of "+endpointID); err != nil {
		return err
	}
	if len(ds) == 0 {
		return nil
	}
	rows := make([]deliveryRow, len(ds))
	for i, d := range ds {
		rows[i] = toDeliveryRow(d)
	}
	if err := conn.Create(&rows).Error; err != nil {
		return fmt.Errorf("insert deliveries: %w", dbErr(err))
	}
	return nil
}

// Head reads the endpoint's oldest pending delivery and its message.
func (s *Webhooks) Head(ctx context.Context, endpointID string) (webhook.Delivery, webhook.Message, error) {
	var row deliveryRow
	err := s.db.conn(ctx).Where("endpoint_id = ? AND status = ?", endpointID, string(webhook.StatusPending)).
		Order("outbox_seq").Take(&row).Error
	if err != nil {
		return webhook.Delivery{}, webhook.Message{}, dbErr(err)
	}
	var msg outboxRow
	if err := s.db.conn(ctx).Where("seq = ?", row.OutboxSeq).Take(&msg).Error; err != nil {
		if errors.Is(dbErr(err), domain.ErrNotFound) {
			return webhook.Delivery{}, webhook.Message{}, fmt.Errorf("delivery %s: outbox message %d is gone", row.ID, row.OutboxSeq)
		}
		return webhook.Delivery{}, webhook.Message{}, dbErr(err)
	}
	return row.toDomain(), msg.toDomain(), nil
}

type attemptRow struct {
	ID          string `gorm:"primaryKey"`
	DeliveryID  string
	EndpointID  string
	Number      int
	AttemptedAt time.Time
	StatusCode  int
	DurationMS  int64 `gorm:"column:duration_ms"`
	Error       string
	Response    string
	Succeeded   bool
}

func (attemptRow) TableName() string { return "webhook_attempts" }

// SaveAttempt inserts the attempt and stores the delivery's state.
func (s *Webhooks) SaveAttempt(ctx context.Context, d webhook.Delivery, a webhook.Attempt) error {
	row := attemptRow{ID: a.ID, DeliveryID: a.DeliveryID, EndpointID: a.EndpointID, Number: a.Number, AttemptedAt: a.AttemptedAt.UTC(),
		StatusCode: a.StatusCode, DurationMS: a.DurationMS, Error: truncate(a.Error, 1000), Response: truncate(a.Response, 1000),
		Succeeded: a.Succeeded}
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("insert attempt: %w", dbErr(err))
	}
	return s.UpdateDelivery(ctx, d)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// GetDelivery reads one of an endpoint's deliveries.
func (s *Webhooks) GetDelivery(ctx context.Context, endpointID, id string) (webhook.Delivery, error) {
	var row deliveryRow
	if err := s.db.conn(ctx).Where("id = ? AND endpoint_id = ?", id, endpointID).Take(&row).Error; err != nil {
		return webhook.Delivery{}, dbErr(err)
	}
	return row.toDomain(), nil
}

// UpdateDelivery stores a delivery's state.
func (s *Webhooks) UpdateDelivery(ctx context.Context, d webhook.Delivery) error {
	row := toDeliveryRow(d)
	res := s.db.conn(ctx).Model(&deliveryRow{}).Where("id = ?", d.ID).
		Select("status", "attempts", "next_attempt_at", "retry_from", "last_status_code", "last_error", "updated_at").Updates(&row)
	if res.Error != nil {
		return fmt.Errorf("update delivery %s: %w", d.ID, dbErr(res.Error))
	}
	if res.RowsAffected == 0 { // purged or its endpoint deleted meanwhile
		return fmt.Errorf("update delivery %s: %w", d.ID, domain.ErrNotFound)
	}
	return nil
}

// ListDeliveries returns an endpoint's deliveries, newest first.
func (s *Webhooks) ListDeliveries(ctx context.Context, endpointID, beforeID string, limit int) ([]webhook.Delivery, error) {
	q := s.db.conn(ctx).Where("endpoint_id = ?", endpointID)
	if beforeID != "" {
		q = q.Where("id < ?", beforeID)
	}
	var rows []deliveryRow
	if err := q.Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("query deliveries: %w", dbErr(err))
	}
	out := make([]webhook.Delivery, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// Attempts returns the deliveries' attempts, oldest first.
func (s *Webhooks) Attempts(ctx context.Context, deliveryIDs []string) (map[string][]webhook.Attempt, error) {
	out := map[string][]webhook.Attempt{}
	if len(deliveryIDs) == 0 {
		return out, nil
	}
	var rows []attemptRow
	if err := s.db.conn(ctx).Where("delivery_id IN ?", deliveryIDs).Order("delivery_id, number").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("query attempts: %w", dbErr(err))
	}
	for _, r := range rows {
		out[r.DeliveryID] = append(out[r.DeliveryID], webhook.Attempt{ID: r.ID, DeliveryID: r.DeliveryID, EndpointID: r.EndpointID,
			Number: r.Number, AttemptedAt: r.AttemptedAt.UTC(), StatusCode: r.StatusCode, DurationMS: r.DurationMS, Error: r.Error,
			Response: r.Response, Succeeded: r.Succeeded})
	}
	return out, nil
}

// Backlog counts pending deliveries and the oldest one's creation time.
func (s *Webhooks) Backlog(ctx context.Context) (int64, *time.Time, error) {
	var n int64
	q := s.db.conn(ctx).Model(&deliveryRow{}).Where("status = ?", string(webhook.StatusPending))
	if err := q.Count(&n).Error; err != nil {
		return 0, nil, fmt.Errorf("count pending deliveries: %w", dbErr(err))
	}
	if n == 0 {
		return 0, nil, nil
	}
	var oldest deliveryRow
	err := s.db.conn(ctx).Where("status = ?", string(webhook.StatusPending)).Order("created_at").Take(&oldest).Error
	if err != nil {
		return 0, nil, fmt.Errorf("read oldest pending delivery: %w", dbErr(err))
	}
	at := oldest.CreatedAt.UTC()
	return n, &at, nil
}

// Purge removes what is older than before and no longer needed: outbox messages every enabled
// endpoint has moved past, with their finished deliveries and attempts. Messages a pending delivery
// still needs stay. It returns how many messages it removed.
func (s *Webhooks) Purge(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		conn := s.db.conn(ctx)
		var cutoff struct{ Seq *int64 }
		if err := conn.Raw("SELECT MAX(seq) AS seq FROM outbox WHERE occurred_at < ?", before.UTC()).Scan(&cutoff).Error; err != nil {
			return fmt.Errorf("find the purge cutoff: %w", dbErr(err))
		}
		if cutoff.Seq == nil {
			return nil
		}
		limit := *cutoff.Seq
		var least struct{ Seq *int64 }
		if err := conn.Raw("SELECT MIN(outbox_cursor) AS seq FROM webhook_endpoints WHERE enabled = ?", true).Scan(&least).Error; err != nil {
			return fmt.Errorf("find the endpoints' least cursor: %w", dbErr(err))
		}
		if least.Seq != nil && *least.Seq < limit {
			limit = *least.Seq
		}
		// The newest message always stays, so that the table is never empty and a database whose
		// auto-increment counter does not survive a restart cannot hand out a seq again.
		var last struct{ Seq *int64 }
		if err := conn.Raw("SELECT MAX(seq) AS seq FROM outbox").Scan(&last).Error; err != nil {
			return fmt.Errorf("find the outbox's end: %w", dbErr(err))
		}
		if last.Seq != nil && *last.Seq-1 < limit {
			limit = *last.Seq - 1
		}
		final := []string{string(webhook.StatusSucceeded), string(webhook.StatusFailed)}
		if err := conn.Exec("DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE outbox_seq <= ? AND status IN ?)",
			limit, final).Error; err != nil {
			return fmt.Errorf("purge attempts: %w", dbErr(err))
		}
		if err := conn.Exec("DELETE FROM webhook_deliveries WHERE outbox_seq <= ? AND status IN ?", limit, final).Error; err != nil {
			return fmt.Errorf("purge deliveries: %w", dbErr(err))
		}
		res := conn.Exec("DELETE FROM outbox WHERE seq <= ? AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.outbox_seq = outbox.seq)", limit)
		if res.Error != nil {
			return fmt.Errorf("purge outbox: %w", dbErr(res.Error))
		}
		n = res.RowsAffected
		return nil
	})
	return n, err
}
