package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/test/testdb"
)

// TestRemindersFollowTierPolicy: the reminder offsets and the escalation delay come from the risk
// policy of the engagement's tier, for assessments and remediation items alike, and a policy that
// leaves them out gets the tier's built-in schedule.
func TestRemindersFollowTierPolicy(t *testing.T) {
	eachHookDB(t, open, func(t *testing.T, h *hookEnv) {
		rcv := newReceiver(t, nil)
		h.subscribe(t, rcv.url(), "assessment.reminder", "assessment.overdue", "assessment.escalated",
			"remediation.reminder", "remediation.overdue", "remediation.escalated")
		f := h.fixture(t)
		h.assessmentFixture(t, &f) // due 2025-06-30
		eng := must(t, h.do(t, "GET", "/api/v1/assessments/"+f.asSent, h.admin, nil), http.StatusOK).str("engagement_id")
		tier := int(must(t, h.do(t, "GET", "/api/v1/engagements/"+eng, h.admin, nil), http.StatusOK).JSON["risk"].(map[string]any)["effective_tier"].(float64))

		pol := must(t, h.do(t, "GET", "/api/v1/risk-policy", h.admin, nil), http.StatusOK).JSON
		for _, tp := range pol["tiers"].([]any) {
			tp := tp.(map[string]any)
			if int(tp["tier"].(float64)) == tier {
				tp["reminder_days"], tp["escalate_after_days"] = []int{5, 2}, 2
			}
		}
		put := map[string]any{"home_country": pol["home_country"], "tiers": pol["tiers"], "breach_costs": pol["breach_costs"]}
		got := must(t, h.do(t, "PUT", "/api/v1/risk-policy", h.admin, put), http.StatusOK).JSON
		for _, tp := range got["tiers"].([]any) {
			tp := tp.(map[string]any)
			if int(tp["tier"].(float64)) == tier && (fmt.Sprint(tp["reminder_days"]) != "[5 2]" || tp["escalate_after_days"] != 2.0) {
				t.Fatalf("stored tier %d policy %v", tier, tp)
			}
		}

		fnd := must(t, h.do(t, "POST", "/api/v1/findings", h.admin, map[string]any{"engagement_id": eng, "title": "No MFA",
			"severity": "high"}), http.StatusCreated).str("id")
		rem := must(t, h.do(t, "POST", "/api/v1/findings/"+fnd+"/remediations", h.admin, map[string]any{"type": "corrective",
			"owner": "supplier", "description": "Enable MFA", "due_date": "2025-07-10"}), http.StatusCreated).str("id")

		w := h.worker("replica-1", open)
		sweepAt := func(day string) {
			t.Helper()
			at, _ := time.Parse(time.DateOnly, day)
			h.clock.Advance(at.Add(9 * time.Hour).Sub(h.clock.Now()))
			if _, err := h.svc.Sweeper(h.db, "a", h.clock.Now, testdb.Logger()).RunOnce(t.Context()); err != nil {
				t.Fatal(err)
			}
			pass(t, w)
		}
		for _, day := range []string{"2025-06-24", "2025-06-26", "2025-06-28", "2025-07-01", "2025-07-02", "2025-07-06",
			"2025-07-09", "2025-07-11", "2025-07-12"} {
			sweepAt(day)
		}
		var as, rs []string
		for _, g := range rcv.ok() {
			b := g.event(t)
			line := fmt.Sprintf("%s %v", b.Type, b.Data["days_left"])
			switch b.Subject.ID {
			case f.asSent:
				as = append(as, line)
			case rem:
				rs = append(rs, line)
			default:
				t.Errorf("%s about %s", b.Type, b.Subject.ID)
			}
		}
		// 6 days ahead is before the first (5-day) reminder; 4 days: the 5-day one; 2 days: the 2-day
		// one; a day overdue; two days overdue: escalated (the tier's delay, not the built-in one).
		if want := []string{"assessment.reminder 4", "assessment.reminder 2", "assessment.overdue -1", "assessment.escalated -2"}; !slices.Equal(as, want) {
			t.Errorf("assessment notices %v, want %v", as, want)
		}
		// Due 07-10: 07-06 is 4 days ahead (the 5-day reminder), 07-09 one day (the 2-day one).
		if want := []string{"remediation.reminder 4", "remediation.reminder 1", "remediation.overdue -1", "remediation.escalated -2"}; !slices.Equal(rs, want) {
			t.Errorf("remediation notices %v, want %v", rs, want)
		}
	})
}
