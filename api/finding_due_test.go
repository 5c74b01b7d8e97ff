package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/risk"
)

// dueFixture is one vendor's engagement, on a chosen tier, with the vendor's supplier key.
type dueFixture struct {
	*env
	vendorID, eng, sup string
	tier               risk.Tier
}

// newDueFixture creates a vendor and an engagement (tier 2 as derived from engagementBody); a tier other
// than 0 is set through the tier-override endpoint by a risk owner.
func newDueFixture(t *testing.T, e *env, name string, tier risk.Tier) *dueFixture {
	t.Helper()
	vendorID := e.newVendor(t, name)
	eng := e.createEngagement(t, engagementBody(vendorID, "name", name+" service"))
	d := &dueFixture{env: e, vendorID: vendorID, eng: eng.ID, sup: e.key(t, auth.RoleSupplier, vendorID), tier: risk.Tier(eng.Risk.EffectiveTier)}
	if tier != 0 {
		var r api.RiskResponse
		must(t, e.do(t, "POST", "/api/v1/engagements/"+eng.ID+"/tier-override", e.key(t, auth.RoleRiskOwner, ""),
			map[string]any{"tier": int(tier), "reason": "due-date test"}), http.StatusOK).into(t, &r)
		if r.EffectiveTier != int(tier) {
			t.Fatalf("effective tier %d after the override to %d", r.EffectiveTier, tier)
		}
		d.tier = tier
	}
	return d
}

// manual records a finding by hand and returns its id.
func (d *dueFixture) manual(t *testing.T, title, severity string) string {
	t.Helper()
	return must(t, d.do(t, "POST", "/api/v1/findings", d.admin, map[string]any{"engagement_id": d.eng, "title": title,
		"severity": severity}), http.StatusCreated).str("id")
}

// addItem plans an internal item; due "" leaves the date to the policy.
func (e *env) addItem(t *testing.T, findingID, description, due string) api.RemediationResponse {
	t.Helper()
	body := map[string]any{"type": "corrective", "owner": "internal", "description": description}
	if due != "" {
		body["due_date"] = due
	}
	var out api.RemediationResponse
	must(t, e.do(t, "POST", "/api/v1/findings/"+findingID+"/remediations", e.admin, body), http.StatusCreated).into(t, &out)
	return out
}

// plan has the supplier propose one item (due "" leaves the date to the policy), procurement accept it,
// and returns the item.
func (d *dueFixture) plan(t *testing.T, findingID, description, due string) api.RemediationResponse {
	t.Helper()
	p := map[string]any{"type": "corrective", "description": description}
	if due != "" {
		p["due_date"] = due
	}
	must(t, d.do(t, "POST", "/api/v1/supplier/findings/"+findingID+"/response", d.sup, map[string]any{
		"response": "Planned: " + description, "plans": []map[string]any{p}}), http.StatusOK)
	must(t, d.do(t, "POST", "/api/v1/findings/"+findingID+"/remediation-plan/accept", d.admin, nil), http.StatusOK)
	var l api.RemediationList
	must(t, d.do(t, "GET", "/api/v1/supplier/findings/"+findingID+"/remediations", d.sup, nil), http.StatusOK).into(t, &l)
	for _, it := range l.Items {
		if it.Description == description {
			return it
		}
	}
	t.Fatalf("the supplier's item %q is not listed: %+v", description, l.Items)
	return api.RemediationResponse{}
}

// patchItem changes an item as an admin.
func (e *env) patchItem(t *testing.T, id string, body map[string]any) {
	t.Helper()
	must(t, e.do(t, "PATCH", "/api/v1/remediations/"+id, e.admin, body), http.StatusOK)
}

// verify accepts a done item, or sends it back.
func (e *env) verify(t *testing.T, id string, passed bool) {
	t.Helper()
	body := map[string]any{"passed": passed}
	if !passed {
		body["comment"] = "not yet"
	}
	must(t, e.do(t, "POST", "/api/v1/remediations/"+id+"/verify", e.admin, body), http.StatusOK)
}

// wantFindingDue reads the finding as an admin and checks its due_date (absent from the body when
// due is "") and overdue flag.
func (e *env) wantFindingDue(t *testing.T, step, findingID, due string, overdue bool) api.FindingResponse {
	t.Helper()
	r := must(t, e.do(t, "GET", "/api/v1/findings/"+findingID, e.admin, nil), http.StatusOK)
	var f api.FindingResponse
	r.into(t, &f)
	got, present := r.JSON["due_date"]
	switch {
	case due == "" && present:
		t.Errorf("%s: due_date %v, want none (the key absent)", step, got)
	case due != "" && got != due:
		t.Errorf("%s: due_date %v, want %s", step, got, due)
	}
	if f.Overdue != overdue {
		t.Errorf("%s: overdue %v, want %v (due %v, status %s, today %s)", step, f.Overdue, overdue, got, f.Status,
			e.clock.Now().Format(time.DateOnly))
	}
	return f
}

// listIDs reads every page of a list as key and returns the ids, sorted.
func (e *env) listIDs(t *testing.T, path, key string) []string {
	t.Helper()
	var ids []string
	cursor := ""
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	for range 50 {
		r := must(t, e.do(t, "GET", path+sep+"limit=2&cursor="+url.QueryEscape(cursor), key, nil), http.StatusOK)
		for _, it := range r.items(t) {
			id, _ := it["id"].(string)
			ids = append(ids, id)
		}
		if cursor = r.str("next_cursor"); cursor == "" {
			break
		}
	}
	slices.Sort(ids)
	return ids
}

func sorted(ids ...string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	if out == nil {
		out = []string{}
	}
	return out
}

func sameIDs(got, want []string) bool {
	if got == nil {
		got = []string{}
	}
	return slices.Equal(got, want)
}

// setClock moves the test clock to a day (keeping the time of day at 09:30:15).
func (e *env) setClock(t *testing.T, day string) {
	t.Helper()
	d := mustDate(t, day).Add(9*time.Hour + 30*time.Minute + 15*time.Second)
	if d.Before(e.clock.Now()) {
		t.Fatalf("the clock only moves forward: %s is before %s", d, e.clock.Now())
	}
	e.clock.Advance(d.Sub(e.clock.Now()))
}

// TestRemediationDueDateDefaultsPerTier: an item planned without due_date is due after the risk policy's
// days for the finding's severity on the engagement's tier, counted from the day it is planned, whether
// procurement or the supplier plans it; a changed policy applies to the next item.
func TestRemediationDueDateDefaultsPerTier(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		// The days come from the policy the API serves; the dates from the test clock.
		var pol struct {
			Tiers []struct {
				Tier            int            `json:"tier"`
				RemediationDays map[string]int `json:"remediation_days"`
			} `json:"tiers"`
		}
		must(t, e.do(t, "GET", "/api/v1/risk-policy", e.admin, nil), http.StatusOK).into(t, &pol)
		daysFor := func(t *testing.T, tier risk.Tier, sev domain.Severity) int {
			t.Helper()
			for _, tp := range pol.Tiers {
				if tp.Tier == int(tier) {
					if d := tp.RemediationDays[string(sev)]; d > 0 {
						return d
					}
				}
			}
			t.Fatalf("the policy has no remediation days for %s on tier %d: %+v", sev, tier, pol)
			return 0
		}
		// The built-in policy gives 14 days for a critical finding on tier 2 but 7 on tier 1: the tier matters.
		if daysFor(t, risk.Tier1Critical, domain.SeverityCritical) == daysFor(t, risk.Tier2High, domain.SeverityCritical) {
			t.Fatal("the built-in policy gives tiers 1 and 2 the same days; the test would not tell the tiers apart")
		}

		for _, tier := range risk.Tiers {
			t.Run(fmt.Sprintf("tier %d", tier), func(t *testing.T) {
				d := newDueFixture(t, e, fmt.Sprintf("SLA Vendor Tier %d", tier), tier)
				for _, sev := range domain.Severities {
					days := daysFor(t, tier, sev)
					fid := d.manual(t, fmt.Sprintf("%s on tier %d", sev, tier), string(sev))

					// Procurement plans one: due created day + days.
					want := e.clock.Now().AddDate(0, 0, days).Format(time.DateOnly)
					if it := e.addItem(t, fid, "internal fix", ""); it.DueDate != want {
						t.Errorf("%s on tier %d, planned %s: internal item due %s, want %s (+%d days)", sev, tier,
							e.clock.Now().Format(time.DateOnly), it.DueDate, want, days)
					}
					// A few hours later (past midnight for some) the supplier plans one: counted from its own day.
					e.clock.Advance(7*time.Hour + 15*time.Minute)
					want = e.clock.Now().AddDate(0, 0, days).Format(time.DateOnly)
					if it := d.plan(t, fid, "supplier fix", ""); it.DueDate != want || it.Owner != "supplier" {
						t.Errorf("%s on tier %d, planned %s: supplier item %+v, want due %s (+%d days)", sev, tier,
							e.clock.Now().Format(time.DateOnly), it, want, days)
					}
					// An explicit date wins over the policy.
					if it := e.addItem(t, fid, "dated fix", "2025-12-24"); it.DueDate != "2025-12-24" {
						t.Errorf("explicit due date: %s, want 2025-12-24", it.DueDate)
					}
				}
			})
		}

		t.Run("after a policy change", func(t *testing.T) {
			d := newDueFixture(t, e, "SLA Vendor Changed Policy", risk.Tier3Medium)
			body := defaultPolicyBody()
			policyTiers(body)[2].(map[string]any)["remediation_days"].(map[string]any)["medium"] = 11
			must(t, e.do(t, "PUT", "/api/v1/risk-policy", e.admin, body), http.StatusOK)
			fid := d.manual(t, "medium after the change", "medium")
			want := e.clock.Now().AddDate(0, 0, 11).Format(time.DateOnly)
			if it := e.addItem(t, fid, "fix", ""); it.DueDate != want {
				t.Errorf("medium on tier 3 with 11 days in the policy: due %s, want %s", it.DueDate, want)
			}
		})
	})
}

// TestFindingDueDateFollowsRemediations: a finding's due_date is the earliest due date of its open or
// in-progress items, and goes when none is left; once the clock passes it the finding is overdue on
// both lists, and a supplier sees only its own vendor's overdue findings.
func TestFindingDueDateFollowsRemediations(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a := newDueFixture(t, e, "Due Vendor A", 0)
		b := newDueFixture(t, e, "Due Vendor B", 0)
		fa := a.manual(t, "A: shared admin account", "high")
		fb := b.manual(t, "B: no backups", "medium")
		calm := b.manual(t, "B: nothing planned", "critical") // never gets an item

		e.wantFindingDue(t, "new finding", fa, "", false)

		// Items planned by the supplier, an explicit date each: the earliest pending one counts. (Items
		// procurement plans: TestFindingDueDateWhenProcurementPlans.)
		a.plan(t, fa, "rotate the password", "2025-05-10")
		e.wantFindingDue(t, "after the first item", fa, "2025-05-10", false)
		i2 := a.plan(t, fa, "personal accounts", "2025-04-20")
		e.wantFindingDue(t, "after an earlier item", fa, "2025-04-20", false)
		a.plan(t, fa, "a later one", "2025-06-30")
		e.wantFindingDue(t, "after a later item", fa, "2025-04-20", false)
		i3 := a.plan(t, fa, "supplier: vault", "2025-04-18")
		e.wantFindingDue(t, "after the earliest item", fa, "2025-04-18", false)
		var sl api.SupplierFindingList
		must(t, e.do(t, "GET", "/api/v1/supplier/findings", a.sup, nil), http.StatusOK).into(t, &sl)
		if len(sl.Items) != 1 || sl.Items[0].ID != fa || sl.Items[0].DueDate == nil || *sl.Items[0].DueDate != "2025-04-18" || sl.Items[0].Overdue {
			t.Errorf("supplier A lists %+v, want %s due 2025-04-18, not overdue", sl.Items, fa)
		}

		// In progress still counts; done does not; moving an item's date moves the finding's.
		e.patchItem(t, i3.ID, map[string]any{"status": "in_progress"})
		e.wantFindingDue(t, "the earliest item in progress", fa, "2025-04-18", false)
		must(t, e.do(t, "POST", "/api/v1/supplier/findings/"+fa+"/response", a.sup, map[string]any{
			"response": "Vault deployed.", "done": []string{i3.ID}}), http.StatusOK)
		e.wantFindingDue(t, "the earliest item done", fa, "2025-04-20", false)
		e.patchItem(t, i2.ID, map[string]any{"due_date": "2025-05-01"})
		e.wantFindingDue(t, "an item moved later", fa, "2025-05-01", false)

		b.plan(t, fb, "set up backups", "2025-04-05")
		e.wantFindingDue(t, "B's item", fb, "2025-04-05", false)

		internal := func(q string) []string { return e.listIDs(t, "/api/v1/findings?"+q, e.admin) }
		supplier := func(d *dueFixture, q string) []string { return e.listIDs(t, "/api/v1/supplier/findings?"+q, d.sup) }
		type listCheck struct {
			name string
			got  func() []string
			want []string
		}
		checkLists := func(step string, checks []listCheck) {
			t.Helper()
			for _, c := range checks {
				if got := c.got(); !sameIDs(got, c.want) {
					t.Errorf("%s: %s lists %v, want %v", step, c.name, got, c.want)
				}
			}
		}
		none := []string{}
		checkLists("2025-04-01", []listCheck{
			{"internal ?overdue=true", func() []string { return internal("overdue=true") }, none},
			{"supplier A ?overdue=true", func() []string { return supplier(a, "overdue=true") }, none},
			{"supplier B ?overdue=true", func() []string { return supplier(b, "overdue=true") }, none},
		})

		// The day B's item is due it is not late yet.
		e.setClock(t, "2025-04-05")
		e.wantFindingDue(t, "on B's due date", fb, "2025-04-05", false)
		checkLists("2025-04-05", []listCheck{
			{"internal ?overdue=true", func() []string { return internal("overdue=true") }, none},
			{"supplier B ?overdue=true", func() []string { return supplier(b, "overdue=true") }, none},
		})

		// The day after it is; A's finding (due 2025-05-01) is not.
		e.setClock(t, "2025-04-06")
		e.wantFindingDue(t, "the day after B's due date", fb, "2025-04-05", true)
		e.wantFindingDue(t, "A before its date", fa, "2025-05-01", false)
		checkLists("2025-04-06", []listCheck{
			{"internal ?overdue=true", func() []string { return internal("overdue=true") }, sorted(fb)},
			{"internal ?overdue=false", func() []string { return internal("overdue=false") }, sorted(fa, fb, calm)},
			{"supplier A ?overdue=true", func() []string { return supplier(a, "overdue=true") }, none},
			{"supplier A ?overdue=true&vendor_id=B", func() []string { return supplier(a, "overdue=true&vendor_id="+b.vendorID) }, none},
			{"supplier B ?overdue=true", func() []string { return supplier(b, "overdue=true") }, sorted(fb)},
		})
		must(t, e.do(t, "GET", "/api/v1/supplier/findings?overdue=true", b.sup, nil), http.StatusOK).into(t, &sl)
		if len(sl.Items) != 1 || !sl.Items[0].Overdue || sl.Items[0].DueDate == nil || *sl.Items[0].DueDate != "2025-04-05" {
			t.Errorf("supplier B's overdue list %+v, want %s overdue, due 2025-04-05", sl.Items, fb)
		}

		// Both are late now.
		e.setClock(t, "2025-05-02")
		e.wantFindingDue(t, "A after its date", fa, "2025-05-01", true)
		checkLists("2025-05-02", []listCheck{
			{"internal ?overdue=true", func() []string { return internal("overdue=true") }, sorted(fa, fb)},
			{"internal ?overdue=true&vendor_id=A", func() []string { return internal("overdue=true&vendor_id=" + a.vendorID) }, sorted(fa)},
			{"internal ?overdue=true&open=true&sort=priority", func() []string { return internal("overdue=true&open=true&sort=priority") }, sorted(fa, fb)},
			{"internal ?overdue=true&severity=medium", func() []string { return internal("overdue=true&severity=medium") }, sorted(fb)},
			{"supplier A ?overdue=true", func() []string { return supplier(a, "overdue=true") }, sorted(fa)},
			// vendor_id is ignored for suppliers: still its own only.
			{"supplier A ?overdue=true&vendor_id=B", func() []string { return supplier(a, "overdue=true&vendor_id="+b.vendorID) }, sorted(fa)},
			{"supplier B ?overdue=true", func() []string { return supplier(b, "overdue=true") }, sorted(fb)},
		})
		must(t, e.do(t, "GET", "/api/v1/supplier/findings", a.sup, nil), http.StatusOK).into(t, &sl)
		if len(sl.Items) != 1 || sl.Items[0].ID != fa || !sl.Items[0].Overdue {
			t.Errorf("supplier A's list %+v, want its finding overdue", sl.Items)
		}

		// Every item of A done: nothing pending, no due date, not overdue.
		items := must(t, e.do(t, "GET", "/api/v1/findings/"+fa+"/remediations", e.admin, nil), http.StatusOK).items(t)
		for _, it := range items {
			if it["status"] != "done" {
				e.patchItem(t, it["id"].(string), map[string]any{"status": "done"})
			}
		}
		f := e.wantFindingDue(t, "every item done", fa, "", false)
		if f.Status != "resolved" {
			t.Errorf("every item done: finding %s, want resolved", f.Status)
		}
		checkLists("A resolved", []listCheck{
			{"internal ?overdue=true", func() []string { return internal("overdue=true") }, sorted(fb)},
			{"supplier A ?overdue=true", func() []string { return supplier(a, "overdue=true") }, none},
		})

		// A failed verification puts an item back in progress: the date (and the lateness) is back.
		e.verify(t, i2.ID, false)
		e.wantFindingDue(t, "an item sent back", fa, "2025-05-01", true)
		checkLists("A's item sent back", []listCheck{
			{"internal ?overdue=true", func() []string { return internal("overdue=true") }, sorted(fa, fb)},
		})

		// Done again and every item verified: closed, no due date.
		e.patchItem(t, i2.ID, map[string]any{"status": "done"})
		for _, it := range items {
			e.verify(t, it["id"].(string), true)
		}
		if f := e.wantFindingDue(t, "every item verified", fa, "", false); f.Status != "closed" {
			t.Errorf("every item verified: finding %s, want closed", f.Status)
		}
		checkLists("A closed", []listCheck{
			{"internal ?overdue=true", func() []string { return internal("overdue=true") }, sorted(fb)},
			{"supplier A ?overdue=true", func() []string { return supplier(a, "overdue=true") }, none},
		})
	})
}

// TestFindingDueDateWhenProcurementPlans: an item procurement plans (POST /findings/{id}/remediations)
// gives the finding its due date at once, as a supplier's plan does.
func TestFindingDueDateWhenProcurementPlans(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		d := newDueFixture(t, e, "Procurement Plans Vendor", 0)
		fid := d.manual(t, "planned by procurement", "high")
		e.addItem(t, fid, "first", "2025-05-10")
		if f := e.wantFindingDue(t, "after procurement's first item", fid, "2025-05-10", false); f.Status != "remediation_planned" {
			t.Errorf("finding %s, want remediation_planned", f.Status)
		}
		e.addItem(t, fid, "earlier", "2025-04-20")
		e.wantFindingDue(t, "after procurement's earlier item", fid, "2025-04-20", false)
		dflt := e.addItem(t, fid, "policy date", "") // tier 2, high: later than 04-20
		e.wantFindingDue(t, "after an item with the policy's date ("+dflt.DueDate+")", fid, "2025-04-20", false)

		e.setClock(t, "2025-04-21")
		e.wantFindingDue(t, "the day after", fid, "2025-04-20", true)
		if got := e.listIDs(t, "/api/v1/findings?overdue=true", e.admin); !slices.Equal(got, []string{fid}) {
			t.Errorf("internal ?overdue=true lists %v, want %s", got, fid)
		}
		if got := e.listIDs(t, "/api/v1/supplier/findings?overdue=true", d.sup); !slices.Equal(got, []string{fid}) {
			t.Errorf("supplier ?overdue=true lists %v, want %s", got, fid)
		}
	})
}

// TestFindingDueDateOnManualCloseAndReopen: a finding closed by hand shows no due date and is not overdue
// (closed findings carry none), even when its item moves meanwhile; reopened, its pending item's current
// date is back at once.
func TestFindingDueDateOnManualCloseAndReopen(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		d := newDueFixture(t, e, "Manual Close Vendor", 0)
		fid := d.manual(t, "closed by hand", "high")
		item := d.plan(t, fid, "pending fix", "2025-04-20")
		e.wantFindingDue(t, "planned", fid, "2025-04-20", false)

		patch := func(status string) {
			t.Helper()
			must(t, e.do(t, "PATCH", "/api/v1/findings/"+fid, e.admin, map[string]any{"status": status}), http.StatusOK)
		}
		patch("resolved")
		patch("closed")
		e.setClock(t, "2025-05-01")
		if f := e.wantFindingDue(t, "closed by hand with an item pending", fid, "", false); f.Status != "closed" {
			t.Fatalf("finding %s, want closed", f.Status)
		}
		if got := e.listIDs(t, "/api/v1/findings?overdue=true", e.admin); len(got) != 0 {
			t.Errorf("?overdue=true lists %v with the only finding closed", got)
		}
		if got := e.listIDs(t, "/api/v1/supplier/findings?overdue=true", d.sup); len(got) != 0 {
			t.Errorf("supplier ?overdue=true lists %v with the only finding closed", got)
		}
		// The item moves while the finding is closed: still hidden.
		e.patchItem(t, item.ID, map[string]any{"due_date": "2025-04-25"})
		e.wantFindingDue(t, "closed, its item moved", fid, "", false)

		patch("open")
		e.wantFindingDue(t, "reopened by hand", fid, "2025-04-25", true)
		if got := e.listIDs(t, "/api/v1/findings?overdue=true", e.admin); !slices.Equal(got, []string{fid}) {
			t.Errorf("?overdue=true lists %v after reopening, want %s", got, fid)
		}
	})
}

// TestReopenedAssessmentFindingGetsItsDueDateBack: a finding an assessment closes (the answer passes)
// loses its due date; when a later assessment reopens it, its still-open item is due again.
func TestReopenedAssessmentFindingGetsItsDueDateBack(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		f := newFindingEnv(t, e)
		f.round(t, "no", "full", "yes")
		q1 := f.byQuestion(t)["q1"].ID
		item := e.addItem(t, q1, "enforce MFA", "2025-04-20")
		e.patchItem(t, item.ID, map[string]any{"status": "in_progress"}) // follow() runs for sure
		e.wantFindingDue(t, "planned", q1, "2025-04-20", false)

		f.round(t, "yes", "full", "yes")
		if g := e.wantFindingDue(t, "closed by a passing answer", q1, "", false); g.Status != "closed" {
			t.Fatalf("finding %s after a passing answer, want closed", g.Status)
		}
		f.round(t, "no", "full", "yes")
		if g := e.wantFindingDue(t, "reopened by a failing answer", q1, "2025-04-20", false); g.Status != "open" {
			t.Fatalf("finding %s after failing again, want open", g.Status)
		}
	})
}

// TestFindingsPriorityOrderByDueDateOverHTTP: among findings of equal priority the earliest-due comes
// first, those without a due date last, whatever their ids; pages of one keep that order.
func TestFindingsPriorityOrderByDueDateOverHTTP(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		d := newDueFixture(t, e, "Priority Due Vendor", 0)
		top := d.manual(t, "critical, no date", "critical")
		h := []string{d.manual(t, "high 1", "high"), d.manual(t, "high 2", "high"), d.manual(t, "high 3", "high")}
		slices.Sort(h)
		low := d.manual(t, "low, due first of all", "low")
		// The smallest id has no date, the middle one is due later than the largest: id order would be wrong.
		d.plan(t, h[1], "later", "2025-06-01")
		d.plan(t, h[2], "earlier", "2025-05-01")
		d.plan(t, low, "earliest", "2025-04-02")
		want := []string{top, h[2], h[1], h[0], low}
		wantDue := []string{"", "2025-05-01", "2025-06-01", "", "2025-04-02"}

		check := func(name string, got []api.FindingResponse) {
			t.Helper()
			var ids, dues []string
			for _, it := range got {
				ids = append(ids, it.ID)
				due := ""
				if it.DueDate != nil {
					due = *it.DueDate
				}
				dues = append(dues, due)
			}
			if !slices.Equal(ids, want) || !slices.Equal(dues, wantDue) {
				t.Errorf("%s: %v due %q, want %v due %q", name, ids, dues, want, wantDue)
			}
		}
		var l api.FindingList
		must(t, e.do(t, "GET", "/api/v1/findings?sort=priority&engagement_id="+d.eng, e.admin, nil), http.StatusOK).into(t, &l)
		check("one page", l.Items)
		if l.Items[1].Priority != l.Items[3].Priority {
			t.Fatalf("the high findings have priorities %d and %d", l.Items[1].Priority, l.Items[3].Priority)
		}

		var paged []api.FindingResponse
		cursor := ""
		for range 10 {
			must(t, e.do(t, "GET", "/api/v1/findings?sort=priority&limit=1&engagement_id="+d.eng+"&cursor="+url.QueryEscape(cursor),
				e.admin, nil), http.StatusOK).into(t, &l)
			paged = append(paged, l.Items...)
			if cursor = l.NextCursor; cursor == "" {
				break
			}
		}
		check("pages of one", paged)
	})
}

// TestFindingListBadBooleanQuery: open and overdue take true or false only; anything else is a 422
// problem naming the parameter, on the internal and the supplier list alike.
func TestFindingListBadBooleanQuery(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		d := newDueFixture(t, e, "Bad Query Vendor", 0)
		for _, path := range []string{"/api/v1/findings", "/api/v1/supplier/findings"} {
			key := e.admin
			if strings.Contains(path, "supplier") {
				key = d.sup
			}
			for _, tc := range []struct{ query, field string }{
				{"overdue=maybe", "overdue"}, {"overdue=1", "overdue"}, {"overdue=TRUE", "overdue"}, {"overdue=", ""},
				{"open=maybe", "open"}, {"open=true&overdue=yes", "overdue"},
			} {
				t.Run(path+"?"+tc.query, func(t *testing.T) {
					r := e.do(t, "GET", path+"?"+tc.query, key, nil)
					if tc.field == "" {
						must(t, r, http.StatusOK)
						return
					}
					wantProblem(t, r, http.StatusUnprocessableEntity, tc.field)
					if got := problemFields(r); len(got) != 1 {
						t.Errorf("errors[] names %q, want only %q", got, tc.field)
					}
				})
			}
		}
	})
}
