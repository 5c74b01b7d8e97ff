package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/test/sqlcount"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

// TestHotReadStatements counts the statements each hot read sends to the database, with the
// credential already verified (the authentication cache holds it) and cold (a new key: its lookup
// and the throttled last-used write come on top).
func TestHotReadStatements(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			db, counter := sqlcount.Open(t, dialect)
			e := newEnv(t, db, api.Config{RateLimit: 0})
			f := newFindingEnv(t, e)
			asm := f.round(t, "no", "partial", "yes")
			reads := []struct {
				name, path string
				want       int
			}{
				{"GET vendor", "/api/v1/vendors/" + f.vendorID, 1},
				{"list vendors", "/api/v1/vendors?limit=50", 1},
				{"GET engagement", "/api/v1/engagements/" + f.eng, 5},
				{"GET engagement risk", "/api/v1/engagements/" + f.eng + "/risk", 5},
				{"GET assessment", "/api/v1/assessments/" + asm, 2},
				{"list findings", "/api/v1/findings?limit=50", 1},
			}
			for _, r := range reads {
				must(t, e.do(t, "GET", r.path, e.admin, nil), http.StatusOK) // the key is verified and cached
				counter.Reset()
				must(t, e.do(t, "GET", r.path, e.admin, nil), http.StatusOK)
				if got := counter.Statements(); len(got) != r.want {
					t.Errorf("%s: %d statements, want %d:\n  %s", r.name, len(got), r.want, strings.Join(got, "\n  "))
				}
				// Statements are prepared once per connection at most, never on every request.
				for range 9 {
					must(t, e.do(t, "GET", r.path, e.admin, nil), http.StatusOK)
				}
				if p := counter.Prepares(); len(p) >= 10 {
					t.Errorf("%s: %d statements prepared in 10 requests:\n  %s", r.name, len(p), strings.Join(p, "\n  "))
				}
			}
			// A key not seen before: its lookup and the first last-used write come on top, once.
			fresh := e.key(t, "admin", "")
			counter.Reset()
			must(t, e.do(t, "GET", reads[0].path, fresh, nil), http.StatusOK)
			if got := counter.Statements(); len(got) != reads[0].want+2 {
				t.Errorf("GET vendor with a new key: %d statements, want %d:\n  %s", len(got), reads[0].want+2, strings.Join(got, "\n  "))
			}
			counter.Reset()
			must(t, e.do(t, "GET", reads[0].path, fresh, nil), http.StatusOK)
			if got := counter.Count(); got != reads[0].want {
				t.Errorf("GET vendor with the key cached: %d statements, want %d", got, reads[0].want)
			}
		})
	}
}
