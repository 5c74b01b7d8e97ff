package repository

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/vendorrisk/vendorrisk/domain/catalog"
)

// Catalogs stores control frameworks. Built-in ones are replaced whole when the embedded data changes.
type Catalogs struct{ db *DB }

// NewCatalogs returns the catalog repository.
func NewCatalogs(db *DB) *Catalogs { return &Catalogs{db: db} }

var _ catalog.Repository = (*Catalogs)(nil)

type frameworkRow struct {
	ID            string `gorm:"primaryKey"`
	Name          string
	Edition       string
	Publisher     string
	DescriptionEN string `gorm:"column:description_en"`
	DescriptionJA string `gorm:"column:description_ja"`
	Levels        string
	Source        string
	SourceUUID    *string `gorm:"column:source_uuid"`
	ContentHash   string
	Version       int
	CreatedAt     time.Time
	UpdatedAt     time.Time `gorm:"autoUpdateTime:false"`
}

func (frameworkRow) TableName() string { return "frameworks" }

type groupRow struct {
	FrameworkID string `gorm:"primaryKey"`
	Ref         string `gorm:"primaryKey"`
	ParentRef   string
	Level       int
	TitleEN     string `gorm:"column:title_en"`
	TitleJA     string `gorm:"column:title_ja"`
	Position    int
}

func (groupRow) TableName() string { return "framework_groups" }

type controlRow struct {
	FrameworkID     string `gorm:"primaryKey"`
	Ref             string `gorm:"primaryKey"`
	ParentRef       string
	GroupPath       string
	TitleEN         string `gorm:"column:title_en"`
	TitleJA         string `gorm:"column:title_ja"`
	SupplierRelated bool
	Tags            string
	Class           string
	Parts           string
	Props           string
	Position        int
}

func (controlRow) TableName() string { return "controls" }

type mappingRow struct {
	FromFramework string `gorm:"primaryKey"`
	FromRef       string `gorm:"primaryKey"`
	ToFramework   string `gorm:"primaryKey"`
	ToRef         string `gorm:"primaryKey"`
	Relation      string
	Inverse       bool
	Via           string
	Note          string
	Position      int
}

func (mappingRow) TableName() string { return "control_mappings" }

// partJSON and propJSON are the stored forms of OSCAL-like parts and props: a storage format.
type partJSON struct {
	ID    string     `json:"id,omitempty"`
	Name  string     `json:"name"`
	Title string     `json:"title,omitempty"`
	Prose string     `json:"prose,omitempty"`
	Parts []partJSON `json:"parts,omitempty"`
}

type propJSON struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	Class string `json:"class,omitempty"`
	NS    string `json:"ns,omitempty"`
}

func toPartsJSON(ps []catalog.Part) []partJSON {
	out := make([]partJSON, len(ps))
	for i, p := range ps {
		out[i] = partJSON{ID: p.ID, Name: p.Name, Title: p.Title, Prose: p.Prose, Parts: toPartsJSON(p.Parts)}
	}
	return out
}

func fromPartsJSON(ps []partJSON) []catalog.Part {
	if len(ps) == 0 {
		return nil
	}
	out := make([]catalog.Part, len(ps))
	for i, p := range ps {
		out[i] = catalog.Part{ID: p.ID, Name: p.Name, Title: p.Title, Prose: p.Prose, Parts: fromPartsJSON(p.Parts)}
	}
	return out
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v) // only plain data is marshalled here
	return string(b)
}

func toFrameworkRow(f catalog.Framework) frameworkRow {
	r := frameworkRow{ID: f.ID, Name: f.Name, Edition: f.Edition, Publisher: f.Publisher, DescriptionEN: f.Description.EN,
		DescriptionJA: f.Description.JA, Levels: mustJSON(nonNil(f.Levels)), Source: string(f.Source), ContentHash: f.ContentHash,
		Version: f.Version, CreatedAt: f.CreatedAt.UTC(), UpdatedAt: f.UpdatedAt.UTC()}
	if f.SourceUUID != "" {
		r.SourceUUID = &f.SourceUUID
	}
	return r
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (r frameworkRow) toDomain() (catalog.Framework, error) {
	f := catalog.Framework{ID: r.ID, Name: r.Name, Edition: r.Edition, Publisher: r.Publisher,
		Description: catalog.Text{EN: r.DescriptionEN, JA: r.DescriptionJA}, BuiltIn: r.Source == string(catalog.SourceBuiltIn),
		Source: catalog.Source(r.Source), SourceUUID: deref(r.SourceUUID), ContentHash: r.ContentHash, Version: r.Version,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if err := json.Unmarshal([]byte(r.Levels), &f.Levels); err != nil {
		return catalog.Framework{}, fmt.Errorf("decode levels of framework %s: %w", r.ID, err)
	}
	return f, nil
}

func toControlRow(c catalog.Control, pos int) controlRow {
	props := make([]propJSON, len(c.Props))
	for i, p := range c.Props {
		props[i] = propJSON(p)
	}
	return controlRow{FrameworkID: c.FrameworkID, Ref: c.Ref, ParentRef: c.ParentRef, GroupPath: mustJSON(nonNil(c.GroupPath)),
		TitleEN: c.Title.EN, TitleJA: c.Title.JA, SupplierRelated: c.SupplierRelated, Tags: mustJSON(nonNil(c.Tags)),
		Class: c.Class, Parts: mustJSON(toPartsJSON(c.Parts)), Props: mustJSON(props), Position: pos}
}

func (r controlRow) toDomain() (catalog.Control, error) {
	c := catalog.Control{FrameworkID: r.FrameworkID, Ref: r.Ref, ParentRef: r.ParentRef, Title: catalog.Text{EN: r.TitleEN, JA: r.TitleJA},
		SupplierRelated: r.SupplierRelated, Class: r.Class}
	var parts []partJSON
	var props []propJSON
	for _, d := range []struct {
		raw string
		dst any
	}{{r.GroupPath, &c.GroupPath}, {r.Tags, &c.Tags}, {r.Parts, &parts}, {r.Props, &props}} {
		if err := json.Unmarshal([]byte(d.raw), d.dst); err != nil {
			return catalog.Control{}, fmt.Errorf("decode control %s:%s: %w", r.FrameworkID, r.Ref, err)
		}
	}
	c.Parts = fromPartsJSON(parts)
	for _, p := range props {
		c.Props = append(c.Props, catalog.Prop(p))
	}
	return c, nil
}

// BuiltInHashes returns the stored built-in frameworks' content hashes.
func (s *Catalogs) BuiltInHashes(ctx context.Context) (map[string]string, error) {
	var rows []frameworkRow
	if err := s.db.conn(ctx).Where("source = ?", string(catalog.SourceBuiltIn)).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("query built-in frameworks: %w", dbErr(err))
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.ID] = r.ContentHash
	}
	return out, nil
}

// ReplaceBuiltIn deletes every built-in framework (cascading to groups, controls and mappings) and
// inserts the given ones with their mappings, in the caller's transaction.
func (s *Catalogs) ReplaceBuiltIn(ctx context.Context, fws []catalog.Framework, mappings []catalog.Mapping) error {
	return s.db.InTx(ctx, func(ctx context.Context) error {
		if err := s.db.conn(ctx).Where("source = ?", string(catalog.SourceBuiltIn)).Delete(&frameworkRow{}).Error; err != nil {
			return fmt.Errorf("delete built-in frameworks: %w", dbErr(err))
		}
		for _, f := range fws {
			if err := s.Create(ctx, f); err != nil {
				return err
			}
		}
		rows := make([]mappingRow, len(mappings))
		for i, m := range mappings {
			rows[i] = mappingRow{FromFramework: m.FromFramework, FromRef: m.FromRef, ToFramework: m.ToFramework, ToRef: m.ToRef,
				Relation: string(m.Relation), Inverse: m.Inverse, Via: m.Via, Note: m.Note, Position: i}
		}
		if err := s.db.conn(ctx).CreateInBatches(rows, 200).Error; err != nil {
			return fmt.Errorf("insert mappings: %w", dbErr(err))
		}
		return nil
	})
}

// Create inserts a framework with its groups and controls.
func (s *Catalogs) Create(ctx context.Context, f catalog.Framework) error {
	return s.db.InTx(ctx, func(ctx context.Context) error {
		row := toFrameworkRow(f)
		if err := s.db.conn(ctx).Create(&row).Error; err != nil {
			return fmt.Errorf("insert framework %s: %w", f.ID, dbErr(err))
		}
		groups := make([]groupRow, len(f.Groups))
		for i, g := range f.Groups {
			groups[i] = groupRow{FrameworkID: f.ID, Ref: g.Ref, ParentRef: g.Parent, Level: g.Level, TitleEN: g.Title.EN,
				TitleJA: g.Title.JA, Position: i}
		}
		if len(groups) > 0 {
			if err := s.db.conn(ctx).CreateInBatches(groups, 200).Error; err != nil {
				return fmt.Errorf("insert groups of %s: %w", f.ID, dbErr(err))
			}
		}
		controls := make([]controlRow, len(f.Controls))
		for i, c := range f.Controls {
			c.FrameworkID = f.ID
			controls[i] = toControlRow(c, i)
		}
		if err := s.db.conn(ctx).CreateInBatches(controls, 100).Error; err != nil {
			return fmt.Errorf("insert controls of %s: %w", f.ID, dbErr(err))
		}
		return nil
	})
}

// List returns frameworks after afterID, by ID.
func (s *Catalogs) List(ctx context.Context, afterID string, limit int) ([]catalog.Framework, error) {
	var rows []frameworkRow
	if err := s.db.conn(ctx).Where("id > ?", afterID).Order("id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("query frameworks: %w", dbErr(err))
	}
	out := make([]catalog.Framework, len(rows))
	for i, r := range rows {
		var err error
		if out[i], err = r.toDomain(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Get returns a framework with its groups.
func (s *Catalogs) Get(ctx context.Context, id string) (catalog.Framework, error) {
	return s.getBy(ctx, "id = ?", id)
}

// GetBySourceUUID returns the framework imported from the OSCAL catalog with this uuid.
func (s *Catalogs) GetBySourceUUID(ctx context.Context, uuid string) (catalog.Framework, error) {
	return s.getBy(ctx, "source_uuid = ?", uuid)
}

func (s *Catalogs) getBy(ctx context.Context, where string, arg any) (catalog.Framework, error) {
	var row frameworkRow
	if err := s.db.conn(ctx).Where(where, arg).Take(&row).Error; err != nil {
		return catalog.Framework{}, dbErr(err)
	}
	f, err := row.toDomain()
	if err != nil {
		return catalog.Framework{}, err
	}
	var groups []groupRow
	if err := s.db.conn(ctx).Where("framework_id = ?", f.ID).Order("position").Find(&groups).Error; err != nil {
		return catalog.Framework{}, fmt.Errorf("query groups of %s: %w", f.ID, dbErr(err))
	}
	for _, g := range groups {
		f.Groups = append(f.Groups, catalog.Group{Ref: g.Ref, Parent: g.ParentRef, Level: g.Level,
			Title: catalog.Text{EN: g.TitleEN, JA: g.TitleJA}})
	}
	return f, nil
}

// Controls returns controls after a position, in document order.
func (s *Catalogs) Controls(ctx context.Context, frameworkID string, f catalog.ControlFilter, afterPosition, limit int) ([]catalog.PositionedControl, error) {
	var rows []controlRow
	q := filterControls(s.db.conn(ctx).Where("framework_id = ? AND position > ?", frameworkID, afterPosition), f)
	err := q.Order("position").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("query controls of %s: %w", frameworkID, dbErr(err))
	}
	return positioned(rows)
}

// AllControls returns controls of every framework (or of f.Framework) after a key, ordered by
// framework and document order.
func (s *Catalogs) AllControls(ctx context.Context, f catalog.ControlFilter, after catalog.ControlKey, limit int) ([]catalog.PositionedControl, error) {
	var rows []controlRow
	q := filterControls(s.db.conn(ctx), f)
	if f.Framework != "" {
		q = q.Where("framework_id = ?", f.Framework)
	}
	if after.FrameworkID != "" {
		q = q.Where("(framework_id > ? OR (framework_id = ? AND position > ?))", after.FrameworkID, after.FrameworkID, after.Position)
	}
	if err := q.Order("framework_id").Order("position").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("query controls: %w", dbErr(err))
	}
	return positioned(rows)
}

// filterControls adds a control filter's conditions (its Framework aside) to q.
func filterControls(q *gorm.DB, f catalog.ControlFilter) *gorm.DB {
	if f.SupplierRelated != nil {
		q = q.Where("supplier_related = ?", *f.SupplierRelated)
	}
	if f.Group != "" { // group_path is a JSON array of refs: match one element exactly
		q = q.Where("group_path LIKE ? ESCAPE '!'", "%"+likeEscaper.Replace(mustJSON(f.Group))+"%")
	}
	if f.Query != "" {
		like := "%" + likeEscaper.Replace(f.Query) + "%"
		q = q.Where("(ref LIKE ? ESCAPE '!' OR title_en LIKE ? ESCAPE '!' OR title_ja LIKE ? ESCAPE '!')", like, like, like)
	}
	return q
}

func positioned(rows []controlRow) ([]catalog.PositionedControl, error) {
	out := make([]catalog.PositionedControl, len(rows))
	for i, r := range rows {
		c, err := r.toDomain()
		if err != nil {
			return nil, err
		}
		out[i] = catalog.PositionedControl{Control: c, Position: r.Position}
	}
	return out, nil
}

// Control returns one control.
func (s *Catalogs) Control(ctx context.Context, frameworkID, ref string) (catalog.Control, error) {
	var row controlRow
	if err := s.db.conn(ctx).Where("framework_id = ? AND ref = ?", frameworkID, ref).Take(&row).Error; err != nil {
		return catalog.Control{}, dbErr(err)
	}
	return row.toDomain()
}

// MappingsFrom returns the mappings from a control, in their stored order.
func (s *Catalogs) MappingsFrom(ctx context.Context, frameworkID, ref string) ([]catalog.Mapping, error) {
	var rows []mappingRow
	err := s.db.conn(ctx).Where("from_framework = ? AND from_ref = ?", frameworkID, ref).Order("position").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("query mappings: %w", dbErr(err))
	}
	out := make([]catalog.Mapping, len(rows))
	for i, r := range rows {
		out[i] = catalog.Mapping{FromFramework: r.FromFramework, FromRef: r.FromRef, ToFramework: r.ToFramework, ToRef: r.ToRef,
			Relation: catalog.Relation(r.Relation), Inverse: r.Inverse, Via: r.Via, Note: r.Note}
	}
	return out, nil
}

// CountControls counts the controls of each framework.
func (s *Catalogs) CountControls(ctx context.Context, ids []string) (map[string]int, error) {
	var rows []struct {
		FrameworkID string
		N           int
	}
	err := s.db.conn(ctx).Model(&controlRow{}).Select("framework_id, COUNT(*) AS n").Where("framework_id IN ?", ids).
		Group("framework_id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("count controls: %w", dbErr(err))
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.FrameworkID] = r.N
	}
	return out, nil
}

// Lock takes the catalog lock until the transaction ends.
func (s *Catalogs) Lock(ctx context.Context) error { return takeLock(ctx, s.db, "catalog") }

// CountGroups counts the groups of each framework per level.
func (s *Catalogs) CountGroups(ctx context.Context, ids []string) (map[string]map[int]int, error) {
	var rows []struct {
		FrameworkID string
		Level       int
		N           int
	}
	err := s.db.conn(ctx).Model(&groupRow{}).Select("framework_id, level, COUNT(*) AS n").Where("framework_id IN ?", ids).
		Group("framework_id, level").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("count groups: %w", dbErr(err))
	}
	out := make(map[string]map[int]int, len(ids))
	for _, r := range rows {
		if out[r.FrameworkID] == nil {
			out[r.FrameworkID] = map[int]int{}
		}
		out[r.FrameworkID][r.Level] = r.N
	}
	return out, nil
}
