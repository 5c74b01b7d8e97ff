package api_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/vendorrisk/vendorrisk/domain/auth"
)

// oscalSchemas are the official NIST OSCAL 1.1.3 schemas (testdata/oscal-schemas/SOURCE.md), checked
// against the SHA-256 of the release before they are trusted.
var oscalSchemas = map[string]struct{ file, id, sha string }{
	"ar": {"oscal_assessment-results_schema.json", "http://csrc.nist.gov/ns/oscal/1.1.3/oscal-ar-schema.json",
		"d9e34757f0c12aff61f52b821f0b8f83ba0ba75b3a149a202b08ba82f82bc4c3"},
	"poam": {"oscal_poam_schema.json", "http://csrc.nist.gov/ns/oscal/1.1.3/oscal-poam-schema.json",
		"e404043fef9cc6108c0e895932f513043d54f28457b4eb02e74dc0cff1215e16"},
}

func oscalSchema(t *testing.T, name string) *jsonschema.Schema {
	t.Helper()
	s := oscalSchemas[name]
	raw, err := os.ReadFile(filepath.Join("..", "testdata", "oscal-schemas", s.file))
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(raw); hex.EncodeToString(sum[:]) != s.sha {
		t.Fatalf("%s has SHA-256 %x, want the NIST release's %s", s.file, sum, s.sha)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(s.id, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(s.id)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// validateOSCAL checks an export against the schema, and that every UUID it refers to (an observation,
// risk, finding or actor, or a "#uuid" link to a back-matter resource) is defined in it: the schema
// cannot check references.
func validateOSCAL(t *testing.T, sch *jsonschema.Schema, body []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("export is not valid OSCAL 1.1.3: %v\n%s", err, body)
	}
	defined, refs := map[string]bool{}, map[string]string{}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				s, _ := x.(string)
				switch {
				case k == "uuid":
					defined[s] = true
				case k == "observation-uuid" || k == "risk-uuid" || k == "finding-uuid" || k == "actor-uuid":
					refs[s] = k
				case k == "href" && strings.HasPrefix(s, "#"):
					refs[s[1:]] = k
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(inst)
	if len(refs) == 0 { // every export links at least its plan (import-ap) or a finding's risk
		t.Errorf("no references found in the export: the check checks nothing")
	}
	for ref, k := range refs {
		if !defined[ref] {
			t.Errorf("%s %s refers to nothing in the export", k, ref)
		}
	}
}

// oscalAssessment completes an assessment of findingTemplate with an evidence file on q1, raising
// findings on q1 (no) and q2 (partial), and gives q1's finding a remediation item.
func oscalAssessment(t *testing.T, f *findingEnv) (asmID, q1Finding string, evidence []byte) {
	t.Helper()
	asmID = must(t, f.do(t, "POST", "/api/v1/assessments", f.admin, map[string]any{"engagement_id": f.eng, "template_id": f.tpl,
		"due_date": "2025-06-30"}), http.StatusCreated).str("id")
	sup := must(t, f.do(t, "POST", "/api/v1/assessments/"+asmID+"/send", f.admin, nil), http.StatusOK).
		JSON["supplier_key"].(map[string]any)["secret"].(string)
	must(t, f.do(t, "PUT", "/api/v1/supplier/assessments/"+asmID+"/answers", sup, map[string]any{"answers": []map[string]any{
		{"key": "q1", "value": "no"}, {"key": "q2", "value": "partial"}, {"key": "q3", "value": "yes"}}}), http.StatusOK)
	evidence = []byte("MFA rollout plan, draft 2\n")
	must(t, f.do(t, "POST", "/api/v1/supplier/assessments/"+asmID+"/evidence", sup,
		upload{field: "file", name: "mfa-plan.txt", data: evidence, fields: map[string][]string{"question_keys": {"q1"}}}), http.StatusCreated)
	must(t, f.do(t, "POST", "/api/v1/supplier/assessments/"+asmID+"/submit", sup, nil), http.StatusOK)
	must(t, f.do(t, "POST", "/api/v1/assessments/"+asmID+"/review", f.admin, map[string]any{"decision": "complete"}), http.StatusOK)
	q1Finding = f.byQuestion(t)["q1"].ID
	must(t, f.do(t, "POST", "/api/v1/findings/"+q1Finding+"/remediations", f.admin, map[string]any{
		"type": "corrective", "owner": "supplier", "description": "Enforce MFA for every administrator", "due_date": "2025-09-30"}), http.StatusCreated)
	return asmID, q1Finding, evidence
}

func TestOSCALAssessmentResults(t *testing.T) {
	sch := oscalSchema(t, "ar")
	eachDB(t, func(t *testing.T, e *env) {
		f := newFindingEnv(t, e)
		asmID, q1, evidence := oscalAssessment(t, f)
		path := "/api/v1/assessments/" + asmID + "/oscal/assessment-results"
		first := must(t, e.do(t, "GET", path, e.admin, nil), http.StatusOK)
		validateOSCAL(t, sch, first.Raw)
		again := must(t, e.do(t, "GET", path, e.key(t, auth.RoleAuditor, ""), nil, "Accept", "application/oscal+json"), http.StatusOK)
		if !bytes.Equal(first.Raw, again.Raw) {
			t.Errorf("the same export twice differs:\n%s\n%s", first.Raw, again.Raw)
		}
		if ct := again.Header.Get("Content-Type"); ct != "application/oscal+json; charset=utf-8" {
			t.Errorf("Content-Type %q when Accept asks for application/oscal+json", ct)
		}
		if ct := first.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Errorf("Content-Type %q by default, want application/json", ct)
		}

		var doc struct {
			AR struct {
				UUID    string `json:"uuid"`
				Results []struct {
					Observations []struct {
						UUID             string `json:"uuid"`
						Title            string `json:"title"`
						RelevantEvidence []struct {
							Href string `json:"href"`
						} `json:"relevant-evidence"`
					} `json:"observations"`
					Findings []struct {
						UUID   string `json:"uuid"`
						Target struct {
							TargetID string `json:"target-id"`
							Status   struct {
								State string `json:"state"`
							} `json:"status"`
						} `json:"target"`
						Props []struct{ Name, Value string } `json:"props"`
						Obs   []struct {
							UUID string `json:"observation-uuid"`
						} `json:"related-observations"`
					} `json:"findings"`
				} `json:"results"`
				BackMatter struct {
					Resources []struct {
						UUID   string `json:"uuid"`
						RLinks []struct {
							Hashes []struct{ Algorithm, Value string } `json:"hashes"`
						} `json:"rlinks"`
					} `json:"resources"`
				} `json:"back-matter"`
			} `json:"assessment-results"`
		}
		first.into(t, &doc)
		res := doc.AR.Results[0]
		if len(res.Observations) != 3 {
			t.Fatalf("observations = %+v, want one per answer", res.Observations)
		}
		obs := map[string]string{}
		var evidenceHref string
		for _, o := range res.Observations {
			obs[o.Title] = o.UUID
			if o.Title == "q1" && len(o.RelevantEvidence) == 1 {
				evidenceHref = o.RelevantEvidence[0].Href
			}
		}
		sum := sha256.Sum256(evidence)
		hashed := false
		for _, r := range doc.AR.BackMatter.Resources {
			if "#"+r.UUID == evidenceHref && len(r.RLinks) == 1 && len(r.RLinks[0].Hashes) == 1 &&
				r.RLinks[0].Hashes[0] == (struct{ Algorithm, Value string }{"SHA-256", hex.EncodeToString(sum[:])}) {
				hashed = true
			}
		}
		if !hashed {
			t.Errorf("q1's relevant evidence %q does not lead to a resource with the file's SHA-256", evidenceHref)
		}
		if len(res.Findings) != 2 {
			t.Fatalf("findings = %+v, want q1 and q2", res.Findings)
		}
		for _, fd := range res.Findings {
			if fd.Target.TargetID != "iso27001-2022_5.19" || fd.Target.Status.State != "not-satisfied" {
				t.Errorf("finding target = %+v, want control iso27001-2022:5.19 not satisfied", fd.Target)
			}
			refs, id := "", ""
			for _, p := range fd.Props {
				switch p.Name {
				case "control-ref":
					refs += p.Value
				case "finding-id":
					id = p.Value
				}
			}
			if refs != "iso27001-2022:5.19" {
				t.Errorf("control-ref props = %q", refs)
			}
			if id == q1 && (len(fd.Obs) != 1 || fd.Obs[0].UUID != obs["q1"]) {
				t.Errorf("q1's finding relates to %+v, want q1's observation %s", fd.Obs, obs["q1"])
			}
		}

		// A draft (no answers, no evidence, no findings) is valid OSCAL too.
		draft := must(t, e.do(t, "POST", "/api/v1/assessments", e.admin, map[string]any{"engagement_id": f.eng, "template_id": f.tpl,
			"due_date": "2025-06-30"}), http.StatusCreated).str("id")
		validateOSCAL(t, sch, must(t, e.do(t, "GET", "/api/v1/assessments/"+draft+"/oscal/assessment-results", e.admin, nil,
			"Accept-Language", "ja"), http.StatusOK).Raw)

		wantProblem(t, e.do(t, "GET", path, e.key(t, auth.RoleSupplier, f.vendorID), nil), http.StatusNotFound)
		wantProblem(t, e.do(t, "GET", "/api/v1/assessments/0193a7c2-5b1e-7d3a-9f00-1c2d3e4f5a6b/oscal/assessment-results", e.admin, nil), http.StatusNotFound)
	})
}

func TestOSCALPOAM(t *testing.T) {
	sch := oscalSchema(t, "poam")
	eachDB(t, func(t *testing.T, e *env) {
		f := newFindingEnv(t, e)
		path := "/api/v1/engagements/" + f.eng + "/oscal/poam"
		wantEmptyPOAM(t, e.do(t, "GET", path, e.admin, nil))

		// A manual finding maps to no control: its target is the finding itself.
		manual := must(t, e.do(t, "POST", "/api/v1/findings", e.admin, map[string]any{"engagement_id": f.eng,
			"title": "  Backups never restored  ", "severity": "low"}), http.StatusCreated).str("id")
		validateOSCAL(t, sch, must(t, e.do(t, "GET", path, e.admin, nil), http.StatusOK).Raw)
		must(t, e.do(t, "PATCH", "/api/v1/findings/"+manual, e.admin, map[string]any{"status": "closed"}), http.StatusOK)

		_, q1, _ := oscalAssessment(t, f)
		first := must(t, e.do(t, "GET", path, e.admin, nil), http.StatusOK)
		validateOSCAL(t, sch, first.Raw)
		again := must(t, e.do(t, "GET", path, e.key(t, auth.RoleRiskOwner, ""), nil), http.StatusOK)
		if !bytes.Equal(first.Raw, again.Raw) {
			t.Errorf("the same export twice differs:\n%s\n%s", first.Raw, again.Raw)
		}
		var doc struct {
			P struct {
				Items []struct {
					UUID  string                         `json:"uuid"`
					Props []struct{ Name, Value string } `json:"props"`
					Risks []struct {
						UUID string `json:"risk-uuid"`
					} `json:"related-risks"`
				} `json:"poam-items"`
				Risks []struct {
					UUID         string `json:"uuid"`
					Status       string `json:"status"`
					Deadline     string `json:"deadline"`
					Remediations []struct {
						Lifecycle, Description string
						Tasks                  []struct {
							Timing struct {
								OnDate struct{ Date string } `json:"on-date"`
							} `json:"timing"`
						} `json:"tasks"`
					} `json:"remediations"`
					Chars []struct {
						Facets []struct{ Name, Value string } `json:"facets"`
					} `json:"characterizations"`
				} `json:"risks"`
			} `json:"plan-of-action-and-milestones"`
		}
		first.into(t, &doc)
		if len(doc.P.Items) != 2 || len(doc.P.Risks) != 2 {
			t.Fatalf("poam = %s, want two items and two risks", first.Raw)
		}
		found := false
		for _, r := range doc.P.Risks {
			if len(r.Remediations) == 0 {
				if r.Status != "open" || r.Deadline != "" {
					t.Errorf("risk without remediation = %+v, want open without deadline", r)
				}
				continue
			}
			found = true
			rem := r.Remediations[0]
			if r.Status != "remediating" || r.Deadline != "2025-09-30T00:00:00Z" || rem.Lifecycle != "planned" ||
				!strings.Contains(rem.Description, "Enforce MFA") || rem.Tasks[0].Timing.OnDate.Date != "2025-09-30T00:00:00Z" {
				t.Errorf("q1's risk = %+v, want remediating with the item due 2025-09-30", r)
			}
			if len(r.Chars) != 1 || r.Chars[0].Facets[0].Name != "severity" || r.Chars[0].Facets[0].Value != "high" {
				t.Errorf("risk characterization = %+v, want severity high", r.Chars)
			}
		}
		if !found {
			t.Errorf("no risk carries q1's (%s) remediation item: %s", q1, first.Raw)
		}

		// Closing q2's finding, a day later, drops it from the plan; q1's item keeps its UUID, and the
		// plan's last-modified moves to the change.
		e.clock.Advance(24 * time.Hour)
		for _, it := range must(t, e.do(t, "GET", "/api/v1/findings?engagement_id="+f.eng, e.admin, nil), http.StatusOK).items(t) {
			if it["question_key"] == "q2" {
				must(t, e.do(t, "PATCH", "/api/v1/findings/"+it["id"].(string), e.admin, map[string]any{"status": "closed"}), http.StatusOK)
			}
		}
		type item struct {
			UUID  string                         `json:"uuid"`
			Props []struct{ Name, Value string } `json:"props"`
		}
		var before, after struct {
			P struct {
				Metadata struct {
					LastModified string `json:"last-modified"`
				} `json:"metadata"`
				Items []item `json:"poam-items"`
			} `json:"plan-of-action-and-milestones"`
		}
		first.into(t, &before)
		must(t, e.do(t, "GET", path, e.admin, nil), http.StatusOK).into(t, &after)
		if len(after.P.Items) != 1 {
			t.Fatalf("after closing q2 the plan has %d items, want 1", len(after.P.Items))
		}
		kept := slices.ContainsFunc(before.P.Items, func(it item) bool { return it.UUID == after.P.Items[0].UUID })
		if !kept || !slices.Contains(after.P.Items[0].Props, struct{ Name, Value string }{"finding-id", q1}) {
			t.Errorf("q1's poam-item %s is not the one of the first export %+v", after.P.Items[0].UUID, before.P.Items)
		}
		if want := e.clock.Now().UTC().Format(time.RFC3339Nano); after.P.Metadata.LastModified != want ||
			before.P.Metadata.LastModified == want {
			t.Errorf("last-modified %s → %s, want it to move to the change at %s", before.P.Metadata.LastModified,
				after.P.Metadata.LastModified, want)
		}

		wantProblem(t, e.do(t, "GET", path, e.key(t, auth.RoleSupplier, f.vendorID), nil), http.StatusNotFound)
	})
}

// wantEmptyPOAM checks the refusal of a POA&M with nothing to plan says why: OSCAL needs a poam-item.
func wantEmptyPOAM(t *testing.T, r resp) {
	t.Helper()
	wantProblem(t, r, http.StatusUnprocessableEntity, "id")
	if d := r.str("detail"); !strings.Contains(d, "no open finding and no accepted risk") {
		t.Errorf("detail %q does not say the engagement has nothing to plan", d)
	}
	if !strings.Contains(r.String(), "requires at least one poam-item") {
		t.Errorf("the problem does not say OSCAL requires a poam-item: %s", r)
	}
}

// TestOSCALPOAMAcceptedRisk: a finding whose risk is accepted stays in the POA&M as a risk that is
// deviation-approved until the acceptance's expiry, with the approval in its risk log (valid against
// the OSCAL schema); an engagement whose only finding is accepted still has a plan, and once the
// acceptance is revoked the finding is open again in it.
func TestOSCALPOAMAcceptedRisk(t *testing.T) {
	sch := oscalSchema(t, "poam")
	eachDB(t, func(t *testing.T, e *env) {
		f := newFindingEnv(t, e)
		path := "/api/v1/engagements/" + f.eng + "/oscal/poam"
		wantEmptyPOAM(t, e.do(t, "GET", path, e.admin, nil))
		if r := e.do(t, "GET", path, e.admin, nil, "Accept-Language", "ja"); !strings.Contains(r.str("detail"), "POA&M がありません") {
			t.Errorf("Japanese detail %q", r.str("detail"))
		}

		fid := must(t, e.do(t, "POST", "/api/v1/findings", e.admin, map[string]any{"engagement_id": f.eng,
			"title": "No yearly penetration test", "severity": "medium"}), http.StatusCreated).str("id")
		roA, roB := e.person(t, auth.RoleRiskOwner, "RO Asker"), e.person(t, auth.RoleRiskOwner, "RO Approver")
		a := e.askAcceptance(t, roA.secret, fid, "2025-05-01")
		e.clock.Advance(time.Hour)
		approved := e.acceptanceDo(t, roB.secret, a.ID, "approve", nil, http.StatusOK)
		if e.findingStatus(t, fid) != "risk_accepted" {
			t.Fatalf("finding %s after the approval", e.findingStatus(t, fid))
		}

		r := must(t, e.do(t, "GET", path, e.admin, nil), http.StatusOK)
		validateOSCAL(t, sch, r.Raw)
		type prop struct{ Name, Value string }
		var doc struct {
			P struct {
				Metadata struct {
					LastModified string `json:"last-modified"`
				} `json:"metadata"`
				Items []struct {
					Props []prop `json:"props"`
				} `json:"poam-items"`
				Risks []struct {
					Status   string `json:"status"`
					Deadline string `json:"deadline"`
					Props    []prop `json:"props"`
					Log      struct {
						Entries []struct {
							Start, Description string
							Status             string `json:"status-change"`
							Props              []prop `json:"props"`
						} `json:"entries"`
					} `json:"risk-log"`
				} `json:"risks"`
			} `json:"plan-of-action-and-milestones"`
		}
		r.into(t, &doc)
		if len(doc.P.Items) != 1 || len(doc.P.Risks) != 1 {
			t.Fatalf("poam = %s, want the accepted finding's item and risk", r.Raw)
		}
		risk, item := doc.P.Risks[0], doc.P.Items[0]
		if risk.Status != "deviation-approved" || risk.Deadline != "2025-05-01T00:00:00Z" ||
			!slices.Contains(risk.Props, prop{"risk-acceptance-id", a.ID}) || !slices.Contains(risk.Props, prop{"accepted-until", "2025-05-01"}) {
			t.Errorf("accepted risk = %+v, want deviation-approved until 2025-05-01 naming acceptance %s", risk, a.ID)
		}
		if len(risk.Log.Entries) != 1 || risk.Log.Entries[0].Status != "deviation-approved" ||
			risk.Log.Entries[0].Start != e.clock.Now().UTC().Format(time.RFC3339Nano) ||
			!strings.Contains(risk.Log.Entries[0].Description, "Compensating control") ||
			!slices.Contains(risk.Log.Entries[0].Props, prop{"approved-by", "RO Approver"}) {
			t.Errorf("risk log = %+v, want the approval by RO Approver at %s", risk.Log, approved.ApprovedAt)
		}
		if !slices.Contains(item.Props, prop{"status", "risk_accepted"}) || !slices.Contains(item.Props, prop{"accepted-until", "2025-05-01"}) {
			t.Errorf("poam-item props %+v", item.Props)
		}
		if again := must(t, e.do(t, "GET", path, e.admin, nil), http.StatusOK); !bytes.Equal(again.Raw, r.Raw) {
			t.Errorf("the same export twice differs")
		}

		// Revoked, the acceptance leaves the plan and the finding is an open risk again.
		e.clock.Advance(time.Hour)
		e.acceptanceDo(t, roA.secret, a.ID, "revoke", map[string]any{"reason": "The pen test is booked"}, http.StatusOK)
		after := must(t, e.do(t, "GET", path, e.admin, nil), http.StatusOK)
		validateOSCAL(t, sch, after.Raw)
		after.into(t, &doc)
		if len(doc.P.Risks) != 1 || doc.P.Risks[0].Status != "open" || doc.P.Risks[0].Log.Entries != nil ||
			doc.P.Metadata.LastModified != e.clock.Now().UTC().Format(time.RFC3339Nano) {
			t.Errorf("after the revocation: %s", after.Raw)
		}
	})
}
