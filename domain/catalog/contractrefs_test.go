package catalog_test

import (
	"slices"
	"testing"

	"github.com/vendorrisk/vendorrisk/domain/catalog"
	"github.com/vendorrisk/vendorrisk/domain/contract"
)

// Every clause type is a control of the contract-clauses framework, and every Annex A reference a
// clause type claims resolves in the built-in catalogs.
func TestContractClauseRefsResolve(t *testing.T) {
	c, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, ct := range contract.ClauseTypes {
		if _, ok := c.Control("contract-clauses", string(ct)); !ok {
			t.Errorf("clause type %s is not in the contract-clauses framework", ct)
		}
		refs := contract.ControlRefs[ct]
		if len(refs) == 0 {
			t.Errorf("clause type %s has no control references", ct)
		}
		for _, ref := range refs {
			if _, ok := c.Resolve(ref); !ok {
				t.Errorf("clause type %s: control ref %s does not resolve", ct, ref)
			}
		}
		var crosswalk []string
		for _, m := range c.MappingsOf("contract-clauses", string(ct)) {
			if m.Via == "" && m.ToFramework != "contract-clauses" {
				crosswalk = append(crosswalk, catalog.QualifiedRef(m.ToFramework, m.ToRef))
			}
		}
		slices.Sort(crosswalk)
		got := slices.Sorted(slices.Values(refs))
		if !slices.Equal(got, crosswalk) {
			t.Errorf("clause type %s: contract.ControlRefs %v differ from the catalog crosswalk %v", ct, got, crosswalk)
		}
	}
}
