package register

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/vendorrisk/vendorrisk/domain"
)

func TestCanTransition(t *testing.T) {
	// want[from] lists the statuses a vendor may move to, besides staying where it is.
	want := map[Status][]Status{
		StatusProposed:    {StatusActive, StatusTerminated},
		StatusActive:      {StatusSuspended, StatusOffboarding},
		StatusSuspended:   {StatusActive, StatusOffboarding},
		StatusOffboarding: {StatusActive, StatusTerminated},
		StatusTerminated:  {},
	}
	for _, from := range Statuses {
		for _, to := range Statuses {
			ok := from == to || slices.Contains(want[from], to)
			if got := CanTransition(from, to); got != ok {
				t.Errorf("CanTransition(%s, %s) = %v, want %v", from, to, got, ok)
			}
		}
	}
	// The rules the lifecycle exists for, stated on their own.
	named := []struct {
		from, to Status
		want     bool
	}{
		{StatusProposed, StatusActive, true},
		{StatusProposed, StatusTerminated, true}, // rejected before use
		{StatusActive, StatusProposed, false},
		{StatusActive, StatusTerminated, false}, // must offboard first
		{StatusSuspended, StatusProposed, false},
		{StatusOffboarding, StatusSuspended, false},
		{StatusTerminated, StatusActive, false},
		{StatusTerminated, StatusProposed, false},
		{StatusTerminated, StatusSuspended, false},
		{StatusTerminated, StatusOffboarding, false},
		{StatusActive, Status("archived"), false},
		{Status("archived"), StatusActive, false},
	}
	for _, tt := range named {
		if got := CanTransition(tt.from, tt.to); got != tt.want {
			t.Errorf("CanTransition(%s, %s) = %v, want %v", tt.from, tt.to, got, tt.want)
		}
	}
}

func validVendor() Vendor {
	return Vendor{
		Kind:            KindCloudProvider,
		Name:            "Acme Cloud",
		LegalName:       "Acme Cloud K.K.",
		CorporateNumber: "7000012050002",
		RegistrationIDs: []RegistrationID{{"duns", "123456789"}, {"lei", "5493001KJTIIGC8Y1R12"}},
		Country:         "JP",
		Website:         "https://acme.example",
		Description:     "IaaS",
		InternalOwner:   "it-security",
		Tags:            []string{"cloud", "critical"},
		Status:          StatusProposed,
	}
}

func TestVendorValidation(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(v *Vendor)
		fields []string // every field error expected, in order
	}{
		{"valid", func(*Vendor) {}, nil},
		{"minimal", func(v *Vendor) { *v = Vendor{Kind: KindOther, Name: "x", Status: StatusActive} }, nil},
		{"kind missing", func(v *Vendor) { v.Kind = "" }, []string{"kind"}},
		{"kind unknown", func(v *Vendor) { v.Kind = "supplier" }, []string{"kind"}},
		{"name blank after trim", func(v *Vendor) { v.Name = "   " }, []string{"name"}},
		{"name 200 multibyte characters", func(v *Vendor) { v.Name = strings.Repeat("株", 200) }, nil},
		{"name 201 characters", func(v *Vendor) { v.Name = strings.Repeat("a", 201) }, []string{"name"}},
		{"legal name too long", func(v *Vendor) { v.LegalName = strings.Repeat("b", 201) }, []string{"legal_name"}},
		{"corporate number check digit", func(v *Vendor) { v.CorporateNumber = "8000012050002" }, []string{"corporate_number"}},
		{"corporate number trimmed", func(v *Vendor) { v.CorporateNumber = " 7000012050002 " }, nil},
		{"corporate number empty is allowed", func(v *Vendor) { v.CorporateNumber = "" }, nil},
		{"country lower case is normalised", func(v *Vendor) { v.Country = " jp " }, nil},
		{"country unassigned", func(v *Vendor) { v.Country = "XX" }, []string{"country"}},
		{"country alpha-3", func(v *Vendor) { v.Country = "JPN" }, []string{"country"}},
		{"website without scheme", func(v *Vendor) { v.Website = "acme.example" }, []string{"website"}},
		{"website ftp", func(v *Vendor) { v.Website = "ftp://acme.example" }, []string{"website"}},
		{"website without host", func(v *Vendor) { v.Website = "https://" }, []string{"website"}},
		{"website too long", func(v *Vendor) { v.Website = "https://a.example/" + strings.Repeat("p", 2048) }, []string{"website"}},
		{"description too long", func(v *Vendor) { v.Description = strings.Repeat("d", 4001) }, []string{"description"}},
		{"internal owner too long", func(v *Vendor) { v.InternalOwner = strings.Repeat("o", 201) }, []string{"internal_owner"}},
		{"status unknown", func(v *Vendor) { v.Status = "archived" }, []string{"status"}},
		{"tag invalid, reported at the index the client sent", func(v *Vendor) { v.Tags = []string{"zeta", "Bad Tag!"} }, []string{"tags[1]"}},
		{"tag starting with punctuation", func(v *Vendor) { v.Tags = []string{"a", "b", "-c"} }, []string{"tags[2]"}},
		{"tag 41 characters", func(v *Vendor) { v.Tags = []string{"a", strings.Repeat("t", 41)} }, []string{"tags[1]"}},
		{"tag empty", func(v *Vendor) { v.Tags = []string{"ok", "  "} }, []string{"tags[1]"}},
		{"duplicate tags are merged", func(v *Vendor) { v.Tags = []string{"B", "b", " a "} }, nil},
		{"too many tags", func(v *Vendor) {
			v.Tags = nil
			for i := range 21 {
				v.Tags = append(v.Tags, fmt.Sprintf("t%02d", i))
			}
		}, []string{"tags"}},
		{"registration scheme missing", func(v *Vendor) {
			v.RegistrationIDs = []RegistrationID{{"duns", "1"}, {"", "2"}}
		}, []string{"registration_ids[1].scheme"}},
		{"registration scheme with space", func(v *Vendor) {
			v.RegistrationIDs = []RegistrationID{{"vat id", "1"}}
		}, []string{"registration_ids[0].scheme"}},
		{"registration value missing", func(v *Vendor) {
			v.RegistrationIDs = []RegistrationID{{"duns", " "}}
		}, []string{"registration_ids[0].value"}},
		{"registration value too long", func(v *Vendor) {
			v.RegistrationIDs = []RegistrationID{{"duns", "1"}, {"lei", strings.Repeat("9", 65)}}
		}, []string{"registration_ids[1].value"}},
		{"registration scheme twice after lower-casing", func(v *Vendor) {
			v.RegistrationIDs = []RegistrationID{{"duns", "1"}, {"DUNS", "2"}}
		}, []string{"registration_ids[1].scheme"}},
		{"too many registration ids", func(v *Vendor) {
			v.RegistrationIDs = nil
			for i := range 11 {
				v.RegistrationIDs = append(v.RegistrationIDs, RegistrationID{fmt.Sprintf("s%d", i), "1"})
			}
		}, []string{"registration_ids"}},
		{"every field wrong at once", func(v *Vendor) {
			*v = Vendor{
				Kind: "x", Name: "", LegalName: strings.Repeat("l", 201), CorporateNumber: "123",
				Country: "ZZ", Website: "mailto:a@b.c", Description: strings.Repeat("d", 4001),
				InternalOwner: strings.Repeat("o", 201), Status: "", Tags: []string{"ok", "no way"},
				RegistrationIDs: []RegistrationID{{"ok", "1"}, {"", ""}, {"OK", "2"}},
			}
		}, []string{"kind", "name", "legal_name", "corporate_number", "country", "website", "description",
			"internal_owner", "status", "tags[1]", "registration_ids[1].scheme", "registration_ids[1].value",
			"registration_ids[2].scheme"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := validVendor()
			tt.mutate(&v)
			v.normalize()
			assertFields(t, v.validate(), tt.fields)
		})
	}
}

func TestVendorNormalize(t *testing.T) {
	v := Vendor{
		Kind: KindOther, Status: StatusProposed,
		Name: "  Acme  ", LegalName: " Acme K.K. ", CorporateNumber: " 7000012050002 ", Country: " jp ",
		Website: " https://acme.example ", InternalOwner: " sec ", Description: "  kept as written  ",
		Tags:            []string{" Critical", "cloud", "CLOUD", "b"},
		RegistrationIDs: []RegistrationID{{" DUNS ", " 123 "}},
	}
	v.normalize()
	if err := v.validate(); err != nil { // tags are sorted and deduplicated once they are valid
		t.Fatal(err)
	}
	want := Vendor{
		Kind: KindOther, Status: StatusProposed,
		Name: "Acme", LegalName: "Acme K.K.", CorporateNumber: "7000012050002", Country: "JP",
		Website: "https://acme.example", InternalOwner: "sec", Description: "  kept as written  ",
		Tags:            []string{"b", "cloud", "critical"},
		RegistrationIDs: []RegistrationID{{"duns", "123"}},
	}
	if fmt.Sprintf("%+v", v) != fmt.Sprintf("%+v", want) {
		t.Errorf("normalize() =\n%+v\nwant\n%+v", v, want)
	}
}

// assertFields checks err is Invalid and names exactly the fields (in order), or is nil when none.
func assertFields(t *testing.T, err error, fields []string) {
	t.Helper()
	if len(fields) == 0 {
		if err != nil {
			t.Fatalf("validate() = %v, want nil", err)
		}
		return
	}
	var de *domain.Error
	if !errors.As(err, &de) || de.Kind != domain.KindInvalid {
		t.Fatalf("validate() = %v, want an invalid *domain.Error", err)
	}
	got := make([]string, len(de.Fields))
	for i, f := range de.Fields {
		got[i] = f.Field
		if f.Message == "" {
			t.Errorf("field %s has no message", f.Field)
		}
	}
	if !slices.Equal(got, fields) {
		t.Fatalf("field errors = %q, want %q", got, fields)
	}
}
