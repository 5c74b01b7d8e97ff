package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/api"
)

// TestAnswerReviewsReportEveryBrokenField: a batch of verdicts with several broken entries is one 422
// whose errors name every broken field by its JSON path, one entry each, whether the shape or the
// assessment's answers break it; nothing is recorded.
func TestAnswerReviewsReportEveryBrokenField(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		tpl := e.publishScoreTemplate(t)
		eng := e.createEngagement(t, fixedScoreBody(e.newVendor(t, "Reviewed KK"), "Reviewed service")).ID
		id := must(t, e.do(t, "POST", "/api/v1/assessments", e.admin, map[string]any{"engagement_id": eng, "template_id": tpl,
			"due_date": e.clock.Now().AddDate(0, 1, 0).Format(time.DateOnly)}), http.StatusCreated).str("id")
		var sent api.SendResponse
		must(t, e.do(t, "POST", "/api/v1/assessments/"+id+"/send", e.admin, nil), http.StatusOK).into(t, &sent)
		must(t, e.do(t, "PUT", "/api/v1/supplier/assessments/"+id+"/answers", sent.SupplierKey.Secret, map[string]any{
			"answers": []map[string]any{{"key": "q1", "value": "yes"}, {"key": "q2", "value": "full"},
				{"key": "q3", "value": "yes"}}}), http.StatusOK)
		must(t, e.do(t, "POST", "/api/v1/supplier/assessments/"+id+"/submit", sent.SupplierKey.Secret, nil), http.StatusOK)
		before := must(t, e.do(t, "GET", "/api/v1/assessments/"+id, e.admin, nil), http.StatusOK)

		tests := []struct {
			name    string
			reviews []map[string]any
			want    []string
		}{
			{"three bad entries among good ones", []map[string]any{
				{"key": "q1", "flag": "accepted"},
				{"key": "q9", "flag": "accepted"},            // no such answer
				{"key": "q2", "flag": "maybe"},               // not a flag
				{"key": "q1", "flag": "needs_clarification"}, // no comment
			}, []string{"reviews[1].key", "reviews[2].flag", "reviews[3].comment"}},
			{"two fields of one entry", []map[string]any{
				{"key": "", "flag": "accepted", "comment": strings.Repeat("x", 4001)},
			}, []string{"reviews[0].key", "reviews[0].comment"}},
		}
		for _, tc := range tests {
			r := e.do(t, "POST", "/api/v1/assessments/"+id+"/answer-reviews", e.admin, map[string]any{"reviews": tc.reviews})
			wantProblem(t, r, http.StatusUnprocessableEntity)
			got := problemFields(r)
			slices.Sort(got)
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s: errors name %q, want exactly %q: %s", tc.name, got, want, r)
			}
		}
		after := must(t, e.do(t, "GET", "/api/v1/assessments/"+id, e.admin, nil), http.StatusOK)
		if after.Header.Get("ETag") != before.Header.Get("ETag") || after.str("status") != "submitted" {
			t.Errorf("refused reviews changed the assessment: ETag %s → %s, status %s", before.Header.Get("ETag"),
				after.Header.Get("ETag"), after.str("status"))
		}
	})
}
