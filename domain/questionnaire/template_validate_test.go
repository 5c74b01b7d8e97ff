package questionnaire

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/vendorrisk/vendorrisk/domain"
)

// knownRefs are the control references the test resolver knows.
var knownRefs = map[string]bool{"iso27001-2022:5.1": true, "iso27001-2022:5.18": true, "iso27001-2022:8.5": true}

func testResolver(_ context.Context, ref string) (bool, error) { return knownRefs[ref], nil }

// validTemplate is a template that passes strict validation. Every test gets a fresh copy.
//
//	sections[0] governance: has_policy (yes_no), policy_scope (single_choice, condition on has_policy), policy_notes (text)
//	sections[1] access:     access_review (yes_no_na, condition on policy_scope), mfa (multi_choice)
func validTemplate() Template {
	opt := func(v string, score int) Option {
		return Option{Value: v, Label: Text{EN: v, JA: v + "（日本語）"}, Score: score}
	}
	return Template{
		Key:         "test-template",
		Name:        Text{EN: "Test", JA: "テスト"},
		Description: Text{EN: "A test template", JA: "テスト用"},
		VendorKinds: []string{"contractor", "cloud_provider"},
		Sections: []Section{
			{Key: "governance", Title: Text{EN: "Governance", JA: "ガバナンス"}, Questions: []Question{
				{Key: "has_policy", Text: Text{EN: "Policy?", JA: "方針は？"}, Type: TypeYesNo, Options: []Option{yes, no},
					Weight: 5, Required: true, Evidence: Evidence{Mode: EvidenceNone}, Severity: domain.SeverityHigh,
					ThreatCategory: ThreatExternal, ControlRefs: []string{"iso27001-2022:5.1"}, Depth: DepthCore},
				{Key: "policy_scope", Text: Text{EN: "Scope?", JA: "範囲は？"}, Help: Text{EN: "help", JA: "ヘルプ"},
					Type: TypeSingleChoice, Options: []Option{opt("all", 100), opt("some", 50), opt("none", 0)}, Weight: 3,
					Evidence: Evidence{Mode: EvidenceWhenAnswer, WhenAnswer: []string{"all"}}, Severity: domain.SeverityMedium,
					ThreatCategory: ThreatInternalError, ControlRefs: []string{"iso27001-2022:5.1"},
					Condition: &Condition{Question: "has_policy", AnyOf: []string{"yes"}}, Depth: DepthExtended},
				{Key: "policy_notes", Text: Text{EN: "Notes", JA: "備考"}, Type: TypeText, Weight: 0,
					Evidence: Evidence{Mode: EvidenceNone}, Severity: domain.SeverityLow, ThreatCategory: ThreatAccidental, Depth: DepthExtended},
			}},
			{Key: "access", Title: Text{EN: "Access", JA: "アクセス"}, Questions: []Question{
				{Key: "access_review", Text: Text{EN: "Reviews?", JA: "レビューは？"}, Type: TypeYesNoNA, Weight: 10, Required: true,
					Evidence: Evidence{Mode: EvidenceAlways}, Severity: domain.SeverityCritical, ThreatCategory: ThreatInternalMalicious,
					ControlRefs: []string{"iso27001-2022:5.18"}, Condition: &Condition{Question: "policy_scope", AnyOf: []string{"all", "some"}},
					Depth: DepthCore},
				{Key: "mfa", Text: Text{EN: "MFA for?", JA: "多要素認証の対象は？"}, Type: TypeMultiChoice,
					Options: []Option{opt("admins", 60), opt("users", 40)}, Weight: 8, Evidence: Evidence{Mode: EvidenceNone},
					Severity: domain.SeverityHigh, ThreatCategory: ThreatExternal, ControlRefs: []string{"iso27001-2022:8.5"}, Depth: DepthCore},
			}},
		},
	}
}

// fieldsOf returns the field paths an error names, in order.
func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var de *domain.Error
	if !errors.As(err, &de) || de.Kind != domain.KindInvalid {
		t.Fatalf("err = %v, want a domain Invalid error", err)
	}
	out := make([]string, len(de.Fields))
	for i, f := range de.Fields {
		out[i] = f.Field
	}
	return out
}

func TestValidTemplatePasses(t *testing.T) {
	for _, strict := range []bool{false, true} {
		tpl := validTemplate()
		if err := tpl.validate(t.Context(), testResolver, strict); err != nil {
			t.Fatalf("strict=%v: the fixture is invalid: %v", strict, err)
		}
	}
}

// TestValidateRules breaks one rule at a time and checks that exactly that rule's path is reported,
// both for a draft (lenient) and at publish (strict), unless the rule applies to publishing only.
func TestValidateRules(t *testing.T) {
	q := func(tpl *Template, s, i int) *Question { return &tpl.Sections[s].Questions[i] }
	cases := []struct {
		name       string
		mutate     func(*Template)
		want       []string // paths reported by strict validation
		strictOnly bool     // a draft may have this problem
		message    string   // when set, a part of the error's text (for rules sharing a path)
	}{
		{"duplicate question key across sections", func(tp *Template) { q(tp, 1, 0).Key = "has_policy" },
			[]string{"sections[1].questions[0].key"}, false, ""},
		{"duplicate question key in one section", func(tp *Template) { q(tp, 0, 2).Key = "has_policy" },
			[]string{"sections[0].questions[2].key"}, false, ""},
		{"bad question key", func(tp *Template) { q(tp, 1, 1).Key = "MFA-Key" },
			[]string{"sections[1].questions[1].key"}, false, ""},
		{"duplicate section key", func(tp *Template) { tp.Sections[1].Key = "governance" },
			[]string{"sections[1].key"}, false, ""},
		{"bad section key", func(tp *Template) { tp.Sections[0].Key = "1governance" },
			[]string{"sections[0].key"}, false, ""},
		{"condition pointing forward", func(tp *Template) {
			q(tp, 0, 0).Condition = &Condition{Question: "access_review", AnyOf: []string{"yes"}}
		}, []string{"sections[0].questions[0].condition.question"}, false, "comes earlier"},
		{"condition pointing forward in the same section", func(tp *Template) {
			q(tp, 0, 1).Condition = &Condition{Question: "policy_notes", AnyOf: []string{"yes"}}
		}, []string{"sections[0].questions[1].condition.question"}, false, ""},
		{"condition naming no question", func(tp *Template) { q(tp, 1, 0).Condition.Question = "nothing_here" },
			[]string{"sections[1].questions[0].condition.question"}, false, ""},
		{"condition on itself", func(tp *Template) { q(tp, 0, 1).Condition.Question = "policy_scope" },
			[]string{"sections[0].questions[1].condition.question"}, false, "cannot depend on itself"},
		{"condition on a text question", func(tp *Template) {
			q(tp, 1, 0).Condition = &Condition{Question: "policy_notes", AnyOf: []string{"all"}}
		}, []string{"sections[1].questions[0].condition.question"}, false, "must name a question with options"},
		{"condition any_of value not an option", func(tp *Template) { q(tp, 1, 0).Condition.AnyOf = []string{"all", "maybe"} },
			[]string{"sections[1].questions[0].condition.any_of[1]"}, false, ""},
		{"condition any_of value of a default yes/no", func(tp *Template) {
			q(tp, 0, 0).Options = nil // defaults: yes, no
			q(tp, 0, 1).Condition.AnyOf = []string{"na"}
		}, []string{"sections[0].questions[1].condition.any_of[0]"}, false, ""},
		{"condition any_of empty", func(tp *Template) { q(tp, 1, 0).Condition.AnyOf = nil },
			[]string{"sections[1].questions[0].condition.any_of"}, false, ""},
		{"option score 101", func(tp *Template) { q(tp, 0, 1).Options[1].Score = 101 },
			[]string{"sections[0].questions[1].options[1].score"}, false, ""},
		{"option score -1", func(tp *Template) { q(tp, 0, 1).Options[1].Score = -1 },
			[]string{"sections[0].questions[1].options[1].score"}, false, ""},
		{"option value twice", func(tp *Template) { q(tp, 1, 1).Options[1].Value = "admins" },
			[]string{"sections[1].questions[1].options[1].value"}, false, ""},
		{"option without an English label", func(tp *Template) { q(tp, 1, 1).Options[0].Label.EN = " " },
			[]string{"sections[1].questions[1].options[0].label.en"}, false, ""},
		{"yes_no with a wrong option", func(tp *Template) {
			q(tp, 0, 0).Options = []Option{yes, {Value: "maybe", Label: Text{EN: "Maybe"}, Score: 50}}
		}, []string{"sections[0].questions[0].options"}, false, ""},
		{"yes_no with options in the wrong order", func(tp *Template) { q(tp, 0, 0).Options = []Option{no, yes} },
			[]string{"sections[0].questions[0].options"}, false, ""},
		{"yes_no_na without na", func(tp *Template) { q(tp, 1, 0).Options = []Option{yes, no} },
			[]string{"sections[1].questions[0].options"}, false, ""},
		// access_review's condition names the removed option "some": that is reported too.
		{"single_choice with 1 option", func(tp *Template) { q(tp, 0, 1).Options = q(tp, 0, 1).Options[:1] },
			[]string{"sections[0].questions[1].options", "sections[1].questions[0].condition.any_of[1]"}, false, ""},
		{"multi_choice with 21 options", func(tp *Template) {
			var opts []Option
			for i := range 21 {
				v := "o" + strings.Repeat("x", i)
				opts = append(opts, Option{Value: v, Label: Text{EN: v}, Score: 10})
			}
			q(tp, 1, 1).Options = opts
		}, []string{"sections[1].questions[1].options"}, false, ""},
		{"options on a text question", func(tp *Template) {
			q(tp, 0, 2).Options = []Option{{Value: "a", Label: Text{EN: "A"}, Score: 1}}
		}, []string{"sections[0].questions[2].options"}, false, ""},
		{"unknown control ref", func(tp *Template) { q(tp, 1, 1).ControlRefs = []string{"iso27001-2022:99.99"} },
			[]string{"sections[1].questions[1].control_refs[0]"}, false, ""},
		{"unqualified control ref after a good one", func(tp *Template) {
			q(tp, 1, 1).ControlRefs = []string{"iso27001-2022:8.5", "8.5"}
		}, []string{"sections[1].questions[1].control_refs[1]"}, false, ""},
		{"weight 11", func(tp *Template) { q(tp, 1, 0).Weight = 11 },
			[]string{"sections[1].questions[0].weight"}, false, ""},
		{"weight -1", func(tp *Template) { q(tp, 1, 0).Weight = -1 },
			[]string{"sections[1].questions[0].weight"}, false, ""},
		{"bad severity", func(tp *Template) { q(tp, 0, 0).Severity = "severe" },
			[]string{"sections[0].questions[0].severity"}, false, ""},
		{"missing severity", func(tp *Template) { q(tp, 0, 0).Severity = "" },
			[]string{"sections[0].questions[0].severity"}, false, ""},
		{"bad threat_category", func(tp *Template) { q(tp, 0, 2).ThreatCategory = "aliens" },
			[]string{"sections[0].questions[2].threat_category"}, false, ""},
		{"bad depth", func(tp *Template) { q(tp, 1, 1).Depth = "deep" },
			[]string{"sections[1].questions[1].depth"}, false, ""},
		{"bad type", func(tp *Template) { q(tp, 0, 2).Type = "essay" },
			[]string{"sections[0].questions[2].type"}, false, ""},
		{"evidence when_answer with an unknown value", func(tp *Template) {
			q(tp, 0, 1).Evidence.WhenAnswer = []string{"all", "never"}
		}, []string{"sections[0].questions[1].evidence.when_answer[1]"}, false, ""},
		{"evidence when_answer empty", func(tp *Template) { q(tp, 0, 1).Evidence.WhenAnswer = nil },
			[]string{"sections[0].questions[1].evidence.when_answer"}, false, ""},
		{"evidence when_answer with mode always", func(tp *Template) { q(tp, 1, 0).Evidence.WhenAnswer = []string{"yes"} },
			[]string{"sections[1].questions[0].evidence.when_answer"}, false, ""},
		{"bad evidence mode", func(tp *Template) { q(tp, 1, 1).Evidence.Mode = "sometimes" },
			[]string{"sections[1].questions[1].evidence.mode"}, false, ""},
		{"bad vendor kind", func(tp *Template) { tp.VendorKinds = []string{"contractor", "bank"} },
			[]string{"vendor_kinds[1]"}, false, ""},
		{"missing name", func(tp *Template) { tp.Name.EN = "" }, []string{"name.en"}, false, ""},
		{"missing question text", func(tp *Template) { q(tp, 0, 0).Text.EN = "" },
			[]string{"sections[0].questions[0].text.en"}, false, ""},
		{"missing Japanese text at publish", func(tp *Template) { q(tp, 1, 1).Text.JA = "" },
			[]string{"sections[1].questions[1].text.ja"}, true, ""},
		{"blank Japanese text at publish", func(tp *Template) { q(tp, 0, 0).Text.JA = "  " },
			[]string{"sections[0].questions[0].text.ja"}, true, ""},
		{"empty template at publish", func(tp *Template) { tp.Sections = nil }, []string{"sections"}, true, ""},
		{"empty section at publish", func(tp *Template) {
			tp.Sections = append(tp.Sections, Section{Key: "empty", Title: Text{EN: "Empty"}})
		}, []string{"sections[2].questions"}, true, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tpl := validTemplate()
			tc.mutate(&tpl)
			err := tpl.validate(t.Context(), testResolver, true)
			if strict := fieldsOf(t, err); !slices.Equal(strict, tc.want) {
				t.Errorf("strict: fields %q, want %q", strict, tc.want)
			}
			if err != nil && !strings.Contains(err.Error(), tc.message) {
				t.Errorf("error %q does not say %q", err, tc.message)
			}
			var wantDraft []string
			if !tc.strictOnly {
				wantDraft = tc.want
			}
			if draft := fieldsOf(t, tpl.validate(t.Context(), testResolver, false)); !slices.Equal(draft, wantDraft) {
				t.Errorf("draft: fields %q, want %q", draft, wantDraft)
			}
		})
	}
}

// TestValidateReportsEveryProblem breaks many rules at once: publishing must name them all, in
// document order, not stop at the first.
func TestValidateReportsEveryProblem(t *testing.T) {
	tpl := validTemplate()
	tpl.Name.EN = ""
	g, a := tpl.Sections[0].Questions, tpl.Sections[1].Questions
	g[0].Condition = &Condition{Question: "mfa", AnyOf: []string{"admins"}} // forward
	g[1].Options[2].Score = 101
	g[1].Evidence.WhenAnswer = []string{"never"}
	g[2].Options = []Option{{Value: "x", Label: Text{EN: "X"}, Score: 1}}
	g[2].Text.JA = ""
	tpl.Sections[1].Key = "governance"
	a[0].Key = "has_policy"
	a[0].Weight = 11
	a[1].ControlRefs = []string{"iso27001-2022:8.5", "nist:nope"}
	a[1].Severity = "urgent"
	a[1].Depth = ""

	want := []string{
		"name.en",
		"sections[0].questions[0].condition.question",
		"sections[0].questions[1].options[2].score",
		"sections[0].questions[1].evidence.when_answer[0]",
		"sections[0].questions[2].text.ja",
		"sections[0].questions[2].options",
		"sections[1].key",
		"sections[1].questions[0].key",
		"sections[1].questions[0].weight",
		"sections[1].questions[1].severity",
		"sections[1].questions[1].depth",
		"sections[1].questions[1].control_refs[1]",
	}
	got := fieldsOf(t, tpl.validate(t.Context(), testResolver, true))
	if !slices.Equal(got, want) {
		t.Errorf("fields\n got %q\nwant %q", got, want)
	}
}

// TestValidateResolverError: a failing catalog lookup is reported at the reference's path, not as a
// lost error or a pass.
func TestValidateResolverError(t *testing.T) {
	tpl := validTemplate()
	broken := func(context.Context, string) (bool, error) { return false, errors.New("catalog down") }
	err := tpl.validate(t.Context(), broken, false)
	want := []string{
		"sections[0].questions[0].control_refs[0]", "sections[0].questions[1].control_refs[0]",
		"sections[1].questions[0].control_refs[0]", "sections[1].questions[1].control_refs[0]",
	}
	if got := fieldsOf(t, err); !slices.Equal(got, want) {
		t.Errorf("fields %q, want %q", got, want)
	}
	if !strings.Contains(err.Error(), "catalog down") {
		t.Errorf("error %q does not carry the resolver's error", err)
	}
}

// TestWithDefaults: yes/no questions without options get the default options and scores, and an
// empty evidence mode becomes none, so stored templates are explicit.
func TestWithDefaults(t *testing.T) {
	tpl := validTemplate()
	tpl.Sections[0].Questions[0].Options = nil
	tpl.Sections[0].Questions[2].Evidence.Mode = ""
	tpl.Sections[1].Questions[0].Options = nil
	tpl.withDefaults()
	values := func(q Question) (out []string) {
		for _, o := range q.Options {
			out = append(out, o.Value+"="+o.Label.EN+"/"+o.Label.JA+"/"+strconv.Itoa(o.Score))
		}
		return out
	}
	if got, want := values(tpl.Sections[0].Questions[0]), []string{"yes=Yes/はい/100", "no=No/いいえ/0"}; !slices.Equal(got, want) {
		t.Errorf("yes_no defaults %q, want %q", got, want)
	}
	if got := tpl.Sections[1].Questions[0].Options; len(got) != 3 || got[2].Value != "na" || got[0].Score != 100 || got[2].Score != 0 {
		t.Errorf("yes_no_na defaults %+v", got)
	}
	if m := tpl.Sections[0].Questions[2].Evidence.Mode; m != EvidenceNone {
		t.Errorf("evidence mode %q, want none", m)
	}
	if got := tpl.Sections[0].Questions[1].Options; len(got) != 3 || got[0].Value != "all" {
		t.Errorf("explicit options changed: %+v", got)
	}
	if got := tpl.Sections[0].Questions[2].Options; got != nil {
		t.Errorf("a text question got options %+v", got)
	}
}
