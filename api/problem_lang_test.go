package api

import (
	"testing"

	"github.com/vendorrisk/vendorrisk/api/i18n"
)

// TestProblemTitlesInCatalog: every problem title of a domain error kind is in the message catalog, so
// no problem answers with an English title to a Japanese request.
func TestProblemTitlesInCatalog(t *testing.T) {
	for kind, k := range kinds {
		m, ok := i18n.Keys()[k.title]
		if !ok || m.JA == "" {
			t.Errorf("the title %q of %s problems is not in the catalog", k.title, kind)
		}
	}
}
