package repository

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm/clause"

	"github.com/vendorrisk/vendorrisk/domain/audit"
)

// AuditTrail stores the hash-chained audit events.
type AuditTrail struct{ db *DB }

// NewAuditTrail returns the audit repository.
func NewAuditTrail(db *DB) *AuditTrail { return &AuditTrail{db: db} }

var _ audit.Repository = (*AuditTrail)(nil)

type auditRow struct {
	Seq          int64 `gorm:"primaryKey;autoIncrement:false"`
	ID           string
	OccurredAt   time.Time
	ActorKeyID   string
	ActorName    string
	ActorRole    string
	Action       string
	ResourceType string
	ResourceID   string
	Path         string
	Status       int
	RequestID    string
	Input        string
	Result       string
	PrevHash     string
	Hash         string
}

func (auditRow) TableName() string { return "audit_events" }

type auditHeadRow struct {
	ID   int `gorm:"primaryKey"`
	Seq  int64
	Hash string
}

func (auditHeadRow) TableName() string { return "audit_head" }

func (r auditRow) toDomain() audit.Event {
	return audit.Event{Seq: r.Seq, ID: r.ID, OccurredAt: r.OccurredAt.UTC(), PrevHash: r.PrevHash, Hash: r.Hash,
		Entry: audit.Entry{Actor: audit.Actor{KeyID: r.ActorKeyID, Name: r.ActorName, Role: r.ActorRole}, Action: r.Action,
			ResourceType: r.ResourceType, ResourceID: r.ResourceID, Path: r.Path, Status: r.Status, RequestID: r.RequestID,
			Input: json.RawMessage(r.Input), Result: json.RawMessage(r.Result)}}
}

// Append locks the head row (an UPDATE that changes nothing still takes the row lock on MySQL; SQLite
// holds the database write lock for the whole transaction), seals the event after it, and moves the head.
func (s *AuditTrail) Append(ctx context.Context, e audit.Entry, id string, at time.Time) (audit.Event, error) {
	conn := s.db.conn(ctx)
	if res := conn.Exec("UPDATE audit_head SET seq = seq WHERE id = 1"); res.Error != nil {
		return audit.Event{}, fmt.Errorf("lock audit head: %w", dbErr(res.Error))
	} else if res.RowsAffected != 1 {
		return audit.Event{}, fmt.Errorf("lock audit head: head row missing")
	}
	var head auditHeadRow
	if err := conn.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = 1").Take(&head).Error; err != nil {
		return audit.Event{}, fmt.Errorf("read audit head: %w", dbErr(err))
	}
	ev := audit.Seal(e, id, at, head.Seq, head.Hash)
	row := auditRow{Seq: ev.Seq, ID: ev.ID, OccurredAt: ev.OccurredAt, ActorKeyID: ev.Actor.KeyID, ActorName: ev.Actor.Name,
		ActorRole: ev.Actor.Role, Action: ev.Action, ResourceType: ev.ResourceType, ResourceID: ev.ResourceID, Path: ev.Path,
		Status: ev.Status, RequestID: ev.RequestID, Input: string(ev.Input), Result: string(ev.Result), PrevHash: ev.PrevHash,
		Hash: ev.Hash}
	if err := conn.Create(&row).Error; err != nil {
		return audit.Event{}, fmt.Errorf("insert audit event: %w", dbErr(err))
	}
	res := conn.Model(&auditHeadRow{}).Where("id = 1 AND seq = ?", head.Seq).Updates(map[string]any{"seq": ev.Seq, "hash": ev.Hash})
	if err := affectedOne(res.Error, res.RowsAffected, "move audit head"); err != nil {
		return audit.Event{}, err
	}
	return ev, nil
}

// AppendAll is Append for many entries: the head is locked and moved once, the events inserted in
// batches (an import records thousands in one transaction).
func (s *AuditTrail) AppendAll(ctx context.Context, entries []audit.Entry, ids []string, at time.Time) error {
	conn := s.db.conn(ctx)
	if res := conn.Exec("UPDATE audit_head SET seq = seq WHERE id = 1"); res.Error != nil {
		return fmt.Errorf("lock audit head: %w", dbErr(res.Error))
	} else if res.RowsAffected != 1 {
		return fmt.Errorf("lock audit head: head row missing")
	}
	var head auditHeadRow
	if err := conn.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = 1").Take(&head).Error; err != nil {
		return fmt.Errorf("read audit head: %w", dbErr(err))
	}
	rows := make([]auditRow, len(entries))
	seq, hash := head.Seq, head.Hash
	for i, e := range entries {
		ev := audit.Seal(e, ids[i], at, seq, hash)
		seq, hash = ev.Seq, ev.Hash
		rows[i] = auditRow{Seq: ev.Seq, ID: ev.ID, OccurredAt: ev.OccurredAt, ActorKeyID: ev.Actor.KeyID, ActorName: ev.Actor.Name,
			ActorRole: ev.Actor.Role, Action: ev.Action, ResourceType: ev.ResourceType, ResourceID: ev.ResourceID, Path: ev.Path,
			Status: ev.Status, RequestID: ev.RequestID, Input: string(ev.Input), Result: string(ev.Result), PrevHash: ev.PrevHash,
			Hash: ev.Hash}
	}
	if err := conn.CreateInBatches(&rows, insertBatch).Error; err != nil {
		return fmt.Errorf("insert %d audit events: %w", len(rows), dbErr(err))
	}
	res := conn.Model(&auditHeadRow{}).Where("id = 1 AND seq = ?", head.Seq).Updates(map[string]any{"seq": seq, "hash": hash})
	return affectedOne(res.Error, res.RowsAffected, "move audit head")
}

// insertBatch is how many rows one multi-row INSERT carries: well under SQLite's limit of bound
// variables with every table's columns.
const insertBatch = 200

// List returns events matching f, newest first.
func (s *AuditTrail) List(ctx context.Context, f audit.Filter) ([]audit.Event, error) {
	q := s.db.conn(ctx).Model(&auditRow{})
	if f.ResourceType != "" {
		q = q.Where("resource_type = ?", f.ResourceType)
	}
	if f.ResourceID != "" {
		q = q.Where("resource_id = ?", f.ResourceID)
	}
	if f.ActorKeyID != "" {
		q = q.Where("actor_key_id = ?", f.ActorKeyID)
	}
	if f.Action != "" {
		q = q.Where("action LIKE ? ESCAPE '!'", likeEscaper.Replace(f.Action)+"%")
	}
	if f.From != nil {
		q = q.Where("occurred_at >= ?", f.From.UTC())
	}
	if f.To != nil {
		q = q.Where("occurred_at < ?", f.To.UTC())
	}
	if f.BeforeSeq > 0 {
		q = q.Where("seq < ?", f.BeforeSeq)
	}
	var rows []auditRow
	if err := q.Order("seq DESC").Limit(f.Limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("query audit events: %w", dbErr(err))
	}
	return auditEvents(rows), nil
}

// Scan returns events after afterSeq in chain order.
func (s *AuditTrail) Scan(ctx context.Context, afterSeq int64, limit int) ([]audit.Event, error) {
	var rows []auditRow
	if err := s.db.conn(ctx).Where("seq > ?", afterSeq).Order("seq").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("scan audit events: %w", dbErr(err))
	}
	return auditEvents(rows), nil
}

// Head reads the head row.
func (s *AuditTrail) Head(ctx context.Context) (audit.Head, error) {
	var h auditHeadRow
	if err := s.db.conn(ctx).Where("id = 1").Take(&h).Error; err != nil {
		return audit.Head{}, fmt.Errorf("read audit head: %w", dbErr(err))
	}
	return audit.Head{Seq: h.Seq, Hash: h.Hash}, nil
}

func auditEvents(rows []auditRow) []audit.Event {
	out := make([]audit.Event, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out
}

type checkpointRow struct {
	Seq       int64 `gorm:"primaryKey;autoIncrement:false"`
	Hash      string
	SignedAt  time.Time
	KeyID     string
	PublicKey string
	Signature string
}

func (checkpointRow) TableName() string { return "audit_checkpoints" }

var _ audit.CheckpointRepository = (*AuditTrail)(nil)

// AddCheckpoint stores a signed checkpoint.
func (s *AuditTrail) AddCheckpoint(ctx context.Context, c audit.Checkpoint) error {
	row := checkpointRow{Seq: c.Seq, Hash: c.Hash, SignedAt: c.SignedAt.UTC(), KeyID: c.KeyID,
		PublicKey: base64.StdEncoding.EncodeToString(c.PublicKey), Signature: base64.StdEncoding.EncodeToString(c.Signature)}
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("insert audit checkpoint: %w", dbErr(err))
	}
	return nil
}

// Checkpoints returns every checkpoint in seq order. A stored key or signature that is not base64 (a
// tampered row) comes back empty and fails its check.
func (s *AuditTrail) Checkpoints(ctx context.Context) ([]audit.Checkpoint, error) {
	var rows []checkpointRow
	if err := s.db.conn(ctx).Order("seq").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("query audit checkpoints: %w", dbErr(err))
	}
	out := make([]audit.Checkpoint, len(rows))
	for i, r := range rows {
		pub, _ := base64.StdEncoding.DecodeString(r.PublicKey)
		sig, _ := base64.StdEncoding.DecodeString(r.Signature)
		out[i] = audit.Checkpoint{Seq: r.Seq, Hash: r.Hash, SignedAt: r.SignedAt.UTC(), KeyID: r.KeyID, PublicKey: pub, Signature: sig}
	}
	return out, nil
}
