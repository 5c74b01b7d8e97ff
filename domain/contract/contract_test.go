package contract

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
)

func ptr[T any](v T) *T { return &v }

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// fields returns the JSON paths named by an Invalid error, in order.
func fields(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var de *domain.Error
	if !errors.As(err, &de) || de.Kind != domain.KindInvalid {
		t.Fatalf("error %v is not a domain Invalid error", err)
	}
	out := make([]string, len(de.Fields))
	for i, f := range de.Fields {
		out[i] = f.Field
	}
	return out
}

// fullContract has one valid clause of every type, in the order of ClauseTypes.
func fullContract() Contract {
	return Contract{
		Title: "Card member data hosting", DocumentReference: "MSA-2026-014",
		StartsOn: date(2026, 4, 1), EndsOn: ptr(date(2027, 3, 31)), AutoRenew: true, NoticeDays: 90,
		Clauses: []Clause{
			{Type: Confidentiality, Reference: "§4"},
			{Type: DataProtection},
			{Type: RightToAudit, NoticeDays: ptr(30)},
			{Type: BreachNotification, Hours: ptr(24)},
			{Type: Subcontracting, Level: SubPriorApproval},
			{Type: DataLocation, Countries: []string{"JP"}},
			{Type: ReturnAndDeletion, Days: ptr(30)},
			{Type: BusinessContinuity, RTOHours: ptr(4), BCPTestedYearly: true},
			{Type: SecurityRequirements},
			{Type: StaffSecurity, NDA: true, Training: true},
			{Type: Liability, Cap: &domain.Money{Amount: 100_000_000, Currency: "JPY"}},
			{Type: ExitAssistance, Days: ptr(90)},
		},
	}
}

func TestFullContractCoversEveryClauseType(t *testing.T) {
	c := fullContract()
	for _, ct := range ClauseTypes {
		if _, ok := c.Clause(ct); !ok {
			t.Errorf("fullContract has no %s clause", ct)
		}
	}
	if _, ok := c.Clause("warranty"); ok {
		t.Error("Clause found an unknown type")
	}
}

func TestValidate(t *testing.T) {
	// second puts one clause after a confidentiality clause, so that its path is clauses[1].
	second := func(cl Clause) func(c *Contract) {
		return func(c *Contract) { c.Clauses = []Clause{{Type: Confidentiality}, cl} }
	}
	tests := []struct {
		name   string
		change func(c *Contract)
		want   []string
	}{
		{"full contract", func(*Contract) {}, nil},
		{"minimal contract", func(c *Contract) { *c = Contract{Title: "x", StartsOn: date(2026, 1, 1)} }, nil},
		{"title required", func(c *Contract) { c.Title = "" }, []string{"title"}},
		{"title blank", func(c *Contract) { c.Title = " \t " }, []string{"title"}},
		{"title 201 characters", func(c *Contract) { c.Title = strings.Repeat("契", 201) }, []string{"title"}},
		{"title 200 characters", func(c *Contract) { c.Title = strings.Repeat("契", 200) }, nil},
		{"document reference 501 characters", func(c *Contract) { c.DocumentReference = strings.Repeat("d", 501) }, []string{"document_reference"}},
		{"starts_on required", func(c *Contract) { c.StartsOn = time.Time{} }, []string{"starts_on"}},
		{"ends_on before starts_on", func(c *Contract) { c.EndsOn = ptr(date(2026, 3, 31)) }, []string{"ends_on"}},
		{"ends_on on starts_on", func(c *Contract) { c.EndsOn = ptr(date(2026, 4, 1)) }, nil},
		{"ends_on earlier the same day counts as the same day", func(c *Contract) {
			c.StartsOn = time.Date(2026, 4, 1, 18, 0, 0, 0, time.UTC)
			c.EndsOn = ptr(time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC))
		}, nil},
		{"auto_renew without ends_on", func(c *Contract) { c.EndsOn = nil }, []string{"auto_renew"}},
		{"no end, no renewal", func(c *Contract) { c.EndsOn, c.AutoRenew = nil, false }, nil},
		{"negative notice days", func(c *Contract) { c.NoticeDays = -1 }, []string{"notice_days"}},
		{"notice days above 3650", func(c *Contract) { c.NoticeDays = 3651 }, []string{"notice_days"}},
		{"right_to_audit needs notice_days", second(Clause{Type: RightToAudit}), []string{"clauses[1].notice_days"}},
		{"right_to_audit notice_days negative", second(Clause{Type: RightToAudit, NoticeDays: ptr(-1)}), []string{"clauses[1].notice_days"}},
		{"right_to_audit notice_days 366", second(Clause{Type: RightToAudit, NoticeDays: ptr(366)}), []string{"clauses[1].notice_days"}},
		{"right_to_audit notice_days 0", second(Clause{Type: RightToAudit, NoticeDays: ptr(0)}), nil},
		{"breach_notification needs hours", second(Clause{Type: BreachNotification}), []string{"clauses[1].hours"}},
		{"breach_notification negative hours", second(Clause{Type: BreachNotification, Hours: ptr(-24)}), []string{"clauses[1].hours"}},
		{"breach_notification hours above a year", second(Clause{Type: BreachNotification, Hours: ptr(8761)}), []string{"clauses[1].hours"}},
		{"subcontracting needs a level", second(Clause{Type: Subcontracting}), []string{"clauses[1].level"}},
		{"subcontracting unknown level", second(Clause{Type: Subcontracting, Level: "sometimes"}), []string{"clauses[1].level"}},
		{"data_location needs countries", second(Clause{Type: DataLocation}), []string{"clauses[1].countries"}},
		{"data_location bad country", second(Clause{Type: DataLocation, Countries: []string{"JP", "XX"}}), []string{"clauses[1].countries[1]"}},
		{"data_location alpha-3 country", second(Clause{Type: DataLocation, Countries: []string{"JPN"}}), []string{"clauses[1].countries[0]"}},
		{"data_location lower-case country", second(Clause{Type: DataLocation, Countries: []string{" jp", "us "}}), nil},
		{"return_and_deletion needs days", second(Clause{Type: ReturnAndDeletion}), []string{"clauses[1].days"}},
		{"return_and_deletion negative days", second(Clause{Type: ReturnAndDeletion, Days: ptr(-1)}), []string{"clauses[1].days"}},
		{"exit_assistance needs days", second(Clause{Type: ExitAssistance}), []string{"clauses[1].days"}},
		{"exit_assistance days above 3650", second(Clause{Type: ExitAssistance, Days: ptr(3651)}), []string{"clauses[1].days"}},
		{"business_continuity without RTO", second(Clause{Type: BusinessContinuity}), nil},
		{"business_continuity negative RTO", second(Clause{Type: BusinessContinuity, RTOHours: ptr(-1)}), []string{"clauses[1].rto_hours"}},
		{"liability uncapped", second(Clause{Type: Liability}), nil},
		{"liability cap currency lower case", second(Clause{Type: Liability, Cap: &domain.Money{Amount: 1, Currency: "jpy"}}), []string{"clauses[1].cap"}},
		{"liability cap currency missing", second(Clause{Type: Liability, Cap: &domain.Money{Amount: 1}}), []string{"clauses[1].cap"}},
		{"liability cap negative", second(Clause{Type: Liability, Cap: &domain.Money{Amount: -1, Currency: "JPY"}}), []string{"clauses[1].cap"}},
		{"unknown type", second(Clause{Type: "warranty", Hours: ptr(-1)}), []string{"clauses[1].type"}},
		{"duplicate type", second(Clause{Type: Confidentiality}), []string{"clauses[1].type"}},
		{"reference 101 characters", second(Clause{Type: DataProtection, Reference: strings.Repeat("§", 101)}), []string{"clauses[1].reference"}},
		{"parameters of other types are ignored", second(Clause{Type: DataProtection, Hours: ptr(-1), Days: ptr(-1), Level: "x"}), nil},
		{"every problem at once, in document order", func(c *Contract) {
			c.Title = ""
			c.EndsOn = ptr(date(2025, 1, 1))
			c.NoticeDays = -5
			c.Clauses[3].Hours = nil
			c.Clauses[5].Countries = []string{"ZZ"}
			c.Clauses[10].Cap.Currency = "円"
		}, []string{"title", "ends_on", "notice_days", "clauses[3].hours", "clauses[5].countries[0]", "clauses[10].cap"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := fullContract()
			tt.change(&c)
			c.normalize()
			got := fields(t, c.validate())
			if !slices.Equal(got, tt.want) {
				t.Errorf("validate names %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	tokyo := time.FixedZone("JST", 9*3600)
	c := Contract{
		Title: "  Hosting  ", DocumentReference: " MSA ",
		StartsOn: time.Date(2026, 4, 1, 23, 30, 0, 0, time.UTC),
		SignedOn: ptr(time.Date(2026, 3, 20, 8, 0, 0, 0, tokyo)), // 2026-03-19 23:00 UTC
		EndsOn:   ptr(time.Date(2027, 3, 31, 12, 0, 0, 0, time.UTC)),
		Clauses:  []Clause{{Type: DataLocation, Reference: " §9 ", Countries: []string{" jp", "sg "}}},
	}
	c.normalize()
	if c.Title != "Hosting" || c.DocumentReference != "MSA" || c.Clauses[0].Reference != "§9" {
		t.Errorf("texts not trimmed: %q %q %q", c.Title, c.DocumentReference, c.Clauses[0].Reference)
	}
	if !c.StartsOn.Equal(date(2026, 4, 1)) || !c.SignedOn.Equal(date(2026, 3, 19)) || !c.EndsOn.Equal(date(2027, 3, 31)) {
		t.Errorf("dates not cut to the UTC day: %v %v %v", c.StartsOn, *c.SignedOn, *c.EndsOn)
	}
	if !slices.Equal(c.Clauses[0].Countries, []string{"JP", "SG"}) {
		t.Errorf("countries %q, want [JP SG]", c.Clauses[0].Countries)
	}
}

func TestAtLeastAsStrict(t *testing.T) {
	// want[l] lists the minimums l satisfies.
	want := map[SubcontractingLevel][]SubcontractingLevel{
		SubProhibited:    {SubProhibited, SubPriorApproval, SubNotify, SubUnrestricted},
		SubPriorApproval: {SubPriorApproval, SubNotify, SubUnrestricted},
		SubNotify:        {SubNotify, SubUnrestricted},
		SubUnrestricted:  {SubUnrestricted},
	}
	for _, l := range SubcontractingLevels {
		for _, m := range SubcontractingLevels {
			if got, ok := l.AtLeastAsStrict(m), slices.Contains(want[l], m); got != ok {
				t.Errorf("%s.AtLeastAsStrict(%s) = %v, want %v", l, m, got, ok)
			}
		}
	}
}

func TestDatesAt(t *testing.T) {
	now := time.Date(2026, 6, 15, 10, 30, 0, 0, time.UTC)
	tests := []struct {
		name       string
		endsOn     *time.Time
		noticeDays int
		now        time.Time
		deadline   *time.Time
		endingSoon bool
		noticeSoon bool
		ended      bool
	}{
		{name: "no end date", now: now},
		{name: "no end date, notice days set", noticeDays: 90, now: now},
		{name: "far off", endsOn: ptr(date(2027, 3, 31)), noticeDays: 30, now: now, deadline: ptr(date(2027, 3, 1))},
		{name: "ends in 90 days", endsOn: ptr(date(2026, 9, 13)), now: now, deadline: ptr(date(2026, 9, 13)), endingSoon: true, noticeSoon: true},
		{name: "ends in 91 days", endsOn: ptr(date(2026, 9, 14)), now: now, deadline: ptr(date(2026, 9, 14))},
		{name: "notice deadline in 90 days", endsOn: ptr(date(2026, 12, 31)), noticeDays: 109, now: now, deadline: ptr(date(2026, 9, 13)), noticeSoon: true},
		{name: "notice deadline in 91 days", endsOn: ptr(date(2026, 12, 31)), noticeDays: 108, now: now, deadline: ptr(date(2026, 9, 14))},
		{name: "notice deadline today", endsOn: ptr(date(2026, 12, 31)), noticeDays: 199, now: now, deadline: ptr(date(2026, 6, 15)), noticeSoon: true},
		{name: "notice deadline passed, end soon", endsOn: ptr(date(2026, 7, 10)), noticeDays: 30, now: now, deadline: ptr(date(2026, 6, 10)), endingSoon: true},
		{name: "ends today", endsOn: ptr(date(2026, 6, 15)), now: now, deadline: ptr(date(2026, 6, 15)), endingSoon: true, noticeSoon: true},
		{name: "ended yesterday", endsOn: ptr(date(2026, 6, 14)), noticeDays: 30, now: now, deadline: ptr(date(2026, 5, 15)), ended: true},
		{name: "ended long ago", endsOn: ptr(date(2020, 1, 1)), now: now, deadline: ptr(date(2020, 1, 1)), ended: true},
		{name: "notice across a month end", endsOn: ptr(date(2026, 3, 31)), noticeDays: 31, now: date(2026, 1, 1), deadline: ptr(date(2026, 2, 28)), endingSoon: true, noticeSoon: true},
		{name: "the day is the UTC day: 23:30 in Anchorage is tomorrow", endsOn: ptr(date(2026, 6, 15)),
			now: time.Date(2026, 6, 15, 23, 30, 0, 0, time.FixedZone("AKDT", -8*3600)), deadline: ptr(date(2026, 6, 15)), ended: true},
		{name: "late in the UTC day is still today", endsOn: ptr(date(2026, 6, 15)), now: time.Date(2026, 6, 15, 23, 59, 59, 0, time.UTC),
			deadline: ptr(date(2026, 6, 15)), endingSoon: true, noticeSoon: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Contract{Title: "x", StartsOn: date(2019, 1, 1), EndsOn: tt.endsOn, NoticeDays: tt.noticeDays}
			d := c.DatesAt(tt.now)
			switch {
			case tt.deadline == nil && d.NoticeDeadline != nil:
				t.Errorf("notice deadline %v, want none", *d.NoticeDeadline)
			case tt.deadline != nil && (d.NoticeDeadline == nil || !d.NoticeDeadline.Equal(*tt.deadline)):
				t.Errorf("notice deadline %v, want %v", d.NoticeDeadline, *tt.deadline)
			}
			if d.EndingSoon != tt.endingSoon || d.NoticeDueSoon != tt.noticeSoon || d.Ended != tt.ended {
				t.Errorf("ending soon %v, notice due soon %v, ended %v; want %v, %v, %v",
					d.EndingSoon, d.NoticeDueSoon, d.Ended, tt.endingSoon, tt.noticeSoon, tt.ended)
			}
		})
	}
}

// TestControlRefs: every clause type maps to controls of the 2022 and 2005 editions (2013 refs are allowed),
// and every ref names a control that exists in the catalog data the control catalog loads.
func TestControlRefs(t *testing.T) {
	catalog := map[string]map[string]bool{}
	for _, fw := range []string{"iso27001-2022", "iso27001-2013", "iso27001-2005"} {
		b, err := os.ReadFile(filepath.Join("..", "catalog", "data", fw+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			ID       string `json:"id"`
			Controls []struct {
				Ref string `json:"ref"`
			} `json:"controls"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", fw, err)
		}
		if doc.ID != fw || len(doc.Controls) == 0 {
			t.Fatalf("%s: id %q, %d controls", fw, doc.ID, len(doc.Controls))
		}
		catalog[fw] = map[string]bool{}
		for _, c := range doc.Controls {
			catalog[fw][c.Ref] = true
		}
	}
	if len(ControlRefs) != len(ClauseTypes) {
		t.Errorf("ControlRefs has %d clause types, ClauseTypes %d", len(ControlRefs), len(ClauseTypes))
	}
	for _, ct := range ClauseTypes {
		refs := ControlRefs[ct]
		editions := map[string]bool{}
		for _, ref := range refs {
			fw, control, ok := strings.Cut(ref, ":")
			if !ok || catalog[fw] == nil {
				t.Errorf("%s: ref %q is not iso27001-2022:..., iso27001-2013:... or iso27001-2005:...", ct, ref)
				continue
			}
			editions[fw] = true
			if !catalog[fw][control] {
				t.Errorf("%s: ref %q names no control of the %s catalog", ct, ref, fw)
			}
		}
		if !editions["iso27001-2022"] || !editions["iso27001-2005"] {
			t.Errorf("%s: refs %q do not cover both editions", ct, refs)
		}
		if len(slices.Compact(slices.Sorted(slices.Values(refs)))) != len(refs) {
			t.Errorf("%s: duplicate refs %q", ct, refs)
		}
	}
}
