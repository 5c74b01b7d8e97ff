package repository

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/engagement"
	"github.com/vendorrisk/vendorrisk/domain/risk"
)

// Engagements stores engagements.
type Engagements struct{ db *DB }

// NewEngagements returns the engagement repository.
func NewEngagements(db *DB) *Engagements { return &Engagements{db: db} }

var _ engagement.Repository = (*Engagements)(nil)

type engagementRow struct {
	ID                      string `gorm:"primaryKey"`
	VendorID                string
	ExternalRef             *string
	Name                    string
	Description             string
	BusinessOwner           string
	ServiceType             string
	Holdings                string
	AccessType              string
	InternetFacing          bool
	DataLocations           string
	CriticalProcess         bool
	RTOHours                *int `gorm:"column:rto_hours"`
	Substitutability        string
	AnnualSpendAmount       *int64
	AnnualSpendCurrency     string
	ImpactC                 *int
	ImpactI                 *int
	ImpactA                 *int
	Status                  string
	OverrideTier            *int
	OverrideReason          *string
	OverrideByKeyID         *string
	OverrideByName          *string
	OverrideAt              *time.Time
	OverrideRecommendedTier *int
	RiskScore               int
	RecommendedTier         int
	EffectiveTier           int
	RiskModelVersion        string
	LastAssessedAt          *time.Time
	NextReviewOn            *time.Time
	Version                 int
	CreatedAt               time.Time
	UpdatedAt               time.Time `gorm:"autoUpdateTime:false"`
}

func (engagementRow) TableName() string { return "engagements" }

type holdingJSON struct {
	Category string `json:"category"`
	Records  int64  `json:"records"`
}

func toEngagementRow(e engagement.Engagement) engagementRow {
	hs := make([]holdingJSON, len(e.Holdings))
	for i, h := range e.Holdings {
		hs[i] = holdingJSON{Category: string(h.Category), Records: h.Records}
	}
	holdings, _ := json.Marshal(hs)               // plain data always marshals
	locations, _ := json.Marshal(e.DataLocations) // idem
	if e.DataLocations == nil {
		locations = []byte("[]")
	}
	r := engagementRow{
		ID: e.ID, VendorID: e.VendorID, Name: e.Name, Description: e.Description, BusinessOwner: e.BusinessOwner,
		ServiceType: string(e.ServiceType), Holdings: string(holdings), AccessType: string(e.Access),
		InternetFacing: e.InternetFacing, DataLocations: string(locations), CriticalProcess: e.CriticalProcess,
		RTOHours: e.RTOHours, Substitutability: string(e.Substitutability), Status: string(e.Status),
		RiskScore: e.Risk.Score, RecommendedTier: int(e.Risk.RecommendedTier), EffectiveTier: int(e.Risk.EffectiveTier),
		RiskModelVersion: e.Risk.ModelVersion, LastAssessedAt: utcPtr(e.LastAssessedAt), NextReviewOn: dayPtr(e.NextReviewOn),
		Version: e.Version, CreatedAt: e.CreatedAt.UTC(), UpdatedAt: e.UpdatedAt.UTC(),
	}
	if m := e.AnnualSpend; m != nil {
		r.AnnualSpendAmount, r.AnnualSpendCurrency = &m.Amount, m.Currency
	}
	if e.ExternalRef != "" {
		r.ExternalRef = &e.ExternalRef
	}
	if i := e.ImpactOverride; i != nil {
		r.ImpactC, r.ImpactI, r.ImpactA = &i.C, &i.I, &i.A
	}
	if o := e.Override; o != nil {
		tier, rec, at := int(o.Tier), int(o.RecommendedTier), o.At.UTC()
		r.OverrideTier, r.OverrideReason, r.OverrideByKeyID, r.OverrideByName = &tier, &o.Reason, &o.ByKeyID, &o.ByName
		r.OverrideAt, r.OverrideRecommendedTier = &at, &rec
	}
	return r
}

func (r engagementRow) toDomain() (engagement.Engagement, error) {
	var hs []holdingJSON
	if err := json.Unmarshal([]byte(r.Holdings), &hs); err != nil {
		return engagement.Engagement{}, fmt.Errorf("decode holdings of engagement %s: %w", r.ID, err)
	}
	var locations []string
	if err := json.Unmarshal([]byte(r.DataLocations), &locations); err != nil {
		return engagement.Engagement{}, fmt.Errorf("decode data locations of engagement %s: %w", r.ID, err)
	}
	e := engagement.Engagement{
		ID: r.ID, VendorID: r.VendorID, Name: r.Name, Description: r.Description, BusinessOwner: r.BusinessOwner,
		ServiceType: engagement.ServiceType(r.ServiceType), Holdings: make([]risk.Holding, len(hs)),
		Access: risk.AccessType(r.AccessType), InternetFacing: r.InternetFacing, DataLocations: locations,
		CriticalProcess: r.CriticalProcess, RTOHours: r.RTOHours, Substitutability: risk.Substitutability(r.Substitutability),
		Status: engagement.Status(r.Status), Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		Risk: engagement.RiskSnapshot{Score: r.RiskScore, RecommendedTier: risk.Tier(r.RecommendedTier),
			EffectiveTier: risk.Tier(r.EffectiveTier), ModelVersion: r.RiskModelVersion},
		LastAssessedAt: utcPtr(r.LastAssessedAt), NextReviewOn: dayPtr(r.NextReviewOn),
	}
	for i, h := range hs {
		e.Holdings[i] = risk.Holding{Category: risk.DataCategory(h.Category), Records: h.Records}
	}
	e.ExternalRef = deref(r.ExternalRef)
	if r.AnnualSpendAmount != nil {
		e.AnnualSpend = &domain.Money{Amount: *r.AnnualSpendAmount, Currency: r.AnnualSpendCurrency}
	}
	if r.ImpactC != nil && r.ImpactI != nil && r.ImpactA != nil {
		e.ImpactOverride = &risk.CIA{C: *r.ImpactC, I: *r.ImpactI, A: *r.ImpactA}
	}
	if r.OverrideTier != nil {
		e.Override = &engagement.TierOverride{Tier: risk.Tier(*r.OverrideTier), Reason: deref(r.OverrideReason),
			ByKeyID: deref(r.OverrideByKeyID), ByName: deref(r.OverrideByName)}
		if r.OverrideAt != nil {
			e.Override.At = r.OverrideAt.UTC()
		}
		if r.OverrideRecommendedTier != nil {
			e.Override.RecommendedTier = risk.Tier(*r.OverrideRecommendedTier)
		}
	}
	return e, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Create inserts an engagement.
func (s *Engagements) Create(ctx context.Context, e engagement.Engagement) error {
	row := toEngagementRow(e)
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("insert engagement: %w", s.uniqueRef(ctx, dbErr(err), e))
	}
	return nil
}

// Get reads one engagement.
func (s *Engagements) Get(ctx context.Context, id string) (engagement.Engagement, error) {
	return s.get(s.db.conn(ctx), id)
}

// GetForUpdate reads and locks one engagement.
func (s *Engagements) GetForUpdate(ctx context.Context, id string) (engagement.Engagement, error) {
	return s.get(s.db.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}), id)
}

func (s *Engagements) get(q *gorm.DB, id string) (engagement.Engagement, error) {
	var row engagementRow
	if err := q.Where("id = ?", id).Take(&row).Error; err != nil {
		return engagement.Engagement{}, dbErr(err)
	}
	return row.toDomain()
}

// List applies the filter with keyset pagination.
func (s *Engagements) List(ctx context.Context, f engagement.Filter) ([]engagement.Engagement, error) {
	q := s.db.conn(ctx).Model(&engagementRow{})
	if f.VendorID != "" {
		q = q.Where("vendor_id = ?", f.VendorID)
	}
	if f.Status != "" {
		q = q.Where("status = ?", string(f.Status))
	}
	if f.Tier != 0 {
		q = q.Where("effective_tier = ?", int(f.Tier))
	}
	if f.ServiceType != "" {
		q = q.Where("service_type = ?", string(f.ServiceType))
	}
	if f.ExternalRef != "" {
		q = q.Where("external_ref = ?", f.ExternalRef)
	}
	if f.Query != "" {
		q = q.Where("name LIKE ? ESCAPE '!'", "%"+likeEscaper.Replace(f.Query)+"%")
	}
	q = reviewFilter(q, f.Review, f.Today)
	q = engagementKeyset(q, f.Sort, f.After)
	var rows []engagementRow
	if err := q.Limit(f.Limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("query engagements: %w", dbErr(err))
	}
	out := make([]engagement.Engagement, len(rows))
	for i, r := range rows {
		var err error
		if out[i], err = r.toDomain(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func engagementKeyset(q *gorm.DB, sort string, after *domain.Cursor) *gorm.DB {
	dir, cmp, cmpEq := "ASC", ">", ">="
	if strings.HasPrefix(sort, "-") {
		dir, cmp, cmpEq = "DESC", "<", "<="
	}
	col := ""
	var val any
	switch strings.TrimPrefix(sort, "-") {
	case "name":
		col = "name"
		if after != nil {
			val = after.Value
		}
	case "risk_score":
		col = "risk_score"
		if after != nil {
			n, _ := strconv.Atoi(after.Value) // validated by the service
			val = n
		}
	}
	if col == "" {
		if after != nil {
			q = q.Where("id "+cmp+" ?", after.ID)
		}
		return q.Order("id " + dir)
	}
	if after != nil {
		q = q.Where(col+" "+cmpEq+" ? AND ("+col+" "+cmp+" ? OR id "+cmp+" ?)", val, val, after.ID)
	}
	return q.Order(col + " " + dir).Order("id " + dir)
}

// Update writes e when the stored version is e.Version-1.
func (s *Engagements) Update(ctx context.Context, e engagement.Engagement) error {
	row := toEngagementRow(e)
	res := s.db.conn(ctx).Model(&engagementRow{}).Where("id = ? AND version = ?", e.ID, e.Version-1).
		Select("*").Omit("id", "created_at").Updates(&row)
	if res.Error != nil {
		return fmt.Errorf("update engagement %s: %w", e.ID, s.uniqueRef(ctx, dbErr(res.Error), e))
	}
	return affectedOne(res.Error, res.RowsAffected, "update engagement "+e.ID)
}

// IDsOfVendors lists the engagements of the given vendors.
func (s *Engagements) IDsOfVendors(ctx context.Context, vendorIDs []string) ([]string, error) {
	var ids []string
	err := s.db.conn(ctx).Model(&engagementRow{}).Where("vendor_id IN ?", vendorIDs).Order("id").Pluck("id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("query engagements of vendors: %w", dbErr(err))
	}
	return ids, nil
}

// IDsAfter lists engagement IDs after afterID, in ID order.
func (s *Engagements) IDsAfter(ctx context.Context, afterID string, limit int) ([]string, error) {
	var ids []string
	err := s.db.conn(ctx).Model(&engagementRow{}).Where("id > ?", afterID).Order("id").Limit(limit).Pluck("id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("query engagement ids: %w", dbErr(err))
	}
	return ids, nil
}

// reviewFilter selects engagements by review status on today, as engagement.ReviewStatusOf classifies
// them: ended ones need no review; the others without a date were never assessed.
func reviewFilter(q *gorm.DB, st engagement.ReviewStatus, today time.Time) *gorm.DB {
	ended := string(engagement.StatusEnded)
	soon := today.AddDate(0, 0, engagement.ReviewDueSoonDays)
	switch st {
	case engagement.ReviewOverdue:
		return q.Where("status <> ? AND next_review_on < ?", ended, today)
	case engagement.ReviewDueSoon:
		return q.Where("status <> ? AND next_review_on >= ? AND next_review_on <= ?", ended, today, soon)
	case engagement.ReviewOK:
		return q.Where("status <> ? AND next_review_on > ?", ended, soon)
	case engagement.ReviewNeverAssessed:
		return q.Where("status <> ? AND next_review_on IS NULL", ended)
	case engagement.ReviewNotRequired:
		return q.Where("status = ?", ended)
	}
	return q
}

// IDsWithoutReviewDate lists engagements assessed and not ended that have no next review date.
func (s *Engagements) IDsWithoutReviewDate(ctx context.Context) ([]string, error) {
	var ids []string
	err := s.db.conn(ctx).Model(&engagementRow{}).Where("last_assessed_at IS NOT NULL AND next_review_on IS NULL AND status <> ?",
		string(engagement.StatusEnded)).Order("id").Pluck("id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("query engagements without a review date: %w", dbErr(err))
	}
	return ids, nil
}

// uniqueRef names external_ref when a duplicate comes from its unique index.
func (s *Engagements) uniqueRef(ctx context.Context, err error, e engagement.Engagement) error {
	if !errors.Is(err, domain.ErrDuplicate) || e.ExternalRef == "" {
		return err
	}
	var n int64
	if s.db.conn(ctx).Model(&engagementRow{}).Where("external_ref = ? AND id <> ?", e.ExternalRef, e.ID).Count(&n).Error != nil || n == 0 {
		return err
	}
	return &domain.Error{Kind: domain.KindConflict, Message: "another engagement has this external_ref",
		Fields: []domain.FieldError{{Field: "external_ref", Message: "is already used"}}}
}

// ByKeys returns the engagements whose external reference is among refs, or whose vendor is among
// vendorIDs (an import's batch lookup).
func (s *Engagements) ByKeys(ctx context.Context, refs, vendorIDs []string) ([]engagement.Engagement, error) {
	if len(refs) == 0 && len(vendorIDs) == 0 {
		return nil, nil
	}
	q := s.db.conn(ctx).Model(&engagementRow{})
	switch {
	case len(refs) > 0 && len(vendorIDs) > 0:
		q = q.Where("external_ref IN ? OR vendor_id IN ?", refs, vendorIDs)
	case len(refs) > 0:
		q = q.Where("external_ref IN ?", refs)
	default:
		q = q.Where("vendor_id IN ?", vendorIDs)
	}
	var rows []engagementRow
	if err := q.Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("query engagements by key: %w", dbErr(err))
	}
	out := make([]engagement.Engagement, 0, len(rows))
	for _, r := range rows {
		e, err := r.toDomain()
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}
