package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
)

// TestFinalScoreStoredAtCompletion: completing an assessment stores its score; GET /score serves that
// one (state final) even after the stored answers change underneath, while a recomputation (the
// simulation) sees the new answers. The engagement's residual risk uses the stored score too.
func TestFinalScoreStoredAtCompletion(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		tpl := must(t, e.do(t, "POST", "/api/v1/questionnaire-templates", e.admin, scoreTemplate()), http.StatusCreated).str("id")
		must(t, e.do(t, "POST", "/api/v1/questionnaire-templates/"+tpl+"/publish", e.admin, nil), http.StatusOK)
		vendorID := e.newVendor(t, "Final Score Vendor")
		eng := e.createEngagement(t, engagementBody(vendorID)).ID
		id := must(t, e.do(t, "POST", "/api/v1/assessments", e.admin, map[string]any{"engagement_id": eng, "template_id": tpl,
			"due_date": "2025-06-30"}), http.StatusCreated).str("id")
		sup := must(t, e.do(t, "POST", "/api/v1/assessments/"+id+"/send", e.admin, nil), http.StatusOK).
			JSON["supplier_key"].(map[string]any)["secret"].(string)
		must(t, e.do(t, "PUT", "/api/v1/supplier/assessments/"+id+"/answers", sup, map[string]any{"answers": []map[string]any{
			{"key": "q1", "value": "yes"}, {"key": "q2", "value": "partial"}, {"key": "q3", "value": "na"}}}), http.StatusOK)
		must(t, e.do(t, "POST", "/api/v1/supplier/assessments/"+id+"/submit", sup, nil), http.StatusOK)

		finalScores := func() int {
			t.Helper()
			var n int
			if err := e.db.SQL().QueryRowContext(t.Context(),
				"SELECT COUNT(*) FROM assessments WHERE id = ? AND final_score IS NOT NULL", id).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := finalScores(); n != 0 {
			t.Fatalf("a submitted assessment has a stored final score")
		}
		must(t, e.do(t, "POST", "/api/v1/assessments/"+id+"/review", e.admin, map[string]any{"decision": "complete"}), http.StatusOK)
		if n := finalScores(); n != 1 {
			t.Fatalf("the completed assessment has no stored final score")
		}

		type score struct {
			State     string `json:"state"`
			OverallBP int    `json:"overall_bp"`
			Questions []struct {
				Key            string `json:"key"`
				Outcome        string `json:"outcome"`
				ContributionBP int    `json:"contribution_bp"`
			} `json:"questions"`
			Residual struct {
				ControlScoreBP int `json:"control_score_bp"`
			} `json:"residual_risk"`
		}
		first := must(t, e.do(t, "GET", "/api/v1/assessments/"+id+"/score", e.admin, nil), http.StatusOK)
		var atCompletion score
		first.into(t, &atCompletion)
		// (5 × 10000 + 3 × 5000) / 8, the n/a answer out of the denominator.
		if atCompletion.State != "final" || atCompletion.OverallBP != 8125 || atCompletion.Residual.ControlScoreBP != 8125 {
			t.Fatalf("score at completion = %+v, want final 8125 bp", atCompletion)
		}

		// Rewrite the stored answers behind the service's back: q1 fails, q2 scores nothing.
		var raw string
		if err := e.db.SQL().QueryRowContext(t.Context(), "SELECT answers FROM assessments WHERE id = ?", id).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		var answers map[string]map[string]any
		if err := json.Unmarshal([]byte(raw), &answers); err != nil {
			t.Fatalf("stored answers %s: %v", raw, err)
		}
		if answers["q1"]["value"] != "yes" || answers["q2"]["value"] != "partial" {
			t.Fatalf("stored answers %s, want q1 yes and q2 partial", raw)
		}
		answers["q1"]["value"], answers["q2"]["value"] = "no", "none"
		changed, err := json.Marshal(answers)
		if err != nil {
			t.Fatal(err)
		}
		res, err := e.db.SQL().ExecContext(t.Context(), "UPDATE assessments SET answers = ? WHERE id = ?", string(changed), id)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			t.Fatalf("the answer update changed %d rows", n)
		}

		// The change is real: the assessment shows the new answers and a recomputation scores them 0.
		r := must(t, e.do(t, "GET", "/api/v1/assessments/"+id, e.admin, nil), http.StatusOK)
		if !bytes.Contains(r.Raw, []byte(`"none"`)) {
			t.Fatalf("the assessment does not show the rewritten answers: %s", r)
		}
		var sim score
		must(t, e.do(t, "POST", "/api/v1/assessments/"+id+"/score/simulate", e.admin,
			map[string]any{"answers": []map[string]any{{"key": "q3", "value": "na"}}}), http.StatusOK).into(t, &sim)
		if sim.State != "simulated" || sim.OverallBP != 0 {
			t.Fatalf("a recomputation over the rewritten answers = %+v, want 0 bp", sim)
		}

		// GET /score still serves the score of completion time, byte for byte.
		again := must(t, e.do(t, "GET", "/api/v1/assessments/"+id+"/score", e.admin, nil), http.StatusOK)
		var after score
		again.into(t, &after)
		if after.State != "final" || after.OverallBP != atCompletion.OverallBP {
			t.Errorf("score after the answers changed = %+v, want final %d bp", after, atCompletion.OverallBP)
		}
		if !bytes.Equal(again.Raw, first.Raw) {
			t.Errorf("score body changed:\n%s\nwas\n%s", again.Raw, first.Raw)
		}
		// The engagement's residual risk uses the stored score as well.
		var withResidual struct {
			Residual *struct {
				AssessmentID   string `json:"assessment_id"`
				ControlScoreBP int    `json:"control_score_bp"`
			} `json:"residual_risk"`
		}
		must(t, e.do(t, "GET", "/api/v1/engagements/"+eng+"/risk", e.admin, nil), http.StatusOK).into(t, &withResidual)
		if withResidual.Residual == nil || withResidual.Residual.AssessmentID != id || withResidual.Residual.ControlScoreBP != 8125 {
			t.Errorf("engagement residual = %+v, want assessment %s at 8125 bp", withResidual.Residual, id)
		}
	})
}
