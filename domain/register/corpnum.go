package register

// ValidCorporateNumber checks a Japanese corporate number (法人番号): 13 digits whose first digit is a
// check digit over the other twelve, as defined by the National Tax Agency:
// check = 9 - (Σ P(n) × Q(n) mod 9), n = 1..12 counted from the right, Q(n) = 1 for odd n, 2 for even n.
func ValidCorporateNumber(s string) bool {
	if len(s) != 13 {
		return false
	}
	sum := 0
	for i := 0; i < 13; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		if i == 0 {
			continue
		}
		n := 13 - i // position counted from the right, 1..12
		q := 1
		if n%2 == 0 {
			q = 2
		}
		sum += int(s[i]-'0') * q
	}
	return int(s[0]-'0') == 9-sum%9
}
