package repository

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/acceptance"
	"github.com/vendorrisk/vendorrisk/domain/decision"
)

// Decisions stores outsourcing decisions and risk acceptances. The records are JSON documents (their
// snapshot, approvals and conditions are read and written whole); the columns serve the filters.
type Decisions struct{ db *DB }

// NewDecisions returns the decision and acceptance repository.
func NewDecisions(db *DB) *Decisions { return &Decisions{db: db} }

var _ decision.Repository = (*Decisions)(nil)

type decisionRow struct {
	ID           string `gorm:"primaryKey"`
	EngagementID string
	VendorID     string
	Status       string
	RequestedBy  string
	Document     string
	Version      int
	CreatedAt    time.Time
	UpdatedAt    time.Time `gorm:"autoUpdateTime:false"`
}

func (decisionRow) TableName() string { return "decisions" }

func toDecisionRow(d decision.Decision) decisionRow {
	return decisionRow{ID: d.ID, EngagementID: d.EngagementID, VendorID: d.VendorID, Status: string(d.Status),
		RequestedBy: d.RequestedBy.KeyID, Document: mustJSON(d), Version: d.Version, CreatedAt: d.CreatedAt.UTC(),
		UpdatedAt: d.UpdatedAt.UTC()}
}

func (r decisionRow) toDomain() (decision.Decision, error) {
	var d decision.Decision
	if err := json.Unmarshal([]byte(r.Document), &d); err != nil {
		return decision.Decision{}, fmt.Errorf("decode decision %s: %w", r.ID, err)
	}
	d.Status, d.Version, d.CreatedAt, d.UpdatedAt = decision.Status(r.Status), r.Version, r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return d, nil
}

// Create inserts a decision.
func (s *Decisions) Create(ctx context.Context, d decision.Decision) error {
	row := toDecisionRow(d)
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("insert decision: %w", dbErr(err))
	}
	return nil
}

// Get reads one decision.
func (s *Decisions) Get(ctx context.Context, id string) (decision.Decision, error) {
	return s.takeDecision(s.db.conn(ctx).Where("id = ?", id))
}

// GetForUpdate reads and locks one decision.
func (s *Decisions) GetForUpdate(ctx context.Context, id string) (decision.Decision, error) {
	return s.takeDecision(s.db.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id))
}

// Pending returns the engagement's pending decision.
func (s *Decisions) Pending(ctx context.Context, engagementID string) (decision.Decision, error) {
	return s.takeDecision(s.db.conn(ctx).Where("engagement_id = ? AND status = ?", engagementID, string(decision.StatusPending)))
}

func (s *Decisions) takeDecision(q *gorm.DB) (decision.Decision, error) {
	var row decisionRow
	if err := q.Take(&row).Error; err != nil {
		return decision.Decision{}, dbErr(err)
	}
	return row.toDomain()
}

// Update writes d when the stored version is d.Version-1.
func (s *Decisions) Update(ctx context.Context, d decision.Decision) error {
	row := toDecisionRow(d)
	res := s.db.conn(ctx).Model(&decisionRow{}).Where("id = ? AND version = ?", d.ID, d.Version-1).
		Select("status", "document", "version", "updated_at").Updates(&row)
	return affectedOne(res.Error, res.RowsAffected, "update decision "+d.ID)
}

// List returns decisions by id.
func (s *Decisions) List(ctx context.Context, f decision.Filter) ([]decision.Decision, error) {
	q := s.db.conn(ctx).Model(&decisionRow{})
	if f.EngagementID != "" {
		q = q.Where("engagement_id = ?", f.EngagementID)
	}
	if f.Status != "" {
		q = q.Where("status = ?", string(f.Status))
	}
	if f.After != nil {
		q = q.Where("id > ?", f.After.ID)
	}
	var rows []decisionRow
	if err := q.Order("id").Limit(f.Limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("query decisions: %w", dbErr(err))
	}
	out := make([]decision.Decision, len(rows))
	for i, r := range rows {
		var err error
		if out[i], err = r.toDomain(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// LockEngagement serialises decision requests with one lock row for all engagements: requests are
// rare, and a lock per engagement would need a row per engagement.
func (s *Decisions) LockEngagement(ctx context.Context, _ string) error {
	return takeLock(ctx, s.db, "decision_requests")
}

// Acceptances stores risk acceptances.
type Acceptances struct{ db *DB }

// NewAcceptances returns the risk acceptance repository.
func NewAcceptances(db *DB) *Acceptances { return &Acceptances{db: db} }

var _ acceptance.Repository = (*Acceptances)(nil)

type acceptanceRow struct {
	ID           string `gorm:"primaryKey"`
	FindingID    string
	EngagementID string
	VendorID     string
	Status       string
	ExpiresOn    time.Time
	Document     string
	Version      int
	CreatedAt    time.Time
	UpdatedAt    time.Time `gorm:"autoUpdateTime:false"`
}

func (acceptanceRow) TableName() string { return "risk_acceptances" }

func toAcceptanceRow(a acceptance.Acceptance) acceptanceRow {
	return acceptanceRow{ID: a.ID, FindingID: a.FindingID, EngagementID: a.EngagementID, VendorID: a.VendorID,
		Status: string(a.Status), ExpiresOn: a.ExpiresOn, Document: mustJSON(a), Version: a.Version,
		CreatedAt: a.CreatedAt.UTC(), UpdatedAt: a.UpdatedAt.UTC()}
}

func (r acceptanceRow) toDomain() (acceptance.Acceptance, error) {
	var a acceptance.Acceptance
	if err := json.Unmarshal([]byte(r.Document), &a); err != nil {
		return acceptance.Acceptance{}, fmt.Errorf("decode risk acceptance %s: %w", r.ID, err)
	}
	a.Status, a.Version, a.CreatedAt, a.UpdatedAt = acceptance.Status(r.Status), r.Version, r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return a, nil
}

// Create inserts an acceptance.
func (s *Acceptances) Create(ctx context.Context, a acceptance.Acceptance) error {
	row := toAcceptanceRow(a)
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("insert risk acceptance: %w", dbErr(err))
	}
	return nil
}

// Get reads one acceptance.
func (s *Acceptances) Get(ctx context.Context, id string) (acceptance.Acceptance, error) {
	return s.take(s.db.conn(ctx).Where("id = ?", id))
}

// GetForUpdate reads and locks one acceptance.
func (s *Acceptances) GetForUpdate(ctx context.Context, id string) (acceptance.Acceptance, error) {
	return s.take(s.db.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id))
}

// Open returns the finding's pending or active acceptance.
func (s *Acceptances) Open(ctx context.Context, findingID string) (acceptance.Acceptance, error) {
	return s.take(s.db.conn(ctx).Where("finding_id = ? AND status IN ?", findingID,
		[]string{string(acceptance.StatusPending), string(acceptance.StatusActive)}))
}

func (s *Acceptances) take(q *gorm.DB) (acceptance.Acceptance, error) {
	var row acceptanceRow
	if err := q.Take(&row).Error; err != nil {
		return acceptance.Acceptance{}, dbErr(err)
	}
	return row.toDomain()
}

// Update writes a when the stored version is a.Version-1.
func (s *Acceptances) Update(ctx context.Context, a acceptance.Acceptance) error {
	row := toAcceptanceRow(a)
	res := s.db.conn(ctx).Model(&acceptanceRow{}).Where("id = ? AND version = ?", a.ID, a.Version-1).
		Select("status", "expires_on", "document", "version", "updated_at").Updates(&row)
	return affectedOne(res.Error, res.RowsAffected, "update risk acceptance "+a.ID)
}

// List returns acceptances by id.
func (s *Acceptances) List(ctx context.Context, f acceptance.Filter) ([]acceptance.Acceptance, error) {
	q := s.db.conn(ctx).Model(&acceptanceRow{})
	if f.FindingID != "" {
		q = q.Where("finding_id = ?", f.FindingID)
	}
	if len(f.FindingIDs) > 0 {
		q = q.Where("finding_id IN ?", f.FindingIDs)
	}
	if f.Status != "" {
		q = q.Where("status = ?", string(f.Status))
	}
	if f.After != nil {
		q = q.Where("id > ?", f.After.ID)
	}
	var rows []acceptanceRow
	if err := q.Order("id").Limit(f.Limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("query risk acceptances: %w", dbErr(err))
	}
	out := make([]acceptance.Acceptance, len(rows))
	for i, r := range rows {
		var err error
		if out[i], err = r.toDomain(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Leases implements sweep.Lease on the job_leases table.
type Leases struct{ db *DB }

// NewLeases returns the lease store.
func NewLeases(db *DB) *Leases { return &Leases{db: db} }

// Claim takes the lease when it is free, expired, or already ours: an insert for a new name, else a
// conditional update; the database decides between racing replicas.
func (s *Leases) Claim(ctx context.Context, name, holder string, now, until time.Time) (bool, error) {
	conn := s.db.conn(ctx)
	res := conn.Exec("UPDATE job_leases SET holder = ?, expires_at = ? WHERE name = ? AND (holder = ? OR expires_at < ?)",
		holder, until.UTC(), name, holder, now.UTC())
	if res.Error != nil {
		return false, fmt.Errorf("claim lease %s: %w", name, dbErr(res.Error))
	}
	if res.RowsAffected == 1 {
		return true, nil
	}
	var n int64
	if err := conn.Table("job_leases").Where("name = ?", name).Count(&n).Error; err != nil {
		return false, fmt.Errorf("read lease %s: %w", name, dbErr(err))
	}
	if n > 0 {
		return false, nil // held by another replica
	}
	ins := conn.Exec("INSERT INTO job_leases (name, holder, expires_at) VALUES (?, ?, ?)", name, holder, until.UTC())
	if err := dbErr(ins.Error); errors.Is(err, domain.ErrDuplicate) {
		return false, nil // another replica created it first
	} else if err != nil {
		return false, fmt.Errorf("create lease %s: %w", name, err)
	}
	return true, nil
}

// Release frees the lease if holder has it.
func (s *Leases) Release(ctx context.Context, name, holder string) error {
	if err := s.db.conn(ctx).Exec("DELETE FROM job_leases WHERE name = ? AND holder = ?", name, holder).Error; err != nil {
		return fmt.Errorf("release lease %s: %w", name, dbErr(err))
	}
	return nil
}
