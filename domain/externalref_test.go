package domain

import (
	"strings"
	"testing"
)

func TestValidExternalRef(t *testing.T) {
	for in, want := range map[string]bool{"": true, "SAP-000123": true, "仕入先 42": true, strings.Repeat("x", 100): true,
		strings.Repeat("x", 101): false, "a\tb": false, "a\u202eb": false, "a\x00": false} {
		if got := ValidExternalRef(in); got != want {
			t.Errorf("ValidExternalRef(%q) = %v, want %v", in, got, want)
		}
	}
}
