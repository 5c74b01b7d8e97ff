// Package scoring turns answers into scores: pure and versioned (no I/O, no clock), integers only, so
// that a score can be recomputed and explained years later from the frozen template and answers.
package scoring

import (
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Version names the rules below; any change to them is a new version.
const Version = "score-v1"

// Full is the best score of a question, in basis points (100.00 %).
const Full = 10000

// Question is what the scorer needs of a question.
type Question struct {
	Key         string
	Section     string
	Weight      int  // 0 leaves the question out
	Scored      bool // choice questions; text, number, date and evidence questions are informational
	Visible     bool // hidden questions leave the denominator
	Options     map[string]int
	NA          string // the option value meaning "not applicable" ("" if none)
	ControlRefs []string
}

// Answer is a given answer: Value for single choices, Values for multi_choice.
type Answer struct {
	Value  string
	Values []string
}

// Outcome is how a question was treated.
type Outcome string

const (
	OutcomeScored     Outcome = "scored"
	OutcomeUnanswered Outcome = "unanswered" // applicable and visible but not answered: counts as 0
	OutcomeNA         Outcome = "not_applicable"
	OutcomeHidden     Outcome = "hidden"
	OutcomeUnscored   Outcome = "unscored"
)

// QuestionScore is one question's part of the score.
type QuestionScore struct {
	Key     string
	Section string
	Outcome Outcome
	Weight  int
	// ScoreBP is the question's own score (0..10000); Contribution is its share of the overall score,
	// in basis points, such that the contributions add up exactly to the overall score.
	ScoreBP      int
	Contribution int
}

// Rollup is a section's or a control's score over its applicable questions.
type Rollup struct {
	Key              string
	ScoreBP          int
	ApplicableWeight int
	AnsweredWeight   int
	Questions        int
}

// Result is a whole score with its explanation.
type Result struct {
	Version          string
	OverallBP        int // 0..10000; 0 when nothing is applicable
	CoverageBP       int // answered weight / applicable weight
	ApplicableWeight int
	AnsweredWeight   int
	Questions        []QuestionScore // in the order given
	Sections         []Rollup        // in order of first appearance
	Controls         []Rollup        // by control reference
	// Domains rolls controls up to ISO/IEC 27001 Annex A domains (2005: A.5–A.15, 2013: A.5–A.18,
	// 2022: the four themes 5–8), by key "iso27001-2013:A.9"; a question counts once per domain.
	Domains []Rollup
}

// Score computes the result. Rules (score-v1):
//   - a question counts when it is visible, scored and has a weight above 0; hidden, informational and
//     weight-0 questions, and answers of the "not applicable" option, leave the denominator;
//   - a single answer scores its option's score; a multi_choice answer the mean of its options' scores
//     (rounded half up); an unanswered applicable question scores 0;
//   - every score is in basis points; overall = Σ(weight × score) / Σ weight, rounded half up; sections and
//     controls the same over their questions; coverage = answered weight / applicable weight;
//   - each question's contribution is weight × score / Σ weight, apportioned by largest remainder so
//     that the contributions add up exactly to the overall score.
func Score(qs []Question, answers map[string]Answer) Result {
	r := Result{Version: Version, Questions: make([]QuestionScore, len(qs))}
	var weighted int64
	for i, q := range qs {
		qsr := QuestionScore{Key: q.Key, Section: q.Section, Weight: q.Weight}
		qsr.Outcome, qsr.ScoreBP = judge(q, answers)
		if qsr.Outcome == OutcomeScored || qsr.Outcome == OutcomeUnanswered {
			r.ApplicableWeight += q.Weight
			weighted += int64(q.Weight) * int64(qsr.ScoreBP)
			if qsr.Outcome == OutcomeScored {
				r.AnsweredWeight += q.Weight
			}
		}
		r.Questions[i] = qsr
	}
	if r.ApplicableWeight > 0 {
		r.OverallBP = divRound(weighted, int64(r.ApplicableWeight))
		r.CoverageBP = divRound(int64(r.AnsweredWeight)*Full, int64(r.ApplicableWeight))
	}
	apportion(&r)
	r.Sections = rollup(qs, r.Questions, func(q Question) []string { return []string{q.Section} })
	r.Controls = rollup(qs, r.Questions, func(q Question) []string { return q.ControlRefs })
	sort.Slice(r.Controls, func(i, j int) bool { return r.Controls[i].Key < r.Controls[j].Key })
	r.Domains = rollup(qs, r.Questions, func(q Question) []string { return AnnexADomains(q.ControlRefs) })
	sort.Slice(r.Domains, func(i, j int) bool { return domainLess(r.Domains[i].Key, r.Domains[j].Key) })
	return r
}

// AnnexADomains maps control references to their ISO/IEC 27001 Annex A domains, each once, in order:
// "iso27001-2013:A.9.2.1" → "iso27001-2013:A.9"; "iso27001-2022:5.19" (or "A.5.19") → the theme
// "iso27001-2022:5". References to other frameworks have no Annex A domain.
func AnnexADomains(refs []string) []string {
	var out []string
	for _, ref := range refs {
		fw, id, ok := strings.Cut(ref, ":")
		if !ok || !strings.HasPrefix(fw, "iso27001-") {
			continue
		}
		id = strings.TrimPrefix(id, "A.")
		major, _, _ := strings.Cut(id, ".")
		if _, err := strconv.Atoi(major); err != nil {
			continue
		}
		d := fw + ":" + major
		if fw != "iso27001-2022" {
			d = fw + ":A." + major
		}
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

// domainLess orders domains by edition, then numerically (A.5 before A.10).
func domainLess(a, b string) bool {
	fa, ia, _ := strings.Cut(a, ":")
	fb, ib, _ := strings.Cut(b, ":")
	if fa != fb {
		return fa < fb
	}
	na, _ := strconv.Atoi(strings.TrimPrefix(ia, "A."))
	nb, _ := strconv.Atoi(strings.TrimPrefix(ib, "A."))
	return na < nb
}

func judge(q Question, answers map[string]Answer) (Outcome, int) {
	switch {
	case !q.Visible:
		return OutcomeHidden, 0
	case !q.Scored || q.Weight <= 0:
		return OutcomeUnscored, 0
	}
	a, ok := answers[q.Key]
	if !ok || (a.Value == "" && len(a.Values) == 0) {
		return OutcomeUnanswered, 0
	}
	if len(a.Values) > 0 {
		var sum, n int64
		for _, v := range a.Values {
			if v == q.NA && q.NA != "" {
				continue
			}
			sum += int64(clamp(q.Options[v]) * (Full / 100))
			n++
		}
		if n == 0 {
			return OutcomeNA, 0
		}
		return OutcomeScored, divRound(sum, n)
	}
	if q.NA != "" && a.Value == q.NA {
		return OutcomeNA, 0
	}
	return OutcomeScored, clamp(q.Options[a.Value]) * (Full / 100)
}

func clamp(score int) int { return min(max(score, 0), 100) }

// divRound divides rounding half up; n > 0, x >= 0.
func divRound(x, n int64) int { return int((2*x + n) / (2 * n)) }

// apportion splits the overall score into per-question contributions by largest remainder.
func apportion(r *Result) {
	if r.ApplicableWeight == 0 {
		return
	}
	w := int64(r.ApplicableWeight)
	type rem struct {
		i   int
		rem int64
	}
	var rems []rem
	total := 0
	for i, q := range r.Questions {
		if q.Outcome != OutcomeScored && q.Outcome != OutcomeUnanswered {
			continue
		}
		num := int64(q.Weight) * int64(q.ScoreBP)
		r.Questions[i].Contribution = int(num / w)
		total += r.Questions[i].Contribution
		rems = append(rems, rem{i, num % w})
	}
	slices.SortStableFunc(rems, func(a, b rem) int {
		switch {
		case a.rem > b.rem:
			return -1
		case a.rem < b.rem:
			return 1
		}
		return 0
	})
	for k := 0; total < r.OverallBP && k < len(rems); k++ {
		if rems[k].rem == 0 {
			break
		}
		r.Questions[rems[k].i].Contribution++
		total++
	}
}

func rollup(qs []Question, scores []QuestionScore, keys func(Question) []string) []Rollup {
	type acc struct {
		weighted           int64
		applicable, answer int
		n                  int
	}
	order := []string{}
	accs := map[string]*acc{}
	for i, q := range qs {
		for _, k := range keys(q) {
			a, ok := accs[k]
			if !ok {
				a = &acc{}
				accs[k] = a
				order = append(order, k)
			}
			s := scores[i]
			if s.Outcome != OutcomeScored && s.Outcome != OutcomeUnanswered {
				continue
			}
			a.n++
			a.applicable += s.Weight
			a.weighted += int64(s.Weight) * int64(s.ScoreBP)
			if s.Outcome == OutcomeScored {
				a.answer += s.Weight
			}
		}
	}
	out := make([]Rollup, 0, len(order))
	for _, k := range order {
		a := accs[k]
		r := Rollup{Key: k, ApplicableWeight: a.applicable, AnsweredWeight: a.answer, Questions: a.n}
		if a.applicable > 0 {
			r.ScoreBP = divRound(a.weighted, int64(a.applicable))
		}
		out = append(out, r)
	}
	return out
}
