package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/vendorrisk/vendorrisk/api"
)

// TestAssessmentSubmitListsEverythingMissing: submit is refused with 422 naming every missing required
// answer (answers.<key>) and every missing required evidence (evidence.<key>), and changes nothing.
func TestAssessmentSubmitListsEverythingMissing(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a := newAsmEnv(t, e)
		asm, secret := a.sent(t, "Missing KK")
		id := asm.ID
		// A submit of an untouched assessment lists every visible required question.
		r := a.submit(t, secret, id)
		wantProblem(t, r, http.StatusUnprocessableEntity)
		if got, want := asmSortedFields(r), asmSorted("answers.has_policy", "answers.uses_subs", "answers.hosting", "answers.staff_count", "answers.pentest"); !slices.Equal(got, want) {
			t.Errorf("untouched: fields %v, want %v", got, want)
		}

		a.mustSave(t, secret, id, av("has_policy", "yes"), av("uses_subs", "yes"), av("sub_audited", "yes"), av("pentest", "no"))
		r = a.submit(t, secret, id)
		wantProblem(t, r, http.StatusUnprocessableEntity)
		got := asmSortedFields(r)
		// sub_report is an evidence question: its answer is a file; either name says what is missing.
		got = slices.DeleteFunc(got, func(f string) bool {
			return f == "answers.sub_report" || f == "evidence.sub_report"
		})
		if want := asmSorted("evidence.has_policy", "answers.policy_date", "answers.sub_list", "answers.hosting", "answers.staff_count"); !slices.Equal(got, want) {
			t.Errorf("fields %v (sub_report aside), want %v", got, want)
		}
		if n := len(asmSortedFields(r)) - len(got); n != 1 {
			t.Errorf("the missing evidence question sub_report is named %d times in %v", n, asmSortedFields(r))
		}
		if v := a.supplierGet(t, secret, id); v.Status != "in_progress" || v.AnswersVersion != 2 {
			t.Errorf("a refused submit changed the assessment: %s, answers version %d", v.Status, v.AnswersVersion)
		}

		// Answers complete, evidence missing: only the evidence is listed.
		a.mustSave(t, secret, id, av("policy_date", "2024-12-01"), av("sub_list", "Acme DC"), av("hosting", "onprem"), av("staff_count", "3"))
		r = a.submit(t, secret, id)
		wantProblem(t, r, http.StatusUnprocessableEntity)
		got = asmSortedFields(r)
		rest := slices.DeleteFunc(slices.Clone(got), func(f string) bool { return f == "evidence.has_policy" })
		if len(got) != 2 || len(rest) != 1 || !strings.HasSuffix(rest[0], ".sub_report") {
			t.Errorf("evidence missing: fields %v, want evidence.has_policy and sub_report", got)
		}
		must(t, a.uploadFile(t, secret, id, "policy.pdf", pdfFile, "has_policy"), http.StatusCreated)
		r = a.submit(t, secret, id)
		wantProblem(t, r, http.StatusUnprocessableEntity)
		if got := asmSortedFields(r); len(got) != 1 || !strings.HasSuffix(got[0], ".sub_report") {
			t.Errorf("only sub_report missing: fields %v", got)
		}
		must(t, a.uploadFile(t, secret, id, "audit.pdf", []byte("%PDF-1.4 audit report"), "sub_report"), http.StatusCreated)
		var done api.SupplierAssessmentResponse
		must(t, a.submit(t, secret, id), http.StatusOK).into(t, &done)
		if done.Status != "submitted" || *done.Progress != (api.ProgressResponse{Visible: 11, Answered: 9, Required: 9, RequiredAnswered: 9}) {
			t.Errorf("submitted: %s %+v", done.Status, *done.Progress)
		}
	})
}

func asmSortedFields(r resp) []string {
	f := problemFields(r)
	slices.Sort(f)
	return f
}

func asmSorted(s ...string) []string {
	slices.Sort(s)
	return s
}

// TestAssessmentAnswerVersions: the answer set has a version; a stale If-Match is 412 and saves nothing.
func TestAssessmentAnswerVersions(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a := newAsmEnv(t, e)
		asm, secret := a.sent(t, "Versions KK")
		id := asm.ID
		r := must(t, a.save(t, secret, id, []map[string]any{av("hosting", "aws")}, "If-Match", `"1"`), http.StatusOK)
		if r.Header.Get("ETag") != `"2"` {
			t.Fatalf("ETag after the first save %q", r.Header.Get("ETag"))
		}
		before := a.snapshot(t, "/api/v1/assessments/"+id)
		for _, stale := range []string{`"1"`, `"3"`, `"0"`, `"abc"`, `W/"1"`, "1"} {
			t.Run("If-Match "+stale, func(t *testing.T) {
				wantProblem(t, a.save(t, secret, id, []map[string]any{av("hosting", "gcp"), av("notes", "lost")}, "If-Match", stale),
					http.StatusPreconditionFailed)
			})
		}
		if after := a.snapshot(t, "/api/v1/assessments/"+id); after != before {
			t.Errorf("a stale save changed the assessment:\n%s\n%s", before, after)
		}
		v := a.supplierGet(t, secret, id)
		if got := questionOf(t, v, "hosting").Answer; got == nil || got.Value != "aws" || questionOf(t, v, "notes").Answer != nil || v.AnswersVersion != 2 {
			t.Errorf("after stale saves: hosting %+v, notes %+v, version %d", got, questionOf(t, v, "notes").Answer, v.AnswersVersion)
		}
		// The current version (strong, weak, bare) and "*" are accepted.
		for i, tag := range []string{`"2"`, `W/"3"`, "4", "*"} {
			r := a.save(t, secret, id, []map[string]any{av("staff_count", string(rune('1'+i)))}, "If-Match", tag)
			must(t, r, http.StatusOK)
			if want := asmETag(3 + i); r.Header.Get("ETag") != want {
				t.Errorf("If-Match %s: ETag %q, want %s", tag, r.Header.Get("ETag"), want)
			}
		}
		// The assessment's own version (ETag of GET /assessments/{id}) is not the answers version.
		if got := a.adminGet(t, id); got.AnswersVersion != 6 {
			t.Errorf("answers_version %d, want 6", got.AnswersVersion)
		}
	})
}

// TestAssessmentHiddenQuestions: an answer to a hidden or unknown question is 422 naming it
// (answers[i].key) and the whole batch is refused; a follow-up revealed in the same batch is accepted;
// answers to questions that become hidden are kept but ignored for progress and submit.
func TestAssessmentHiddenQuestions(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a := newAsmEnv(t, e)
		core, coreSecret := a.sent(t, "Core KK", "depth", "core")
		full, fullSecret := a.sent(t, "Full KK", "depth", "core+extended")

		refused := []struct {
			name    string
			id      string
			secret  string
			answers []map[string]any
			field   string
		}{
			{"extended question at core depth", core.ID, coreSecret, []map[string]any{av("hosting", "aws"), av("pentest", "yes")}, "answers[1].key"},
			{"core follow-up of an extended question at core depth", core.ID, coreSecret, []map[string]any{av("pentest_fix", "x")}, "answers[0].key"},
			{"condition not met (parent unanswered)", full.ID, fullSecret, []map[string]any{av("hosting", "aws"), av("policy_date", "2024-01-01")}, "answers[1].key"},
			{"condition not met in the same batch", full.ID, fullSecret, []map[string]any{av("has_policy", "no"), av("policy_date", "2024-01-01")}, "answers[1].key"},
			{"nested condition, middle unanswered", full.ID, fullSecret, []map[string]any{av("uses_subs", "yes"), av("sub_list", "x"), av("sub_report", "x")}, "answers[2].key"},
			{"condition on a multi_choice not met", full.ID, fullSecret, []map[string]any{al("certs", "pci"), av("iso_scope", "all")}, "answers[1].key"},
			{"unknown question", full.ID, fullSecret, []map[string]any{av("nope", "yes")}, "answers[0].key"},
			{"the same key twice", full.ID, fullSecret, []map[string]any{av("hosting", "aws"), av("hosting", "gcp")}, "answers[1].key"},
			{"clearing an unknown question", full.ID, fullSecret, []map[string]any{{"key": "nope", "clear": true}}, "answers[0].key"},
		}
		for _, c := range refused {
			t.Run(c.name, func(t *testing.T) {
				before := a.snapshot(t, "/api/v1/assessments/"+c.id)
				r := a.save(t, c.secret, c.id, c.answers)
				wantProblem(t, r, http.StatusUnprocessableEntity, c.field)
				if after := a.snapshot(t, "/api/v1/assessments/"+c.id); after != before {
					t.Errorf("a refused batch saved something")
				}
			})
		}

		// Follow-ups revealed in the same batch, nested two deep, are accepted.
		v := a.mustSave(t, fullSecret, full.ID, av("uses_subs", "yes"), av("sub_audited", "yes"), av("sub_list", "Acme DC, Beta Cloud"),
			av("has_policy", "yes"), av("policy_date", "2024-06-01"), al("certs", "soc2"), av("iso_scope", "Tokyo region"))
		for _, k := range []string{"sub_list", "sub_audited", "sub_report", "policy_date", "iso_scope"} {
			questionOf(t, v, k)
		}
		must(t, a.uploadFile(t, fullSecret, full.ID, "audit.pdf", pdfFile, "sub_report", "has_policy"), http.StatusCreated)
		withSubs := *a.supplierGet(t, fullSecret, full.ID).Progress

		// uses_subs → no hides sub_list, sub_audited and (nested) sub_report: kept, but ignored.
		v = a.mustSave(t, fullSecret, full.ID, av("uses_subs", "no"))
		for _, k := range []string{"sub_list", "sub_audited", "sub_report"} {
			if slices.Contains(questionKeys(v), k) {
				t.Errorf("%s still visible after uses_subs=no", k)
			}
		}
		if p := *v.Progress; p.Visible != withSubs.Visible-3 || p.Required != withSubs.Required-3 || p.Answered != withSubs.Answered-3 {
			t.Errorf("progress with subs %+v, without %+v: the hidden answers still count", withSubs, p)
		}
		got := a.adminGet(t, full.ID)
		for _, k := range []string{"sub_list", "sub_audited"} {
			if ans, ok := answerOf(got, k); !ok || ans.Visible {
				t.Errorf("hidden answer %s: kept %v, visible %v (want kept, not visible)", k, ok, ans.Visible)
			}
		}
		// A hidden question cannot be answered, even though its old answer is kept.
		wantProblem(t, a.save(t, fullSecret, full.ID, []map[string]any{av("sub_list", "changed")}), http.StatusUnprocessableEntity, "answers[0].key")
		// Revealed again, the kept answers are back.
		v = a.mustSave(t, fullSecret, full.ID, av("uses_subs", "yes"))
		if ans := questionOf(t, v, "sub_list").Answer; ans == nil || ans.Value != "Acme DC, Beta Cloud" {
			t.Errorf("sub_list after revealing it again: %+v", ans)
		}
		if *v.Progress != withSubs {
			t.Errorf("progress after revealing again %+v, want %+v", *v.Progress, withSubs)
		}
		// Hidden again; submit ignores the hidden answers and does not ask for sub_* any more.
		a.mustSave(t, fullSecret, full.ID, av("uses_subs", "no"), av("hosting", "gcp"), av("staff_count", "40"), av("pentest", "no"))
		must(t, a.submit(t, fullSecret, full.ID), http.StatusOK)
		if got := a.adminGet(t, full.ID); got.Status != "submitted" {
			t.Errorf("status %s", got.Status)
		} else if ans, ok := answerOf(got, "sub_list"); !ok || ans.Visible || ans.Value != "Acme DC, Beta Cloud" {
			t.Errorf("the hidden answer after submit: %+v (kept %v)", ans, ok)
		}
		// Clearing an answer removes it.
		v = a.mustSave(t, coreSecret, core.ID, av("notes", "temporary"))
		v = a.mustSave(t, coreSecret, core.ID, map[string]any{"key": "notes", "clear": true})
		if ans := questionOf(t, v, "notes").Answer; ans != nil {
			t.Errorf("cleared answer still there: %+v", ans)
		}
	})
}

// TestAssessmentAnswerTypes checks each answer type's validation over HTTP. Every refused batch names
// the offending field and saves nothing.
func TestAssessmentAnswerTypes(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a := newAsmEnv(t, e)
		asm, secret := a.sent(t, "Types KK")
		id := asm.ID
		jaText := strings.Repeat("秘", 10000)
		tests := []struct {
			name    string
			answers []map[string]any
			status  int
			field   string // for 4xx: the fields errors[] must name, separated by |
		}{
			{"yes_no", []map[string]any{av("has_policy", "no")}, 200, ""},
			{"yes_no not an option", []map[string]any{av("has_policy", "maybe")}, 422, "answers[0].value"},
			{"yes_no na is not an option", []map[string]any{av("uses_subs", "na")}, 422, "answers[0].value"},
			{"yes_no as a list", []map[string]any{al("has_policy", "yes")}, 422, "answers[0].values"},
			{"yes_no without value", []map[string]any{{"key": "has_policy"}}, 422, "answers[0].value"},
			{"yes_no_na na", []map[string]any{av("uses_subs", "yes"), av("sub_audited", "na")}, 200, ""},
			{"yes_no_na other", []map[string]any{av("sub_audited", "n/a")}, 422, "answers[0].value"},
			{"single_choice", []map[string]any{av("hosting", "onprem")}, 200, ""},
			{"single_choice not in the list", []map[string]any{av("hosting", "azure")}, 422, "answers[0].value"},
			{"single_choice label instead of value", []map[string]any{av("hosting", "Label aws")}, 422, "answers[0].value"},
			{"multi_choice", []map[string]any{al("certs", "pci", "iso27001")}, 200, ""},
			{"multi_choice duplicates", []map[string]any{al("certs", "soc2", "pci", "soc2")}, 422, "answers[0].values[2]"},
			{"multi_choice not in the list", []map[string]any{al("certs", "soc2", "hipaa")}, 422, "answers[0].values[1]"},
			{"multi_choice empty", []map[string]any{al("certs")}, 422, "answers[0].values"},
			{"multi_choice as a value", []map[string]any{av("certs", "soc2")}, 422, "answers[0].value"},
			{"number", []map[string]any{av("staff_count", "1250")}, 200, ""},
			{"number decimal", []map[string]any{av("staff_count", "12.5")}, 200, ""},
			{"number words", []map[string]any{av("staff_count", "twelve")}, 422, "answers[0].value"},
			{"number empty", []map[string]any{av("staff_count", "")}, 422, "answers[0].value"},
			{"number with unit", []map[string]any{av("staff_count", "12 people")}, 422, "answers[0].value"},
			{"number overflow", []map[string]any{av("staff_count", "1e400")}, 422, "answers[0].value"},
			{"number NaN", []map[string]any{av("staff_count", "NaN")}, 422, "answers[0].value"},
			{"date", []map[string]any{av("has_policy", "yes"), av("policy_date", "2024-02-29")}, 200, ""},
			{"date impossible", []map[string]any{av("has_policy", "yes"), av("policy_date", "2025-02-29")}, 422, "answers[1].value"},
			{"date month 13", []map[string]any{av("has_policy", "yes"), av("policy_date", "2025-13-01")}, 422, "answers[1].value"},
			{"date other layout", []map[string]any{av("has_policy", "yes"), av("policy_date", "01/02/2025")}, 422, "answers[1].value"},
			{"date with time", []map[string]any{av("has_policy", "yes"), av("policy_date", "2025-01-02T00:00:00Z")}, 422, "answers[1].value"},
			{"text", []map[string]any{av("notes", "Two data centres in Tokyo and Osaka.")}, 200, ""},
			{"text 10000 characters", []map[string]any{av("notes", jaText)}, 200, ""},
			{"text 10001 characters", []map[string]any{av("notes", jaText+"x")}, 422, "answers[0].value"},
			{"text blank", []map[string]any{av("notes", "   ")}, 422, "answers[0].value"},
			{"value for an evidence question", []map[string]any{av("uses_subs", "yes"), av("sub_audited", "yes"), av("sub_report", "see the file")}, 422, "answers[2]"},
			{"value of the wrong JSON type", []map[string]any{{"key": "staff_count", "value": 12}}, 400, ""},
			{"unknown member", []map[string]any{{"key": "notes", "value": "x", "remark": "y"}}, 400, ""},
			{"with a comment", []map[string]any{{"key": "notes", "value": "x", "comment": "y"}}, 200, ""},
			{"comment too long", []map[string]any{{"key": "notes", "value": "x", "comment": strings.Repeat("c", 4001)}}, 422, "answers[0].comment"},
			{"several problems at once", []map[string]any{av("hosting", "azure"), av("staff_count", "x"), al("certs", "soc2", "soc2")}, 422, "answers[0].value|answers[1].value|answers[2].values[1]"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				before := a.supplierGet(t, secret, id).AnswersVersion
				r := a.save(t, secret, id, tc.answers)
				if tc.status == 200 {
					must(t, r, http.StatusOK)
					var v api.SupplierAssessmentResponse
					r.into(t, &v)
					if v.AnswersVersion != before+1 {
						t.Errorf("answers version %d after a save from %d", v.AnswersVersion, before)
					}
					for _, x := range tc.answers {
						ans := questionOf(t, v, x["key"].(string)).Answer
						if ans == nil {
							t.Fatalf("%s not saved", x["key"])
						}
						if want, ok := x["value"].(string); ok && ans.Value != want {
							t.Errorf("%s = %q, want %q", x["key"], ans.Value, want)
						}
						if want, ok := x["values"].([]string); ok && !slices.Equal(ans.Values, want) {
							t.Errorf("%s = %q, want %q", x["key"], ans.Values, want)
						}
					}
					return
				}
				if tc.field != "" {
					wantProblem(t, r, tc.status, strings.Split(tc.field, "|")...)
				} else {
					wantProblem(t, r, tc.status)
				}
				if after := a.supplierGet(t, secret, id).AnswersVersion; after != before {
					t.Errorf("a refused batch moved the answers version from %d to %d", before, after)
				}
			})
		}
	})
}
