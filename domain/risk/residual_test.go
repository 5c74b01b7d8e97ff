package risk

import "testing"

func TestResidualOf(t *testing.T) {
	tests := []struct {
		name                   string
		inherent, control      int
		impact                 CIA
		wantX100, wantL, wantI int
		wantLevel              Level
	}{
		{"no controls keep all the risk", 80, 0, CIA{5, 4, 3}, 8000, 5, 5, LevelCritical},
		{"perfect controls remove at most 70 %", 80, 10000, CIA{5, 4, 3}, 2400, 2, 5, LevelHigh},
		{"half the controls", 60, 5000, CIA{3, 3, 2}, 3900, 2, 3, LevelMedium},
		{"low risk stays low", 10, 9000, CIA{2, 1, 1}, 370, 1, 2, LevelLow},
		{"out-of-range inputs are clamped", 150, -5, CIA{9, 0, 0}, 10000, 5, 5, LevelCritical},
		{"band edge 20.00 is likelihood 2", 20, 0, CIA{1, 1, 1}, 2000, 2, 1, LevelLow},
		{"product 15 is critical", 60, 0, CIA{5, 1, 1}, 6000, 4, 5, LevelCritical},
		{"product 10 is high", 25, 0, CIA{5, 1, 1}, 2500, 2, 5, LevelHigh},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ResidualOf(tt.inherent, tt.control, tt.impact)
			if r.ScoreX100 != tt.wantX100 || r.Likelihood != tt.wantL || r.Impact != tt.wantI || r.Level != tt.wantLevel {
				t.Fatalf("ResidualOf = x100 %d, L%d, I%d, %s; want x100 %d, L%d, I%d, %s",
					r.ScoreX100, r.Likelihood, r.Impact, r.Level, tt.wantX100, tt.wantL, tt.wantI, tt.wantLevel)
			}
			if r.Version != ResidualVersion || len(r.Explanation) != 4 || r.Product != r.Likelihood*r.Impact {
				t.Fatalf("explanation incomplete: %+v", r)
			}
		})
	}
	// More control score never raises the residual.
	for inh := 0; inh <= 100; inh += 7 {
		prev := 1 << 30
		for c := 0; c <= 10000; c += 250 {
			r := ResidualOf(inh, c, CIA{3, 3, 3})
			if r.ScoreX100 > prev {
				t.Fatalf("inherent %d: control %d raised the residual to %d from %d", inh, c, r.ScoreX100, prev)
			}
			prev = r.ScoreX100
		}
	}
}
