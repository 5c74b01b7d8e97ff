package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/domain/audit"
	"github.com/vendorrisk/vendorrisk/domain/auth"
)

const auditPath = "/api/v1/audit-events"

// auditPage fetches one page of audit events as an admin.
func (e *env) auditPage(t *testing.T, query url.Values) api.AuditEventList {
	t.Helper()
	var out api.AuditEventList
	must(t, e.do(t, "GET", auditPath+"?"+query.Encode(), e.admin, nil), http.StatusOK).into(t, &out)
	return out
}

// auditAll follows next_cursor through every page of the query.
func (e *env) auditAll(t *testing.T, query url.Values) []api.AuditEventResponse {
	t.Helper()
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	var all []api.AuditEventResponse
	for range 1000 {
		page := e.auditPage(t, q)
		all = append(all, page.Items...)
		if page.NextCursor == "" {
			return all
		}
		q.Set("cursor", page.NextCursor)
	}
	t.Fatal("paging never ended")
	return nil
}

// auditRows counts the stored events straight in the database.
func (e *env) auditRows(t *testing.T) int {
	t.Helper()
	var n int
	if err := e.db.SQL().QueryRowContext(t.Context(), "SELECT COUNT(*) FROM audit_events").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// verifyTrail calls the verify endpoint as role.
func (e *env) verifyTrail(t *testing.T, secret string) api.AuditVerification {
	t.Helper()
	var v api.AuditVerification
	must(t, e.do(t, "GET", auditPath+"/verify", secret, nil), http.StatusOK).into(t, &v)
	return v
}

// sqlExec runs raw SQL on the test's database, bypassing the application.
func (e *env) sqlExec(t *testing.T, query string, args ...any) {
	t.Helper()
	if _, err := e.db.SQL().ExecContext(t.Context(), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func seqsOf(evs []api.AuditEventResponse) []int64 {
	out := make([]int64, len(evs))
	for i, ev := range evs {
		out[i] = ev.Seq
	}
	return out
}

func TestAuditFailedWritesLeaveNoEvent(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		v := e.createVendor(t, vendorBody("Audit Failures KK"))
		procurement := e.key(t, auth.RoleProcurement, "")
		before := e.auditRows(t)
		if before != 1 {
			t.Fatalf("%d events after one vendor create, want 1", before)
		}
		vendors := e.countVendors(t)

		tests := []struct {
			name         string
			method, path string
			key          string
			body         any
			headers      []string
			status       int
			field        string
		}{
			{"vendor without a name", "POST", "/api/v1/vendors", e.admin, map[string]any{"kind": "cloud_provider"}, nil, 422, "name"},
			{"vendor of an unknown kind", "POST", "/api/v1/vendors", e.admin, vendorBody("Bad Kind KK", "kind", "spaceship"), nil, 422, "kind"},
			{"vendor with a bad corporate number", "POST", "/api/v1/vendors", e.admin,
				vendorBody("Bad Number KK", "corporate_number", "1234567890123"), nil, 422, "corporate_number"},
			{"failed create with an idempotency key", "POST", "/api/v1/vendors", e.admin, map[string]any{"kind": "cloud_provider"},
				[]string{"Idempotency-Key", "audit-fail-1"}, 422, "name"},
			{"malformed JSON", "POST", "/api/v1/vendors", e.admin, `{"kind": `, nil, 400, ""},
			{"update of an unknown vendor", "PATCH", "/api/v1/vendors/" + unknownID(), e.admin, map[string]any{"name": "X"}, nil, 404, ""},
			{"update with a stale If-Match", "PATCH", "/api/v1/vendors/" + v.ID, e.admin, map[string]any{"name": "Stale"},
				[]string{"If-Match", `"99"`}, 412, ""},
			{"illegal status change", "PATCH", "/api/v1/vendors/" + v.ID, e.admin, map[string]any{"status": "offboarding"}, nil, 409, ""},
			{"key creation refused to procurement", "POST", "/api/v1/api-keys", procurement, map[string]any{"role": "auditor"}, nil, 403, ""},
			{"key creation without a credential", "POST", "/api/v1/api-keys", "", map[string]any{"role": "auditor"}, nil, 401, ""},
			{"revoke of an unknown key", "DELETE", "/api/v1/api-keys/" + unknownID(), e.admin, nil, nil, 404, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := e.do(t, tt.method, tt.path, tt.key, tt.body, tt.headers...)
				if tt.field != "" {
					wantProblem(t, r, tt.status, tt.field)
				} else {
					wantProblem(t, r, tt.status)
				}
				if n := e.auditRows(t); n != before {
					t.Errorf("%d events after a refused write, want %d", n, before)
				}
			})
		}
		if n := e.countVendors(t); n != vendors {
			t.Errorf("%d vendors after refused writes, want %d", n, vendors)
		}
		var got api.VendorResponse
		must(t, e.do(t, "GET", "/api/v1/vendors/"+v.ID, e.admin, nil), http.StatusOK).into(t, &got)
		if got.Name != v.Name || got.Version != v.Version {
			t.Errorf("vendor after refused updates: name %q version %d, want %q %d", got.Name, got.Version, v.Name, v.Version)
		}

		// The idempotency key of the failed create was not kept: it serves a good request afterwards,
		// which is audited once.
		r := must(t, e.do(t, "POST", "/api/v1/vendors", e.admin, vendorBody("Retried KK"), "Idempotency-Key", "audit-fail-1"),
			http.StatusCreated)
		if r.Header.Get("Idempotent-Replayed") != "" {
			t.Errorf("the retry replayed a failure: %s", r)
		}
		wantV := e.verifyTrail(t, e.admin)
		if !wantV.Intact || wantV.HeadSeq != 2 || e.auditRows(t) != 2 {
			t.Errorf("after refused writes and one retry: verify %+v, %d rows; want intact at seq 2", wantV, e.auditRows(t))
		}
	})
}

func TestAuditRedactsSecrets(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		var created api.CreatedAPIKeyResponse
		must(t, e.do(t, "POST", "/api/v1/api-keys", e.admin, map[string]any{"role": "auditor", "name": "external auditor"}),
			http.StatusCreated).into(t, &created)
		if created.Secret == "" || len(created.Secret) <= len(created.Prefix) {
			t.Fatalf("no secret in the create answer: %+v", created)
		}
		hidden := created.Secret[len(created.Prefix):] // the part never shown again

		evs := e.auditAll(t, url.Values{"resource_type": {"api_key"}, "resource_id": {created.ID}})
		if len(evs) != 1 {
			t.Fatalf("%d events for the new key, want 1: %+v", len(evs), evs)
		}
		ev := evs[0]
		if ev.Action != "api_key.created" || ev.ActorRole != "admin" || ev.Path != "/api/v1/api-keys" {
			t.Errorf("event action %q role %q path %q", ev.Action, ev.ActorRole, ev.Path)
		}
		var result struct {
			Event string         `json:"event"`
			Data  map[string]any `json:"data"`
		}
		if err := json.Unmarshal(ev.Result, &result); err != nil {
			t.Fatalf("result %s: %v", ev.Result, err)
		}
		if result.Event != "api_key.created" || result.Data["id"] != created.ID || result.Data["prefix"] != created.Prefix ||
			result.Data["role"] != "auditor" || result.Data["name"] != "external auditor" {
			t.Errorf("result %s: want the new key", ev.Result)
		}
		for _, field := range []string{"secret", "hash"} {
			if _, ok := result.Data[field]; ok {
				t.Errorf("result %s: the key's %s is in the event", ev.Result, field)
			}
		}

		// Neither the new secret nor the caller's own bearer secret appears anywhere: not over HTTP,
		// not in storage.
		raw := string(must(t, e.do(t, "GET", auditPath+"?limit=200", e.admin, nil), http.StatusOK).Raw)
		var stored strings.Builder
		rows, err := e.db.SQL().QueryContext(t.Context(), "SELECT input, result, path FROM audit_events")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var in, res, path string
			if err := rows.Scan(&in, &res, &path); err != nil {
				t.Fatal(err)
			}
			stored.WriteString(in + res + path)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		for name, s := range map[string]string{"new secret": created.Secret, "new secret's hidden part": hidden,
			"caller's secret": e.admin, "caller's hidden part": e.admin[12:]} {
			if strings.Contains(raw, s) {
				t.Errorf("the %s appears in the audit list", name)
			}
			if strings.Contains(stored.String(), s) {
				t.Errorf("the %s is stored in audit_events", name)
			}
		}
	})
}

func TestAuditList(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		step := func() { e.clock.Advance(90*time.Second + 1500*time.Microsecond) }
		a := e.createVendor(t, vendorBody("Audit List A KK")) // seq 1
		step()
		b := e.createVendor(t, vendorBody("Audit List B KK")) // seq 2
		step()
		must(t, e.do(t, "PATCH", "/api/v1/vendors/"+a.ID, e.admin, map[string]any{"name": "Renamed A"}), http.StatusOK) // seq 3
		step()
		c := e.newContact(t, a.ID, map[string]any{"name": "Hanako", "email": "hanako@example.com"}) // seq 4
		step()
		must(t, e.do(t, "PATCH", "/api/v1/vendors/"+a.ID, e.admin, map[string]any{"description": "second change"}), http.StatusOK) // seq 5
		step()
		must(t, e.do(t, "PATCH", "/api/v1/vendors/"+b.ID, e.admin, map[string]any{"name": "Renamed B"}), http.StatusOK) // seq 6
		step()
		riskOwner := e.key(t, auth.RoleRiskOwner, "")
		must(t, e.do(t, "DELETE", "/api/v1/vendors/"+a.ID+"/contacts/"+c.ID, e.admin, nil), http.StatusNoContent) // seq 7

		all := e.auditAll(t, url.Values{"limit": {"200"}})
		if got := seqsOf(all); !slices.Equal(got, []int64{7, 6, 5, 4, 3, 2, 1}) {
			t.Fatalf("all events %v, want 7..1", got)
		}
		at := func(seq int64) string { return all[7-seq].OccurredAt.Format(time.RFC3339Nano) }

		t.Run("a resource's history, newest first", func(t *testing.T) {
			hist := e.auditAll(t, url.Values{"resource_type": {"vendor"}, "resource_id": {a.ID}})
			if got := seqsOf(hist); !slices.Equal(got, []int64{5, 3, 1}) {
				t.Fatalf("history of vendor A %v, want 5, 3, 1", got)
			}
			wantActions := []string{"vendor.updated", "vendor.updated", "vendor.created"}
			wantNames := []string{"Renamed A", "Renamed A", "Audit List A KK"}
			wantChanged := [][]string{{"description", "version"}, {"name", "version"}, nil}
			for i, ev := range hist {
				var res struct {
					Data api.VendorResponse `json:"data"`
				}
				if err := json.Unmarshal(ev.Result, &res); err != nil {
					t.Fatalf("seq %d result %s: %v", ev.Seq, ev.Result, err)
				}
				if ev.Action != wantActions[i] || ev.ResourceType != "vendor" || ev.ResourceID != a.ID || res.Data.Name != wantNames[i] ||
					res.Data.Version != 3-i {
					t.Errorf("seq %d: %s on %s/%s, result name %q version %d; want %s, name %q version %d", ev.Seq, ev.Action,
						ev.ResourceType, ev.ResourceID, res.Data.Name, res.Data.Version, wantActions[i], wantNames[i], 3-i)
				}
				if got := changedFields(t, ev); !slices.Equal(got, wantChanged[i]) {
					t.Errorf("seq %d changed %v, want %v", ev.Seq, got, wantChanged[i])
				}
				if ev.Path != "/api/v1/vendors"+map[bool]string{true: "", false: "/" + a.ID}[i == 2] {
					t.Errorf("seq %d path %q", ev.Seq, ev.Path)
				}
			}
			contacts := e.auditAll(t, url.Values{"resource_type": {"contact"}, "resource_id": {c.ID}})
			if got := seqsOf(contacts); !slices.Equal(got, []int64{7, 4}) {
				t.Errorf("history of the contact %v, want 7, 4", got)
			} else if contacts[0].Action != "vendor.contact.deleted" || !strings.Contains(string(contacts[0].Result), `"name":"Hanako"`) ||
				string(contacts[0].Input) != "null" {
				t.Errorf("delete event: %s input %s result %s; want the contact as it was when deleted", contacts[0].Action,
					contacts[0].Input, contacts[0].Result)
			}
		})

		tests := []struct {
			name  string
			query url.Values
			want  []int64
		}{
			{"resource type only", url.Values{"resource_type": {"vendor"}}, []int64{6, 5, 3, 2, 1}},
			{"event prefix", url.Values{"action": {"vendor."}}, []int64{7, 6, 5, 4, 3, 2, 1}},
			{"narrower event prefix", url.Values{"action": {"vendor.contact."}}, []int64{7, 4}},
			{"one event type", url.Values{"action": {"vendor.created"}}, []int64{2, 1}},
			{"actor", url.Values{"actor_key_id": {all[0].ActorKeyID}}, []int64{7, 6, 5, 4, 3, 2, 1}},
			{"another actor", url.Values{"actor_key_id": {"nobody"}}, []int64{}},
			{"from is inclusive", url.Values{"from": {at(5)}}, []int64{7, 6, 5}},
			{"to is exclusive", url.Values{"to": {at(3)}}, []int64{2, 1}},
			{"from and to", url.Values{"from": {at(2)}, "to": {at(6)}}, []int64{5, 4, 3, 2}},
			{"from in another zone", url.Values{"from": {all[7-4].OccurredAt.In(time.FixedZone("", 9*3600)).Format(time.RFC3339Nano)}},
				[]int64{7, 6, 5, 4}},
			{"filters combine", url.Values{"resource_type": {"vendor"}, "action": {"vendor.updated"}, "from": {at(4)}}, []int64{6, 5}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got := seqsOf(e.auditAll(t, tt.query))
				if !slices.Equal(got, tt.want) {
					t.Errorf("%s: seqs %v, want %v", tt.query.Encode(), got, tt.want)
				}
			})
		}
		// riskOwner reads the list too.
		must(t, e.do(t, "GET", auditPath+"?resource_type=vendor", riskOwner, nil), http.StatusOK)

		bad := []struct {
			name, query, field string
		}{
			{"bad from", "from=yesterday", "from"},
			{"date without time", "from=2025-04-01", "from"},
			{"bad to", "to=2025-13-01T00:00:00Z", "to"},
			{"to before from", "from=2025-04-02T00:00:00Z&to=2025-04-01T00:00:00Z", "to"},
			{"limit too large", "limit=201", "limit"},
			{"limit not a number", "limit=ten", "limit"},
			{"garbage cursor", "cursor=abc", "cursor"},
		}
		for _, tt := range bad {
			t.Run(tt.name, func(t *testing.T) {
				wantProblem(t, e.do(t, "GET", auditPath+"?"+tt.query, e.admin, nil), http.StatusUnprocessableEntity, tt.field)
			})
		}
	})
}

func TestAuditPaging(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		var ids []string
		for i := range 11 {
			ids = append(ids, e.newVendor(t, fmt.Sprintf("Paging %02d KK", i)))
		}
		for _, limit := range []int{1, 2, 3, 5, 10, 11, 12, 200} {
			t.Run(fmt.Sprintf("limit %d", limit), func(t *testing.T) {
				total := e.auditRows(t)
				q := url.Values{"limit": {fmt.Sprint(limit)}}
				var seen []int64
				pages := 0
				for {
					page := e.auditPage(t, q)
					pages++
					if len(page.Items) > limit {
						t.Fatalf("page of %d items, limit %d", len(page.Items), limit)
					}
					seen = append(seen, seqsOf(page.Items)...)
					if page.NextCursor == "" {
						break
					}
					if pages > total {
						t.Fatal("paging never ends")
					}
					q.Set("cursor", page.NextCursor)
					if pages == 1 {
						// An event written between pages must not shift the pages that follow.
						e.newVendor(t, fmt.Sprintf("Between pages %d KK", limit))
					}
				}
				var want []int64
				for s := int64(total); s >= 1; s-- {
					want = append(want, s)
				}
				if !slices.Equal(seen, want) {
					t.Errorf("visited %v, want %v (each once, newest first)", seen, want)
				}
				if wantPages := (total + limit - 1) / limit; pages != wantPages {
					t.Errorf("%d pages of %d events at limit %d, want %d", pages, total, limit, wantPages)
				}
			})
		}
		// A filtered walk visits only the filter's events.
		q := url.Values{"resource_type": {"vendor"}, "resource_id": {ids[3]}, "limit": {"1"}}
		if got := e.auditAll(t, q); len(got) != 1 || got[0].ResourceID != ids[3] || got[0].Action != "vendor.created" {
			t.Errorf("filtered walk %v, want the one create of vendor %s", seqsOf(got), ids[3])
		}
		q = url.Values{"action": {"vendor.created"}, "limit": {"4"}}
		got := e.auditAll(t, q)
		if len(got) != e.auditRows(t) {
			t.Errorf("walk by action visited %d events, want all %d", len(got), e.auditRows(t))
		}
	})
}

// auditWrites makes a mix of writes as an admin and returns how many succeeded (each is one event).
func (e *env) auditWrites(t *testing.T) int {
	t.Helper()
	v := e.createVendor(t, vendorBody("Audit Mix KK", "corporate_number", newCorpNumber()))
	e.clock.Advance(time.Minute)
	must(t, e.do(t, "PATCH", "/api/v1/vendors/"+v.ID, e.admin, map[string]any{"status": "active"}, "If-Match", `"1"`), http.StatusOK)
	c := e.newContact(t, v.ID, map[string]any{"name": "山田 花子", "email": "hanako@example.com"})
	must(t, e.do(t, "PATCH", "/api/v1/vendors/"+v.ID+"/contacts/"+c.ID, e.admin, map[string]any{"phone": "+81 3 1234 5678"}),
		http.StatusOK)
	must(t, e.do(t, "DELETE", "/api/v1/vendors/"+v.ID+"/contacts/"+c.ID, e.admin, nil), http.StatusNoContent)
	e.clock.Advance(time.Minute)
	var k api.CreatedAPIKeyResponse
	must(t, e.do(t, "POST", "/api/v1/api-keys", e.admin, map[string]any{"role": "procurement"}), http.StatusCreated).into(t, &k)
	must(t, e.do(t, "POST", "/api/v1/vendors", k.Secret, vendorBody("By Procurement KK")), http.StatusCreated)
	must(t, e.do(t, "DELETE", "/api/v1/api-keys/"+k.ID, e.admin, nil), http.StatusNoContent)
	e.createEngagement(t, engagementBody(v.ID))
	// A refused write in between leaves no event and no hole.
	wantProblem(t, e.do(t, "POST", "/api/v1/vendors", e.admin, map[string]any{"kind": "cloud_provider"}), http.StatusUnprocessableEntity)
	e.createVendor(t, vendorBody("Audit Mix Last KK"))
	return 10
}

// toEvent turns a listed event back into the domain form, as an external verifier would.
func toEvent(r api.AuditEventResponse) audit.Event {
	return audit.Event{Seq: r.Seq, ID: r.ID, OccurredAt: r.OccurredAt, PrevHash: r.PrevHash, Hash: r.Hash,
		Entry: audit.Entry{Actor: audit.Actor{KeyID: r.ActorKeyID, Name: r.ActorName, Role: r.ActorRole}, Action: r.Action,
			ResourceType: r.ResourceType, ResourceID: r.ResourceID, Path: r.Path, Status: r.Status, RequestID: r.RequestID,
			Input: r.Input, Result: r.Result}}
}

func TestAuditVerifyOverHTTP(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		empty := e.verifyTrail(t, e.admin)
		if !empty.Intact || empty.EventsChecked != 0 || empty.HeadSeq != 0 || empty.HeadHash != audit.Genesis || empty.FirstBroken != nil {
			t.Errorf("verify of an empty trail: %+v", empty)
		}

		n := int64(e.auditWrites(t))
		all := e.auditAll(t, url.Values{"limit": {"3"}})
		if len(all) != int(n) || e.auditRows(t) != int(n) {
			t.Fatalf("%d events listed, %d stored, want %d", len(all), e.auditRows(t), n)
		}
		// The listed events are the chain: an outside verifier can recompute every hash from the JSON.
		for i, ev := range all {
			wantPrev := audit.Genesis
			if i+1 < len(all) {
				wantPrev = all[i+1].Hash
			}
			if ev.PrevHash != wantPrev {
				t.Errorf("seq %d prev_hash %s, want %s", ev.Seq, ev.PrevHash, wantPrev)
			}
			if h := audit.ComputeHash(toEvent(ev)); h != ev.Hash {
				t.Errorf("seq %d: hash recomputed from the listed JSON %s, listed %s", ev.Seq, h, ev.Hash)
			}
		}

		for _, role := range []auth.Role{auth.RoleAdmin, auth.RoleRiskOwner, auth.RoleAuditor} {
			secret := e.admin
			if role != auth.RoleAdmin {
				secret = e.key(t, role, "")
			}
			v := e.verifyTrail(t, secret)
			if !v.Intact || v.EventsChecked != n || v.HeadSeq != n || v.HeadHash != all[0].Hash || v.FirstBroken != nil ||
				v.HashVersion != audit.HashVersion || !v.VerifiedAt.Equal(e.clock.Now()) {
				t.Errorf("verify as %s: %+v; want intact, %d checked, head %s", role, v, n, all[0].Hash)
			}
			// Reading and verifying are not writes: they add no event.
			if rows := e.auditRows(t); rows != int(n) {
				t.Errorf("verify as %s wrote events: %d rows, want %d", role, rows, n)
			}
		}
	})
}

func TestAuditVerifyOverHTTPDetectsTampering(t *testing.T) {
	tests := []struct {
		name    string
		tamper  func(t *testing.T, e *env, evs map[int64]api.AuditEventResponse, head int64)
		seq     func(head int64) int64 // the first broken seq
		named   bool                   // the break names the event's id
		checked func(head int64) int64
		reason  string
	}{
		{"result changed", func(t *testing.T, e *env, _ map[int64]api.AuditEventResponse, _ int64) {
			e.sqlExec(t, "UPDATE audit_events SET result = ? WHERE seq = 4", `{"status":"terminated"}`)
		}, func(int64) int64 { return 4 }, true, func(int64) int64 { return 3 }, "content does not match"},
		{"actor changed", func(t *testing.T, e *env, _ map[int64]api.AuditEventResponse, _ int64) {
			e.sqlExec(t, "UPDATE audit_events SET actor_key_id = 'system', actor_name = 'vendorrisk', actor_role = 'system' WHERE seq = 6")
		}, func(int64) int64 { return 6 }, true, func(int64) int64 { return 5 }, "content does not match"},
		{"result made non-JSON", func(t *testing.T, e *env, _ map[int64]api.AuditEventResponse, _ int64) {
			e.sqlExec(t, "UPDATE audit_events SET result = ? WHERE seq = 2", `<<tampered>>`)
		}, func(int64) int64 { return 2 }, true, func(int64) int64 { return 1 }, "content does not match"},
		{"content and hash rewritten", func(t *testing.T, e *env, evs map[int64]api.AuditEventResponse, _ int64) {
			forged := toEvent(evs[3])
			forged.Status = 299
			e.sqlExec(t, "UPDATE audit_events SET status = 299, hash = ? WHERE seq = 3", audit.ComputeHash(forged))
		}, func(int64) int64 { return 4 }, true, func(int64) int64 { return 3 }, "prev_hash does not match"},
		{"middle event deleted", func(t *testing.T, e *env, _ map[int64]api.AuditEventResponse, _ int64) {
			e.sqlExec(t, "DELETE FROM audit_events WHERE seq = 5")
		}, func(int64) int64 { return 6 }, true, func(int64) int64 { return 4 }, "sequence gap: expected seq 5"},
		{"last event deleted", func(t *testing.T, e *env, _ map[int64]api.AuditEventResponse, head int64) {
			e.sqlExec(t, "DELETE FROM audit_events WHERE seq = ?", head)
		}, func(h int64) int64 { return h }, false, func(h int64) int64 { return h - 1 }, "events were removed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eachDB(t, func(t *testing.T, e *env) {
				head := int64(e.auditWrites(t))
				evs := map[int64]api.AuditEventResponse{}
				for _, ev := range e.auditAll(t, url.Values{"limit": {"200"}}) {
					evs[ev.Seq] = ev
				}
				if v := e.verifyTrail(t, e.admin); !v.Intact {
					t.Fatalf("verify before tampering: %+v", v)
				}
				e.sqlExec(t, "DROP TRIGGER audit_events_no_update")
				e.sqlExec(t, "DROP TRIGGER audit_events_no_delete")
				tt.tamper(t, e, evs, head)

				auditor := e.key(t, auth.RoleAuditor, "")
				v := e.verifyTrail(t, auditor)
				if v.Intact || v.FirstBroken == nil {
					t.Fatalf("verify after tampering says intact: %+v", v)
				}
				wantSeq := tt.seq(head)
				wantID := ""
				if tt.named {
					wantID = evs[wantSeq].ID
				}
				fb := v.FirstBroken
				if fb.Seq != wantSeq || fb.ID != wantID || !strings.Contains(fb.Reason, tt.reason) {
					t.Errorf("first_broken %+v, want seq %d id %q reason %q", *fb, wantSeq, wantID, tt.reason)
				}
				if v.EventsChecked != tt.checked(head) || v.HeadSeq != head || v.HeadHash != evs[head].Hash {
					t.Errorf("events_checked %d head %d %s; want %d checked, head %d %s", v.EventsChecked, v.HeadSeq, v.HeadHash,
						tt.checked(head), head, evs[head].Hash)
				}
				// The list still answers with valid JSON, showing the tampered row as stored.
				if tt.name == "result made non-JSON" {
					e.specUnchecked(t, "a result tampered into non-JSON is listed as a JSON string, outside the spec's object or null")
				}
				r := must(t, e.do(t, "GET", auditPath+"?limit=200", e.admin, nil), http.StatusOK)
				if !json.Valid(r.Raw) {
					t.Errorf("the list after tampering is not JSON: %s", r.Raw)
				}
				if tt.name == "result made non-JSON" {
					var list api.AuditEventList
					r.into(t, &list)
					for _, ev := range list.Items {
						var s string
						if ev.Seq == 2 && (json.Unmarshal(ev.Result, &s) != nil || s != "<<tampered>>") {
							t.Errorf("tampered result listed as %s, want it as a JSON string", ev.Result)
						}
					}
				}
			})
		})
	}
}

// TestAuditAppendFailureRollsBackTheWrite: when the audit event cannot be appended, the change it
// describes is not committed either, and the client gets an error instead of the handler's success.
func TestAuditAppendFailureRollsBackTheWrite(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		v := e.createVendor(t, vendorBody("Before The Break KK"))
		var head struct {
			seq  int64
			hash string
		}
		if err := e.db.SQL().QueryRowContext(t.Context(), "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&head.seq, &head.hash); err != nil {
			t.Fatal(err)
		}
		vendorRows := func() int {
			var n int
			if err := e.db.SQL().QueryRowContext(t.Context(), "SELECT COUNT(*) FROM vendors").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := vendorRows()

		e.sqlExec(t, "DROP TRIGGER audit_head_no_delete") // the head is protected too; an attacker drops it first
		e.sqlExec(t, "DELETE FROM audit_head")            // appends now fail
		writes := []struct {
			name         string
			method, path string
			body         any
		}{
			{"create", "POST", "/api/v1/vendors", vendorBody("Never Stored KK")},
			{"create with an idempotency key", "POST", "/api/v1/vendors", vendorBody("Never Stored Either KK")},
			{"update", "PATCH", "/api/v1/vendors/" + v.ID, map[string]any{"name": "Never Renamed"}},
			{"delete", "DELETE", "/api/v1/vendors/" + v.ID, nil},
		}
		for _, w := range writes {
			t.Run(w.name, func(t *testing.T) {
				var hdr []string
				if strings.Contains(w.name, "idempotency") {
					hdr = []string{"Idempotency-Key", "append-fails-1"}
				}
				r := e.do(t, w.method, w.path, e.admin, w.body, hdr...)
				wantProblem(t, r, http.StatusInternalServerError)
				for _, h := range []string{"Location", "ETag"} {
					if got := r.Header.Get(h); got != "" {
						t.Errorf("a failed commit answered %s %q", h, got)
					}
				}
				if strings.Contains(string(r.Raw), "audit_head") || strings.Contains(string(r.Raw), "head row") {
					t.Errorf("the problem leaks internals: %s", r.Raw)
				}
			})
		}
		if n := vendorRows(); n != before {
			t.Errorf("%d vendors after failed commits, want %d", n, before)
		}
		var got api.VendorResponse
		must(t, e.do(t, "GET", "/api/v1/vendors/"+v.ID, e.admin, nil), http.StatusOK).into(t, &got)
		if got.Name != v.Name || got.Version != v.Version {
			t.Errorf("vendor after a failed commit: %q v%d, want %q v%d", got.Name, got.Version, v.Name, v.Version)
		}
		if n := e.auditRows(t); n != 1 {
			t.Errorf("%d events, want 1", n)
		}

		// With the head restored, writes (and the same idempotency key) work again and the chain holds.
		e.sqlExec(t, "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?)", head.seq, head.hash)
		r := must(t, e.do(t, "POST", "/api/v1/vendors", e.admin, vendorBody("Never Stored Either KK"), "Idempotency-Key", "append-fails-1"),
			http.StatusCreated)
		if r.Header.Get("Idempotent-Replayed") != "" {
			t.Errorf("a request whose commit failed was replayed: %s", r)
		}
		if v := e.verifyTrail(t, e.admin); !v.Intact || v.HeadSeq != 2 {
			t.Errorf("verify after recovery: %+v, want intact at seq 2", v)
		}
	})
}

// TestAuditEventsStayBounded: a large import or a multipart upload is recorded as what it did (the
// framework and its counts), never as the uploaded document.
func TestAuditEventsStayBounded(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		raw := readFixture(t, oscalFiles[0].file)
		if len(raw) < 64<<10 {
			t.Fatalf("fixture of %d bytes: want a large one", len(raw))
		}
		for _, tt := range []struct {
			name string
			path string
			body any
		}{
			{"large JSON body", "/api/v1/frameworks/import", raw},
			{"multipart upload", "/api/v1/frameworks/import?id=tiny-upload", upload{field: "file", name: "tiny.json",
				data: func() []byte { b, _ := json.Marshal(tinyCatalog(tinyUUID)); return b }()}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				must(t, e.do(t, "POST", tt.path, e.admin, tt.body), http.StatusCreated)
				ev := e.auditPage(t, url.Values{"limit": {"1"}}).Items[0]
				if ev.Action != "framework.imported" {
					t.Fatalf("newest event %q, want the import", ev.Action)
				}
				if n := len(ev.Input) + len(ev.Result); n > 16<<10 {
					t.Errorf("the import's event holds %d bytes: want what it did, not the document", n)
				}
			})
		}
	})
}

// TestAuditConcurrentWrites: writes racing through the handler each get their own event, and the
// chain never forks.
func TestAuditConcurrentWrites(t *testing.T) {
	const workers, each = 8, 5
	eachDB(t, func(t *testing.T, e *env) {
		var wg sync.WaitGroup
		statuses := make(chan int, workers*each)
		for w := range workers {
			wg.Go(func() {
				for i := range each {
					statuses <- e.do(t, "POST", "/api/v1/vendors", e.admin, vendorBody(fmt.Sprintf("Concurrent %d-%d KK", w, i))).Status
				}
			})
		}
		wg.Wait()
		close(statuses)
		for st := range statuses {
			if st != http.StatusCreated {
				t.Errorf("concurrent create answered %d", st)
			}
		}
		evs := e.auditAll(t, url.Values{"limit": {"200"}})
		ids := map[string]bool{}
		for i, ev := range evs {
			if ev.Seq != int64(len(evs)-i) {
				t.Fatalf("seqs %v are not contiguous", seqsOf(evs))
			}
			ids[ev.ResourceID] = true
		}
		if len(evs) != workers*each || len(ids) != workers*each {
			t.Errorf("%d events for %d distinct vendors, want %d each", len(evs), len(ids), workers*each)
		}
		if v := e.verifyTrail(t, e.admin); !v.Intact || v.EventsChecked != workers*each {
			t.Errorf("verify after concurrent writes: %+v", v)
		}
	})
}

// TestAuditIdempotentReplayIsNotAChange: a replayed answer commits nothing, so it must not appear
// in the trail as a second creation of the same resource.
func TestAuditIdempotentReplayIsNotAChange(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		first := must(t, e.do(t, "POST", "/api/v1/vendors", e.admin, vendorBody("Replay KK"), "Idempotency-Key", "replay-1"),
			http.StatusCreated)
		again := must(t, e.do(t, "POST", "/api/v1/vendors", e.admin, vendorBody("Replay KK"), "Idempotency-Key", "replay-1"),
			http.StatusCreated)
		if again.Header.Get("Idempotent-Replayed") != "true" || again.str("id") != first.str("id") {
			t.Fatalf("the second request was not a replay: %s", again)
		}
		hist := e.auditAll(t, url.Values{"resource_type": {"vendor"}, "resource_id": {first.str("id")}})
		if len(hist) != 1 {
			t.Errorf("vendor %s has %d events (seqs %v), want 1 (its creation): the replay was recorded as another change",
				first.str("id"), len(hist), seqsOf(hist))
		}
		if n := e.auditRows(t); n != 1 {
			t.Errorf("%d events after one create and its replay, want 1", n)
		}
	})
}

// changedFields lists the fields an audit event's input says changed.
func changedFields(t *testing.T, ev api.AuditEventResponse) []string {
	t.Helper()
	var in struct {
		Changes []struct {
			Field string `json:"field"`
		} `json:"changes"`
	}
	if err := json.Unmarshal(ev.Input, &in); err != nil {
		t.Fatalf("seq %d input %s: %v", ev.Seq, ev.Input, err)
	}
	var out []string
	for _, c := range in.Changes {
		out = append(out, c.Field)
	}
	return out
}
