package audit_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

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
