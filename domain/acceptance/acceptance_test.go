package acceptance

import (
	"testing"

	"github.com/vendorrisk/vendorrisk/domain"
)

func TestChanged(t *testing.T) {
	base := Risk{Severity: domain.SeverityHigh, Priority: 12, ScoreBP: 0, Tier: 2}
	moved := base
	moved.Tier = 1
	legacy := base
	legacy.Tier = 0
	tests := []struct {
		name        string
		frozen, now Risk
		want        bool
	}{
		{"same", base, base, false},
		{"tier moved", base, moved, true},
		{"frozen before tiers were recorded", legacy, moved, false},
		{"frozen before tiers were recorded, priority moved", legacy, Risk{Severity: domain.SeverityHigh, Priority: 9, Tier: 2}, true},
	}
	for _, tt := range tests {
		if got := changed(tt.frozen, tt.now); got != tt.want {
			t.Errorf("%s: changed = %v, want %v", tt.name, got, tt.want)
		}
	}
}
