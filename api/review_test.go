package api_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/repository"
)

// set moves the test clock to t.
func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// publishScoreTemplate publishes scoreTemplate and returns its id.
func (e *env) publishScoreTemplate(t *testing.T) string {
	t.Helper()
	tpl := must(t, e.do(t, "POST", "/api/v1/questionnaire-templates", e.admin, scoreTemplate()), http.StatusCreated).str("id")
	must(t, e.do(t, "POST", "/api/v1/questionnaire-templates/"+tpl+"/publish", e.admin, nil), http.StatusOK)
	return tpl
}

// completeAssessment issues tpl to the engagement, has the supplier answer and submit it, and completes
// it, all over HTTP; it returns the completed assessment.
func (e *env) completeAssessment(t *testing.T, tpl, engagementID string) api.AssessmentResponse {
	t.Helper()
	id := must(t, e.do(t, "POST", "/api/v1/assessments", e.admin, map[string]any{"engagement_id": engagementID, "template_id": tpl,
		"due_date": e.clock.Now().AddDate(0, 1, 0).Format(time.DateOnly)}), http.StatusCreated).str("id")
	var sent api.SendResponse
	must(t, e.do(t, "POST", "/api/v1/assessments/"+id+"/send", e.admin, nil), http.StatusOK).into(t, &sent)
	sup := sent.SupplierKey.Secret
	must(t, e.do(t, "PUT", "/api/v1/supplier/assessments/"+id+"/answers", sup, map[string]any{"answers": []map[string]any{
		{"key": "q1", "value": "yes"}, {"key": "q2", "value": "full"}, {"key": "q3", "value": "yes"}}}), http.StatusOK)
	must(t, e.do(t, "POST", "/api/v1/supplier/assessments/"+id+"/submit", sup, nil), http.StatusOK)
	var done api.AssessmentResponse
	must(t, e.do(t, "POST", "/api/v1/assessments/"+id+"/review", e.admin, map[string]any{"decision": "complete"}), http.StatusOK).
		into(t, &done)
	if done.Status != "completed" || done.CompletedAt == nil {
		t.Fatalf("assessment not completed: %+v", done)
	}
	return done
}

// getEngagementDTO reads an engagement as an admin.
func (e *env) getEngagementDTO(t *testing.T, id string) api.EngagementResponse {
	t.Helper()
	var out api.EngagementResponse
	must(t, e.do(t, "GET", "/api/v1/engagements/"+id, e.admin, nil), http.StatusOK).into(t, &out)
	return out
}

func reviewOn(r api.EngagementResponse) string {
	if r.NextReviewOn == nil {
		return "null"
	}
	return *r.NextReviewOn
}

// TestReviewCadence: completing an assessment sets last_assessed_at (its completion time) and
// next_review_on (that day + the effective tier's reassessment_months); a tier override, clearing it and
// a policy change move the date; the review filter and review_status follow the clock; ending the
// engagement removes the date.
func TestReviewCadence(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		owner := e.key(t, auth.RoleRiskOwner, "")
		tpl := e.publishScoreTemplate(t)
		v := e.newVendor(t, "Cadence Cloud")
		eng := e.createEngagement(t, fixedScoreBody(v, "Reviewed service")) // tier 3 by the model
		never := e.createEngagement(t, fixedScoreBody(v, "Never assessed service"))
		for _, r := range []api.EngagementResponse{eng, never} {
			if r.LastAssessedAt != nil || r.NextReviewOn != nil || r.ReviewStatus != "never_assessed" {
				t.Fatalf("before any assessment: last %v, next %s, status %q", r.LastAssessedAt, reviewOn(r), r.ReviewStatus)
			}
		}

		// Completed two days later, on 2025-04-03: tier 3 is reassessed every 24 months.
		e.clock.Advance(48 * time.Hour)
		done := e.completeAssessment(t, tpl, eng.ID)
		got := e.getEngagementDTO(t, eng.ID)
		if got.LastAssessedAt == nil || !got.LastAssessedAt.Equal(*done.CompletedAt) {
			t.Errorf("last_assessed_at %v, want the completion time %v", got.LastAssessedAt, done.CompletedAt)
		}
		if reviewOn(got) != "2027-04-03" || got.ReviewStatus != "ok" {
			t.Errorf("after completion: next_review_on %s, status %q; want 2027-04-03 (24 months, tier 3), ok", reviewOn(got), got.ReviewStatus)
		}
		if got.Version <= eng.Version {
			t.Errorf("version %d after the review date moved, was %d", got.Version, eng.Version)
		}
		// Stored by the completing request (lists read what is stored; a single read re-evaluates).
		if ids := e.engagementIDs(t, "review=ok"); !slices.Equal(ids, []string{eng.ID}) {
			t.Errorf("?review=ok right after completion lists %q, want the assessed engagement", ids)
		}

		// The effective tier's cadence (default policy: 12, 12, 24, 36 months); clearing the override
		// returns to the model's tier 3.
		for _, tc := range []struct {
			tier any
			want string
		}{{1, "2026-04-03"}, {2, "2026-04-03"}, {4, "2028-04-03"}, {nil, "2027-04-03"}} {
			must(t, e.do(t, "POST", "/api/v1/engagements/"+eng.ID+"/tier-override", owner,
				map[string]any{"tier": tc.tier, "reason": "cadence test"}), http.StatusOK)
			if got := e.getEngagementDTO(t, eng.ID); reviewOn(got) != tc.want {
				t.Errorf("tier override %v: next_review_on %s, want %s", tc.tier, reviewOn(got), tc.want)
			}
		}

		// A policy change re-evaluates every engagement: tier 3 now every 6 months.
		pol := defaultPolicyBody()
		policyTiers(pol)[2].(map[string]any)["reassessment_months"] = 6
		must(t, e.do(t, "PUT", "/api/v1/risk-policy", e.admin, pol), http.StatusOK)
		if got := e.getEngagementDTO(t, eng.ID); reviewOn(got) != "2025-10-03" {
			t.Fatalf("after the policy change: next_review_on %s, want 2025-10-03", reviewOn(got))
		}
		if got := e.getEngagementDTO(t, never.ID); got.NextReviewOn != nil || got.ReviewStatus != "never_assessed" {
			t.Errorf("never assessed after the policy change: next %s, status %q", reviewOn(got), got.ReviewStatus)
		}

		// The filter and the status on the days around 2025-10-03 (due soon from 30 days before).
		statuses := []string{"overdue", "due_soon", "ok", "never_assessed", "not_required"}
		for _, tc := range []struct {
			day, want string
		}{
			{"2025-04-03", "ok"},
			{"2025-09-02", "ok"},       // 31 days before
			{"2025-09-03", "due_soon"}, // 30 days before
			{"2025-10-03", "due_soon"}, // the day itself
			{"2025-10-04", "overdue"},
		} {
			day, err := time.Parse(time.DateOnly, tc.day)
			if err != nil {
				t.Fatal(err)
			}
			e.clock.set(day.Add(23*time.Hour + 59*time.Minute))
			if got := e.getEngagementDTO(t, eng.ID); got.ReviewStatus != tc.want {
				t.Errorf("%s: review_status %q, want %q", tc.day, got.ReviewStatus, tc.want)
			}
			for _, st := range statuses {
				var want []string
				if st == tc.want {
					want = append(want, eng.ID)
				}
				if st == "never_assessed" {
					want = append(want, never.ID)
				}
				got := e.engagementIDs(t, "review="+st)
				slices.Sort(got)
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Errorf("%s: ?review=%s lists %q, want %q", tc.day, st, got, want)
				}
			}
		}

		for _, bad := range []string{"late", "OVERDUE", "due-soon"} {
			wantProblem(t, e.do(t, "GET", "/api/v1/engagements?review="+bad, e.admin, nil), http.StatusUnprocessableEntity, "review")
		}

		// An ended engagement keeps its history but has no review date.
		must(t, e.do(t, "PATCH", "/api/v1/engagements/"+eng.ID, e.admin, map[string]any{"status": "ended"}), http.StatusOK)
		got = e.getEngagementDTO(t, eng.ID)
		if got.NextReviewOn != nil || got.LastAssessedAt == nil || got.ReviewStatus != "not_required" {
			t.Errorf("ended: last %v, next %s, status %q", got.LastAssessedAt, reviewOn(got), got.ReviewStatus)
		}
		if ids := e.engagementIDs(t, "review=not_required"); !slices.Equal(ids, []string{eng.ID}) {
			t.Errorf("?review=not_required lists %q", ids)
		}
		if ids := e.engagementIDs(t, "review=overdue"); len(ids) != 0 {
			t.Errorf("?review=overdue lists the ended engagement: %q", ids)
		}
	})
}

// TestReviewDatesAfterMigration: migration 11 backfills last_assessed_at from the completed assessments;
// the review date, which needs the policy, is filled in by FillReviewDates (run by serve at start-up).
func TestReviewDatesAfterMigration(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		tpl := e.publishScoreTemplate(t)
		v := e.newVendor(t, "Backfill Cloud")
		eng := e.createEngagement(t, fixedScoreBody(v, "Assessed before migration 11"))
		plain := e.createEngagement(t, fixedScoreBody(v, "Never assessed"))
		e.completeAssessment(t, tpl, eng.ID)
		want := e.getEngagementDTO(t, eng.ID)

		m, err := repository.NewMigrator(e.db)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.DownTo(t.Context(), 10); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Up(t.Context()); err != nil {
			t.Fatal(err)
		}
		// Lists show what is stored (a single read re-evaluates, as it does the tier).
		stored := func() api.EngagementResponse {
			var l api.EngagementList
			must(t, e.do(t, "GET", "/api/v1/engagements?limit=200", e.admin, nil), http.StatusOK).into(t, &l)
			for _, it := range l.Items {
				if it.ID == eng.ID {
					return it
				}
			}
			t.Fatalf("engagement %s not listed", eng.ID)
			return api.EngagementResponse{}
		}
		got := stored()
		if got.LastAssessedAt == nil || !got.LastAssessedAt.Equal(*want.LastAssessedAt) || got.NextReviewOn != nil {
			t.Fatalf("after the migration: last %v (want %v), next %s (want null)", got.LastAssessedAt, want.LastAssessedAt, reviewOn(got))
		}
		n, err := e.engagements.FillReviewDates(t.Context())
		if err != nil || n != 1 {
			t.Fatalf("FillReviewDates = %d, %v; want 1 engagement", n, err)
		}
		if got := stored(); reviewOn(got) != "2027-04-01" || got.ReviewStatus != "ok" {
			t.Errorf("filled in: next %s, status %q; want 2027-04-01, ok", reviewOn(got), got.ReviewStatus)
		}
		if ids := e.engagementIDs(t, "review=ok"); !slices.Equal(ids, []string{eng.ID}) {
			t.Errorf("?review=ok lists %q after the fill", ids)
		}
		if got := e.getEngagementDTO(t, plain.ID); got.LastAssessedAt != nil || got.NextReviewOn != nil {
			t.Errorf("never assessed after the migration: last %v, next %s", got.LastAssessedAt, reviewOn(got))
		}
		if n, err := e.engagements.FillReviewDates(t.Context()); err != nil || n != 0 {
			t.Errorf("second FillReviewDates = %d, %v; want nothing left", n, err)
		}
	})
}
