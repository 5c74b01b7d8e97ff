package repository

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/notice"
	"github.com/vendorrisk/vendorrisk/domain/risk"
)

// Notices stores raised notices and finds what is due.
type Notices struct{ db *DB }

// NewNotices returns the notice repository.
func NewNotices(db *DB) *Notices { return &Notices{db: db} }

var _ notice.Repository = (*Notices)(nil)

// CertificatesUntil returns certifications whose last valid day is at most until.
func (s *Notices) CertificatesUntil(ctx context.Context, until time.Time, afterID string, limit int) ([]notice.Certificate, error) {
	var rows []struct {
		ID, VendorID, Scheme, SchemeName string
		ValidUntil                       time.Time
	}
	q := s.db.conn(ctx).Table("vendor_certifications").Select("id, vendor_id, scheme, scheme_name, valid_until").
		Where("valid_until <= ?", until.UTC())
	if afterID != "" {
		q = q.Where("id > ?", afterID)
	}
	if err := q.Order("id").Limit(limit).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("query certifications: %w", dbErr(err))
	}
	out := make([]notice.Certificate, len(rows))
	for i, r := range rows {
		out[i] = notice.Certificate{ID: r.ID, VendorID: r.VendorID, Scheme: r.Scheme, SchemeName: r.SchemeName, ValidUntil: r.ValidUntil.UTC()}
	}
	return out, nil
}

// ReviewsUntil returns engagements that have not ended whose next review is on or before until.
func (s *Notices) ReviewsUntil(ctx context.Context, until time.Time, afterID string, limit int) ([]notice.Review, error) {
	var rows []struct {
		ID, VendorID, Name string
		NextReviewOn       time.Time
	}
	q := s.db.conn(ctx).Table("engagements").Select("id, vendor_id, name, next_review_on").
		Where("next_review_on IS NOT NULL AND next_review_on <= ? AND status <> ?", until.UTC(), "ended")
	if afterID != "" {
		q = q.Where("id > ?", afterID)
	}
	if err := q.Order("id").Limit(limit).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("query engagement reviews: %w", dbErr(err))
	}
	out := make([]notice.Review, len(rows))
	for i, r := range rows {
		out[i] = notice.Review{EngagementID: r.ID, VendorID: r.VendorID, Name: r.Name, NextReviewOn: r.NextReviewOn.UTC()}
	}
	return out, nil
}

// AssessmentsDue returns assessments waiting on the supplier (sent, in progress, returned) due on or
// before until.
func (s *Notices) AssessmentsDue(ctx context.Context, until time.Time, afterID string, limit int) ([]notice.Due, error) {
	return s.due(ctx, s.db.conn(ctx).Table("assessments AS a").Joins("JOIN engagements AS e ON e.id = a.engagement_id").
		Joins("JOIN vendors AS v ON v.id = a.vendor_id").
		Select("a.id AS id, a.vendor_id AS vendor_id, a.engagement_id AS parent_id, a.due_date AS due_on, a.status AS status, "+
			"e.business_owner AS business_owner, v.internal_owner AS internal_owner, e.effective_tier AS tier").
		Where("a.due_date <= ? AND a.status IN ?", until.UTC(), []string{"sent", "in_progress", "returned"}), afterID, limit, "a.")
}

// RemediationsDue returns remediation items not yet done (open, in progress) due on or before until.
func (s *Notices) RemediationsDue(ctx context.Context, until time.Time, afterID string, limit int) ([]notice.Due, error) {
	return s.due(ctx, s.db.conn(ctx).Table("remediations AS r").Joins("JOIN findings AS f ON f.id = r.finding_id").
		Joins("JOIN engagements AS e ON e.id = f.engagement_id").Joins("JOIN vendors AS v ON v.id = f.vendor_id").
		Select("r.id AS id, f.vendor_id AS vendor_id, r.finding_id AS parent_id, r.due_date AS due_on, r.status AS status, "+
			"e.business_owner AS business_owner, v.internal_owner AS internal_owner, e.effective_tier AS tier").
		Where("r.due_date <= ? AND r.status IN ?", until.UTC(), []string{"open", "in_progress"}), afterID, limit, "r.")
}

func (s *Notices) due(_ context.Context, q *gorm.DB, afterID string, limit int, prefix ...string) ([]notice.Due, error) {
	col := "id"
	if len(prefix) > 0 {
		col = prefix[0] + "id"
	}
	if afterID != "" {
		q = q.Where(col+" > ?", afterID)
	}
	var rows []struct {
		ID, VendorID, ParentID, Status string
		BusinessOwner, InternalOwner   string
		DueOn                          time.Time
		Tier                           int
	}
	if err := q.Order(col).Limit(limit).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("query due items: %w", dbErr(err))
	}
	out := make([]notice.Due, len(rows))
	for i, r := range rows {
		out[i] = notice.Due{ID: r.ID, VendorID: r.VendorID, ParentID: r.ParentID, DueOn: r.DueOn.UTC(), Status: r.Status,
			BusinessOwner: r.BusinessOwner, InternalOwner: r.InternalOwner, Tier: risk.Tier(r.Tier)}
	}
	return out, nil
}

// Pending returns the vendor's assessments waiting on it and the remediation items it owns not yet
// done, by due date.
func (s *Notices) Pending(ctx context.Context, vendorID string, limit int) ([]notice.Due, []notice.Due, error) {
	var as, rs []notice.Due
	for _, q := range []struct {
		dst *[]notice.Due
		tx  *gorm.DB
	}{
		{&as, s.db.conn(ctx).Table("assessments").Select("id, vendor_id, engagement_id AS parent_id, due_date AS due_on, status").
			Where("vendor_id = ? AND status IN ?", vendorID, []string{"sent", "in_progress", "returned"})},
		{&rs, s.db.conn(ctx).Table("remediations AS r").Joins("JOIN findings AS f ON f.id = r.finding_id").
			Select("r.id AS id, f.vendor_id AS vendor_id, r.finding_id AS parent_id, r.due_date AS due_on, r.status AS status").
			Where("f.vendor_id = ? AND r.owner = ? AND r.status IN ?", vendorID, "supplier", []string{"open", "in_progress"})},
	} {
		var rows []struct {
			ID, VendorID, ParentID, Status string
			DueOn                          time.Time
		}
		if err := q.tx.Order("due_on").Limit(limit).Scan(&rows).Error; err != nil {
			return nil, nil, fmt.Errorf("query pending work: %w", dbErr(err))
		}
		for _, r := range rows {
			*q.dst = append(*q.dst, notice.Due{ID: r.ID, VendorID: r.VendorID, ParentID: r.ParentID, DueOn: r.DueOn.UTC(), Status: r.Status})
		}
	}
	return as, rs, nil
}

// RunningContracts returns contracts ending on or after from, with their engagement's vendor.
func (s *Notices) RunningContracts(ctx context.Context, from time.Time, afterID string, limit int) ([]notice.Contract, error) {
	var rows []struct {
		ID, EngagementID, VendorID, Title string
		EndsOn                            time.Time
		NoticeDays                        int
		AutoRenew                         bool
	}
	q := s.db.conn(ctx).Table("contracts AS c").Joins("JOIN engagements AS e ON e.id = c.engagement_id").
		Select("c.id AS id, c.engagement_id AS engagement_id, e.vendor_id AS vendor_id, c.title AS title, c.ends_on AS ends_on, "+
			"c.notice_days AS notice_days, c.auto_renew AS auto_renew").
		Where("c.ends_on IS NOT NULL AND c.ends_on >= ?", from.UTC())
	if afterID != "" {
		q = q.Where("c.id > ?", afterID)
	}
	if err := q.Order("c.id").Limit(limit).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("query running contracts: %w", dbErr(err))
	}
	out := make([]notice.Contract, len(rows))
	for i, r := range rows {
		out[i] = notice.Contract{ID: r.ID, EngagementID: r.EngagementID, VendorID: r.VendorID, Title: r.Title,
			EndsOn: r.EndsOn.UTC(), NoticeDays: r.NoticeDays, AutoRenew: r.AutoRenew}
	}
	return out, nil
}

// Raise inserts the notice; an existing one (the primary key) means it was raised before.
func (s *Notices) Raise(ctx context.Context, kind, subjectID, occasion string, at time.Time) (bool, error) {
	err := dbErr(s.db.conn(ctx).Exec("INSERT INTO notices (kind, subject_id, occasion, raised_at) VALUES (?, ?, ?, ?)",
		kind, subjectID, occasion, at.UTC()).Error)
	if errors.Is(err, domain.ErrDuplicate) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store notice: %w", err)
	}
	return true, nil
}
