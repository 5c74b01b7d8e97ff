// Package assessment is the issue of a questionnaire to a vendor for one engagement: sending it,
// the supplier's answers and evidence, submission and review.
package assessment

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/questionnaire"
	"github.com/vendorrisk/vendorrisk/domain/scoring"
)

// Status is the assessment's lifecycle state.
type Status string

const (
	StatusDraft       Status = "draft"
	StatusSent        Status = "sent"
	StatusInProgress  Status = "in_progress"
	StatusSubmitted   Status = "submitted"
	StatusUnderReview Status = "under_review"
	StatusReturned    Status = "returned"
	StatusCompleted   Status = "completed"
	StatusCancelled   Status = "cancelled"
)

// Statuses lists every status.
var Statuses = []Status{StatusDraft, StatusSent, StatusInProgress, StatusSubmitted, StatusUnderReview,
	StatusReturned, StatusCompleted, StatusCancelled}

// transitions is the lifecycle. The supplier moves sent/returned → in_progress (saving) → submitted;
// the reviewer moves submitted → under_review → returned or completed; cancelled from any open state.
var transitions = map[Status][]Status{
	StatusDraft:       {StatusSent, StatusCancelled},
	StatusSent:        {StatusInProgress, StatusSubmitted, StatusCancelled},
	StatusInProgress:  {StatusSubmitted, StatusCancelled},
	StatusSubmitted:   {StatusUnderReview, StatusReturned, StatusCompleted, StatusCancelled},
	StatusUnderReview: {StatusReturned, StatusCompleted, StatusCancelled},
	StatusReturned:    {StatusInProgress, StatusSubmitted, StatusCancelled},
	StatusCompleted:   {},
	StatusCancelled:   {},
}

// CanTransition reports whether the lifecycle allows from -> to.
func CanTransition(from, to Status) bool { return slices.Contains(transitions[from], to) }

// Open reports whether the assessment still runs (not completed or cancelled).
func (s Status) Open() bool { return s != StatusCompleted && s != StatusCancelled }

// SupplierEditable reports whether the supplier may save answers and upload evidence.
func (s Status) SupplierEditable() bool {
	return s == StatusSent || s == StatusInProgress || s == StatusReturned
}

// AwaitsSupplier reports whether the ball is in the supplier's court (for overdue).
func (s Status) AwaitsSupplier() bool { return s.SupplierEditable() }

// ReviewFlag is the reviewer's verdict on one answer.
type ReviewFlag string

const (
	FlagAccepted           ReviewFlag = "accepted"
	FlagNeedsClarification ReviewFlag = "needs_clarification"
)

// Review is the reviewer's verdict and comment on one answer.
type Review struct {
	Flag    ReviewFlag
	Comment string
	By      string
	At      time.Time
}

// Answer is the supplier's answer to one question: Value for single answers, Values for multi_choice.
type Answer struct {
	Key       string
	Value     string
	Values    []string
	Comment   string // the supplier's remark on its answer
	UpdatedAt time.Time
	UpdatedBy string
	Review    *Review
}

// Assessment is a questionnaire issued to an engagement's vendor.
type Assessment struct {
	ID             string
	EngagementID   string
	VendorID       string
	Template       questionnaire.Template // frozen copy of the version issued
	Depth          questionnaire.Coverage
	DueDate        time.Time // a date
	Message        string
	Status         Status
	SupplierKeyID  string
	Answers        map[string]Answer
	AnswersVersion int
	ReturnComment  string
	CreatedBy      string
	Version        int
	CreatedAt      time.Time
	UpdatedAt      time.Time
	SentAt         *time.Time
	SubmittedAt    *time.Time
	CompletedAt    *time.Time
	// FinalScore is the score stored when the assessment completed; nil before (and for assessments
	// completed before scores were stored, which are recomputed from the frozen template and answers).
	FinalScore *scoring.Result
}

// Due says where the due date stands on a day.
type Due struct {
	Overdue   bool
	DueInDays int
}

// DueAt computes overdue (past due and still with the supplier) and days left for the day of now.
func (a Assessment) DueAt(now time.Time) Due {
	today := day(now)
	days := int(a.DueDate.Sub(today).Hours() / 24)
	return Due{Overdue: a.Status.AwaitsSupplier() && a.DueDate.Before(today), DueInDays: days}
}

func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Visible returns the questions the supplier sees: those of the assessment's depth whose condition
// holds against the given answers. Conditions point only to earlier questions, so one pass suffices.
func (a Assessment) Visible(answers map[string]Answer) []questionnaire.Question {
	shown := map[string]bool{}
	var out []questionnaire.Question
	for _, q := range a.Template.Questions() {
		if !a.Depth.Asks(q.Depth) {
			continue
		}
		if c := q.Condition; c != nil {
			ans, ok := answers[c.Question]
			if !shown[c.Question] || !ok || !matches(ans, c.AnyOf) {
				continue
			}
		}
		shown[q.Key] = true
		out = append(out, q)
	}
	return out
}

func matches(a Answer, anyOf []string) bool {
	if slices.Contains(anyOf, a.Value) {
		return true
	}
	for _, v := range a.Values {
		if slices.Contains(anyOf, v) {
			return true
		}
	}
	return false
}

// maxText bounds a text answer; maxComment the supplier's remark on an answer.
const (
	maxText    = 10000
	maxComment = 4000
)

// checkAnswer validates an answer against its question's type.
func checkAnswer(v *domain.Validator, field string, q questionnaire.Question, a Answer) {
	values := make([]string, len(q.Options))
	for i, o := range q.Options {
		values[i] = o.Value
	}
	switch q.Type {
	case questionnaire.TypeYesNo, questionnaire.TypeYesNoNA, questionnaire.TypeSingleChoice:
		v.Check(len(a.Values) == 0, field+".values", "this question takes one value")
		v.Checkf(slices.Contains(values, a.Value), field+".value", "must be one of %s", strings.Join(values, ", "))
	case questionnaire.TypeMultiChoice:
		v.Check(a.Value == "", field+".value", "this question takes values (a list)")
		v.Check(len(a.Values) > 0, field+".values", "must list at least one option")
		seen := map[string]bool{}
		for i, x := range a.Values {
			v.Checkf(slices.Contains(values, x) && !seen[x], field+".values["+strconv.Itoa(i)+"]", "must be a distinct one of %s", strings.Join(values, ", "))
			seen[x] = true
		}
	case questionnaire.TypeText:
		v.Check(strings.TrimSpace(a.Value) != "" && utf8.RuneCountInString(a.Value) <= maxText, field+".value", "must be 1-10000 characters")
	case questionnaire.TypeNumber:
		f, err := strconv.ParseFloat(strings.TrimSpace(a.Value), 64)
		v.Check(err == nil && f == f && f < 1e15 && f > -1e15, field+".value", "must be a number")
	case questionnaire.TypeDate:
		_, err := time.Parse("2006-01-02", a.Value)
		v.Check(err == nil, field+".value", "must be a date as YYYY-MM-DD")
	case questionnaire.TypeEvidence:
		v.Add(field, "is answered by uploading evidence for this question, not with a value")
	}
	v.Check(utf8.RuneCountInString(a.Comment) <= maxComment, field+".comment", "must be at most 4000 characters")
}
