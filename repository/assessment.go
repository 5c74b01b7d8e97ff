package repository

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/vendorrisk/vendorrisk/domain/assessment"
	"github.com/vendorrisk/vendorrisk/domain/questionnaire"
	"github.com/vendorrisk/vendorrisk/domain/scoring"
)

// Assessments stores assessments (with a frozen copy of their template) and evidence metadata.
type Assessments struct {
	db *DB
	// templates caches decoded template copies by template version ID: published versions never
	// change, and decoding a large template on every read dominated the cost of a request.
	mu        sync.Mutex
	templates map[string]questionnaire.Template
}

// NewAssessments returns the assessment repository.
func NewAssessments(db *DB) *Assessments {
	return &Assessments{db: db, templates: map[string]questionnaire.Template{}}
}

// maxCachedTemplates bounds the cache; beyond it, templates are decoded per read.
const maxCachedTemplates = 256

func (s *Assessments) template(r assessmentRow) (questionnaire.Template, error) {
	s.mu.Lock()
	t, ok := s.templates[r.TemplateID]
	s.mu.Unlock()
	if ok {
		return t, nil
	}
	t, err := questionnaire.Decode(bytes.NewReader([]byte(r.TemplateDocument)))
	if err != nil {
		return questionnaire.Template{}, fmt.Errorf("decode template of assessment %s: %w", r.ID, err)
	}
	t.ID, t.FamilyID, t.Number, t.Status = r.TemplateID, r.TemplateFamilyID, r.TemplateNumber, questionnaire.StatusPublished
	s.mu.Lock()
	if len(s.templates) < maxCachedTemplates {
		s.templates[r.TemplateID] = t
	}
	s.mu.Unlock()
	return t, nil
}

var _ assessment.Repository = (*Assessments)(nil)

type assessmentRow struct {
	ID               string `gorm:"primaryKey"`
	EngagementID     string
	VendorID         string
	TemplateID       string
	TemplateFamilyID string
	TemplateNumber   int
	TemplateDocument string
	Depth            string
	DueDate          time.Time
	Message          string
	Status           string
	SupplierKeyID    string
	Answers          string
	AnswersVersion   int
	ReturnComment    string
	CreatedBy        string
	Version          int
	CreatedAt        time.Time
	UpdatedAt        time.Time `gorm:"autoUpdateTime:false"`
	SentAt           *time.Time
	SubmittedAt      *time.Time
	CompletedAt      *time.Time
	FinalScore       *string
}

func (assessmentRow) TableName() string { return "assessments" }

// answerJSON is the stored form of an answer: a storage format, never rename its fields.
type answerJSON struct {
	Value     string      `json:"value,omitempty"`
	Values    []string    `json:"values,omitempty"`
	Comment   string      `json:"comment,omitempty"`
	UpdatedAt time.Time   `json:"updated_at"`
	UpdatedBy string      `json:"updated_by"`
	Review    *reviewJSON `json:"review,omitempty"`
}

type reviewJSON struct {
	Flag    string    `json:"flag"`
	Comment string    `json:"comment,omitempty"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
}

func toAssessmentRow(a assessment.Assessment, withTemplate bool) assessmentRow {
	answers := make(map[string]answerJSON, len(a.Answers))
	for k, ans := range a.Answers {
		aj := answerJSON{Value: ans.Value, Values: ans.Values, Comment: ans.Comment, UpdatedAt: ans.UpdatedAt.UTC(), UpdatedBy: ans.UpdatedBy}
		if r := ans.Review; r != nil {
			aj.Review = &reviewJSON{Flag: string(r.Flag), Comment: r.Comment, By: r.By, At: r.At.UTC()}
		}
		answers[k] = aj
	}
	row := assessmentRow{ID: a.ID, EngagementID: a.EngagementID, VendorID: a.VendorID, TemplateID: a.Template.ID,
		TemplateFamilyID: a.Template.FamilyID, TemplateNumber: a.Template.Number,
		Depth: string(a.Depth), DueDate: a.DueDate,
		Message: a.Message, Status: string(a.Status), SupplierKeyID: a.SupplierKeyID, Answers: mustJSON(answers),
		AnswersVersion: a.AnswersVersion, ReturnComment: a.ReturnComment, CreatedBy: a.CreatedBy, Version: a.Version,
		CreatedAt: a.CreatedAt.UTC(), UpdatedAt: a.UpdatedAt.UTC(), SentAt: utcPtr(a.SentAt), SubmittedAt: utcPtr(a.SubmittedAt),
		CompletedAt: utcPtr(a.CompletedAt)}
	if a.FinalScore != nil {
		doc := mustJSON(a.FinalScore)
		row.FinalScore = &doc
	}
	if withTemplate {
		row.TemplateDocument = string(questionnaire.Encode(a.Template))
	}
	return row
}

func (s *Assessments) toDomain(r assessmentRow) (assessment.Assessment, error) {
	tpl, err := s.template(r)
	if err != nil {
		return assessment.Assessment{}, err
	}
	var answers map[string]answerJSON
	if err := json.Unmarshal([]byte(r.Answers), &answers); err != nil {
		return assessment.Assessment{}, fmt.Errorf("decode answers of assessment %s: %w", r.ID, err)
	}
	a := assessment.Assessment{ID: r.ID, EngagementID: r.EngagementID, VendorID: r.VendorID, Template: tpl,
		Depth: questionnaire.Coverage(r.Depth), DueDate: *dayPtr(&r.DueDate), Message: r.Message, Status: assessment.Status(r.Status),
		SupplierKeyID: r.SupplierKeyID, Answers: make(map[string]assessment.Answer, len(answers)), AnswersVersion: r.AnswersVersion,
		ReturnComment: r.ReturnComment, CreatedBy: r.CreatedBy, Version: r.Version, CreatedAt: r.CreatedAt.UTC(),
		UpdatedAt: r.UpdatedAt.UTC(), SentAt: utcPtr(r.SentAt), SubmittedAt: utcPtr(r.SubmittedAt), CompletedAt: utcPtr(r.CompletedAt)}
	if r.FinalScore != nil {
		a.FinalScore = new(scoring.Result)
		if err := json.Unmarshal([]byte(*r.FinalScore), a.FinalScore); err != nil {
			return assessment.Assessment{}, fmt.Errorf("decode final score of assessment %s: %w", r.ID, err)
		}
	}
	for k, aj := range answers {
		ans := assessment.Answer{Key: k, Value: aj.Value, Values: aj.Values, Comment: aj.Comment, UpdatedAt: aj.UpdatedAt.UTC(), UpdatedBy: aj.UpdatedBy}
		if rv := aj.Review; rv != nil {
			ans.Review = &assessment.Review{Flag: assessment.ReviewFlag(rv.Flag), Comment: rv.Comment, By: rv.By, At: rv.At.UTC()}
		}
		a.Answers[k] = ans
	}
	return a, nil
}

// Create inserts an assessment.
func (s *Assessments) Create(ctx context.Context, a assessment.Assessment) error {
	row := toAssessmentRow(a, true)
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("insert assessment: %w", dbErr(err))
	}
	return nil
}

// Get reads one assessment.
func (s *Assessments) Get(ctx context.Context, id string) (assessment.Assessment, error) {
	return s.get(s.db.conn(ctx), id)
}

// GetForUpdate reads and locks one assessment.
func (s *Assessments) GetForUpdate(ctx context.Context, id string) (assessment.Assessment, error) {
	return s.get(s.db.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}), id)
}

func (s *Assessments) get(q *gorm.DB, id string) (assessment.Assessment, error) {
	var row assessmentRow
	if err := q.Where("id = ?", id).Take(&row).Error; err != nil {
		return assessment.Assessment{}, dbErr(err)
	}
	return s.toDomain(row)
}

// Update writes a when the stored version is a.Version-1.
func (s *Assessments) Update(ctx context.Context, a assessment.Assessment) error {
	row := toAssessmentRow(a, false)
	res := s.db.conn(ctx).Model(&assessmentRow{}).Where("id = ? AND version = ?", a.ID, a.Version-1).
		Select("*").Omit("id", "engagement_id", "vendor_id", "template_id", "template_family_id", "template_number",
		"template_document", "created_at").Updates(&row)
	return affectedOne(res.Error, res.RowsAffected, "update assessment "+a.ID)
}

// awaitingSupplier are the statuses in which a past due date makes an assessment overdue.
var awaitingSupplier = []string{string(assessment.StatusSent), string(assessment.StatusInProgress), string(assessment.StatusReturned)}

// List returns assessments after f.AfterID, by ID.
func (s *Assessments) List(ctx context.Context, f assessment.Filter) ([]assessment.Assessment, error) {
	q := s.db.conn(ctx).Model(&assessmentRow{}).Order("id").Limit(f.Limit)
	if f.AfterID != "" {
		q = q.Where("id > ?", f.AfterID)
	}
	if f.Status != "" {
		q = q.Where("status = ?", string(f.Status))
	}
	if f.EngagementID != "" {
		q = q.Where("engagement_id = ?", f.EngagementID)
	}
	if f.VendorID != "" {
		q = q.Where("vendor_id = ?", f.VendorID)
	}
	if f.SentOnly {
		q = q.Where("sent_at IS NOT NULL")
	}
	if f.Overdue != nil {
		if *f.Overdue {
			q = q.Where("due_date < ? AND status IN ?", f.Today, awaitingSupplier)
		} else {
			q = q.Where("NOT (due_date < ? AND status IN ?)", f.Today, awaitingSupplier)
		}
	}
	var rows []assessmentRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("query assessments: %w", dbErr(err))
	}
	out := make([]assessment.Assessment, len(rows))
	for i, r := range rows {
		var err error
		if out[i], err = s.toDomain(r); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// OpenFor returns the open assessments of an engagement from a template family.
func (s *Assessments) OpenFor(ctx context.Context, engagementID, familyID string) ([]assessment.Assessment, error) {
	var rows []assessmentRow
	err := s.db.conn(ctx).Where("engagement_id = ? AND template_family_id = ? AND status NOT IN ?", engagementID, familyID,
		[]string{string(assessment.StatusCompleted), string(assessment.StatusCancelled)}).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("query open assessments: %w", dbErr(err))
	}
	out := make([]assessment.Assessment, len(rows))
	for i, r := range rows {
		var err error
		if out[i], err = s.toDomain(r); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Lock takes the assessment lock until the transaction ends.
func (s *Assessments) Lock(ctx context.Context) error { return takeLock(ctx, s.db, "assessments") }

type evidenceRow struct {
	ID           string `gorm:"primaryKey"`
	AssessmentID string
	VendorID     string
	FileName     string
	ContentType  string
	Size         int64
	SHA256       string `gorm:"column:sha256"`
	QuestionKeys string
	UploadedBy   string
	CreatedAt    time.Time
}

func (evidenceRow) TableName() string { return "evidence" }

func (r evidenceRow) toDomain() (assessment.Evidence, error) {
	e := assessment.Evidence{ID: r.ID, AssessmentID: r.AssessmentID, VendorID: r.VendorID, FileName: r.FileName,
		ContentType: r.ContentType, Size: r.Size, SHA256: r.SHA256, UploadedBy: r.UploadedBy, CreatedAt: r.CreatedAt.UTC()}
	if err := json.Unmarshal([]byte(r.QuestionKeys), &e.QuestionKeys); err != nil {
		return assessment.Evidence{}, fmt.Errorf("decode question keys of evidence %s: %w", r.ID, err)
	}
	return e, nil
}

// CreateEvidence records an uploaded file.
func (s *Assessments) CreateEvidence(ctx context.Context, e assessment.Evidence) error {
	row := evidenceRow{ID: e.ID, AssessmentID: e.AssessmentID, VendorID: e.VendorID, FileName: e.FileName,
		ContentType: e.ContentType, Size: e.Size, SHA256: e.SHA256, QuestionKeys: mustJSON(nonNil(e.QuestionKeys)),
		UploadedBy: e.UploadedBy, CreatedAt: e.CreatedAt.UTC()}
	if err := s.db.conn(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("insert evidence: %w", dbErr(err))
	}
	return nil
}

// Evidence lists an assessment's evidence, oldest first.
func (s *Assessments) Evidence(ctx context.Context, assessmentID string) ([]assessment.Evidence, error) {
	var rows []evidenceRow
	if err := s.db.conn(ctx).Where("assessment_id = ?", assessmentID).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("query evidence: %w", dbErr(err))
	}
	out := make([]assessment.Evidence, len(rows))
	for i, r := range rows {
		var err error
		if out[i], err = r.toDomain(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// GetEvidence reads one evidence record.
func (s *Assessments) GetEvidence(ctx context.Context, id string) (assessment.Evidence, error) {
	var row evidenceRow
	if err := s.db.conn(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return assessment.Evidence{}, dbErr(err)
	}
	return row.toDomain()
}

// EvidenceStored reports whether any evidence record names the blob sha256.
func (s *Assessments) EvidenceStored(ctx context.Context, sha256 string) (bool, error) {
	var n int64
	if err := s.db.conn(ctx).Model(&evidenceRow{}).Where("sha256 = ?", sha256).Limit(1).Count(&n).Error; err != nil {
		return false, dbErr(err)
	}
	return n > 0, nil
}

// LatestCompleted returns the engagement's most recently completed assessment.
func (s *Assessments) LatestCompleted(ctx context.Context, engagementID string) (assessment.Assessment, error) {
	var row assessmentRow
	err := s.db.conn(ctx).Where("engagement_id = ? AND status = ?", engagementID, string(assessment.StatusCompleted)).
		Order("completed_at DESC").Order("id DESC").Take(&row).Error
	if err != nil {
		return assessment.Assessment{}, dbErr(err)
	}
	return s.toDomain(row)
}
