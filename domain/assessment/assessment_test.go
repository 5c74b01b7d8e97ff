package assessment

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/questionnaire"
)

// lifecycle is the documented lifecycle (issue 5 and API.md), written out edge by edge independently
// of the transitions table in the code: draft → sent → in_progress (first answer saved) → submitted →
// under_review → returned → … → completed, and cancelled from any open state. The reviewer may return
// or complete a submitted assessment directly (the review puts it under review on the way), and the
// supplier may submit without a further save (a sent assessment with nothing required, or a returned
// one the supplier confirms unchanged).
var lifecycle = map[[2]Status]bool{
	{StatusDraft, StatusSent}:            true,
	{StatusDraft, StatusCancelled}:       true,
	{StatusSent, StatusInProgress}:       true,
	{StatusSent, StatusSubmitted}:        true,
	{StatusSent, StatusCancelled}:        true,
	{StatusInProgress, StatusSubmitted}:  true,
	{StatusInProgress, StatusCancelled}:  true,
	{StatusSubmitted, StatusUnderReview}: true,
	{StatusSubmitted, StatusReturned}:    true,
	{StatusSubmitted, StatusCompleted}:   true,
	{StatusSubmitted, StatusCancelled}:   true,
	{StatusUnderReview, StatusReturned}:  true,
	{StatusUnderReview, StatusCompleted}: true,
	{StatusUnderReview, StatusCancelled}: true,
	{StatusReturned, StatusInProgress}:   true,
	{StatusReturned, StatusSubmitted}:    true,
	{StatusReturned, StatusCancelled}:    true,
	// Everything else is refused, in particular: nothing leaves completed or cancelled, nothing goes
	// back to draft, a status never "transitions" to itself, and a reviewer cannot skip submission.
}

func TestCanTransitionEveryPair(t *testing.T) {
	all := append(slices.Clone(Statuses), "bogus", "")
	if len(Statuses) != 8 {
		t.Fatalf("Statuses has %d entries, the lifecycle documents 8: %v", len(Statuses), Statuses)
	}
	allowed := 0
	for _, from := range all {
		for _, to := range all {
			want := lifecycle[[2]Status{from, to}]
			if want {
				allowed++
			}
			t.Run(fmt.Sprintf("%s->%s", from, to), func(t *testing.T) {
				if got := CanTransition(from, to); got != want {
					t.Errorf("CanTransition(%q, %q) = %v, want %v", from, to, got, want)
				}
			})
		}
	}
	if allowed != 17 {
		t.Fatalf("the expectation table lists %d allowed edges, want 17", allowed)
	}
}

func TestStatusPredicates(t *testing.T) {
	tests := []struct {
		s                      Status
		open, editable, awaits bool
	}{
		{StatusDraft, true, false, false},
		{StatusSent, true, true, true},
		{StatusInProgress, true, true, true},
		{StatusSubmitted, true, false, false},
		{StatusUnderReview, true, false, false},
		{StatusReturned, true, true, true},
		{StatusCompleted, false, false, false},
		{StatusCancelled, false, false, false},
	}
	if len(tests) != len(Statuses) {
		t.Fatalf("table covers %d statuses, there are %d", len(tests), len(Statuses))
	}
	for _, tc := range tests {
		if got := tc.s.Open(); got != tc.open {
			t.Errorf("%s.Open() = %v, want %v", tc.s, got, tc.open)
		}
		if got := tc.s.SupplierEditable(); got != tc.editable {
			t.Errorf("%s.SupplierEditable() = %v, want %v", tc.s, got, tc.editable)
		}
		if got := tc.s.AwaitsSupplier(); got != tc.awaits {
			t.Errorf("%s.AwaitsSupplier() = %v, want %v", tc.s, got, tc.awaits)
		}
		// Cancellation is allowed exactly from the open states.
		if got := CanTransition(tc.s, StatusCancelled); got != tc.open {
			t.Errorf("CanTransition(%s, cancelled) = %v, want %v (open)", tc.s, got, tc.open)
		}
	}
}

// Template builders.

func opt(v string) questionnaire.Option {
	return questionnaire.Option{Value: v, Label: questionnaire.Text{EN: v, JA: v}, Score: 50}
}

var yesNo = []questionnaire.Option{opt("yes"), opt("no")}

func q(key string, typ questionnaire.Type, required bool, depth questionnaire.Depth) questionnaire.Question {
	out := questionnaire.Question{Key: key, Text: questionnaire.Text{EN: key, JA: key}, Type: typ, Required: required,
		Depth: depth, Evidence: questionnaire.Evidence{Mode: questionnaire.EvidenceNone}, Weight: 5,
		Severity: domain.SeverityMedium, ThreatCategory: questionnaire.ThreatExternal}
	switch typ {
	case questionnaire.TypeYesNo:
		out.Options = yesNo
	case questionnaire.TypeYesNoNA:
		out.Options = []questionnaire.Option{opt("yes"), opt("no"), opt("na")}
	case questionnaire.TypeSingleChoice:
		out.Options = []questionnaire.Option{opt("aws"), opt("gcp"), opt("onprem")}
	case questionnaire.TypeMultiChoice:
		out.Options = []questionnaire.Option{opt("iso27001"), opt("soc2"), opt("pci")}
	}
	return out
}

func when(qq questionnaire.Question, on string, anyOf ...string) questionnaire.Question {
	qq.Condition = &questionnaire.Condition{Question: on, AnyOf: anyOf}
	return qq
}

func evidenceWhen(qq questionnaire.Question, answers ...string) questionnaire.Question {
	qq.Evidence = questionnaire.Evidence{Mode: questionnaire.EvidenceWhenAnswer, WhenAnswer: answers}
	return qq
}

func evidenceAlways(qq questionnaire.Question) questionnaire.Question {
	qq.Evidence = questionnaire.Evidence{Mode: questionnaire.EvidenceAlways}
	return qq
}

const core, ext = questionnaire.DepthCore, questionnaire.DepthExtended

// testTemplate has depth, a chain of nested conditions (uses_subs → sub_audited → sub_report), a
// condition on a multi_choice, an extended question that reveals a core one, and evidence rules.
func testTemplate() questionnaire.Template {
	return questionnaire.Template{ID: domain.NewID(), FamilyID: domain.NewID(), Number: 1,
		Name: questionnaire.Text{EN: "Test", JA: "テスト"}, Status: questionnaire.StatusPublished,
		Sections: []questionnaire.Section{
			{Key: "general", Questions: []questionnaire.Question{
				evidenceWhen(q("has_policy", questionnaire.TypeYesNo, true, core), "yes"),
				when(q("policy_date", questionnaire.TypeDate, true, core), "has_policy", "yes"),
				q("uses_subs", questionnaire.TypeYesNo, true, core),
				when(q("sub_list", questionnaire.TypeText, true, core), "uses_subs", "yes"),
				when(q("sub_audited", questionnaire.TypeYesNoNA, true, core), "uses_subs", "yes"),
				when(q("sub_report", questionnaire.TypeEvidence, true, core), "sub_audited", "yes"),
				q("hosting", questionnaire.TypeSingleChoice, true, core),
				q("certs", questionnaire.TypeMultiChoice, false, core),
				when(q("iso_scope", questionnaire.TypeText, false, core), "certs", "iso27001", "soc2"),
				q("staff_count", questionnaire.TypeNumber, true, core),
				q("notes", questionnaire.TypeText, false, core),
			}},
			{Key: "extended", Questions: []questionnaire.Question{
				q("pentest", questionnaire.TypeYesNo, true, ext),
				when(q("pentest_fix", questionnaire.TypeText, true, core), "pentest", "yes"),
				evidenceAlways(q("isms_doc", questionnaire.TypeText, false, ext)),
			}},
		}}
}

func testAssessment(depth questionnaire.Coverage, answers map[string]Answer) Assessment {
	if answers == nil {
		answers = map[string]Answer{}
	}
	return Assessment{ID: domain.NewID(), Template: testTemplate(), Depth: depth, Status: StatusInProgress, Answers: answers,
		DueDate: time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)}
}

// ans builds an answer map from key=value pairs; a value with "|" is a multi_choice list.
func ans(kv ...string) map[string]Answer {
	out := map[string]Answer{}
	for _, s := range kv {
		k, v, _ := strings.Cut(s, "=")
		if strings.Contains(v, "|") {
			out[k] = Answer{Key: k, Values: strings.Split(v, "|")}
			continue
		}
		out[k] = Answer{Key: k, Value: v}
	}
	return out
}

func keys(qs []questionnaire.Question) []string {
	out := make([]string, len(qs))
	for i, qq := range qs {
		out[i] = qq.Key
	}
	return out
}

var baseCore = []string{"has_policy", "uses_subs", "hosting", "certs", "staff_count", "notes"}

func with(base []string, extra ...string) []string {
	// keep template order
	order := keys(testTemplate().Questions())
	set := map[string]bool{}
	for _, k := range append(slices.Clone(base), extra...) {
		set[k] = true
	}
	var out []string
	for _, k := range order {
		if set[k] {
			out = append(out, k)
		}
	}
	return out
}

func TestVisible(t *testing.T) {
	baseExt := with(baseCore, "pentest", "isms_doc")
	tests := []struct {
		name    string
		depth   questionnaire.Coverage
		answers map[string]Answer
		want    []string
	}{
		{"core, nothing answered", questionnaire.CoverageCore, nil, baseCore},
		{"core+extended, nothing answered", questionnaire.CoverageCoreExtended, nil, baseExt},
		{"condition met", questionnaire.CoverageCore, ans("has_policy=yes"), with(baseCore, "policy_date")},
		{"condition not met", questionnaire.CoverageCore, ans("has_policy=no"), baseCore},
		{"first level of a chain", questionnaire.CoverageCore, ans("uses_subs=yes"), with(baseCore, "sub_list", "sub_audited")},
		{"nested condition met", questionnaire.CoverageCore, ans("uses_subs=yes", "sub_audited=yes"), with(baseCore, "sub_list", "sub_audited", "sub_report")},
		{"nested condition, other answer", questionnaire.CoverageCore, ans("uses_subs=yes", "sub_audited=na"), with(baseCore, "sub_list", "sub_audited")},
		// sub_audited keeps its saved "yes", but its parent is hidden now: the whole chain is hidden.
		{"parent hidden hides the chain", questionnaire.CoverageCore, ans("uses_subs=no", "sub_audited=yes"), baseCore},
		{"condition on a multi_choice (any of)", questionnaire.CoverageCore, ans("certs=pci|soc2"), with(baseCore, "iso_scope")},
		{"condition on a multi_choice, no match", questionnaire.CoverageCore, ans("certs=pci"), baseCore},
		// pentest_fix is a core question behind an extended one: at core depth pentest is not asked,
		// so its saved answer cannot reveal anything.
		{"extended parent at core depth", questionnaire.CoverageCore, ans("pentest=yes"), baseCore},
		{"extended parent at core+extended", questionnaire.CoverageCoreExtended, ans("pentest=yes"), with(baseExt, "pentest_fix")},
		{"unknown keys are ignored", questionnaire.CoverageCore, ans("nope=yes"), baseCore},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := testAssessment(tc.depth, tc.answers)
			if got := keys(a.Visible(tc.answers)); !slices.Equal(got, tc.want) {
				t.Errorf("Visible = %v\nwant      %v", got, tc.want)
			}
		})
	}
}

func fieldsOf(err error) []string {
	var de *domain.Error
	if !errors.As(err, &de) {
		return nil
	}
	out := make([]string, len(de.Fields))
	for i, f := range de.Fields {
		out[i] = f.Field
	}
	return out
}

func TestCheckAnswer(t *testing.T) {
	tpl := testTemplate()
	byKey := map[string]questionnaire.Question{}
	for _, qq := range tpl.Questions() {
		byKey[qq.Key] = qq
	}
	long := strings.Repeat("あ", maxText)
	tests := []struct {
		name   string
		key    string
		answer Answer
		fields []string // nil: valid
	}{
		{"yes_no yes", "has_policy", Answer{Value: "yes"}, nil},
		{"yes_no not an option", "has_policy", Answer{Value: "maybe"}, []string{"a.value"}},
		{"yes_no empty", "has_policy", Answer{}, []string{"a.value"}},
		{"yes_no case matters", "has_policy", Answer{Value: "Yes"}, []string{"a.value"}},
		{"yes_no with a list", "has_policy", Answer{Value: "yes", Values: []string{"yes"}}, []string{"a.values"}},
		{"yes_no_na na", "sub_audited", Answer{Value: "na"}, nil},
		{"yes_no has no na", "uses_subs", Answer{Value: "na"}, []string{"a.value"}},
		{"single_choice option", "hosting", Answer{Value: "gcp"}, nil},
		{"single_choice not an option", "hosting", Answer{Value: "azure"}, []string{"a.value"}},
		{"multi_choice one", "certs", Answer{Values: []string{"soc2"}}, nil},
		{"multi_choice all", "certs", Answer{Values: []string{"iso27001", "soc2", "pci"}}, nil},
		{"multi_choice duplicate", "certs", Answer{Values: []string{"soc2", "pci", "soc2"}}, []string{"a.values[2]"}},
		{"multi_choice unknown", "certs", Answer{Values: []string{"soc2", "hipaa"}}, []string{"a.values[1]"}},
		{"multi_choice empty", "certs", Answer{}, []string{"a.values"}},
		{"multi_choice with a value", "certs", Answer{Value: "soc2", Values: []string{"soc2"}}, []string{"a.value"}},
		{"number integer", "staff_count", Answer{Value: "42"}, nil},
		{"number decimal and negative", "staff_count", Answer{Value: "-1.5"}, nil},
		{"number exponent", "staff_count", Answer{Value: "1e3"}, nil},
		{"number words", "staff_count", Answer{Value: "forty"}, []string{"a.value"}},
		{"number empty", "staff_count", Answer{Value: ""}, []string{"a.value"}},
		{"number NaN", "staff_count", Answer{Value: "NaN"}, []string{"a.value"}},
		{"number Inf", "staff_count", Answer{Value: "Inf"}, []string{"a.value"}},
		{"number too large", "staff_count", Answer{Value: "1e16"}, []string{"a.value"}},
		{"date", "policy_date", Answer{Value: "2024-02-29"}, nil},
		{"date not a day", "policy_date", Answer{Value: "2025-02-29"}, []string{"a.value"}},
		{"date other layout", "policy_date", Answer{Value: "29/02/2024"}, []string{"a.value"}},
		{"date with time", "policy_date", Answer{Value: "2024-02-29T10:00:00Z"}, []string{"a.value"}},
		{"text", "notes", Answer{Value: "We use two data centres."}, nil},
		{"text at the limit (runes)", "notes", Answer{Value: long}, nil},
		{"text over the limit", "notes", Answer{Value: long + "a"}, []string{"a.value"}},
		{"text blank", "notes", Answer{Value: "  \n\t"}, []string{"a.value"}},
		{"evidence question takes no value", "sub_report", Answer{Value: "see attached"}, []string{"a"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			qq, ok := byKey[tc.key]
			if !ok {
				t.Fatalf("no question %q", tc.key)
			}
			var v domain.Validator
			checkAnswer(&v, "a", qq, tc.answer)
			err := v.Err()
			if tc.fields == nil {
				if err != nil {
					t.Fatalf("valid answer refused: %v", err)
				}
				return
			}
			if domain.KindOf(err) != domain.KindInvalid {
				t.Fatalf("err = %v, want an invalid error naming %v", err, tc.fields)
			}
			if got := fieldsOf(err); !slices.Equal(got, tc.fields) {
				t.Errorf("fields %v, want %v (%v)", got, tc.fields, err)
			}
		})
	}
}

func TestProgressOf(t *testing.T) {
	ev := func(keys ...string) []Evidence { return []Evidence{{ID: domain.NewID(), QuestionKeys: keys}} }
	tests := []struct {
		name    string
		depth   questionnaire.Coverage
		answers map[string]Answer
		ev      []Evidence
		want    Progress
	}{
		// core visible: has_policy*, uses_subs*, hosting*, certs, staff_count*, notes (* required)
		{"nothing", questionnaire.CoverageCore, nil, nil, Progress{Visible: 6, Answered: 0, Required: 4, RequiredAnswered: 0}},
		{"an optional answer", questionnaire.CoverageCore, ans("notes=x"), nil, Progress{Visible: 6, Answered: 1, Required: 4, RequiredAnswered: 0}},
		{"revealing adds required questions", questionnaire.CoverageCore, ans("has_policy=yes", "uses_subs=yes"), nil,
			Progress{Visible: 9, Answered: 2, Required: 7, RequiredAnswered: 2}},
		{"evidence answers an evidence question", questionnaire.CoverageCore, ans("uses_subs=yes", "sub_audited=yes"), ev("sub_report"),
			Progress{Visible: 9, Answered: 3, Required: 7, RequiredAnswered: 3}},
		{"evidence for another question does not count", questionnaire.CoverageCore, ans("uses_subs=yes", "sub_audited=yes"), ev("hosting"),
			Progress{Visible: 9, Answered: 2, Required: 7, RequiredAnswered: 2}},
		// Answers to questions that became hidden stay saved but are not counted.
		{"hidden answers are ignored", questionnaire.CoverageCore, ans("uses_subs=no", "sub_list=a", "sub_audited=yes", "pentest=yes", "pentest_fix=x"), nil,
			Progress{Visible: 6, Answered: 1, Required: 4, RequiredAnswered: 1}},
		{"core+extended", questionnaire.CoverageCoreExtended, ans("pentest=yes", "pentest_fix=done", "isms_doc=x"), nil,
			Progress{Visible: 9, Answered: 3, Required: 6, RequiredAnswered: 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := testAssessment(tc.depth, tc.answers)
			if got := ProgressOf(a, tc.ev); got != tc.want {
				t.Errorf("ProgressOf = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestMissing(t *testing.T) {
	tests := []struct {
		name    string
		depth   questionnaire.Coverage
		answers map[string]Answer
		ev      []Evidence
		want    []string // nil: complete
	}{
		{"nothing", questionnaire.CoverageCore, nil, nil, []string{"answers.has_policy", "answers.uses_subs", "answers.hosting", "answers.staff_count"}},
		{"evidence when the answer asks for it", questionnaire.CoverageCore, ans("has_policy=yes", "policy_date=2024-01-01", "uses_subs=no", "hosting=aws", "staff_count=3"), nil,
			[]string{"evidence.has_policy"}},
		{"no evidence when the answer does not ask for it", questionnaire.CoverageCore, ans("has_policy=no", "uses_subs=no", "hosting=aws", "staff_count=3"), nil, nil},
		{"evidence given", questionnaire.CoverageCore, ans("has_policy=yes", "policy_date=2024-01-01", "uses_subs=no", "hosting=aws", "staff_count=3"),
			[]Evidence{{QuestionKeys: []string{"has_policy"}}}, nil},
		{"revealed follow-ups are required", questionnaire.CoverageCore, ans("has_policy=no", "uses_subs=yes", "sub_audited=yes", "hosting=aws", "staff_count=3"), nil,
			[]string{"answers.sub_list", "answers.sub_report"}},
		{"hidden answers are ignored", questionnaire.CoverageCore, ans("has_policy=no", "uses_subs=no", "sub_audited=yes", "hosting=aws", "staff_count=3"), nil, nil},
		{"always-evidence on an unanswered optional question", questionnaire.CoverageCoreExtended,
			ans("has_policy=no", "uses_subs=no", "hosting=aws", "staff_count=3", "pentest=no"), nil, []string{"evidence.isms_doc"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := missing(testAssessment(tc.depth, tc.answers), tc.ev)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("missing = %v, want nil", err)
				}
				return
			}
			if domain.KindOf(err) != domain.KindInvalid {
				t.Fatalf("missing = %v, want invalid", err)
			}
			if got := fieldsOf(err); !slices.Equal(got, tc.want) {
				t.Errorf("fields %v, want %v", got, tc.want)
			}
		})
	}
}

func TestDueAt(t *testing.T) {
	due := time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		now    string
		status Status
		want   Due
	}{
		{"2025-06-01T12:00:00Z", StatusSent, Due{Overdue: false, DueInDays: 29}},
		{"2025-06-29T23:59:59Z", StatusSent, Due{Overdue: false, DueInDays: 1}},
		{"2025-06-30T00:00:00Z", StatusInProgress, Due{Overdue: false, DueInDays: 0}},
		{"2025-06-30T23:59:59Z", StatusReturned, Due{Overdue: false, DueInDays: 0}},
		{"2025-07-01T00:00:00Z", StatusSent, Due{Overdue: true, DueInDays: -1}},
		{"2025-07-01T08:00:00+09:00", StatusSent, Due{Overdue: false, DueInDays: 0}}, // still 30 June in UTC
		{"2025-07-10T00:00:00Z", StatusReturned, Due{Overdue: true, DueInDays: -10}},
		{"2025-07-10T00:00:00Z", StatusDraft, Due{Overdue: false, DueInDays: -10}},
		{"2025-07-10T00:00:00Z", StatusSubmitted, Due{Overdue: false, DueInDays: -10}},
		{"2025-07-10T00:00:00Z", StatusUnderReview, Due{Overdue: false, DueInDays: -10}},
		{"2025-07-10T00:00:00Z", StatusCompleted, Due{Overdue: false, DueInDays: -10}},
		{"2025-07-10T00:00:00Z", StatusCancelled, Due{Overdue: false, DueInDays: -10}},
	}
	for _, tc := range tests {
		a := Assessment{DueDate: due, Status: tc.status}
		if got := a.DueAt(at(tc.now)); got != tc.want {
			t.Errorf("%s %s: DueAt = %+v, want %+v", tc.status, tc.now, got, tc.want)
		}
	}
}
