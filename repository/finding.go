package repository

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/finding"
)

// Findings stores findings.
type Findings struct{ db *DB }

// NewFindings returns the finding repository.
func NewFindings(db *DB) *Findings { return &Findings{db: db} }

var _ finding.Repository = (*Findings)(nil)

type findingRow struct {
	ID               string `gorm:"primaryKey"`
	EngagementID     string
	VendorID         string
	AssessmentID     string
	QuestionKey      string
	Title            string
	TitleJA          string `gorm:"column:title_ja"`
	Answer           string
	ScoreBP          int    `gorm:"column:score_bp"`
	EvidenceIDs      string `gorm:"column:evidence_ids"`
	ControlRefs      string
	ThreatCategory   string
	QuestionSeverity string
	Severity         string
	Priority         int
	Status           string
	Source           string
	InternalNotes    string
	SupplierResponse string
	NextDue          time.Time
	CloseReason      string
	PlanStatus       string
	PlanReason       string
	PlanDecidedBy    string
	PlanDecidedAt    *time.Time
	Version          int
	CreatedAt        time.Time
	UpdatedAt        time.Time `gorm:"autoUpdateTime:false"`
	ClosedAt         *time.Time
}

func (findingRow) TableName() string { return "findings" }

func toFindingRow(f finding.Stored) findingRow {
	row := findingRow{ID: f.ID, EngagementID: f.EngagementID, VendorID: f.VendorID, AssessmentID: f.AssessmentID,
		QuestionKey: f.QuestionKey, Title: f.Title, TitleJA: f.TitleJA, Answer: f.Answer, ScoreBP: f.ScoreBP, EvidenceIDs: mustJSON(nonNil(f.EvidenceIDs)),
		ControlRefs: mustJSON(nonNil(f.ControlRefs)), ThreatCategory: f.ThreatCategory, QuestionSeverity: string(f.QuestionSeverity),
		Severity: string(f.Severity), Priority: f.Priority, Status: string(f.Status), Source: string(f.Source), InternalNotes: f.InternalNotes,
		SupplierResponse: f.SupplierResponse, NextDue: finding.NoDueDate(), CloseReason: string(f.CloseReason), Version: f.Version, CreatedAt: f.CreatedAt.UTC(),
		UpdatedAt: f.UpdatedAt.UTC(), ClosedAt: utcPtr(f.ClosedAt), PlanStatus: string(f.Plan.Status), PlanReason: f.Plan.Reason,
		PlanDecidedBy: f.Plan.DecidedBy, PlanDecidedAt: utcPtr(f.Plan.DecidedAt)}
	if f.NextDue != nil {
		row.NextDue = *f.NextDue
	}
	return row
}

func (r findingRow) toDomain() (finding.Stored, error) {
	f := finding.Stored{Finding: finding.Finding{ID: r.ID, EngagementID: r.EngagementID, VendorID: r.VendorID,
		AssessmentID: r.AssessmentID, QuestionKey: r.QuestionKey, Title: r.Title, TitleJA: r.TitleJA, Answer: r.Answer, ScoreBP: r.ScoreBP,
		ThreatCategory: r.ThreatCategory, QuestionSeverity: domain.Severity(r.QuestionSeverity), Severity: domain.Severity(r.Severity), Status: finding.Status(r.Status),
		Source: finding.Source(r.Source), CloseReason: finding.CloseReason(r.CloseReason), InternalNotes: r.InternalNotes, SupplierResponse: r.SupplierResponse, Version: r.Version,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), ClosedAt: utcPtr(r.ClosedAt),
		Plan: finding.Plan{Status: finding.PlanStatus(r.PlanStatus), Reason: r.PlanReason, DecidedBy: r.PlanDecidedBy,
			DecidedAt: utcPtr(r.PlanDecidedAt)}}, Priority: r.Priority}
	if !finding.NoDue(r.NextDue) {
		f.NextDue = dayPtr(&r.NextDue)
	}
	if err := json.Unmarshal([]byte(r.EvidenceIDs), &f.EvidenceIDs); err != nil {
		return finding.Stored{}, fmt.Errorf("decode evidence ids of finding %s: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(r.ControlRefs), &f.ControlRefs); err != nil {
		return finding.Stored{}, fmt.Errorf("decode control refs of finding %s: %w", r.ID, err)
	}
	return f, nil
}

// Create inserts a finding.
func (s *Findings) Create(ctx context.Context, f finding.Stored) error {
	row := toFindingRow(f)
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("insert finding: %w", dbErr(err))
	}
	return nil
}

// Get reads one finding.
func (s *Findings) Get(ctx context.Context, id string) (finding.Stored, error) {
	return s.take(s.db.conn(ctx).Where("id = ?", id))
}

// GetForUpdate reads and locks one finding.
func (s *Findings) GetForUpdate(ctx context.Context, id string) (finding.Stored, error) {
	return s.take(s.db.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id))
}

// ByQuestion returns the engagement's finding for a question.
func (s *Findings) ByQuestion(ctx context.Context, engagementID, questionKey string) (finding.Stored, error) {
	return s.take(s.db.conn(ctx).Where("engagement_id = ? AND question_key = ?", engagementID, questionKey).Order("id"))
}

// OfEngagementForUpdate reads and locks every finding of an engagement.
func (s *Findings) OfEngagementForUpdate(ctx context.Context, engagementID string) ([]finding.Stored, error) {
	var rows []findingRow
	if err := s.db.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("engagement_id = ?", engagementID).
		Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("query findings of engagement %s: %w", engagementID, dbErr(err))
	}
	out := make([]finding.Stored, len(rows))
	for i, r := range rows {
		f, err := r.toDomain()
		if err != nil {
			return nil, err
		}
		out[i] = f
	}
	return out, nil
}

func (s *Findings) take(q *gorm.DB) (finding.Stored, error) {
	var row findingRow
	if err := q.Take(&row).Error; err != nil {
		return finding.Stored{}, dbErr(err)
	}
	return row.toDomain()
}

// Update writes f when the stored version is f.Version-1.
func (s *Findings) Update(ctx context.Context, f finding.Stored) error {
	row := toFindingRow(f)
	res := s.db.conn(ctx).Model(&findingRow{}).Where("id = ? AND version = ?", f.ID, f.Version-1).
		Select("*").Omit("id", "engagement_id", "vendor_id", "question_key", "source", "created_at").Updates(&row)
	return affectedOne(res.Error, res.RowsAffected, "update finding "+f.ID)
}

// List applies the filter: by ID, or by priority (highest first) with ID breaking ties.
func (s *Findings) List(ctx context.Context, f finding.Filter) ([]finding.Stored, error) {
	q := s.db.conn(ctx).Model(&findingRow{})
	if f.EngagementID != "" {
		q = q.Where("engagement_id = ?", f.EngagementID)
	}
	if f.VendorID != "" {
		q = q.Where("vendor_id = ?", f.VendorID)
	}
	if f.Status != "" {
		q = q.Where("status = ?", string(f.Status))
	}
	if f.Severity != "" {
		q = q.Where("severity = ?", string(f.Severity))
	}
	if f.OpenOnly {
		q = q.Where("status NOT IN ?", []string{string(finding.StatusClosed), string(finding.StatusRiskAccepted)})
	}
	if f.Overdue {
		q = q.Where("next_due < ? AND status NOT IN ?", f.Today,
			[]string{string(finding.StatusClosed), string(finding.StatusRiskAccepted)})
	}
	if f.Sort == "priority" {
		if f.After != nil {
			p, due, _ := finding.PriorityCursor(f.After.Value) // validated by the service
			q = q.Where("priority <= ? AND (priority < ? OR next_due > ? OR (next_due = ? AND id > ?))", p, p, due, due, f.After.ID)
		}
		q = q.Order("priority DESC").Order("next_due").Order("id")
	} else {
		if f.After != nil {
			q = q.Where("id > ?", f.After.ID)
		}
		q = q.Order("id")
	}
	var rows []findingRow
	if err := q.Limit(f.Limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("query findings: %w", dbErr(err))
	}
	out := make([]finding.Stored, len(rows))
	for i, r := range rows {
		var err error
		if out[i], err = r.toDomain(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

type remediationRow struct {
	ID          string `gorm:"primaryKey"`
	FindingID   string
	VendorID    string
	Type        string
	Owner       string
	Description string
	DueDate     time.Time
	Status      string
	Comment     string
	VerifiedBy  string
	VerifiedAt  *time.Time
	Version     int
	CreatedAt   time.Time
	UpdatedAt   time.Time `gorm:"autoUpdateTime:false"`
}

func (remediationRow) TableName() string { return "remediations" }

var _ finding.RemediationRepository = (*Findings)(nil)

func toRemediationRow(r finding.Remediation) remediationRow {
	return remediationRow{ID: r.ID, FindingID: r.FindingID, VendorID: r.VendorID, Type: r.Type, Owner: r.Owner,
		Description: r.Description, DueDate: r.DueDate, Status: string(r.Status), Comment: r.Comment, VerifiedBy: r.VerifiedBy,
		VerifiedAt: utcPtr(r.VerifiedAt), Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

func (r remediationRow) toDomain() finding.Remediation {
	return finding.Remediation{ID: r.ID, FindingID: r.FindingID, VendorID: r.VendorID, Type: r.Type, Owner: r.Owner,
		Description: r.Description, DueDate: *dayPtr(&r.DueDate), Status: finding.RemediationStatus(r.Status), Comment: r.Comment,
		VerifiedBy: r.VerifiedBy, VerifiedAt: utcPtr(r.VerifiedAt), Version: r.Version, CreatedAt: r.CreatedAt.UTC(),
		UpdatedAt: r.UpdatedAt.UTC()}
}

// CreateRemediation inserts a remediation item.
func (s *Findings) CreateRemediation(ctx context.Context, r finding.Remediation) error {
	row := toRemediationRow(r)
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("insert remediation: %w", dbErr(err))
	}
	return nil
}

// GetRemediation reads and locks one remediation item.
func (s *Findings) GetRemediation(ctx context.Context, id string) (finding.Remediation, error) {
	var row remediationRow
	if err := s.db.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(&row).Error; err != nil {
		return finding.Remediation{}, dbErr(err)
	}
	return row.toDomain(), nil
}

// UpdateRemediation writes r when the stored version is r.Version-1.
func (s *Findings) UpdateRemediation(ctx context.Context, r finding.Remediation) error {
	row := toRemediationRow(r)
	res := s.db.conn(ctx).Model(&remediationRow{}).Where("id = ? AND version = ?", r.ID, r.Version-1).
		Select("*").Omit("id", "finding_id", "vendor_id", "created_at").Updates(&row)
	return affectedOne(res.Error, res.RowsAffected, "update remediation "+r.ID)
}

// RemediationsOf lists the items of several findings in one statement per 500 findings, each
// finding's oldest first.
func (s *Findings) RemediationsOf(ctx context.Context, findingIDs []string) (map[string][]finding.Remediation, error) {
	out := make(map[string][]finding.Remediation, len(findingIDs))
	for ids := range slices.Chunk(findingIDs, 500) {
		var rows []remediationRow
		if err := s.db.conn(ctx).Where("finding_id IN ?", ids).Order("finding_id, id").Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("query remediations: %w", dbErr(err))
		}
		for _, r := range rows {
			out[r.FindingID] = append(out[r.FindingID], r.toDomain())
		}
	}
	return out, nil
}

// Remediations lists a finding's items, oldest first.
func (s *Findings) Remediations(ctx context.Context, findingID string) ([]finding.Remediation, error) {
	var rows []remediationRow
	if err := s.db.conn(ctx).Where("finding_id = ?", findingID).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("query remediations: %w", dbErr(err))
	}
	out := make([]finding.Remediation, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}
