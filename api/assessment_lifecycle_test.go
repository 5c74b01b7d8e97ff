package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/domain/auth"
)

var asmSeq int

// inState builds an assessment (core depth) in the given status through the API, on a fresh
// engagement; secret is the supplier's key ("" for a draft and a cancelled one).
func (a *asmEnv) inState(t *testing.T, status string) (id, secret string) {
	t.Helper()
	asmSeq++
	_, eng := a.engagement(t, fmt.Sprintf("State %s %d KK", status, asmSeq))
	id = a.issue(t, eng, "depth", "core").ID
	if status == "draft" {
		return id, ""
	}
	if status == "cancelled" { // the key sent with it is revoked: the caller uses another key of the vendor
		a.send(t, id)
		must(t, a.do(t, "POST", "/api/v1/assessments/"+id+"/cancel", a.proc, nil), http.StatusOK)
		return id, ""
	}
	secret = a.send(t, id).SupplierKey.Secret
	if status == "sent" {
		return id, secret
	}
	a.mustSave(t, secret, id, av("has_policy", "no"), av("uses_subs", "no"), av("hosting", "aws"), av("staff_count", "5"))
	if status == "in_progress" {
		return id, secret
	}
	must(t, a.submit(t, secret, id), http.StatusOK)
	review := func(body map[string]any) {
		must(t, a.do(t, "POST", "/api/v1/assessments/"+id+"/review", a.proc, body), http.StatusOK)
	}
	switch status {
	case "submitted":
	case "under_review":
		must(t, a.do(t, "POST", "/api/v1/assessments/"+id+"/answer-reviews", a.proc,
			map[string]any{"reviews": []map[string]any{{"key": "hosting", "flag": "accepted"}}}), http.StatusOK)
	case "returned":
		review(map[string]any{"decision": "return", "comment": "Please add detail."})
	case "completed":
		review(map[string]any{"decision": "complete"})
	default:
		t.Fatalf("no recipe for status %q", status)
	}
	if got := a.adminGet(t, id).Status; got != status {
		t.Fatalf("built %s, got %s", status, got)
	}
	return id, secret
}

// TestAssessmentTransitionsOverHTTP tries every action in every status: allowed ones succeed, illegal
// ones are 409 naming the current status and change nothing; a draft is not there for the supplier.
func TestAssessmentTransitionsOverHTTP(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a := newAsmEnv(t, e)
		type action struct {
			name string
			do   func(id, secret string) resp
		}
		post := func(suffix string, body any) func(id, secret string) resp {
			return func(id, _ string) resp { return a.do(t, "POST", "/api/v1/assessments/"+id+suffix, a.proc, body) }
		}
		actions := []action{
			{"send", post("/send", nil)},
			{"cancel", post("/cancel", nil)},
			{"return", post("/review", map[string]any{"decision": "return", "comment": "More please."})},
			{"complete", post("/review", map[string]any{"decision": "complete"})},
			{"answer-reviews", post("/answer-reviews", map[string]any{"reviews": []map[string]any{{"key": "hosting", "flag": "accepted"}}})},
			{"save", func(id, secret string) resp { return a.save(t, secret, id, []map[string]any{av("notes", "n")}) }},
			{"upload", func(id, secret string) resp { return a.uploadFile(t, secret, id, "n.txt", []byte("n"), "notes") }},
			{"submit", func(id, secret string) resp { return a.submit(t, secret, id) }},
		}
		// want[status][action]: the expected HTTP status. 404 where the supplier cannot see a draft,
		// 422 where submit is legal but answers are missing.
		want := map[string]map[string]int{
			"draft":        {"send": 200, "cancel": 200, "return": 409, "complete": 409, "answer-reviews": 409, "save": 404, "upload": 404, "submit": 404},
			"sent":         {"send": 409, "cancel": 200, "return": 409, "complete": 409, "answer-reviews": 409, "save": 200, "upload": 201, "submit": 422},
			"in_progress":  {"send": 409, "cancel": 200, "return": 409, "complete": 409, "answer-reviews": 409, "save": 200, "upload": 201, "submit": 200},
			"submitted":    {"send": 409, "cancel": 200, "return": 200, "complete": 200, "answer-reviews": 200, "save": 409, "upload": 409, "submit": 409},
			"under_review": {"send": 409, "cancel": 200, "return": 200, "complete": 200, "answer-reviews": 200, "save": 409, "upload": 409, "submit": 409},
			"returned":     {"send": 409, "cancel": 200, "return": 409, "complete": 409, "answer-reviews": 409, "save": 200, "upload": 201, "submit": 200},
			"completed":    {"send": 409, "cancel": 409, "return": 409, "complete": 409, "answer-reviews": 409, "save": 409, "upload": 409, "submit": 409},
			"cancelled":    {"send": 409, "cancel": 409, "return": 409, "complete": 409, "answer-reviews": 409, "save": 409, "upload": 409, "submit": 409},
		}
		statuses := []string{"draft", "sent", "in_progress", "submitted", "under_review", "returned", "completed", "cancelled"}
		for _, st := range statuses {
			for _, act := range actions {
				t.Run(st+"/"+act.name, func(t *testing.T) {
					id, secret := a.inState(t, st)
					if secret == "" {
						secret = a.key(t, auth.RoleSupplier, a.adminGet(t, id).VendorID)
					}
					before := a.snapshot(t, "/api/v1/assessments/"+id)
					r := act.do(id, secret)
					expected := want[st][act.name]
					if expected >= 400 {
						wantProblem(t, r, expected)
						if after := a.snapshot(t, "/api/v1/assessments/"+id); after != before {
							t.Errorf("a refused %s changed the assessment", act.name)
						}
					} else if r.Status != expected {
						t.Errorf("%s in %s: %s, want %d", act.name, st, r, expected)
					}
					if expected == http.StatusConflict && !strings.Contains(r.str("detail"), "is "+st) {
						t.Errorf("409 detail %q does not name the current status %s", r.str("detail"), st)
					}
				})
			}
		}
	})
}

// TestAssessmentCancel: cancel revokes the supplier key (401 afterwards), honours If-Match, and the
// supplier's other keys see the assessment as cancelled and can change nothing.
func TestAssessmentCancel(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a := newAsmEnv(t, e)
		asm, secret := a.sent(t, "Cancelled KK")
		id := asm.ID
		a.mustSave(t, secret, id, av("notes", "started"))
		other := a.key(t, auth.RoleSupplier, asm.VendorID)
		keyID := a.adminGet(t, id).SupplierKeyID

		wantProblem(t, a.do(t, "POST", "/api/v1/assessments/"+id+"/cancel", a.proc, nil, "If-Match", `"1"`), http.StatusPreconditionFailed)
		a.supplierGet(t, secret, id) // still works: the refused cancel revoked nothing
		cur := must(t, a.do(t, "GET", "/api/v1/assessments/"+id, a.proc, nil), http.StatusOK).Header.Get("ETag")
		var cancelled api.AssessmentResponse
		must(t, a.do(t, "POST", "/api/v1/assessments/"+id+"/cancel", a.proc, nil, "If-Match", cur), http.StatusOK).into(t, &cancelled)
		if cancelled.Status != "cancelled" {
			t.Fatalf("status %s", cancelled.Status)
		}
		for _, path := range []string{"/api/v1/supplier/assessments/" + id, "/api/v1/supplier/assessments", "/api/v1/vendors/" + asm.VendorID} {
			wantProblem(t, a.do(t, "GET", path, secret, nil), http.StatusUnauthorized)
		}
		wantProblem(t, a.save(t, secret, id, []map[string]any{av("notes", "x")}), http.StatusUnauthorized)
		var key api.APIKeyResponse
		must(t, a.do(t, "GET", "/api/v1/api-keys/"+keyID, a.admin, nil), http.StatusOK).into(t, &key)
		if key.Active || key.RevokedAt == nil {
			t.Errorf("the supplier key after cancel: %+v", key)
		}
		// The vendor's other key: read-only, cancelled, answers kept.
		v := a.supplierGet(t, other, id)
		if v.Status != "cancelled" || questionOf(t, v, "notes").Answer == nil {
			t.Errorf("cancelled as the supplier sees it: %s", v.Status)
		}
		r := a.save(t, other, id, []map[string]any{av("notes", "x")})
		wantProblem(t, r, http.StatusConflict)
		// A draft has no key to revoke and cancels fine.
		_, eng := a.engagement(t, "Cancelled Draft KK")
		d := a.issue(t, eng)
		must(t, a.do(t, "POST", "/api/v1/assessments/"+d.ID+"/cancel", a.proc, nil), http.StatusOK)
		// Stale If-Match on send and review too.
		_, eng2 := a.engagement(t, "Stale Send KK")
		d2 := a.issue(t, eng2)
		wantProblem(t, a.do(t, "POST", "/api/v1/assessments/"+d2.ID+"/send", a.proc, nil, "If-Match", `"2"`), http.StatusPreconditionFailed)
		if got := a.adminGet(t, d2.ID); got.Status != "draft" || got.SupplierKeyID != "" {
			t.Errorf("a refused send changed the draft: %s key %q", got.Status, got.SupplierKeyID)
		}
		var sent api.SendResponse
		must(t, a.do(t, "POST", "/api/v1/assessments/"+d2.ID+"/send", a.proc, nil, "If-Match", `"1"`), http.StatusOK).into(t, &sent)

		// The supplier key expires the day after the due date plus 30 days.
		e.clock.Advance(sent.SupplierKey.ExpiresAt.Sub(e.clock.Now()) - time.Minute)
		a.supplierGet(t, sent.SupplierKey.Secret, d2.ID)
		e.clock.Advance(2 * time.Minute)
		wantProblem(t, a.do(t, "GET", "/api/v1/supplier/assessments/"+d2.ID, sent.SupplierKey.Secret, nil), http.StatusUnauthorized)
	})
}

// TestAssessmentReviewValidation: what the reviewer's endpoints refuse, and that a refused review
// leaves a submitted assessment submitted.
func TestAssessmentReviewValidation(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a := newAsmEnv(t, e)
		id, secret := a.inState(t, "submitted")
		reviews := "/api/v1/assessments/" + id + "/answer-reviews"
		decide := "/api/v1/assessments/" + id + "/review"
		rv := func(r ...map[string]any) map[string]any { return map[string]any{"reviews": r} }
		tests := []struct {
			name, path string
			body       any
			status     int
			field      string
		}{
			{"clarification without comment", reviews, rv(map[string]any{"key": "hosting", "flag": "needs_clarification"}), 422, "reviews[0].comment"},
			{"clarification with a blank comment", reviews, rv(map[string]any{"key": "hosting", "flag": "needs_clarification", "comment": "  "}), 422, "reviews[0].comment"},
			{"unanswered question", reviews, rv(map[string]any{"key": "hosting", "flag": "accepted"}, map[string]any{"key": "notes", "flag": "accepted"}), 422, "reviews[1].key"},
			{"unknown flag", reviews, rv(map[string]any{"key": "hosting", "flag": "rejected"}), 422, "reviews[0].flag"},
			{"no reviews", reviews, rv(), 422, "reviews"},
			{"return without any comment", decide, map[string]any{"decision": "return"}, 422, "comment"},
			{"unknown decision", decide, map[string]any{"decision": "approve"}, 422, "decision"},
		}
		before := a.snapshot(t, "/api/v1/assessments/"+id)
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				wantProblem(t, a.do(t, "POST", tc.path, a.proc, tc.body), tc.status, tc.field)
			})
		}
		for _, who := range []string{a.auditor, a.owner} {
			wantProblem(t, a.do(t, "POST", decide, who, map[string]any{"decision": "complete"}), http.StatusForbidden)
			wantProblem(t, a.do(t, "POST", reviews, who, rv(map[string]any{"key": "hosting", "flag": "accepted"})), http.StatusForbidden)
		}
		if after := a.snapshot(t, "/api/v1/assessments/"+id); after != before {
			t.Errorf("a refused review changed the assessment:\n%s\n%s", before, after)
		}
		// A clarification request with a comment is enough to return it, without a general comment.
		must(t, a.do(t, "POST", reviews, a.proc, rv(map[string]any{"key": "staff_count", "flag": "needs_clarification", "comment": "Per site?"})), http.StatusOK)
		var got api.AssessmentResponse
		must(t, a.do(t, "POST", decide, a.proc, map[string]any{"decision": "return"}), http.StatusOK).into(t, &got)
		if got.Status != "returned" {
			t.Fatalf("status %s", got.Status)
		}
		v := a.supplierGet(t, secret, id)
		if ans := questionOf(t, v, "staff_count").Answer; ans == nil || ans.ClarificationAsked != "Per site?" {
			t.Errorf("clarification as the supplier sees it: %+v", ans)
		}
		// Resubmitting unchanged is allowed; the reviewer can then complete.
		must(t, a.submit(t, secret, id), http.StatusOK)
		must(t, a.do(t, "POST", decide, a.proc, map[string]any{"decision": "complete", "comment": "Fine after all."}), http.StatusOK)
	})
}

// TestAssessmentDueDates: overdue and due_in_days follow the injected clock; the list filters
// (?overdue, ?status, ?engagement_id, ?vendor_id) select the right ones.
func TestAssessmentDueDates(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a := newAsmEnv(t, e)
		v1, engSent := a.engagement(t, "Due One KK")
		_, engDraft := a.engagementOfVendor(t, v1, "Draft service")
		_, engSub := a.engagementOfVendor(t, v1, "Submitted service")
		_, engLater := a.engagementOfVendor(t, v1, "Later service")
		v2, engOther := a.engagement(t, "Due Two KK")

		due := "2025-04-05" // start is 2025-04-01
		sent := a.issue(t, engSent, "due_date", due, "depth", "core")
		sentSecret := a.send(t, sent.ID).SupplierKey.Secret
		draft := a.issue(t, engDraft, "due_date", due, "depth", "core")
		sub := a.issue(t, engSub, "due_date", due, "depth", "core")
		subSecret := a.send(t, sub.ID).SupplierKey.Secret
		a.mustSave(t, subSecret, sub.ID, av("has_policy", "no"), av("uses_subs", "no"), av("hosting", "aws"), av("staff_count", "5"))
		must(t, a.submit(t, subSecret, sub.ID), http.StatusOK)
		later := a.issue(t, engLater, "due_date", "2025-04-20", "depth", "core")
		a.send(t, later.ID)
		other := a.issue(t, engOther, "due_date", due, "depth", "core")
		otherSecret := a.send(t, other.ID).SupplierKey.Secret
		a.mustSave(t, otherSecret, other.ID, av("notes", "started")) // in_progress
		names := map[string]string{sent.ID: "sent", draft.ID: "draft", sub.ID: "submitted", later.ID: "later", other.ID: "other"}

		list := func(t *testing.T, query string) []string {
			t.Helper()
			var out []string
			for _, it := range must(t, a.do(t, "GET", "/api/v1/assessments"+query, a.auditor, nil), http.StatusOK).items(t) {
				out = append(out, names[it["id"].(string)])
			}
			slices.Sort(out)
			return out
		}
		dueOf := func(t *testing.T, id string) (bool, int) {
			t.Helper()
			g := a.adminGet(t, id)
			return g.Overdue, g.DueInDays
		}
		check := func(t *testing.T, id string, overdue bool, days int) {
			t.Helper()
			if o, d := dueOf(t, id); o != overdue || d != days {
				t.Errorf("%s: overdue %v due_in_days %d, want %v %d", names[id], o, d, overdue, days)
			}
		}

		check(t, sent.ID, false, 4)
		check(t, later.ID, false, 19)
		if got := list(t, "?overdue=true"); len(got) != 0 {
			t.Errorf("overdue on day one: %v", got)
		}
		e.clock.Advance(4 * 24 * time.Hour) // 2025-04-05 09:30: due today, not overdue
		check(t, sent.ID, false, 0)
		if got := list(t, "?overdue=true"); len(got) != 0 {
			t.Errorf("overdue on the due date: %v", got)
		}
		e.clock.Advance(15 * time.Hour) // 2025-04-06 00:30: one day late
		check(t, sent.ID, true, -1)
		check(t, other.ID, true, -1)
		check(t, draft.ID, false, -1) // not with the supplier
		check(t, sub.ID, false, -1)   // submitted in time
		check(t, later.ID, false, 14)

		tests := []struct {
			query string
			want  []string
		}{
			{"?overdue=true", asmSorted("sent", "other")},
			{"?overdue=1", asmSorted("sent", "other")},
			{"?overdue=true&vendor_id=" + v1, asmSorted("sent")},
			{"?overdue=false&vendor_id=" + v1, asmSorted("draft", "submitted", "later")},
			{"?status=submitted", asmSorted("submitted")},
			{"?status=sent", asmSorted("sent", "later")},
			{"?status=sent&overdue=true", asmSorted("sent")},
			{"?status=draft&vendor_id=" + v2, nil},
			{"?engagement_id=" + engLater, asmSorted("later")},
			{"?vendor_id=" + v2, asmSorted("other")},
			{"?engagement_id=" + engOther + "&vendor_id=" + v1, nil},
			{"?vendor_id=" + unknownID(), nil},
		}
		for _, tc := range tests {
			t.Run(tc.query, func(t *testing.T) {
				if got := list(t, tc.query); !slices.Equal(got, tc.want) {
					t.Errorf("GET /assessments%s = %v, want %v", tc.query, got, tc.want)
				}
			})
		}
		for _, bad := range []struct{ query, field string }{
			{"?status=late", "status"}, {"?overdue=maybe", "overdue"}, {"?engagement_id=123", "engagement_id"},
			{"?vendor_id=x", "vendor_id"}, {"?limit=-1", "limit"}, {"?limit=201", "limit"}, {"?cursor=garbage", ""},
		} {
			t.Run("bad "+bad.query, func(t *testing.T) {
				r := a.do(t, "GET", "/api/v1/assessments"+bad.query, a.admin, nil)
				if bad.field == "" {
					wantProblem(t, r, http.StatusUnprocessableEntity)
					return
				}
				wantProblem(t, r, http.StatusUnprocessableEntity, bad.field)
			})
		}
		// The supplier's own list carries overdue and due_in_days too.
		items := must(t, a.do(t, "GET", "/api/v1/supplier/assessments?overdue=true", sentSecret, nil), http.StatusOK).items(t)
		if len(items) != 1 || items[0]["id"] != sent.ID || items[0]["overdue"] != true || items[0]["due_in_days"] != float64(-1) {
			t.Errorf("supplier overdue list: %v", items)
		}
		if v := a.supplierGet(t, sentSecret, sent.ID); !v.Overdue || v.DueInDays != -1 {
			t.Errorf("supplier view: overdue %v due_in_days %d", v.Overdue, v.DueInDays)
		}
		// Paging: two by two through the five, every one once.
		var seen []string
		cursor := ""
		for range 5 {
			r := must(t, a.do(t, "GET", "/api/v1/assessments?limit=2"+cursor, a.admin, nil), http.StatusOK)
			for _, it := range r.items(t) {
				seen = append(seen, names[it["id"].(string)])
			}
			next := r.str("next_cursor")
			if next == "" {
				break
			}
			cursor = "&cursor=" + next
		}
		slices.Sort(seen)
		if want := asmSorted("sent", "draft", "submitted", "later", "other"); !slices.Equal(seen, want) {
			t.Errorf("paging saw %v, want %v", seen, want)
		}
	})
}

// TestAssessmentOnePerTemplate: one open assessment per engagement and template family (409), whatever
// the version; another family is fine; after cancel or completion a new one is allowed. The issued
// version is frozen: a later version of the template never changes the assessment.
func TestAssessmentOnePerTemplate(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a := newAsmEnv(t, e)
		_, eng := a.engagement(t, "Once KK")
		first := a.issue(t, eng, "depth", "core")
		r := a.do(t, "POST", "/api/v1/assessments", a.proc, a.issueBody(eng))
		wantProblem(t, r, http.StatusConflict)
		if !strings.Contains(r.str("detail"), first.ID) {
			t.Errorf("409 detail %q does not name the open assessment", r.str("detail"))
		}
		secret := a.send(t, first.ID).SupplierKey.Secret
		wantProblem(t, a.do(t, "POST", "/api/v1/assessments", a.proc, a.issueBody(eng)), http.StatusConflict)

		// Version 2 of the template, with a changed question text: same family, still 409.
		var v2 api.TemplateResponse
		must(t, a.do(t, "POST", "/api/v1/questionnaire-templates/"+a.tpl+"/new-version", a.proc, nil), http.StatusCreated).into(t, &v2)
		edit := asmTemplateBody("Assessment test template v2")
		edit["sections"].([]map[string]any)[0]["questions"].([]map[string]any)[6]["text"] = map[string]any{"en": "Where do you host (v2)?", "ja": "ホスティング（v2）"}
		must(t, a.do(t, "PATCH", "/api/v1/questionnaire-templates/"+v2.ID, a.proc, edit), http.StatusOK)
		must(t, a.do(t, "POST", "/api/v1/questionnaire-templates/"+v2.ID+"/publish", a.proc, nil), http.StatusOK)
		wantProblem(t, a.do(t, "POST", "/api/v1/assessments", a.proc, a.issueBody(eng, "template_id", v2.ID)), http.StatusConflict)
		// The old assessment keeps the version it was issued with.
		if h := questionOf(t, a.supplierGet(t, secret, first.ID), "hosting"); h.Text != "Question hosting?" {
			t.Errorf("a new template version changed the issued assessment: %q", h.Text)
		}
		if got := a.adminGet(t, first.ID); got.Template.ID != a.tpl || got.Template.Number != 1 {
			t.Errorf("template ref %+v", got.Template)
		}
		// Another family on the same engagement is fine.
		otherTpl := a.publishTemplate(t, "Another family")
		must(t, a.do(t, "POST", "/api/v1/assessments", a.proc, a.issueBody(eng, "template_id", otherTpl)), http.StatusCreated)
		// After cancel, the family is free again (and the new version can be issued).
		must(t, a.do(t, "POST", "/api/v1/assessments/"+first.ID+"/cancel", a.proc, nil), http.StatusOK)
		var second api.AssessmentResponse
		must(t, a.do(t, "POST", "/api/v1/assessments", a.proc, a.issueBody(eng, "template_id", v2.ID, "depth", "core")), http.StatusCreated).into(t, &second)
		if second.Template.Number != 2 || second.Template.FamilyID != first.Template.FamilyID {
			t.Errorf("second assessment template %+v", second.Template)
		}
		// After completion too.
		secret2 := a.send(t, second.ID).SupplierKey.Secret
		if h := questionOf(t, a.supplierGet(t, secret2, second.ID), "hosting"); h.Text != "Where do you host (v2)?" {
			t.Errorf("the v2 assessment shows %q", h.Text)
		}
		a.mustSave(t, secret2, second.ID, av("has_policy", "no"), av("uses_subs", "no"), av("hosting", "aws"), av("staff_count", "5"))
		must(t, a.submit(t, secret2, second.ID), http.StatusOK)
		wantProblem(t, a.do(t, "POST", "/api/v1/assessments", a.proc, a.issueBody(eng)), http.StatusConflict)
		must(t, a.do(t, "POST", "/api/v1/assessments/"+second.ID+"/review", a.proc, map[string]any{"decision": "complete"}), http.StatusOK)
		must(t, a.do(t, "POST", "/api/v1/assessments", a.proc, a.issueBody(eng)), http.StatusCreated)
	})
}

// TestAssessmentIssueValidation: what issuing refuses, and who may issue.
func TestAssessmentIssueValidation(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a := newAsmEnv(t, e)
		vendorID, eng := a.engagement(t, "Validate KK")
		draftTpl := must(t, a.do(t, "POST", "/api/v1/questionnaire-templates", a.proc, asmTemplateBody("Draft only")), http.StatusCreated).str("id")
		tests := []struct {
			name   string
			body   map[string]any
			status int
			field  string
		}{
			{"due date in the past", a.issueBody(eng, "due_date", "2025-03-31"), 422, "due_date"},
			{"due date not a date", a.issueBody(eng, "due_date", "31/12/2025"), 422, "due_date"},
			{"no due date", a.issueBody(eng, "due_date", nil), 422, "due_date"},
			{"unknown engagement", a.issueBody(unknownID()), 422, "engagement_id"},
			{"engagement id malformed", a.issueBody("eng-1"), 422, "engagement_id"},
			{"unknown template", a.issueBody(eng, "template_id", unknownID()), 422, "template_id"},
			{"draft template", a.issueBody(eng, "template_id", draftTpl), 422, "template_id"},
			{"bad depth", a.issueBody(eng, "depth", "extended"), 422, "depth"},
			{"message too long", a.issueBody(eng, "message", strings.Repeat("m", 4001)), 422, "message"},
			{"unknown field", a.issueBody(eng, "status", "sent"), 400, ""},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				r := a.do(t, "POST", "/api/v1/assessments", a.proc, tc.body)
				if tc.field != "" {
					wantProblem(t, r, tc.status, tc.field)
				} else {
					wantProblem(t, r, tc.status)
				}
			})
		}
		// Due today is fine; only procurement and admin issue.
		wantProblem(t, a.do(t, "POST", "/api/v1/assessments", a.auditor, a.issueBody(eng)), http.StatusForbidden)
		wantProblem(t, a.do(t, "POST", "/api/v1/assessments", a.owner, a.issueBody(eng)), http.StatusForbidden)
		wantProblem(t, a.do(t, "POST", "/api/v1/assessments", a.key(t, auth.RoleSupplier, vendorID), a.issueBody(eng)), http.StatusNotFound)
		if n := len(must(t, a.do(t, "GET", "/api/v1/assessments?engagement_id="+eng, a.admin, nil), http.StatusOK).items(t)); n != 0 {
			t.Fatalf("refused issues created %d assessments", n)
		}
		if got := a.issue(t, eng, "due_date", "2025-04-01"); got.DueInDays != 0 || got.Overdue {
			t.Errorf("due today: %+v", got)
		}
	})
}
