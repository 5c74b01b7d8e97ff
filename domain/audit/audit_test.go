package audit_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/audit"
	"github.com/vendorrisk/vendorrisk/domain/auth"
)

// start is the tests' fixed "now", with nanoseconds that Seal must drop.
var start = time.Date(2025, 4, 1, 9, 30, 15, 123456789, time.UTC)

// entry is a distinct, valid entry number i.
func entry(i int) audit.Entry {
	return audit.Entry{
		Actor:        audit.Actor{KeyID: fmt.Sprintf("key-%d", i), Name: "risk team", Role: "risk_owner"},
		Action:       "PATCH /api/v1/vendors/:id",
		ResourceType: "vendors",
		ResourceID:   fmt.Sprintf("v-%d", i%3),
		Path:         fmt.Sprintf("/api/v1/vendors/v-%d", i%3),
		Status:       200,
		RequestID:    fmt.Sprintf("req-%d", i),
		Input:        json.RawMessage(fmt.Sprintf(`{ "status" : "active", "n" : %d }`, i)),
		Result:       json.RawMessage(fmt.Sprintf(`{"id":"v-%d","version":%d}`, i%3, i)),
	}
}

// chain seals n events one after another, a second apart.
func chain(n int) []audit.Event {
	out := make([]audit.Event, 0, n)
	prevSeq, prevHash := int64(0), audit.Genesis
	for i := range n {
		ev := audit.Seal(entry(i), fmt.Sprintf("id-%d", i+1), start.Add(time.Duration(i)*time.Second), prevSeq, prevHash)
		out = append(out, ev)
		prevSeq, prevHash = ev.Seq, ev.Hash
	}
	return out
}

// walk checks evs in order as Verify does and returns the first break.
func walk(evs []audit.Event) *audit.Break {
	prevSeq, prevHash := int64(0), audit.Genesis
	for _, e := range evs {
		if b := audit.Check(prevSeq, prevHash, e); b != nil {
			return b
		}
		prevSeq, prevHash = e.Seq, e.Hash
	}
	return nil
}

var hexHash = regexp.MustCompile(`^[0-9a-f]{64}$`)

func TestSealBuildsAChain(t *testing.T) {
	evs := chain(5)
	for i, ev := range evs {
		if ev.Seq != int64(i+1) {
			t.Errorf("event %d: seq %d, want %d", i, ev.Seq, i+1)
		}
		want := audit.Genesis
		if i > 0 {
			want = evs[i-1].Hash
		}
		if ev.PrevHash != want {
			t.Errorf("seq %d: prev_hash %s, want %s", ev.Seq, ev.PrevHash, want)
		}
		if !hexHash.MatchString(ev.Hash) {
			t.Errorf("seq %d: hash %q is not 64 lower-case hex digits", ev.Seq, ev.Hash)
		}
		if ev.Hash != audit.ComputeHash(ev) {
			t.Errorf("seq %d: sealed hash differs from ComputeHash", ev.Seq)
		}
		if ev.OccurredAt.Nanosecond()%1000 != 0 || ev.OccurredAt.Location() != time.UTC {
			t.Errorf("seq %d: occurred_at %v is not UTC at microsecond precision", ev.Seq, ev.OccurredAt)
		}
		if strings.ContainsAny(string(ev.Input), " \n\t") {
			t.Errorf("seq %d: input %s is not compacted", ev.Seq, ev.Input)
		}
	}
	if b := walk(evs); b != nil {
		t.Fatalf("untouched chain breaks: %+v", *b)
	}
	seen := map[string]bool{}
	for _, ev := range evs {
		if seen[ev.Hash] {
			t.Errorf("hash %s repeats", ev.Hash)
		}
		seen[ev.Hash] = true
	}
}

func TestSealNormalisesTime(t *testing.T) {
	tokyo := time.FixedZone("JST", 9*3600)
	a := audit.Seal(entry(1), "id-1", start, 0, audit.Genesis)
	b := audit.Seal(entry(1), "id-1", start.In(tokyo).Add(-789*time.Nanosecond), 0, audit.Genesis)
	if a.Hash != b.Hash {
		t.Errorf("the same instant in another zone, or differing below a microsecond, hashes differently")
	}
	if want := start.Truncate(time.Microsecond); !a.OccurredAt.Equal(want) {
		t.Errorf("occurred_at %v, want %v", a.OccurredAt, want)
	}
}

func TestCheckDetectsTampering(t *testing.T) {
	const (
		content  = "content does not match its hash"
		prevHash = "prev_hash does not match"
		gap      = "sequence gap"
	)
	tests := []struct {
		name    string
		tamper  func(evs []audit.Event) []audit.Event
		seq     int64
		id      string
		reason  string
		reason2 string // a second fragment the reason must carry, when set
	}{
		{"result changed", func(evs []audit.Event) []audit.Event {
			evs[2].Result = json.RawMessage(`{"id":"v-2","version":99}`)
			return evs
		}, 3, "id-3", content, ""},
		{"input changed", func(evs []audit.Event) []audit.Event {
			evs[3].Input = json.RawMessage(`{"status":"terminated"}`)
			return evs
		}, 4, "id-4", content, ""},
		{"actor changed", func(evs []audit.Event) []audit.Event {
			evs[1].Actor.KeyID = "someone-else"
			return evs
		}, 2, "id-2", content, ""},
		{"role changed", func(evs []audit.Event) []audit.Event {
			evs[1].Actor.Role = "admin"
			return evs
		}, 2, "id-2", content, ""},
		{"time moved by a microsecond", func(evs []audit.Event) []audit.Event {
			evs[0].OccurredAt = evs[0].OccurredAt.Add(time.Microsecond)
			return evs
		}, 1, "id-1", content, ""},
		{"status changed", func(evs []audit.Event) []audit.Event {
			evs[4].Status = 201
			return evs
		}, 5, "id-5", content, ""},
		{"id changed", func(evs []audit.Event) []audit.Event {
			evs[2].ID = "forged"
			return evs
		}, 3, "forged", content, ""},
		{"input emptied", func(evs []audit.Event) []audit.Event {
			evs[2].Input = nil
			return evs
		}, 3, "id-3", content, ""},
		{"prev_hash changed", func(evs []audit.Event) []audit.Event {
			evs[2].PrevHash = evs[0].Hash
			return evs
		}, 3, "id-3", prevHash, ""},
		{"content changed and its hash recomputed", func(evs []audit.Event) []audit.Event {
			evs[1].Path = "/api/v1/vendors/forged"
			evs[1].Hash = audit.ComputeHash(evs[1])
			return evs
		}, 3, "id-3", prevHash, ""},
		{"first event's prev_hash not genesis", func(evs []audit.Event) []audit.Event {
			evs[0].PrevHash = strings.Repeat("1", 64)
			return evs
		}, 1, "id-1", prevHash, ""},
		{"middle event removed", func(evs []audit.Event) []audit.Event {
			return slices.Delete(evs, 2, 3)
		}, 4, "id-4", gap, "expected seq 3"},
		{"first event removed", func(evs []audit.Event) []audit.Event {
			return evs[1:]
		}, 2, "id-2", gap, "expected seq 1"},
		{"two events swapped", func(evs []audit.Event) []audit.Event {
			evs[2], evs[3] = evs[3], evs[2]
			return evs
		}, 4, "id-4", gap, "expected seq 3"},
		{"event removed and later ones renumbered", func(evs []audit.Event) []audit.Event {
			evs = slices.Delete(evs, 2, 3)
			for i := 2; i < len(evs); i++ {
				evs[i].Seq--
			}
			return evs
		}, 3, "id-4", prevHash, ""},
		{"forged event inserted", func(evs []audit.Event) []audit.Event {
			forged := audit.Seal(entry(99), "forged", start, evs[1].Seq, evs[1].Hash)
			return slices.Insert(evs, 2, forged)
		}, 3, "id-3", gap, "expected seq 4"},
		{"stored input is not JSON", func(evs []audit.Event) []audit.Event {
			evs[3].Input = json.RawMessage(`{"status": act`)
			return evs
		}, 4, "id-4", content, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := walk(tt.tamper(chain(6)))
			if b == nil {
				t.Fatal("tampering was not detected")
			}
			if b.Seq != tt.seq || b.ID != tt.id {
				t.Errorf("break at seq %d id %q, want seq %d id %q (%s)", b.Seq, b.ID, tt.seq, tt.id, b.Reason)
			}
			if !strings.Contains(b.Reason, tt.reason) || !strings.Contains(b.Reason, tt.reason2) {
				t.Errorf("reason %q, want it to say %q %q", b.Reason, tt.reason, tt.reason2)
			}
		})
	}
}

func TestComputeHash(t *testing.T) {
	base := chain(3)[1]
	if a, b := audit.ComputeHash(base), audit.ComputeHash(base); a != b || a != base.Hash {
		t.Fatalf("ComputeHash is not deterministic: %s, %s, sealed %s", a, b, base.Hash)
	}

	t.Run("independent of JSON whitespace after Compact", func(t *testing.T) {
		spaced := audit.Seal(audit.Entry{Action: "POST /x", Input: json.RawMessage("{\n  \"a\" : [1, 2],\n\t\"b\": {\"c\" : null}\n}\n"),
			Result: json.RawMessage(`  {"id" :"x"}  `)}, "id", start, 0, audit.Genesis)
		tight := audit.Seal(audit.Entry{Action: "POST /x", Input: json.RawMessage(`{"a":[1,2],"b":{"c":null}}`),
			Result: json.RawMessage(`{"id":"x"}`)}, "id", start, 0, audit.Genesis)
		if spaced.Hash != tight.Hash {
			t.Errorf("whitespace changes the hash: %s vs %s", spaced.Hash, tight.Hash)
		}
		if string(spaced.Input) != `{"a":[1,2],"b":{"c":null}}` || string(spaced.Result) != `{"id":"x"}` {
			t.Errorf("sealed input %s, result %s, want them compacted", spaced.Input, spaced.Result)
		}
		// What a database hands back may be re-indented: the stored hash must still match.
		reread := tight
		reread.Input = json.RawMessage("{ \"a\": [ 1, 2 ], \"b\": { \"c\": null } }")
		if audit.ComputeHash(reread) != tight.Hash {
			t.Errorf("re-indented JSON hashes differently")
		}
	})

	t.Run("empty and null bodies hash alike", func(t *testing.T) {
		a, b := base, base
		a.Input, b.Input = nil, json.RawMessage("null")
		if audit.ComputeHash(a) != audit.ComputeHash(b) {
			t.Errorf("nil and null input hash differently")
		}
	})

	// Every field that is hashed changes the hash.
	mutations := map[string]func(e *audit.Event){
		"seq":           func(e *audit.Event) { e.Seq++ },
		"id":            func(e *audit.Event) { e.ID += "x" },
		"occurred_at":   func(e *audit.Event) { e.OccurredAt = e.OccurredAt.Add(time.Microsecond) },
		"actor_key_id":  func(e *audit.Event) { e.Actor.KeyID += "x" },
		"actor_name":    func(e *audit.Event) { e.Actor.Name += "x" },
		"actor_role":    func(e *audit.Event) { e.Actor.Role = "admin" },
		"action":        func(e *audit.Event) { e.Action = "DELETE /api/v1/vendors/:id" },
		"resource_type": func(e *audit.Event) { e.ResourceType = "contacts" },
		"resource_id":   func(e *audit.Event) { e.ResourceID += "x" },
		"path":          func(e *audit.Event) { e.Path += "/x" },
		"status":        func(e *audit.Event) { e.Status = 204 },
		"request_id":    func(e *audit.Event) { e.RequestID += "x" },
		"input":         func(e *audit.Event) { e.Input = json.RawMessage(`{"status":"active","n":2}`) },
		"result":        func(e *audit.Event) { e.Result = json.RawMessage(`{}`) },
		"prev_hash":     func(e *audit.Event) { e.PrevHash = audit.Genesis },
	}
	for name, mutate := range mutations {
		t.Run("changing "+name, func(t *testing.T) {
			e := base
			mutate(&e)
			if audit.ComputeHash(e) == base.Hash {
				t.Errorf("changing %s keeps the hash", name)
			}
		})
	}

	t.Run("the hash field itself is not hashed", func(t *testing.T) {
		e := base
		e.Hash = "anything"
		if audit.ComputeHash(e) != base.Hash {
			t.Errorf("ComputeHash depends on Hash")
		}
	})
}

func TestNonJSONBodies(t *testing.T) {
	t.Run("stored input that is not JSON", func(t *testing.T) {
		e := chain(1)[0]
		for _, bad := range []string{`{"a":`, `not json`, "\x00\xff", `{"a":1}{"b":2}`} {
			e.Input = json.RawMessage(bad)
			var h string
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("ComputeHash panics on input %q: %v", bad, r)
					}
				}()
				h = audit.ComputeHash(e)
			}()
			if h == "" || h == e.Hash {
				t.Errorf("input %q: hash %q, want a value that differs from the sealed one", bad, h)
			}
			if b := audit.Check(0, audit.Genesis, e); b == nil || !strings.Contains(b.Reason, "content") {
				t.Errorf("input %q: Check = %+v, want a content break", bad, b)
			}
		}
	})

	t.Run("Compact keeps what is not JSON as a JSON string", func(t *testing.T) {
		tests := []struct{ in, want string }{
			{"", "null"},
			{"  \n", "null"},
			{`{ "a" : 1 }`, `{"a":1}`},
			{`[1, 2]`, `[1,2]`},
			{`plain text`, `"plain text"`},
			{`{"a":`, `"{\"a\":"`},
		}
		for _, tt := range tests {
			got := audit.Compact([]byte(tt.in))
			if string(got) != tt.want {
				t.Errorf("Compact(%q) = %s, want %s", tt.in, got, tt.want)
			}
			if !json.Valid(got) {
				t.Errorf("Compact(%q) = %s is not valid JSON", tt.in, got)
			}
		}
	})

	t.Run("Seal of a non-JSON body stays verifiable", func(t *testing.T) {
		ev := audit.Seal(audit.Entry{Action: "POST /x", Input: json.RawMessage("name=a&b=c"), Result: json.RawMessage("<html>")},
			"id", start, 0, audit.Genesis)
		if !json.Valid(ev.Input) || !json.Valid(ev.Result) {
			t.Fatalf("sealed bodies %s / %s are not JSON", ev.Input, ev.Result)
		}
		if b := audit.Check(0, audit.Genesis, ev); b != nil {
			t.Errorf("a sealed non-JSON body does not verify: %+v", *b)
		}
	})
}

func TestActorOf(t *testing.T) {
	if got := audit.ActorOf(t.Context()); got != audit.System {
		t.Errorf("ActorOf without a principal = %+v, want System", got)
	}
	ctx := auth.WithPrincipal(t.Context(), auth.Principal{KeyID: "k1", Name: "Hanako", Role: auth.RoleAuditor})
	if got, want := audit.ActorOf(ctx), (audit.Actor{KeyID: "k1", Name: "Hanako", Role: "auditor"}); got != want {
		t.Errorf("ActorOf = %+v, want %+v", got, want)
	}
}

// memRepo is an in-memory audit.Repository, to test the service's own logic (batches, head, paging).
type memRepo struct {
	events []audit.Event
	head   audit.Head
	scans  int
}

func (m *memRepo) Append(_ context.Context, e audit.Entry, id string, at time.Time) (audit.Event, error) {
	ev := audit.Seal(e, id, at, m.head.Seq, m.head.Hash)
	m.events = append(m.events, ev)
	m.head = audit.Head{Seq: ev.Seq, Hash: ev.Hash}
	return ev, nil
}

func (m *memRepo) List(_ context.Context, f audit.Filter) ([]audit.Event, error) {
	var out []audit.Event
	for i := len(m.events) - 1; i >= 0 && len(out) < f.Limit; i-- {
		e := m.events[i]
		if f.BeforeSeq > 0 && e.Seq >= f.BeforeSeq {
			continue
		}
		if f.Action != "" && !strings.HasPrefix(e.Action, f.Action) {
			continue
		}
		out = append(out, e)
	}
	return out, nil
}

func (m *memRepo) Scan(_ context.Context, afterSeq int64, limit int) ([]audit.Event, error) {
	m.scans++
	var out []audit.Event
	for _, e := range m.events {
		if e.Seq > afterSeq && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

func (m *memRepo) Head(context.Context) (audit.Head, error) { return m.head, nil }

// noTx runs fn directly.
type noTx struct{ calls int }

func (n *noTx) InTx(ctx context.Context, fn func(context.Context) error) error {
	n.calls++
	return fn(ctx)
}

func newMemService(t *testing.T, n int) (*audit.Service, *memRepo, *noTx) {
	t.Helper()
	repo := &memRepo{head: audit.Head{Hash: audit.Genesis}}
	tx := &noTx{}
	now := start
	svc := audit.NewService(repo, tx, func() time.Time { now = now.Add(time.Millisecond); return now })
	for i := range n {
		if _, err := svc.Record(t.Context(), entry(i)); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	return svc, repo, tx
}

func TestServiceVerify(t *testing.T) {
	// Verify reads in batches of 1000: the batch edges must neither drop nor repeat an event.
	for _, n := range []int{0, 1, 999, 1000, 1001, 2000, 2345} {
		t.Run(fmt.Sprintf("%d events intact", n), func(t *testing.T) {
			svc, repo, tx := newMemService(t, n)
			if tx.calls != n {
				t.Errorf("Record opened %d transactions for %d events", tx.calls, n)
			}
			repo.scans = 0
			v, err := svc.Verify(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if !v.Intact || v.Break != nil || v.Checked != int64(n) || v.Head.Seq != int64(n) {
				t.Errorf("Verify = intact %v, checked %d, head %d, break %+v; want intact, %d checked", v.Intact, v.Checked,
					v.Head.Seq, v.Break, n)
			}
			if want := n/1000 + 1; repo.scans != want {
				t.Errorf("%d scans for %d events, want %d", repo.scans, n, want)
			}
		})
	}

	tests := []struct {
		name    string
		n       int
		tamper  func(m *memRepo)
		seq     int64
		checked int64
		reason  string
	}{
		{"content changed past the first batch", 1500, func(m *memRepo) { m.events[1203].Result = json.RawMessage(`{}`) },
			1204, 1203, "content does not match"},
		{"event removed at a batch edge", 2100, func(m *memRepo) { m.events = slices.Delete(m.events, 1000, 1001) },
			1002, 1000, "expected seq 1001"},
		{"last event removed", 20, func(m *memRepo) { m.events = m.events[:19] },
			20, 19, "ends at seq 19 but the head records seq 20"},
		{"last three events removed", 1003, func(m *memRepo) { m.events = m.events[:1000] },
			1001, 1000, "ends at seq 1000 but the head records seq 1003"},
		{"every event removed", 5, func(m *memRepo) { m.events = nil },
			1, 0, "ends at seq 0 but the head records seq 5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc, repo, _ := newMemService(t, tt.n)
			tt.tamper(repo)
			v, err := svc.Verify(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if v.Intact || v.Break == nil {
				t.Fatalf("Verify says intact after tampering (checked %d)", v.Checked)
			}
			if v.Break.Seq != tt.seq || v.Checked != tt.checked || !strings.Contains(v.Break.Reason, tt.reason) {
				t.Errorf("break at seq %d (%q) after %d checked, want seq %d (%q) after %d", v.Break.Seq, v.Break.Reason,
					v.Checked, tt.seq, tt.reason, tt.checked)
			}
		})
	}

	t.Run("events appended after the head was read do not break it", func(t *testing.T) {
		svc, repo, _ := newMemService(t, 3)
		stale := repo.head
		ev, _ := repo.Append(t.Context(), entry(9), "late", start)
		repo.head = stale // as if Verify read the head before the append committed
		v, err := svc.Verify(t.Context())
		if err != nil || !v.Intact || v.Checked != ev.Seq {
			t.Errorf("Verify = %+v, %v; want intact with %d checked", v, err, ev.Seq)
		}
	})
}

// failingRepo fails every call.
type failingRepo struct{ memRepo }

var errDown = errors.New("database down")

func (failingRepo) Append(context.Context, audit.Entry, string, time.Time) (audit.Event, error) {
	return audit.Event{}, errDown
}
func (failingRepo) Scan(context.Context, int64, int) ([]audit.Event, error) { return nil, errDown }

func TestServiceErrors(t *testing.T) {
	svc := audit.NewService(&failingRepo{memRepo{head: audit.Head{Seq: 1}}}, &noTx{}, func() time.Time { return start })
	if _, err := svc.Record(t.Context(), entry(1)); !errors.Is(err, errDown) || !strings.Contains(err.Error(), entry(1).Action) {
		t.Errorf("Record error %v, want it to wrap the cause and name the action", err)
	}
	if v, err := svc.Verify(t.Context()); !errors.Is(err, errDown) || v.Intact {
		t.Errorf("Verify = %+v, %v; want the scan error and not intact", v, err)
	}
}

func TestServiceList(t *testing.T) {
	svc, _, _ := newMemService(t, 7)

	var seqs []int64
	cursor, pages := "", 0
	for {
		page, err := svc.List(t.Context(), audit.Filter{Limit: 3}, cursor)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, e := range page.Items {
			seqs = append(seqs, e.Seq)
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	if want := []int64{7, 6, 5, 4, 3, 2, 1}; !slices.Equal(seqs, want) || pages != 3 {
		t.Errorf("paged seqs %v in %d pages, want %v in 3", seqs, pages, want)
	}

	later := start.Add(time.Hour)
	tests := []struct {
		name   string
		f      audit.Filter
		cursor string
		field  string
	}{
		{"limit too large", audit.Filter{Limit: 201}, "", "limit"},
		{"negative limit", audit.Filter{Limit: -1}, "", "limit"},
		{"garbage cursor", audit.Filter{}, "not-a-cursor", "cursor"},
		{"cursor of another sort", audit.Filter{}, domain.Cursor{Sort: "name", Value: "3", ID: domain.NewID()}.Encode(), "cursor"},
		{"cursor with no seq", audit.Filter{}, domain.Cursor{Sort: "seq", Value: "x", ID: domain.NewID()}.Encode(), "cursor"},
		{"cursor with seq 0", audit.Filter{}, domain.Cursor{Sort: "seq", Value: "0", ID: domain.NewID()}.Encode(), "cursor"},
		{"to before from", audit.Filter{From: &later, To: &start}, "", "to"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := svc.List(t.Context(), tt.f, tt.cursor)
			var de *domain.Error
			if !errors.As(err, &de) || de.Kind != domain.KindInvalid || len(de.Fields) != 1 || de.Fields[0].Field != tt.field {
				t.Errorf("List error %v, want invalid naming %q", err, tt.field)
			}
		})
	}

	t.Run("action prefix is trimmed", func(t *testing.T) {
		page, err := svc.List(t.Context(), audit.Filter{Action: "  PATCH /api/v1/vendors "}, "")
		if err != nil || len(page.Items) != 7 {
			t.Errorf("List by padded action = %d items, %v; want 7", len(page.Items), err)
		}
	})
}
