package questionnaire

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/event"
)

// Filter selects templates for a list.
type Filter struct {
	Status     Status
	VendorKind string
	FamilyID   string
	AfterID    string
	Limit      int
}

// Repository stores templates.
type Repository interface {
	Create(ctx context.Context, t Template) error
	Get(ctx context.Context, id string) (Template, error)
	GetForUpdate(ctx context.Context, id string) (Template, error)
	List(ctx context.Context, f Filter) ([]Template, error)
	// Update writes t when the stored row version is t.Version-1, else domain.ErrStaleVersion.
	Update(ctx context.Context, t Template) error
	// Family returns every version of a family, by number.
	Family(ctx context.Context, familyID string) ([]Template, error)
	// ByKey returns every version of a built-in template, by number.
	ByKey(ctx context.Context, key string) ([]Template, error)
	// Lock serialises version creation until the transaction ends.
	Lock(ctx context.Context) error
}

// Service holds the template use cases.
type Service struct {
	repo    Repository
	resolve Resolver
	tx      domain.TxManager
	now     domain.Clock
	events  event.Recorder
}

// NewService wires the template use cases; resolve checks control references against the catalogs;
// events records what each write changed, in its transaction.
func NewService(repo Repository, resolve Resolver, tx domain.TxManager, now domain.Clock, events event.Recorder) *Service {
	return &Service{repo: repo, resolve: resolve, tx: tx, now: now, events: events}
}

func internalOnly(ctx context.Context, id string) error {
	p, err := auth.Caller(ctx)
	if err != nil {
		return err
	}
	if p.IsSupplier() {
		return domain.NotFound("questionnaire template", id)
	}
	return nil
}

// Create stores a new draft (a new family, version 1). Drafts may be incomplete; publishing checks all.
func (s *Service) Create(ctx context.Context, t Template) (Template, error) {
	if err := internalOnly(ctx, ""); err != nil {
		return Template{}, err
	}
	return s.create(ctx, t, "questionnaire_template.created")
}

func (s *Service) create(ctx context.Context, t Template, typ string) (Template, error) {
	t.withDefaults()
	if err := t.validate(ctx, s.resolve, false); err != nil {
		return Template{}, err
	}
	now := s.now()
	t.ID, t.FamilyID, t.Number, t.Status, t.BuiltIn, t.Version = domain.NewID(), "", 1, StatusDraft, false, 1
	t.FamilyID, t.CreatedAt, t.UpdatedAt, t.PublishedAt = t.ID, now, now, nil
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.repo.Create(ctx, t); err != nil {
			return fmt.Errorf("create template: %w", err)
		}
		return event.Record(ctx, s.events, typ, subject(t), nil, summaryOf(t))
	})
	if err != nil {
		return Template{}, err
	}
	return t, nil
}

// Get returns one template.
func (s *Service) Get(ctx context.Context, id string) (Template, error) {
	if err := internalOnly(ctx, id); err != nil {
		return Template{}, err
	}
	return s.load(ctx, id, false)
}

func (s *Service) load(ctx context.Context, id string, forUpdate bool) (Template, error) {
	return domain.Load(ctx, "questionnaire template", id, s.repo.Get, s.repo.GetForUpdate, forUpdate)
}

// List returns one page of templates, oldest first.
func (s *Service) List(ctx context.Context, f Filter, cursor string) (domain.Page[Template], error) {
	if err := internalOnly(ctx, ""); err != nil {
		return domain.Page[Template]{}, err
	}
	var v domain.Validator
	v.Check(f.Status == "" || slices.Contains([]Status{StatusDraft, StatusPublished, StatusArchived}, f.Status), "status", "must be draft, published or archived")
	v.Check(f.VendorKind == "" || slices.Contains(VendorKinds, f.VendorKind), "vendor_kind", "must be contractor, cloud_provider or other")
	v.Check(f.FamilyID == "" || domain.ValidID(f.FamilyID), "family_id", "must be a template family id")
	if err := v.Err(); err != nil {
		return domain.Page[Template]{}, err
	}
	return domain.ListPage(ctx, "templates", f.Limit, cursor, "created_at",
		func(ctx context.Context, after *domain.Cursor, limit int) ([]Template, error) {
			f.AfterID, f.Limit = domain.CursorID(after), limit
			return s.repo.List(ctx, f)
		}, func(t Template) domain.Cursor { return domain.Cursor{Sort: "created_at", ID: t.ID} })
}

// Content is what a draft's edit replaces.
type Content struct {
	Name        Text
	Description Text
	VendorKinds []string
	Sections    []Section
}

// Update replaces a draft's content. A published or archived template is immutable (Conflict).
func (s *Service) Update(ctx context.Context, id string, c Content, ifMatch *int) (Template, error) {
	if err := internalOnly(ctx, id); err != nil {
		return Template{}, err
	}
	return s.change(ctx, id, ifMatch, "questionnaire_template.updated", func(t *Template) error {
		if t.Status != StatusDraft {
			return domain.Errorf(domain.KindConflict, "template %s is %s and cannot change; create a new version with POST /questionnaire-templates/%s/new-version", t.ID, t.Status, t.ID)
		}
		t.Name, t.Description, t.VendorKinds, t.Sections = c.Name, c.Description, c.VendorKinds, c.Sections
		t.withDefaults()
		return t.validate(ctx, s.resolve, false)
	})
}

// Publish validates the whole template strictly and makes it immutable.
func (s *Service) Publish(ctx context.Context, id string, ifMatch *int) (Template, error) {
	if err := internalOnly(ctx, id); err != nil {
		return Template{}, err
	}
	return s.change(ctx, id, ifMatch, "questionnaire_template.published", func(t *Template) error {
		if t.Status != StatusDraft {
			return domain.Errorf(domain.KindConflict, "template %s is %s; only a draft can be published", t.ID, t.Status)
		}
		if err := t.validate(ctx, s.resolve, true); err != nil {
			return err
		}
		now := s.now()
		t.Status, t.PublishedAt = StatusPublished, &now
		return nil
	})
}

// Archive retires a published template: it can no longer be issued, but stays readable.
func (s *Service) Archive(ctx context.Context, id string, ifMatch *int) (Template, error) {
	if err := internalOnly(ctx, id); err != nil {
		return Template{}, err
	}
	return s.change(ctx, id, ifMatch, "questionnaire_template.archived", func(t *Template) error {
		if t.Status != StatusPublished {
			return domain.Errorf(domain.KindConflict, "template %s is %s; only a published template can be archived", t.ID, t.Status)
		}
		t.Status = StatusArchived
		return nil
	})
}

// change runs one read-modify-write of a template in a transaction with the row locked, and records it
// as an event of type typ.
func (s *Service) change(ctx context.Context, id string, ifMatch *int, typ string, mutate func(*Template) error) (Template, error) {
	var out Template
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		t, err := s.load(ctx, id, true)
		if err != nil {
			return err
		}
		if ifMatch != nil && *ifMatch != t.Version {
			return domain.Errorf(domain.KindPreconditionFailed,
				"the template has changed: If-Match names version %d, the current version is %d", *ifMatch, t.Version)
		}
		before := summaryOf(t)
		if err := mutate(&t); err != nil {
			return err
		}
		t.Version++
		t.UpdatedAt = s.now()
		if err := s.repo.Update(ctx, t); err != nil {
			if errors.Is(err, domain.ErrStaleVersion) {
				return domain.Errorf(domain.KindPreconditionFailed, "the template was changed by another request; read it again")
			}
			return fmt.Errorf("update template %s: %w", id, err)
		}
		out = t
		return event.Record(ctx, s.events, typ, subject(t), before, summaryOf(t))
	})
	return out, err
}

// NewVersion copies a published (or archived) template into a new draft of the same family. A family
// has at most one draft at a time.
func (s *Service) NewVersion(ctx context.Context, id string) (Template, error) {
	if err := internalOnly(ctx, id); err != nil {
		return Template{}, err
	}
	var out Template
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.repo.Lock(ctx); err != nil {
			return fmt.Errorf("lock templates: %w", err)
		}
		src, err := s.load(ctx, id, false)
		if err != nil {
			return err
		}
		if src.Status == StatusDraft {
			return domain.Errorf(domain.KindConflict, "template %s is a draft; edit it instead of versioning it", id)
		}
		family, err := s.repo.Family(ctx, src.FamilyID)
		if err != nil {
			return fmt.Errorf("load template family: %w", err)
		}
		for _, t := range family {
			if t.Status == StatusDraft {
				return domain.Errorf(domain.KindConflict, "this template already has a draft version: %s", t.ID)
			}
		}
		now := s.now()
		out = src
		out.ID, out.Number, out.Status, out.Version = domain.NewID(), family[len(family)-1].Number+1, StatusDraft, 1
		out.BuiltIn, out.CreatedAt, out.UpdatedAt, out.PublishedAt = false, now, now, nil
		out.Sections = cloneSections(src.Sections)
		if err := s.repo.Create(ctx, out); err != nil {
			return fmt.Errorf("create template version: %w", err)
		}
		e := event.New("questionnaire_template.version_created", subject(out), nil, summaryOf(out))
		e.Data["source_id"] = src.ID
		if err := s.events.Record(ctx, e); err != nil {
			return fmt.Errorf("record %s %s: %w", e.Type, out.ID, err)
		}
		return nil
	})
	return out, err
}

func cloneSections(ss []Section) []Section {
	out := make([]Section, len(ss))
	for i, sec := range ss {
		sec.Questions = slices.Clone(sec.Questions)
		for j := range sec.Questions {
			q := &sec.Questions[j]
			q.Options = slices.Clone(q.Options)
			q.ControlRefs = slices.Clone(q.ControlRefs)
			q.Evidence.WhenAnswer = slices.Clone(q.Evidence.WhenAnswer)
			if q.Condition != nil {
				c := *q.Condition
				c.AnyOf = slices.Clone(c.AnyOf)
				q.Condition = &c
			}
		}
		out[i] = sec
	}
	return out
}

// Export returns the template in the export format.
func (s *Service) Export(ctx context.Context, id string) ([]byte, Template, error) {
	t, err := s.Get(ctx, id)
	if err != nil {
		return nil, Template{}, err
	}
	return Encode(t), t, nil
}

// Import creates a draft from an exported document. Its key is kept (so that export → import → export
// is byte-identical); only built-in templates are looked up by key.
func (s *Service) Import(ctx context.Context, doc []byte) (Template, error) {
	if err := internalOnly(ctx, ""); err != nil {
		return Template{}, err
	}
	t, err := Decode(bytes.NewReader(doc))
	if err != nil {
		return Template{}, err
	}
	return s.create(ctx, t, "questionnaire_template.imported")
}

// summary is a template as its events carry it: what identifies it, its lifecycle and its size, with a
// hash of its content (the export document) to tell whether an edit changed it, never the questions.
type summary struct {
	ID            string
	FamilyID      string
	Number        int
	Key           string
	Name          Text
	VendorKinds   []string
	Status        Status
	BuiltIn       bool
	Sections      int
	Questions     int
	ContentSHA256 string
	Version       int
	PublishedAt   *time.Time
}

func summaryOf(t Template) summary {
	sum := sha256.Sum256(Encode(t))
	return summary{ID: t.ID, FamilyID: t.FamilyID, Number: t.Number, Key: t.Key, Name: t.Name, VendorKinds: t.VendorKinds,
		Status: t.Status, BuiltIn: t.BuiltIn, Sections: len(t.Sections), Questions: len(t.Questions()),
		ContentSHA256: hex.EncodeToString(sum[:]), Version: t.Version, PublishedAt: t.PublishedAt}
}

func subject(t Template) event.Subject {
	return event.Subject{Type: "questionnaire_template", ID: t.ID}
}

// EnsureBuiltIn publishes the built-in templates: a missing one as version 1, a changed one as the
// next version (archiving the previous). Running it again changes nothing.
func (s *Service) EnsureBuiltIn(ctx context.Context, docs [][]byte) (int, error) {
	changed := 0
	for _, doc := range docs {
		t, err := Decode(bytes.NewReader(doc))
		if err != nil {
			return changed, fmt.Errorf("built-in template: %w", err)
		}
		t.withDefaults()
		if err := t.validate(ctx, s.resolve, true); err != nil {
			return changed, fmt.Errorf("built-in template %s: %w", t.Key, err)
		}
		created := false
		err = s.tx.InTx(ctx, func(ctx context.Context) error {
			if err := s.repo.Lock(ctx); err != nil {
				return err
			}
			versions, err := s.repo.ByKey(ctx, t.Key)
			if err != nil {
				return err
			}
			now := s.now()
			t.ID, t.FamilyID, t.Number, t.Status, t.BuiltIn, t.Version = domain.NewID(), "", 1, StatusPublished, true, 1
			t.CreatedAt, t.UpdatedAt, t.PublishedAt = now, now, &now
			t.FamilyID = t.ID
			if n := len(versions); n > 0 {
				last := versions[n-1]
				if bytes.Equal(Encode(last), Encode(t)) {
					return nil
				}
				// Number after every version of the family, including drafts users made from a built-in.
				family, err := s.repo.Family(ctx, last.FamilyID)
				if err != nil {
					return err
				}
				t.FamilyID, t.Number = last.FamilyID, family[len(family)-1].Number+1
				for _, old := range versions {
					if old.Status == StatusPublished {
						before := summaryOf(old)
						old.Status, old.Version, old.UpdatedAt = StatusArchived, old.Version+1, now
						if err := s.repo.Update(ctx, old); err != nil {
							return fmt.Errorf("archive template %s: %w", old.ID, err)
						}
						e := event.New("questionnaire_template.archived", subject(old), before, summaryOf(old)).
							Because(fmt.Sprintf("superseded by built-in version %d", t.Number))
						if err := s.events.Record(ctx, e); err != nil {
							return fmt.Errorf("record %s %s: %w", e.Type, old.ID, err)
						}
					}
				}
			}
			created = true
			if err := s.repo.Create(ctx, t); err != nil {
				return fmt.Errorf("create template: %w", err)
			}
			e := event.New("questionnaire_template.published", subject(t), nil, summaryOf(t)).
				Because("built-in template shipped with this release")
			if err := s.events.Record(ctx, e); err != nil {
				return fmt.Errorf("record %s %s: %w", e.Type, t.ID, err)
			}
			return nil
		})
		if err != nil {
			return changed, fmt.Errorf("store built-in template %s: %w", t.Key, err)
		}
		if created {
			changed++
		}
	}
	return changed, nil
}
