package engagement

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/risk"
)

func ptr[T any](v T) *T { return &v }

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

func validEngagement() Engagement {
	return Engagement{
		VendorID: domain.NewID(), Name: "Card member portal hosting", BusinessOwner: "Card Division",
		ServiceType: ServiceIaaS, Status: StatusIntake,
		Holdings:      []risk.Holding{{Category: risk.DataPersonal, Records: 1_150_000}, {Category: risk.DataPaymentCard, Records: 1_000}},
		Access:        risk.AccessDataTransfer,
		DataLocations: []string{"JP", "SG", "US"},
		RTOHours:      ptr(24), Substitutability: risk.SubstituteHard,
		AnnualSpend: &domain.Money{Amount: 12_000_000, Currency: "JPY"},
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(e *Engagement)
		want   []string
	}{
		{"valid", func(*Engagement) {}, nil},
		{"defaults for access and substitutability", func(e *Engagement) { e.Access, e.Substitutability = "", "" }, nil},
		{"vendor id", func(e *Engagement) { e.VendorID = "vendor-1" }, []string{"vendor_id"}},
		{"name required", func(e *Engagement) { e.Name = "  " }, []string{"name"}},
		{"name 201 characters", func(e *Engagement) { e.Name = strings.Repeat("名", 201) }, []string{"name"}},
		{"description 4001 characters", func(e *Engagement) { e.Description = strings.Repeat("d", 4001) }, []string{"description"}},
		{"service type", func(e *Engagement) { e.ServiceType = "cloud" }, []string{"service_type"}},
		{"access type", func(e *Engagement) { e.Access = "root" }, []string{"access_type"}},
		{"substitutability", func(e *Engagement) { e.Substitutability = "impossible" }, []string{"substitutability"}},
		{"status", func(e *Engagement) { e.Status = "paused" }, []string{"status"}},
		{"RTO negative", func(e *Engagement) { e.RTOHours = ptr(-1) }, []string{"rto_hours"}},
		{"RTO above a year", func(e *Engagement) { e.RTOHours = ptr(8761) }, []string{"rto_hours"}},
		{"RTO 0", func(e *Engagement) { e.RTOHours = ptr(0) }, nil},
		{"unknown data category", func(e *Engagement) { e.Holdings[1].Category = "genome" }, []string{"data_categories[1].category"}},
		{"duplicate data category", func(e *Engagement) { e.Holdings[1].Category = risk.DataPersonal }, []string{"data_categories[1].category"}},
		{"records too large", func(e *Engagement) { e.Holdings[0].Records = MaxRecords + 1 }, []string{"data_categories[0].records"}},
		{"records at the maximum", func(e *Engagement) { e.Holdings[0].Records = MaxRecords }, nil},
		{"negative records", func(e *Engagement) { e.Holdings[1].Records = -1 }, []string{"data_categories[1].records"}},
		{"bad data location", func(e *Engagement) { e.DataLocations[2] = "XX" }, []string{"data_locations[2]"}},
		{"alpha-3 data location", func(e *Engagement) { e.DataLocations[0] = "JPN" }, []string{"data_locations[0]"}},
		{"lower-case data location", func(e *Engagement) { e.DataLocations[2] = " us " }, nil},
		{"51 data locations", func(e *Engagement) { e.DataLocations = slices.Repeat([]string{"JP"}, 51) }, []string{"data_locations"}},
		{"impact C 0", func(e *Engagement) { e.ImpactOverride = &risk.CIA{C: 0, I: 3, A: 3} }, []string{"impact.c"}},
		{"impact C 6", func(e *Engagement) { e.ImpactOverride = &risk.CIA{C: 6, I: 3, A: 3} }, []string{"impact.c"}},
		{"impact I and A out of range", func(e *Engagement) { e.ImpactOverride = &risk.CIA{C: 1, I: -1, A: 9} }, []string{"impact.i", "impact.a"}},
		{"impact 5/5/5", func(e *Engagement) { e.ImpactOverride = &risk.CIA{C: 5, I: 5, A: 5} }, nil},
		{"annual spend currency", func(e *Engagement) { e.AnnualSpend.Currency = "yen" }, []string{"annual_spend.currency"}},
		{"annual spend negative", func(e *Engagement) { e.AnnualSpend.Amount = -1 }, []string{"annual_spend.amount"}},
		{"no annual spend", func(e *Engagement) { e.AnnualSpend = nil }, nil},
		{"every problem at once, in document order", func(e *Engagement) {
			e.Name = ""
			e.Holdings[0].Category = "x"
			e.DataLocations[1] = "ZZ"
			e.AnnualSpend.Currency = ""
			e.ImpactOverride = &risk.CIA{C: 3, I: 0, A: 3}
		}, []string{"name", "data_categories[0].category", "data_locations[1]", "annual_spend.currency", "impact.i"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := validEngagement()
			tt.change(&e)
			e.normalize()
			if got := fields(t, e.validate()); !slices.Equal(got, tt.want) {
				t.Errorf("validate names %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	e := Engagement{Name: "  Portal ", BusinessOwner: " Cards ", DataLocations: []string{" jp", "sg "}}
	e.normalize()
	if e.Name != "Portal" || e.BusinessOwner != "Cards" {
		t.Errorf("texts not trimmed: %q %q", e.Name, e.BusinessOwner)
	}
	if e.Access != risk.AccessNone || e.Substitutability != risk.SubstituteModerate {
		t.Errorf("defaults: access %q, substitutability %q; want none, moderate", e.Access, e.Substitutability)
	}
	if !slices.Equal(e.DataLocations, []string{"JP", "SG"}) {
		t.Errorf("data locations %q, want [JP SG]", e.DataLocations)
	}
}

func TestCanTransition(t *testing.T) {
	// want[from] lists the statuses an engagement may move to, besides staying where it is.
	want := map[Status][]Status{
		StatusIntake:    {StatusAssessing, StatusEnded},
		StatusAssessing: {StatusDecided, StatusEnded},
		StatusDecided:   {StatusActive, StatusAssessing, StatusEnded},
		StatusActive:    {StatusAssessing, StatusEnded},
		StatusEnded:     {},
	}
	for _, from := range Statuses {
		for _, to := range Statuses {
			ok := from == to || slices.Contains(want[from], to)
			if got := CanTransition(from, to); got != ok {
				t.Errorf("CanTransition(%s, %s) = %v, want %v", from, to, got, ok)
			}
		}
		if got := AllowedNext(from); !slices.Equal(got, want[from]) {
			t.Errorf("AllowedNext(%s) = %v, want %v", from, got, want[from])
		}
	}
	// The rules the lifecycle exists for, stated on their own.
	named := []struct {
		from, to Status
		want     bool
	}{
		{StatusIntake, StatusAssessing, true},
		{StatusAssessing, StatusDecided, true},
		{StatusDecided, StatusActive, true},
		{StatusDecided, StatusAssessing, true}, // reassessed before it starts
		{StatusActive, StatusAssessing, true},  // periodic reassessment
		{StatusDecided, StatusEnded, true},     // a refused outsourcing
		{StatusIntake, StatusActive, false},    // no service runs unassessed
		{StatusIntake, StatusDecided, false},
		{StatusAssessing, StatusActive, false},
		{StatusActive, StatusIntake, false},
		{StatusActive, StatusDecided, false},
		{StatusEnded, StatusIntake, false}, // ended is final
		{StatusEnded, StatusAssessing, false},
		{StatusEnded, StatusActive, false},
		{StatusActive, Status("paused"), false},
		{Status("paused"), StatusActive, false},
	}
	for _, tt := range named {
		if got := CanTransition(tt.from, tt.to); got != tt.want {
			t.Errorf("CanTransition(%s, %s) = %v, want %v", tt.from, tt.to, got, tt.want)
		}
	}
}

func TestServiceTypeCloud(t *testing.T) {
	cloud := map[ServiceType]bool{ServiceSaaS: true, ServiceIaaS: true, ServicePaaS: true}
	if len(ServiceTypes) != 8 {
		t.Fatalf("%d service types, want 8", len(ServiceTypes))
	}
	for _, st := range append(slices.Clone(ServiceTypes), "", "SaaS") {
		if got := st.Cloud(); got != cloud[st] {
			t.Errorf("%q.Cloud() = %v, want %v", st, got, cloud[st])
		}
	}
}

func TestImpact(t *testing.T) {
	tests := []struct {
		name             string
		e                Engagement
		derived, current risk.CIA
	}{
		{"no data, derived", Engagement{}, risk.CIA{C: 1, I: 1, A: 1}, risk.CIA{C: 1, I: 1, A: 1}},
		{
			"personal data, derived",
			Engagement{Holdings: []risk.Holding{{Category: risk.DataPersonal, Records: 10}}},
			risk.CIA{C: 4, I: 3, A: 2}, risk.CIA{C: 4, I: 3, A: 2},
		},
		{
			"critical process with a 4 h RTO raises A to 5",
			Engagement{Holdings: []risk.Holding{{Category: risk.DataPersonal, Records: 10}}, CriticalProcess: true, RTOHours: ptr(4)},
			risk.CIA{C: 4, I: 3, A: 5}, risk.CIA{C: 4, I: 3, A: 5},
		},
		{
			"critical process with a 5 h RTO raises A to 4",
			Engagement{CriticalProcess: true, RTOHours: ptr(5)},
			risk.CIA{C: 1, I: 1, A: 4}, risk.CIA{C: 1, I: 1, A: 4},
		},
		{
			"override below the derived impact wins",
			Engagement{Holdings: []risk.Holding{{Category: risk.DataCredentials, Records: 10}}, ImpactOverride: &risk.CIA{C: 2, I: 2, A: 1}},
			risk.CIA{C: 5, I: 5, A: 3}, risk.CIA{C: 2, I: 2, A: 1},
		},
		{
			"override above the derived impact wins",
			Engagement{ImpactOverride: &risk.CIA{C: 5, I: 4, A: 3}},
			risk.CIA{C: 1, I: 1, A: 1}, risk.CIA{C: 5, I: 4, A: 3},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.e.DerivedImpact(); got != tt.derived {
				t.Errorf("DerivedImpact = %+v, want %+v", got, tt.derived)
			}
			if got := tt.e.Impact(); got != tt.current {
				t.Errorf("Impact = %+v, want %+v", got, tt.current)
			}
		})
	}
}
