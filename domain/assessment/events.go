package assessment

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/vendorrisk/vendorrisk/domain/event"
	"github.com/vendorrisk/vendorrisk/domain/questionnaire"
)

// An assessment's events carry its lifecycle and counts, never the frozen questionnaire (hundreds of
// questions) nor every answer: an answers event lists the answers it changed, at most
// maxAnswerChanges of them, each text longer than maxEventText kept as its length and SHA-256.
const (
	maxAnswerChanges = 100
	maxEventText     = 1000
)

// summary is an assessment as its events carry it.
type summary struct {
	ID                 string
	EngagementID       string
	VendorID           string
	TemplateID         string
	TemplateKey        string
	TemplateNumber     int
	Depth              questionnaire.Coverage
	DueDate            time.Time
	Message            string
	Status             Status
	SupplierKeyID      string
	AnswersVersion     int
	Answered           int // answers saved
	Reviewed           int // answers with a reviewer's verdict
	NeedsClarification int
	ReturnComment      string
	CreatedBy          string
	Version            int
	SentAt             *time.Time
	SubmittedAt        *time.Time
	CompletedAt        *time.Time
	ScoreBP            *int // the final score, once completed
	CoverageBP         *int
}

func summaryOf(a Assessment) summary {
	s := summary{ID: a.ID, EngagementID: a.EngagementID, VendorID: a.VendorID, TemplateID: a.Template.ID,
		TemplateKey: a.Template.Key, TemplateNumber: a.Template.Number, Depth: a.Depth, DueDate: a.DueDate, Message: a.Message,
		Status: a.Status, SupplierKeyID: a.SupplierKeyID, AnswersVersion: a.AnswersVersion, Answered: len(a.Answers),
		ReturnComment: a.ReturnComment, CreatedBy: a.CreatedBy, Version: a.Version, SentAt: a.SentAt,
		SubmittedAt: a.SubmittedAt, CompletedAt: a.CompletedAt}
	for _, ans := range a.Answers {
		if ans.Review != nil {
			s.Reviewed++
			if ans.Review.Flag == FlagNeedsClarification {
				s.NeedsClarification++
			}
		}
	}
	if a.FinalScore != nil {
		score, coverage := a.FinalScore.OverallBP, a.FinalScore.CoverageBP
		s.ScoreBP, s.CoverageBP = &score, &coverage
	}
	return s
}

func subject(a Assessment) event.Subject {
	return event.Subject{Type: "assessment", ID: a.ID, VendorID: a.VendorID}
}

// cloneAnswers copies a with its own answers map, to compare with after a change made in place.
func cloneAnswers(a Assessment) Assessment {
	a.Answers = maps.Clone(a.Answers)
	return a
}

// changed describes an assessment's change from before to after: the summary fields that moved and
// the answers (or reviews) that changed, as "answers.<key>".
func changed(typ string, before, after Assessment) event.Event {
	e := event.New(typ, subject(after), summaryOf(before), summaryOf(after))
	changes := answerChanges(before.Answers, after.Answers)
	if len(changes) > 0 {
		e.Data["answers_changed"] = len(changes)
		if len(changes) > maxAnswerChanges {
			e.Data["answers_changes_omitted"] = len(changes) - maxAnswerChanges
			changes = changes[:maxAnswerChanges]
		}
		e.Changes = append(e.Changes, changes...)
	}
	return e
}

// answerChanges lists, by question key, the answers added, changed, cleared or reviewed.
func answerChanges(before, after map[string]Answer) []event.Change {
	keys := slices.Collect(maps.Keys(after))
	for k := range before {
		if _, ok := after[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out []event.Change
	for _, k := range keys {
		b, a := answerView(before, k), answerView(after, k)
		if fmt.Sprint(b) != fmt.Sprint(a) {
			out = append(out, event.Change{Field: "answers." + k, Before: b, After: a})
		}
	}
	return out
}

// answerView is one answer as an event shows it (nil when there is none): its value and its review.
func answerView(answers map[string]Answer, key string) map[string]any {
	ans, ok := answers[key]
	if !ok {
		return nil
	}
	m := map[string]any{}
	if ans.Values != nil {
		m["values"] = ans.Values
	} else {
		m["value"] = bounded(ans.Value)
	}
	if ans.Comment != "" {
		m["comment"] = bounded(ans.Comment)
	}
	if r := ans.Review; r != nil {
		m["review"] = map[string]any{"flag": string(r.Flag), "comment": bounded(r.Comment), "by": r.By}
	}
	return m
}

// bounded is a text as an event keeps it: verbatim up to maxEventText characters, else its length and
// SHA-256 (the text itself stays in the assessment).
func bounded(s string) any {
	n := utf8.RuneCountInString(s)
	if n <= maxEventText {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	return map[string]any{"chars": n, "sha256": hex.EncodeToString(sum[:])}
}

func (s *Service) record(ctx context.Context, e event.Event) error {
	if err := s.events.Record(ctx, e); err != nil {
		return fmt.Errorf("record %s %s: %w", e.Type, e.Subject.ID, err)
	}
	return nil
}
