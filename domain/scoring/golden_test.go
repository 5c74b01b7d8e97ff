package scoring

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// yesNo is a yes/no question's options.
var yesNo = map[string]int{"yes": 100, "no": 0}

// yesNoNA is a yes/no/na question's options ("na" is the not-applicable option).
var yesNoNA = map[string]int{"yes": 100, "no": 0, "na": 0}

func q(key, section string, weight int, opts map[string]int, controls ...string) Question {
	return Question{Key: key, Section: section, Weight: weight, Scored: true, Visible: true, Options: opts, ControlRefs: controls}
}

func qna(key, section string, weight int) Question {
	x := q(key, section, weight, yesNoNA)
	x.NA = "na"
	return x
}

func one(v string) Answer      { return Answer{Value: v} }
func many(vs ...string) Answer { return Answer{Values: vs} }
func byKey(r Result) map[string]QuestionScore {
	m := map[string]QuestionScore{}
	for _, s := range r.Questions {
		m[s.Key] = s
	}
	return m
}

type goldenCase struct {
	name    string
	qs      []Question
	answers map[string]Answer
	check   func(t *testing.T, r Result)
}

func goldenCases() []goldenCase {
	hidden := q("h", "s1", 5, yesNo)
	hidden.Visible = false
	info := Question{Key: "notes", Section: "s1", Weight: 3, Scored: false, Visible: true}
	multi := q("m", "s1", 2, map[string]int{"a": 100, "b": 50, "c": 0, "x": 33, "na": 0})
	multi.NA = "na"
	multiNA := multi
	multiNA.Key = "m_na"
	multiRound := multi
	multiRound.Key = "m_round"
	return []goldenCase{
		{
			name: "weights",
			qs: []Question{
				q("a", "s1", 3, yesNo, "iso:5.1"),
				q("b", "s1", 1, yesNo, "iso:5.1", "iso:8.2"),
				q("c", "s2", 4, map[string]int{"full": 100, "part": 50, "none": 0}, "iso:8.2"),
			},
			answers: map[string]Answer{"a": one("yes"), "b": one("no"), "c": one("part")},
			check: func(t *testing.T, r Result) {
				// (3×10000 + 1×0 + 4×5000) / 8 = 6250
				eq(t, "overall", r.OverallBP, 6250)
				eq(t, "coverage", r.CoverageBP, Full)
				eq(t, "applicable", r.ApplicableWeight, 8)
				eq(t, "s1", r.Sections[0].ScoreBP, 7500)
				eq(t, "s2", r.Sections[1].ScoreBP, 5000)
				eq(t, "iso:5.1", r.Controls[0].ScoreBP, 7500)
				eq(t, "iso:8.2", r.Controls[1].ScoreBP, 4000) // (0 + 20000)/5
				eq(t, "contribution a", byKey(r)["a"].Contribution, 3750)
			},
		},
		{
			name:    "not_applicable",
			qs:      []Question{qna("a", "s1", 2), qna("b", "s1", 1), qna("c", "s1", 1)},
			answers: map[string]Answer{"a": one("na"), "b": one("yes"), "c": one("no")},
			check: func(t *testing.T, r Result) {
				eq(t, "overall", r.OverallBP, 5000)
				eq(t, "applicable", r.ApplicableWeight, 2)
				eq(t, "a outcome", string(byKey(r)["a"].Outcome), string(OutcomeNA))
				eq(t, "a contribution", byKey(r)["a"].Contribution, 0)
				eq(t, "questions in s1", r.Sections[0].Questions, 2)
			},
		},
		{
			name:    "hidden",
			qs:      []Question{q("a", "s1", 1, yesNo), hidden},
			answers: map[string]Answer{"a": one("yes"), "h": one("no")}, // a stale answer to a hidden question
			check: func(t *testing.T, r Result) {
				eq(t, "overall", r.OverallBP, Full)
				eq(t, "applicable", r.ApplicableWeight, 1)
				eq(t, "h outcome", string(byKey(r)["h"].Outcome), string(OutcomeHidden))
			},
		},
		{
			name: "multi_choice",
			qs:   []Question{multi, multiNA, multiRound},
			answers: map[string]Answer{
				"m":       many("a", "b", "na"), // mean of 10000 and 5000; na ignored
				"m_na":    many("na"),           // only na: not applicable
				"m_round": many("a", "x", "c"),  // (10000+3300+0)/3 = 4433.33 → 4433
			},
			check: func(t *testing.T, r Result) {
				k := byKey(r)
				eq(t, "m", k["m"].ScoreBP, 7500)
				eq(t, "m_na outcome", string(k["m_na"].Outcome), string(OutcomeNA))
				eq(t, "m_round", k["m_round"].ScoreBP, 4433)
				eq(t, "overall", r.OverallBP, 5967) // (15000+8866)/4 = 5966.5 → 5967
				eq(t, "applicable", r.ApplicableWeight, 4)
			},
		},
		{
			name:    "all_na_section",
			qs:      []Question{qna("a", "s1", 2), qna("b", "s1", 3), q("c", "s2", 1, yesNo)},
			answers: map[string]Answer{"a": one("na"), "b": one("na"), "c": one("no")},
			check: func(t *testing.T, r Result) {
				eq(t, "overall", r.OverallBP, 0)
				eq(t, "coverage", r.CoverageBP, Full)
				eq(t, "sections", len(r.Sections), 2)
				eq(t, "s1 score", r.Sections[0].ScoreBP, 0)
				eq(t, "s1 applicable", r.Sections[0].ApplicableWeight, 0)
				eq(t, "s1 questions", r.Sections[0].Questions, 0)
			},
		},
		{
			name:    "empty",
			qs:      nil,
			answers: nil,
			check: func(t *testing.T, r Result) {
				eq(t, "version", r.Version, Version)
				eq(t, "overall", r.OverallBP, 0)
				eq(t, "coverage", r.CoverageBP, 0)
				eq(t, "questions", len(r.Questions), 0)
				eq(t, "sections", len(r.Sections), 0)
			},
		},
		{
			name:    "unanswered",
			qs:      []Question{q("a", "s1", 1, yesNo), q("b", "s1", 1, yesNo), q("c", "s1", 1, yesNo)},
			answers: map[string]Answer{"a": one("yes"), "c": {}}, // b missing, c empty
			check: func(t *testing.T, r Result) {
				k := byKey(r)
				eq(t, "overall", r.OverallBP, 3333)
				eq(t, "coverage", r.CoverageBP, 3333)
				eq(t, "answered", r.AnsweredWeight, 1)
				eq(t, "b outcome", string(k["b"].Outcome), string(OutcomeUnanswered))
				eq(t, "c outcome", string(k["c"].Outcome), string(OutcomeUnanswered))
				eq(t, "s1 answered", r.Sections[0].AnsweredWeight, 1)
			},
		},
		{
			name:    "weight_zero",
			qs:      []Question{q("a", "s1", 0, yesNo), q("b", "s1", 2, yesNo)},
			answers: map[string]Answer{"a": one("no"), "b": one("yes")},
			check: func(t *testing.T, r Result) {
				eq(t, "overall", r.OverallBP, Full)
				eq(t, "a outcome", string(byKey(r)["a"].Outcome), string(OutcomeUnscored))
				eq(t, "applicable", r.ApplicableWeight, 2)
			},
		},
		{
			name:    "informational",
			qs:      []Question{info, q("b", "s1", 1, yesNo)},
			answers: map[string]Answer{"notes": one("some free text"), "b": one("no")},
			check: func(t *testing.T, r Result) {
				eq(t, "overall", r.OverallBP, 0)
				eq(t, "coverage", r.CoverageBP, Full)
				eq(t, "notes outcome", string(byKey(r)["notes"].Outcome), string(OutcomeUnscored))
				eq(t, "applicable", r.ApplicableWeight, 1)
			},
		},
		{
			name: "largest_remainder",
			qs: []Question{
				q("a", "s1", 1, map[string]int{"v": 10}),
				q("b", "s1", 1, map[string]int{"v": 20}),
				q("c", "s1", 1, map[string]int{"v": 50}),
			},
			answers: map[string]Answer{"a": one("v"), "b": one("v"), "c": one("v")},
			check: func(t *testing.T, r Result) {
				// exact shares 333.33, 666.67, 1666.67: floors 333+666+1666 = 2665, overall 2667;
				// the two largest remainders (b, c) take the missing two points, not the first two (a, b).
				k := byKey(r)
				eq(t, "overall", r.OverallBP, 2667)
				eq(t, "a", k["a"].Contribution, 333)
				eq(t, "b", k["b"].Contribution, 667)
				eq(t, "c", k["c"].Contribution, 1667)
			},
		},
	}
}

func eq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func TestGolden(t *testing.T) {
	for _, c := range goldenCases() {
		t.Run(c.name, func(t *testing.T) {
			r := Score(c.qs, c.answers)
			sum := 0
			for _, s := range r.Questions {
				sum += s.Contribution
			}
			eq(t, "Σ contributions", sum, r.OverallBP)
			c.check(t, r)

			got, err := json.MarshalIndent(r, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", c.name+".golden")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("result differs from %s (run with -update if the change is intended):\n got: %s\nwant: %s", path, got, want)
			}
		})
	}
}
