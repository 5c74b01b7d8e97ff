package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/domain/auth"
)

// TestAssessmentCrossVendor: vendor B's supplier key on every supplier URL of vendor A's assessment
// gets 404, exactly as for an id that does not exist, and nothing changes.
func TestAssessmentCrossVendor(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a := newAsmEnv(t, e)
		asmA, secretA := a.sent(t, "Alpha Cloud KK")
		idA := asmA.ID
		a.mustSave(t, secretA, idA, av("has_policy", "yes"), av("hosting", "aws"))
		var evA api.EvidenceResponse
		must(t, a.uploadFile(t, secretA, idA, "alpha.pdf", pdfFile, "has_policy"), http.StatusCreated).into(t, &evA)
		asmB, secretB := a.sent(t, "Bravo Hosting KK") // B's key comes from B's own assessment
		plainB := a.key(t, auth.RoleSupplier, asmB.VendorID)

		before := a.snapshot(t, "/api/v1/assessments/"+idA)
		blobs := a.blobFiles(t)
		nobody := unknownID()
		sup := "/api/v1/supplier/assessments/"
		cases := []struct {
			name         string
			method, path string
			body         any
			headers      []string
		}{
			{"GET one", "GET", sup + idA, nil, nil},
			{"PUT answers", "PUT", sup + idA + "/answers", map[string]any{"answers": []map[string]any{av("hosting", "gcp")}}, nil},
			{"PUT answers with If-Match", "PUT", sup + idA + "/answers", map[string]any{"answers": []map[string]any{av("hosting", "gcp")}},
				[]string{"If-Match", `"2"`}},
			{"PUT answers, stale If-Match", "PUT", sup + idA + "/answers", map[string]any{"answers": []map[string]any{av("hosting", "gcp")}},
				[]string{"If-Match", `"1"`}},
			{"PUT invalid answers", "PUT", sup + idA + "/answers", map[string]any{"answers": []map[string]any{av("nope", "x")}}, nil},
			{"POST evidence", "POST", sup + idA + "/evidence",
				upload{field: "file", name: "b.pdf", data: []byte("%PDF-1.4 bravo"), fields: map[string][]string{"question_keys": {"hosting"}}}, nil},
			{"POST submit", "POST", sup + idA + "/submit", nil, nil},
			{"GET evidence", "GET", "/api/v1/evidence/" + evA.ID, nil, nil},
			{"GET evidence content", "GET", "/api/v1/evidence/" + evA.ID + "/content", nil, nil},
		}
		for _, c := range cases {
			for _, k := range []struct{ name, secret string }{{"assessment key", secretB}, {"plain key", plainB}} {
				t.Run(c.name+"/"+k.name, func(t *testing.T) {
					r := a.do(t, c.method, c.path, k.secret, c.body, c.headers...)
					wantProblem(t, r, http.StatusNotFound)
					// The same request on an id that does not exist: the same answer, so nothing leaks.
					ghost := a.do(t, c.method, replaceID(c.path, idA, evA.ID, nobody), k.secret, c.body, c.headers...)
					if ghost.Status != r.Status || ghost.str("type") != r.str("type") || ghost.str("title") != r.str("title") {
						t.Errorf("another vendor's %s answers %s, an unknown id %s", c.path, r, ghost)
					}
				})
			}
		}
		t.Run("list", func(t *testing.T) {
			for _, q := range []string{"", "?status=in_progress", "?vendor_id=" + asmA.VendorID, "?engagement_id=" + asmA.EngagementID, "?overdue=false"} {
				for _, it := range must(t, a.do(t, "GET", "/api/v1/supplier/assessments"+q, secretB, nil), http.StatusOK).items(t) {
					if it["id"] != asmB.ID {
						t.Errorf("B's supplier list%s shows %v", q, it["id"])
					}
				}
			}
		})
		if after := a.snapshot(t, "/api/v1/assessments/"+idA); after != before {
			t.Errorf("B's requests changed A's assessment:\n%s\n%s", before, after)
		}
		if got := a.blobFiles(t); !slices.Equal(got, blobs) {
			t.Errorf("B's upload stored a file: %v, was %v", got, blobs)
		}
		// A's own supplier still has it all.
		if v := a.supplierGet(t, secretA, idA); len(v.Evidence) != 1 || v.AnswersVersion != 2 {
			t.Errorf("A's view after B's attempts: %d evidence, answers version %d", len(v.Evidence), v.AnswersVersion)
		}
	})
}

// replaceID swaps the assessment or evidence id in a path for another.
func replaceID(path, assessmentID, evidenceID, other string) string {
	for _, id := range []string{assessmentID, evidenceID} {
		if i := strings.Index(path, id); i >= 0 {
			return path[:i] + other + path[i+len(id):]
		}
	}
	return path
}

// TestAssessmentSupplierOnInternalURLs: a supplier key on the internal /assessments URLs gets 404, even
// for its own vendor's assessment; and a draft is invisible to the supplier.
func TestAssessmentSupplierOnInternalURLs(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a := newAsmEnv(t, e)
		asm, secret := a.sent(t, "Internal Cloud KK")
		id := asm.ID
		before := a.snapshot(t, "/api/v1/assessments/"+id)
		_, eng2 := a.engagement(t, "Internal Other KK")
		internal := []struct {
			method, path string
			body         any
		}{
			{"GET", "/api/v1/assessments", nil},
			{"GET", "/api/v1/assessments?vendor_id=" + asm.VendorID, nil},
			{"GET", "/api/v1/assessments/" + id, nil},
			{"POST", "/api/v1/assessments", a.issueBody(eng2)},
			{"POST", "/api/v1/assessments/" + id + "/send", nil},
			{"POST", "/api/v1/assessments/" + id + "/cancel", nil},
			{"POST", "/api/v1/assessments/" + id + "/answer-reviews", map[string]any{"reviews": []map[string]any{{"key": "hosting", "flag": "accepted"}}}},
			{"POST", "/api/v1/assessments/" + id + "/review", map[string]any{"decision": "complete"}},
		}
		for _, c := range internal {
			t.Run(c.method+" "+c.path, func(t *testing.T) {
				wantProblem(t, a.do(t, c.method, c.path, secret, c.body), http.StatusNotFound)
			})
		}
		if after := a.snapshot(t, "/api/v1/assessments/"+id); after != before {
			t.Errorf("the supplier's internal requests changed the assessment:\n%s\n%s", before, after)
		}
		if n := len(must(t, a.do(t, "GET", "/api/v1/assessments?engagement_id="+eng2, a.admin, nil), http.StatusOK).items(t)); n != 0 {
			t.Errorf("the supplier issued an assessment: %d on the engagement", n)
		}

		// A draft of the supplier's own vendor is invisible: every supplier URL answers 404.
		_, engDraft := a.engagementOfVendor(t, asm.VendorID, "Draft service")
		draft := a.issue(t, engDraft)
		t.Run("draft", func(t *testing.T) {
			a.wantInvisible(t, secret, draft.ID)
		})
		// An assessment cancelled while still a draft was never sent: the supplier must not learn of it
		// either (its title and message were never meant for the supplier).
		_, engCancelled := a.engagementOfVendor(t, asm.VendorID, "Cancelled draft service")
		cancelled := a.issue(t, engCancelled, "message", "internal: do not send yet")
		must(t, a.do(t, "POST", "/api/v1/assessments/"+cancelled.ID+"/cancel", a.proc, nil), http.StatusOK)
		t.Run("cancelled before it was sent", func(t *testing.T) {
			a.wantInvisible(t, secret, cancelled.ID)
		})
		// The sent one stays visible.
		if v := a.supplierGet(t, secret, id); v.Status != "sent" {
			t.Errorf("sent assessment: %s", v.Status)
		}
	})
}

// engagementOfVendor adds an engagement to an existing vendor.
func (a *asmEnv) engagementOfVendor(t *testing.T, vendorID, name string) (string, string) {
	t.Helper()
	return vendorID, a.createEngagement(t, fixedScoreBody(vendorID, name)).ID
}

// wantInvisible checks that the supplier sees nothing of assessment id.
func (a *asmEnv) wantInvisible(t *testing.T, secret, id string) {
	t.Helper()
	sup := "/api/v1/supplier/assessments/" + id
	wantProblem(t, a.do(t, "GET", sup, secret, nil), http.StatusNotFound)
	wantProblem(t, a.save(t, secret, id, []map[string]any{av("hosting", "aws")}), http.StatusNotFound)
	wantProblem(t, a.uploadFile(t, secret, id, "x.pdf", pdfFile, "hosting"), http.StatusNotFound)
	wantProblem(t, a.submit(t, secret, id), http.StatusNotFound)
	for _, q := range []string{"", "?status=draft", "?status=cancelled", "?limit=200"} {
		for _, it := range must(t, a.do(t, "GET", "/api/v1/supplier/assessments"+q, secret, nil), http.StatusOK).items(t) {
			if it["id"] == id {
				t.Errorf("the supplier list%s shows %s (%v)", q, id, it["status"])
			}
		}
	}
}
