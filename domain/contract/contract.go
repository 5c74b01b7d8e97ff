// Package contract holds contracts with typed clauses and the gap analysis against the risk policy's
// required clauses.
package contract

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/country"
)

// ClauseType is a kind of contract clause.
type ClauseType string

const (
	Confidentiality      ClauseType = "confidentiality"
	DataProtection       ClauseType = "data_protection"
	RightToAudit         ClauseType = "right_to_audit"
	BreachNotification   ClauseType = "breach_notification"
	Subcontracting       ClauseType = "subcontracting"
	DataLocation         ClauseType = "data_location"
	ReturnAndDeletion    ClauseType = "return_and_deletion"
	BusinessContinuity   ClauseType = "business_continuity"
	SecurityRequirements ClauseType = "security_requirements"
	StaffSecurity        ClauseType = "staff_security"
	Liability            ClauseType = "liability"
	ExitAssistance       ClauseType = "exit_assistance"
)

// ClauseTypes lists every clause type.
var ClauseTypes = []ClauseType{Confidentiality, DataProtection, RightToAudit, BreachNotification, Subcontracting,
	DataLocation, ReturnAndDeletion, BusinessContinuity, SecurityRequirements, StaffSecurity, Liability, ExitAssistance}

// SubcontractingLevel is how much say we have over the vendor's subcontractors, strictest first.
type SubcontractingLevel string

const (
	SubProhibited    SubcontractingLevel = "prohibited"
	SubPriorApproval SubcontractingLevel = "prior_approval"
	SubNotify        SubcontractingLevel = "notify"
	SubUnrestricted  SubcontractingLevel = "unrestricted"
)

// SubcontractingLevels lists the levels from the strictest.
var SubcontractingLevels = []SubcontractingLevel{SubProhibited, SubPriorApproval, SubNotify, SubUnrestricted}

// AtLeastAsStrict reports whether l gives us at least the control of min.
func (l SubcontractingLevel) AtLeastAsStrict(min SubcontractingLevel) bool {
	li, mi := slices.Index(SubcontractingLevels, l), slices.Index(SubcontractingLevels, min)
	return li >= 0 && mi >= 0 && li <= mi
}

// ControlRefs maps each clause type to the ISO/IEC 27001 Annex A controls it helps to meet, as
// "framework:ref" strings. They are the contract-clauses crosswalk of the built-in catalog
// (domain/catalog/data/crosswalk-contract-clauses.json); a catalog test keeps the two equal.
var ControlRefs = map[ClauseType][]string{
	Confidentiality:      {"iso27001-2022:5.20", "iso27001-2022:6.6", "iso27001-2013:A.13.2.4", "iso27001-2013:A.15.1.2", "iso27001-2005:A.6.1.5", "iso27001-2005:A.6.2.3"},
	DataProtection:       {"iso27001-2022:5.20", "iso27001-2022:5.34", "iso27001-2013:A.15.1.2", "iso27001-2013:A.18.1.4", "iso27001-2005:A.6.2.3", "iso27001-2005:A.15.1.4"},
	RightToAudit:         {"iso27001-2022:5.20", "iso27001-2022:5.22", "iso27001-2013:A.15.1.2", "iso27001-2013:A.15.2.1", "iso27001-2005:A.6.2.3", "iso27001-2005:A.10.2.2"},
	BreachNotification:   {"iso27001-2022:5.24", "iso27001-2022:5.26", "iso27001-2022:6.8", "iso27001-2013:A.16.1.1", "iso27001-2013:A.16.1.2", "iso27001-2013:A.16.1.5", "iso27001-2005:A.13.1.1", "iso27001-2005:A.13.2.1"},
	Subcontracting:       {"iso27001-2022:5.20", "iso27001-2022:5.21", "iso27001-2013:A.15.1.2", "iso27001-2013:A.15.1.3", "iso27001-2005:A.6.2.3"},
	DataLocation:         {"iso27001-2022:5.23", "iso27001-2022:5.31", "iso27001-2022:5.34", "iso27001-2013:A.15.1.2", "iso27001-2013:A.18.1.1", "iso27001-2013:A.18.1.4", "iso27001-2005:A.6.2.3", "iso27001-2005:A.15.1.1", "iso27001-2005:A.15.1.4"},
	ReturnAndDeletion:    {"iso27001-2022:5.11", "iso27001-2022:7.14", "iso27001-2022:8.10", "iso27001-2013:A.8.1.4", "iso27001-2013:A.8.3.2", "iso27001-2013:A.11.2.7", "iso27001-2005:A.8.3.2", "iso27001-2005:A.9.2.6", "iso27001-2005:A.10.7.2"},
	BusinessContinuity:   {"iso27001-2022:5.29", "iso27001-2022:5.30", "iso27001-2022:8.14", "iso27001-2013:A.17.1.2", "iso27001-2013:A.17.2.1", "iso27001-2005:A.10.2.1", "iso27001-2005:A.14.1.3"},
	SecurityRequirements: {"iso27001-2022:5.19", "iso27001-2022:5.20", "iso27001-2013:A.15.1.1", "iso27001-2013:A.15.1.2", "iso27001-2005:A.6.2.3", "iso27001-2005:A.10.2.1"},
	StaffSecurity:        {"iso27001-2022:6.1", "iso27001-2022:6.3", "iso27001-2022:6.6", "iso27001-2013:A.7.1.1", "iso27001-2013:A.7.2.2", "iso27001-2013:A.13.2.4", "iso27001-2005:A.6.1.5", "iso27001-2005:A.8.1.2", "iso27001-2005:A.8.2.2"},
	Liability:            {"iso27001-2022:5.20", "iso27001-2013:A.15.1.2", "iso27001-2005:A.6.2.3"},
	ExitAssistance:       {"iso27001-2022:5.11", "iso27001-2022:5.20", "iso27001-2022:5.23", "iso27001-2013:A.8.1.4", "iso27001-2013:A.15.1.2", "iso27001-2013:A.15.2.2", "iso27001-2005:A.6.2.3", "iso27001-2005:A.8.3.2", "iso27001-2005:A.10.2.3"},
}

// Clause is one clause of a contract. Only the parameters of its type are used.
type Clause struct {
	Type            ClauseType
	Reference       string              // where it is in the document, e.g. "§12.3"
	NoticeDays      *int                // right_to_audit: notice we must give before an audit
	Hours           *int                // breach_notification: hours within which the vendor tells us
	Level           SubcontractingLevel // subcontracting
	Countries       []string            // data_location: countries where our data may be kept
	Days            *int                // return_and_deletion (days after end), exit_assistance (days of help)
	RTOHours        *int                // business_continuity: committed recovery time
	BCPTestedYearly bool                // business_continuity
	NDA             bool                // staff_security: staff sign confidentiality agreements
	Training        bool                // staff_security: staff receive security training
	Cap             *domain.Money       // liability: the cap, if any (nil: uncapped)
}

// Contract is an agreement under which an engagement runs.
type Contract struct {
	ID                string
	EngagementID      string
	Title             string
	DocumentReference string
	SignedOn          *time.Time
	StartsOn          time.Time
	EndsOn            *time.Time
	AutoRenew         bool
	NoticeDays        int
	Clauses           []Clause
	Version           int
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// Clause returns the contract's clause of type t, if any.
func (c Contract) Clause(t ClauseType) (Clause, bool) {
	for _, cl := range c.Clauses {
		if cl.Type == t {
			return cl, true
		}
	}
	return Clause{}, false
}

// Dates tells when a contract ends and when notice must be given, as seen on a given day.
type Dates struct {
	NoticeDeadline *time.Time // the last day to give notice of non-renewal or termination
	EndingSoon     bool       // ends within 90 days
	NoticeDueSoon  bool       // the notice deadline is within 90 days
	// NoticePassed: the contract renews automatically and the notice deadline has passed while it runs,
	// so it renews unless the other party agrees otherwise.
	NoticePassed bool
	Ended        bool
}

// Horizon is how far ahead ends and notice deadlines are flagged.
const Horizon = 90 * 24 * time.Hour

// DatesAt computes the flags for the day of now.
func (c Contract) DatesAt(now time.Time) Dates {
	var d Dates
	if c.EndsOn == nil {
		return d
	}
	today := day(now)
	deadline := c.EndsOn.AddDate(0, 0, -c.NoticeDays)
	d.NoticeDeadline = &deadline
	d.Ended = c.EndsOn.Before(today)
	d.EndingSoon = !d.Ended && c.EndsOn.Sub(today) <= Horizon
	d.NoticeDueSoon = !deadline.Before(today) && deadline.Sub(today) <= Horizon
	d.NoticePassed = c.AutoRenew && !d.Ended && deadline.Before(today)
	return d
}

func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func (c *Contract) normalize() {
	c.Title = strings.TrimSpace(c.Title)
	c.DocumentReference = strings.TrimSpace(c.DocumentReference)
	c.StartsOn = day(c.StartsOn)
	for _, p := range []**time.Time{&c.SignedOn, &c.EndsOn} {
		if *p != nil {
			d := day(**p)
			*p = &d
		}
	}
	for i := range c.Clauses {
		cl := &c.Clauses[i]
		cl.Reference = strings.TrimSpace(cl.Reference)
		for j, cc := range cl.Countries {
			cl.Countries[j] = country.Normalize(cc)
		}
	}
}

func (c *Contract) validate() error {
	var v domain.Validator
	v.Check(c.Title != "" && utf8.RuneCountInString(c.Title) <= 200, "title", "is required and at most 200 characters")
	v.Check(utf8.RuneCountInString(c.DocumentReference) <= 500, "document_reference", "must be at most 500 characters")
	v.Check(!c.StartsOn.IsZero(), "starts_on", "is required")
	v.Check(c.EndsOn == nil || !c.EndsOn.Before(c.StartsOn), "ends_on", "must not be before starts_on")
	v.Check(c.NoticeDays >= 0 && c.NoticeDays <= 3650, "notice_days", "must be between 0 and 3650")
	v.Check(!c.AutoRenew || c.EndsOn != nil, "auto_renew", "needs ends_on (the end of the current term)")
	seen := map[ClauseType]bool{}
	for i, cl := range c.Clauses {
		f := "clauses[" + strconv.Itoa(i) + "]"
		if !slices.Contains(ClauseTypes, cl.Type) {
			v.Add(f+".type", "is not a clause type")
			continue
		}
		v.Check(!seen[cl.Type], f+".type", "appears twice; give each clause type once")
		seen[cl.Type] = true
		validateClause(&v, f, cl)
	}
	return v.Err()
}

func validateClause(v *domain.Validator, f string, cl Clause) {
	v.Check(utf8.RuneCountInString(cl.Reference) <= 100, f+".reference", "must be at most 100 characters")
	positive := func(p *int, name string, maxv int) {
		v.Checkf(p != nil, f+"."+name, "is required for a %s clause", string(cl.Type))
		v.Checkf(p == nil || (*p >= 0 && *p <= maxv), f+"."+name, "must be between %d and %d", 0, maxv)
	}
	switch cl.Type {
	case RightToAudit:
		positive(cl.NoticeDays, "notice_days", 365)
	case BreachNotification:
		positive(cl.Hours, "hours", 8760)
	case Subcontracting:
		v.Check(slices.Contains(SubcontractingLevels, cl.Level), f+".level", "must be one of prohibited, prior_approval, notify, unrestricted")
	case DataLocation:
		v.Check(len(cl.Countries) > 0, f+".countries", "must list at least one country")
		for j, cc := range cl.Countries {
			v.Check(country.Valid(cc), f+".countries["+strconv.Itoa(j)+"]", "must be an ISO 3166-1 alpha-2 code")
		}
	case ReturnAndDeletion, ExitAssistance:
		positive(cl.Days, "days", 3650)
	case BusinessContinuity:
		v.Check(cl.RTOHours == nil || (*cl.RTOHours >= 0 && *cl.RTOHours <= 8760), f+".rto_hours", "must be between 0 and 8760")
	case Liability:
		v.Check(cl.Cap == nil || (cl.Cap.Amount >= 0 && domain.ValidCurrency(cl.Cap.Currency)), f+".cap",
			"must have a non-negative amount and an ISO 4217 currency")
	}
}
