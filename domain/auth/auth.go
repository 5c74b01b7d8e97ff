// Package auth holds roles, permissions and the authenticated principal. The permission table here is
// the one place that decides what each role may do.
package auth

import (
	"context"
	"slices"

	"github.com/vendorrisk/vendorrisk/domain"
)

// Role is the single role a credential carries.
type Role string

const (
	RoleAdmin       Role = "admin"
	RoleProcurement Role = "procurement"
	RoleRiskOwner   Role = "risk_owner"
	RoleAuditor     Role = "auditor"
	RoleSupplier    Role = "supplier"
)

// Roles lists every role in a stable order.
var Roles = []Role{RoleAdmin, RoleProcurement, RoleRiskOwner, RoleAuditor, RoleSupplier}

// ParseRole accepts only the known roles.
func ParseRole(s string) (Role, bool) {
	r := Role(s)
	return r, slices.Contains(Roles, r)
}

// Permission names one action on one kind of resource.
type Permission string

const (
	PermAPIKeysManage Permission = "api_keys:manage"
	PermVendorsRead   Permission = "vendors:read"
	PermVendorsWrite  Permission = "vendors:write"
	PermVendorsDelete Permission = "vendors:delete"

	PermEngagementsRead  Permission = "engagements:read"
	PermEngagementsWrite Permission = "engagements:write"
	PermTierOverride     Permission = "engagements:override_tier"
	PermContractsRead    Permission = "contracts:read"
	PermContractsWrite   Permission = "contracts:write"
	PermPolicyRead       Permission = "risk_policy:read"
	PermPolicyWrite      Permission = "risk_policy:write"
	PermCatalogRead      Permission = "catalog:read"
	PermCatalogWrite     Permission = "catalog:write"
	PermTemplatesRead    Permission = "templates:read"
	PermTemplatesWrite   Permission = "templates:write"
	PermAssessmentsRead  Permission = "assessments:read"
	PermAssessmentsWrite Permission = "assessments:write"
	PermSupplierAnswer   Permission = "supplier:answer"
	PermEvidenceRead     Permission = "evidence:read"
	PermFindingsRead     Permission = "findings:read"
	PermFindingsWrite    Permission = "findings:write"
	PermAuditRead        Permission = "audit:read"
	PermDecisionsRead    Permission = "decisions:read"
	PermDecisionsRequest Permission = "decisions:request"
	PermDecisionsDecide  Permission = "decisions:decide"
	PermRiskAcceptRead   Permission = "risk_acceptances:read"
	PermRiskAcceptAsk    Permission = "risk_acceptances:request"
	PermRiskAcceptDecide Permission = "risk_acceptances:decide"
	PermPortfolioRead    Permission = "portfolio:read"
	// PermWebhooksManage subscribes webhook endpoints and reads their deliveries.
	PermWebhooksManage Permission = "webhooks:manage"
	// PermEventTypesRead reads the catalog of published events.
	PermEventTypesRead Permission = "event_types:read"
)

// internalReads are the read permissions of every internal role (everything but suppliers).
var internalReads = []Permission{PermVendorsRead, PermEngagementsRead, PermContractsRead, PermPolicyRead, PermCatalogRead,
	PermTemplatesRead, PermAssessmentsRead, PermEvidenceRead, PermFindingsRead, PermPortfolioRead, PermDecisionsRead, PermRiskAcceptRead,
	PermEventTypesRead}

// table is the permission matrix. Supplier permissions are additionally scoped to the supplier's own
// vendor by the services (see Principal.SeesVendor).
var table = map[Role][]Permission{
	RoleAdmin: append([]Permission{PermAuditRead, PermAPIKeysManage, PermVendorsWrite, PermVendorsDelete, PermEngagementsWrite,
		PermContractsWrite, PermPolicyWrite, PermCatalogWrite, PermTemplatesWrite, PermAssessmentsWrite, PermFindingsWrite,
		PermDecisionsRequest, PermRiskAcceptAsk, PermWebhooksManage}, internalReads...),
	RoleProcurement: append([]Permission{PermVendorsWrite, PermVendorsDelete, PermEngagementsWrite, PermContractsWrite,
		PermCatalogWrite, PermTemplatesWrite, PermAssessmentsWrite, PermFindingsWrite, PermDecisionsRequest, PermRiskAcceptAsk},
		internalReads...),
	// Only risk owners override tiers, decide outsourcing and accept risks: these are risk decisions,
	// not administrative ones.
	RoleRiskOwner: append([]Permission{PermTierOverride, PermAuditRead, PermDecisionsDecide, PermRiskAcceptAsk,
		PermRiskAcceptDecide}, internalReads...),
	RoleAuditor: append([]Permission{PermAuditRead}, internalReads...),
	// Suppliers answer their own vendor's assessments; the services scope every read to that vendor.
	RoleSupplier: {PermVendorsRead, PermSupplierAnswer, PermEvidenceRead},
}

// hiddenFromSuppliers are resources a supplier must not learn exist: a refused supplier gets 404 for
// them, not 403.
var hiddenFromSuppliers = []Permission{PermEngagementsRead, PermEngagementsWrite, PermTierOverride,
	PermContractsRead, PermContractsWrite, PermPolicyRead, PermPolicyWrite, PermCatalogRead, PermCatalogWrite,
	PermTemplatesRead, PermTemplatesWrite, PermAssessmentsRead, PermAssessmentsWrite, PermFindingsRead, PermFindingsWrite, PermAuditRead,
	PermDecisionsRead, PermDecisionsRequest, PermDecisionsDecide, PermRiskAcceptRead, PermRiskAcceptAsk, PermRiskAcceptDecide,
	PermPortfolioRead, PermWebhooksManage, PermEventTypesRead}

// HiddenFrom reports whether a refusal of perm to role must look like "not found".
func HiddenFrom(role Role, perm Permission) bool {
	return role == RoleSupplier && slices.Contains(hiddenFromSuppliers, perm)
}

// Allowed reports whether role holds perm.
func Allowed(role Role, perm Permission) bool {
	return slices.Contains(table[role], perm)
}

// Principal is the authenticated caller.
type Principal struct {
	KeyID    string
	Name     string
	Role     Role
	VendorID string // set only for suppliers
}

// IsSupplier reports whether the principal is scoped to one vendor.
func (p Principal) IsSupplier() bool { return p.Role == RoleSupplier }

// SeesVendor reports whether the principal may see data of vendorID at all. Internal roles see every
// vendor; a supplier sees only its own.
func (p Principal) SeesVendor(vendorID string) bool {
	return !p.IsSupplier() || p.VendorID == vendorID
}

// Scope is nil when the principal may see resource id of vendorID, else NotFound: outside its scope a
// supplier learns nothing, not even that the record exists (never Forbidden). Every service checks a
// record's vendor through it (or Load).
func (p Principal) Scope(resource, id, vendorID string) error {
	if !p.SeesVendor(vendorID) {
		return domain.NotFound(resource, id)
	}
	return nil
}

// Load reads a record by an id that came from the caller, and returns it only when the caller may see
// its vendor: a malformed id, a missing record and another vendor's record are all NotFound.
func Load[T any](ctx context.Context, resource, id string, get domain.Getter[T], vendorOf func(T) string) (T, Principal, error) {
	var zero T
	p, err := Caller(ctx)
	if err != nil {
		return zero, p, err
	}
	v, err := domain.Load(ctx, resource, id, get, get, false)
	if err != nil {
		return zero, p, err
	}
	if err := p.Scope(resource, id, vendorOf(v)); err != nil {
		return zero, p, err
	}
	return v, p, nil
}

// SeesInternalFields reports whether internal-only fields (owners, notes, tiers, scores) may be shown.
func (p Principal) SeesInternalFields() bool { return !p.IsSupplier() }

// Can reports whether the principal's role holds perm.
func (p Principal) Can(perm Permission) bool { return Allowed(p.Role, perm) }

type ctxKey struct{}

// WithPrincipal returns a context carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// FromContext returns the principal in ctx, if any.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(ctxKey{}).(Principal)
	return p, ok
}

// Caller is the authenticated principal in ctx; a context without one is unauthenticated, a mistake
// of the transport that the services refuse rather than treat as anybody.
func Caller(ctx context.Context) (Principal, error) {
	p, ok := FromContext(ctx)
	if !ok {
		return p, domain.Errorf(domain.KindUnauthenticated, "no credentials")
	}
	return p, nil
}
