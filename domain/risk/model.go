// Package risk is the inherent-risk model: a pure, versioned function from what an engagement hands a
// vendor to a score 0..100, a tier and the contribution of every factor. No I/O, no clock.
package risk

import (
	"fmt"
	"slices"

	"github.com/vendorrisk/vendorrisk/domain"
)

// ModelVersion names the rules below. Any change to weights, bands or thresholds is a new version.
const ModelVersion = "inherent-v1"

// Tier 1 is the most critical.
type Tier int

const (
	Tier1Critical Tier = 1
	Tier2High     Tier = 2
	Tier3Medium   Tier = 3
	Tier4Low      Tier = 4
)

// Tiers lists every tier.
var Tiers = []Tier{Tier1Critical, Tier2High, Tier3Medium, Tier4Low}

// Valid reports whether t is a tier.
func (t Tier) Valid() bool { return t >= Tier1Critical && t <= Tier4Low }

// Label is the tier's name.
func (t Tier) Label() string {
	switch t {
	case Tier1Critical:
		return "critical"
	case Tier2High:
		return "high"
	case Tier3Medium:
		return "medium"
	case Tier4Low:
		return "low"
	}
	return "unknown"
}

// DataCategory is a kind of information an engagement hands the vendor.
type DataCategory string

const (
	DataPublic            DataCategory = "public"
	DataInternal          DataCategory = "internal"
	DataConfidential      DataCategory = "confidential"
	DataPersonal          DataCategory = "personal"
	DataSensitivePersonal DataCategory = "sensitive_personal" // 要配慮個人情報
	DataPaymentCard       DataCategory = "payment_card"
	DataCredentials       DataCategory = "credentials"
)

// DataCategories lists every category from least to most sensitive.
var DataCategories = []DataCategory{DataPublic, DataInternal, DataConfidential, DataPersonal, DataPaymentCard,
	DataCredentials, DataSensitivePersonal}

// AccessType is how the vendor reaches our systems or premises.
type AccessType string

const (
	AccessNone           AccessType = "none"
	AccessDataTransfer   AccessType = "data_transfer"
	AccessOnsitePhysical AccessType = "onsite_physical"
	AccessRemoteLogical  AccessType = "remote_logical"
	AccessPrivilegedAdm  AccessType = "privileged_admin"
)

// AccessTypes lists every access type.
var AccessTypes = []AccessType{AccessNone, AccessDataTransfer, AccessOnsitePhysical, AccessRemoteLogical, AccessPrivilegedAdm}

// Substitutability is how hard it would be to replace the vendor.
type Substitutability string

const (
	SubstituteEasy     Substitutability = "easy"
	SubstituteModerate Substitutability = "moderate"
	SubstituteHard     Substitutability = "hard"
)

// Substitutabilities lists every value.
var Substitutabilities = []Substitutability{SubstituteEasy, SubstituteModerate, SubstituteHard}

// Holding is a data category with the number of records (individuals) the vendor holds.
type Holding struct {
	Category DataCategory
	Records  int64
}

// CIA is an impact rating 1..5 for confidentiality, integrity and availability.
type CIA struct{ C, I, A int }

// Input is everything the model reads. The engagement service assembles it.
type Input struct {
	Holdings         []Holding
	Impact           CIA
	CriticalProcess  bool // a critical business process stops if the vendor stops
	RTOHours         *int
	Substitutability Substitutability
	Access           AccessType
	InternetFacing   bool // the vendor runs an internet-facing service for us
	FourthParties    int  // distinct vendors the vendor relies on, directly or further down
	CloudHosted      bool
	DataLocations    []string
	HomeCountry      string // data kept here raises no location concern
}

// Contribution is one factor's share of the score, with the facts it used: Basis in English, Parts
// the same facts as Texts (Basis is their wording joined by "; ") for other languages.
type Contribution struct {
	Factor string
	Points int
	Max    int
	Basis  string
	Parts  []domain.Text
}

// explain sets the contribution's basis from its parts.
func (c *Contribution) explain(parts ...domain.Text) {
	c.Parts = parts
	c.Basis = domain.JoinTexts(parts, "; ")
}

// Assessment is the model's result: Score is exactly the sum of the contributions' points.
type Assessment struct {
	ModelVersion     string
	Score            int
	ScoreTier        Tier // from the score bands alone
	Tier             Tier // after the floor rules
	Contributions    []Contribution
	RulesApplied     []string
	RuleTexts        []domain.Text // RulesApplied as Texts, for other languages
	TierThresholds   []Threshold
	MaxPossibleScore int
}

// Threshold is the lowest score of a tier.
type Threshold struct {
	Tier     Tier
	MinScore int
}

// thresholds are the score bands: 70+ critical, 45+ high, 25+ medium, below low.
var thresholds = []Threshold{{Tier1Critical, 70}, {Tier2High, 45}, {Tier3Medium, 25}, {Tier4Low, 0}}

// sensitivity points per category; the most sensitive category held counts.
var sensitivity = map[DataCategory]int{
	DataPublic: 0, DataInternal: 4, DataConfidential: 10, DataPersonal: 12, DataPaymentCard: 16,
	DataCredentials: 16, DataSensitivePersonal: 20,
}

// volumeBands give points for the records held outside the public category.
var volumeBands = []struct {
	min    int64
	points int
}{{1_000_000, 15}, {100_000, 12}, {10_000, 9}, {1_000, 6}, {1, 3}}

var accessPoints = map[AccessType]int{
	AccessNone: 0, AccessDataTransfer: 4, AccessOnsitePhysical: 6, AccessRemoteLogical: 8, AccessPrivilegedAdm: 12,
}

// highHarm are the categories whose leak harms the individuals directly (the seed's card-member case).
var highHarm = []DataCategory{DataSensitivePersonal, DataPaymentCard, DataCredentials}

// Assess runs the model.
func Assess(in Input) Assessment {
	cs := []Contribution{
		dataSensitivity(in.Holdings),
		dataVolume(in.Holdings),
		impact(in.Impact),
		criticality(in),
		access(in.Access),
		internet(in.InternetFacing),
		fourthParties(in.FourthParties),
		hosting(in),
	}
	a := Assessment{ModelVersion: ModelVersion, Contributions: cs, TierThresholds: thresholds}
	for _, c := range cs {
		a.Score += c.Points
		a.MaxPossibleScore += c.Max
	}
	a.ScoreTier = tierFor(a.Score)
	a.Tier = a.ScoreTier
	a.applyFloors(in)
	return a
}

func tierFor(score int) Tier {
	for _, t := range thresholds {
		if score >= t.MinScore {
			return t.Tier
		}
	}
	return Tier4Low
}

// applyFloors raises the tier where a single fact outweighs the average: a score must not hide them.
func (a *Assessment) applyFloors(in Input) {
	var harmRecords int64
	for _, h := range in.Holdings {
		if slices.Contains(highHarm, h.Category) {
			harmRecords += h.Records
		}
	}
	raise := func(to Tier, rule domain.Text) {
		if a.Tier > to {
			a.Tier = to
			a.RulesApplied = append(a.RulesApplied, rule.String())
			a.RuleTexts = append(a.RuleTexts, rule)
		}
	}
	if harmRecords >= 1_000_000 {
		raise(Tier1Critical, domain.Textf("floor: %d records of sensitive personal, payment card or credential data (>= 1,000,000) → at least tier 1", harmRecords))
	} else if harmRecords >= 100_000 {
		raise(Tier2High, domain.Textf("floor: %d records of sensitive personal, payment card or credential data (>= 100,000) → at least tier 2", harmRecords))
	}
	if in.Access == AccessPrivilegedAdm && in.CriticalProcess {
		raise(Tier2High, domain.Textf("floor: privileged administrative access to systems of a critical process → at least tier 2"))
	}
}

func dataSensitivity(hs []Holding) Contribution {
	c := Contribution{Factor: "data_sensitivity", Max: 20}
	c.explain(domain.Textf("no data handled"))
	for _, h := range hs {
		if p := sensitivity[h.Category]; p > c.Points || (p == 0 && c.Points == 0) {
			c.Points = p
			c.explain(domain.Textf("most sensitive category held: %s (%d points)", string(h.Category), p))
		}
	}
	return c
}

func dataVolume(hs []Holding) Contribution {
	var records int64
	for _, h := range hs {
		if h.Category != DataPublic {
			records += h.Records
		}
	}
	c := Contribution{Factor: "data_volume", Max: 15}
	c.explain(domain.Textf("%d non-public records: below 1", records))
	for _, b := range volumeBands {
		if records >= b.min {
			c.Points = b.points
			c.explain(domain.Textf("%d non-public records: band >= %d", records, b.min))
			break
		}
	}
	return c
}

func impact(i CIA) Contribution {
	clamp := func(n int) int { return min(max(n, 1), 5) } // ratings are 1..5; callers validate, the model must not trust them
	i = CIA{clamp(i.C), clamp(i.I), clamp(i.A)}
	c := Contribution{Factor: "cia_impact", Max: 24, Points: 2 * (i.C - 1 + i.I - 1 + i.A - 1)}
	c.explain(domain.Textf("2 × ((C %d − 1) + (I %d − 1) + (A %d − 1))", i.C, i.I, i.A))
	return c
}

func criticality(in Input) Contribution {
	c := Contribution{Factor: "criticality", Max: 15}
	var parts []domain.Text
	if in.CriticalProcess {
		c.Points += 8
		parts = append(parts, domain.Textf("a critical process stops without the vendor (+8)"))
	}
	switch {
	case in.RTOHours == nil:
		parts = append(parts, domain.Textf("no RTO given (+0)"))
	case *in.RTOHours <= 4:
		c.Points += 4
		parts = append(parts, domain.Textf("RTO %d h <= 4 h (+4)", *in.RTOHours))
	case *in.RTOHours <= 24:
		c.Points += 2
		parts = append(parts, domain.Textf("RTO %d h <= 24 h (+2)", *in.RTOHours))
	default:
		parts = append(parts, domain.Textf("RTO %d h > 24 h (+0)", *in.RTOHours))
	}
	switch in.Substitutability {
	case SubstituteHard:
		c.Points += 3
		parts = append(parts, domain.Textf("hard to substitute (+3)"))
	case SubstituteModerate:
		c.Points += 2
		parts = append(parts, domain.Textf("moderately hard to substitute (+2)"))
	default:
		parts = append(parts, domain.Textf("easy to substitute (+0)"))
	}
	c.explain(parts...)
	return c
}

func access(t AccessType) Contribution {
	if t == "" {
		t = AccessNone
	}
	c := Contribution{Factor: "access", Max: 12, Points: accessPoints[t]}
	c.explain(domain.Textf("access type %s", string(t)))
	return c
}

func internet(facing bool) Contribution {
	c := Contribution{Factor: "internet_exposure", Max: 5}
	c.explain(domain.Textf("no internet-facing service run for us"))
	if facing {
		c.Points = 5
		c.explain(domain.Textf("runs an internet-facing service for us (tampering can attack our customers)"))
	}
	return c
}

func fourthParties(n int) Contribution {
	c := Contribution{Factor: "fourth_parties", Max: 4}
	c.explain(domain.Textf("%d fourth parties", n))
	switch {
	case n >= 3:
		c.Points = 4
	case n >= 1:
		c.Points = 2
	}
	return c
}

func hosting(in Input) Contribution {
	c := Contribution{Factor: "hosting_and_location", Max: 5}
	var parts []domain.Text
	if in.CloudHosted {
		c.Points += 2
		parts = append(parts, domain.Textf("cloud-hosted service (+2)"))
	}
	var abroad []string
	for _, l := range in.DataLocations {
		if l != in.HomeCountry {
			abroad = append(abroad, l)
		}
	}
	heldData := false
	for _, h := range in.Holdings {
		heldData = heldData || (h.Category != DataPublic && h.Records > 0)
	}
	switch {
	case len(abroad) > 0:
		c.Points += 3
		parts = append(parts, domain.Textf("data stored outside %s: %v (+3)", in.HomeCountry, fmt.Sprint(abroad)))
	case len(in.DataLocations) == 0 && heldData:
		c.Points += 3
		parts = append(parts, domain.Textf("data held but its location is unknown (+3)"))
	case len(in.DataLocations) > 0:
		parts = append(parts, domain.Textf("data stored in %s only (+0)", in.HomeCountry))
	}
	if len(parts) == 0 {
		parts = append(parts, domain.Textf("not cloud-hosted, no data held (+0)"))
	}
	c.explain(parts...)
	return c
}

// DefaultImpact derives C, I and A from the data held and the criticality: the highest rating any held
// category implies, and availability 4 when a critical process depends on the vendor (5 with RTO <= 4 h).
func DefaultImpact(hs []Holding, criticalProcess bool, rtoHours *int) CIA {
	out := CIA{1, 1, 1}
	for _, h := range hs {
		d := categoryImpact[h.Category]
		out.C, out.I, out.A = max(out.C, d.C), max(out.I, d.I), max(out.A, d.A)
	}
	if criticalProcess {
		out.A = max(out.A, 4)
		if rtoHours != nil && *rtoHours <= 4 {
			out.A = 5
		}
	}
	return out
}

var categoryImpact = map[DataCategory]CIA{
	DataPublic: {1, 2, 2}, DataInternal: {2, 2, 2}, DataConfidential: {4, 3, 3}, DataPersonal: {4, 3, 2},
	DataPaymentCard: {5, 4, 3}, DataCredentials: {5, 5, 3}, DataSensitivePersonal: {5, 4, 3},
}
