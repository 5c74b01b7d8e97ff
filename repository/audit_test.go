package repository_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/audit"
	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

// auditEnv is the audit trail wired on a real database.
type auditEnv struct {
	db    *repository.DB
	repo  *repository.AuditTrail
	svc   *audit.Service
	clock *clock
}

func newAuditEnv(db *repository.DB) *auditEnv {
	c := newClock()
	repo := repository.NewAuditTrail(db)
	return &auditEnv{db: db, repo: repo, svc: audit.NewService(repo, db, c.Now), clock: c}
}

// auditEntry is a distinct entry number i.
func auditEntry(i int) audit.Entry {
	return audit.Entry{
		Actor:        audit.Actor{KeyID: fmt.Sprintf("key-%d", i%2), Name: "リスク 担当 \"owner\"", Role: "risk_owner"},
		Action:       "PATCH /api/v1/vendors/:id",
		ResourceType: "vendors",
		ResourceID:   fmt.Sprintf("vendor-%d", i%3),
		Path:         fmt.Sprintf("/api/v1/vendors/vendor-%d", i%3),
		Status:       200,
		RequestID:    fmt.Sprintf("req-%d", i),
		Input:        json.RawMessage(fmt.Sprintf(`{"notes": "line 1\nline 2 100%%", "n": %d}`, i)),
		Result:       json.RawMessage(fmt.Sprintf(`{"id":"vendor-%d","version":%d,"name":"株式会社 %d"}`, i%3, i, i)),
	}
}

// record appends n entries, each in its own transaction, advancing the clock between them.
func (e *auditEnv) record(t *testing.T, n int) []audit.Event {
	t.Helper()
	out := make([]audit.Event, 0, n)
	for i := range n {
		ev, err := e.svc.Append(t.Context(), auditEntry(i))
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		out = append(out, ev)
		e.clock.Advance(1500 * time.Millisecond)
	}
	return out
}

// verify runs the service's Verify and fails the test on error.
func (e *auditEnv) verify(t *testing.T) audit.Verification {
	t.Helper()
	v, err := e.svc.Verify(t.Context())
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return v
}

func wantIntact(t *testing.T, v audit.Verification, n int64) {
	t.Helper()
	if !v.Intact || v.Break != nil || v.Checked != n || v.Head.Seq != n {
		t.Errorf("verify: intact %v, checked %d, head seq %d, break %+v; want intact with %d events", v.Intact, v.Checked,
			v.Head.Seq, v.Break, n)
	}
}

// exec runs raw SQL with ? placeholders through the pool, bypassing the repository.
func exec(t *testing.T, db *repository.DB, query string, args ...any) {
	t.Helper()
	if _, err := db.SQL().ExecContext(t.Context(), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// dropAuditTriggers lets a test play the attacker who has direct write access to the database.
func dropAuditTriggers(t *testing.T, db *repository.DB) {
	t.Helper()
	exec(t, db, "DROP TRIGGER audit_events_no_update")
	exec(t, db, "DROP TRIGGER audit_events_no_delete")
}

func TestAuditAppendRoundTrip(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := newAuditEnv(db)
		if h, err := e.repo.Head(t.Context()); err != nil || h != (audit.Head{Seq: 0, Hash: audit.Genesis}) {
			t.Fatalf("head of an empty trail = %+v, %v; want seq 0 and the genesis hash", h, err)
		}
		wantIntact(t, e.verify(t), 0)

		recorded := e.record(t, 4)
		// A large body and one that is not JSON survive storage byte for byte.
		big := audit.Entry{Actor: audit.System, Action: "system decision.needs_review", ResourceType: "decisions",
			Input: json.RawMessage(`"` + strings.Repeat("あ", 30000) + `"`), Result: json.RawMessage("not json at all")}
		ev, err := e.svc.Append(t.Context(), big)
		if err != nil {
			t.Fatal(err)
		}
		recorded = append(recorded, ev)

		got, err := e.repo.Scan(t.Context(), 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(recorded) {
			t.Fatalf("scan returned %d events, want %d", len(got), len(recorded))
		}
		for i, g := range got {
			w := recorded[i]
			if !g.OccurredAt.Equal(w.OccurredAt) || g.OccurredAt.Location() != time.UTC {
				t.Errorf("seq %d: occurred_at %v, want %v in UTC", w.Seq, g.OccurredAt, w.OccurredAt)
			}
			g.OccurredAt = w.OccurredAt
			if string(g.Input) != string(w.Input) || string(g.Result) != string(w.Result) {
				t.Errorf("seq %d: bodies changed in storage:\n input %.80s\n want %.80s\nresult %.80s\n  want %.80s", w.Seq,
					g.Input, w.Input, g.Result, w.Result)
			}
			g.Input, g.Result = w.Input, w.Result
			if !equalEvents(g, w) {
				t.Errorf("seq %d: stored\n%+v\nwant\n%+v", w.Seq, g, w)
			}
			if audit.ComputeHash(g) != w.Hash {
				t.Errorf("seq %d: the stored event no longer matches its hash", w.Seq)
			}
		}
		if string(recorded[4].Result) != `"not json at all"` {
			t.Errorf("a non-JSON result is stored as %s, want a JSON string", recorded[4].Result)
		}
		h, err := e.repo.Head(t.Context())
		if err != nil || h.Seq != 5 || h.Hash != recorded[4].Hash {
			t.Errorf("head = %+v, %v; want seq 5 and the last hash", h, err)
		}
		wantIntact(t, e.verify(t), 5)
	})
}

func equalEvents(a, b audit.Event) bool {
	return a.Seq == b.Seq && a.ID == b.ID && a.OccurredAt.Equal(b.OccurredAt) && a.PrevHash == b.PrevHash && a.Hash == b.Hash &&
		a.Actor == b.Actor && a.Action == b.Action && a.ResourceType == b.ResourceType && a.ResourceID == b.ResourceID &&
		a.Path == b.Path && a.Status == b.Status && a.RequestID == b.RequestID && string(a.Input) == string(b.Input) &&
		string(a.Result) == string(b.Result)
}

func TestAuditTriggersRefuseChanges(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := newAuditEnv(db)
		before := e.record(t, 3)

		for _, q := range []struct {
			name, sql string
			args      []any
		}{
			{"update result", "UPDATE audit_events SET result = ? WHERE seq = ?", []any{`{"forged":true}`, 2}},
			{"update actor", "UPDATE audit_events SET actor_name = ? WHERE seq = ?", []any{"someone else", 2}},
			{"update every row", "UPDATE audit_events SET status = status", nil},
			{"delete one", "DELETE FROM audit_events WHERE seq = ?", []any{2}},
			{"delete the last", "DELETE FROM audit_events WHERE seq = ?", []any{3}},
			{"delete all", "DELETE FROM audit_events", nil},
		} {
			t.Run(q.name, func(t *testing.T) {
				_, err := db.SQL().ExecContext(t.Context(), q.sql, q.args...)
				if err == nil || !strings.Contains(err.Error(), "append-only") {
					t.Errorf("%s: err = %v, want the trigger's append-only refusal", q.sql, err)
				}
			})
		}
		// The head cannot be rewound, rewritten at the same seq, or removed.
		for _, q := range []struct {
			name, sql, refusal string
			args               []any
		}{
			{"rewind the head", "UPDATE audit_head SET seq = 2, hash = ? WHERE id = 1", "only moves forward", []any{before[1].Hash}},
			{"rewrite the head's hash", "UPDATE audit_head SET hash = ? WHERE id = 1", "only moves forward", []any{audit.Genesis}},
			{"delete the head", "DELETE FROM audit_head", "cannot be removed", nil},
		} {
			t.Run(q.name, func(t *testing.T) {
				_, err := db.SQL().ExecContext(t.Context(), q.sql, q.args...)
				if err == nil || !strings.Contains(err.Error(), q.refusal) {
					t.Errorf("%s: err = %v, want the trigger's refusal %q", q.sql, err, q.refusal)
				}
			})
		}
		if n := count(t, db, "SELECT COUNT(*) FROM audit_events"); n != 3 {
			t.Errorf("%d events after refused changes, want 3", n)
		}
		after, err := e.repo.Scan(t.Context(), 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		for i := range before {
			if i >= len(after) || !equalEvents(after[i], before[i]) {
				t.Errorf("event %d changed despite the triggers", i+1)
			}
		}
		wantIntact(t, e.verify(t), 3)

		// The trail still grows after refused changes.
		if _, err := e.svc.Append(t.Context(), auditEntry(7)); err != nil {
			t.Fatal(err)
		}
		wantIntact(t, e.verify(t), 4)
	})
}

func TestAuditVerifyDetectsTampering(t *testing.T) {
	const n = 10
	tests := []struct {
		name    string
		tamper  func(t *testing.T, db *repository.DB, evs []audit.Event)
		seq     int64 // the first broken seq
		idSeq   int64 // the seq whose id the break names (0: none)
		checked int64
		reason  string
	}{
		{"result changed at seq 4", func(t *testing.T, db *repository.DB, _ []audit.Event) {
			exec(t, db, "UPDATE audit_events SET result = ? WHERE seq = 4", `{"id":"vendor-0","version":3,"name":"forged"}`)
		}, 4, 4, 3, "content does not match its hash"},
		{"actor changed at seq 4", func(t *testing.T, db *repository.DB, _ []audit.Event) {
			exec(t, db, "UPDATE audit_events SET actor_key_id = ?, actor_name = ? WHERE seq = 4", "key-x", "someone else")
		}, 4, 4, 3, "content does not match its hash"},
		{"occurred_at moved at seq 4", func(t *testing.T, db *repository.DB, evs []audit.Event) {
			exec(t, db, "UPDATE audit_events SET occurred_at = ? WHERE seq = 4", evs[3].OccurredAt.Add(-time.Hour))
		}, 4, 4, 3, "content does not match its hash"},
		{"input made non-JSON at seq 4", func(t *testing.T, db *repository.DB, _ []audit.Event) {
			exec(t, db, "UPDATE audit_events SET input = ? WHERE seq = 4", `{"n": 3, oops`)
		}, 4, 4, 3, "content does not match its hash"},
		{"content changed and hash recomputed at seq 4", func(t *testing.T, db *repository.DB, evs []audit.Event) {
			forged := evs[3]
			forged.Status = 204
			exec(t, db, "UPDATE audit_events SET status = 204, hash = ? WHERE seq = 4", audit.ComputeHash(forged))
		}, 5, 5, 4, "prev_hash does not match"},
		{"prev_hash changed at seq 4", func(t *testing.T, db *repository.DB, _ []audit.Event) {
			exec(t, db, "UPDATE audit_events SET prev_hash = ? WHERE seq = 4", audit.Genesis)
		}, 4, 4, 3, "prev_hash does not match"},
		{"last row deleted", func(t *testing.T, db *repository.DB, _ []audit.Event) {
			exec(t, db, "DELETE FROM audit_events WHERE seq = ?", n)
		}, n, 0, n - 1, fmt.Sprintf("ends at seq %d but the head records seq %d", n-1, n)},
		{"last three rows deleted", func(t *testing.T, db *repository.DB, _ []audit.Event) {
			exec(t, db, "DELETE FROM audit_events WHERE seq > 7")
		}, 8, 0, 7, fmt.Sprintf("ends at seq 7 but the head records seq %d", n)},
		{"middle row deleted", func(t *testing.T, db *repository.DB, _ []audit.Event) {
			exec(t, db, "DELETE FROM audit_events WHERE seq = 5")
		}, 6, 6, 4, "sequence gap: expected seq 5"},
		{"first row deleted", func(t *testing.T, db *repository.DB, _ []audit.Event) {
			exec(t, db, "DELETE FROM audit_events WHERE seq = 1")
		}, 2, 2, 0, "sequence gap: expected seq 1"},
		{"a well-formed event forged beyond the head", func(t *testing.T, db *repository.DB, evs []audit.Event) {
			forged := audit.Seal(auditEntry(99), "forged-id", evs[n-1].OccurredAt, n, evs[n-1].Hash)
			exec(t, db, "INSERT INTO audit_events (seq, id, occurred_at, actor_key_id, actor_name, actor_role, action, "+
				"resource_type, resource_id, path, status, request_id, input, result, prev_hash, hash) "+
				"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", forged.Seq, forged.ID, forged.OccurredAt,
				forged.Actor.KeyID, forged.Actor.Name, forged.Actor.Role, forged.Action, forged.ResourceType, forged.ResourceID,
				forged.Path, forged.Status, forged.RequestID, string(forged.Input), string(forged.Result), forged.PrevHash, forged.Hash)
		}, n + 1, 0, n + 1, fmt.Sprintf("events after seq %d are beyond the head", n)},
	}
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					// A fresh database per case: tampering cannot be undone.
					db := testdb.Open(t, dialect)
					e := newAuditEnv(db)
					evs := e.record(t, n)
					wantIntact(t, e.verify(t), n)
					dropAuditTriggers(t, db)
					tt.tamper(t, db, evs)

					v := e.verify(t)
					if v.Intact || v.Break == nil {
						t.Fatalf("verify says intact after tampering (checked %d)", v.Checked)
					}
					wantID := ""
					if tt.idSeq > 0 {
						wantID = evs[tt.idSeq-1].ID
					}
					if v.Break.Seq != tt.seq || v.Break.ID != wantID || !strings.Contains(v.Break.Reason, tt.reason) {
						t.Errorf("break at seq %d id %q: %q; want seq %d id %q: %q", v.Break.Seq, v.Break.ID, v.Break.Reason,
							tt.seq, wantID, tt.reason)
					}
					if v.Checked != tt.checked || v.Head.Seq != n || v.Head.Hash != evs[n-1].Hash {
						t.Errorf("checked %d, head %+v; want %d checked and the head at seq %d", v.Checked, v.Head, tt.checked, n)
					}
				})
			}
		})
	}
}

func TestAuditConcurrentAppendsNeverFork(t *testing.T) {
	const workers, each = 8, 25
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := newAuditEnv(db)
		ctx := t.Context()

		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			errs    []error
			gotSeqs []int64
		)
		stop := make(chan struct{})
		verifyDone := make(chan struct{})
		// A reader verifies while the writers append: a chain seen mid-growth is intact too.
		go func() {
			defer close(verifyDone)
			for {
				select {
				case <-stop:
					return
				default:
				}
				v, err := e.svc.Verify(ctx)
				mu.Lock()
				if err != nil {
					errs = append(errs, fmt.Errorf("verify during appends: %w", err))
				} else if !v.Intact {
					errs = append(errs, fmt.Errorf("verify during appends: broken at %+v", *v.Break))
				}
				mu.Unlock()
				time.Sleep(5 * time.Millisecond)
			}
		}()
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					ent := auditEntry(w*each + i)
					ent.RequestID = fmt.Sprintf("w%d-%d", w, i)
					err := db.InTx(ctx, func(ctx context.Context) error {
						ev, err := e.svc.Append(ctx, ent)
						if err == nil {
							mu.Lock()
							gotSeqs = append(gotSeqs, ev.Seq)
							mu.Unlock()
						}
						return err
					})
					if err != nil {
						mu.Lock()
						errs = append(errs, fmt.Errorf("worker %d append %d: %w", w, i, err))
						mu.Unlock()
						return
					}
				}
			}()
		}
		wg.Wait()
		close(stop)
		<-verifyDone
		for _, err := range errs {
			t.Error(err)
		}

		const total = workers * each
		slices.Sort(gotSeqs)
		want := make([]int64, total)
		for i := range want {
			want[i] = int64(i + 1)
		}
		if !slices.Equal(gotSeqs, want) {
			t.Errorf("Record returned seqs %v, want 1..%d each once", gotSeqs, total)
		}
		var stored []int64
		rows, err := db.SQL().QueryContext(ctx, "SELECT seq FROM audit_events ORDER BY seq")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s int64
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			stored = append(stored, s)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(stored, want) {
			t.Errorf("stored seqs %v, want 1..%d contiguous", stored, total)
		}
		if n := count(t, db, "SELECT COUNT(DISTINCT prev_hash) FROM audit_events"); n != total {
			t.Errorf("%d distinct prev_hash values for %d events: the chain forked", n, total)
		}
		if n := count(t, db, "SELECT COUNT(DISTINCT request_id) FROM audit_events"); n != total {
			t.Errorf("%d distinct request ids stored, want %d (an append was lost or duplicated)", n, total)
		}
		wantIntact(t, e.verify(t), total)
	})
}

func TestAuditRollbackLeavesNoEvent(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := newAuditEnv(db)
		e.record(t, 2)
		head, err := e.repo.Head(t.Context())
		if err != nil {
			t.Fatal(err)
		}

		boom := errors.New("the change failed")
		var inside audit.Event
		err = db.InTx(t.Context(), func(ctx context.Context) error {
			var err error
			if inside, err = e.svc.Append(ctx, auditEntry(42)); err != nil {
				return err
			}
			// Inside the transaction the event and the moved head are visible.
			if h, err := e.repo.Head(ctx); err != nil || h.Seq != 3 || h.Hash != inside.Hash {
				t.Errorf("head inside the transaction = %+v, %v; want seq 3", h, err)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx = %v, want the handler's error", err)
		}
		if inside.Seq != 3 {
			t.Errorf("event inside the transaction has seq %d, want 3", inside.Seq)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM audit_events"); n != 2 {
			t.Errorf("%d events after a rollback, want 2", n)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM audit_events WHERE request_id = ?", auditEntry(42).RequestID); n != 0 {
			t.Errorf("the rolled-back event was stored")
		}
		if h, err := e.repo.Head(t.Context()); err != nil || h != head {
			t.Errorf("head after a rollback = %+v, %v; want %+v", h, err, head)
		}

		// The next append takes the seq the rolled-back one would have had, and the chain holds.
		next, err := e.svc.Append(t.Context(), auditEntry(43))
		if err != nil {
			t.Fatal(err)
		}
		if next.Seq != 3 || next.PrevHash != head.Hash {
			t.Errorf("next event seq %d prev %s, want seq 3 after %s", next.Seq, next.PrevHash, head.Hash)
		}
		wantIntact(t, e.verify(t), 3)
	})
}

func TestAuditList(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := newAuditEnv(db)
		ctx := t.Context()
		// 1: POST vendors v1 by k1, 2: POST contacts of v1 by k2, 3: PATCH v1 by k1, 4: POST vendors v2 by k2,
		// 5: the system's decision, 6: an action with LIKE wildcards in it.
		entries := []audit.Entry{
			{Actor: audit.Actor{KeyID: "k1", Role: "admin"}, Action: "POST /api/v1/vendors", ResourceType: "vendors", ResourceID: "v1", Status: 201},
			{Actor: audit.Actor{KeyID: "k2", Role: "procurement"}, Action: "POST /api/v1/vendors/:id/contacts", ResourceType: "contacts",
				ResourceID: "c1", Status: 201},
			{Actor: audit.Actor{KeyID: "k1", Role: "admin"}, Action: "PATCH /api/v1/vendors/:id", ResourceType: "vendors", ResourceID: "v1",
				Status: 200},
			{Actor: audit.Actor{KeyID: "k2", Role: "procurement"}, Action: "POST /api/v1/vendors", ResourceType: "vendors", ResourceID: "v2",
				Status: 201},
			{Actor: audit.System, Action: "system decision.needs_review", ResourceType: "decisions", ResourceID: "d1"},
			{Actor: audit.System, Action: "system 100%_done!", ResourceType: "jobs", ResourceID: "j1"},
		}
		var evs []audit.Event
		for i, en := range entries {
			ev, err := e.svc.Append(ctx, en)
			if err != nil {
				t.Fatalf("record %d: %v", i, err)
			}
			evs = append(evs, ev)
			e.clock.Advance(time.Duration(i+1)*time.Second + 250*time.Millisecond)
		}
		at := func(seq int) *time.Time { return ptr(evs[seq-1].OccurredAt) }

		tests := []struct {
			name string
			f    audit.Filter
			want []int64
		}{
			{"all, newest first", audit.Filter{}, []int64{6, 5, 4, 3, 2, 1}},
			{"resource", audit.Filter{ResourceType: "vendors", ResourceID: "v1"}, []int64{3, 1}},
			{"resource type", audit.Filter{ResourceType: "vendors"}, []int64{4, 3, 1}},
			{"resource id of another type", audit.Filter{ResourceType: "contacts", ResourceID: "v1"}, nil},
			{"actor", audit.Filter{ActorKeyID: "k2"}, []int64{4, 2}},
			{"system actor", audit.Filter{ActorKeyID: "system"}, []int64{6, 5}},
			{"action prefix", audit.Filter{Action: "POST /api/v1/vendors"}, []int64{4, 2, 1}},
			{"exact action prefix", audit.Filter{Action: "POST /api/v1/vendors/:id/contacts"}, []int64{2}},
			{"another method", audit.Filter{Action: "PATCH "}, []int64{3}},
			{"underscore is literal", audit.Filter{Action: "POST /api/v1/vendor_"}, nil},
			{"percent is literal", audit.Filter{Action: "system %"}, nil},
			{"wildcards matched literally", audit.Filter{Action: "system 100%_done!"}, []int64{6}},
			{"escape char is literal", audit.Filter{Action: "system 100%_done!!"}, nil},
			{"from is inclusive", audit.Filter{From: at(3)}, []int64{6, 5, 4, 3}},
			{"to is exclusive", audit.Filter{To: at(3)}, []int64{2, 1}},
			{"from and to", audit.Filter{From: at(2), To: at(5)}, []int64{4, 3, 2}},
			{"from a microsecond after", audit.Filter{From: ptr(evs[2].OccurredAt.Add(time.Microsecond))}, []int64{6, 5, 4}},
			{"to a microsecond after", audit.Filter{To: ptr(evs[2].OccurredAt.Add(time.Microsecond))}, []int64{3, 2, 1}},
			{"from in another zone", audit.Filter{From: ptr(evs[3].OccurredAt.In(time.FixedZone("JST", 9*3600)))}, []int64{6, 5, 4}},
			{"combined", audit.Filter{ResourceType: "vendors", ActorKeyID: "k1", Action: "PATCH", From: at(1)}, []int64{3}},
			{"before seq", audit.Filter{BeforeSeq: 4}, []int64{3, 2, 1}},
			{"limit", audit.Filter{Limit: 2}, []int64{6, 5}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				page, err := e.svc.List(ctx, tt.f, "")
				if err != nil {
					t.Fatal(err)
				}
				var got []int64
				for _, ev := range page.Items {
					got = append(got, ev.Seq)
				}
				if !slices.Equal(got, tt.want) {
					t.Errorf("seqs %v, want %v", got, tt.want)
				}
			})
		}

		// Paging visits every event once, newest first.
		var seen []int64
		cursor := ""
		for range 10 {
			page, err := e.svc.List(ctx, audit.Filter{Limit: 4}, cursor)
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range page.Items {
				seen = append(seen, ev.Seq)
			}
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		if !slices.Equal(seen, []int64{6, 5, 4, 3, 2, 1}) {
			t.Errorf("paged seqs %v, want 6..1 once each", seen)
		}

		_, err := e.svc.List(ctx, audit.Filter{From: at(4), To: at(2)}, "")
		assertKind(t, err, domain.KindInvalid, "to")
	})
}

// TestAuditVerifyAcrossBatches: verify reads the chain 1000 events at a time; a chain longer than one
// batch is intact, and a change past the first batch is found at its own seq.
func TestAuditVerifyAcrossBatches(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := newAuditEnv(db)
		const n = 1001
		e.record(t, n)
		wantIntact(t, e.verify(t), n)
		dropAuditTriggers(t, db)
		exec(t, db, "UPDATE audit_events SET status = 299 WHERE seq = ?", n)
		v := e.verify(t)
		if v.Intact || v.Break == nil || v.Break.Seq != n || v.Checked != n-1 {
			t.Errorf("after changing seq %d: %+v (break %+v)", n, v, v.Break)
		}
	})
}
