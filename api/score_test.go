package api_test

import (
	"net/http"
	"testing"
)

// scoreTemplate has three weighted questions: a yes/no (weight 5), a choice with a partial option
// (weight 3) and a yes/no/n.a. (weight 2).
func scoreTemplate() map[string]any {
	t := func(en string) map[string]any { return map[string]any{"en": en, "ja": en} }
	q := func(key, typ string, weight int, options []map[string]any) map[string]any {
		return map[string]any{"key": key, "text": t(key + "?"), "type": typ, "weight": weight, "required": true,
			"severity": "high", "threat_category": "external", "control_refs": []string{}, "depth": "core", "options": options}
	}
	return map[string]any{"name": t("Score"), "vendor_kinds": []string{"contractor"},
		"sections": []map[string]any{{"key": "s1", "title": t("S1"), "questions": []map[string]any{
			q("q1", "yes_no", 5, nil),
			q("q2", "single_choice", 3, []map[string]any{
				{"value": "none", "label": t("None"), "score": 0},
				{"value": "partial", "label": t("Partial"), "score": 50},
				{"value": "full", "label": t("Full"), "score": 100}}),
			q("q3", "yes_no_na", 2, nil),
		}}}}
}

func TestAssessmentScoreOverHTTP(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		tpl := must(t, e.do(t, "POST", "/api/v1/questionnaire-templates", e.admin, scoreTemplate()), http.StatusCreated).str("id")
		must(t, e.do(t, "POST", "/api/v1/questionnaire-templates/"+tpl+"/publish", e.admin, nil), http.StatusOK)
		vendorID := e.newVendor(t, "Scored Vendor")
		eng := e.createEngagement(t, engagementBody(vendorID)).ID
		id := must(t, e.do(t, "POST", "/api/v1/assessments", e.admin, map[string]any{"engagement_id": eng, "template_id": tpl,
			"due_date": "2025-06-30"}), http.StatusCreated).str("id")
		sent := must(t, e.do(t, "POST", "/api/v1/assessments/"+id+"/send", e.admin, nil), http.StatusOK)
		sup := sent.JSON["supplier_key"].(map[string]any)["secret"].(string)
		must(t, e.do(t, "PUT", "/api/v1/supplier/assessments/"+id+"/answers", sup, map[string]any{"answers": []map[string]any{
			{"key": "q1", "value": "yes"}, {"key": "q2", "value": "partial"}, {"key": "q3", "value": "na"}}}), http.StatusOK)

		var sc struct {
			Residual struct {
				InherentScore  int    `json:"inherent_score"`
				ControlScoreBP int    `json:"control_score_bp"`
				ReductionBP    int    `json:"reduction_bp"`
				ScoreX100      int    `json:"score_x100"`
				Likelihood     int    `json:"likelihood"`
				Impact         int    `json:"impact"`
				Level          string `json:"level"`
			} `json:"residual_risk"`
			Exposure []struct {
				Amount int64 `json:"amount"`
			} `json:"breach_exposure"`
			State      string `json:"state"`
			OverallBP  int    `json:"overall_bp"`
			Overall    int    `json:"overall"`
			CoverageBP int    `json:"coverage_bp"`
			Questions  []struct {
				Key, Outcome   string
				ContributionBP int `json:"contribution_bp"`
			} `json:"questions"`
		}
		must(t, e.do(t, "GET", "/api/v1/assessments/"+id+"/score", e.admin, nil), http.StatusOK).into(t, &sc)
		// (5 × 10000 + 3 × 5000) / (5 + 3): the n/a answer leaves the denominator.
		if sc.State != "provisional" || sc.OverallBP != 8125 || sc.Overall != 81 || sc.CoverageBP != 10000 {
			t.Fatalf("score = %+v, want provisional 8125 bp (81), coverage 10000", sc)
		}
		sum := 0
		for _, q := range sc.Questions {
			sum += q.ContributionBP
			if q.Key == "q3" && (q.Outcome != "not_applicable" || q.ContributionBP != 0) {
				t.Errorf("q3 = %+v, want not_applicable with no contribution", q)
			}
		}
		if sum != sc.OverallBP {
			t.Errorf("contributions add up to %d, want %d", sum, sc.OverallBP)
		}
		// Residual = inherent × (1 − score × 70 %), on the 5 × 5 matrix; exposure beside it.
		var riskOut struct {
			Score  int                   `json:"score"`
			Impact struct{ C, I, A int } `json:"impact"`
		}
		must(t, e.do(t, "GET", "/api/v1/engagements/"+eng+"/risk", e.admin, nil), http.StatusOK).into(t, &riskOut)
		var before struct {
			Residual *struct{} `json:"residual_risk"`
		}
		must(t, e.do(t, "GET", "/api/v1/engagements/"+eng, e.admin, nil), http.StatusOK).into(t, &before)
		if before.Residual != nil {
			t.Fatal("an engagement without a completed assessment shows a residual risk")
		}
		res := sc.Residual
		wantX100 := (riskOut.Score*100*(10000-8125*7000/10000)*2 + 10000) / 20000
		impact := max(riskOut.Impact.C, riskOut.Impact.I, riskOut.Impact.A)
		if res.InherentScore != riskOut.Score || res.ControlScoreBP != 8125 || res.ReductionBP != 5687 ||
			res.ScoreX100 != wantX100 || res.Impact != impact || res.Likelihood != 1+res.ScoreX100/2000 {
			t.Errorf("residual = %+v, want inherent %d, x100 %d, impact %d", res, riskOut.Score, wantX100, impact)
		}
		if len(sc.Exposure) != 1 || sc.Exposure[0].Amount != 575000000 {
			t.Errorf("exposure = %+v, want 575,000,000 JPY", sc.Exposure)
		}

		headSeq := func() float64 {
			var v struct {
				HeadSeq float64 `json:"head_seq"`
			}
			must(t, e.do(t, "GET", "/api/v1/audit-events/verify", e.admin, nil), http.StatusOK).into(t, &v)
			return v.HeadSeq
		}
		seqBefore := headSeq()
		must(t, e.do(t, "POST", "/api/v1/assessments/"+id+"/score/simulate", e.admin,
			map[string]any{"answers": []map[string]any{{"key": "q2", "value": "full"}}}), http.StatusOK).into(t, &sc)
		if sc.State != "simulated" || sc.OverallBP != 10000 {
			t.Fatalf("simulated score = %+v, want 10000 bp", sc)
		}
		if seqAfter := headSeq(); seqAfter != seqBefore {
			t.Errorf("a what-if simulation moved the audit head from %v to %v: it records nothing", seqBefore, seqAfter)
		}
		must(t, e.do(t, "GET", "/api/v1/assessments/"+id+"/score", e.admin, nil), http.StatusOK).into(t, &sc)
		if sc.OverallBP != 8125 {
			t.Fatalf("simulation changed the stored answers: score %d bp", sc.OverallBP)
		}
		wantProblem(t, e.do(t, "POST", "/api/v1/assessments/"+id+"/score/simulate", e.admin,
			map[string]any{"answers": []map[string]any{{"key": "q2", "value": "most"}}}), http.StatusUnprocessableEntity, "answers[0].value")
		wantProblem(t, e.do(t, "GET", "/api/v1/assessments/"+id+"/score", sup, nil), http.StatusNotFound)

		must(t, e.do(t, "POST", "/api/v1/supplier/assessments/"+id+"/submit", sup, nil), http.StatusOK)
		must(t, e.do(t, "POST", "/api/v1/assessments/"+id+"/review", e.admin, map[string]any{"decision": "complete"}), http.StatusOK)
		must(t, e.do(t, "GET", "/api/v1/assessments/"+id+"/score", e.admin, nil), http.StatusOK).into(t, &sc)
		if sc.State != "final" || sc.OverallBP != 8125 {
			t.Fatalf("final score = %+v, want final 8125 bp", sc)
		}
		// The engagement now shows the residual risk of its latest completed assessment.
		var withResidual struct {
			Residual *struct {
				AssessmentID string `json:"assessment_id"`
				ScoreX100    int    `json:"score_x100"`
				Level        string `json:"level"`
			} `json:"residual_risk"`
		}
		must(t, e.do(t, "GET", "/api/v1/engagements/"+eng+"/risk", e.admin, nil), http.StatusOK).into(t, &withResidual)
		if withResidual.Residual == nil || withResidual.Residual.AssessmentID != id || withResidual.Residual.ScoreX100 != sc.Residual.ScoreX100 {
			t.Fatalf("engagement residual = %+v, want the completed assessment's %d", withResidual.Residual, sc.Residual.ScoreX100)
		}
	})
}
