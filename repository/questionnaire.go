package repository

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/vendorrisk/vendorrisk/domain/questionnaire"
)

// Templates stores questionnaire templates; the content is kept as the canonical export document.
type Templates struct{ db *DB }

// NewTemplates returns the template repository.
func NewTemplates(db *DB) *Templates { return &Templates{db: db} }

var _ questionnaire.Repository = (*Templates)(nil)

type templateRow struct {
	ID          string `gorm:"primaryKey"`
	FamilyID    string
	Number      int
	TemplateKey string
	NameEN      string `gorm:"column:name_en"`
	Status      string
	BuiltIn     bool
	VendorKinds string // ",contractor,cloud_provider," so that a LIKE finds one kind exactly
	Document    string
	Version     int
	CreatedAt   time.Time
	UpdatedAt   time.Time `gorm:"autoUpdateTime:false"`
	PublishedAt *time.Time
}

func (templateRow) TableName() string { return "questionnaire_templates" }

func toTemplateRow(t questionnaire.Template) templateRow {
	kinds := ""
	if len(t.VendorKinds) > 0 {
		kinds = "," + strings.Join(t.VendorKinds, ",") + ","
	}
	return templateRow{ID: t.ID, FamilyID: t.FamilyID, Number: t.Number, TemplateKey: t.Key, NameEN: t.Name.EN,
		Status: string(t.Status), BuiltIn: t.BuiltIn, VendorKinds: kinds, Document: string(questionnaire.Encode(t)),
		Version: t.Version, CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC(), PublishedAt: utcPtr(t.PublishedAt)}
}

func (r templateRow) toDomain() (questionnaire.Template, error) {
	t, err := questionnaire.Decode(bytes.NewReader([]byte(r.Document)))
	if err != nil {
		return questionnaire.Template{}, fmt.Errorf("decode template %s: %w", r.ID, err)
	}
	t.ID, t.FamilyID, t.Number, t.Key, t.Status, t.BuiltIn = r.ID, r.FamilyID, r.Number, r.TemplateKey, questionnaire.Status(r.Status), r.BuiltIn
	t.Version, t.CreatedAt, t.UpdatedAt, t.PublishedAt = r.Version, r.CreatedAt.UTC(), r.UpdatedAt.UTC(), utcPtr(r.PublishedAt)
	return t, nil
}

func (s *Templates) rows(q *gorm.DB) ([]questionnaire.Template, error) {
	var rows []templateRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("query templates: %w", dbErr(err))
	}
	out := make([]questionnaire.Template, len(rows))
	for i, r := range rows {
		var err error
		if out[i], err = r.toDomain(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Create inserts a template.
func (s *Templates) Create(ctx context.Context, t questionnaire.Template) error {
	row := toTemplateRow(t)
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("insert template: %w", dbErr(err))
	}
	return nil
}

// Get reads one template.
func (s *Templates) Get(ctx context.Context, id string) (questionnaire.Template, error) {
	return s.get(s.db.conn(ctx), id)
}

// GetForUpdate reads and locks one template.
func (s *Templates) GetForUpdate(ctx context.Context, id string) (questionnaire.Template, error) {
	return s.get(s.db.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}), id)
}

func (s *Templates) get(q *gorm.DB, id string) (questionnaire.Template, error) {
	var row templateRow
	if err := q.Where("id = ?", id).Take(&row).Error; err != nil {
		return questionnaire.Template{}, dbErr(err)
	}
	return row.toDomain()
}

// List returns templates after f.AfterID, by ID.
func (s *Templates) List(ctx context.Context, f questionnaire.Filter) ([]questionnaire.Template, error) {
	q := s.db.conn(ctx).Model(&templateRow{}).Order("id").Limit(f.Limit)
	if f.AfterID != "" {
		q = q.Where("id > ?", f.AfterID)
	}
	if f.Status != "" {
		q = q.Where("status = ?", string(f.Status))
	}
	if f.FamilyID != "" {
		q = q.Where("family_id = ?", f.FamilyID)
	}
	if f.VendorKind != "" {
		q = q.Where("vendor_kinds LIKE ?", "%,"+f.VendorKind+",%")
	}
	return s.rows(q)
}

// Update writes t when the stored row version is t.Version-1.
func (s *Templates) Update(ctx context.Context, t questionnaire.Template) error {
	row := toTemplateRow(t)
	res := s.db.conn(ctx).Model(&templateRow{}).Where("id = ? AND version = ?", t.ID, t.Version-1).
		Select("*").Omit("id", "family_id", "number", "created_at").Updates(&row)
	return affectedOne(res.Error, res.RowsAffected, "update template "+t.ID)
}

// Family returns every version of a family by number.
func (s *Templates) Family(ctx context.Context, familyID string) ([]questionnaire.Template, error) {
	return s.rows(s.db.conn(ctx).Where("family_id = ?", familyID).Order("number"))
}

// ByKey returns every version of a built-in template by number.
func (s *Templates) ByKey(ctx context.Context, key string) ([]questionnaire.Template, error) {
	return s.rows(s.db.conn(ctx).Where("template_key = ? AND built_in = ?", key, true).Order("number"))
}

// Lock takes the template lock until the transaction ends.
func (s *Templates) Lock(ctx context.Context) error {
	return takeLock(ctx, s.db, "questionnaire_templates")
}
