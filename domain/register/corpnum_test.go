package register_test

import (
	"testing"

	"github.com/vendorrisk/vendorrisk/domain/register"
)

// Corporate numbers published by the National Tax Agency (国税庁法人番号公表サイト).
var validCorporateNumbers = []string{"7000012050002", "1180301018771", "4000012090001", "5010401067252"}

func TestValidCorporateNumber(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"empty", "", false},
		{"12 digits (check digit dropped)", "000012050002", false},
		{"12 digits (last digit dropped)", "700001205000", false},
		{"14 digits", "70000120500020", false},
		{"14 digits with leading zero", "07000012050002", false},
		{"letter in the body", "70000120500A2", false},
		{"letter as check digit", "X000012050002", false},
		{"hyphenated", "7-0000-1205-0002", false},
		{"surrounding space", " 7000012050002", false},
		{"full-width digits", "７００００１２０５０００２", false},
		{"adjacent digits swapped", "7000012500002", false},
		{"body digit changed", "7000012050003", false},
		{"all zeros (check digit 0 never occurs)", "0000000000000", false},
		{"sum divisible by 9 gives check digit 9", "9000000000000", true},
	}
	for _, n := range validCorporateNumbers {
		tests = append(tests, struct {
			name string
			in   string
			want bool
		}{"published " + n, n, true})
		// Every other first digit is a wrong check digit.
		for d := byte('0'); d <= '9'; d++ {
			if d == n[0] {
				continue
			}
			wrong := string(d) + n[1:]
			tests = append(tests, struct {
				name string
				in   string
				want bool
			}{"wrong check digit " + wrong, wrong, false})
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := register.ValidCorporateNumber(tt.in); got != tt.want {
				t.Errorf("ValidCorporateNumber(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}
