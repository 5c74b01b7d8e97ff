package register

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/event"
)

// Filter selects vendors for a list; the repository applies it with keyset pagination.
type Filter struct {
	IDs     []string // when set, only these (a supplier's own vendor)
	Kind    Kind
	Status  Status
	Tag     string
	Country string
	// ExternalRef, when set, selects the vendor with this external reference.
	ExternalRef string
	Query       string // substring of name or legal name
	Sort        string // one of Sorts
	After       *domain.Cursor
	Limit       int
}

// Sorts lists the sort orders a vendor list accepts; created_at orders by ID, which is time-ordered.
var Sorts = []string{"created_at", "-created_at", "name", "-name"}

// Repository stores vendors and their parts. Methods run in the transaction carried by ctx, if any.
type Repository interface {
	Create(ctx context.Context, v Vendor) error
	Get(ctx context.Context, id string) (Vendor, error)
	// GetForUpdate reads the vendor and locks its row until the transaction ends.
	GetForUpdate(ctx context.Context, id string) (Vendor, error)
	List(ctx context.Context, f Filter) ([]Vendor, error)
	// Update writes v if the stored version is still v.Version-1, else returns domain.ErrStaleVersion.
	Update(ctx context.Context, v Vendor) error
	Delete(ctx context.Context, id string) error
	// ByKeys returns the vendors whose corporate number or external reference is among the given ones
	// (an import's batch lookup).
	ByKeys(ctx context.Context, corporateNumbers, externalRefs []string) ([]Vendor, error)
	// ReferencedBy names what refers to the vendor (e.g. "subcontractor links"), empty if nothing.
	ReferencedBy(ctx context.Context, id string) ([]string, error)

	CreateContact(ctx context.Context, c Contact) error
	GetContact(ctx context.Context, vendorID, id string) (Contact, error)
	ListContacts(ctx context.Context, vendorID string) ([]Contact, error)
	UpdateContact(ctx context.Context, c Contact) error
	DeleteContact(ctx context.Context, vendorID, id string) error
	// ClearPrimaryContact unsets primary on every contact of the vendor except keepID.
	ClearPrimaryContact(ctx context.Context, vendorID, keepID string, at time.Time) error

	CreateCertification(ctx context.Context, c Certification) error
	GetCertification(ctx context.Context, vendorID, id string) (Certification, error)
	ListCertifications(ctx context.Context, vendorID string) ([]Certification, error)
	UpdateCertification(ctx context.Context, c Certification) error
	DeleteCertification(ctx context.Context, vendorID, id string) error

	CreateSubcontractor(ctx context.Context, s Subcontractor) error
	ListSubcontractors(ctx context.Context, vendorID string) ([]Subcontractor, error)
	DeleteSubcontractor(ctx context.Context, vendorID, id string) error
	// SubcontractorsOf returns the distinct subcontractor IDs of the given vendors.
	SubcontractorsOf(ctx context.Context, vendorIDs []string) ([]string, error)
	// SubcontractorLinksOf returns the links of the given vendors with the subcontractors' names.
	SubcontractorLinksOf(ctx context.Context, vendorIDs []string) ([]Subcontractor, error)
	// VendorsRelyingOn returns the distinct vendors that list any of the given vendors as subcontractor.
	VendorsRelyingOn(ctx context.Context, vendorIDs []string) ([]string, error)
	// LockSubcontractorGraph serialises changes to the graph until the transaction ends, so two
	// concurrent links cannot close a cycle that neither sees alone.
	LockSubcontractorGraph(ctx context.Context) error
}

// Service holds the vendor register's use cases.
type Service struct {
	repo   Repository
	tx     domain.TxManager
	now    domain.Clock
	events event.Recorder
}

// NewService wires the vendor use cases; events records what each change did.
func NewService(repo Repository, tx domain.TxManager, now domain.Clock, events event.Recorder) *Service {
	return &Service{repo: repo, tx: tx, now: now, events: events}
}

// subject names a vendor in its events.
func subject(v Vendor) event.Subject { return event.Subject{Type: "vendor", ID: v.ID, VendorID: v.ID} }

// part names a contact, certification or subcontractor link of vendorID in its events.
func part(typ, id, vendorID string) event.Subject {
	return event.Subject{Type: typ, ID: id, VendorID: vendorID}
}

// Patch holds the fields of a partial update; nil means unchanged, "" clears a text field.
type Patch struct {
	Kind            *Kind
	Name            *string
	LegalName       *string
	CorporateNumber *string
	ExternalRef     *string
	RegistrationIDs *[]RegistrationID
	Country         *string
	Website         *string
	Description     *string
	InternalOwner   *string
	Tags            *[]string
	Status          *Status
}

// Create registers a vendor; a new vendor starts as proposed unless a status is given.
func (s *Service) Create(ctx context.Context, v Vendor) (Vendor, error) {
	if _, err := auth.Caller(ctx); err != nil {
		return Vendor{}, err
	}
	if err := s.prepare(&v); err != nil {
		return Vendor{}, err
	}
	if err := s.tx.InTx(ctx, func(ctx context.Context) error { return s.insert(ctx, v) }); err != nil {
		return Vendor{}, err
	}
	return v, nil
}

// prepare makes v a new vendor: the default status, normalized, validated, with its ID and version.
func (s *Service) prepare(v *Vendor) error {
	if v.Status == "" {
		v.Status = StatusProposed
	}
	v.normalize()
	if err := v.validate(); err != nil {
		return err
	}
	now := s.now()
	v.ID, v.Version, v.CreatedAt, v.UpdatedAt = domain.NewID(), 1, now, now
	return nil
}

// insert stores a prepared vendor and records vendor.created, in ctx's transaction.
func (s *Service) insert(ctx context.Context, v Vendor) error {
	if err := s.repo.Create(ctx, v); err != nil {
		return duplicateCorporateNumber(translate(err, "create vendor"), v.CorporateNumber)
	}
	return event.Record(ctx, s.events, "vendor.created", subject(v), nil, v)
}

// Get returns one vendor the caller may see.
func (s *Service) Get(ctx context.Context, id string) (Vendor, error) {
	if err := s.visible(ctx, id); err != nil {
		return Vendor{}, err
	}
	v, err := s.repo.Get(ctx, id)
	if err != nil {
		return Vendor{}, notFoundOr(err, "vendor", id)
	}
	return v, nil
}

// visible returns NotFound, never Forbidden, for a vendor outside a supplier's scope, so that the
// answer does not reveal whether it exists.
func (s *Service) visible(ctx context.Context, id string) error {
	p, err := auth.Caller(ctx)
	if err != nil {
		return err
	}
	if !domain.ValidID(id) {
		return domain.NotFound("vendor", id)
	}
	return p.Scope("vendor", id, id)
}

// List returns one page of the vendors the caller may see.
func (s *Service) List(ctx context.Context, f Filter, cursor string) (domain.Page[Vendor], error) {
	p, err := auth.Caller(ctx)
	if err != nil {
		return domain.Page[Vendor]{}, err
	}
	v := f.normalize()
	return domain.ListPage(ctx, "vendors", f.Limit, cursor, f.Sort,
		func(ctx context.Context, after *domain.Cursor, limit int) ([]Vendor, error) {
			if err := f.scope(p); err != nil {
				return nil, err
			}
			f.After, f.Limit = after, limit
			return s.repo.List(ctx, f)
		}, func(last Vendor) domain.Cursor {
			c := domain.Cursor{Sort: f.Sort, ID: last.ID}
			if strings.TrimPrefix(f.Sort, "-") == "name" {
				c.Value = last.Name
			}
			return c
		}, v.Err)
}

// normalize trims f and fills in its defaults. What it finds wrong is reported after the limit and
// before the cursor, which is decoded against the sort.
func (f *Filter) normalize() (v domain.Validator) {
	if f.Sort == "" {
		f.Sort = "created_at"
	}
	v.Check(slices.Contains(Sorts, f.Sort), "sort", "must be one of created_at, -created_at, name, -name")
	v.Check(f.Kind == "" || slices.Contains(Kinds, f.Kind), "kind", "must be one of contractor, cloud_provider, other")
	v.Check(f.Status == "" || slices.Contains(Statuses, f.Status), "status", "is not a vendor status")
	f.Country = strings.ToUpper(strings.TrimSpace(f.Country))
	f.Tag = strings.ToLower(strings.TrimSpace(f.Tag))
	f.Query = strings.TrimSpace(f.Query)
	v.Check(len(f.Query) <= 200, "q", "must be at most 200 characters")
	f.ExternalRef = strings.TrimSpace(f.ExternalRef)
	v.Check(domain.ValidExternalRef(f.ExternalRef), "external_ref", "must be at most 100 printable characters")
	return v
}

// scope narrows f to what p may see, once the cursor is checked.
func (f *Filter) scope(p auth.Principal) error {
	// Tags are internal: filtering on them would let a credential that may not see them probe them.
	if f.Tag != "" && !p.SeesInternalFields() {
		return domain.Invalid("tag", "filters on internal tags, which this credential does not see")
	}
	if f.ExternalRef != "" && !p.SeesInternalFields() {
		return domain.Invalid("external_ref", "filters on an internal field, which this credential does not see")
	}
	if p.IsSupplier() {
		f.IDs = []string{p.VendorID}
	}
	return nil
}

// Update applies a patch. ifMatch, when set, is the version the client read; a stale one fails with
// PreconditionFailed. Status changes follow the lifecycle (an illegal one is a Conflict).
func (s *Service) Update(ctx context.Context, id string, patch Patch, ifMatch *int) (Vendor, error) {
	if err := s.visible(ctx, id); err != nil {
		return Vendor{}, err
	}
	change := domain.Change[Vendor]{Resource: "vendor", Lock: s.repo.GetForUpdate, Store: s.repo.Update,
		Version: func(v *Vendor) *int { return &v.Version }, Touch: func(v *Vendor) { v.UpdatedAt = s.now() },
		Clone: func(v Vendor) Vendor {
			v.RegistrationIDs, v.Tags = slices.Clone(v.RegistrationIDs), slices.Clone(v.Tags)
			return v
		},
		Record: func(ctx context.Context, before, after Vendor) error {
			return event.Record(ctx, s.events, "vendor.updated", subject(after), before, after)
		}}
	number := "" // the corporate number stored, to name the field when it collides
	v, err := change.Apply(ctx, s.tx, id, ifMatch, func(_ context.Context, v *Vendor) error {
		err := patch.applyTo(v)
		number = v.CorporateNumber
		return err
	})
	return v, duplicateCorporateNumber(translate(err, "update vendor"), number)
}

// applyTo changes v by the patch under the rules of an update: the lifecycle, then every field rule.
func (p Patch) applyTo(v *Vendor) error {
	if p.Status != nil && !slices.Contains(Statuses, *p.Status) {
		return domain.Invalid("status", "is not a vendor status")
	}
	if p.Status != nil && !CanTransition(v.Status, *p.Status) {
		return &domain.Error{Kind: domain.KindConflict, Message: fmt.Sprintf(
			"vendor status cannot change from %s to %s (allowed: %s)", v.Status, *p.Status, allowedNext(v.Status)),
			Fields: []domain.FieldError{{Field: "status", Message: fmt.Sprintf("cannot change from %s to %s (allowed: %s)",
				v.Status, *p.Status, allowedNext(v.Status))}}}
	}
	p.apply(v)
	v.normalize()
	return v.validate()
}

func allowedNext(st Status) string { return domain.NextStates(transitions[st]) }

func (p Patch) apply(v *Vendor) {
	domain.Set(&v.Kind, p.Kind)
	domain.Set(&v.Name, p.Name)
	domain.Set(&v.LegalName, p.LegalName)
	domain.Set(&v.CorporateNumber, p.CorporateNumber)
	domain.Set(&v.ExternalRef, p.ExternalRef)
	domain.Set(&v.RegistrationIDs, p.RegistrationIDs)
	domain.Set(&v.Country, p.Country)
	domain.Set(&v.Website, p.Website)
	domain.Set(&v.Description, p.Description)
	domain.Set(&v.InternalOwner, p.InternalOwner)
	domain.Set(&v.Tags, p.Tags)
	domain.Set(&v.Status, p.Status)
}

// Delete removes a vendor entered by mistake, with its contacts, certifications and its own
// subcontractor links. A vendor that anything else refers to cannot be deleted (Conflict): end the
// relationship through the lifecycle (offboarding, terminated) instead, which keeps the history.
func (s *Service) Delete(ctx context.Context, id string, ifMatch *int) error {
	if err := s.visible(ctx, id); err != nil {
		return err
	}
	return s.tx.InTx(ctx, func(ctx context.Context) error {
		// Deleting a vendor removes its links: lock the graph first, as every graph writer does.
		if err := s.repo.LockSubcontractorGraph(ctx); err != nil {
			return fmt.Errorf("lock subcontractor graph: %w", err)
		}
		v, err := s.repo.GetForUpdate(ctx, id)
		if err != nil {
			return notFoundOr(err, "vendor", id)
		}
		if err := checkVersion(v.Version, ifMatch); err != nil {
			return err
		}
		refs, err := s.repo.ReferencedBy(ctx, id)
		if err != nil {
			return fmt.Errorf("check references to vendor %s: %w", id, err)
		}
		if len(refs) > 0 {
			return domain.Errorf(domain.KindConflict, "vendor is referenced by %s; move it to offboarding or terminated instead",
				strings.Join(refs, ", "))
		}
		if err := s.repo.Delete(ctx, id); err != nil {
			return translate(err, "delete vendor")
		}
		return event.Record(ctx, s.events, "vendor.deleted", subject(v), v, nil)
	})
}

func checkVersion(current int, ifMatch *int) error {
	if ifMatch != nil && *ifMatch != current {
		return domain.Errorf(domain.KindPreconditionFailed,
			"the resource has changed: If-Match names version %d, the current version is %d", *ifMatch, current)
	}
	return nil
}

// translate maps repository sentinels to client-facing errors, keeping the cause for the log.
func translate(err error, op string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, domain.ErrDuplicate):
		return &domain.Error{Kind: domain.KindConflict, Message: "a record with the same unique value already exists", Err: err}
	case errors.Is(err, domain.ErrStaleVersion):
		return &domain.Error{Kind: domain.KindPreconditionFailed, Message: "the resource was changed by another request; read it again", Err: err}
	case errors.Is(err, domain.ErrNotFound):
		return &domain.Error{Kind: domain.KindNotFound, Message: "not found", Err: err}
	case errors.Is(err, domain.ErrReferenced):
		return &domain.Error{Kind: domain.KindConflict, Message: "the record is referenced by other records", Err: err}
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	return fmt.Errorf("%s: %w", op, err)
}

func notFoundOr(err error, resource, id string) error {
	if errors.Is(err, domain.ErrNotFound) {
		return domain.NotFound(resource, id)
	}
	return fmt.Errorf("load %s %s: %w", resource, id, err)
}

// duplicateCorporateNumber names the field when a conflict comes from the unique corporate number.
func duplicateCorporateNumber(err error, number string) error {
	var de *domain.Error
	if number == "" || !errors.As(err, &de) || de.Kind != domain.KindConflict || len(de.Fields) > 0 {
		return err // not a collision, or one the repository named already (external_ref)
	}
	return &domain.Error{Kind: domain.KindConflict, Message: "another vendor has this corporate number",
		Fields: []domain.FieldError{{Field: "corporate_number", Message: "is already registered"}}, Err: de.Err}
}
