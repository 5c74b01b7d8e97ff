package workflow

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/vendorrisk/vendorrisk/domain/apikey"
	"github.com/vendorrisk/vendorrisk/domain/assessment"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/contract"
	"github.com/vendorrisk/vendorrisk/domain/engagement"
	"github.com/vendorrisk/vendorrisk/domain/policy"
	"github.com/vendorrisk/vendorrisk/domain/questionnaire"
	"github.com/vendorrisk/vendorrisk/domain/register"
	"github.com/vendorrisk/vendorrisk/domain/risk"
)

// Register is what engagements read of the vendor register.
type Register interface {
	Info(ctx context.Context, id string) (register.Vendor, error)
	FourthParties(ctx context.Context, vendorID string) ([]register.FourthParty, error)
	FindByKeys(ctx context.Context, numbers, refs []string) (byNumber, byRef map[string]register.Vendor, err error)
}

// EngagementVendors gives engagements (engagement.Vendors) what they read of the vendor register.
type EngagementVendors struct{ Register Register }

// VendorInfo implements engagement.Vendors.
func (r EngagementVendors) VendorInfo(ctx context.Context, id string) (engagement.VendorInfo, error) {
	v, err := r.Register.Info(ctx, id)
	if err != nil {
		return engagement.VendorInfo{}, err
	}
	return engagement.VendorInfo{ID: v.ID, Name: v.Name, Kind: string(v.Kind), Status: string(v.Status)}, nil
}

// VendorKeys implements engagement.Vendors: the vendors an engagement import names by corporate
// number or external reference.
func (r EngagementVendors) VendorKeys(ctx context.Context, numbers, refs []string) ([]engagement.VendorKey, error) {
	byNumber, byRef, err := r.Register.FindByKeys(ctx, numbers, refs)
	if err != nil {
		return nil, err
	}
	out := make([]engagement.VendorKey, 0, len(byNumber)+len(byRef))
	for _, m := range []map[string]register.Vendor{byNumber, byRef} {
		for _, v := range m {
			out = append(out, engagement.VendorKey{ID: v.ID, CorporateNumber: v.CorporateNumber, ExternalRef: v.ExternalRef,
				Status: string(v.Status)})
		}
	}
	return out, nil
}

// FourthParties implements engagement.Vendors.
func (r EngagementVendors) FourthParties(ctx context.Context, vendorID string) ([]engagement.FourthParty, error) {
	fps, err := r.Register.FourthParties(ctx, vendorID)
	if err != nil {
		return nil, err
	}
	out := make([]engagement.FourthParty, len(fps))
	for i, f := range fps {
		out[i] = engagement.FourthParty{VendorID: f.Link.SubcontractorID, Name: f.Link.SubcontractorName, Service: f.Link.Service,
			HandlesOurData: f.Link.HandlesOurData, Depth: f.Depth, ViaVendorID: f.Link.VendorID}
	}
	return out, nil
}

// EngagementInfos is what contracts and assessments read of an engagement (suppliers get NotFound).
type EngagementInfos interface {
	Info(ctx context.Context, id string) (engagement.Info, error)
}

// ContractEngagements gives contracts (contract.Engagements) what they read of an engagement.
type ContractEngagements struct{ Engagements EngagementInfos }

// EngagementInfo implements contract.Engagements.
func (r ContractEngagements) EngagementInfo(ctx context.Context, id string) (contract.EngagementInfo, error) {
	i, err := r.Engagements.Info(ctx, id)
	if err != nil {
		return contract.EngagementInfo{}, err
	}
	return contract.EngagementInfo{ID: i.ID, VendorID: i.VendorID, EffectiveTier: i.EffectiveTier, DataLocations: i.DataLocations}, nil
}

// AssessmentSources are what assessments read and use of the other aggregates; every one is required
// but Blobs (nil where no evidence is touched, the CLI).
type AssessmentSources struct {
	Engagements interface {
		EngagementInfos
		Get(ctx context.Context, id string) (engagement.Engagement, engagement.Evaluation, error)
	}
	Templates interface {
		Get(ctx context.Context, id string) (questionnaire.Template, error)
	}
	Policies interface {
		Current(ctx context.Context) (policy.Policy, error)
	}
	Keys interface {
		Create(ctx context.Context, in apikey.NewKey) (apikey.Key, string, error)
		Revoke(ctx context.Context, id string) (apikey.Key, error)
	}
	Blobs assessment.BlobStore
}

// AssessmentDeps adapts the other aggregates to what assessments need: the engagement's inherent risk
// and tier, templates, the tier's questionnaire depth, supplier credentials.
func AssessmentDeps(src AssessmentSources) (assessment.Deps, error) {
	if m := missing(map[string]any{"Engagements": src.Engagements, "Templates": src.Templates,
		"Policies": src.Policies, "Keys": src.Keys}); len(m) > 0 {
		return assessment.Deps{}, fmt.Errorf("assessment sources: missing %s", strings.Join(m, ", "))
	}
	e, p, k := src.Engagements, src.Policies, src.Keys
	return assessment.Deps{
		Risk: func(ctx context.Context, id string) (assessment.RiskRef, error) {
			_, ev, err := e.Get(ctx, id)
			if err != nil {
				return assessment.RiskRef{}, err
			}
			return assessment.RiskRef{InherentScore: ev.Assessment.Score, Impact: ev.Impact, Exposure: ev.Exposure.Totals}, nil
		},
		Engagement: func(ctx context.Context, id string) (assessment.EngagementRef, error) {
			i, err := e.Info(ctx, id)
			return assessment.EngagementRef{ID: i.ID, VendorID: i.VendorID, EffectiveTier: i.EffectiveTier}, err
		},
		Template: src.Templates.Get,
		Depth: func(ctx context.Context, tier risk.Tier) (questionnaire.Coverage, error) {
			pol, err := p.Current(ctx)
			if err != nil {
				return "", err
			}
			return questionnaire.Coverage(pol.ForTier(tier).QuestionnaireDepth), nil
		},
		NewSupplierKey: func(ctx context.Context, vendorID, name string, expires time.Time) (string, string, error) {
			key, secret, err := k.Create(ctx, apikey.NewKey{Name: name, Role: auth.RoleSupplier, VendorID: vendorID,
				ExpiresAt: &expires, CreatedBy: "assessment"})
			return key.ID, secret, err
		},
		RevokeKey: func(ctx context.Context, id string) error {
			_, err := k.Revoke(ctx, id)
			return err
		},
		Blobs: src.Blobs,
	}, nil
}
