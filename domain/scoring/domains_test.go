package scoring

import (
	"slices"
	"testing"
)

func TestAnnexADomains(t *testing.T) {
	tests := []struct {
		refs []string
		want []string
	}{
		{[]string{"iso27001-2013:A.9.2.1", "iso27001-2013:A.9.1.1", "iso27001-2013:A.12.4.1"},
			[]string{"iso27001-2013:A.9", "iso27001-2013:A.12"}},
		{[]string{"iso27001-2022:5.19", "iso27001-2022:A.8.2", "iso27001-2022:5.1"}, []string{"iso27001-2022:5", "iso27001-2022:8"}},
		{[]string{"iso27001-2005:A.5.1.1"}, []string{"iso27001-2005:A.5"}},
		{[]string{"nist-800-53:AC-2", "iso27001-2013:clause4", "no-colon", "iso27001-2013:A.x.1"}, nil},
	}
	for _, tt := range tests {
		if got := AnnexADomains(tt.refs); !slices.Equal(got, tt.want) {
			t.Errorf("AnnexADomains(%v) = %v, want %v", tt.refs, got, tt.want)
		}
	}
}

// TestDomainRollup: a domain scores its questions once each (a question on two controls of one
// domain counts once), with the same arithmetic as sections and controls, ordered numerically.
func TestDomainRollup(t *testing.T) {
	qs := []Question{
		q("a", "s1", 3, yesNo, "iso27001-2013:A.9.1.1", "iso27001-2013:A.9.2.1"),
		q("b", "s1", 1, yesNo, "iso27001-2013:A.9.4.1", "iso27001-2013:A.12.4.1"),
		q("c", "s2", 2, yesNo, "iso27001-2022:8.2", "nist-800-53:AC-2"),
	}
	r := Score(qs, map[string]Answer{"a": one("yes"), "b": one("no"), "c": one("yes")})
	var keys []string
	for _, d := range r.Domains {
		keys = append(keys, d.Key)
	}
	if want := []string{"iso27001-2013:A.9", "iso27001-2013:A.12", "iso27001-2022:8"}; !slices.Equal(keys, want) {
		t.Fatalf("domains %v, want %v", keys, want)
	}
	eq(t, "A.9 score", r.Domains[0].ScoreBP, 7500) // (3×10000 + 1×0) / 4
	eq(t, "A.9 questions", r.Domains[0].Questions, 2)
	eq(t, "A.12 score", r.Domains[1].ScoreBP, 0)
	eq(t, "2022 theme 8", r.Domains[2].ScoreBP, Full)
}
