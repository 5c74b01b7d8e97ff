package auth_test

import (
	"context"
	"testing"

	"github.com/vendorrisk/vendorrisk/domain/auth"
)

// TestPermissionTable spells out the whole matrix, so that granting or removing a permission is a
// deliberate change to this table too.
func TestPermissionTable(t *testing.T) {
	perms := []auth.Permission{auth.PermAPIKeysManage, auth.PermVendorsRead, auth.PermVendorsWrite, auth.PermVendorsDelete}
	tests := []struct {
		role auth.Role
		want map[auth.Permission]bool
	}{
		{auth.RoleAdmin, map[auth.Permission]bool{
			auth.PermAPIKeysManage: true, auth.PermVendorsRead: true, auth.PermVendorsWrite: true, auth.PermVendorsDelete: true}},
		{auth.RoleProcurement, map[auth.Permission]bool{
			auth.PermVendorsRead: true, auth.PermVendorsWrite: true, auth.PermVendorsDelete: true}},
		{auth.RoleRiskOwner, map[auth.Permission]bool{auth.PermVendorsRead: true}},
		{auth.RoleAuditor, map[auth.Permission]bool{auth.PermVendorsRead: true}},
		{auth.RoleSupplier, map[auth.Permission]bool{auth.PermVendorsRead: true}},
		{auth.Role("root"), map[auth.Permission]bool{}},
		{auth.Role(""), map[auth.Permission]bool{}},
	}
	for _, tt := range tests {
		for _, p := range perms {
			if got := auth.Allowed(tt.role, p); got != tt.want[p] {
				t.Errorf("Allowed(%q, %q) = %v, want %v", tt.role, p, got, tt.want[p])
			}
			if got := (auth.Principal{Role: tt.role}).Can(p); got != tt.want[p] {
				t.Errorf("Principal{Role: %q}.Can(%q) = %v, want %v", tt.role, p, got, tt.want[p])
			}
		}
		if got := auth.Allowed(tt.role, auth.Permission("vendors:everything")); got {
			t.Errorf("Allowed(%q, unknown permission) = true", tt.role)
		}
	}
}

func TestParseRole(t *testing.T) {
	tests := []struct {
		in   string
		ok   bool
		want auth.Role
	}{
		{"admin", true, auth.RoleAdmin},
		{"procurement", true, auth.RoleProcurement},
		{"risk_owner", true, auth.RoleRiskOwner},
		{"auditor", true, auth.RoleAuditor},
		{"supplier", true, auth.RoleSupplier},
		{"Admin", false, ""},
		{" admin", false, ""},
		{"risk-owner", false, ""},
		{"", false, ""},
	}
	for _, tt := range tests {
		got, ok := auth.ParseRole(tt.in)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("ParseRole(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	if len(auth.Roles) != 5 {
		t.Errorf("Roles = %v, want the 5 known roles", auth.Roles)
	}
}

func TestPrincipalScope(t *testing.T) {
	const own, other = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c"
	tests := []struct {
		name         string
		p            auth.Principal
		supplier     bool
		seesOwn      bool
		seesOther    bool
		seesInternal bool
	}{
		{"admin", auth.Principal{Role: auth.RoleAdmin}, false, true, true, true},
		{"procurement", auth.Principal{Role: auth.RoleProcurement}, false, true, true, true},
		{"risk owner", auth.Principal{Role: auth.RoleRiskOwner}, false, true, true, true},
		{"auditor", auth.Principal{Role: auth.RoleAuditor}, false, true, true, true},
		{"supplier", auth.Principal{Role: auth.RoleSupplier, VendorID: own}, true, true, false, false},
		{"supplier without vendor sees nothing", auth.Principal{Role: auth.RoleSupplier}, true, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.IsSupplier(); got != tt.supplier {
				t.Errorf("IsSupplier() = %v, want %v", got, tt.supplier)
			}
			if got := tt.p.SeesVendor(own); got != tt.seesOwn {
				t.Errorf("SeesVendor(own) = %v, want %v", got, tt.seesOwn)
			}
			if got := tt.p.SeesVendor(other); got != tt.seesOther {
				t.Errorf("SeesVendor(other) = %v, want %v", got, tt.seesOther)
			}
			if got := tt.p.SeesInternalFields(); got != tt.seesInternal {
				t.Errorf("SeesInternalFields() = %v, want %v", got, tt.seesInternal)
			}
		})
	}
}

func TestPrincipalContext(t *testing.T) {
	if p, ok := auth.FromContext(t.Context()); ok {
		t.Fatalf("FromContext(empty) = %+v, true; want false", p)
	}
	want := auth.Principal{KeyID: "k", Name: "ci", Role: auth.RoleSupplier, VendorID: "v"}
	ctx := auth.WithPrincipal(t.Context(), want)
	got, ok := auth.FromContext(ctx)
	if !ok || got != want {
		t.Fatalf("FromContext = %+v, %v; want %+v, true", got, ok, want)
	}
	type otherKey struct{}
	if _, ok := auth.FromContext(context.WithValue(t.Context(), otherKey{}, want)); ok {
		t.Fatal("a principal stored under another key must not be found")
	}
}
