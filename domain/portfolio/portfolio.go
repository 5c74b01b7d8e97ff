// Package portfolio is the view across every engagement: tiers and statuses, overdue work, breach
// exposure, expiring certifications and contracts, and concentration on vendors that many engagements
// depend on, directly or through the subcontractor graph. Summarize is pure: the repository reads a
// fixed set of facts and every number is counted here, in memory, from those facts.
package portfolio

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/decision"
	"github.com/vendorrisk/vendorrisk/domain/engagement"
	"github.com/vendorrisk/vendorrisk/domain/policy"
	"github.com/vendorrisk/vendorrisk/domain/risk"
)

// Thresholds of the summary; each is reported with it, so every number can be re-derived.
const (
	// ExpiryHorizonDays is how far ahead certifications and contracts count as expiring (as on the
	// vendor and contract resources: vendor.ExpiryWarning, contract.Horizon).
	ExpiryHorizonDays = 90
	// ConcentrationMinEngagements is how many engagements must depend on a vendor to list it (a vendor
	// with a tier-1 engagement behind it is listed whatever the count).
	ConcentrationMinEngagements = 2
	// ConcentrationTop is how many vendors the concentration list shows at most.
	ConcentrationTop = 20
	// ConcentrationIDsCap is how many engagement ids each concentration entry lists at most.
	ConcentrationIDsCap = 50
	// ItemsCap is how many expiring certifications and contracts are listed at most.
	ItemsCap = 20
)

// EngagementFact is what the summary reads of one engagement (every engagement, ended ones included).
type EngagementFact struct {
	ID           string
	VendorID     string
	Status       engagement.Status
	Tier         risk.Tier // effective tier, as stored
	Holdings     []risk.Holding
	NextReviewOn *time.Time
}

// Link is an edge of the subcontractor graph: VendorID relies on SubcontractorID.
type Link struct {
	VendorID        string
	SubcontractorID string
}

// FindingCount counts one engagement's open findings of one severity.
type FindingCount struct {
	EngagementID string
	Severity     domain.Severity
	Open         int
	Overdue      int // open with a remediation item past due (finding.Finding.Overdue)
}

// CertificationFact is a vendor's latest certificate of one scheme, read when it ends by the horizon.
type CertificationFact struct {
	VendorID   string
	Scheme     string
	SchemeName string
	ValidUntil time.Time
}

// ContractFact is a contract that ends between today and the horizon, or a running auto-renewing one
// (whose notice deadline may have passed).
type ContractFact struct {
	ID           string
	EngagementID string
	EndsOn       time.Time
	AutoRenew    bool
	NoticeDays   int
}

// DecisionCount counts one engagement's outsourcing decisions of one status.
type DecisionCount struct {
	EngagementID string
	Status       decision.Status
	N            int
	// LatestID is the greatest decision id of the group. Ids are UUIDv7, ordered by creation (decision
	// lists are ordered by id), so the group holding an engagement's greatest id is its most recent decision.
	LatestID string
}

// AcceptanceCount counts one engagement's active risk acceptances.
type AcceptanceCount struct {
	EngagementID string
	Active       int
	Expiring     int // of those, the ones whose last day is on or before the horizon
}

// Facts is everything the summary counts, as the repository reads it.
type Facts struct {
	Engagements []EngagementFact
	Links       []Link
	// OverdueAssessments counts, per engagement, assessments past due and still with the supplier.
	OverdueAssessments map[string]int
	Findings           []FindingCount
	// OverdueRemediations counts, per engagement, remediation items open or in progress past their due date.
	OverdueRemediations map[string]int
	Certifications      []CertificationFact
	Contracts           []ContractFact
	Decisions           []DecisionCount
	Acceptances         []AcceptanceCount
}

// Summary is the portfolio at one instant. Ended engagements count only in Engagements.Total and
// Engagements.ByStatus: every other number is about the live portfolio.
type Summary struct {
	AsOf          time.Time
	Today         time.Time
	Horizon       time.Time // today + ExpiryHorizonDays
	PolicyVersion int

	Engagements         EngagementCounts
	Reviews             ReviewCounts
	AssessmentsOverdue  int
	Findings            FindingCounts
	RemediationsOverdue int
	Exposure            []ExposureTotal
	Certifications      CertificationCounts
	Contracts           ContractCounts
	Decisions           DecisionCounts
	RiskAcceptances     AcceptanceCounts
	Concentration       []Concentration
	// ConcentrationTotal is how many vendors qualify for the concentration list before the top cut.
	ConcentrationTotal int
}

// EngagementCounts are the engagements by status (all) and by effective tier (live).
type EngagementCounts struct {
	Total    int
	Live     int
	ByStatus map[engagement.Status]int
	ByTier   map[risk.Tier]int
}

// ReviewCounts are the live engagements by review status; they add up to Engagements.Live.
type ReviewCounts struct {
	Overdue       int
	DueSoon       int
	OK            int
	NeverAssessed int
}

// FindingCounts are the open findings of live engagements.
type FindingCounts struct {
	Open           int
	OpenBySeverity map[domain.Severity]int
	Overdue        int
}

// ExposureTotal is the breach exposure of the live engagements in one currency.
type ExposureTotal struct {
	Amount      domain.Money
	Engagements int  // live engagements with an exposure in this currency
	Overflow    bool // the sum passed the largest int64: Amount is that maximum, a lower bound
}

// CertificationCounts count the latest certificate of each scheme held by a vendor that live
// engagements depend on (directly or through subcontractors); a renewed certificate replaces the old one.
type CertificationCounts struct {
	Expiring int // valid until today or a day up to the horizon
	Expired  int // the latest certificate of the scheme ended before today
	Items    []CertificationItem
}

// CertificationItem is one expiring or expired certification.
type CertificationItem struct {
	VendorID   string
	VendorName string
	Scheme     string
	SchemeName string
	ValidUntil time.Time
	Expired    bool
}

// ContractCounts count the contracts of live engagements ending between today and the horizon.
type ContractCounts struct {
	Expiring  int
	AutoRenew int // of those, how many renew unless notice is given
	// NoticePassed counts the running auto-renewing contracts of live engagements, whatever their end,
	// whose notice deadline has passed: they will renew.
	NoticePassed int
	Items        []ContractItem
}

// ContractItem is one expiring contract.
type ContractItem struct {
	ID             string
	EngagementID   string
	EndsOn         time.Time
	AutoRenew      bool
	NoticeDeadline time.Time
	NoticePassed   bool
}

// DecisionCounts count the outsourcing decisions of live engagements.
type DecisionCounts struct {
	ByStatus map[decision.Status]int // every decision, the superseded ones included
	// EngagementsWithoutApproval: live engagements in status active or decided whose most recent
	// decision is not approved (pending, rejected, needs review), or that have none.
	EngagementsWithoutApproval int
}

// AcceptanceCounts count the active risk acceptances of live engagements.
type AcceptanceCounts struct {
	Active   int
	Expiring int // the last day is on or before the horizon (a past day: the sweep has yet to expire it)
}

// Concentration is a vendor that live engagements depend on, directly or through the subcontractor graph.
type Concentration struct {
	VendorID         string
	VendorName       string
	Engagements      int // every live engagement behind the vendor
	Tier1Engagements int
	Direct           int               // of those, the engagements bought from this vendor itself
	ByTier           map[risk.Tier]int // every engagement behind the vendor by effective tier
	DirectByTier     map[risk.Tier]int // the direct ones by tier; the rest depend on it through subcontractors
	EngagementIDs    []string          // tier 1 first, then by id; at most ConcentrationIDsCap
}

// Summarize counts the facts on the day of now with the policy's breach costs.
func Summarize(f Facts, pol policy.Policy, now time.Time) (Summary, error) {
	today := engagement.Day(now)
	s := Summary{AsOf: now, Today: today, Horizon: today.AddDate(0, 0, ExpiryHorizonDays), PolicyVersion: pol.Version,
		Engagements: EngagementCounts{ByStatus: map[engagement.Status]int{}, ByTier: map[risk.Tier]int{}},
		Findings:    FindingCounts{OpenBySeverity: map[domain.Severity]int{}},
		Decisions:   DecisionCounts{ByStatus: map[decision.Status]int{}}}
	live := map[string]EngagementFact{}
	for _, e := range f.Engagements {
		s.Engagements.Total++
		s.Engagements.ByStatus[e.Status]++
		if e.Status == engagement.StatusEnded {
			continue
		}
		live[e.ID] = e
		s.Engagements.Live++
		s.Engagements.ByTier[e.Tier]++
		switch engagement.ReviewStatusOf(e.Status, e.NextReviewOn, now) {
		case engagement.ReviewOverdue:
			s.Reviews.Overdue++
		case engagement.ReviewDueSoon:
			s.Reviews.DueSoon++
		case engagement.ReviewOK:
			s.Reviews.OK++
		case engagement.ReviewNeverAssessed:
			s.Reviews.NeverAssessed++
		}
	}
	for id, n := range f.OverdueAssessments {
		if _, ok := live[id]; ok {
			s.AssessmentsOverdue += n
		}
	}
	for id, n := range f.OverdueRemediations {
		if _, ok := live[id]; ok {
			s.RemediationsOverdue += n
		}
	}
	for _, c := range f.Findings {
		if _, ok := live[c.EngagementID]; ok {
			s.Findings.Open += c.Open
			s.Findings.OpenBySeverity[c.Severity] += c.Open
			s.Findings.Overdue += c.Overdue
		}
	}
	for _, a := range f.Acceptances {
		if _, ok := live[a.EngagementID]; ok {
			s.RiskAcceptances.Active += a.Active
			s.RiskAcceptances.Expiring += a.Expiring
		}
	}
	s.Decisions = decisions(f.Decisions, live)
	var err error
	if s.Exposure, err = exposure(f.Engagements, live, pol.BreachCosts); err != nil {
		return Summary{}, err
	}
	behind := dependencies(f.Engagements, live, f.Links)
	s.Concentration, s.ConcentrationTotal = concentration(behind)
	s.Certifications = certifications(f.Certifications, behind, today, s.Horizon)
	s.Contracts = contracts(f.Contracts, live, today, s.Horizon)
	return s, nil
}

// exposure adds up each live engagement's breach exposure (records × cost per record of the policy,
// as GET /engagements/{id} shows it) per currency.
func exposure(all []EngagementFact, live map[string]EngagementFact, costs []risk.CostPerRecord) ([]ExposureTotal, error) {
	totals := map[string]*ExposureTotal{}
	for _, e := range all {
		if _, ok := live[e.ID]; !ok {
			continue
		}
		ex, err := risk.BreachExposure(e.Holdings, costs)
		if err != nil {
			return nil, domain.Errorf(domain.KindInternal, "breach exposure of engagement %s: %v", e.ID, err)
		}
		for _, m := range ex.Totals {
			t := totals[m.Currency]
			if t == nil {
				t = &ExposureTotal{Amount: domain.Money{Currency: m.Currency}}
				totals[m.Currency] = t
			}
			t.Engagements++
			sum, carry := bits.Add64(uint64(t.Amount.Amount), uint64(m.Amount), 0)
			if t.Overflow || carry != 0 || sum > math.MaxInt64 {
				t.Amount.Amount, t.Overflow = math.MaxInt64, true
				continue
			}
			t.Amount.Amount = int64(sum)
		}
	}
	out := make([]ExposureTotal, 0, len(totals))
	for _, t := range totals {
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b ExposureTotal) int { return cmp.Compare(a.Amount.Currency, b.Amount.Currency) })
	return out, nil
}

// decisions counts the decisions of live engagements by status, and the live active or decided
// engagements whose most recent decision (the greatest id) is not approved, or that have none.
func decisions(ds []DecisionCount, live map[string]EngagementFact) DecisionCounts {
	out := DecisionCounts{ByStatus: map[decision.Status]int{}}
	latest := map[string]DecisionCount{}
	for _, d := range ds {
		if _, ok := live[d.EngagementID]; !ok {
			continue
		}
		out.ByStatus[d.Status] += d.N
		if l, ok := latest[d.EngagementID]; !ok || d.LatestID > l.LatestID {
			latest[d.EngagementID] = d
		}
	}
	for id, e := range live {
		if e.Status != engagement.StatusActive && e.Status != engagement.StatusDecided {
			continue
		}
		if l, ok := latest[id]; !ok || l.Status != decision.StatusApproved {
			out.EngagementsWithoutApproval++
		}
	}
	return out
}

// behindVendor is what depends on one vendor: the live engagements, and which are its own.
type behindVendor struct {
	engagements []EngagementFact
	direct      int
}

// dependencies maps every vendor reachable from a live engagement's vendor (the vendor itself, its
// subcontractors, theirs, at any depth) to the live engagements behind it. The graph is walked in memory,
// breadth first, with a visited set: each engagement counts once per vendor, and a cycle (which the vendor
// register refuses) could not loop. Reachable sets are computed once per vendor.
func dependencies(all []EngagementFact, live map[string]EngagementFact, links []Link) map[string]*behindVendor {
	next := map[string][]string{}
	for _, l := range links {
		next[l.VendorID] = append(next[l.VendorID], l.SubcontractorID)
	}
	reach := map[string][]string{}
	reachable := func(start string) []string {
		if r, ok := reach[start]; ok {
			return r
		}
		seen := map[string]bool{start: true}
		order := []string{start}
		for i := 0; i < len(order); i++ {
			for _, n := range next[order[i]] {
				if !seen[n] {
					seen[n] = true
					order = append(order, n)
				}
			}
		}
		reach[start] = order
		return order
	}
	out := map[string]*behindVendor{}
	for _, e := range all {
		if _, ok := live[e.ID]; !ok {
			continue
		}
		for _, v := range reachable(e.VendorID) {
			b := out[v]
			if b == nil {
				b = &behindVendor{}
				out[v] = b
			}
			b.engagements = append(b.engagements, e)
			if v == e.VendorID {
				b.direct++
			}
		}
	}
	return out
}

// concentration lists the vendors with at least ConcentrationMinEngagements engagements or any tier-1
// engagement behind them, most engagements first (then most tier-1, then vendor id), the top ConcentrationTop.
func concentration(behind map[string]*behindVendor) ([]Concentration, int) {
	var out []Concentration
	for v, b := range behind {
		c := Concentration{VendorID: v, Engagements: len(b.engagements), Direct: b.direct,
			ByTier: map[risk.Tier]int{}, DirectByTier: map[risk.Tier]int{}}
		for _, e := range b.engagements {
			c.ByTier[e.Tier]++
			if e.VendorID == v {
				c.DirectByTier[e.Tier]++
			}
		}
		c.Tier1Engagements = c.ByTier[risk.Tier1Critical]
		if c.Engagements < ConcentrationMinEngagements && c.Tier1Engagements == 0 {
			continue
		}
		es := slices.Clone(b.engagements)
		slices.SortFunc(es, func(a, b EngagementFact) int {
			return cmp.Or(cmp.Compare(a.Tier, b.Tier), cmp.Compare(a.ID, b.ID))
		})
		for _, e := range es[:min(len(es), ConcentrationIDsCap)] {
			c.EngagementIDs = append(c.EngagementIDs, e.ID)
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Concentration) int {
		return cmp.Or(cmp.Compare(b.Engagements, a.Engagements), cmp.Compare(b.Tier1Engagements, a.Tier1Engagements),
			cmp.Compare(a.VendorID, b.VendorID))
	})
	total := len(out)
	return out[:min(total, ConcentrationTop)], total
}

// certifications counts the latest certificate per vendor and scheme of the vendors live engagements
// depend on, expired before today or ending by the horizon.
func certifications(certs []CertificationFact, behind map[string]*behindVendor, today, horizon time.Time) CertificationCounts {
	out := CertificationCounts{Items: []CertificationItem{}}
	type key struct{ vendor, scheme, name string }
	seen := map[key]bool{}
	var items []CertificationItem
	for _, c := range certs {
		k := key{c.VendorID, c.Scheme, c.SchemeName}
		if behind[c.VendorID] == nil || seen[k] || c.ValidUntil.After(horizon) {
			continue
		}
		seen[k] = true
		it := CertificationItem{VendorID: c.VendorID, Scheme: c.Scheme, SchemeName: c.SchemeName, ValidUntil: c.ValidUntil,
			Expired: c.ValidUntil.Before(today)}
		if it.Expired {
			out.Expired++
		} else {
			out.Expiring++
		}
		items = append(items, it)
	}
	slices.SortFunc(items, func(a, b CertificationItem) int {
		return cmp.Or(a.ValidUntil.Compare(b.ValidUntil), cmp.Compare(a.VendorID, b.VendorID), cmp.Compare(a.Scheme, b.Scheme),
			cmp.Compare(a.SchemeName, b.SchemeName))
	})
	out.Items = append(out.Items, items[:min(len(items), ItemsCap)]...)
	return out
}

// contracts counts the contracts of live engagements ending between today and the horizon.
func contracts(cs []ContractFact, live map[string]EngagementFact, today, horizon time.Time) ContractCounts {
	out := ContractCounts{Items: []ContractItem{}}
	var items []ContractItem
	for _, c := range cs {
		if _, ok := live[c.EngagementID]; !ok || c.EndsOn.Before(today) {
			continue
		}
		deadline := c.EndsOn.AddDate(0, 0, -c.NoticeDays)
		passed := c.AutoRenew && deadline.Before(today)
		if passed {
			out.NoticePassed++
		}
		if c.EndsOn.After(horizon) {
			continue
		}
		out.Expiring++
		if c.AutoRenew {
			out.AutoRenew++
		}
		items = append(items, ContractItem{ID: c.ID, EngagementID: c.EngagementID, EndsOn: c.EndsOn, AutoRenew: c.AutoRenew,
			NoticeDeadline: deadline, NoticePassed: passed})
	}
	slices.SortFunc(items, func(a, b ContractItem) int {
		return cmp.Or(a.EndsOn.Compare(b.EndsOn), cmp.Compare(a.ID, b.ID))
	})
	out.Items = append(out.Items, items[:min(len(items), ItemsCap)]...)
	return out
}

// VendorIDs lists the vendors the summary names (concentration and certification items), for naming.
func (s Summary) VendorIDs() []string {
	var ids []string
	for _, c := range s.Concentration {
		ids = append(ids, c.VendorID)
	}
	for _, it := range s.Certifications.Items {
		ids = append(ids, it.VendorID)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// Name fills in vendor names.
func (s *Summary) Name(names map[string]string) {
	for i := range s.Concentration {
		s.Concentration[i].VendorName = names[s.Concentration[i].VendorID]
	}
	for i := range s.Certifications.Items {
		s.Certifications.Items[i].VendorName = names[s.Certifications.Items[i].VendorID]
	}
}
