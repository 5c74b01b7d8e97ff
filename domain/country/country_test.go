package country

import "testing"

func TestValid(t *testing.T) {
	tests := []struct {
		code string
		want bool
	}{
		{"JP", true}, {"US", true}, {"DE", true}, {"ZW", true},
		{"jp", false}, {"XX", false}, {"UK", false}, {"", false}, {"JPN", false},
	}
	for _, tt := range tests {
		if got := Valid(tt.code); got != tt.want {
			t.Errorf("Valid(%q) = %v, want %v", tt.code, got, tt.want)
		}
	}
	if n := len(assigned); n != 249 {
		t.Fatalf("assigned codes = %d, want 249", n)
	}
}
