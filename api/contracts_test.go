package api_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/domain/auth"
)

// everyClause is one clause of each type with every parameter its type takes.
func everyClause() []map[string]any {
	return []map[string]any{
		{"type": "confidentiality", "reference": "§3"},
		{"type": "data_protection", "reference": "§4"},
		{"type": "right_to_audit", "reference": "§5", "notice_days": 14},
		{"type": "breach_notification", "reference": "§6", "hours": 24},
		{"type": "subcontracting", "reference": "§7", "level": "prior_approval"},
		{"type": "data_location", "reference": "§8", "countries": []string{"JP", "SG"}},
		{"type": "return_and_deletion", "reference": "§9", "days": 30},
		{"type": "business_continuity", "reference": "§10", "rto_hours": 4, "bcp_tested_yearly": true},
		{"type": "security_requirements", "reference": "Annex 2"},
		{"type": "staff_security", "reference": "§11", "nda": true, "training": true},
		{"type": "liability", "reference": "§12", "cap": map[string]any{"amount": 100_000_000, "currency": "JPY"}},
		{"type": "exit_assistance", "reference": "§13", "days": 180},
	}
}

func TestContracts(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		v := e.newVendor(t, "Contracted Cloud")
		eng := e.createEngagement(t, engagementBody(v))
		base := "/api/v1/engagements/" + eng.ID + "/contracts"

		// Every clause type with every parameter, read back as sent, each with its Annex A controls.
		body := contractBody("title", "MSA 2025", "document_reference", "DMS-42", "signed_on", "2024-12-20",
			"starts_on", "2025-01-01", "ends_on", "2027-12-31", "auto_renew", true, "notice_days", 90, "clauses", everyClause())
		r := must(t, e.do(t, "POST", base, e.key(t, auth.RoleProcurement, ""), body), http.StatusCreated)
		var k api.ContractResponse
		r.into(t, &k)
		if r.Header.Get("Location") != "/api/v1/contracts/"+k.ID || r.Header.Get("ETag") != `"1"` {
			t.Errorf("Location %q, ETag %q", r.Header.Get("Location"), r.Header.Get("ETag"))
		}
		if k.EngagementID != eng.ID || k.Title != "MSA 2025" || k.DocumentReference != "DMS-42" || k.SignedOn == nil ||
			*k.SignedOn != "2024-12-20" || k.StartsOn != "2025-01-01" || k.EndsOn == nil || *k.EndsOn != "2027-12-31" ||
			!k.AutoRenew || k.NoticeDays != 90 || k.Version != 1 || k.NoticeDeadline == nil || *k.NoticeDeadline != "2027-10-02" {
			t.Errorf("created %+v", k)
		}
		got := must(t, e.do(t, "GET", "/api/v1/contracts/"+k.ID, e.key(t, auth.RoleAuditor, ""), nil), http.StatusOK)
		if got.Header.Get("ETag") != `"1"` {
			t.Errorf("GET ETag %q", got.Header.Get("ETag"))
		}
		var read api.ContractResponse
		got.into(t, &read)
		wantClauses, _ := json.Marshal(everyClause())
		var want []map[string]any
		_ = json.Unmarshal(wantClauses, &want)
		if len(read.Clauses) != len(want) {
			t.Fatalf("%d clauses read back, want %d", len(read.Clauses), len(want))
		}
		for i, cl := range read.Clauses {
			raw, _ := json.Marshal(cl.ClauseDTO)
			var have map[string]any
			_ = json.Unmarshal(raw, &have)
			if a, b := mustJSON(t, have), mustJSON(t, want[i]); a != b {
				t.Errorf("clause %d read back as %s, want %s", i, a, b)
			}
			if len(cl.ControlRefs) == 0 {
				t.Errorf("clause %s has no control_refs", cl.Type)
			}
		}
		if !slices.Contains(read.Clauses[3].ControlRefs, "iso27001-2022:5.24") {
			t.Errorf("breach notification controls %q", read.Clauses[3].ControlRefs)
		}

		// Shape and rule violations name the field, with the index of the clause.
		ok := map[string]any{"type": "confidentiality"}
		invalid := []struct {
			name  string
			body  map[string]any
			field string
		}{
			{"breach notification without hours", contractBody("clauses", []map[string]any{ok, {"type": "breach_notification"}}), "clauses[1].hours"},
			{"audit without notice days", contractBody("clauses", []map[string]any{ok, {"type": "right_to_audit"}}), "clauses[1].notice_days"},
			{"deletion without days", contractBody("clauses", []map[string]any{ok, {"type": "return_and_deletion"}}), "clauses[1].days"},
			{"exit assistance without days", contractBody("clauses", []map[string]any{{"type": "exit_assistance"}}), "clauses[0].days"},
			{"subcontracting without level", contractBody("clauses", []map[string]any{ok, {"type": "subcontracting"}}), "clauses[1].level"},
			{"subcontracting with unknown level", contractBody("clauses", []map[string]any{{"type": "subcontracting", "level": "maybe"}}), "clauses[0].level"},
			{"data location without countries", contractBody("clauses", []map[string]any{ok, {"type": "data_location"}}), "clauses[1].countries"},
			{"data location with unknown country", contractBody("clauses", []map[string]any{{"type": "data_location", "countries": []string{"JP", "XX"}}}),
				"clauses[0].countries[1]"},
			{"negative hours", contractBody("clauses", []map[string]any{{"type": "breach_notification", "hours": -1}}), "clauses[0].hours"},
			{"liability cap in no currency", contractBody("clauses", []map[string]any{{"type": "liability", "cap": map[string]any{"amount": 5, "currency": "yen"}}}),
				"clauses[0].cap"},
			{"unknown clause type", contractBody("clauses", []map[string]any{ok, {"type": "goodwill"}}), "clauses[1].type"},
			{"duplicate clause type", contractBody("clauses", []map[string]any{ok, {"type": "breach_notification", "hours": 24}, ok}), "clauses[2].type"},
			{"missing title", contractBody("title", nil), "title"},
			{"missing start", contractBody("starts_on", nil), "starts_on"},
			{"start not a date", contractBody("starts_on", "01/04/2025"), "starts_on"},
			{"end before start", contractBody("ends_on", "2024-12-31"), "ends_on"},
			{"auto renew without end", contractBody("auto_renew", true), "auto_renew"},
			{"negative notice", contractBody("notice_days", -1), "notice_days"},
		}
		for _, tc := range invalid {
			t.Run(tc.name, func(t *testing.T) {
				wantProblem(t, e.do(t, "POST", base, e.admin, tc.body), http.StatusUnprocessableEntity, tc.field)
			})
		}
		wantProblem(t, e.do(t, "POST", "/api/v1/engagements/"+unknownID()+"/contracts", e.admin, contractBody()), http.StatusNotFound)
		wantProblem(t, e.do(t, "GET", "/api/v1/engagements/"+unknownID()+"/contracts", e.admin, nil), http.StatusNotFound)
		wantProblem(t, e.do(t, "GET", "/api/v1/contracts/"+unknownID(), e.admin, nil), http.StatusNotFound)
		wantProblem(t, e.do(t, "GET", "/api/v1/contracts/"+unknownID()+"/gaps", e.admin, nil), http.StatusNotFound)

		// The list: latest start first; the refused creates stored nothing.
		later := e.createContract(t, eng.ID, contractBody("title", "Renewal", "starts_on", "2028-01-01"))
		earlier := e.createContract(t, eng.ID, contractBody("title", "Pilot", "starts_on", "2024-01-01"))
		var list api.ContractList
		must(t, e.do(t, "GET", base, e.key(t, auth.RoleRiskOwner, ""), nil), http.StatusOK).into(t, &list)
		var ids []string
		for _, it := range list.Items {
			ids = append(ids, it.ID)
		}
		if !slices.Equal(ids, []string{later.ID, k.ID, earlier.ID}) {
			t.Errorf("list order %q, want renewal, MSA, pilot", ids)
		}

		// PATCH: If-Match, clauses replaced whole, clear_ends_on.
		u := "/api/v1/contracts/" + k.ID
		r = must(t, e.do(t, "PATCH", u, e.admin, map[string]any{"clauses": []map[string]any{{"type": "breach_notification", "hours": 12}},
			"title": "MSA 2025 (amended)"}, "If-Match", `"1"`), http.StatusOK)
		r.into(t, &read)
		if r.Header.Get("ETag") != `"2"` || read.Version != 2 || read.Title != "MSA 2025 (amended)" || len(read.Clauses) != 1 ||
			read.Clauses[0].Type != "breach_notification" || read.Clauses[0].Hours == nil || *read.Clauses[0].Hours != 12 {
			t.Errorf("after PATCH: ETag %s, %+v", r.Header.Get("ETag"), read)
		}
		wantProblem(t, e.do(t, "PATCH", u, e.admin, map[string]any{"title": "lost"}, "If-Match", `"1"`), http.StatusPreconditionFailed)
		wantProblem(t, e.do(t, "PATCH", u, e.admin, map[string]any{"clauses": []map[string]any{{"type": "right_to_audit"}}}),
			http.StatusUnprocessableEntity, "clauses[0].notice_days")
		must(t, e.do(t, "GET", u, e.admin, nil), http.StatusOK).into(t, &read)
		if read.Title != "MSA 2025 (amended)" || read.Version != 2 || len(read.Clauses) != 1 {
			t.Errorf("refused PATCHes changed the contract: %+v", read)
		}
		wantProblem(t, e.do(t, "PATCH", u, e.admin, map[string]any{"clear_ends_on": true}), http.StatusUnprocessableEntity, "auto_renew")
		must(t, e.do(t, "PATCH", u, e.admin, map[string]any{"clear_ends_on": true, "auto_renew": false}), http.StatusOK).into(t, &read)
		if read.EndsOn != nil || read.NoticeDeadline != nil || read.AutoRenew {
			t.Errorf("after clear_ends_on: %+v", read)
		}
		must(t, e.do(t, "PATCH", u, e.admin, map[string]any{"clauses": []map[string]any{}}), http.StatusOK).into(t, &read)
		if len(read.Clauses) != 0 || read.Clauses == nil {
			t.Errorf("clauses after emptying: %#v", read.Clauses)
		}
		wantProblem(t, e.do(t, "PATCH", "/api/v1/contracts/"+unknownID(), e.admin, map[string]any{"title": "x"}), http.StatusNotFound)
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestContractDates checks ending_soon, notice_due_soon and ended against the injected clock
// (start is 2025-04-01).
func TestContractDates(t *testing.T) {
	e := sqliteOnly(t, api.Config{})
	eng := e.createEngagement(t, engagementBody(e.newVendor(t, "Dated Cloud")))
	soon := e.createContract(t, eng.ID, contractBody("starts_on", "2024-06-01", "ends_on", "2025-06-01", "notice_days", 30))
	far := e.createContract(t, eng.ID, contractBody("starts_on", "2025-04-01", "ends_on", "2026-04-01", "notice_days", 90, "auto_renew", true))
	open := e.createContract(t, eng.ID, contractBody("starts_on", "2025-01-01"))
	edge := e.createContract(t, eng.ID, contractBody("starts_on", "2025-01-01", "ends_on", "2025-06-30", "notice_days", 0))

	type flags struct {
		deadline                     string
		endingSoon, noticeDue, ended bool
	}
	check := func(when string, id string, want flags) {
		t.Helper()
		var c api.ContractResponse
		must(t, e.do(t, "GET", "/api/v1/contracts/"+id, e.admin, nil), http.StatusOK).into(t, &c)
		got := flags{endingSoon: c.EndingSoon, noticeDue: c.NoticeDueSoon, ended: c.Ended}
		if c.NoticeDeadline != nil {
			got.deadline = *c.NoticeDeadline
		}
		if got != want {
			t.Errorf("%s, contract ending %v: %+v, want %+v", when, c.EndsOn, got, want)
		}
	}
	// 2025-04-01: ends in 61 days, notice due by 2025-05-02.
	check("on 2025-04-01", soon.ID, flags{"2025-05-02", true, true, false})
	check("on 2025-04-01", far.ID, flags{"2026-01-01", false, false, false})
	check("on 2025-04-01", open.ID, flags{})
	check("on 2025-04-01", edge.ID, flags{"2025-06-30", true, true, false}) // exactly 90 days ahead

	// 2025-06-01 (61 days later, 14:30 UTC): the last day of the soon contract is today.
	e.clock.Advance(61*24*time.Hour + 5*time.Hour)
	check("on its last day", soon.ID, flags{"2025-05-02", true, false, false})
	// 2025-10-18: soon has ended; far's notice deadline is 75 days ahead, its end 165 days.
	e.clock.Advance(139 * 24 * time.Hour)
	check("on 2025-10-18", soon.ID, flags{"2025-05-02", false, false, true})
	check("on 2025-10-18", far.ID, flags{"2026-01-01", false, true, false})
	var list api.ContractList
	must(t, e.do(t, "GET", "/api/v1/engagements/"+eng.ID+"/contracts", e.admin, nil), http.StatusOK).into(t, &list)
	for _, c := range list.Items {
		if c.ID == far.ID && !c.NoticeDueSoon {
			t.Errorf("the list computes other flags than the single read: %+v", c)
		}
	}
}

// TestContractGaps measures one contract against the policy of tier 3, 2 and 1 (by override), and
// against where the engagement's data actually is.
func TestContractGaps(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		eng := e.createEngagement(t, fixedScoreBody(e.newVendor(t, "Gapped Cloud"), "Gapped")) // tier 3
		k := e.createContract(t, eng.ID, contractBody("clauses", []map[string]any{
			{"type": "confidentiality"}, {"type": "data_protection"},
			{"type": "breach_notification", "hours": 72}, {"type": "subcontracting", "level": "notify"},
		}))
		owner := e.key(t, auth.RoleRiskOwner, "")
		gapsOf := func() api.GapReportResponse {
			t.Helper()
			var g api.GapReportResponse
			must(t, e.do(t, "GET", "/api/v1/contracts/"+k.ID+"/gaps", e.admin, nil), http.StatusOK).into(t, &g)
			for _, gap := range g.Gaps {
				if gap.Detail == "" || len(gap.ControlRefs) == 0 {
					t.Errorf("gap without detail or control_refs: %+v", gap)
				}
			}
			return g
		}
		type gap struct{ clause, problem, severity string }
		summary := func(g api.GapReportResponse) []gap {
			out := []gap{}
			for _, x := range g.Gaps {
				out = append(out, gap{x.ClauseType, x.Problem, x.Severity})
			}
			return out
		}

		g := gapsOf()
		if g.EffectiveTier != 3 || len(g.Requirements) != 4 || len(g.Gaps) != 0 {
			t.Errorf("tier 3: tier %d, %d requirements, gaps %+v", g.EffectiveTier, len(g.Requirements), g.Gaps)
		}

		override := func(tier int) {
			t.Helper()
			must(t, e.do(t, "POST", "/api/v1/engagements/"+eng.ID+"/tier-override", owner,
				map[string]any{"tier": tier, "reason": "tested"}), http.StatusOK)
		}
		override(2)
		g = gapsOf()
		want2 := []gap{
			{"right_to_audit", "missing", "medium"},
			{"breach_notification", "weaker", "medium"},
			{"subcontracting", "weaker", "low"},
			{"data_location", "missing", "high"},
			{"return_and_deletion", "missing", "medium"},
			{"staff_security", "missing", "medium"},
		}
		if g.EffectiveTier != 2 || len(g.Requirements) != 8 || !slices.Equal(summary(g), want2) {
			t.Errorf("tier 2: tier %d, %d requirements, gaps\n%+v\nwant\n%+v", g.EffectiveTier, len(g.Requirements), summary(g), want2)
		}

		override(1)
		g = gapsOf()
		want1 := []gap{
			{"right_to_audit", "missing", "high"},
			{"breach_notification", "weaker", "high"},
			{"subcontracting", "weaker", "medium"},
			{"data_location", "missing", "critical"},
			{"return_and_deletion", "missing", "high"},
			{"business_continuity", "missing", "high"},
			{"security_requirements", "missing", "high"},
			{"staff_security", "missing", "high"},
			{"exit_assistance", "missing", "medium"},
		}
		if g.EffectiveTier != 1 || len(g.Requirements) != 11 || !slices.Equal(summary(g), want1) {
			t.Errorf("tier 1: tier %d, %d requirements, gaps\n%+v\nwant\n%+v", g.EffectiveTier, len(g.Requirements), summary(g), want1)
		}
		for _, x := range g.Gaps {
			if x.ClauseType == "breach_notification" && (!strings.Contains(x.Detail, "72") || !strings.Contains(x.Detail, "24")) {
				t.Errorf("breach notification detail %q does not name 72 h and 24 h", x.Detail)
			}
		}

		// Meet tier 1 except where the data is: the contract allows Japan; the data moves to the US too.
		full := everyClause()
		full[5]["countries"] = []string{"JP"}
		must(t, e.do(t, "PATCH", "/api/v1/contracts/"+k.ID, e.admin, map[string]any{"clauses": full}), http.StatusOK)
		if g = gapsOf(); len(g.Gaps) != 0 {
			t.Errorf("a contract with every clause at tier 1 strength has gaps %+v", g.Gaps)
		}
		must(t, e.do(t, "PATCH", "/api/v1/engagements/"+eng.ID, e.admin, map[string]any{"data_locations": []string{"JP", "US"}}), http.StatusOK)
		g = gapsOf()
		if !slices.Equal(summary(g), []gap{{"data_location", "weaker", "high"}}) || !strings.Contains(g.Gaps[0].Detail, "US") {
			t.Errorf("data kept in the US under a Japan-only clause: %+v", g.Gaps)
		}

		// Clearing the override measures against the recommended tier again.
		must(t, e.do(t, "POST", "/api/v1/engagements/"+eng.ID+"/tier-override", owner,
			map[string]any{"tier": nil, "reason": "back to the model"}), http.StatusOK)
		var risk api.RiskResponse
		must(t, e.do(t, "GET", "/api/v1/engagements/"+eng.ID+"/risk", e.admin, nil), http.StatusOK).into(t, &risk)
		if g = gapsOf(); g.EffectiveTier != risk.RecommendedTier {
			t.Errorf("gaps measured at tier %d, the engagement's tier is %d", g.EffectiveTier, risk.RecommendedTier)
		}
	})
}

// Creating engagements and contracts accepts Idempotency-Key: a retry answers the first result, the
// same key with another body is 422, and the same key on another engagement's path is another request.
func TestEngagementAndContractIdempotency(t *testing.T) {
	e := sqliteOnly(t, api.Config{})
	v := e.newVendor(t, "Idempotent Cloud")
	body := engagementBody(v)
	first := must(t, e.do(t, "POST", "/api/v1/engagements", e.admin, body, "Idempotency-Key", "eng-1"), http.StatusCreated)
	again := must(t, e.do(t, "POST", "/api/v1/engagements", e.admin, body, "Idempotency-Key", "eng-1"), http.StatusCreated)
	if first.str("id") == "" || again.str("id") != first.str("id") || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("engagement retry: %s / %s (replayed %q)", first.str("id"), again.str("id"), again.Header.Get("Idempotent-Replayed"))
	}
	wantProblem(t, e.do(t, "POST", "/api/v1/engagements", e.admin, engagementBody(v, "name", "Other"), "Idempotency-Key", "eng-1"),
		http.StatusUnprocessableEntity)
	if n := len(must(t, e.do(t, "GET", "/api/v1/engagements", e.admin, nil), http.StatusOK).items(t)); n != 1 {
		t.Errorf("%d engagements after a retried create", n)
	}

	other := e.createEngagement(t, engagementBody(v, "name", "Second"))
	paths := []string{"/api/v1/engagements/" + first.str("id") + "/contracts", "/api/v1/engagements/" + other.ID + "/contracts"}
	c1 := must(t, e.do(t, "POST", paths[0], e.admin, contractBody(), "Idempotency-Key", "con-1"), http.StatusCreated)
	c2 := must(t, e.do(t, "POST", paths[0], e.admin, contractBody(), "Idempotency-Key", "con-1"), http.StatusCreated)
	if c1.str("id") != c2.str("id") || c2.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("contract retry: %s / %s", c1.str("id"), c2.str("id"))
	}
	c3 := e.do(t, "POST", paths[1], e.admin, contractBody(), "Idempotency-Key", "con-1")
	if c3.Status == http.StatusCreated && (c3.str("id") == c1.str("id") || c3.str("engagement_id") != other.ID) {
		t.Errorf("the key used on another engagement replayed the first contract: %s", c3)
	}
}

// TestContractNoticePassed: a running auto-renewing contract whose notice deadline has passed says
// notice_passed (from the day after the deadline), and the portfolio counts it, whether it ends within
// the horizon or later; contracts that do not renew, or have ended, never do.
func TestContractNoticePassed(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		eng := e.createEngagement(t, engagementBody(e.newVendor(t, "Renewing Cloud"))).ID
		// Today is 2025-04-01.
		soon := e.createContract(t, eng, contractBody("ends_on", "2025-06-30", "auto_renew", true, "notice_days", 90))   // deadline 04-01
		later := e.createContract(t, eng, contractBody("ends_on", "2025-12-31", "auto_renew", true, "notice_days", 300)) // deadline 03-06
		plain := e.createContract(t, eng, contractBody("ends_on", "2025-06-30", "notice_days", 120))                     // deadline 03-02
		ended := e.createContract(t, eng, contractBody("starts_on", "2024-01-01", "ends_on", "2025-03-31", "auto_renew", true, "notice_days", 30))

		check := func(when string, want map[string]bool, wantCount int, wantItems map[string]bool) {
			t.Helper()
			for id, passed := range want {
				var c api.ContractResponse
				must(t, e.do(t, "GET", "/api/v1/contracts/"+id, e.admin, nil), http.StatusOK).into(t, &c)
				if c.NoticePassed != passed {
					t.Errorf("%s: contract ending %v (auto_renew %v, deadline %v): notice_passed %v, want %v", when, *c.EndsOn,
						c.AutoRenew, *c.NoticeDeadline, c.NoticePassed, passed)
				}
			}
			var sum api.PortfolioSummary
			must(t, e.do(t, "GET", "/api/v1/portfolio/summary", e.admin, nil), http.StatusOK).into(t, &sum)
			if sum.Contracts.NoticePassed != wantCount {
				t.Errorf("%s: portfolio contracts.notice_passed %d, want %d", when, sum.Contracts.NoticePassed, wantCount)
			}
			got := map[string]bool{}
			for _, it := range sum.Contracts.Items {
				got[it.ID] = it.NoticePassed
			}
			if !reflect.DeepEqual(got, wantItems) {
				t.Errorf("%s: portfolio items' notice_passed %v, want %v", when, got, wantItems)
			}
		}
		check("on the deadline of the soon one", map[string]bool{soon.ID: false, later.ID: true, plain.ID: false, ended.ID: false},
			1, map[string]bool{soon.ID: false, plain.ID: false})
		e.setClock(t, "2025-04-02")
		check("the day after", map[string]bool{soon.ID: true, later.ID: true, plain.ID: false, ended.ID: false},
			2, map[string]bool{soon.ID: true, plain.ID: false})
	})
}
