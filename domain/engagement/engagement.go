// Package engagement holds engagements: the services we buy from a vendor. Risk lives here, not on
// the vendor: one cloud provider with three services is three engagements with three risk profiles.
package engagement

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/country"
	"github.com/vendorrisk/vendorrisk/domain/risk"
)

// ServiceType is what kind of service is bought.
type ServiceType string

const (
	ServiceSaaS                  ServiceType = "saas"
	ServiceIaaS                  ServiceType = "iaas"
	ServicePaaS                  ServiceType = "paas"
	ServiceOutsourcedDevelopment ServiceType = "outsourced_development"
	ServiceOperationsOutsourcing ServiceType = "operations_outsourcing"
	ServiceConsulting            ServiceType = "consulting"
	ServiceOnsiteMaintenance     ServiceType = "onsite_maintenance"
	ServiceOther                 ServiceType = "other"
)

// ServiceTypes lists every service type.
var ServiceTypes = []ServiceType{ServiceSaaS, ServiceIaaS, ServicePaaS, ServiceOutsourcedDevelopment,
	ServiceOperationsOutsourcing, ServiceConsulting, ServiceOnsiteMaintenance, ServiceOther}

// Cloud reports whether the service type is a cloud service.
func (t ServiceType) Cloud() bool { return t == ServiceSaaS || t == ServiceIaaS || t == ServicePaaS }

// Status is the engagement's lifecycle state.
type Status string

const (
	StatusIntake    Status = "intake"
	StatusAssessing Status = "assessing"
	StatusDecided   Status = "decided"
	StatusActive    Status = "active"
	StatusEnded     Status = "ended"
)

// Statuses lists every status.
var Statuses = []Status{StatusIntake, StatusAssessing, StatusDecided, StatusActive, StatusEnded}

// transitions: an engagement is assessed, decided, run, and reassessed while it runs; it may end at any
// point (a refused outsourcing ends after decided); ended is final.
var transitions = map[Status][]Status{
	StatusIntake:    {StatusAssessing, StatusEnded},
	StatusAssessing: {StatusDecided, StatusEnded},
	StatusDecided:   {StatusActive, StatusAssessing, StatusEnded},
	StatusActive:    {StatusAssessing, StatusEnded},
	StatusEnded:     {},
}

// CanTransition reports whether the lifecycle allows from -> to.
func CanTransition(from, to Status) bool { return from == to || slices.Contains(transitions[from], to) }

// AllowedNext lists the statuses reachable from st.
func AllowedNext(st Status) []Status { return transitions[st] }

// TierOverride is a risk owner's decision to use another tier than the model recommends.
type TierOverride struct {
	Tier            risk.Tier
	Reason          string
	ByKeyID         string
	ByName          string
	At              time.Time
	RecommendedTier risk.Tier // what the model said when the override was made
}

// RiskSnapshot is the latest evaluation, stored so that lists can filter and sort by it.
type RiskSnapshot struct {
	Score           int
	RecommendedTier risk.Tier
	EffectiveTier   risk.Tier
	ModelVersion    string
}

// Engagement is a service bought from a vendor.
type Engagement struct {
	ID       string
	VendorID string
	// ExternalRef is the engagement's id in the customer's ERP ("" when none); unique when set.
	ExternalRef      string
	Name             string
	Description      string
	BusinessOwner    string
	ServiceType      ServiceType
	Holdings         []risk.Holding
	Access           risk.AccessType
	InternetFacing   bool
	DataLocations    []string
	CriticalProcess  bool
	RTOHours         *int
	Substitutability risk.Substitutability
	AnnualSpend      *domain.Money
	ImpactOverride   *risk.CIA // nil: derived from the data held and the criticality
	Status           Status
	Override         *TierOverride
	Risk             RiskSnapshot
	Version          int
	CreatedAt        time.Time
	UpdatedAt        time.Time

	// LastAssessedAt is when the engagement's latest assessment was completed (nil: never assessed).
	LastAssessedAt *time.Time
	// NextReviewOn is the date the engagement is due for reassessment: the day of LastAssessedAt plus
	// the effective tier's ReassessmentMonths in the current policy. nil when never assessed or ended.
	// Stored, and kept by evaluate, so that lists can filter on it.
	NextReviewOn *time.Time
}

// DerivedImpact is the default C, I and A for the engagement's data and criticality.
func (e Engagement) DerivedImpact() risk.CIA {
	return risk.DefaultImpact(e.Holdings, e.CriticalProcess, e.RTOHours)
}

// Impact is the override if one is set, else the derived impact.
func (e Engagement) Impact() risk.CIA {
	if e.ImpactOverride != nil {
		return *e.ImpactOverride
	}
	return e.DerivedImpact()
}

// MaxRecords bounds a holding's record count (ten billion): more is a typing error.
const MaxRecords = 10_000_000_000

func (e *Engagement) normalize() {
	e.Name = strings.TrimSpace(e.Name)
	e.ExternalRef = strings.TrimSpace(e.ExternalRef)
	e.BusinessOwner = strings.TrimSpace(e.BusinessOwner)
	if e.Access == "" {
		e.Access = risk.AccessNone
	}
	if e.Substitutability == "" {
		e.Substitutability = risk.SubstituteModerate
	}
	for i, l := range e.DataLocations {
		e.DataLocations[i] = country.Normalize(l)
	}
}

func (e *Engagement) validate() error {
	var v domain.Validator
	v.Check(domain.ValidID(e.VendorID), "vendor_id", "must be a vendor id")
	v.Check(e.Name != "" && utf8.RuneCountInString(e.Name) <= 200, "name", "is required and at most 200 characters")
	v.Check(domain.ValidExternalRef(e.ExternalRef), "external_ref", "must be at most 100 printable characters")
	v.Check(utf8.RuneCountInString(e.Description) <= 4000, "description", "must be at most 4000 characters")
	v.Check(utf8.RuneCountInString(e.BusinessOwner) <= 200, "business_owner", "must be at most 200 characters")
	v.Check(slices.Contains(ServiceTypes, e.ServiceType), "service_type", "is not a service type")
	v.Check(slices.Contains(risk.AccessTypes, e.Access), "access_type", "must be one of none, data_transfer, remote_logical, privileged_admin, onsite_physical")
	v.Check(slices.Contains(risk.Substitutabilities, e.Substitutability), "substitutability", "must be easy, moderate or hard")
	v.Check(slices.Contains(Statuses, e.Status), "status", "is not an engagement status")
	v.Check(e.RTOHours == nil || (*e.RTOHours >= 0 && *e.RTOHours <= 8760), "rto_hours", "must be between 0 and 8760")
	seen := map[risk.DataCategory]bool{}
	for i, h := range e.Holdings {
		f := "data_categories[" + strconv.Itoa(i) + "]"
		v.Check(slices.Contains(risk.DataCategories, h.Category), f+".category", "is not a data category")
		v.Check(!seen[h.Category], f+".category", "appears twice")
		seen[h.Category] = true
		v.Check(h.Records >= 0 && h.Records <= MaxRecords, f+".records", "must be between 0 and 10,000,000,000")
	}
	v.Check(len(e.DataLocations) <= 50, "data_locations", "must have at most 50 entries")
	for i, l := range e.DataLocations {
		v.Check(country.Valid(l), "data_locations["+strconv.Itoa(i)+"]", "must be an ISO 3166-1 alpha-2 code")
	}
	if m := e.AnnualSpend; m != nil {
		v.Check(m.Amount >= 0, "annual_spend.amount", "must not be negative")
		v.Check(domain.ValidCurrency(m.Currency), "annual_spend.currency", "must be an ISO 4217 code such as JPY")
	}
	if i := e.ImpactOverride; i != nil {
		v.Check(i.C >= 1 && i.C <= 5, "impact.c", "must be between 1 and 5")
		v.Check(i.I >= 1 && i.I <= 5, "impact.i", "must be between 1 and 5")
		v.Check(i.A >= 1 && i.A <= 5, "impact.a", "must be between 1 and 5")
	}
	return v.Err()
}
