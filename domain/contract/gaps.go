package contract

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vendorrisk/vendorrisk/domain"
)

// Requirement is a clause the risk policy requires for a tier, with its threshold. Zero thresholds
// mean "the clause must exist"; only the fields of the clause type apply.
type Requirement struct {
	Type                  ClauseType
	MaxNotificationHours  int                 // breach_notification: at most this many hours
	MaxAuditNoticeDays    int                 // right_to_audit: we need to give at most this much notice
	MinSubcontracting     SubcontractingLevel // subcontracting: at least this strict
	AllowedCountries      []string            // data_location: the contract may allow only these (empty: any)
	MaxDeletionDays       int                 // return_and_deletion: data back or deleted within these days
	MaxRTOHours           int                 // business_continuity: committed RTO at most this
	RequireBCPTest        bool                // business_continuity
	RequireNDA            bool                // staff_security
	RequireTraining       bool                // staff_security
	MinLiabilityCap       *domain.Money       // liability: cap at least this (nil: any cap or none)
	MinExitAssistanceDays int                 // exit_assistance: at least this many days of help
}

// Gap is a required clause that is missing or weaker than the policy asks.
type Gap struct {
	ClauseType  ClauseType
	Problem     string // "missing" or "weaker"; "no_contract" when the engagement has no contract at all
	Detail      string // in English; Text is the same sentence for other languages
	Text        domain.Text
	Severity    domain.Severity
	ControlRefs []string
}

// baseSeverity is how bad a missing clause of each type is; a weaker clause is one level lower, and
// tier 1 engagements raise both by one level.
var baseSeverity = map[ClauseType]domain.Severity{
	Confidentiality: domain.SeverityHigh, DataProtection: domain.SeverityHigh, BreachNotification: domain.SeverityHigh,
	DataLocation: domain.SeverityHigh, RightToAudit: domain.SeverityMedium, Subcontracting: domain.SeverityMedium,
	ReturnAndDeletion: domain.SeverityMedium, BusinessContinuity: domain.SeverityMedium,
	SecurityRequirements: domain.SeverityMedium, StaffSecurity: domain.SeverityMedium,
	Liability: domain.SeverityLow, ExitAssistance: domain.SeverityLow,
}

// GapInput is what the analysis reads besides the contract.
type GapInput struct {
	Requirements  []Requirement
	Tier1         bool     // the engagement's effective tier is 1
	DataLocations []string // where the engagement's data is actually kept
}

// Gaps compares the contract with the requirements. It is pure: same inputs, same gaps, in the
// order of the requirements.
func Gaps(c Contract, in GapInput) []Gap {
	var gaps []Gap
	for _, r := range in.Requirements {
		cl, ok := c.Clause(r.Type)
		if !ok {
			gaps = append(gaps, newGap(r.Type, "missing", domain.Textf("The contract has no %s clause, which the policy requires.", label(r.Type)), in.Tier1, false))
			continue
		}
		for _, d := range weaknesses(cl, r, in.DataLocations) {
			gaps = append(gaps, newGap(r.Type, "weaker", d, in.Tier1, true))
		}
	}
	return gaps
}

// ProblemNoContract marks the gaps of an engagement without any contract.
const ProblemNoContract = "no_contract"

// GapsWithoutContract are the gaps of an engagement that has no contract: every required clause is
// missing, as severe as a missing clause.
func GapsWithoutContract(in GapInput) []Gap {
	gaps := make([]Gap, 0, len(in.Requirements))
	for _, r := range in.Requirements {
		gaps = append(gaps, newGap(r.Type, ProblemNoContract,
			domain.Textf("The engagement has no contract, so it has no %s clause, which the policy requires.", label(r.Type)), in.Tier1, false))
	}
	return gaps
}

func newGap(t ClauseType, problem string, detail domain.Text, tier1, weaker bool) Gap {
	sev := baseSeverity[t]
	if weaker {
		sev = sev.Lower()
	}
	if tier1 {
		sev = sev.Raise()
	}
	return Gap{ClauseType: t, Problem: problem, Detail: detail.String(), Text: detail, Severity: sev, ControlRefs: ControlRefs[t]}
}

func label(t ClauseType) string { return strings.ReplaceAll(string(t), "_", " ") }

// weaknesses lists, in plain sentences, how a present clause falls short of the requirement.
func weaknesses(cl Clause, r Requirement, locations []string) []domain.Text {
	var out []domain.Text
	add := func(format string, args ...any) { out = append(out, domain.Textf(format, args...)) }
	switch r.Type {
	case BreachNotification:
		if r.MaxNotificationHours > 0 && cl.Hours != nil && *cl.Hours > r.MaxNotificationHours {
			add("Breach notification within %d h; the policy requires %d h or less.", *cl.Hours, r.MaxNotificationHours)
		}
	case RightToAudit:
		if r.MaxAuditNoticeDays > 0 && cl.NoticeDays != nil && *cl.NoticeDays > r.MaxAuditNoticeDays {
			add("An audit needs %d days' notice; the policy allows at most %d.", *cl.NoticeDays, r.MaxAuditNoticeDays)
		}
	case Subcontracting:
		if r.MinSubcontracting != "" && !cl.Level.AtLeastAsStrict(r.MinSubcontracting) {
			add("Subcontracting is %s; the policy requires at least %s.", label(ClauseType(cl.Level)), label(ClauseType(r.MinSubcontracting)))
		}
	case DataLocation:
		if len(r.AllowedCountries) > 0 {
			if extra := notIn(cl.Countries, r.AllowedCountries); len(extra) > 0 {
				add("The contract allows data in %s; the policy allows only %s.", strings.Join(extra, ", "), strings.Join(r.AllowedCountries, ", "))
			}
		}
		if extra := notIn(locations, cl.Countries); len(extra) > 0 {
			add("Data is stored in %s, which the contract does not allow (it allows %s).", strings.Join(extra, ", "), strings.Join(cl.Countries, ", "))
		}
	case ReturnAndDeletion:
		if r.MaxDeletionDays > 0 && cl.Days != nil && *cl.Days > r.MaxDeletionDays {
			add("Data is returned or deleted %d days after the end; the policy requires %d days or less.", *cl.Days, r.MaxDeletionDays)
		}
	case BusinessContinuity:
		if r.MaxRTOHours > 0 && (cl.RTOHours == nil || *cl.RTOHours > r.MaxRTOHours) {
			add("The committed recovery time is %s; the policy requires %d h or less.", hours(cl.RTOHours), r.MaxRTOHours)
		}
		if r.RequireBCPTest && !cl.BCPTestedYearly {
			add("The contract does not require a yearly test of the continuity plan.")
		}
	case StaffSecurity:
		if r.RequireNDA && !cl.NDA {
			add("Vendor staff are not bound by confidentiality agreements.")
		}
		if r.RequireTraining && !cl.Training {
			add("Vendor staff are not required to take security training.")
		}
	case Liability:
		if m := r.MinLiabilityCap; m != nil && cl.Cap != nil &&
			(cl.Cap.Currency != m.Currency || cl.Cap.Amount < m.Amount) {
			add("Liability is capped at %s; the policy requires at least %s.", cl.Cap, m)
		}
	case ExitAssistance:
		if r.MinExitAssistanceDays > 0 && cl.Days != nil && *cl.Days < r.MinExitAssistanceDays {
			add("Exit assistance lasts %d days; the policy requires at least %d.", *cl.Days, r.MinExitAssistanceDays)
		}
	}
	return out
}

func hours(h *int) string {
	if h == nil {
		return "not stated"
	}
	return fmt.Sprintf("%d h", *h)
}

func notIn(xs, allowed []string) []string {
	var out []string
	for _, x := range xs {
		if !slices.Contains(allowed, x) && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}
