// Package decision holds outsourcing decisions: procurement asks, risk owners approve (with or without
// conditions) or reject, four eyes and a per-tier quorum, and an approval that stops holding turns to
// needs_review on its own.
package decision

import (
	"slices"
	"strconv"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/contract"
	"github.com/vendorrisk/vendorrisk/domain/risk"
)

// Status is a decision's state.
type Status string

const (
	StatusPending     Status = "pending" // collecting approvals
	StatusApproved    Status = "approved"
	StatusRejected    Status = "rejected"
	StatusNeedsReview Status = "needs_review" // an approval that no longer holds
)

// Statuses lists every status.
var Statuses = []Status{StatusPending, StatusApproved, StatusRejected, StatusNeedsReview}

// Person is who acted: the credential and its name. One credential counts as one person.
type Person struct {
	KeyID string
	Name  string
}

// Certification is a vendor certification as the snapshot saw it.
type Certification struct {
	ID         string
	Name       string
	ValidUntil time.Time
}

// ContractGap is one gap of one of the engagement's contracts.
type ContractGap struct {
	ContractID string
	ClauseType contract.ClauseType
	Problem    string
	Severity   domain.Severity
}

// Inputs are the facts a decision rests on, snapshotted when it is requested and re-read by the sweep.
type Inputs struct {
	EngagementID       string
	VendorID           string
	EffectiveTier      risk.Tier
	InherentScore      int
	AssessmentID       string // the latest completed assessment ("" when none)
	ControlScoreBP     *int
	Residual           *risk.Residual
	OpenFindings       map[domain.Severity]int
	ContractGaps       []ContractGap
	ContractClauses    []contract.ClauseType // the clause types some contract of the engagement has
	ValidCerts         []Certification
	ExpiredCerts       []Certification
	NextReviewOn       *time.Time
	RequiredApprovals  int
	ReassessmentMonths int
	PolicyVersion      int
}

// Approval is one risk owner's approval.
type Approval struct {
	By      Person
	At      time.Time
	Comment string
}

// ConditionKind says what a condition is linked to.
type ConditionKind string

const (
	ConditionRemediation    ConditionKind = "remediation"     // met when the item is verified
	ConditionContractClause ConditionKind = "contract_clause" // met when no contract of the engagement has a gap of that clause
)

// Condition is something an approval depends on, due by a date.
type Condition struct {
	ID            string
	Kind          ConditionKind
	RemediationID string
	ClauseType    contract.ClauseType
	Description   string
	DueDate       time.Time
	SetBy         Person
	MetAt         *time.Time
}

// Rejection records a refusal.
type Rejection struct {
	By     Person
	At     time.Time
	Reason string
}

// Lapse records why an approval no longer holds.
type Lapse struct {
	At      time.Time
	Reasons []string
}

// Decision is an outsourcing decision for one engagement.
type Decision struct {
	ID                string
	EngagementID      string
	VendorID          string
	Purpose           string
	Status            Status
	RequestedBy       Person
	RequiredApprovals int
	Snapshot          Inputs
	Approvals         []Approval
	Conditions        []Condition
	Rejection         *Rejection
	ApprovedAt        *time.Time
	ApprovedLevel     risk.Level // the residual level approved ("" when no assessment was completed)
	ValidUntil        *time.Time // the engagement's next review date at approval
	Lapse             *Lapse
	Version           int
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// Conditional reports whether the approval carries conditions.
func (d Decision) Conditional() bool { return len(d.Conditions) > 0 }

// ApprovedBy reports whether the credential has approved already.
func (d Decision) ApprovedBy(keyID string) bool {
	return slices.ContainsFunc(d.Approvals, func(a Approval) bool { return a.By.KeyID == keyID })
}

var levelRank = map[risk.Level]int{"": 0, risk.LevelLow: 1, risk.LevelMedium: 2, risk.LevelHigh: 3, risk.LevelCritical: 4}

func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Lapses lists why an approved decision no longer holds at now, given the current facts and which
// conditions are met; none means it still holds. Pure, so the rules are tested without a database.
func Lapses(d Decision, now time.Time, cur Inputs, met map[string]bool) []string {
	today := day(now)
	var out []string
	for _, c := range d.Conditions {
		if !met[c.ID] && c.DueDate.Before(today) {
			out = append(out, "condition "+strconv.Quote(c.Description)+" was due on "+c.DueDate.Format(time.DateOnly)+" and is not met")
		}
	}
	if cur.AssessmentID != "" && cur.AssessmentID != d.Snapshot.AssessmentID && cur.Residual != nil &&
		levelRank[cur.Residual.Level] > approvedRank(d.ApprovedLevel) {
		out = append(out, "assessment "+cur.AssessmentID+" moved the residual risk from "+levelName(d.ApprovedLevel)+
			" to "+string(cur.Residual.Level)+", above the level approved")
	}
	for _, c := range d.Snapshot.ValidCerts {
		switch i := slices.IndexFunc(cur.ValidCerts, func(x Certification) bool { return x.ID == c.ID }); {
		case i >= 0:
		case slices.ContainsFunc(cur.ExpiredCerts, func(x Certification) bool { return x.ID == c.ID }):
			out = append(out, "certification "+c.Name+" expired (valid until "+c.ValidUntil.Format(time.DateOnly)+")")
		default:
			out = append(out, "certification "+c.Name+" was removed from the vendor")
		}
	}
	if d.ValidUntil != nil && today.After(*d.ValidUntil) {
		out = append(out, "the review date "+d.ValidUntil.Format(time.DateOnly)+" has passed")
	}
	return out
}

// approvedRank is the rank a newer residual level must exceed. An approval given before any assessment
// was completed holds as long as the first result is at most medium.
func approvedRank(l risk.Level) int {
	if l == "" {
		return levelRank[risk.LevelMedium]
	}
	return levelRank[l]
}

func levelName(l risk.Level) string {
	if l == "" {
		return "none (approved before any completed assessment; up to medium holds)"
	}
	return string(l)
}
