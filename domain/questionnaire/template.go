// Package questionnaire holds questionnaire templates: versioned sets of questions mapped to controls,
// drafted, published (then immutable) and archived.
package questionnaire

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vendorrisk/vendorrisk/domain"
)

// Text is a text in English and Japanese.
type Text struct {
	EN string
	JA string
}

// Pick returns the Japanese text when asked for and present, else the English one.
func (t Text) Pick(ja bool) string {
	if ja && t.JA != "" {
		return t.JA
	}
	return t.EN
}

// Type is a question's answer type.
type Type string

const (
	TypeYesNo        Type = "yes_no"
	TypeYesNoNA      Type = "yes_no_na"
	TypeSingleChoice Type = "single_choice"
	TypeMultiChoice  Type = "multi_choice"
	TypeText         Type = "text"
	TypeNumber       Type = "number"
	TypeDate         Type = "date"
	TypeEvidence     Type = "evidence"
)

// Types lists every type.
var Types = []Type{TypeYesNo, TypeYesNoNA, TypeSingleChoice, TypeMultiChoice, TypeText, TypeNumber, TypeDate, TypeEvidence}

// Choice reports whether answers are option values.
func (t Type) Choice() bool {
	return t == TypeYesNo || t == TypeYesNoNA || t == TypeSingleChoice || t == TypeMultiChoice
}

// ThreatCategory is the seed's kind of incident a failed answer exposes us to.
type ThreatCategory string

const (
	ThreatExternal          ThreatCategory = "external"
	ThreatInternalMalicious ThreatCategory = "internal_malicious"
	ThreatInternalError     ThreatCategory = "internal_error"
	ThreatAccidental        ThreatCategory = "accidental"
)

// ThreatCategories lists every category.
var ThreatCategories = []ThreatCategory{ThreatExternal, ThreatInternalMalicious, ThreatInternalError, ThreatAccidental}

// Depth says whether a question is asked at core depth or only at core+extended.
type Depth string

const (
	DepthCore     Depth = "core"
	DepthExtended Depth = "extended"
)

// Coverage is how much of a questionnaire is asked: the core questions, or core and extended. It is
// the one questionnaire-depth type: the policy sets it per tier and an assessment carries it.
type Coverage string

const (
	CoverageCore         Coverage = "core"
	CoverageCoreExtended Coverage = "core+extended"
)

// Coverages lists every coverage.
var Coverages = []Coverage{CoverageCore, CoverageCoreExtended}

// Asks reports whether a question of depth d is asked at coverage c.
func (c Coverage) Asks(d Depth) bool { return c != CoverageCore || d == DepthCore }

// EvidenceMode says when evidence must come with an answer.
type EvidenceMode string

const (
	EvidenceNone       EvidenceMode = "none"
	EvidenceAlways     EvidenceMode = "always"
	EvidenceWhenAnswer EvidenceMode = "when_answer"
)

// Option is a possible answer with its score 0..100.
type Option struct {
	Value string
	Label Text
	Score int
}

// Evidence is the rule for evidence on a question.
type Evidence struct {
	Mode       EvidenceMode
	WhenAnswer []string
}

// Condition shows a question only when an earlier question's answer is one of AnyOf.
type Condition struct {
	Question string
	AnyOf    []string
}

// Question is one question of a template.
type Question struct {
	Key            string
	Text           Text
	Help           Text
	Type           Type
	Options        []Option
	Weight         int
	Required       bool
	Evidence       Evidence
	Severity       domain.Severity
	ThreatCategory ThreatCategory
	ControlRefs    []string
	Condition      *Condition
	Depth          Depth
}

// Section groups questions.
type Section struct {
	Key       string
	Title     Text
	Questions []Question
}

// Status is a template's lifecycle state.
type Status string

const (
	StatusDraft     Status = "draft"
	StatusPublished Status = "published"
	StatusArchived  Status = "archived"
)

// Template is a questionnaire template. Content (everything but the lifecycle fields) is immutable
// once published.
type Template struct {
	ID          string
	FamilyID    string // the same for every version of one template
	Number      int    // version number within the family, from 1
	Key         string // stable key of a built-in template; "" for others
	Name        Text
	Description Text
	VendorKinds []string
	Sections    []Section
	Status      Status
	BuiltIn     bool
	Version     int // row version for If-Match on drafts
	CreatedAt   time.Time
	UpdatedAt   time.Time
	PublishedAt *time.Time
}

// Questions returns every question in document order.
func (t Template) Questions() []Question {
	var out []Question
	for _, s := range t.Sections {
		out = append(out, s.Questions...)
	}
	return out
}

var (
	keyPattern         = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
	templateKeyPattern = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,63}$`)
)

// MaxQuestions bounds a template; large industry questionnaires (SIG Core: 627) fit.
const MaxQuestions = 1000

// VendorKinds a template may target.
var VendorKinds = []string{"contractor", "cloud_provider", "other"}

// Resolver tells whether a qualified control reference ("iso27001-2022:5.19") exists.
type Resolver func(ctx context.Context, ref string) (bool, error)

// validate checks the whole template and reports every problem with its path
// (sections[2].questions[5].condition). strict adds the rules a published template must meet.
func (t *Template) validate(ctx context.Context, resolve Resolver, strict bool) error {
	var v domain.Validator
	text(&v, "name", t.Name, true, 200)
	text(&v, "description", t.Description, false, 4000)
	v.Check(t.Key == "" || templateKeyPattern.MatchString(t.Key), "key", "must be lower case letters, digits, _ or -, at most 64 characters")
	seenKind := map[string]bool{}
	for i, k := range t.VendorKinds {
		v.Check(slices.Contains(VendorKinds, k), "vendor_kinds["+strconv.Itoa(i)+"]", "must be contractor, cloud_provider or other")
		v.Check(!seenKind[k], "vendor_kinds["+strconv.Itoa(i)+"]", "appears twice")
		seenKind[k] = true
	}
	v.Check(!strict || len(t.Sections) > 0, "sections", "a published template needs at least one section")
	seenSection := map[string]bool{}
	seen := map[string]Question{} // earlier questions, by key
	total := 0
	for i, s := range t.Sections {
		sp := "sections[" + strconv.Itoa(i) + "]"
		v.Check(keyPattern.MatchString(s.Key), sp+".key", "must be lower_snake_case, at most 64 characters")
		v.Check(!seenSection[s.Key], sp+".key", "appears twice")
		seenSection[s.Key] = true
		text(&v, sp+".title", s.Title, true, 200)
		v.Check(!strict || len(s.Questions) > 0, sp+".questions", "a published section needs at least one question")
		for j, q := range s.Questions {
			qp := sp + ".questions[" + strconv.Itoa(j) + "]"
			validateQuestion(ctx, &v, qp, q, seen, resolve, strict)
			seen[q.Key] = q
			total++
		}
	}
	v.Check(total <= MaxQuestions, "sections", "a template has at most 1000 questions")
	return v.Err()
}

func text(v *domain.Validator, path string, t Text, required bool, max int) {
	v.Check(!required || strings.TrimSpace(t.EN) != "", path+".en", "is required")
	v.Checkf(utf8.RuneCountInString(t.EN) <= max, path+".en", "must be at most %d characters", max)
	v.Checkf(utf8.RuneCountInString(t.JA) <= max, path+".ja", "must be at most %d characters", max)
}

func validateQuestion(ctx context.Context, v *domain.Validator, qp string, q Question, earlier map[string]Question, resolve Resolver, strict bool) {
	v.Check(keyPattern.MatchString(q.Key), qp+".key", "must be lower_snake_case, at most 64 characters")
	_, dup := earlier[q.Key]
	v.Check(!dup, qp+".key", "appears twice in the template")
	text(v, qp+".text", q.Text, true, 1000)
	text(v, qp+".help", q.Help, false, 2000)
	v.Check(!strict || strings.TrimSpace(q.Text.JA) != "", qp+".text.ja", "a published question needs a Japanese text")
	v.Check(slices.Contains(Types, q.Type), qp+".type", "must be one of yes_no, yes_no_na, single_choice, multi_choice, text, number, date, evidence")
	validateOptions(v, qp, q)
	v.Check(q.Weight >= 0 && q.Weight <= 10, qp+".weight", "must be between 0 and 10")
	v.Check(slices.Contains(domain.Severities, q.Severity), qp+".severity", "must be critical, high, medium or low")
	v.Check(slices.Contains(ThreatCategories, q.ThreatCategory), qp+".threat_category", "must be external, internal_malicious, internal_error or accidental")
	v.Check(q.Depth == DepthCore || q.Depth == DepthExtended, qp+".depth", "must be core or extended")
	values := optionValues(q)
	switch q.Evidence.Mode {
	case EvidenceNone, EvidenceAlways, "":
		v.Check(len(q.Evidence.WhenAnswer) == 0, qp+".evidence.when_answer", "is only for mode when_answer")
	case EvidenceWhenAnswer:
		v.Check(len(q.Evidence.WhenAnswer) > 0, qp+".evidence.when_answer", "must list at least one answer")
		for k, a := range q.Evidence.WhenAnswer {
			v.Check(slices.Contains(values, a), qp+".evidence.when_answer["+strconv.Itoa(k)+"]", "is not an option of this question")
		}
	default:
		v.Add(qp+".evidence.mode", "must be none, always or when_answer")
	}
	v.Check(len(q.ControlRefs) <= 20, qp+".control_refs", "must have at most 20 entries")
	for k, ref := range q.ControlRefs {
		ok, err := resolve(ctx, ref)
		if err != nil {
			v.Add(qp+".control_refs["+strconv.Itoa(k)+"]", "could not be checked: "+err.Error())
			continue
		}
		v.Check(ok, qp+".control_refs["+strconv.Itoa(k)+"]", "names no control of a known framework (use framework:ref, e.g. iso27001-2022:5.19)")
	}
	if c := q.Condition; c != nil {
		cp := qp + ".condition"
		target, ok := earlier[c.Question]
		switch {
		case c.Question == q.Key:
			v.Add(cp+".question", "a question cannot depend on itself")
		case !ok:
			v.Add(cp+".question", "must name a question that comes earlier in the template (conditions cannot point forward, so they cannot form a cycle)")
		case !target.Type.Choice():
			v.Add(cp+".question", "must name a question with options (yes_no, yes_no_na, single_choice, multi_choice)")
		default:
			v.Check(len(c.AnyOf) > 0, cp+".any_of", "must list at least one answer")
			tv := optionValues(target)
			for k, a := range c.AnyOf {
				v.Checkf(slices.Contains(tv, a), cp+".any_of["+strconv.Itoa(k)+"]", "is not an option of %s", domain.Literal(c.Question))
			}
		}
	}
}

func validateOptions(v *domain.Validator, qp string, q Question) {
	switch q.Type {
	case TypeYesNo, TypeYesNoNA:
		want := []string{"yes", "no"}
		if q.Type == TypeYesNoNA {
			want = append(want, "na")
		}
		v.Checkf(len(q.Options) == 0 || slices.Equal(optionValues(q), want), qp+".options",
			"must be exactly %s (or omitted for the defaults)", strings.Join(want, ", "))
	case TypeSingleChoice, TypeMultiChoice:
		v.Check(len(q.Options) >= 2 && len(q.Options) <= 20, qp+".options", "must have 2 to 20 options")
	default:
		v.Check(len(q.Options) == 0, qp+".options", "only questions with options take options")
	}
	seen := map[string]bool{}
	for k, o := range q.Options {
		op := qp + ".options[" + strconv.Itoa(k) + "]"
		v.Check(keyPattern.MatchString(o.Value) || o.Value == "na", op+".value", "must be lower_snake_case")
		v.Check(!seen[o.Value], op+".value", "appears twice")
		seen[o.Value] = true
		v.Check(o.Score >= 0 && o.Score <= 100, op+".score", "must be between 0 and 100")
		text(v, op+".label", o.Label, true, 200)
	}
}

func optionValues(q Question) []string {
	if len(q.Options) == 0 {
		switch q.Type {
		case TypeYesNo:
			return []string{"yes", "no"}
		case TypeYesNoNA:
			return []string{"yes", "no", "na"}
		}
	}
	out := make([]string, len(q.Options))
	for i, o := range q.Options {
		out[i] = o.Value
	}
	return out
}

// withDefaults fills the default options of yes/no questions and the evidence mode, so that stored
// templates are explicit.
func (t *Template) withDefaults() {
	for i := range t.Sections {
		for j := range t.Sections[i].Questions {
			q := &t.Sections[i].Questions[j]
			if q.Evidence.Mode == "" {
				q.Evidence.Mode = EvidenceNone
			}
			if len(q.Options) > 0 {
				continue
			}
			switch q.Type {
			case TypeYesNo:
				q.Options = []Option{yes, no}
			case TypeYesNoNA:
				q.Options = []Option{yes, no, na}
			}
		}
	}
}

var (
	yes = Option{Value: "yes", Label: Text{EN: "Yes", JA: "はい"}, Score: 100}
	no  = Option{Value: "no", Label: Text{EN: "No", JA: "いいえ"}, Score: 0}
	na  = Option{Value: "na", Label: Text{EN: "Not applicable", JA: "該当なし"}, Score: 0}
)
