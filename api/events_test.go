package api_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/questionnaire"
)

// recorded is an audit event with the domain event it was written from decoded.
type recorded struct {
	api.AuditEventResponse
	Data    map[string]any
	Changes map[string][2]any // field → before, after
	Reason  string
}

// domainEvents reads every audit event about a resource, oldest first.
func (e *env) domainEvents(t *testing.T, resourceID string) []recorded {
	t.Helper()
	all := e.auditAll(t, url.Values{"resource_id": {resourceID}})
	out := make([]recorded, 0, len(all))
	for i := len(all) - 1; i >= 0; i-- {
		ev := all[i]
		r := recorded{AuditEventResponse: ev, Changes: map[string][2]any{}}
		var res struct {
			Data map[string]any `json:"data"`
		}
		if err := json.Unmarshal(ev.Result, &res); err != nil {
			t.Fatalf("event %s result %.200s: %v", ev.Action, ev.Result, err)
		}
		r.Data = res.Data
		if len(ev.Input) > 0 && string(ev.Input) != "null" {
			var in struct {
				Changes []struct {
					Field  string `json:"field"`
					Before any    `json:"before"`
					After  any    `json:"after"`
				} `json:"changes"`
				Reason string `json:"reason"`
			}
			if err := json.Unmarshal(ev.Input, &in); err != nil {
				t.Fatalf("event %s input %.200s: %v", ev.Action, ev.Input, err)
			}
			for _, c := range in.Changes {
				r.Changes[c.Field] = [2]any{c.Before, c.After}
			}
			r.Reason = in.Reason
		}
		out = append(out, r)
	}
	return out
}

func eventTypes(evs []recorded) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = ev.Action
	}
	return out
}

// wantActions checks the event types in order.
func wantActions(t *testing.T, what string, evs []recorded, want ...string) {
	t.Helper()
	if got := eventTypes(evs); !slices.Equal(got, want) {
		t.Fatalf("%s: events %v, want %v", what, got, want)
	}
}

// wantChange checks that ev changed field from before to after (compared as JSON).
func wantChange(t *testing.T, ev recorded, field string, before, after any) {
	t.Helper()
	c, ok := ev.Changes[field]
	if !ok {
		t.Errorf("%s: no change of %s among %v", ev.Action, field, ev.Changes)
		return
	}
	if js(c[0]) != js(before) || js(c[1]) != js(after) {
		t.Errorf("%s: %s changed %s → %s, want %s → %s", ev.Action, field, js(c[0]), js(c[1]), js(before), js(after))
	}
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// wantActor checks who made the event.
func wantActor(t *testing.T, ev recorded, role auth.Role, keyID string) {
	t.Helper()
	if ev.ActorRole != string(role) || (keyID != "" && ev.ActorKeyID != keyID) {
		t.Errorf("%s by %s (%s), want %s (%s)", ev.Action, ev.ActorRole, ev.ActorKeyID, role, keyID)
	}
}

// TestAssessmentEvents: each step of an assessment records its event with the fields it changed and
// the caller who made it; answers events list only the answers that changed; evidence is recorded as its
// metadata and hash; no event carries the questionnaire, the supplier's secret or a file's content.
func TestAssessmentEvents(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a := newAsmEnv(t, e)
		vendorID, eng := a.engagement(t, "Evented Assessments KK")
		id := a.issue(t, eng, "depth", "core").ID
		sent := a.send(t, id)
		secret, keyID := sent.SupplierKey.Secret, sent.SupplierKey.ID
		a.mustSave(t, secret, id, av("has_policy", "yes"), av("policy_date", "2025-01-10"), av("uses_subs", "no"),
			av("hosting", "aws"), av("staff_count", "5"))
		a.mustSave(t, secret, id, av("hosting", "aws"), av("staff_count", "6")) // hosting is saved unchanged
		ev := must(t, a.uploadFile(t, secret, id, "policy.pdf", pdfFile, "has_policy"), http.StatusCreated)
		must(t, a.submit(t, secret, id), http.StatusOK)
		must(t, a.do(t, "POST", "/api/v1/assessments/"+id+"/answer-reviews", a.proc, map[string]any{"reviews": []map[string]any{
			{"key": "staff_count", "flag": "needs_clarification", "comment": "Only six?"}}}), http.StatusOK)
		must(t, a.do(t, "POST", "/api/v1/assessments/"+id+"/review", a.proc, map[string]any{"decision": "return", "comment": "See staff."}),
			http.StatusOK)

		evs := e.domainEvents(t, id)
		wantActions(t, "assessment", evs, "assessment.created", "assessment.sent", "assessment.answers_saved", "assessment.answers_saved",
			"assessment.submitted", "assessment.answers_reviewed", "assessment.returned")
		for _, x := range evs {
			if x.ResourceType != "assessment" || x.Data["id"] != id || x.Data["vendor_id"] != vendorID {
				t.Errorf("%s: resource %s, data id %v vendor %v", x.Action, x.ResourceType, x.Data["id"], x.Data["vendor_id"])
			}
			if strings.Contains(string(x.Result), "Question has_policy") || strings.Contains(string(x.Result), `"sections"`) ||
				strings.Contains(string(x.Result)+string(x.Input), secret) {
				t.Errorf("%s carries the questionnaire or the supplier's secret: %.300s", x.Action, x.Result)
			}
		}
		created, sentEv, first, second, submitted, reviewed, returned := evs[0], evs[1], evs[2], evs[3], evs[4], evs[5], evs[6]
		wantActor(t, created, auth.RoleProcurement, "")
		if created.Data["status"] != "draft" || created.Data["template_id"] != a.tpl || len(created.Changes) != 0 {
			t.Errorf("created: data %v changes %v", created.Data, created.Changes)
		}
		wantActor(t, sentEv, auth.RoleProcurement, "")
		wantChange(t, sentEv, "status", "draft", "sent")
		wantChange(t, sentEv, "supplier_key_id", "", keyID)

		wantActor(t, first, auth.RoleSupplier, keyID)
		wantChange(t, first, "status", "sent", "in_progress")
		wantChange(t, first, "answers.has_policy", nil, map[string]any{"value": "yes"})
		wantChange(t, first, "answered", 0, 5)
		if p, _ := first.Data["progress"].(map[string]any); first.Data["answers_changed"] != 5.0 || p["answered"] != 5.0 {
			t.Errorf("first save: answers_changed %v, progress %v", first.Data["answers_changed"], first.Data["progress"])
		}
		wantChange(t, second, "answers.staff_count", map[string]any{"value": "5"}, map[string]any{"value": "6"})
		if _, ok := second.Changes["answers.hosting"]; ok || second.Data["answers_changed"] != 1.0 {
			t.Errorf("an answer saved unchanged is listed: %v", second.Changes)
		}

		wantActor(t, submitted, auth.RoleSupplier, keyID)
		wantChange(t, submitted, "status", "in_progress", "submitted")
		wantActor(t, reviewed, auth.RoleProcurement, "")
		wantChange(t, reviewed, "status", "submitted", "under_review")
		if c := reviewed.Changes["answers.staff_count"]; !strings.Contains(js(c[1]), `"flag":"needs_clarification"`) ||
			!strings.Contains(js(c[1]), "Only six?") {
			t.Errorf("answer review change %v", c)
		}
		wantChange(t, returned, "status", "under_review", "returned")
		wantChange(t, returned, "return_comment", "", "See staff.")

		// Evidence: its own subject, metadata and hash, never the content.
		evidence := e.domainEvents(t, ev.str("id"))
		wantActions(t, "evidence", evidence, "assessment.evidence_added")
		got := evidence[0]
		wantActor(t, got, auth.RoleSupplier, keyID)
		if got.ResourceType != "evidence" || got.Data["file_name"] != "policy.pdf" || got.Data["size"] != float64(len(pdfFile)) ||
			got.Data["sha256"] != sha256Hex(pdfFile) || js(got.Data["question_keys"]) != `["has_policy"]` ||
			got.Data["assessment_id"] != id {
			t.Errorf("evidence event %s: %v", got.ResourceType, got.Data)
		}
		if strings.Contains(string(got.Result), "Catalog") {
			t.Errorf("the file's content is in the event: %.300s", got.Result)
		}

		// Cancel.
		other := a.issue(t, eng, "depth", "core", "template_id", a.publishTemplate(t, "Second template")).ID
		must(t, a.do(t, "POST", "/api/v1/assessments/"+other+"/cancel", a.admin, nil), http.StatusOK)
		cancelled := e.domainEvents(t, other)
		wantActions(t, "cancelled", cancelled, "assessment.created", "assessment.cancelled")
		wantActor(t, cancelled[1], auth.RoleAdmin, "")
		wantChange(t, cancelled[1], "status", "draft", "cancelled")
	})
}

// TestCompletionRaisesFindingEvents: completing an assessment records assessment.completed with its
// final score, then finding.raised for each weak answer, in the same request and by the reviewer, each
// with the reason; a tier override re-rates them (finding.retiered, a system reason).
func TestCompletionRaisesFindingEvents(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		tpl := e.publishScoreTemplate(t)
		eng := e.createEngagement(t, fixedScoreBody(e.newVendor(t, "Weak Answers KK"), "Weak service")).ID
		id := must(t, e.do(t, "POST", "/api/v1/assessments", e.admin, map[string]any{"engagement_id": eng, "template_id": tpl,
			"due_date": "2025-06-30"}), http.StatusCreated).str("id")
		var sent api.SendResponse
		must(t, e.do(t, "POST", "/api/v1/assessments/"+id+"/send", e.admin, nil), http.StatusOK).into(t, &sent)
		must(t, e.do(t, "PUT", "/api/v1/supplier/assessments/"+id+"/answers", sent.SupplierKey.Secret, map[string]any{"answers": []map[string]any{
			{"key": "q1", "value": "no"}, {"key": "q2", "value": "partial"}, {"key": "q3", "value": "yes"}}}), http.StatusOK)
		must(t, e.do(t, "POST", "/api/v1/supplier/assessments/"+id+"/submit", sent.SupplierKey.Secret, nil), http.StatusOK)
		r := must(t, e.do(t, "POST", "/api/v1/assessments/"+id+"/review", e.admin, map[string]any{"decision": "complete"}), http.StatusOK)

		evs := e.domainEvents(t, id)
		done := evs[len(evs)-1]
		if done.Action != "assessment.completed" || done.Data["score_bp"] == nil || done.Data["status"] != "completed" {
			t.Fatalf("last assessment event %s data %v", done.Action, done.Data)
		}
		var raised []recorded
		for _, ev := range e.auditAll(t, url.Values{"action": {"finding.raised"}}) {
			raised = append(raised, e.domainEvents(t, ev.ResourceID)[0])
		}
		if len(raised) != 2 {
			t.Fatalf("%d findings raised, want 2 (q1 no, q2 partial)", len(raised))
		}
		for _, f := range raised {
			wantActor(t, f, auth.RoleAdmin, "")
			if f.RequestID != r.Header.Get("X-Request-ID") || f.Seq <= done.Seq || f.Data["assessment_id"] != id ||
				!strings.Contains(f.Reason, id) || f.Data["status"] != "open" || f.Data["priority"] == nil {
				t.Errorf("raised finding %s: request %s seq %d (completed at %d), reason %q, data %v", f.ResourceID, f.RequestID, f.Seq,
					done.Seq, f.Reason, f.Data)
			}
		}

		// A tier override re-rates the findings as the system's consequence of the caller's change.
		owner := e.key(t, auth.RoleRiskOwner, "")
		must(t, e.do(t, "POST", "/api/v1/engagements/"+eng+"/tier-override", owner, map[string]any{"tier": 1, "reason": "runs payroll"}),
			http.StatusOK)
		for _, f := range raised {
			evs := e.domainEvents(t, f.ResourceID)
			last := evs[len(evs)-1]
			if last.Action != "finding.retiered" || !strings.Contains(last.Reason, "tier is now 1") {
				t.Errorf("after the override: %v, reason %q", eventTypes(evs), last.Reason)
				continue
			}
			wantActor(t, last, auth.RoleRiskOwner, "")
			wantChange(t, last, "severity", "high", "critical")
		}
	})
}

// TestFindingEvents: a finding by hand, its update, its remediation items and their verification, and
// the supplier's response each record their event; the finding's status moving with its items is
// recorded as the system's change, with the reason.
func TestFindingEvents(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		vendorID := e.newVendor(t, "Finding Events KK")
		eng := e.createEngagement(t, engagementBody(vendorID)).ID
		fid := must(t, e.do(t, "POST", "/api/v1/findings", e.admin, map[string]any{"engagement_id": eng,
			"title": "No MFA on remote access", "severity": "high"}), http.StatusCreated).str("id")
		must(t, e.do(t, "PATCH", "/api/v1/findings/"+fid, e.admin, map[string]any{"internal_notes": "Raised in the QBR"}), http.StatusOK)
		rem := must(t, e.do(t, "POST", "/api/v1/findings/"+fid+"/remediations", e.admin, map[string]any{
			"type": "corrective", "owner": "supplier", "description": "Enable MFA", "due_date": "2025-05-01"}), http.StatusCreated).str("id")
		supplier := e.key(t, auth.RoleSupplier, vendorID)
		// The supplier responds and marks its item done in one request.
		must(t, e.do(t, "POST", "/api/v1/supplier/findings/"+fid+"/response", supplier, map[string]any{"response": "Rolling out MFA",
			"done": []string{rem}}), http.StatusOK)
		must(t, e.do(t, "POST", "/api/v1/remediations/"+rem+"/verify", e.admin, map[string]any{"passed": true}), http.StatusOK)

		evs := e.domainEvents(t, fid)
		wantActions(t, "finding", evs, "finding.raised", "finding.updated", "finding.remediation_planned", "finding.supplier_responded",
			"finding.resolved", "finding.closed")
		raised, updated, planned, responded, resolved, closed := evs[0], evs[1], evs[2], evs[3], evs[4], evs[5]
		wantActor(t, raised, auth.RoleAdmin, "")
		if raised.Reason != "" || raised.Data["source"] != "manual" || raised.Data["vendor_id"] != vendorID {
			t.Errorf("raised by hand: reason %q data %v", raised.Reason, raised.Data)
		}
		wantChange(t, updated, "internal_notes", "", "Raised in the QBR")
		if len(updated.Changes) != 2 { // internal_notes and version
			t.Errorf("update changed %v, want internal_notes and version only", updated.Changes)
		}
		wantChange(t, planned, "status", "open", "remediation_planned")
		wantChange(t, planned, "next_due", nil, "2025-05-01T00:00:00Z")
		if !strings.Contains(planned.Reason, rem) {
			t.Errorf("planned: reason %q, want the item", planned.Reason)
		}
		wantActor(t, responded, auth.RoleSupplier, "")
		wantChange(t, responded, "supplier_response", "", "Rolling out MFA")
		wantActor(t, resolved, auth.RoleSupplier, "")
		if resolved.RequestID != responded.RequestID {
			t.Errorf("resolved in request %s, the response was %s", resolved.RequestID, responded.RequestID)
		}
		wantChange(t, resolved, "status", "remediation_planned", "resolved")
		wantChange(t, closed, "status", "resolved", "closed")
		if resolved.Reason == "" || closed.Reason == "" {
			t.Errorf("status moves made by the system need a reason: %q, %q", resolved.Reason, closed.Reason)
		}

		items := e.domainEvents(t, rem)
		wantActions(t, "remediation", items, "remediation.created", "remediation.done", "remediation.verified")
		wantActor(t, items[1], auth.RoleSupplier, "")
		wantChange(t, items[1], "status", "open", "done")
		wantActor(t, items[2], auth.RoleAdmin, "")
		wantChange(t, items[2], "status", "done", "verified")
		for _, x := range items {
			if x.ResourceType != "remediation" || x.Data["finding_id"] != fid || x.Data["vendor_id"] != vendorID {
				t.Errorf("%s: resource %s data %v", x.Action, x.ResourceType, x.Data)
			}
		}
		if closed.RequestID != items[2].RequestID {
			t.Errorf("the finding closed in another request (%s) than the verification (%s)", closed.RequestID, items[2].RequestID)
		}
	})
}

// TestTemplateAndFrameworkEvents: templates and frameworks record small payloads: identity, status and
// counts (a content hash for templates), never the questions or controls.
func TestTemplateAndFrameworkEvents(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		proc := e.key(t, auth.RoleProcurement, "")
		id := must(t, e.do(t, "POST", "/api/v1/questionnaire-templates", proc, asmTemplateBody("Evented template")), http.StatusCreated).str("id")
		body := asmTemplateBody("Evented template, renamed")
		must(t, e.do(t, "PATCH", "/api/v1/questionnaire-templates/"+id, proc, body), http.StatusOK)
		must(t, e.do(t, "POST", "/api/v1/questionnaire-templates/"+id+"/publish", proc, nil), http.StatusOK)
		next := must(t, e.do(t, "POST", "/api/v1/questionnaire-templates/"+id+"/new-version", proc, nil), http.StatusCreated).str("id")
		must(t, e.do(t, "POST", "/api/v1/questionnaire-templates/"+id+"/archive", e.admin, nil), http.StatusOK)

		evs := e.domainEvents(t, id)
		wantActions(t, "template", evs, "questionnaire_template.created", "questionnaire_template.updated",
			"questionnaire_template.published", "questionnaire_template.archived")
		created, updated, published, archived := evs[0], evs[1], evs[2], evs[3]
		wantActor(t, created, auth.RoleProcurement, "")
		if created.Data["questions"] != 14.0 || created.Data["sections"] != 2.0 || created.Data["status"] != "draft" ||
			created.Data["content_sha256"] == "" {
			t.Errorf("created: %v", created.Data)
		}
		wantChange(t, updated, "name", map[string]any{"en": "Evented template", "ja": "Evented template（日本語）"},
			map[string]any{"en": "Evented template, renamed", "ja": "Evented template, renamed（日本語）"})
		if _, ok := updated.Changes["content_sha256"]; !ok {
			t.Errorf("an edit does not show the content changed: %v", updated.Changes)
		}
		wantChange(t, published, "status", "draft", "published")
		wantChange(t, archived, "status", "published", "archived")
		wantActor(t, archived, auth.RoleAdmin, "")
		for _, x := range evs {
			if len(x.Result) > 2048 || strings.Contains(string(x.Result), "Question has_policy") {
				t.Errorf("%s carries the questions (%d bytes): %.200s", x.Action, len(x.Result), x.Result)
			}
		}
		versioned := e.domainEvents(t, next)
		wantActions(t, "new version", versioned, "questionnaire_template.version_created")
		if d := versioned[0].Data; d["source_id"] != id || d["number"] != 2.0 || d["family_id"] != id || d["status"] != "draft" {
			t.Errorf("version created: %v", d)
		}

		doc := must(t, e.do(t, "GET", "/api/v1/questionnaire-templates/"+id+"/export", proc, nil), http.StatusOK).Raw
		imported := must(t, e.do(t, "POST", "/api/v1/questionnaire-templates/import", proc, doc), http.StatusCreated).str("id")
		wantActions(t, "import", e.domainEvents(t, imported), "questionnaire_template.imported")

		fw := customFramework()
		must(t, e.do(t, "POST", "/api/v1/frameworks", proc, fw), http.StatusCreated)
		fwEvents := e.domainEvents(t, fw["id"].(string))
		wantActions(t, "framework", fwEvents, "framework.created")
		if d := fwEvents[0].Data; d["controls"] != 1.0 || d["source"] != "custom" || d["name"] != "Matrix standard" {
			t.Errorf("framework created: %v", d)
		}
		wantActor(t, fwEvents[0], auth.RoleProcurement, "")
	})
}

// TestBuiltInTemplateEvents: the built-in templates published at start-up are the system's changes, with
// the reason; an unchanged set records nothing; a changed document archives the old version and
// publishes the next, both recorded.
func TestBuiltInTemplateEvents(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		if _, err := e.catalog.EnsureBuiltIn(t.Context()); err != nil {
			t.Fatal(err)
		}
		docs, err := questionnaire.BuiltInDocuments()
		if err != nil {
			t.Fatal(err)
		}
		published := func() []api.AuditEventResponse {
			return e.auditAll(t, url.Values{"action": {"questionnaire_template.published"}})
		}
		if _, err := e.templates.EnsureBuiltIn(t.Context(), docs); err != nil {
			t.Fatal(err)
		}
		first := published()
		if len(first) != len(docs) {
			t.Fatalf("%d built-ins published, %d events", len(docs), len(first))
		}
		for _, ev := range first {
			if ev.ActorRole != "system" || !strings.Contains(string(ev.Input), "built-in template shipped") {
				t.Errorf("%s of %s by %s, input %s: want the system's, with the reason", ev.Action, ev.ResourceID, ev.ActorRole, ev.Input)
			}
		}
		if _, err := e.templates.EnsureBuiltIn(t.Context(), docs); err != nil || len(published()) != len(first) {
			t.Errorf("an unchanged start-up recorded events (err %v)", err)
		}

		changed := tplChangedDoc(t, docs, "cloud-provider-security")
		newDocs := slices.Clone(docs)
		for i, d := range docs {
			if strings.Contains(string(d), `"key": "cloud-provider-security"`) {
				newDocs[i] = changed
			}
		}
		if n, err := e.templates.EnsureBuiltIn(t.Context(), newDocs); err != nil || n != 1 {
			t.Fatalf("changed built-in: %d, %v", n, err)
		}
		archived := e.auditAll(t, url.Values{"action": {"questionnaire_template.archived"}})
		if len(archived) != 1 || len(published()) != len(first)+1 {
			t.Fatalf("after a changed built-in: %d archived, %d published events", len(archived), len(published()))
		}
		old := e.domainEvents(t, archived[0].ResourceID)
		last := old[len(old)-1]
		wantChange(t, last, "status", "published", "archived")
		if last.ActorRole != "system" || !strings.Contains(last.Reason, "superseded by built-in version 2") {
			t.Errorf("archive by %s, reason %q", last.ActorRole, last.Reason)
		}
	})
}
