package api_test

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/finding"
	"github.com/vendorrisk/vendorrisk/domain/risk"
)

// findingEnv is an engagement with a published scoring template whose weak answers raise findings.
type findingEnv struct {
	*env
	tpl, vendorID, eng string
	tier               risk.Tier
}

// findingTemplate is scoreTemplate with control references on every question.
func findingTemplate() map[string]any {
	tpl := scoreTemplate()
	for _, s := range tpl["sections"].([]map[string]any) {
		for _, q := range s["questions"].([]map[string]any) {
			q["control_refs"] = []string{"iso27001-2022:5.19"}
		}
	}
	return tpl
}

// newFindingEnv publishes findingTemplate and creates an engagement; extra overrides engagementBody's fields.
func newFindingEnv(t *testing.T, e *env, extra ...any) *findingEnv {
	t.Helper()
	if _, err := e.catalog.EnsureBuiltIn(t.Context()); err != nil {
		t.Fatal(err)
	}
	tpl := must(t, e.do(t, "POST", "/api/v1/questionnaire-templates", e.admin, findingTemplate()), http.StatusCreated).str("id")
	must(t, e.do(t, "POST", "/api/v1/questionnaire-templates/"+tpl+"/publish", e.admin, nil), http.StatusOK)
	vendorID := e.newVendor(t, "Finding Vendor")
	eng := e.createEngagement(t, engagementBody(vendorID, extra...))
	tier := risk.Tier(eng.Risk.EffectiveTier)
	if !tier.Valid() {
		t.Fatalf("engagement tier %d", tier)
	}
	return &findingEnv{env: e, tpl: tpl, vendorID: vendorID, eng: eng.ID, tier: tier}
}

// round issues, sends, answers, submits and completes one assessment of the engagement.
func (f *findingEnv) round(t *testing.T, q1, q2, q3 string) string {
	t.Helper()
	id := must(t, f.do(t, "POST", "/api/v1/assessments", f.admin, map[string]any{"engagement_id": f.eng, "template_id": f.tpl,
		"due_date": "2025-06-30"}), http.StatusCreated).str("id")
	sent := must(t, f.do(t, "POST", "/api/v1/assessments/"+id+"/send", f.admin, nil), http.StatusOK)
	sup := sent.JSON["supplier_key"].(map[string]any)["secret"].(string)
	must(t, f.do(t, "PUT", "/api/v1/supplier/assessments/"+id+"/answers", sup, map[string]any{"answers": []map[string]any{
		{"key": "q1", "value": q1}, {"key": "q2", "value": q2}, {"key": "q3", "value": q3}}}), http.StatusOK)
	must(t, f.do(t, "POST", "/api/v1/supplier/assessments/"+id+"/submit", sup, nil), http.StatusOK)
	must(t, f.do(t, "POST", "/api/v1/assessments/"+id+"/review", f.admin, map[string]any{"decision": "complete"}), http.StatusOK)
	return id
}

// byQuestion lists the engagement's assessment findings keyed by question.
func (f *findingEnv) byQuestion(t *testing.T) map[string]api.FindingResponse {
	t.Helper()
	var l api.FindingList
	must(t, f.do(t, "GET", "/api/v1/findings?limit=200&engagement_id="+f.eng, f.admin, nil), http.StatusOK).into(t, &l)
	out := map[string]api.FindingResponse{}
	for _, it := range l.Items {
		if it.Source == "manual" {
			continue
		}
		if _, dup := out[it.QuestionKey]; dup {
			t.Errorf("two findings for question %q", it.QuestionKey)
		}
		out[it.QuestionKey] = it
	}
	return out
}

func TestFindingsFromAssessmentsOverHTTP(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		// Over a million sensitive personal records put the engagement on tier 1, which raises the questions'
		// "high" to critical: priority 4 × 4.
		f := newFindingEnv(t, e, "data_categories", []map[string]any{{"category": "sensitive_personal", "records": 1150000}})
		if f.tier != risk.Tier1Critical {
			t.Fatalf("engagement tier %d, want 1", f.tier)
		}
		sev, prio := domain.SeverityCritical, 16

		// Round 1: q1 fails (0), q2 is partial (5000 bp < 8000), q3 passes.
		a1 := f.round(t, "no", "partial", "yes")
		got := f.byQuestion(t)
		if len(got) != 2 || got["q1"].ID == "" || got["q2"].ID == "" {
			t.Fatalf("findings after round 1 = %+v, want q1 and q2 only", got)
		}
		for key, want := range map[string]struct {
			answer string
			bp     int
		}{"q1": {"no", 0}, "q2": {"partial", 5000}} {
			g := got[key]
			if g.Answer != want.answer || g.ScoreBP != want.bp || g.AssessmentID != a1 || g.Severity != string(sev) ||
				g.Priority != prio || g.Status != "open" || g.Source != "assessment" || g.VendorID != f.vendorID ||
				g.EngagementID != f.eng || g.ThreatCategory != "external" || g.Title != key+"?" || g.Version != 1 ||
				!slices.Equal(g.ControlRefs, []string{"iso27001-2022:5.19"}) || g.ClosedAt != nil {
				t.Errorf("%s finding = %+v, want answer %q, %d bp, severity %s (tier %d), priority %d, assessment %s",
					key, g, want.answer, want.bp, sev, f.tier, prio, a1)
			}
		}
		q1, q2 := got["q1"], got["q2"]
		var one api.FindingResponse
		r := must(t, f.do(t, "GET", "/api/v1/findings/"+q2.ID, f.admin, nil), http.StatusOK)
		r.into(t, &one)
		if one.ID != q2.ID || r.Header.Get("ETag") != `"1"` {
			t.Errorf("GET finding = %+v, ETag %s", one, r.Header.Get("ETag"))
		}

		// Round 2 of the same engagement: q1 now passes, q2 fails harder.
		a2 := f.round(t, "yes", "none", "yes")
		got = f.byQuestion(t)
		if len(got) != 2 {
			t.Fatalf("findings after round 2 = %+v, want still 2", got)
		}
		if g := got["q1"]; g.ID != q1.ID || g.Status != "closed" || g.ClosedAt == nil || g.Answer != "yes" || g.ScoreBP != 10000 || g.AssessmentID != a2 {
			t.Errorf("q1 after passing = %+v, want the same finding closed", g)
		}
		if g := got["q2"]; g.ID != q2.ID || g.Status != "open" || g.Answer != "none" || g.ScoreBP != 0 || g.AssessmentID != a2 || g.Version != 2 {
			t.Errorf("q2 after failing again = %+v, want the same finding continued with the new answer", g)
		}

		// Round 3: q1 fails again → the closed finding reopens, no duplicate.
		a3 := f.round(t, "no", "none", "na")
		got = f.byQuestion(t)
		if len(got) != 2 {
			t.Fatalf("findings after round 3 = %+v, want still 2", got)
		}
		if g := got["q1"]; g.ID != q1.ID || g.Status != "open" || g.ClosedAt != nil || g.Answer != "no" || g.AssessmentID != a3 {
			t.Errorf("q1 after failing again = %+v, want reopened", g)
		}
		if g := got["q2"]; g.ID != q2.ID || g.Status != "open" || g.AssessmentID != a3 {
			t.Errorf("q2 after round 3 = %+v", g)
		}
	})
}

func TestFindingsManualPatchAndSupplierOverHTTP(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		f := newFindingEnv(t, e)
		f.round(t, "no", "partial", "yes")
		q2 := f.byQuestion(t)["q2"]
		proc, auditor := e.key(t, auth.RoleProcurement, ""), e.key(t, auth.RoleAuditor, "")
		sup := e.key(t, auth.RoleSupplier, f.vendorID)

		// Another vendor with its own engagement, finding and supplier.
		otherVendor := e.newVendor(t, "Other Finding Vendor")
		otherEng := e.createEngagement(t, engagementBody(otherVendor)).ID
		otherSup := e.key(t, auth.RoleSupplier, otherVendor)

		manual := func(key, eng, title, sev, notes string) resp {
			return e.do(t, "POST", "/api/v1/findings", key, map[string]any{"engagement_id": eng, "title": title, "severity": sev,
				"threat_category": "internal_malicious", "control_refs": []string{"iso27001-2022:5.19"}, "internal_notes": notes})
		}
		r := must(t, manual(proc, f.eng, "Shared admin account", "critical", "SECRET-NOTE-1"), http.StatusCreated)
		var m api.FindingResponse
		r.into(t, &m)
		if m.Source != "manual" || m.Status != "open" || m.Severity != "critical" || m.VendorID != f.vendorID || m.QuestionKey != "" ||
			m.InternalNotes != "SECRET-NOTE-1" || m.ThreatCategory != "internal_malicious" || m.Priority != finding.Priority(domain.SeverityCritical, f.tier) ||
			m.Version != 1 || r.Header.Get("ETag") != `"1"` || r.Header.Get("Location") != "/api/v1/findings/"+m.ID {
			t.Errorf("manual finding = %+v, headers %v", m, r.Header)
		}
		wantProblem(t, manual(auditor, f.eng, "Auditor's", "low", ""), http.StatusForbidden)
		wantProblem(t, manual(sup, f.eng, "Supplier's", "low", ""), http.StatusNotFound)
		wantProblem(t, manual(proc, f.eng, "Bad", "severe", ""), http.StatusUnprocessableEntity, "severity")
		wantProblem(t, manual(proc, domain.NewID(), "No engagement", "low", ""), http.StatusUnprocessableEntity, "engagement_id")
		low := must(t, manual(proc, f.eng, "Weak banner", "low", ""), http.StatusCreated).str("id")
		foreign := must(t, manual(proc, otherEng, "Other vendor's", "medium", "SECRET-NOTE-2"), http.StatusCreated).str("id")

		// PATCH follows the lifecycle; If-Match guards it.
		patch := func(key, id string, body map[string]any, h ...string) resp {
			return e.do(t, "PATCH", "/api/v1/findings/"+id, key, body, h...)
		}
		r = must(t, patch(proc, m.ID, map[string]any{"status": "in_progress"}, "If-Match", `"1"`), http.StatusOK)
		if r.str("status") != "in_progress" || r.Header.Get("ETag") != `"2"` {
			t.Errorf("patch to in_progress = %s, ETag %s", r, r.Header.Get("ETag"))
		}
		wantProblem(t, patch(proc, m.ID, map[string]any{"status": "closed"}), http.StatusConflict)
		wantProblem(t, patch(proc, m.ID, map[string]any{"status": "open"}, "If-Match", `"2"`), http.StatusConflict)
		wantProblem(t, patch(proc, m.ID, map[string]any{"status": "resolved"}, "If-Match", `"1"`), http.StatusPreconditionFailed)
		wantProblem(t, patch(proc, m.ID, map[string]any{"status": "risk_accepted"}), http.StatusUnprocessableEntity, "status")
		wantProblem(t, patch(auditor, m.ID, map[string]any{"status": "resolved"}), http.StatusForbidden)
		var cur api.FindingResponse
		must(t, e.do(t, "GET", "/api/v1/findings/"+m.ID, proc, nil), http.StatusOK).into(t, &cur)
		if cur.Status != "in_progress" || cur.Version != 2 {
			t.Fatalf("after refused patches: %+v, want in_progress version 2", cur)
		}
		must(t, patch(proc, m.ID, map[string]any{"status": "resolved", "internal_notes": "SECRET-NOTE-3"}, "If-Match", `"2"`), http.StatusOK)
		r = must(t, patch(proc, m.ID, map[string]any{"status": "closed"}, "If-Match", `"3"`), http.StatusOK)
		r.into(t, &cur)
		if cur.Status != "closed" || cur.ClosedAt == nil || cur.Version != 4 || cur.InternalNotes != "SECRET-NOTE-3" {
			t.Errorf("closed finding = %+v", cur)
		}
		must(t, patch(proc, m.ID, map[string]any{"status": "open"}, "If-Match", `"4"`), http.StatusOK).into(t, &cur)
		if cur.Status != "open" || cur.ClosedAt != nil {
			t.Errorf("reopened finding = %+v", cur)
		}

		// sort=priority: priority descending, id ascending, every row once across pages.
		var all []api.FindingResponse
		cursor := ""
		for range 20 {
			var page api.FindingList
			must(t, e.do(t, "GET", "/api/v1/findings?sort=priority&limit=2&cursor="+cursor, auditor, nil), http.StatusOK).into(t, &page)
			all = append(all, page.Items...)
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		if len(all) != 5 { // q1, q2, two manual ones on f.eng, one on the other engagement
			t.Fatalf("priority list has %d findings, want 5: %+v", len(all), all)
		}
		seen := map[string]bool{}
		for i, it := range all {
			if seen[it.ID] {
				t.Errorf("finding %s listed twice", it.ID)
			}
			seen[it.ID] = true
			if i > 0 {
				prev := all[i-1]
				if prev.Priority < it.Priority || (prev.Priority == it.Priority && prev.ID > it.ID) {
					t.Errorf("priority order broken at %d: %d/%s before %d/%s", i, prev.Priority, prev.ID, it.Priority, it.ID)
				}
			}
		}
		// Tier 2: critical 4 × 3, the two high assessment findings 3 × 3 (id order), medium 2 × 3, low 1 × 3.
		qa, qb := f.byQuestion(t)["q1"].ID, q2.ID
		if qa > qb {
			qa, qb = qb, qa
		}
		wantOrder := []string{m.ID, qa, qb, foreign, low}
		var gotOrder []string
		var gotPrio []int
		for _, it := range all {
			gotOrder, gotPrio = append(gotOrder, it.ID), append(gotPrio, it.Priority)
		}
		if f.tier != risk.Tier2High || !slices.Equal(gotOrder, wantOrder) || !slices.Equal(gotPrio, []int{12, 9, 9, 6, 3}) {
			t.Errorf("priority list %v %v, want %v [12 9 9 6 3] (tier %d)", gotOrder, gotPrio, wantOrder, f.tier)
		}
		wantProblem(t, e.do(t, "GET", "/api/v1/findings?sort=severity", proc, nil), http.StatusUnprocessableEntity, "sort")

		// The supplier sees its own vendor's findings only, without internal fields.
		r = must(t, e.do(t, "GET", "/api/v1/supplier/findings?limit=200", sup, nil), http.StatusOK)
		var ids []string
		for _, it := range r.items(t) {
			id, _ := it["id"].(string)
			ids = append(ids, id)
			for _, k := range []string{"internal_notes", "score_bp", "priority", "tier", "effective_tier", "vendor_id", "engagement_id", "version"} {
				if _, ok := it[k]; ok {
					t.Errorf("supplier finding %s carries %q: %v", id, k, it)
				}
			}
		}
		slices.Sort(ids)
		wantIDs := []string{f.byQuestion(t)["q1"].ID, q2.ID, m.ID, low}
		slices.Sort(wantIDs)
		if !slices.Equal(ids, wantIDs) {
			t.Errorf("supplier sees %v, want %v", ids, wantIDs)
		}
		for _, secret := range []string{"SECRET-NOTE", "score_bp", "internal_notes", "priority"} {
			if bytes.Contains(r.Raw, []byte(secret)) {
				t.Errorf("supplier list body contains %q: %s", secret, r.Raw)
			}
		}
		// The supplier asking for another vendor's id gets nothing of it.
		r = must(t, e.do(t, "GET", "/api/v1/supplier/findings?vendor_id="+otherVendor+"&sort=priority", sup, nil), http.StatusOK)
		for _, it := range r.items(t) {
			if it["id"] == foreign {
				t.Errorf("supplier sees the other vendor's finding through vendor_id")
			}
		}
		if bytes.Contains(r.Raw, []byte("priority")) {
			t.Errorf("supplier list with sort=priority leaks priority: %s", r.Raw)
		}

		// Internal URLs are hidden from suppliers.
		wantProblem(t, e.do(t, "GET", "/api/v1/findings", sup, nil), http.StatusNotFound)
		wantProblem(t, e.do(t, "GET", "/api/v1/findings/"+q2.ID, sup, nil), http.StatusNotFound)
		wantProblem(t, patch(sup, q2.ID, map[string]any{"status": "in_progress"}), http.StatusNotFound)

		// Another vendor's supplier cannot respond to this vendor's finding; nothing changes.
		respond := func(key, id, text string) resp {
			return e.do(t, "POST", "/api/v1/supplier/findings/"+id+"/response", key, map[string]any{"response": text})
		}
		wantProblem(t, respond(otherSup, q2.ID, "not yours"), http.StatusNotFound)
		wantProblem(t, respond(sup, foreign, "not yours either"), http.StatusNotFound)
		wantProblem(t, respond(sup, domain.NewID(), "nothing"), http.StatusNotFound)
		var after api.FindingResponse
		must(t, e.do(t, "GET", "/api/v1/findings/"+q2.ID, proc, nil), http.StatusOK).into(t, &after)
		if after.SupplierResponse != "" || after.Version != q2.Version {
			t.Errorf("foreign response changed the finding: %+v", after)
		}
		wantProblem(t, respond(sup, q2.ID, "   "), http.StatusUnprocessableEntity)

		// The supplier's own response is stored and shown to procurement.
		text := "MFA is mandatory for all staff since 1 March."
		r = must(t, respond(sup, q2.ID, text), http.StatusOK)
		if r.str("supplier_response") != text || r.str("id") != q2.ID {
			t.Errorf("response = %s", r)
		}
		for _, k := range []string{"internal_notes", "score_bp", "priority", "version"} {
			if _, ok := r.JSON[k]; ok {
				t.Errorf("supplier response body carries %q: %s", k, r)
			}
		}
		must(t, e.do(t, "GET", "/api/v1/findings/"+q2.ID, proc, nil), http.StatusOK).into(t, &after)
		if after.SupplierResponse != text || after.Version != q2.Version+1 || after.Status != "open" {
			t.Errorf("procurement sees %+v, want the supplier's response", after)
		}
		if strings.Contains(string(must(t, e.do(t, "GET", "/api/v1/supplier/findings", otherSup, nil), http.StatusOK).Raw), q2.ID) {
			t.Error("the other supplier lists this vendor's finding")
		}
	})
}
