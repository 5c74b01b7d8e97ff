package event

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

func TestSnakeCase(t *testing.T) {
	for in, want := range map[string]string{
		"ID": "id", "VendorID": "vendor_id", "LegalName": "legal_name", "RegistrationIDs": "registration_ids",
		"SHA256": "sha256", "HTTPServer": "http_server", "URLs": "urls", "ValidUntil": "valid_until",
		"CorporateNumber": "corporate_number", "Tier2Reason": "tier2_reason", "Status": "status",
	} {
		if got := SnakeCase(in); got != want {
			t.Errorf("SnakeCase(%q) = %q, want %q", in, got, want)
		}
	}
}

type date struct{ y int }

func (d date) MarshalJSON() ([]byte, error) { return json.Marshal("year-" + string(rune('0'+d.y))) }

type reg struct {
	Scheme, Value string
}

type thing struct {
	ID        string
	Name      string
	Regs      []reg
	Tags      []string
	Expires   *time.Time
	Due       date
	Secret    string `event:"-"`
	Version   int
	UpdatedAt time.Time
	hidden    string
}

func TestNew(t *testing.T) {
	at := time.Date(2026, 12, 3, 9, 0, 0, 0, time.FixedZone("JST", 9*3600))
	before := thing{ID: "t1", Name: "Acme", Version: 1, Secret: "s", Due: date{1}, UpdatedAt: at, hidden: "x"}
	after := before
	after.Name, after.Version, after.Tags, after.Expires, after.UpdatedAt = "Acme KK", 2, []string{"cloud"}, &at, at.Add(time.Hour)
	subj := Subject{Type: "thing", ID: "t1", VendorID: "v1"}

	created := New("thing.created", subj, nil, before)
	if created.Version != 1 || len(created.Changes) != 0 || created.Data["name"] != "Acme" {
		t.Errorf("created: %+v", created)
	}
	if _, ok := created.Data["secret"]; ok {
		t.Error("a field tagged event:\"-\" reached the payload")
	}
	if _, ok := created.Data["hidden"]; ok {
		t.Error("an unexported field reached the payload")
	}
	if created.Data["due"] != "year-1" || created.Data["expires"] != nil {
		t.Errorf("marshaler or nil pointer: due %v expires %v", created.Data["due"], created.Data["expires"])
	}
	if regs, ok := created.Data["regs"].([]any); !ok || len(regs) != 0 {
		t.Errorf("a nil slice is %#v, want an empty list", created.Data["regs"])
	}

	updated := New("thing.updated", subj, &before, &after)
	var fields []string
	for _, c := range updated.Changes {
		fields = append(fields, c.Field)
	}
	if got, want := fields, []string{"expires", "name", "tags", "version"}; !equal(got, want) {
		t.Errorf("changed fields %v, want %v (updated_at is left out)", got, want)
	}
	if c := updated.Changes[0]; c.Before != nil || c.After != "2026-12-03T00:00:00Z" {
		t.Errorf("expires change %+v: times are RFC 3339 in UTC", c)
	}

	deleted := New("thing.deleted", subj, after, nil)
	if deleted.Data["name"] != "Acme KK" || len(deleted.Changes) != 0 {
		t.Errorf("deleted: data is the last state, got %+v", deleted)
	}

	var in struct {
		Changes []Change `json:"changes"`
		Reason  string   `json:"reason"`
	}
	if err := json.Unmarshal(updated.Because("review date passed").Input(), &in); err != nil || len(in.Changes) != 4 ||
		in.Reason != "review date passed" {
		t.Errorf("input %s (%v)", updated.Input(), err)
	}
	if created.Input() != nil {
		t.Errorf("a creation has no input, got %s", created.Input())
	}
	var res struct {
		Event    string         `json:"event"`
		Version  int            `json:"version"`
		VendorID string         `json:"vendor_id"`
		Data     map[string]any `json:"data"`
	}
	if err := json.Unmarshal(updated.Result(), &res); err != nil || res.Event != "thing.updated" || res.Version != 1 ||
		res.VendorID != "v1" || res.Data["name"] != "Acme KK" {
		t.Errorf("result %s (%v)", updated.Result(), err)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

type sink struct{ got []Event }

func (s *sink) Record(ctx context.Context, evs ...Event) error {
	s.got = append(s.got, evs...)
	Count(ctx, len(evs))
	return nil
}

func TestRequestAndTally(t *testing.T) {
	var tally Tally
	ctx := WithTally(WithRequest(t.Context(), "req-1", "/api/v1/vendors"), &tally)
	if id, path := RequestOf(ctx); id != "req-1" || path != "/api/v1/vendors" {
		t.Errorf("request %q %q", id, path)
	}
	if id, _ := RequestOf(t.Context()); id != "" {
		t.Errorf("a background context has request %q", id)
	}
	s := &sink{}
	if err := Record(ctx, s, "thing.created", Subject{Type: "thing", ID: "t"}, nil, thing{ID: "t"}); err != nil {
		t.Fatal(err)
	}
	if tally.N() != 1 || len(s.got) != 1 {
		t.Errorf("tally %d, recorded %d", tally.N(), len(s.got))
	}
	Count(t.Context(), 3) // no tally: nothing to count, no panic
}
