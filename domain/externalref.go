package domain

import (
	"unicode"
	"unicode/utf8"
)

// ValidExternalRef reports whether s may be an external reference (the record's id in the customer's
// ERP): at most 100 characters, none of them control or invisible ones, since imports match it exactly.
func ValidExternalRef(s string) bool {
	if utf8.RuneCountInString(s) > 100 {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) && r != ' ' {
			return false
		}
	}
	return true
}
