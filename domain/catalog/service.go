package catalog

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/event"
)

// Limits on a custom or imported framework.
const (
	MaxControls = 5000
	MaxGroups   = 1000
	MaxTitle    = 500
	maxPartNest = 10
	maxProse    = 20000
)

// Repository stores frameworks with their groups, controls and mappings.
type Repository interface {
	// BuiltInHashes returns the content hash of every stored built-in framework, by ID.
	BuiltInHashes(ctx context.Context) (map[string]string, error)
	// ReplaceBuiltIn deletes the stored built-in frameworks and their mappings and stores these.
	ReplaceBuiltIn(ctx context.Context, fs []Framework, mappings []Mapping) error
	// Create stores a new framework with its groups and controls (domain.ErrDuplicate: the ID or the
	// OSCAL uuid exists).
	Create(ctx context.Context, f Framework) error
	// List returns frameworks (without groups and controls) after afterID, by ID.
	List(ctx context.Context, afterID string, limit int) ([]Framework, error)
	// Get returns a framework with its groups (not its controls).
	Get(ctx context.Context, id string) (Framework, error)
	GetBySourceUUID(ctx context.Context, uuid string) (Framework, error)
	// Controls returns a framework's controls that pass f, in document order after the given position.
	Controls(ctx context.Context, frameworkID string, f ControlFilter, afterPosition, limit int) ([]PositionedControl, error)
	// AllControls returns controls of every framework (or of f.Framework) after a key, ordered by
	// framework id and then document order.
	AllControls(ctx context.Context, f ControlFilter, after ControlKey, limit int) ([]PositionedControl, error)
	Control(ctx context.Context, frameworkID, ref string) (Control, error)
	// MappingsFrom returns the mappings whose From side is the control.
	MappingsFrom(ctx context.Context, frameworkID, ref string) ([]Mapping, error)
	// CountControls counts controls per framework.
	CountControls(ctx context.Context, frameworkIDs []string) (map[string]int, error)
	// CountGroups counts groups per framework and level.
	CountGroups(ctx context.Context, frameworkIDs []string) (map[string]map[int]int, error)
	// Lock serialises catalog loads and imports until the transaction ends.
	Lock(ctx context.Context) error
}

// ControlKey is a control's place in the list of every framework's controls; zero is before the first.
type ControlKey struct {
	FrameworkID string
	Position    int
}

// PositionedControl is a control with its place in document order (for keyset pages).
type PositionedControl struct {
	Control
	Position int
}

// Service holds the catalog use cases.
type Service struct {
	repo   Repository
	tx     domain.TxManager
	now    domain.Clock
	events event.Recorder
}

// NewService wires the catalog use cases; events records the frameworks added, in their transaction.
func NewService(repo Repository, tx domain.TxManager, now domain.Clock, events event.Recorder) *Service {
	return &Service{repo: repo, tx: tx, now: now, events: events}
}

// EnsureBuiltIn stores the built-in catalogs when they are missing or differ from the embedded data.
// Running it again changes nothing; several replicas starting at once load it once (a database lock).
func (s *Service) EnsureBuiltIn(ctx context.Context) (bool, error) {
	c, err := Load()
	if err != nil {
		return false, fmt.Errorf("load built-in catalogs: %w", err)
	}
	fws := c.Frameworks()
	var mappings []Mapping
	for i := range fws {
		fws[i].Source, fws[i].Version = SourceBuiltIn, 1
		for _, ctl := range fws[i].Controls {
			mappings = append(mappings, c.MappingsOf(fws[i].ID, ctl.Ref)...)
		}
	}
	for i := range fws {
		fws[i].ContentHash = hashFramework(fws[i], mappingsFrom(mappings, fws[i].ID))
		fws[i].CreatedAt, fws[i].UpdatedAt = s.now(), s.now()
	}
	changed := false
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.repo.Lock(ctx); err != nil {
			return fmt.Errorf("lock catalog: %w", err)
		}
		stored, err := s.repo.BuiltInHashes(ctx)
		if err != nil {
			return err
		}
		if sameHashes(stored, fws) {
			return nil
		}
		changed = true
		if err := s.repo.ReplaceBuiltIn(ctx, fws, mappings); err != nil {
			return fmt.Errorf("store built-in catalogs: %w", err)
		}
		// Every built-in framework whose content is new or changed is recorded as the system's import.
		for _, f := range fws {
			if stored[f.ID] == f.ContentHash {
				continue
			}
			e := event.New("framework.imported", subject(f), nil, summaryOf(f)).Because("built-in catalog shipped with this release")
			if err := s.events.Record(ctx, e); err != nil {
				return fmt.Errorf("record %s %s: %w", e.Type, f.ID, err)
			}
		}
		return nil
	})
	return changed, err
}

func mappingsFrom(ms []Mapping, frameworkID string) []Mapping {
	var out []Mapping
	for _, m := range ms {
		if m.FromFramework == frameworkID {
			out = append(out, m)
		}
	}
	return out
}

func sameHashes(stored map[string]string, fws []Framework) bool {
	if len(stored) != len(fws) {
		return false
	}
	for _, f := range fws {
		if stored[f.ID] != f.ContentHash {
			return false
		}
	}
	return true
}

// hashFramework hashes everything a framework says, in a fixed textual form.
func hashFramework(f Framework, mappings []Mapping) string {
	h := sha256.New()
	w := func(args ...any) {
		for _, a := range args {
			fmt.Fprintf(h, "%q|", fmt.Sprint(a))
		}
		io.WriteString(h, "\n")
	}
	// The ID is left out: the same catalog imported under another ID is the same content.
	w(f.Name, f.Edition, f.Publisher, f.Description.EN, f.Description.JA, f.Levels, f.Source, f.SourceUUID)
	for _, g := range f.Groups {
		w("g", g.Ref, g.Parent, g.Level, g.Title.EN, g.Title.JA)
	}
	for _, c := range f.Controls {
		w("c", c.Ref, c.GroupPath, c.Title.EN, c.Title.JA, c.SupplierRelated, c.Tags, c.ParentRef, c.Class, c.Props)
		hashParts(w, c.Parts)
	}
	for _, m := range mappings {
		w("m", m.FromRef, m.ToFramework, m.ToRef, m.Relation, m.Inverse, m.Via, m.Note)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func hashParts(w func(...any), ps []Part) {
	for _, p := range ps {
		w("p", p.ID, p.Name, p.Title, p.Prose)
		hashParts(w, p.Parts)
		w("/p")
	}
}

func internalOnly(ctx context.Context) error {
	p, err := auth.Caller(ctx)
	if err != nil {
		return err
	}
	if p.IsSupplier() {
		return domain.NotFound("framework", "")
	}
	return nil
}

// Summary is a framework without its controls, with its size.
type Summary struct {
	Framework
	ControlCount int
	GroupCounts  map[int]int // groups per level (1 = outermost)
}

// List returns one page of frameworks.
func (s *Service) List(ctx context.Context, limit int, cursor string) (domain.Page[Summary], error) {
	if err := internalOnly(ctx); err != nil {
		return domain.Page[Summary]{}, err
	}
	fws, err := domain.ListPageLoose(ctx, "frameworks", limit, cursor, "id",
		func(ctx context.Context, after *domain.Cursor, limit int) ([]Framework, error) {
			id := ""
			if after != nil {
				id = after.Value
			}
			return s.repo.List(ctx, id, limit)
		}, func(f Framework) domain.Cursor { return domain.Cursor{Sort: "id", Value: f.ID} })
	if err != nil {
		return domain.Page[Summary]{}, err
	}
	return s.summaries(ctx, fws)
}

// summaries adds each framework's size to a page of frameworks.
func (s *Service) summaries(ctx context.Context, fws domain.Page[Framework]) (domain.Page[Summary], error) {
	ids := make([]string, len(fws.Items))
	for i, f := range fws.Items {
		ids[i] = f.ID
	}
	counts, err := s.repo.CountControls(ctx, ids)
	if err != nil {
		return domain.Page[Summary]{}, fmt.Errorf("count controls: %w", err)
	}
	groups, err := s.repo.CountGroups(ctx, ids)
	if err != nil {
		return domain.Page[Summary]{}, fmt.Errorf("count groups: %w", err)
	}
	page := domain.Page[Summary]{NextCursor: fws.NextCursor}
	for _, f := range fws.Items {
		page.Items = append(page.Items, Summary{Framework: f, ControlCount: counts[f.ID], GroupCounts: groups[f.ID]})
	}
	return page, nil
}

// Get returns a framework with its groups and its size.
func (s *Service) Get(ctx context.Context, id string) (Summary, error) {
	if err := internalOnly(ctx); err != nil {
		return Summary{}, err
	}
	if !validID(id) { // exact IDs only, whatever the database's collation
		return Summary{}, domain.NotFound("framework", id)
	}
	f, err := s.repo.Get(ctx, id)
	if errors.Is(err, domain.ErrNotFound) {
		return Summary{}, domain.NotFound("framework", id)
	}
	if err != nil {
		return Summary{}, fmt.Errorf("load framework %s: %w", id, err)
	}
	counts, err := s.repo.CountControls(ctx, []string{id})
	if err != nil {
		return Summary{}, fmt.Errorf("count controls: %w", err)
	}
	groups := map[int]int{}
	for _, g := range f.Groups {
		groups[g.Level]++
	}
	return Summary{Framework: f, ControlCount: counts[id], GroupCounts: groups}, nil
}

// ControlFilter selects a framework's controls; zero values select all.
type ControlFilter struct {
	Framework       string // only this framework's controls (AllControls; Controls takes the framework apart)
	SupplierRelated *bool  // only controls flagged (true) or not flagged (false) as supplier-related
	Group           string // only controls under this group ref, at any level (e.g. "A.15" or "5")
	Query           string // substring of the ref or the English or Japanese title
}

func (f *ControlFilter) normalize() error {
	var v domain.Validator
	f.Framework, f.Group, f.Query = strings.TrimSpace(f.Framework), strings.TrimSpace(f.Group), strings.TrimSpace(f.Query)
	v.Check(utf8.RuneCountInString(f.Framework) <= 100, "framework", "must be at most 100 characters")
	v.Check(utf8.RuneCountInString(f.Group) <= 100, "group", "must be at most 100 characters")
	v.Check(utf8.RuneCountInString(f.Query) <= 200, "q", "must be at most 200 characters")
	return v.Err()
}

// Controls returns one page of a framework's controls that pass f, in document order.
func (s *Service) Controls(ctx context.Context, frameworkID string, f ControlFilter, limit int, cursor string) (domain.Page[Control], error) {
	if err := f.normalize(); err != nil {
		return domain.Page[Control]{}, err
	}
	if _, err := s.Get(ctx, frameworkID); err != nil {
		return domain.Page[Control]{}, err
	}
	return controls(domain.ListPageLoose(ctx, "controls of "+frameworkID, limit, cursor, "position",
		func(ctx context.Context, c *domain.Cursor, limit int) ([]PositionedControl, error) {
			after := -1
			if c != nil {
				var err error
				if after, err = strconv.Atoi(c.Value); err != nil {
					return nil, domain.ErrBadCursor()
				}
			}
			return s.repo.Controls(ctx, frameworkID, f, after, limit)
		}, func(last PositionedControl) domain.Cursor {
			return domain.Cursor{Sort: "position", Value: strconv.Itoa(last.Position)}
		}))
}

// controls is a page of positioned controls without their positions, which only the cursor carries.
func controls(rows domain.Page[PositionedControl], err error) (domain.Page[Control], error) {
	if err != nil {
		return domain.Page[Control]{}, err
	}
	page := domain.Page[Control]{Items: []Control{}, NextCursor: rows.NextCursor}
	for _, r := range rows.Items {
		page.Items = append(page.Items, r.Control)
	}
	return page, nil
}

// allControlsSort names the cursors of AllControls: framework id, then document order.
const allControlsSort = "framework,position"

// AllControls lists the controls of every framework, or of f.Framework only, ordered by framework id
// and then document order. An unknown framework filter selects nothing.
func (s *Service) AllControls(ctx context.Context, f ControlFilter, limit int, cursor string) (domain.Page[Control], error) {
	if err := f.normalize(); err != nil {
		return domain.Page[Control]{}, err
	}
	return controls(domain.ListPageLoose(ctx, "controls", limit, cursor, allControlsSort,
		func(ctx context.Context, c *domain.Cursor, limit int) ([]PositionedControl, error) {
			var after ControlKey
			if c != nil {
				var err error
				if after.Position, err = strconv.Atoi(c.Value); err != nil || c.ID == "" {
					return nil, domain.ErrBadCursor()
				}
				after.FrameworkID = c.ID
			}
			return s.repo.AllControls(ctx, f, after, limit)
		}, func(last PositionedControl) domain.Cursor {
			return domain.Cursor{Sort: allControlsSort, Value: strconv.Itoa(last.Position), ID: last.FrameworkID}
		}))
}

// ControlDetail is a control with its mappings to other frameworks, both directions.
type ControlDetail struct {
	Control  Control
	Mappings []Mapping
}

// Control returns a control by qualified reference ("iso27001-2022:5.19") with its mappings.
func (s *Service) Control(ctx context.Context, qualifiedRef string) (ControlDetail, error) {
	if err := internalOnly(ctx); err != nil {
		return ControlDetail{}, err
	}
	fw, ref, ok := ParseQualifiedRef(qualifiedRef)
	if !ok {
		return ControlDetail{}, domain.NotFound("control", qualifiedRef)
	}
	c, err := s.repo.Control(ctx, fw, ref)
	if errors.Is(err, domain.ErrNotFound) {
		return ControlDetail{}, domain.NotFound("control", qualifiedRef)
	}
	if err != nil {
		return ControlDetail{}, fmt.Errorf("load control %s: %w", qualifiedRef, err)
	}
	ms, err := s.repo.MappingsFrom(ctx, fw, ref)
	if err != nil {
		return ControlDetail{}, fmt.Errorf("load mappings of %s: %w", qualifiedRef, err)
	}
	return ControlDetail{Control: c, Mappings: ms}, nil
}

// Resolve reports whether a qualified control reference exists (for questionnaire references).
func (s *Service) Resolve(ctx context.Context, qualifiedRef string) (bool, error) {
	fw, ref, ok := ParseQualifiedRef(qualifiedRef)
	if !ok {
		return false, nil
	}
	_, err := s.repo.Control(ctx, fw, ref)
	if errors.Is(err, domain.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Create stores a custom framework written through the API.
func (s *Service) Create(ctx context.Context, f Framework) (Framework, error) {
	if err := internalOnly(ctx); err != nil {
		return Framework{}, err
	}
	f.Source, f.SourceUUID = SourceCustom, ""
	if err := prepare(&f); err != nil {
		return Framework{}, err
	}
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.store(ctx, &f); err != nil {
			return err
		}
		return event.Record(ctx, s.events, "framework.created", subject(f), nil, summaryOf(f))
	})
	return f, err
}

// Import stores an OSCAL catalog. The same catalog (same uuid and content) imported again returns
// the stored framework and false; a different content under the same uuid is a Conflict.
func (s *Service) Import(ctx context.Context, f Framework) (Framework, bool, error) {
	if err := internalOnly(ctx); err != nil {
		return Framework{}, false, err
	}
	f.Source = SourceOSCAL
	if err := prepare(&f); err != nil {
		return Framework{}, false, err
	}
	// The uuid, not the chosen ID, identifies an imported catalog.
	created := false
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.repo.Lock(ctx); err != nil {
			return fmt.Errorf("lock catalog: %w", err)
		}
		prev, err := s.repo.GetBySourceUUID(ctx, f.SourceUUID)
		switch {
		case err == nil && prev.ContentHash == f.ContentHash:
			f = prev
			return nil
		case err == nil:
			return domain.Errorf(domain.KindConflict,
				"catalog %s is already imported as framework %s with other content; delete it or import the new version under a new uuid",
				f.SourceUUID, prev.ID)
		case !errors.Is(err, domain.ErrNotFound):
			return fmt.Errorf("look up imported catalog %s: %w", f.SourceUUID, err)
		}
		created = true
		if err := s.store(ctx, &f); err != nil {
			return err
		}
		return event.Record(ctx, s.events, "framework.imported", subject(f), nil, summaryOf(f))
	})
	return f, created, err
}

// summary is a framework as its events carry it: what identifies it and its size, never its controls.
type summary struct {
	ID          string
	Name        string
	Edition     string
	Publisher   string
	Source      Source
	SourceUUID  string
	ContentHash string
	Levels      []string
	Groups      int
	Controls    int
	Version     int
}

func summaryOf(f Framework) summary {
	return summary{ID: f.ID, Name: f.Name, Edition: f.Edition, Publisher: f.Publisher, Source: f.Source, SourceUUID: f.SourceUUID,
		ContentHash: f.ContentHash, Levels: f.Levels, Groups: len(f.Groups), Controls: len(f.Controls), Version: f.Version}
}

func subject(f Framework) event.Subject { return event.Subject{Type: "framework", ID: f.ID} }

func (s *Service) store(ctx context.Context, f *Framework) error {
	f.Version, f.CreatedAt, f.UpdatedAt = 1, s.now(), s.now()
	if err := s.repo.Create(ctx, *f); err != nil {
		if errors.Is(err, domain.ErrDuplicate) {
			return &domain.Error{Kind: domain.KindConflict, Message: "a framework with this id already exists",
				Fields: []domain.FieldError{{Field: "id", Message: "is taken"}}, Err: err}
		}
		return fmt.Errorf("store framework %s: %w", f.ID, err)
	}
	return nil
}

// prepare validates a custom or imported framework, fills group levels and group paths, and hashes it.
func prepare(f *Framework) error {
	var v domain.Validator
	f.Name = strings.TrimSpace(f.Name)
	v.Check(validID(f.ID) && len(f.ID) <= 64, "id", "must be a lower-case slug (a-z, 0-9, single dashes), at most 64 characters")
	v.Check(f.Name != "" && utf8.RuneCountInString(f.Name) <= 300, "name", "is required and at most 300 characters")
	v.Check(utf8.RuneCountInString(f.Edition) <= 100, "edition", "must be at most 100 characters")
	v.Check(utf8.RuneCountInString(f.Publisher) <= 200, "publisher", "must be at most 200 characters")
	v.Check(len(f.Groups) <= MaxGroups, "groups", "must have at most 1000 entries")
	v.Check(len(f.Controls) > 0 && len(f.Controls) <= MaxControls, "controls", "must have between 1 and 5000 entries")
	v.Check(utf8.RuneCountInString(f.Description.EN) <= 5000, "description.en", "must be at most 5000 characters")
	v.Check(utf8.RuneCountInString(f.Description.JA) <= 5000, "description.ja", "must be at most 5000 characters")
	v.Check(len(f.Levels) <= 5, "levels", "must have at most 5 entries")
	for i, l := range f.Levels {
		v.Check(strings.TrimSpace(l) != "" && utf8.RuneCountInString(l) <= 50, "levels["+strconv.Itoa(i)+"]", "must be 1-50 characters")
	}
	levels := map[string]int{}
	parents := map[string]string{}
	depth := 0
	for i, g := range f.Groups {
		p := "groups[" + strconv.Itoa(i) + "]"
		if !urlSafeRef(g.Ref) {
			v.Add(p+".ref", "must be 1-64 printable characters without spaces or : / ? # %")
			continue
		}
		if _, dup := levels[g.Ref]; dup {
			v.Add(p+".ref", "appears twice")
			continue
		}
		lv := 1
		if g.Parent != "" {
			pl, ok := levels[g.Parent]
			if !ok {
				v.Add(p+".parent", "must name a group listed before this one")
				continue
			}
			lv = pl + 1
		}
		v.Check(strings.TrimSpace(g.Title.EN) != "", p+".title.en", "is required")
		titleLen(&v, p+".title", g.Title)
		levels[g.Ref], parents[g.Ref] = lv, g.Parent
		f.Groups[i].Level = lv
		depth = max(depth, lv)
	}
	for len(f.Levels) < depth {
		f.Levels = append(f.Levels, "group")
	}
	seen := map[string]bool{}
	for i := range f.Controls {
		c := &f.Controls[i]
		p := "controls[" + strconv.Itoa(i) + "]"
		c.FrameworkID = f.ID
		if !urlSafeRef(c.Ref) {
			v.Add(p+".ref", "must be 1-64 printable characters without spaces or : / ? # %")
			continue
		}
		v.Check(!seen[c.Ref], p+".ref", "appears twice")
		v.Check(strings.TrimSpace(c.Title.EN) != "", p+".title.en", "is required")
		titleLen(&v, p+".title", c.Title)
		v.Check(utf8.RuneCountInString(c.Class) <= 100, p+".class", "must be at most 100 characters")
		v.Check(len(c.Tags) <= 20, p+".tags", "must have at most 20 entries")
		for k, tag := range c.Tags {
			v.Check(tagPattern.MatchString(tag) && len(tag) <= 40, p+".tags["+strconv.Itoa(k)+"]", "must be a lower-case slug of at most 40 characters")
		}
		v.Check(c.ParentRef == "" || seen[c.ParentRef], p+".parent_ref", "must name a control listed before this one")
		seen[c.Ref] = true
		if len(c.GroupPath) == 1 { // given as the innermost group; expand to the full path
			g := c.GroupPath[0]
			if _, ok := levels[g]; !ok {
				v.Add(p+".group", "must name a group of this framework")
				continue
			}
			c.GroupPath = groupPath(g, parents)
		}
		v.Check(partsOK(c.Parts, 1), p+".parts", "must be nested at most 10 deep with prose of at most 20000 characters")
	}
	if err := v.Err(); err != nil {
		return err
	}
	f.ContentHash = hashFramework(*f, nil)
	return nil
}

func titleLen(v *domain.Validator, path string, t Text) {
	v.Check(utf8.RuneCountInString(t.EN) <= MaxTitle, path+".en", "must be at most 500 characters")
	v.Check(utf8.RuneCountInString(t.JA) <= MaxTitle, path+".ja", "must be at most 500 characters")
}

func groupPath(g string, parents map[string]string) []string {
	var path []string
	for ; g != ""; g = parents[g] {
		path = append([]string{g}, path...)
	}
	return path
}

func partsOK(ps []Part, depth int) bool {
	if len(ps) > 0 && depth > maxPartNest {
		return false
	}
	for _, p := range ps {
		if utf8.RuneCountInString(p.Prose) > maxProse || !partsOK(p.Parts, depth+1) {
			return false
		}
	}
	return true
}

func urlSafeRef(s string) bool {
	return validRef(s) && !strings.ContainsAny(s, "/?#%")
}
