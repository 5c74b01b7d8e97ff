package engagement

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/event"
	"github.com/vendorrisk/vendorrisk/domain/policy"
	"github.com/vendorrisk/vendorrisk/domain/risk"
)

// VendorInfo is what an engagement needs to know about its vendor.
type VendorInfo struct {
	ID     string
	Name   string
	Kind   string
	Status string
}

// FourthParty is a vendor our vendor relies on, directly (depth 1) or further down the chain.
type FourthParty struct {
	VendorID       string
	Name           string
	Service        string
	HandlesOurData bool
	Depth          int
	ViaVendorID    string // the vendor that relies on it
}

// Vendors reads the vendor register.
type Vendors interface {
	VendorInfo(ctx context.Context, id string) (VendorInfo, error) // domain.ErrNotFound if absent
	FourthParties(ctx context.Context, vendorID string) ([]FourthParty, error)
	// VendorKeys returns the vendors with any of the corporate numbers or external references.
	VendorKeys(ctx context.Context, corporateNumbers, externalRefs []string) ([]VendorKey, error)
}

// VendorKey is how an import names a vendor: its keys, and its status (no new engagements of a
// terminated vendor).
type VendorKey struct {
	ID, CorporateNumber, ExternalRef, Status string
}

// Policies gives the current risk policy.
type Policies interface {
	Current(ctx context.Context) (policy.Policy, error)
}

// Filter selects engagements for a list.
type Filter struct {
	VendorID    string
	Status      Status
	Tier        risk.Tier // effective tier
	ServiceType ServiceType
	ExternalRef string       // the engagement with this external reference
	Review      ReviewStatus // review status on Today
	Today       time.Time    // set by the service from its clock
	Query       string
	Sort        string
	After       *domain.Cursor
	Limit       int
}

// Sorts are the accepted sort orders.
var Sorts = []string{"created_at", "-created_at", "name", "-name", "risk_score", "-risk_score"}

// Repository stores engagements.
type Repository interface {
	Create(ctx context.Context, e Engagement) error
	Get(ctx context.Context, id string) (Engagement, error)
	GetForUpdate(ctx context.Context, id string) (Engagement, error)
	List(ctx context.Context, f Filter) ([]Engagement, error)
	// Update writes e when the stored version is e.Version-1, else domain.ErrStaleVersion.
	Update(ctx context.Context, e Engagement) error
	// IDsOfVendors lists the engagements of the given vendors.
	IDsOfVendors(ctx context.Context, vendorIDs []string) ([]string, error)
	// IDsAfter lists engagement IDs after the given one, for batch work over all of them.
	IDsAfter(ctx context.Context, afterID string, limit int) ([]string, error)
	// ByKeys returns the engagements whose external reference is among refs or whose vendor is among
	// vendorIDs (an import's batch lookup).
	ByKeys(ctx context.Context, refs, vendorIDs []string) ([]Engagement, error)
	// IDsWithoutReviewDate lists engagements assessed and not ended that have no next review date.
	IDsWithoutReviewDate(ctx context.Context) ([]string, error)
}

// ControlScores gives the final control score of an engagement's latest completed assessment.
type ControlScores func(ctx context.Context, engagementID string) (assessmentID string, overallBP int, found bool, err error)

// Service holds the engagement use cases.
type Service struct {
	repo     Repository
	vendors  Vendors
	policies Policies
	tx       domain.TxManager
	now      domain.Clock
	scores   ControlScores
	events   event.Recorder
}

// subject names an engagement in its events.
func subject(e Engagement) event.Subject {
	return event.Subject{Type: "engagement", ID: e.ID, VendorID: e.VendorID}
}

// TierChange is the payload of engagement.tier_changed.
type TierChange struct {
	EngagementID string
	VendorID     string
	From, To     risk.Tier
	Recommended  risk.Tier
	Overridden   bool
}

// tierMoved records engagement.tier_changed when the stored tier changed from before to e's, whatever
// the cause: an override, a changed engagement, a policy change or a changed subcontractor graph. What
// is rated on the tier (findings' severity and priority) follows that event in this transaction
// (domain/workflow).
func (s *Service) tierMoved(ctx context.Context, e Engagement, before risk.Tier, why string) error {
	if e.Risk.EffectiveTier == before {
		return nil
	}
	change := TierChange{EngagementID: e.ID, VendorID: e.VendorID, From: before, To: e.Risk.EffectiveTier,
		Recommended: e.Risk.RecommendedTier, Overridden: e.Override != nil}
	if err := s.events.Record(ctx, event.New("engagement.tier_changed", subject(e), nil, change).Because(why)); err != nil {
		return fmt.Errorf("record the tier change of engagement %s: %w", e.ID, err)
	}
	return nil
}

// NewService wires the engagement use cases; scores is where residual risk finds control scores;
// events records what each change did.
func NewService(repo Repository, vendors Vendors, policies Policies, scores ControlScores, tx domain.TxManager,
	now domain.Clock, events event.Recorder) *Service {
	return &Service{repo: repo, vendors: vendors, policies: policies, scores: scores, tx: tx, now: now, events: events}
}

// Evaluation is an engagement's inherent risk, explained, with its breach exposure.
type Evaluation struct {
	Assessment      risk.Assessment
	Exposure        risk.Exposure
	FourthParties   []FourthParty
	Impact          risk.CIA
	DerivedImpact   risk.CIA
	ImpactOverride  bool
	RecommendedTier risk.Tier
	EffectiveTier   risk.Tier
	Override        *TierOverride
	PolicyVersion   int
	Vendor          VendorInfo
	// Residual is the inherent risk reduced by the latest completed assessment's score (nil before one).
	Residual             *risk.Residual
	ResidualAssessmentID string
}

// internalOnly refuses suppliers: engagements are internal data (404, so their existence is not revealed).
func internalOnly(ctx context.Context, id string) (auth.Principal, error) {
	p, err := auth.Caller(ctx)
	if err != nil {
		return p, err
	}
	if p.IsSupplier() {
		return p, domain.NotFound("engagement", id)
	}
	return p, nil
}

// Create registers an engagement in intake and evaluates its risk.
func (s *Service) Create(ctx context.Context, e Engagement) (Engagement, Evaluation, error) {
	if _, err := internalOnly(ctx, ""); err != nil {
		return Engagement{}, Evaluation{}, err
	}
	if err := s.prepare(&e); err != nil {
		return Engagement{}, Evaluation{}, err
	}
	var ev Evaluation
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		ev, err = s.insert(ctx, &e)
		return err
	})
	return e, ev, err
}

// prepare makes e a new engagement: the default status, normalized, validated, with its ID and version.
func (s *Service) prepare(e *Engagement) error {
	if e.Status == "" {
		e.Status = StatusIntake
	}
	e.normalize()
	if err := e.validate(); err != nil {
		return err
	}
	now := s.now()
	e.ID, e.Version, e.CreatedAt, e.UpdatedAt = domain.NewID(), 1, now, now
	return nil
}

// insert evaluates and stores a prepared engagement and records engagement.created, in ctx's transaction.
func (s *Service) insert(ctx context.Context, e *Engagement) (Evaluation, error) {
	ev, err := s.evaluate(ctx, e)
	if err != nil {
		return Evaluation{}, err
	}
	if ev.Vendor.Status == "terminated" {
		return Evaluation{}, domain.Errorf(domain.KindConflict, "vendor %s is terminated: no new engagements", e.VendorID)
	}
	if err := s.repo.Create(ctx, *e); err != nil {
		return Evaluation{}, fmt.Errorf("create engagement: %w", err)
	}
	return ev, event.Record(ctx, s.events, "engagement.created", subject(*e), nil, *e)
}

// evaluate runs the model on e and stores the result in e.Risk.
func (s *Service) evaluate(ctx context.Context, e *Engagement) (Evaluation, error) {
	v, err := s.vendors.VendorInfo(ctx, e.VendorID)
	if errors.Is(err, domain.ErrNotFound) {
		return Evaluation{}, domain.Invalid("vendor_id", "no such vendor")
	}
	if err != nil {
		return Evaluation{}, fmt.Errorf("load vendor %s: %w", e.VendorID, err)
	}
	fps, err := s.vendors.FourthParties(ctx, e.VendorID)
	if err != nil {
		return Evaluation{}, fmt.Errorf("load fourth parties of vendor %s: %w", e.VendorID, err)
	}
	pol, err := s.policies.Current(ctx)
	if err != nil {
		return Evaluation{}, err
	}
	a := risk.Assess(risk.Input{
		Holdings: e.Holdings, Impact: e.Impact(), CriticalProcess: e.CriticalProcess, RTOHours: e.RTOHours,
		Substitutability: e.Substitutability, Access: e.Access, InternetFacing: e.InternetFacing,
		FourthParties: len(fps), CloudHosted: e.ServiceType.Cloud() || v.Kind == "cloud_provider",
		DataLocations: e.DataLocations, HomeCountry: pol.HomeCountry,
	})
	exp, err := risk.BreachExposure(e.Holdings, pol.BreachCosts)
	if err != nil {
		return Evaluation{}, domain.Invalidf("data_categories", "the breach exposure is too large to compute: %s", err.Error())
	}
	effective := a.Tier
	if e.Override != nil {
		effective = e.Override.Tier
	}
	e.Risk = RiskSnapshot{Score: a.Score, RecommendedTier: a.Tier, EffectiveTier: effective, ModelVersion: a.ModelVersion}
	e.NextReviewOn = ReviewDate(e.Status, e.LastAssessedAt, pol.ForTier(effective).ReassessmentMonths)
	ev := Evaluation{
		Assessment: a, Exposure: exp, FourthParties: fps, Impact: e.Impact(), DerivedImpact: e.DerivedImpact(),
		ImpactOverride: e.ImpactOverride != nil, RecommendedTier: a.Tier, EffectiveTier: effective,
		Override: e.Override, PolicyVersion: pol.Version, Vendor: v,
	}
	if e.ID != "" {
		id, bp, found, err := s.scores(ctx, e.ID)
		if err != nil {
			return Evaluation{}, err
		}
		if found {
			r := risk.ResidualOf(a.Score, bp, e.Impact())
			ev.Residual, ev.ResidualAssessmentID = &r, id
		}
	}
	return ev, nil
}

// Get returns an engagement with a fresh evaluation.
func (s *Service) Get(ctx context.Context, id string) (Engagement, Evaluation, error) {
	if _, err := internalOnly(ctx, id); err != nil {
		return Engagement{}, Evaluation{}, err
	}
	e, err := s.load(ctx, id, false)
	if err != nil {
		return Engagement{}, Evaluation{}, err
	}
	ev, err := s.evaluate(ctx, &e)
	return e, ev, err
}

func (s *Service) load(ctx context.Context, id string, forUpdate bool) (Engagement, error) {
	return domain.Load(ctx, "engagement", id, s.repo.Get, s.repo.GetForUpdate, forUpdate)
}

// List returns one page of engagements.
func (s *Service) List(ctx context.Context, f Filter, cursor string) (domain.Page[Engagement], error) {
	if _, err := internalOnly(ctx, ""); err != nil {
		return domain.Page[Engagement]{}, err
	}
	v := f.normalize()
	return domain.ListPage(ctx, "engagements", f.Limit, cursor, f.Sort,
		func(ctx context.Context, after *domain.Cursor, limit int) ([]Engagement, error) {
			if after != nil && strings.TrimPrefix(f.Sort, "-") == "risk_score" {
				if _, err := strconv.Atoi(after.Value); err != nil {
					return nil, domain.ErrBadCursor()
				}
			}
			f.After, f.Limit, f.Today = after, limit, Day(s.now())
			return s.repo.List(ctx, f)
		}, f.cursorOf, v.Err)
}

// cursorOf is the cursor of the page that ends with last.
func (f *Filter) cursorOf(last Engagement) domain.Cursor {
	c := domain.Cursor{Sort: f.Sort, ID: last.ID}
	switch strings.TrimPrefix(f.Sort, "-") {
	case "name":
		c.Value = last.Name
	case "risk_score":
		c.Value = strconv.Itoa(last.Risk.Score)
	}
	return c
}

// normalize trims f and fills in its defaults. What it finds wrong is reported after the limit and
// before the cursor, which is decoded against the sort.
func (f *Filter) normalize() (v domain.Validator) {
	if f.Sort == "" {
		f.Sort = "created_at"
	}
	v.Checkf(slices.Contains(Sorts, f.Sort), "sort", "must be one of %s", strings.Join(Sorts, ", "))
	v.Check(f.VendorID == "" || domain.ValidID(f.VendorID), "vendor_id", "must be a vendor id")
	v.Check(f.Status == "" || slices.Contains(Statuses, f.Status), "status", "is not an engagement status")
	v.Check(f.Tier == 0 || f.Tier.Valid(), "tier", "must be 1, 2, 3 or 4")
	v.Check(f.ServiceType == "" || slices.Contains(ServiceTypes, f.ServiceType), "service_type", "is not a service type")
	v.Check(f.Review == "" || slices.Contains(ReviewStatuses, f.Review), "review",
		"must be one of overdue, due_soon, ok, never_assessed, not_required")
	f.Query = strings.TrimSpace(f.Query)
	v.Check(len(f.Query) <= 200, "q", "must be at most 200 characters")
	f.ExternalRef = strings.TrimSpace(f.ExternalRef)
	v.Check(domain.ValidExternalRef(f.ExternalRef), "external_ref", "must be at most 100 printable characters")
	return v
}

// Patch holds the fields of a partial update; nil means unchanged.
type Patch struct {
	ExternalRef      *string
	Name             *string
	Description      *string
	BusinessOwner    *string
	ServiceType      *ServiceType
	Holdings         *[]risk.Holding
	Access           *risk.AccessType
	InternetFacing   *bool
	DataLocations    *[]string
	CriticalProcess  *bool
	RTOHours         **int
	Substitutability *risk.Substitutability
	AnnualSpend      **domain.Money
	ImpactOverride   **risk.CIA
	Status           *Status
}

// Update applies a patch and re-evaluates the risk.
func (s *Service) Update(ctx context.Context, id string, p Patch, ifMatch *int) (Engagement, Evaluation, error) {
	if _, err := internalOnly(ctx, id); err != nil {
		return Engagement{}, Evaluation{}, err
	}
	return s.change(ctx, id, ifMatch, "engagement.updated", p.applyTo)
}

// applyTo changes e by the patch under the rules of an update: the lifecycle, then every field rule.
func (p Patch) applyTo(e *Engagement) error {
	if p.Status != nil && !slices.Contains(Statuses, *p.Status) {
		return domain.Invalid("status", "is not an engagement status")
	}
	if p.Status != nil && !CanTransition(e.Status, *p.Status) {
		msg := fmt.Sprintf("cannot change from %s to %s (allowed: %s)", e.Status, *p.Status, allowed(e.Status))
		return &domain.Error{Kind: domain.KindConflict, Message: "engagement status " + msg,
			Fields: []domain.FieldError{{Field: "status", Message: msg}}}
	}
	p.apply(e)
	e.normalize()
	return e.validate()
}

func allowed(st Status) string { return domain.NextStates(AllowedNext(st)) }

func (p Patch) apply(e *Engagement) {
	domain.Set(&e.ExternalRef, p.ExternalRef)
	domain.Set(&e.Name, p.Name)
	domain.Set(&e.Description, p.Description)
	domain.Set(&e.BusinessOwner, p.BusinessOwner)
	domain.Set(&e.ServiceType, p.ServiceType)
	domain.Set(&e.Holdings, p.Holdings)
	domain.Set(&e.Access, p.Access)
	domain.Set(&e.InternetFacing, p.InternetFacing)
	domain.Set(&e.DataLocations, p.DataLocations)
	domain.Set(&e.CriticalProcess, p.CriticalProcess)
	domain.Set(&e.RTOHours, p.RTOHours)
	domain.Set(&e.Substitutability, p.Substitutability)
	domain.Set(&e.AnnualSpend, p.AnnualSpend)
	domain.Set(&e.ImpactOverride, p.ImpactOverride)
	domain.Set(&e.Status, p.Status)
}

// change runs one read-modify-write of an engagement, re-evaluating its risk, and records it as an
// event of type typ (and engagement.tier_changed when the tier moved).
func (s *Service) change(ctx context.Context, id string, ifMatch *int, typ string, mutate func(e *Engagement) error) (Engagement, Evaluation, error) {
	var ev Evaluation
	c := domain.Change[Engagement]{Resource: "engagement", Lock: s.repo.GetForUpdate, Store: s.repo.Update,
		Version: func(e *Engagement) *int { return &e.Version }, Touch: func(e *Engagement) { e.UpdatedAt = s.now() },
		Clone: func(e Engagement) Engagement {
			e.Holdings, e.DataLocations = slices.Clone(e.Holdings), slices.Clone(e.DataLocations)
			return e
		},
		Record: func(ctx context.Context, before, after Engagement) error {
			if err := event.Record(ctx, s.events, typ, subject(after), before, after); err != nil {
				return err
			}
			return s.tierMoved(ctx, after, before.Risk.EffectiveTier, typ)
		}}
	e, err := c.Apply(ctx, s.tx, id, ifMatch, func(ctx context.Context, e *Engagement) error {
		if err := mutate(e); err != nil {
			return err
		}
		var err error
		ev, err = s.evaluate(ctx, e)
		return err
	})
	return e, ev, err
}

// OverrideTier sets (tier 1..4) or clears (tier 0) the effective tier. A reason is always required,
// so that the decision can be explained later.
func (s *Service) OverrideTier(ctx context.Context, id string, tier risk.Tier, reason string, ifMatch *int) (Engagement, Evaluation, error) {
	p, err := internalOnly(ctx, id)
	if err != nil {
		return Engagement{}, Evaluation{}, err
	}
	reason = strings.TrimSpace(reason)
	var v domain.Validator
	v.Check(tier == 0 || tier.Valid(), "tier", "must be 1, 2, 3 or 4 (or null to clear the override)")
	v.Check(reason != "", "reason", "is required: say why the tier differs from the model's")
	v.Check(utf8.RuneCountInString(reason) <= 2000, "reason", "must be at most 2000 characters")
	if err := v.Err(); err != nil {
		return Engagement{}, Evaluation{}, err
	}
	return s.change(ctx, id, ifMatch, "engagement.tier_overridden", func(e *Engagement) error {
		if tier == 0 {
			e.Override = nil
			return nil
		}
		e.Override = &TierOverride{Tier: tier, Reason: reason, ByKeyID: p.KeyID, ByName: p.Name, At: s.now(),
			RecommendedTier: e.Risk.RecommendedTier}
		return nil
	})
}

// Refresh re-evaluates the engagements of the given vendors after something they depend on changed
// (their subcontractor graph), so that stored tiers stay true. It runs in the caller's transaction.
func (s *Service) Refresh(ctx context.Context, vendorIDs []string) error {
	ids, err := s.repo.IDsOfVendors(ctx, vendorIDs)
	if err != nil {
		return fmt.Errorf("find engagements to refresh: %w", err)
	}
	return s.refreshIDs(ctx, ids, "a vendor's kind or subcontractors changed")
}

// RefreshAll re-evaluates every engagement (after a policy change), in batches.
func (s *Service) RefreshAll(ctx context.Context) error {
	after := ""
	for {
		ids, err := s.repo.IDsAfter(ctx, after, 200)
		if err != nil {
			return fmt.Errorf("list engagements to refresh: %w", err)
		}
		if len(ids) == 0 {
			return nil
		}
		if err := s.refreshIDs(ctx, ids, "the risk policy changed"); err != nil {
			return err
		}
		after = ids[len(ids)-1]
	}
}

// refreshIDs re-evaluates the engagements and records engagement.risk_recomputed, because of why, for
// each whose risk or review date moved.
func (s *Service) refreshIDs(ctx context.Context, ids []string, why string) error {
	for _, id := range ids {
		err := s.tx.InTx(ctx, func(ctx context.Context) error {
			e, err := s.load(ctx, id, true)
			if err != nil {
				return err
			}
			before := e
			if _, err := s.evaluate(ctx, &e); err != nil {
				return err
			}
			if e.Risk == before.Risk && sameDay(e.NextReviewOn, before.NextReviewOn) {
				return nil
			}
			e.Version++
			e.UpdatedAt = s.now()
			if err := s.repo.Update(ctx, e); err != nil {
				return err
			}
			ev := event.New("engagement.risk_recomputed", subject(e), before, e).Because(why)
			if err := s.events.Record(ctx, ev); err != nil {
				return fmt.Errorf("record the recomputed risk of engagement %s: %w", id, err)
			}
			return s.tierMoved(ctx, e, before.Risk.EffectiveTier, why)
		})
		if err != nil {
			return fmt.Errorf("refresh engagement %s: %w", id, err)
		}
	}
	return nil
}

// Info is what other modules (contracts, assessments) read about an engagement.
type Info struct {
	ID            string
	VendorID      string
	EffectiveTier risk.Tier
	DataLocations []string
	NextReviewOn  *time.Time // nil: never assessed, or ended
}

// Info returns the engagement's summary for other modules; suppliers get NotFound.
func (s *Service) Info(ctx context.Context, id string) (Info, error) {
	if _, err := internalOnly(ctx, id); err != nil {
		return Info{}, err
	}
	return s.Lookup(ctx, id)
}

// Lookup is Info without the caller check, for modules that have checked the caller's scope on their
// own resource already (a supplier's finding belongs to its vendor; its engagement's tier sets a due date).
func (s *Service) Lookup(ctx context.Context, id string) (Info, error) {
	e, err := s.load(ctx, id, false)
	if err != nil {
		return Info{}, err
	}
	return Info{ID: e.ID, VendorID: e.VendorID, EffectiveTier: e.Risk.EffectiveTier, DataLocations: e.DataLocations,
		NextReviewOn: e.NextReviewOn}, nil
}
