package api_test

import (
	"bytes"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/domain/auth"
)

// TestAssessmentFlow is the whole workflow through HTTP, as issue 5 tells it: procurement issues and
// sends, the supplier saves twice, uploads, submits; the reviewer returns it with a comment; the supplier
// fixes and submits again; the reviewer completes it, after which nothing changes.
func TestAssessmentFlow(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a := newAsmEnv(t, e)
		vendorID, eng := a.engagement(t, "Flow Cloud KK")
		otherVendor := a.newVendor(t, "Flow Bystander KK")

		// Issue: the depth comes from the engagement's effective tier (tier 3: core).
		r := must(t, a.do(t, "POST", "/api/v1/assessments", a.proc, a.issueBody(eng, "depth", nil, "message", "Please answer by June.")),
			http.StatusCreated)
		var first api.AssessmentResponse
		r.into(t, &first)
		if first.Depth != "core" || first.Status != "draft" || first.VendorID != vendorID || first.EngagementID != eng ||
			first.Template.ID != a.tpl || first.DueDate != "2025-06-30" || first.DueInDays != 90 || first.Overdue ||
			first.Message != "Please answer by June." || first.Version != 1 || first.AnswersVersion != 1 {
			t.Fatalf("issued (tier 3) = %+v", first)
		}
		if r.Header.Get("Location") != "/api/v1/assessments/"+first.ID || r.Header.Get("ETag") != `"1"` {
			t.Errorf("Location %q ETag %q", r.Header.Get("Location"), r.Header.Get("ETag"))
		}
		// One open assessment per engagement and template; a new one is allowed after cancel.
		wantProblem(t, a.do(t, "POST", "/api/v1/assessments", a.proc, a.issueBody(eng)), http.StatusConflict)
		must(t, a.do(t, "POST", "/api/v1/assessments/"+first.ID+"/cancel", a.proc, nil), http.StatusOK)
		// The risk owner raises the tier to 1: the policy asks core+extended there.
		must(t, a.do(t, "POST", "/api/v1/engagements/"+eng+"/tier-override", a.owner,
			map[string]any{"tier": 1, "reason": "holds payroll data after all"}), http.StatusOK)
		var asm api.AssessmentResponse
		must(t, a.do(t, "POST", "/api/v1/assessments", a.proc, a.issueBody(eng, "depth", nil)), http.StatusCreated).into(t, &asm)
		if asm.Depth != "core+extended" {
			t.Fatalf("depth after the override to tier 1: %q, want core+extended", asm.Depth)
		}
		id := asm.ID

		// Send: the secret and the URL, once.
		sr := must(t, a.do(t, "POST", "/api/v1/assessments/"+id+"/send", a.proc, nil), http.StatusOK)
		var sent api.SendResponse
		sr.into(t, &sent)
		secret := sent.SupplierKey.Secret
		if !strings.HasPrefix(secret, "vrk_") || len(secret) < 26 || !strings.HasSuffix(sent.SupplierURL, "/api/v1/supplier/assessments/"+id) ||
			sent.Assessment.Status != "sent" || sent.Assessment.SentAt == nil || sent.Assessment.SupplierKeyID != sent.SupplierKey.ID {
			t.Fatalf("send = %s", sr)
		}
		if want := time.Date(2025, 7, 31, 0, 0, 0, 0, time.UTC); !sent.SupplierKey.ExpiresAt.Equal(want) {
			t.Errorf("supplier key expires %v, want %v (the day after the due date plus 30 days)", sent.SupplierKey.ExpiresAt, want)
		}
		if sr.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("send Cache-Control %q, want no-store", sr.Header.Get("Cache-Control"))
		}
		for _, path := range []string{"/api/v1/assessments/" + id, "/api/v1/api-keys/" + sent.SupplierKey.ID, "/api/v1/api-keys?limit=200"} {
			if got := must(t, a.do(t, "GET", path, a.admin, nil), http.StatusOK); bytes.Contains(got.Raw, []byte(secret)) ||
				bytes.Contains(got.Raw, []byte(secret[4:])) {
				t.Errorf("GET %s shows the secret again", path)
			}
		}
		var key api.APIKeyResponse
		must(t, a.do(t, "GET", "/api/v1/api-keys/"+sent.SupplierKey.ID, a.admin, nil), http.StatusOK).into(t, &key)
		if key.Role != "supplier" || key.VendorID != vendorID || !key.Active {
			t.Errorf("supplier key = %+v, want an active supplier key of %s", key, vendorID)
		}
		// The key works for this vendor only, and only on supplier-facing URLs.
		must(t, a.do(t, "GET", "/api/v1/vendors/"+vendorID, secret, nil), http.StatusOK)
		wantProblem(t, a.do(t, "GET", "/api/v1/vendors/"+otherVendor, secret, nil), http.StatusNotFound)
		wantProblem(t, a.do(t, "GET", "/api/v1/assessments/"+id, secret, nil), http.StatusNotFound)
		listed := map[string]any{}
		for _, it := range must(t, a.do(t, "GET", "/api/v1/supplier/assessments", secret, nil), http.StatusOK).items(t) {
			listed[it["id"].(string)] = it["status"]
		}
		if listed[id] != "sent" {
			t.Errorf("supplier list = %v, want %s as sent", listed, id)
		}

		// The supplier reads it: visible questions at core+extended, progress, due date, ETag.
		// supplier_url may be absolute (scheme and host of the request); its path is the supplier URL.
		supplierPath := sent.SupplierURL[strings.Index(sent.SupplierURL, "/api/v1/"):]
		gr := must(t, a.do(t, "GET", supplierPath, secret, nil), http.StatusOK)
		var view api.SupplierAssessmentResponse
		gr.into(t, &view)
		if gr.Header.Get("ETag") != `"1"` || view.AnswersVersion != 1 || view.Status != "sent" || view.DueDate != "2025-06-30" ||
			view.DueInDays != 90 || view.Title != "Assessment test template" {
			t.Errorf("supplier view = %s", gr)
		}
		if got := questionKeys(view); !slices.Equal(got, asmExtendedKeys) {
			t.Errorf("visible %v, want %v", got, asmExtendedKeys)
		}
		if p := view.Progress; p == nil || *p != (api.ProgressResponse{Visible: 7, Answered: 0, Required: 5, RequiredAnswered: 0}) {
			t.Errorf("progress %+v", view.Progress)
		}
		if h := questionOf(t, view, "hosting"); h.Section != "General" || h.Text != "Question hosting?" || len(h.Options) != 3 ||
			h.Options[1] != (api.SupplierOption{Value: "gcp", Label: "Label gcp"}) || !h.Required || h.Type != "single_choice" {
			t.Errorf("hosting as the supplier sees it: %+v", h)
		}
		if hp := questionOf(t, view, "has_policy"); hp.EvidenceRequired != "when_answer" || !slices.Equal(hp.EvidenceWhen, []string{"yes"}) {
			t.Errorf("has_policy evidence rule: %+v", hp)
		}
		ja := a.supplierGet(t, secret, id, "Accept-Language", "ja")
		if h := questionOf(t, ja, "hosting"); h.Text != "質問 hosting？" || h.Section != "一般" || h.Options[0].Label != "ラベル aws" {
			t.Errorf("Japanese view of hosting: %+v", h)
		}
		for _, internal := range []string{`"score"`, `"weight"`, `"severity"`, `"supplier_key_id"`, `"engagement_id"`, `"vendor_id"`, `"threat_category"`} {
			if bytes.Contains(gr.Raw, []byte(internal)) {
				t.Errorf("the supplier view shows the internal field %s", internal)
			}
		}

		// First save (partial, no If-Match).
		s1 := a.save(t, secret, id, []map[string]any{av("has_policy", "yes"), av("uses_subs", "no"), av("hosting", "aws"),
			al("certs", "iso27001", "soc2")})
		must(t, s1, http.StatusOK)
		s1.into(t, &view)
		if s1.Header.Get("ETag") != `"2"` || view.AnswersVersion != 2 || view.Status != "in_progress" {
			t.Fatalf("first save: %s", s1)
		}
		if got, want := questionKeys(view), []string{"has_policy", "policy_date", "uses_subs", "hosting", "certs", "iso_scope", "staff_count", "notes", "pentest"}; !slices.Equal(got, want) {
			t.Errorf("visible after the first save %v, want %v", got, want)
		}
		if *view.Progress != (api.ProgressResponse{Visible: 9, Answered: 4, Required: 6, RequiredAnswered: 3}) {
			t.Errorf("progress after the first save %+v", *view.Progress)
		}
		// Second save, with the ETag of the first as If-Match.
		s2 := a.save(t, secret, id, []map[string]any{av("policy_date", "2024-10-01"), av("staff_count", "120"), av("pentest", "yes"),
			av("pentest_fix", "All findings fixed in November.")}, "If-Match", s1.Header.Get("ETag"))
		must(t, s2, http.StatusOK)
		s2.into(t, &view)
		if s2.Header.Get("ETag") != `"3"` || view.AnswersVersion != 3 {
			t.Fatalf("second save: %s", s2)
		}
		if got := questionOf(t, view, "hosting").Answer; got == nil || got.Value != "aws" {
			t.Errorf("the partial second save lost the first save's answer: %+v", got)
		}
		if got := questionOf(t, view, "certs").Answer; got == nil || !slices.Equal(got.Values, []string{"iso27001", "soc2"}) {
			t.Errorf("certs = %+v", got)
		}
		if *view.Progress != (api.ProgressResponse{Visible: 11, Answered: 8, Required: 8, RequiredAnswered: 7}) {
			t.Errorf("progress after the second save %+v", *view.Progress)
		}

		// Evidence of every allowed type, sniffed from the content.
		uploads := []struct {
			name string
			data []byte
			keys []string
			ct   string
		}{
			{"nda-policy.pdf", pdfFile, []string{"has_policy"}, "application/pdf"},
			{"network.png", pngFile, []string{"hosting"}, "image/png"},
			{"badge.jpg", jpegFile, []string{"certs"}, "image/jpeg"},
			{"notes.txt", txtFile, []string{"notes"}, "text/plain; charset=utf-8"},
			{"staff.csv", csvFile, []string{"staff_count"}, "text/csv; charset=utf-8"},
			{"pentest.xlsx", xlsxFile(t), []string{"pentest_report"}, ctXLSX},
			{"fix-plan.docx", docxFile(t), []string{"pentest_report,pentest_fix"}, ctDOCX},
		}
		var evidence []api.EvidenceResponse
		for _, u := range uploads {
			ur := must(t, a.uploadFile(t, secret, id, u.name, u.data, u.keys...), http.StatusCreated)
			var ev api.EvidenceResponse
			ur.into(t, &ev)
			wantKeys := strings.Split(strings.Join(u.keys, ","), ",")
			slices.Sort(wantKeys)
			if ev.ContentType != u.ct || ev.SHA256 != sha256Hex(u.data) || ev.Size != int64(len(u.data)) || ev.FileName != u.name ||
				ev.AssessmentID != id || !slices.Equal(ev.QuestionKeys, wantKeys) || ev.ContentURL != "/api/v1/evidence/"+ev.ID+"/content" ||
				ur.Header.Get("Location") != "/api/v1/evidence/"+ev.ID {
				t.Errorf("upload %s = %s", u.name, ur)
			}
			evidence = append(evidence, ev)
			for _, who := range []string{secret, a.proc, a.auditor} {
				cr := must(t, a.do(t, "GET", ev.ContentURL, who, nil), http.StatusOK)
				if !bytes.Equal(cr.Raw, u.data) || cr.Header.Get("Content-Type") != u.ct ||
					!strings.HasPrefix(cr.Header.Get("Content-Disposition"), "attachment") ||
					!strings.Contains(cr.Header.Get("Content-Disposition"), u.name) {
					t.Errorf("download of %s: %d bytes, Content-Type %q, Content-Disposition %q", u.name, len(cr.Raw),
						cr.Header.Get("Content-Type"), cr.Header.Get("Content-Disposition"))
				}
			}
		}

		// Submit.
		var submitted api.SupplierAssessmentResponse
		must(t, a.submit(t, secret, id), http.StatusOK).into(t, &submitted)
		if submitted.Status != "submitted" {
			t.Fatalf("submit: status %s", submitted.Status)
		}
		// Frozen: no more answers or evidence until the reviewer returns it.
		wantProblem(t, a.save(t, secret, id, []map[string]any{av("notes", "late")}), http.StatusConflict)
		wantProblem(t, a.uploadFile(t, secret, id, "late.pdf", pdfFile, "notes"), http.StatusConflict)
		got := a.adminGet(t, id)
		if got.Status != "submitted" || got.SubmittedAt == nil || len(got.Evidence) != len(uploads) || len(got.Answers) != 8 {
			t.Fatalf("after submit: status %s, submitted_at %v, %d evidence, %d answers", got.Status, got.SubmittedAt, len(got.Evidence), len(got.Answers))
		}
		for i, ev := range got.Evidence {
			if !reflect.DeepEqual(ev, evidence[i]) {
				t.Errorf("evidence[%d] as the reviewer sees it %+v, uploaded %+v", i, ev, evidence[i])
			}
		}
		if ans, ok := answerOf(got, "staff_count"); !ok || ans.Value != "120" || !ans.Visible || ans.Type != "number" || ans.Question != "Question staff_count?" {
			t.Errorf("staff_count as the reviewer sees it: %+v", ans)
		}

		// The reviewer asks for a clarification and returns it.
		const clarify = "How many of them have production access?"
		var reviewed api.AssessmentResponse
		must(t, a.do(t, "POST", "/api/v1/assessments/"+id+"/answer-reviews", a.proc, map[string]any{"reviews": []map[string]any{
			{"key": "staff_count", "flag": "needs_clarification", "comment": clarify},
			{"key": "hosting", "flag": "accepted"},
		}}), http.StatusOK).into(t, &reviewed)
		if reviewed.Status != "under_review" {
			t.Errorf("status after the first review: %s, want under_review", reviewed.Status)
		}
		if ans, _ := answerOf(reviewed, "staff_count"); ans.Review == nil || ans.Review.Flag != "needs_clarification" || ans.Review.Comment != clarify {
			t.Errorf("staff_count review %+v", ans.Review)
		}
		const general = "Please clarify the staff numbers."
		must(t, a.do(t, "POST", "/api/v1/assessments/"+id+"/review", a.proc,
			map[string]any{"decision": "return", "comment": general}), http.StatusOK).into(t, &reviewed)
		if reviewed.Status != "returned" || reviewed.ReturnComment != general {
			t.Fatalf("returned: %+v", reviewed)
		}

		// The supplier sees the comments.
		view = a.supplierGet(t, secret, id)
		if view.Status != "returned" || view.ReviewComment != general {
			t.Errorf("returned view: status %s, review_comment %q", view.Status, view.ReviewComment)
		}
		if got := questionOf(t, view, "staff_count").Answer; got == nil || got.ClarificationAsked != clarify {
			t.Errorf("staff_count clarification as the supplier sees it: %+v", got)
		}
		if got := questionOf(t, view, "hosting").Answer; got == nil || got.ClarificationAsked != "" {
			t.Errorf("an accepted answer shows a clarification request: %+v", got)
		}
		// It fixes the answer (If-Match: the answers version it read) and submits again.
		fixed := a.save(t, secret, id, []map[string]any{av("staff_count", "15")}, "If-Match", asmETag(view.AnswersVersion))
		must(t, fixed, http.StatusOK)
		must(t, a.submit(t, secret, id), http.StatusOK)
		got = a.adminGet(t, id)
		if ans, _ := answerOf(got, "staff_count"); got.Status != "submitted" || ans.Value != "15" {
			t.Fatalf("resubmitted: status %s, staff_count %+v", got.Status, ans)
		}

		// The reviewer completes it.
		must(t, a.do(t, "POST", "/api/v1/assessments/"+id+"/answer-reviews", a.proc, map[string]any{"reviews": []map[string]any{
			{"key": "staff_count", "flag": "accepted"}}}), http.StatusOK)
		var done api.AssessmentResponse
		must(t, a.do(t, "POST", "/api/v1/assessments/"+id+"/review", a.proc, map[string]any{"decision": "complete"}), http.StatusOK).into(t, &done)
		if done.Status != "completed" || done.CompletedAt == nil {
			t.Fatalf("completed: %+v", done)
		}

		// Completed is immutable: every change is 409 naming the state, and nothing changes.
		before := a.snapshot(t, "/api/v1/assessments/"+id)
		blobs := a.blobFiles(t)
		changes := []struct {
			name string
			r    func() resp
		}{
			{"supplier PUT answers", func() resp { return a.save(t, secret, id, []map[string]any{av("notes", "after the fact")}) }},
			{"supplier upload", func() resp { return a.uploadFile(t, secret, id, "late.txt", []byte("late"), "notes") }},
			{"supplier submit", func() resp { return a.submit(t, secret, id) }},
			{"review return", func() resp {
				return a.do(t, "POST", "/api/v1/assessments/"+id+"/review", a.proc, map[string]any{"decision": "return", "comment": "again"})
			}},
			{"review complete", func() resp {
				return a.do(t, "POST", "/api/v1/assessments/"+id+"/review", a.proc, map[string]any{"decision": "complete"})
			}},
			{"answer reviews", func() resp {
				return a.do(t, "POST", "/api/v1/assessments/"+id+"/answer-reviews", a.proc,
					map[string]any{"reviews": []map[string]any{{"key": "hosting", "flag": "needs_clarification", "comment": "x"}}})
			}},
			{"cancel", func() resp { return a.do(t, "POST", "/api/v1/assessments/"+id+"/cancel", a.proc, nil) }},
			{"send", func() resp { return a.do(t, "POST", "/api/v1/assessments/"+id+"/send", a.proc, nil) }},
		}
		for _, c := range changes {
			t.Run("completed/"+c.name, func(t *testing.T) {
				r := c.r()
				wantProblem(t, r, http.StatusConflict)
				if !strings.Contains(r.str("detail"), "completed") {
					t.Errorf("409 detail %q does not name the current status", r.str("detail"))
				}
			})
		}
		if after := a.snapshot(t, "/api/v1/assessments/"+id); after != before {
			t.Errorf("a refused change altered the completed assessment:\n%s\n%s", before, after)
		}
		if got := a.blobFiles(t); !slices.Equal(got, blobs) {
			t.Errorf("a refused upload stored a file: %v, was %v", got, blobs)
		}
		// The supplier still reads it (and its evidence), with any key of its vendor.
		if v := a.supplierGet(t, secret, id); v.Status != "completed" || len(v.Evidence) != len(uploads) {
			t.Errorf("completed as the supplier sees it: %s, %d evidence", v.Status, len(v.Evidence))
		}
		sup := a.key(t, auth.RoleSupplier, vendorID)
		statuses := map[string]string{}
		for _, it := range must(t, a.do(t, "GET", "/api/v1/supplier/assessments", sup, nil), http.StatusOK).items(t) {
			statuses[it["id"].(string)] = it["status"].(string)
		}
		if statuses[id] != "completed" {
			t.Errorf("supplier list: %v", statuses)
		}
	})
}

// TestAssessmentReturnedCommentsStayVisible: a reviewer returns an assessment with two questions to
// clarify; the supplier fixes the first (a save moves it to in_progress) and must still see the
// request on the second, and the general comment, until it submits again.
func TestAssessmentReturnedCommentsStayVisible(t *testing.T) {
	e := sqliteOnly(t, api.Config{})
	a := newAsmEnv(t, e)
	asm, secret := a.sent(t, "Clarify KK", "depth", "core")
	id := asm.ID
	a.mustSave(t, secret, id, av("has_policy", "no"), av("uses_subs", "no"), av("hosting", "gcp"), av("staff_count", "7"))
	must(t, a.submit(t, secret, id), http.StatusOK)
	must(t, a.do(t, "POST", "/api/v1/assessments/"+id+"/answer-reviews", a.proc, map[string]any{"reviews": []map[string]any{
		{"key": "hosting", "flag": "needs_clarification", "comment": "Which region?"},
		{"key": "staff_count", "flag": "needs_clarification", "comment": "Only seven?"},
	}}), http.StatusOK)
	must(t, a.do(t, "POST", "/api/v1/assessments/"+id+"/review", a.proc,
		map[string]any{"decision": "return", "comment": "Two questions."}), http.StatusOK)

	view := a.mustSave(t, secret, id, av("hosting", "aws"))
	if view.Status != "in_progress" {
		t.Fatalf("status after the fix: %s", view.Status)
	}
	if got := questionOf(t, view, "staff_count").Answer; got == nil || got.ClarificationAsked != "Only seven?" {
		t.Errorf("after fixing one answer the supplier no longer sees the request on the other: %+v", got)
	}
	if view.ReviewComment != "Two questions." {
		t.Errorf("after fixing one answer the supplier no longer sees the reviewer's comment: %q", view.ReviewComment)
	}
}
