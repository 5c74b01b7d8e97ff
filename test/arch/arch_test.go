// Package arch checks that dependencies point inward: the domain knows nothing of HTTP or storage.
package arch

import (
	"os/exec"
	"strings"
	"testing"
)

func TestDomainImportsNoTransportOrStorage(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/vendorrisk/vendorrisk/domain/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	// database/sql/driver is allowed: google/uuid implements its Scanner/Valuer.
	forbiddenPrefixes := []string{"github.com/gin-gonic/", "gorm.io/", "net/http", "github.com/vendorrisk/vendorrisk/api",
		"github.com/vendorrisk/vendorrisk/repository", "github.com/go-sql-driver/", "github.com/glebarez/"}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "database/sql" {
			t.Errorf("domain depends on %s", dep)
		}
		for _, f := range forbiddenPrefixes {
			if strings.HasPrefix(dep, f) {
				t.Errorf("domain depends on %s", dep)
			}
		}
	}
}

func TestAPIAndRepositoryDoNotImportEachOther(t *testing.T) {
	for pkg, banned := range map[string]string{
		"github.com/vendorrisk/vendorrisk/api":        "github.com/vendorrisk/vendorrisk/repository",
		"github.com/vendorrisk/vendorrisk/repository": "github.com/vendorrisk/vendorrisk/api",
	} {
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			if dep == banned {
				t.Errorf("%s imports %s", pkg, banned)
			}
		}
	}
}
