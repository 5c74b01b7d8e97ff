package workflow

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/acceptance"
	"github.com/vendorrisk/vendorrisk/domain/contract"
	"github.com/vendorrisk/vendorrisk/domain/decision"
	"github.com/vendorrisk/vendorrisk/domain/engagement"
	"github.com/vendorrisk/vendorrisk/domain/finding"
	"github.com/vendorrisk/vendorrisk/domain/policy"
	"github.com/vendorrisk/vendorrisk/domain/register"
)

// Sources are what decisions and risk acceptances read of the other aggregates; every one is required.
type Sources struct {
	Engagements interface {
		Get(ctx context.Context, id string) (engagement.Engagement, engagement.Evaluation, error)
	}
	Policies interface {
		Current(ctx context.Context) (policy.Policy, error)
	}
	Contracts interface {
		EngagementGaps(ctx context.Context, engagementID string) ([]contract.EngagementGap, []contract.ClauseType, error)
	}
	Certifications interface {
		ListCertifications(ctx context.Context, vendorID string) ([]register.Certification, error)
	}
	Findings interface {
		List(ctx context.Context, f finding.Filter, cursor string) (domain.Page[finding.Stored], error)
		Lookup(ctx context.Context, id string) (finding.Stored, error)
		SetRiskAccepted(ctx context.Context, id string) error
		EndRiskAcceptance(ctx context.Context, id string) error
	}
	Remediations interface {
		Get(ctx context.Context, id string) (finding.Remediation, error)
	}
}

// Facts gathers what an outsourcing decision or a risk acceptance rests on from the other aggregates.
type Facts struct {
	src Sources
	now domain.Clock
}

// NewFacts reads from src on the clock now; a missing source is an error.
func NewFacts(src Sources, now domain.Clock) (*Facts, error) {
	m := missing(map[string]any{"Engagements": src.Engagements, "Policies": src.Policies,
		"Contracts": src.Contracts, "Certifications": src.Certifications, "Findings": src.Findings,
		"Remediations": src.Remediations})
	if now == nil {
		m = append(m, "clock")
	}
	if len(m) > 0 {
		return nil, fmt.Errorf("decision facts: missing %s", strings.Join(m, ", "))
	}
	return &Facts{src: src, now: now}, nil
}

// Decisions is what decisions read through the facts.
func (f *Facts) Decisions() decision.Deps {
	return decision.Deps{Gather: f.Gather, RemediationOf: f.RemediationOf}
}

// Gather snapshots an engagement: tier, inherent and residual risk, open findings by severity,
// contract gaps, certifications, next review date and the tier's policy.
func (f *Facts) Gather(ctx context.Context, engagementID string) (decision.Inputs, error) {
	e, ev, err := f.src.Engagements.Get(ctx, engagementID)
	if err != nil {
		return decision.Inputs{}, err
	}
	pol, err := f.src.Policies.Current(ctx)
	if err != nil {
		return decision.Inputs{}, err
	}
	tp := pol.ForTier(ev.EffectiveTier)
	in := decision.Inputs{EngagementID: e.ID, VendorID: e.VendorID, EffectiveTier: ev.EffectiveTier,
		InherentScore: ev.Assessment.Score, AssessmentID: ev.ResidualAssessmentID, Residual: ev.Residual,
		OpenFindings: map[domain.Severity]int{}, ContractGaps: []decision.ContractGap{}, ValidCerts: []decision.Certification{},
		ExpiredCerts: []decision.Certification{}, NextReviewOn: e.NextReviewOn, RequiredApprovals: tp.Approvals,
		ReassessmentMonths: tp.ReassessmentMonths, PolicyVersion: pol.Version}
	if ev.Residual != nil {
		bp := ev.Residual.ControlScoreBP
		in.ControlScoreBP = &bp
	}
	if err := f.openFindings(ctx, engagementID, in.OpenFindings); err != nil {
		return decision.Inputs{}, err
	}
	if in.ContractGaps, in.ContractClauses, err = f.gaps(ctx, engagementID); err != nil {
		return decision.Inputs{}, err
	}
	certs, err := f.src.Certifications.ListCertifications(ctx, e.VendorID)
	if err != nil {
		return decision.Inputs{}, fmt.Errorf("certifications of vendor %s: %w", e.VendorID, err)
	}
	y, m, d := f.now().UTC().Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	for _, c := range certs {
		dc := decision.Certification{ID: c.ID, Name: certName(c), ValidUntil: c.ValidUntil}
		if c.ValidUntil.Before(today) {
			in.ExpiredCerts = append(in.ExpiredCerts, dc)
		} else {
			in.ValidCerts = append(in.ValidCerts, dc)
		}
	}
	return in, nil
}

func certName(c register.Certification) string {
	if c.SchemeName != "" {
		return c.SchemeName
	}
	return string(c.Scheme)
}

func (f *Facts) openFindings(ctx context.Context, engagementID string, out map[domain.Severity]int) error {
	cursor := ""
	for {
		page, err := f.src.Findings.List(ctx, finding.Filter{EngagementID: engagementID, OpenOnly: true, Limit: 200}, cursor)
		if err != nil {
			return fmt.Errorf("open findings of %s: %w", engagementID, err)
		}
		for _, it := range page.Items {
			out[it.Severity]++
		}
		if page.NextCursor == "" {
			return nil
		}
		cursor = page.NextCursor
	}
}

// gaps lists every gap of the engagement's contracts (every required clause when it has none) and the
// clause types they hold.
func (f *Facts) gaps(ctx context.Context, engagementID string) ([]decision.ContractGap, []contract.ClauseType, error) {
	gs, clauses, err := f.src.Contracts.EngagementGaps(ctx, engagementID)
	if err != nil {
		return nil, nil, fmt.Errorf("contract gaps of %s: %w", engagementID, err)
	}
	out := make([]decision.ContractGap, len(gs))
	for i, g := range gs {
		out[i] = decision.ContractGap{ContractID: g.ContractID, ClauseType: g.ClauseType, Problem: g.Problem, Severity: g.Severity}
	}
	return out, clauses, nil
}

// RemediationOf returns the engagement a remediation item belongs to and whether it is verified.
func (f *Facts) RemediationOf(ctx context.Context, id string) (string, bool, error) {
	rem, err := f.src.Remediations.Get(ctx, id)
	if err != nil {
		return "", false, err
	}
	fd, err := f.src.Findings.Lookup(ctx, rem.FindingID)
	if err != nil {
		return "", false, err
	}
	return fd.EngagementID, rem.Status == finding.RemVerified, nil
}

// AcceptanceFindings connects risk acceptances to findings: a finding with its current risk, and
// its status moving with its acceptance.
type AcceptanceFindings struct{ f *Facts }

// Acceptances is what risk acceptances read and change of findings through the facts.
func (f *Facts) Acceptances() AcceptanceFindings { return AcceptanceFindings{f} }

// Finding implements acceptance.Findings.
func (a AcceptanceFindings) Finding(ctx context.Context, id string) (acceptance.Finding, error) {
	if !domain.ValidID(id) {
		return acceptance.Finding{}, domain.NotFound("finding", id)
	}
	fd, err := a.f.src.Findings.Lookup(ctx, id)
	if err != nil {
		return acceptance.Finding{}, err
	}
	_, ev, err := a.f.src.Engagements.Get(ctx, fd.EngagementID)
	if err != nil {
		return acceptance.Finding{}, err
	}
	pol, err := a.f.src.Policies.Current(ctx)
	if err != nil {
		return acceptance.Finding{}, err
	}
	r := acceptance.Risk{Severity: fd.Severity, Priority: fd.Priority, ScoreBP: fd.ScoreBP, Tier: ev.EffectiveTier}
	if ev.Residual != nil {
		r.ResidualLevel = ev.Residual.Level
	}
	return acceptance.Finding{ID: fd.ID, EngagementID: fd.EngagementID, VendorID: fd.VendorID, Closed: fd.Status.Closed(),
		Risk: r, MaxAcceptanceDays: pol.ForTier(ev.EffectiveTier).MaxAcceptanceDays}, nil
}

// Accept implements acceptance.Findings.
func (a AcceptanceFindings) Accept(ctx context.Context, id string) error {
	return a.f.src.Findings.SetRiskAccepted(ctx, id)
}

// Reopen implements acceptance.Findings.
func (a AcceptanceFindings) Reopen(ctx context.Context, id string) error {
	return a.f.src.Findings.EndRiskAcceptance(ctx, id)
}
