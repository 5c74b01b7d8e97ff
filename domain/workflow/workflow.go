// Package workflow holds the rules that cross aggregates: what follows, in the same transaction, when
// one aggregate changes in a way another depends on. A vendor's subcontractor graph or kind changes:
// its engagements (and those of every vendor relying on it) are re-evaluated. The risk policy changes:
// every engagement is re-evaluated. An engagement's tier moves: its findings are re-rated. An
// assessment is completed: its findings are raised and its engagement's review date moves.
//
// The rules react to the domain events the services record (domain/event): Rules is an event.Recorder
// placed in the one recorder chain after the audit trail and the outbox, so a rule runs in the
// transaction of the change that triggered it, and the trail reads the cause first, then what followed.
// The services need the recorder and the rules need the services, so the rules are built first and
// bound to the services once (Bind); until then, or with a dependency missing, every event fails its
// transaction: a forgotten wire is loud, never a rule silently skipped.
package workflow

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/vendorrisk/vendorrisk/domain/assessment"
	"github.com/vendorrisk/vendorrisk/domain/event"
	"github.com/vendorrisk/vendorrisk/domain/finding"
	"github.com/vendorrisk/vendorrisk/domain/questionnaire"
	"github.com/vendorrisk/vendorrisk/domain/risk"
	"github.com/vendorrisk/vendorrisk/domain/scoring"
)

// Vendors is what the rules read of the vendor register.
type Vendors interface {
	// Upstream returns vendorID and every vendor relying on it, directly or further up the graph.
	Upstream(ctx context.Context, vendorID string) ([]string, error)
}

// Engagements is what the rules change of engagements.
type Engagements interface {
	// Refresh re-evaluates the engagements of the given vendors.
	Refresh(ctx context.Context, vendorIDs []string) error
	// RefreshAll re-evaluates every engagement.
	RefreshAll(ctx context.Context) error
	// Assessed records that an assessment of the engagement was completed at the given time.
	Assessed(ctx context.Context, engagementID string, at time.Time) error
}

// Findings is what the rules change of findings.
type Findings interface {
	// Retier re-rates the engagement's findings on its new tier.
	Retier(ctx context.Context, engagementID string, tier risk.Tier) error
	// FromAssessment raises, continues or closes findings from a completed assessment's answers.
	FromAssessment(ctx context.Context, o finding.Outcome) error
}

// Assessments is what the rules read of assessments.
type Assessments interface {
	// Final returns a completed assessment with its evidence, without a caller check.
	Final(ctx context.Context, id string) (assessment.Assessment, []assessment.Evidence, error)
}

// Deps are the services the rules call; every one is required.
type Deps struct {
	Vendors     Vendors
	Engagements Engagements
	Findings    Findings
	Assessments Assessments
}

// missing names the dependencies not given (nil, or a nil pointer in the interface).
func (d Deps) missing() []string {
	return missing(map[string]any{"Vendors": d.Vendors, "Engagements": d.Engagements,
		"Findings": d.Findings, "Assessments": d.Assessments})
}

// missing names, in order, the entries of deps that are nil or a nil pointer.
func missing(deps map[string]any) []string {
	var out []string
	for name, dep := range deps {
		if v := reflect.ValueOf(dep); !v.IsValid() || (v.Kind() == reflect.Pointer && v.IsNil()) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// ErrUnbound is the error of an event that reaches rules not bound to their services.
var ErrUnbound = errors.New("workflow rules are not bound to their services")

// Rules follow changes across aggregates; build with New, then Bind once before serving.
type Rules struct {
	deps  Deps
	bound bool
}

// New returns rules not yet bound: every event fails until Bind.
func New() *Rules { return &Rules{} }

// Bind gives the rules their services, once; a missing dependency or a second Bind is an error.
func (r *Rules) Bind(d Deps) error {
	if r.bound {
		return errors.New("workflow rules are bound already")
	}
	if m := d.missing(); len(m) > 0 {
		return fmt.Errorf("workflow rules: missing %s", strings.Join(m, ", "))
	}
	r.deps, r.bound = d, true
	return nil
}

// Record implements event.Recorder: it runs the rules that follow each event, in the caller's
// transaction; an error rolls the change back.
func (r *Rules) Record(ctx context.Context, events ...event.Event) error {
	for _, e := range events {
		if !r.bound {
			return fmt.Errorf("follow %s %s: %w", e.Type, e.Subject.ID, ErrUnbound)
		}
		if err := r.follow(ctx, e); err != nil {
			return err
		}
	}
	return nil
}

// follow runs what e sets off.
func (r *Rules) follow(ctx context.Context, e event.Event) error {
	switch e.Type {
	case "vendor.subcontractor.linked", "vendor.subcontractor.unlinked":
		return r.graphChanged(ctx, e.Subject.VendorID)
	case "vendor.updated":
		if !changed(e, "kind") {
			return nil
		}
		// The risk model reads the vendor's kind (cloud hosting); only this vendor's engagements depend on it.
		return r.deps.Engagements.Refresh(ctx, []string{e.Subject.ID})
	case "risk_policy.updated":
		// Scores depend on the policy (the home country), tiers on the scores.
		return r.deps.Engagements.RefreshAll(ctx)
	case "engagement.tier_changed":
		return r.tierChanged(ctx, e)
	case "assessment.completed":
		return r.assessmentCompleted(ctx, e.Subject.ID)
	}
	return nil
}

func changed(e event.Event, field string) bool {
	return slices.ContainsFunc(e.Changes, func(c event.Change) bool { return c.Field == field })
}

// graphChanged re-evaluates the engagements of every vendor whose fourth parties changed with
// vendorID's links: the vendor itself and every vendor relying on it.
func (r *Rules) graphChanged(ctx context.Context, vendorID string) error {
	ids, err := r.deps.Vendors.Upstream(ctx, vendorID)
	if err != nil {
		return err
	}
	return r.deps.Engagements.Refresh(ctx, ids)
}

// tierChanged re-rates the engagement's findings: they are rated on its tier and move with it.
func (r *Rules) tierChanged(ctx context.Context, e event.Event) error {
	to, ok := e.Data["to"].(int64)
	if !ok {
		return fmt.Errorf("engagement.tier_changed %s: no tier in %v", e.Subject.ID, e.Data["to"])
	}
	if err := r.deps.Findings.Retier(ctx, e.Subject.ID, risk.Tier(to)); err != nil {
		return fmt.Errorf("follow the tier of engagement %s from %v to %d: %w", e.Subject.ID, e.Data["from"], to, err)
	}
	return nil
}

// assessmentCompleted raises the findings of a completed assessment, then moves its engagement's last
// assessment and next review date.
func (r *Rules) assessmentCompleted(ctx context.Context, id string) error {
	a, ev, err := r.deps.Assessments.Final(ctx, id)
	if err != nil {
		return fmt.Errorf("load completed assessment %s: %w", id, err)
	}
	if a.CompletedAt == nil {
		return fmt.Errorf("assessment %s is %s, not completed", id, a.Status)
	}
	if err := r.deps.Findings.FromAssessment(ctx, outcome(a, ev)); err != nil {
		return fmt.Errorf("raise findings of %s: %w", a.ID, err)
	}
	return r.deps.Engagements.Assessed(ctx, a.EngagementID, *a.CompletedAt)
}

// outcome lists a completed assessment's scored answers for finding generation.
func outcome(a assessment.Assessment, ev []assessment.Evidence) finding.Outcome {
	evidenceOf := map[string][]string{}
	for _, e := range ev {
		for _, k := range e.QuestionKeys {
			evidenceOf[k] = append(evidenceOf[k], e.ID)
		}
	}
	questions := map[string]questionnaire.Question{}
	for _, q := range a.Template.Questions() {
		questions[q.Key] = q
	}
	out := finding.Outcome{AssessmentID: a.ID, EngagementID: a.EngagementID}
	for _, qs := range a.Scored().Questions {
		q, ans := questions[qs.Key], a.Answers[qs.Key]
		if qs.Outcome == scoring.OutcomeHidden || qs.Outcome == scoring.OutcomeNA {
			out.Answers = append(out.Answers, finding.Answer{QuestionKey: q.Key, Title: q.Text.EN, TitleJA: q.Text.JA, Severity: q.Severity, NotApplicable: true})
			continue
		}
		if qs.Outcome != scoring.OutcomeScored {
			continue
		}
		given := ans.Value
		if len(ans.Values) > 0 {
			given = strings.Join(ans.Values, ", ")
		}
		out.Answers = append(out.Answers, finding.Answer{QuestionKey: q.Key, Title: q.Text.EN, TitleJA: q.Text.JA, Answer: given, ScoreBP: qs.ScoreBP,
			Severity: q.Severity, ThreatCategory: string(q.ThreatCategory), ControlRefs: q.ControlRefs, EvidenceIDs: evidenceOf[q.Key]})
	}
	return out
}
