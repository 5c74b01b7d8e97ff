package assessment

import (
	"reflect"
	"slices"
	"testing"

	"github.com/vendorrisk/vendorrisk/domain/questionnaire"
	"github.com/vendorrisk/vendorrisk/domain/scoring"
)

func scoreOpt(v string, score int) questionnaire.Option {
	return questionnaire.Option{Value: v, Label: questionnaire.Text{EN: v}, Score: score}
}

func scoreQ(key string, typ questionnaire.Type, weight int, depth questionnaire.Depth, opts ...questionnaire.Option) questionnaire.Question {
	return questionnaire.Question{Key: key, Text: questionnaire.Text{EN: key}, Type: typ, Weight: weight, Depth: depth,
		Options: opts, ControlRefs: []string{"iso27001-2022:5.1"}}
}

// scoreTemplate: access (core: mfa yes/no ×3, its follow-up mfa_how ×2 shown only when mfa is "yes",
// backup yes/no/na ×2, notes text ×1) and extended (pentest yes/no ×5, tools multi ×1, both extended).
func scoreTemplate() questionnaire.Template {
	core, ext := questionnaire.DepthCore, questionnaire.DepthExtended
	mfaHow := scoreQ("mfa_how", questionnaire.TypeSingleChoice, 2, core, scoreOpt("hardware", 100), scoreOpt("sms", 50))
	mfaHow.Condition = &questionnaire.Condition{Question: "mfa", AnyOf: []string{"yes"}}
	return questionnaire.Template{
		ID: "tpl1", FamilyID: "fam1", Number: 1, Name: questionnaire.Text{EN: "Score test"},
		Status: questionnaire.StatusPublished,
		Sections: []questionnaire.Section{
			{Key: "access", Questions: []questionnaire.Question{
				scoreQ("mfa", questionnaire.TypeYesNo, 3, core, scoreOpt("yes", 100), scoreOpt("no", 0)),
				mfaHow,
				scoreQ("backup", questionnaire.TypeYesNoNA, 2, core, scoreOpt("yes", 100), scoreOpt("no", 0), scoreOpt("na", 0)),
				scoreQ("notes", questionnaire.TypeText, 1, core),
			}},
			{Key: "extended", Questions: []questionnaire.Question{
				scoreQ("pentest", questionnaire.TypeYesNo, 5, ext, scoreOpt("yes", 100), scoreOpt("no", 0)),
				scoreQ("tools", questionnaire.TypeMultiChoice, 1, ext, scoreOpt("siem", 100), scoreOpt("edr", 0)),
			}},
		},
	}
}

// frozen deep-copies a template, as issuing an assessment does.
func frozen(t questionnaire.Template) questionnaire.Template {
	t.Sections = slices.Clone(t.Sections)
	for i := range t.Sections {
		qs := slices.Clone(t.Sections[i].Questions)
		for j := range qs {
			qs[j].Options = slices.Clone(qs[j].Options)
			qs[j].ControlRefs = slices.Clone(qs[j].ControlRefs)
			if c := qs[j].Condition; c != nil {
				cc := *c
				cc.AnyOf = slices.Clone(c.AnyOf)
				qs[j].Condition = &cc
			}
		}
		t.Sections[i].Questions = qs
	}
	return t
}

func scoreAnswers(kv map[string]string, multi map[string][]string) map[string]Answer {
	out := map[string]Answer{}
	for k, v := range kv {
		out[k] = Answer{Key: k, Value: v}
	}
	for k, vs := range multi {
		out[k] = Answer{Key: k, Values: vs}
	}
	return out
}

func outcomes(r scoring.Result) map[string]scoring.Outcome {
	m := map[string]scoring.Outcome{}
	for _, q := range r.Questions {
		m[q.Key] = q.Outcome
	}
	return m
}

func TestScoreOf(t *testing.T) {
	// A: mfa yes → follow-up shown (sms: 5000); backup "na" → not applicable.
	ansA := scoreAnswers(map[string]string{"mfa": "yes", "mfa_how": "sms", "backup": "na", "notes": "we use okta", "pentest": "no"},
		map[string][]string{"tools": {"siem", "edr"}})
	// B: mfa no → follow-up hidden although a stale answer remains; backup yes.
	ansB := scoreAnswers(map[string]string{"mfa": "no", "mfa_how": "hardware", "backup": "yes", "notes": "x"}, nil)

	cases := []struct {
		name                          string
		depth                         questionnaire.Coverage
		answers                       map[string]Answer
		overall, coverage, applicable int
		sections                      []int // access, extended
		want                          map[string]scoring.Outcome
	}{
		{
			// (3×10000 + 2×5000) / 5 = 8000
			name: "A core", depth: questionnaire.CoverageCore, answers: ansA, overall: 8000, coverage: 10000, applicable: 5,
			sections: []int{8000, 0},
			want: map[string]scoring.Outcome{"mfa": scoring.OutcomeScored, "mfa_how": scoring.OutcomeScored,
				"backup": scoring.OutcomeNA, "notes": scoring.OutcomeUnscored,
				"pentest": scoring.OutcomeHidden, "tools": scoring.OutcomeHidden},
		},
		{
			// (30000 + 10000 + 5×0 + 1×5000) / 11 = 4090.9 → 4091
			name: "A core+extended", depth: questionnaire.CoverageCoreExtended, answers: ansA, overall: 4091, coverage: 10000, applicable: 11,
			sections: []int{8000, 833},
			want: map[string]scoring.Outcome{"mfa": scoring.OutcomeScored, "mfa_how": scoring.OutcomeScored,
				"backup": scoring.OutcomeNA, "notes": scoring.OutcomeUnscored,
				"pentest": scoring.OutcomeScored, "tools": scoring.OutcomeScored},
		},
		{
			// (3×0 + 2×10000) / 5 = 4000; mfa_how hidden by its condition
			name: "B core", depth: questionnaire.CoverageCore, answers: ansB, overall: 4000, coverage: 10000, applicable: 5,
			sections: []int{4000, 0},
			want: map[string]scoring.Outcome{"mfa": scoring.OutcomeScored, "mfa_how": scoring.OutcomeHidden,
				"backup": scoring.OutcomeScored, "notes": scoring.OutcomeUnscored},
		},
		{
			// pentest and tools unanswered count 0: 20000 / 11 = 1818.2 → 1818; coverage 5/11 → 4545
			name: "B core+extended", depth: questionnaire.CoverageCoreExtended, answers: ansB, overall: 1818, coverage: 4545, applicable: 11,
			sections: []int{4000, 0},
			want: map[string]scoring.Outcome{"mfa_how": scoring.OutcomeHidden,
				"pentest": scoring.OutcomeUnanswered, "tools": scoring.OutcomeUnanswered},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := Assessment{ID: "a1", Template: frozen(scoreTemplate()), Depth: c.depth, Status: StatusSubmitted, Answers: c.answers}
			r := ScoreOf(a, a.Answers)
			if r.Version != scoring.Version {
				t.Errorf("version %q", r.Version)
			}
			if r.OverallBP != c.overall || r.CoverageBP != c.coverage || r.ApplicableWeight != c.applicable {
				t.Errorf("overall %d coverage %d applicable %d, want %d %d %d", r.OverallBP, r.CoverageBP, r.ApplicableWeight, c.overall, c.coverage, c.applicable)
			}
			if len(r.Sections) != 2 || r.Sections[0].Key != "access" || r.Sections[1].Key != "extended" {
				t.Fatalf("sections %+v", r.Sections)
			}
			for i, want := range c.sections {
				if r.Sections[i].ScoreBP != want {
					t.Errorf("section %s = %d, want %d", r.Sections[i].Key, r.Sections[i].ScoreBP, want)
				}
			}
			got := outcomes(r)
			for k, want := range c.want {
				if got[k] != want {
					t.Errorf("%s: outcome %s, want %s", k, got[k], want)
				}
			}
			sum := 0
			for _, q := range r.Questions {
				sum += q.Contribution
			}
			if sum != r.OverallBP {
				t.Errorf("contributions sum to %d, overall %d", sum, r.OverallBP)
			}
		})
	}
}

// TestScoreOfFrozenTemplate: a completed assessment's score is computed from the frozen copy of the
// template version it was issued with; a new version of the template (here even edits made in place
// on a shallow copy of the original) does not change it.
func TestScoreOfFrozenTemplate(t *testing.T) {
	original := scoreTemplate()
	answers := scoreAnswers(map[string]string{"mfa": "yes", "mfa_how": "sms", "backup": "no", "notes": "n", "pentest": "yes"},
		map[string][]string{"tools": {"edr"}})
	a := Assessment{ID: "a1", Template: frozen(original), Depth: questionnaire.CoverageCoreExtended, Status: StatusCompleted, Answers: answers}
	before := ScoreOf(a, a.Answers)
	// 3×10000 + 2×5000 + 2×0 + 5×10000 + 1×0 = 90000 over 13 → 6923
	if before.OverallBP != 6923 {
		t.Fatalf("overall before %d, want 6923", before.OverallBP)
	}

	next := original // a shallow copy: shares the original's slices
	next.ID, next.Number = "tpl2", 2
	access := &next.Sections[0]
	access.Questions[0].Weight = 10                    // mfa weight
	access.Questions[1].Options[1].Score = 0           // sms now worth nothing
	access.Questions[1].Condition.AnyOf[0] = "no"      // follow-up now asked on "no"
	access.Questions[2].Type = questionnaire.TypeYesNo // backup loses its N/A
	next.Sections[1].Questions[0].Depth = questionnaire.DepthCore
	next.Sections = append(next.Sections, questionnaire.Section{Key: "new", Questions: []questionnaire.Question{
		scoreQ("new_q", questionnaire.TypeYesNo, 7, questionnaire.DepthCore, scoreOpt("yes", 100), scoreOpt("no", 0)),
	}})

	after := ScoreOf(a, a.Answers)
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("score of the completed assessment changed with the template:\nbefore %+v\nafter  %+v", before, after)
	}
	// The new version does score differently, so the edits above mattered.
	b := a
	b.Template = next
	if r := ScoreOf(b, b.Answers); r.OverallBP == before.OverallBP {
		t.Fatalf("the new version scores the same (%d): the test edits had no effect", r.OverallBP)
	}
}
