// Package finding holds findings: weak answers (or observations made by hand) that need remediation,
// with the severity that orders the work.
package finding

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/risk"
)

// Status is a finding's lifecycle state.
type Status string

const (
	StatusOpen               Status = "open"
	StatusRemediationPlanned Status = "remediation_planned"
	StatusInProgress         Status = "in_progress"
	StatusResolved           Status = "resolved" // awaiting verification
	StatusClosed             Status = "closed"
	StatusRiskAccepted       Status = "risk_accepted"
)

// Statuses lists every status.
var Statuses = []Status{StatusOpen, StatusRemediationPlanned, StatusInProgress, StatusResolved, StatusClosed, StatusRiskAccepted}

// transitions by hand (PATCH); generation may also reopen or close a finding. risk_accepted is set by
// the risk-acceptance workflow, not by PATCH.
var transitions = map[Status][]Status{
	StatusOpen:               {StatusRemediationPlanned, StatusInProgress, StatusResolved, StatusClosed},
	StatusRemediationPlanned: {StatusInProgress, StatusResolved, StatusOpen},
	StatusInProgress:         {StatusResolved, StatusRemediationPlanned},
	StatusResolved:           {StatusClosed, StatusInProgress},
	StatusClosed:             {StatusOpen},
	StatusRiskAccepted:       {StatusOpen},
}

// CanTransition reports whether a manual change from -> to is allowed.
func CanTransition(from, to Status) bool { return slices.Contains(transitions[from], to) }

// CloseReason says why an assessment closed a finding ("" when closed by hand).
type CloseReason string

const (
	ClosedPassed        CloseReason = "passed"         // the latest answer passes
	ClosedNotApplicable CloseReason = "not_applicable" // the latest assessment hid the question, or its answer was N/A
)

// Closed reports whether the finding needs no more work.
func (s Status) Closed() bool { return s == StatusClosed || s == StatusRiskAccepted }

// Source says where a finding came from.
type Source string

const (
	SourceAssessment Source = "assessment"
	SourceManual     Source = "manual"
)

// Finding is one weakness of a vendor for one engagement.
type Finding struct {
	ID           string
	EngagementID string
	VendorID     string
	AssessmentID string // the assessment that last raised or confirmed it ("" for manual)
	QuestionKey  string // "" for manual findings
	Title        string
	// TitleJA is the Japanese title of a finding raised from an assessment: the question's Japanese text
	// at the time ("" for manual findings, whose title is in whatever language it was typed). Both
	// languages are stored rather than a question key rendered at read time: a template's wording is
	// versioned and may change, the title must stay what the supplier was shown, and lists would
	// otherwise look up a template per row.
	TitleJA        string
	Answer         string // the answer that failed, as given
	ScoreBP        int    // the answer's score (internal)
	EvidenceIDs    []string
	ControlRefs    []string
	ThreatCategory string
	// QuestionSeverity is the severity of the question an assessment finding was raised on, before the
	// tier adjusted it ("" for manual findings, whose severity is set by hand and ignores the tier).
	QuestionSeverity domain.Severity
	Severity         domain.Severity
	Status           Status
	Source           Source
	InternalNotes    string // never shown to suppliers
	SupplierResponse string
	// NextDue is the earliest due date of the finding's remediation items still open or in progress
	// (nil when there are none): the date that orders equal priorities and decides overdue. It is kept
	// while the finding is closed, so that a reopened finding is due again at once; DueDate hides it.
	NextDue *time.Time
	// CloseReason is why an assessment closed it; "" while open or when closed by hand.
	CloseReason CloseReason
	// Plan is the state of the remediation plan the supplier proposed, as procurement judged it.
	Plan      Plan
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
	ClosedAt  *time.Time
}

// DueDate is the date the finding's work is next due; nil when nothing is pending or it is closed.
func (f Finding) DueDate() *time.Time {
	if f.Status.Closed() {
		return nil
	}
	return f.NextDue
}

// Overdue reports whether a remediation item of an unfinished finding is past its due date.
func (f Finding) Overdue(now time.Time) bool {
	return f.NextDue != nil && !f.Status.Closed() && f.NextDue.Before(day(now))
}

func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// SeverityFor derives a finding's severity from the question's and the engagement's tier: tier 1 raises
// it one level, tier 4 lowers it one level.
func SeverityFor(question domain.Severity, tier risk.Tier) domain.Severity {
	switch tier {
	case risk.Tier1Critical:
		return question.Raise()
	case risk.Tier4Low:
		return question.Lower()
	}
	return question
}

// Threshold is the score below which an answer raises a finding: anything short of 80 %.
const Threshold = 8000

// Priority orders work: severity rank × tier rank, highest first (critical on tier 1 = 16).
func Priority(sev domain.Severity, tier risk.Tier) int {
	rank := len(domain.Severities) - slices.Index(domain.Severities, sev) // critical 4 … low 1
	return rank * (5 - int(tier))                                         // tier 1 → 4 … tier 4 → 1
}

// Retier rates the finding again for the engagement's tier: an assessment finding's severity follows
// the tier (SeverityFor its question's severity), and every finding's priority does. It reports
// whether anything changed.
func (f *Stored) Retier(tier risk.Tier) bool {
	sev := f.Severity
	if f.QuestionSeverity != "" {
		sev = SeverityFor(f.QuestionSeverity, tier)
	}
	prio := Priority(sev, tier)
	if sev == f.Severity && prio == f.Priority {
		return false
	}
	f.Severity, f.Priority = sev, prio
	return true
}

// TitleIn is the title in a language ("ja" or else English), English where no Japanese exists.
func (f Finding) TitleIn(lang string) string {
	if lang == "ja" && f.TitleJA != "" {
		return f.TitleJA
	}
	return f.Title
}

func (f *Finding) validate() error {
	var v domain.Validator
	f.Title = strings.TrimSpace(f.Title)
	v.Check(f.Title != "" && utf8.RuneCountInString(f.Title) <= 500, "title", "is required and at most 500 characters")
	v.Check(slices.Contains(domain.Severities, f.Severity), "severity", "must be critical, high, medium or low")
	v.Check(f.ThreatCategory == "" || slices.Contains([]string{"external", "internal_malicious", "internal_error", "accidental"}, f.ThreatCategory),
		"threat_category", "must be external, internal_malicious, internal_error or accidental")
	v.Check(utf8.RuneCountInString(f.InternalNotes) <= 10000, "internal_notes", "must be at most 10000 characters")
	v.Check(len(f.ControlRefs) <= 20, "control_refs", "must have at most 20 entries")
	return v.Err()
}
