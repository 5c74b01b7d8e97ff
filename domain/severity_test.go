package domain

import "testing"

func TestSeverityRaiseLower(t *testing.T) {
	tests := []struct {
		s, raise, lower Severity
	}{
		{SeverityCritical, SeverityCritical, SeverityHigh}, // critical is the cap
		{SeverityHigh, SeverityCritical, SeverityMedium},
		{SeverityMedium, SeverityHigh, SeverityLow},
		{SeverityLow, SeverityMedium, SeverityLow}, // low is the floor
		{Severity("unknown"), Severity("unknown"), Severity("unknown")},
		{Severity(""), Severity(""), Severity("")},
	}
	for _, tt := range tests {
		t.Run(string(tt.s), func(t *testing.T) {
			if got := tt.s.Raise(); got != tt.raise {
				t.Errorf("%q.Raise() = %q, want %q", tt.s, got, tt.raise)
			}
			if got := tt.s.Lower(); got != tt.lower {
				t.Errorf("%q.Lower() = %q, want %q", tt.s, got, tt.lower)
			}
		})
	}
}

func TestSeverityRaiseLowerRoundTrip(t *testing.T) {
	if len(Severities) != 4 || Severities[0] != SeverityCritical || Severities[3] != SeverityLow {
		t.Fatalf("Severities = %v, want critical, high, medium, low", Severities)
	}
	for i, s := range Severities {
		if i > 0 && s.Raise().Lower() != s {
			t.Errorf("%s: Raise then Lower gives %s", s, s.Raise().Lower())
		}
		if i < len(Severities)-1 && s.Lower().Raise() != s {
			t.Errorf("%s: Lower then Raise gives %s", s, s.Lower().Raise())
		}
		// Raising four times from anywhere ends at critical; lowering four times ends at low.
		up, down := s, s
		for range 4 {
			up, down = up.Raise(), down.Lower()
		}
		if up != SeverityCritical || down != SeverityLow {
			t.Errorf("%s: raised 4× = %s, lowered 4× = %s", s, up, down)
		}
	}
}
