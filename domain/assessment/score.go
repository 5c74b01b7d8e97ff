package assessment

import (
	"context"
	"errors"
	"fmt"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/questionnaire"
	"github.com/vendorrisk/vendorrisk/domain/risk"
	"github.com/vendorrisk/vendorrisk/domain/scoring"
)

// Score is an assessment's score; Final once the assessment is completed (its answers are frozen),
// provisional before. Residual is the engagement's inherent risk reduced by this score; the breach
// exposure stands beside it.
type Score struct {
	Result   scoring.Result
	Final    bool
	Residual risk.Residual
	Exposure []domain.Money
}

func (s *Service) scoreWithRisk(ctx context.Context, a Assessment, r scoring.Result) (Score, error) {
	ref, err := s.deps.Risk(ctx, a.EngagementID)
	if err != nil {
		return Score{}, err
	}
	return Score{Result: r, Final: a.Status == StatusCompleted, Residual: risk.ResidualOf(ref.InherentScore, r.OverallBP, ref.Impact),
		Exposure: ref.Exposure}, nil
}

// ScoreOf scores an assessment's answers against its frozen template.
func ScoreOf(a Assessment, answers map[string]Answer) scoring.Result {
	visible := map[string]bool{}
	for _, q := range a.Visible(answers) {
		visible[q.Key] = true
	}
	var qs []scoring.Question
	for _, sec := range a.Template.Sections {
		for _, q := range sec.Questions {
			sq := scoring.Question{Key: q.Key, Section: sec.Key, Weight: q.Weight, Scored: q.Type.Choice(),
				Visible: visible[q.Key], Options: map[string]int{}, ControlRefs: q.ControlRefs}
			for _, o := range q.Options {
				sq.Options[o.Value] = o.Score
			}
			if q.Type == questionnaire.TypeYesNoNA {
				sq.NA = "na"
			}
			qs = append(qs, sq)
		}
	}
	in := make(map[string]scoring.Answer, len(answers))
	for k, ans := range answers {
		in[k] = scoring.Answer{Value: ans.Value, Values: ans.Values}
	}
	return scoring.Score(qs, in)
}

// Score returns the assessment's current score (internal roles only: suppliers never see scores).
func (s *Service) Score(ctx context.Context, id string) (Assessment, Score, error) {
	if _, err := s.internal(ctx, id); err != nil {
		return Assessment{}, Score{}, err
	}
	a, err := s.load(ctx, id, false)
	if err != nil {
		return Assessment{}, Score{}, err
	}
	sc, err := s.scoreWithRisk(ctx, a, a.Scored())
	return a, sc, err
}

// Scored is the stored final score of a completed assessment, otherwise the score computed now.
func (a Assessment) Scored() scoring.Result {
	if a.FinalScore != nil {
		return *a.FinalScore
	}
	return ScoreOf(a, a.Answers)
}

// Simulate scores the assessment with some answers replaced, persisting nothing: "what does the
// score become if the supplier fixes these?". Replacements are checked like real answers.
func (s *Service) Simulate(ctx context.Context, id string, in []AnswerInput) (Assessment, Score, error) {
	p, err := s.internal(ctx, id)
	if err != nil {
		return Assessment{}, Score{}, err
	}
	a, err := s.load(ctx, id, false)
	if err != nil {
		return Assessment{}, Score{}, err
	}
	if a.Status == StatusDraft {
		return Assessment{}, Score{}, domain.Errorf(domain.KindConflict, "the assessment is a draft; there is nothing to score yet")
	}
	sim := a
	sim.Answers = make(map[string]Answer, len(a.Answers))
	for k, v := range a.Answers {
		sim.Answers[k] = v
	}
	if err := s.applyAnswers(&sim, in, p.KeyID); err != nil {
		return Assessment{}, Score{}, err
	}
	sc, err := s.scoreWithRisk(ctx, a, ScoreOf(sim, sim.Answers))
	sc.Final = false
	return a, sc, err
}

// CompletedStore finds an engagement's most recently completed assessment (domain.ErrNotFound if none).
type CompletedStore interface {
	LatestCompleted(ctx context.Context, engagementID string) (Assessment, error)
}

// ControlScores reads, from the store, the final score of an engagement's most recently completed
// assessment, for the engagement's residual risk; found is false when none is completed yet. It needs
// only the store, so engagements take it at construction although assessments need engagements.
type ControlScores struct{ Store CompletedStore }

// Latest implements engagement.ControlScores.
func (c ControlScores) Latest(ctx context.Context, engagementID string) (assessmentID string, overallBP int, found bool, err error) {
	a, err := c.Store.LatestCompleted(ctx, engagementID)
	if errors.Is(err, domain.ErrNotFound) {
		return "", 0, false, nil
	}
	if err != nil {
		return "", 0, false, fmt.Errorf("load the latest completed assessment of %s: %w", engagementID, err)
	}
	return a.ID, a.Scored().OverallBP, true, nil
}
