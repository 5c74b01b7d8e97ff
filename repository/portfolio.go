package repository

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/acceptance"
	"github.com/vendorrisk/vendorrisk/domain/decision"
	"github.com/vendorrisk/vendorrisk/domain/engagement"
	"github.com/vendorrisk/vendorrisk/domain/finding"
	"github.com/vendorrisk/vendorrisk/domain/portfolio"
	"github.com/vendorrisk/vendorrisk/domain/risk"
)

// Portfolio reads the facts of the portfolio summary: a fixed number of list and aggregate queries,
// never one per engagement or vendor.
type Portfolio struct{ db *DB }

// NewPortfolio returns the portfolio reader.
func NewPortfolio(db *DB) *Portfolio { return &Portfolio{db: db} }

var _ portfolio.Repository = (*Portfolio)(nil)

type engagementFactRow struct {
	ID            string
	VendorID      string
	Status        string
	EffectiveTier int
	Holdings      string
	NextReviewOn  *time.Time
}

type countRow struct {
	EngagementID string
	N            int `gorm:"column:n"`
}

type findingCountRow struct {
	EngagementID string
	Severity     string
	NOpen        int `gorm:"column:n_open"`
	NOverdue     int `gorm:"column:n_overdue"`
}

type certificationFactRow struct {
	VendorID   string
	Scheme     string
	SchemeName string
	ValidUntil time.Time
}

type contractFactRow struct {
	ID           string
	EngagementID string
	EndsOn       time.Time
	AutoRenew    bool
	NoticeDays   int
}

type decisionCountRow struct {
	EngagementID string
	Status       string
	N            int    `gorm:"column:n"`
	LatestID     string `gorm:"column:latest_id"`
}

type acceptanceCountRow struct {
	EngagementID string
	NActive      int `gorm:"column:n_active"`
	NExpiring    int `gorm:"column:n_expiring"`
}

// closedFindings are the finding statuses that need no more work.
var closedFindings = []string{string(finding.StatusClosed), string(finding.StatusRiskAccepted)}

// pendingRemediations are the item statuses in which a past due date makes an item overdue.
var pendingRemediations = []string{string(finding.RemOpen), string(finding.RemInProgress)}

// Facts reads the summary's facts in nine queries: engagements, subcontractor links, overdue
// assessments, open findings, overdue remediation items, expiring certifications, expiring contracts,
// decisions by engagement and status, active risk acceptances by engagement.
func (p *Portfolio) Facts(ctx context.Context, today, horizon time.Time) (portfolio.Facts, error) {
	db := p.db.conn(ctx)
	var f portfolio.Facts

	var engs []engagementFactRow
	if err := db.Table("engagements").Select("id, vendor_id, status, effective_tier, holdings, next_review_on").
		Order("id").Find(&engs).Error; err != nil {
		return f, fmt.Errorf("query engagements: %w", dbErr(err))
	}
	f.Engagements = make([]portfolio.EngagementFact, len(engs))
	for i, r := range engs {
		var hs []holdingJSON
		if err := json.Unmarshal([]byte(r.Holdings), &hs); err != nil {
			return f, fmt.Errorf("decode holdings of engagement %s: %w", r.ID, err)
		}
		e := portfolio.EngagementFact{ID: r.ID, VendorID: r.VendorID, Status: engagement.Status(r.Status),
			Tier: risk.Tier(r.EffectiveTier), Holdings: make([]risk.Holding, len(hs)), NextReviewOn: dayPtr(r.NextReviewOn)}
		for j, h := range hs {
			e.Holdings[j] = risk.Holding{Category: risk.DataCategory(h.Category), Records: h.Records}
		}
		f.Engagements[i] = e
	}

	var links []struct {
		VendorID        string
		SubcontractorID string
	}
	if err := db.Table("vendor_subcontractors").Select("vendor_id, subcontractor_id").Order("vendor_id, subcontractor_id").
		Find(&links).Error; err != nil {
		return f, fmt.Errorf("query subcontractor links: %w", dbErr(err))
	}
	for _, l := range links {
		f.Links = append(f.Links, portfolio.Link{VendorID: l.VendorID, SubcontractorID: l.SubcontractorID})
	}

	var overdue []countRow
	if err := db.Table("assessments").Select("engagement_id, COUNT(*) AS n").
		Where("due_date < ? AND status IN ?", today, awaitingSupplier).Group("engagement_id").Find(&overdue).Error; err != nil {
		return f, fmt.Errorf("query overdue assessments: %w", dbErr(err))
	}
	f.OverdueAssessments = countsByEngagement(overdue)

	var open []findingCountRow
	if err := db.Table("findings").
		Select("engagement_id, severity, COUNT(*) AS n_open, SUM(CASE WHEN next_due < ? THEN 1 ELSE 0 END) AS n_overdue", today).
		Where("status NOT IN ?", closedFindings).Group("engagement_id, severity").Find(&open).Error; err != nil {
		return f, fmt.Errorf("query open findings: %w", dbErr(err))
	}
	for _, r := range open {
		f.Findings = append(f.Findings, portfolio.FindingCount{EngagementID: r.EngagementID, Severity: domain.Severity(r.Severity),
			Open: r.NOpen, Overdue: r.NOverdue})
	}

	var late []countRow
	if err := db.Table("remediations r").Select("f.engagement_id, COUNT(*) AS n").Joins("JOIN findings f ON f.id = r.finding_id").
		Where("r.status IN ? AND r.due_date < ?", pendingRemediations, today).Group("f.engagement_id").Find(&late).Error; err != nil {
		return f, fmt.Errorf("query overdue remediation items: %w", dbErr(err))
	}
	f.OverdueRemediations = countsByEngagement(late)

	// The latest certificate of each vendor and scheme (none newer exists), when it ends by the horizon.
	var certs []certificationFactRow
	if err := db.Table("vendor_certifications c").Select("c.vendor_id, c.scheme, c.scheme_name, c.valid_until").
		Where("c.valid_until <= ? AND NOT EXISTS (SELECT 1 FROM vendor_certifications n WHERE n.vendor_id = c.vendor_id "+
			"AND n.scheme = c.scheme AND n.scheme_name = c.scheme_name AND n.valid_until > c.valid_until)", horizon).
		Order("c.valid_until, c.vendor_id, c.scheme, c.id").Find(&certs).Error; err != nil {
		return f, fmt.Errorf("query expiring certifications: %w", dbErr(err))
	}
	for _, r := range certs {
		f.Certifications = append(f.Certifications, portfolio.CertificationFact{VendorID: r.VendorID, Scheme: r.Scheme,
			SchemeName: r.SchemeName, ValidUntil: *dayPtr(&r.ValidUntil)})
	}

	var cons []contractFactRow
	if err := db.Table("contracts").Select("id, engagement_id, ends_on, auto_renew, notice_days").
		Where("ends_on IS NOT NULL AND ends_on >= ? AND (ends_on <= ? OR auto_renew = ?)", today, horizon, true).
		Order("ends_on, id").Find(&cons).Error; err != nil {
		return f, fmt.Errorf("query expiring contracts: %w", dbErr(err))
	}
	for _, r := range cons {
		f.Contracts = append(f.Contracts, portfolio.ContractFact{ID: r.ID, EngagementID: r.EngagementID, EndsOn: *dayPtr(&r.EndsOn),
			AutoRenew: r.AutoRenew, NoticeDays: r.NoticeDays})
	}

	var decs []decisionCountRow
	if err := db.Table("decisions").Select("engagement_id, status, COUNT(*) AS n, MAX(id) AS latest_id").
		Group("engagement_id, status").Find(&decs).Error; err != nil {
		return f, fmt.Errorf("query decisions: %w", dbErr(err))
	}
	for _, r := range decs {
		f.Decisions = append(f.Decisions, portfolio.DecisionCount{EngagementID: r.EngagementID, Status: decision.Status(r.Status),
			N: r.N, LatestID: r.LatestID})
	}

	var accs []acceptanceCountRow
	if err := db.Table("risk_acceptances").
		Select("engagement_id, COUNT(*) AS n_active, SUM(CASE WHEN expires_on <= ? THEN 1 ELSE 0 END) AS n_expiring", horizon).
		Where("status = ?", string(acceptance.StatusActive)).Group("engagement_id").Find(&accs).Error; err != nil {
		return f, fmt.Errorf("query active risk acceptances: %w", dbErr(err))
	}
	for _, r := range accs {
		f.Acceptances = append(f.Acceptances, portfolio.AcceptanceCount{EngagementID: r.EngagementID, Active: r.NActive,
			Expiring: r.NExpiring})
	}
	return f, nil
}

func countsByEngagement(rows []countRow) map[string]int {
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.EngagementID] += r.N
	}
	return out
}

// VendorNames names the given vendors in one query.
func (p *Portfolio) VendorNames(ctx context.Context, ids []string) (map[string]string, error) {
	var rows []struct {
		ID   string
		Name string
	}
	if err := p.db.conn(ctx).Table("vendors").Select("id, name").Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("query vendor names: %w", dbErr(err))
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.ID] = r.Name
	}
	return out, nil
}
