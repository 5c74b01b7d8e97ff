package assessment

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/event"
	"github.com/vendorrisk/vendorrisk/domain/questionnaire"
	"github.com/vendorrisk/vendorrisk/domain/risk"
)

// KeyGrace is how long a supplier key stays valid after the due date, for late answers and returns.
const KeyGrace = 30 * 24 * time.Hour

// EngagementRef is what an assessment needs to know about its engagement.
type EngagementRef struct {
	ID            string
	VendorID      string
	EffectiveTier risk.Tier
}

// RiskRef is an engagement's inherent risk as the residual risk needs it.
type RiskRef struct {
	InherentScore int
	Impact        risk.CIA
	Exposure      []domain.Money
}

// Deps are the other modules an assessment uses, behind small interfaces.
type Deps struct {
	// Risk evaluates the engagement's inherent risk now.
	Risk       func(ctx context.Context, engagementID string) (RiskRef, error)
	Engagement func(ctx context.Context, id string) (EngagementRef, error)
	Template   func(ctx context.Context, id string) (questionnaire.Template, error)
	Depth      func(ctx context.Context, tier risk.Tier) (questionnaire.Coverage, error)
	// NewSupplierKey creates a credential bound to the vendor and returns its id and secret.
	NewSupplierKey func(ctx context.Context, vendorID, name string, expires time.Time) (string, string, error)
	RevokeKey      func(ctx context.Context, keyID string) error
	Blobs          BlobStore
}

// Filter selects assessments for a list.
type Filter struct {
	Status       Status
	Overdue      *bool
	EngagementID string
	VendorID     string
	SentOnly     bool // suppliers see only what was sent to them
	Today        time.Time
	AfterID      string
	Limit        int
}

// Repository stores assessments and evidence metadata.
type Repository interface {
	Create(ctx context.Context, a Assessment) error
	Get(ctx context.Context, id string) (Assessment, error)
	GetForUpdate(ctx context.Context, id string) (Assessment, error)
	// Update writes a when the stored version is a.Version-1, else domain.ErrStaleVersion.
	Update(ctx context.Context, a Assessment) error
	List(ctx context.Context, f Filter) ([]Assessment, error)
	// OpenFor returns the open assessments of an engagement issued from a template family.
	OpenFor(ctx context.Context, engagementID, templateFamilyID string) ([]Assessment, error)
	CreateEvidence(ctx context.Context, e Evidence) error
	Evidence(ctx context.Context, assessmentID string) ([]Evidence, error)
	GetEvidence(ctx context.Context, id string) (Evidence, error)
	// EvidenceStored reports whether any evidence record names the blob sha256.
	EvidenceStored(ctx context.Context, sha256 string) (bool, error)
	// Lock serialises issuing so that two requests cannot both open an assessment for one template.
	Lock(ctx context.Context) error
	// LatestCompleted returns the engagement's most recently completed assessment (domain.ErrNotFound if none).
	LatestCompleted(ctx context.Context, engagementID string) (Assessment, error)
}

// Service holds the assessment use cases.
type Service struct {
	repo   Repository
	deps   Deps
	tx     domain.TxManager
	now    domain.Clock
	events event.Recorder
}

// NewService wires the assessment use cases; events records what each write changed, in its transaction.
func NewService(repo Repository, deps Deps, tx domain.TxManager, now domain.Clock, events event.Recorder) *Service {
	return &Service{repo: repo, deps: deps, tx: tx, now: now, events: events}
}

// NewAssessment is the input of Issue.
type NewAssessment struct {
	EngagementID string
	TemplateID   string
	DueDate      time.Time
	Depth        questionnaire.Coverage // "" takes the depth of the engagement's effective tier policy
	Message      string
}

// Issue creates a draft assessment from a published template. One open assessment per engagement and
// template family at a time.
func (s *Service) Issue(ctx context.Context, in NewAssessment) (Assessment, error) {
	p, err := auth.Caller(ctx)
	if err != nil {
		return Assessment{}, err
	}
	var v domain.Validator
	v.Check(domain.ValidID(in.EngagementID), "engagement_id", "must be an engagement id")
	v.Check(domain.ValidID(in.TemplateID), "template_id", "must be a questionnaire template id")
	v.Check(!in.DueDate.IsZero() && !day(in.DueDate).Before(day(s.now())), "due_date", "must be today or later")
	v.Check(in.Depth == "" || slices.Contains(questionnaire.Coverages, in.Depth), "depth", "must be core or core+extended")
	v.Check(utf8.RuneCountInString(in.Message) <= 4000, "message", "must be at most 4000 characters")
	if err := v.Err(); err != nil {
		return Assessment{}, err
	}
	eng, err := s.deps.Engagement(ctx, in.EngagementID)
	if domain.IsKind(err, domain.KindNotFound) {
		return Assessment{}, domain.Invalid("engagement_id", "no such engagement")
	}
	if err != nil {
		return Assessment{}, err
	}
	tpl, err := s.deps.Template(ctx, in.TemplateID)
	if domain.IsKind(err, domain.KindNotFound) {
		return Assessment{}, domain.Invalid("template_id", "no such questionnaire template")
	}
	if err != nil {
		return Assessment{}, err
	}
	if tpl.Status != questionnaire.StatusPublished {
		return Assessment{}, domain.Invalidf("template_id", "the template is %s; only a published template can be issued", string(tpl.Status))
	}
	depth := in.Depth
	if depth == "" {
		if depth, err = s.deps.Depth(ctx, eng.EffectiveTier); err != nil {
			return Assessment{}, err
		}
	}
	now := s.now()
	a := Assessment{ID: domain.NewID(), EngagementID: eng.ID, VendorID: eng.VendorID, Template: tpl, Depth: depth,
		DueDate: day(in.DueDate), Message: strings.TrimSpace(in.Message), Status: StatusDraft, Answers: map[string]Answer{},
		AnswersVersion: 1, CreatedBy: p.KeyID, Version: 1, CreatedAt: now, UpdatedAt: now}
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.repo.Lock(ctx); err != nil {
			return fmt.Errorf("lock assessments: %w", err)
		}
		open, err := s.repo.OpenFor(ctx, eng.ID, tpl.FamilyID)
		if err != nil {
			return fmt.Errorf("look up open assessments: %w", err)
		}
		if len(open) > 0 {
			return domain.Errorf(domain.KindConflict, "assessment %s of this template is still %s for this engagement; complete or cancel it first",
				open[0].ID, open[0].Status)
		}
		if err := s.repo.Create(ctx, a); err != nil {
			return fmt.Errorf("create assessment: %w", err)
		}
		return event.Record(ctx, s.events, "assessment.created", subject(a), nil, summaryOf(a))
	})
	return a, err
}

// Get returns an assessment with its evidence for internal roles.
func (s *Service) Get(ctx context.Context, id string) (Assessment, []Evidence, error) {
	if _, err := s.internal(ctx, id); err != nil {
		return Assessment{}, nil, err
	}
	return s.withEvidence(ctx, id)
}

func (s *Service) withEvidence(ctx context.Context, id string) (Assessment, []Evidence, error) {
	a, err := s.load(ctx, id, false)
	if err != nil {
		return Assessment{}, nil, err
	}
	ev, err := s.repo.Evidence(ctx, id)
	if err != nil {
		return Assessment{}, nil, fmt.Errorf("load evidence of %s: %w", id, err)
	}
	return a, ev, nil
}

// internal refuses suppliers with NotFound: they use the supplier endpoints.
func (s *Service) internal(ctx context.Context, id string) (auth.Principal, error) {
	p, err := auth.Caller(ctx)
	if err != nil {
		return p, err
	}
	if p.IsSupplier() {
		return p, domain.NotFound("assessment", id)
	}
	return p, nil
}

func (s *Service) load(ctx context.Context, id string, forUpdate bool) (Assessment, error) {
	return domain.Load(ctx, "assessment", id, s.repo.Get, s.repo.GetForUpdate, forUpdate)
}

// List returns one page of assessments; a supplier sees only its vendor's, and never drafts.
func (s *Service) List(ctx context.Context, f Filter, cursor string) (domain.Page[Assessment], error) {
	p, err := auth.Caller(ctx)
	if err != nil {
		return domain.Page[Assessment]{}, err
	}
	var v domain.Validator
	v.Check(f.Status == "" || slices.Contains(Statuses, f.Status), "status", "is not an assessment status")
	v.Check(f.EngagementID == "" || domain.ValidID(f.EngagementID), "engagement_id", "must be an engagement id")
	v.Check(f.VendorID == "" || domain.ValidID(f.VendorID), "vendor_id", "must be a vendor id")
	if err := v.Err(); err != nil {
		return domain.Page[Assessment]{}, err
	}
	if p.IsSupplier() {
		if f.VendorID != "" && f.VendorID != p.VendorID {
			return domain.Page[Assessment]{Items: []Assessment{}}, nil
		}
		f.VendorID, f.SentOnly = p.VendorID, true
		if f.Status == StatusDraft {
			return domain.Page[Assessment]{Items: []Assessment{}}, nil
		}
	}
	return domain.ListPage(ctx, "assessments", f.Limit, cursor, "created_at",
		func(ctx context.Context, after *domain.Cursor, limit int) ([]Assessment, error) {
			f.AfterID, f.Limit, f.Today = domain.CursorID(after), limit, day(s.now())
			return s.repo.List(ctx, f)
		}, func(a Assessment) domain.Cursor { return domain.Cursor{Sort: "created_at", ID: a.ID} })
}

// SupplierKey is the credential handed to the supplier when an assessment is sent; shown once.
type SupplierKey struct {
	ID        string
	Secret    string
	ExpiresAt time.Time
}

// Send moves a draft to sent and creates the supplier's credential for it. Nothing is e-mailed:
// the secret is returned for procurement to pass on.
func (s *Service) Send(ctx context.Context, id string, ifMatch *int) (Assessment, SupplierKey, error) {
	if _, err := s.internal(ctx, id); err != nil {
		return Assessment{}, SupplierKey{}, err
	}
	var key SupplierKey
	a, err := s.change(ctx, id, ifMatch, "assessment.sent", func(ctx context.Context, a *Assessment) error {
		if err := transition(a, StatusSent); err != nil {
			return err
		}
		key.ExpiresAt = a.DueDate.Add(24*time.Hour + KeyGrace)
		var err error
		key.ID, key.Secret, err = s.deps.NewSupplierKey(ctx, a.VendorID, "assessment "+a.ID, key.ExpiresAt)
		if err != nil {
			return fmt.Errorf("create supplier key: %w", err)
		}
		now := s.now()
		a.SupplierKeyID, a.SentAt = key.ID, &now
		return nil
	})
	return a, key, err
}

// Cancel ends an open assessment and revokes its supplier key.
func (s *Service) Cancel(ctx context.Context, id string, ifMatch *int) (Assessment, error) {
	if _, err := s.internal(ctx, id); err != nil {
		return Assessment{}, err
	}
	return s.change(ctx, id, ifMatch, "assessment.cancelled", func(ctx context.Context, a *Assessment) error {
		if err := transition(a, StatusCancelled); err != nil {
			return err
		}
		if a.SupplierKeyID != "" {
			if err := s.deps.RevokeKey(ctx, a.SupplierKeyID); err != nil {
				return fmt.Errorf("revoke supplier key: %w", err)
			}
		}
		return nil
	})
}

func transition(a *Assessment, to Status) error {
	if !CanTransition(a.Status, to) {
		return domain.Errorf(domain.KindConflict, "the assessment is %s and cannot become %s (allowed: %s)", a.Status, to,
			domain.NextStates(transitions[a.Status]))
	}
	a.Status = to
	return nil
}

// change runs one read-modify-write of an assessment in a transaction with the row locked, and records
// it as an event of type typ.
func (s *Service) change(ctx context.Context, id string, ifMatch *int, typ string, mutate func(ctx context.Context, a *Assessment) error) (Assessment, error) {
	var out Assessment
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		a, err := s.load(ctx, id, true)
		if err != nil {
			return err
		}
		if ifMatch != nil && *ifMatch != a.Version {
			return domain.Errorf(domain.KindPreconditionFailed,
				"the assessment has changed: If-Match names version %d, the current version is %d", *ifMatch, a.Version)
		}
		before := cloneAnswers(a)
		if err := mutate(ctx, &a); err != nil {
			return err
		}
		a.Version++
		a.UpdatedAt = s.now()
		if err := s.repo.Update(ctx, a); err != nil {
			if errors.Is(err, domain.ErrStaleVersion) {
				return domain.Errorf(domain.KindPreconditionFailed, "the assessment was changed by another request; read it again")
			}
			return fmt.Errorf("update assessment %s: %w", id, err)
		}
		out = a
		return s.record(ctx, changed(typ, before, a))
	})
	return out, err
}

// AnswerReview is a reviewer's verdict on one answer.
type AnswerReview struct {
	Key     string
	Flag    ReviewFlag
	Comment string
}

// ReviewAnswers records per-answer verdicts; the first moves a submitted assessment under review.
func (s *Service) ReviewAnswers(ctx context.Context, id string, reviews []AnswerReview, ifMatch *int) (Assessment, error) {
	p, err := s.internal(ctx, id)
	if err != nil {
		return Assessment{}, err
	}
	return s.change(ctx, id, ifMatch, "assessment.answers_reviewed", func(ctx context.Context, a *Assessment) error {
		if a.Status == StatusSubmitted {
			a.Status = StatusUnderReview
		}
		if a.Status != StatusUnderReview {
			return domain.Errorf(domain.KindConflict, "the assessment is %s; answers are reviewed once it is submitted", a.Status)
		}
		var v domain.Validator
		v.Check(len(reviews) > 0 && len(reviews) <= 1000, "reviews", "must list 1 to 1000 reviews")
		now := s.now()
		for i, r := range reviews {
			f := fmt.Sprintf("reviews[%d]", i)
			ans, ok := a.Answers[r.Key]
			if r.Key == "" {
				v.Add(f+".key", "is required")
			} else {
				v.Check(ok, f+".key", "the supplier gave no answer to this question")
			}
			v.Check(r.Flag == FlagAccepted || r.Flag == FlagNeedsClarification, f+".flag", "must be accepted or needs_clarification")
			v.Check(r.Flag != FlagNeedsClarification || strings.TrimSpace(r.Comment) != "", f+".comment", "is required when clarification is needed")
			v.Check(utf8.RuneCountInString(r.Comment) <= 4000, f+".comment", "must be at most 4000 characters")
			if ok {
				ans.Review = &Review{Flag: r.Flag, Comment: strings.TrimSpace(r.Comment), By: p.KeyID, At: now}
				a.Answers[r.Key] = ans
			}
		}
		return v.Err()
	})
}

// Decision is the reviewer's outcome.
type Decision string

const (
	DecisionReturn   Decision = "return"
	DecisionComplete Decision = "complete"
)

// Decide returns the assessment to the supplier (a comment, general or on an answer, is required) or
// completes it, after which it is immutable.
func (s *Service) Decide(ctx context.Context, id string, d Decision, comment string, ifMatch *int) (Assessment, error) {
	if _, err := s.internal(ctx, id); err != nil {
		return Assessment{}, err
	}
	comment = strings.TrimSpace(comment)
	// What completing sets off (findings raised from the final answers, the engagement's review date)
	// follows assessment.completed in this transaction (domain/workflow).
	typ := "assessment.returned"
	if d == DecisionComplete {
		typ = "assessment.completed"
	}
	return s.change(ctx, id, ifMatch, typ, func(ctx context.Context, a *Assessment) error {
		switch d {
		case DecisionReturn:
			if comment == "" && !hasClarification(a) {
				return domain.Invalid("comment", "is required to return the assessment (or flag an answer needs_clarification with a comment)")
			}
			if err := transition(a, StatusReturned); err != nil {
				return err
			}
			a.ReturnComment = comment
		case DecisionComplete:
			if err := transition(a, StatusCompleted); err != nil {
				return err
			}
			now := s.now()
			a.CompletedAt = &now
			final := ScoreOf(*a, a.Answers)
			a.FinalScore = &final
			if comment != "" {
				a.ReturnComment = comment
			}
		default:
			return domain.Invalid("decision", "must be return or complete")
		}
		return nil
	})
}

// Final returns a completed assessment with its evidence, without a caller check, for the rules that
// follow its completion in the completing transaction (domain/workflow).
func (s *Service) Final(ctx context.Context, id string) (Assessment, []Evidence, error) {
	a, err := s.load(ctx, id, false)
	if err != nil {
		return Assessment{}, nil, err
	}
	if a.Status != StatusCompleted {
		return Assessment{}, nil, fmt.Errorf("assessment %s is %s, not completed", id, a.Status)
	}
	ev, err := s.repo.Evidence(ctx, id)
	if err != nil {
		return Assessment{}, nil, fmt.Errorf("load evidence of %s: %w", id, err)
	}
	return a, ev, nil
}

func hasClarification(a *Assessment) bool {
	for _, ans := range a.Answers {
		if ans.Review != nil && ans.Review.Flag == FlagNeedsClarification && ans.Review.Comment != "" {
			return true
		}
	}
	return false
}

// supplierScope loads an assessment for its supplier: another vendor's, or a draft, is NotFound.
func (s *Service) supplierScope(ctx context.Context, id string, forUpdate bool) (auth.Principal, Assessment, error) {
	p, err := auth.Caller(ctx)
	if err != nil {
		return p, Assessment{}, err
	}
	a, err := s.load(ctx, id, forUpdate)
	if err != nil {
		return p, Assessment{}, err
	}
	if !p.IsSupplier() || a.VendorID != p.VendorID || a.SentAt == nil { // never sent: not the supplier's business
		return p, Assessment{}, domain.NotFound("assessment", id)
	}
	return p, a, nil
}

// SupplierGet returns the assessment as its supplier sees it.
func (s *Service) SupplierGet(ctx context.Context, id string) (Assessment, []Evidence, error) {
	if _, _, err := s.supplierScope(ctx, id, false); err != nil {
		return Assessment{}, nil, err
	}
	return s.withEvidence(ctx, id)
}

// AnswerInput is one answer in a batch; Clear removes a saved answer. Comment nil keeps the saved
// comment, so that clients that never send one do not erase it.
type AnswerInput struct {
	Key     string
	Value   string
	Values  []string
	Comment *string
	Clear   bool
}

// SaveAnswers stores a batch of answers (partial saves allowed). Each answer is checked against its
// question; an answer to an unknown or hidden question is refused naming its key. ifMatch, when set,
// must be the current answers version, so that two people at the supplier cannot overwrite each other.
func (s *Service) SaveAnswers(ctx context.Context, id string, in []AnswerInput, ifMatch *int) (Assessment, error) {
	var out Assessment
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		a, before, err := s.answered(ctx, id, in, ifMatch, true)
		if err != nil {
			return err
		}
		if a.Status == StatusSent || a.Status == StatusReturned {
			a.Status = StatusInProgress
		}
		a.AnswersVersion++
		a.Version++
		a.UpdatedAt = s.now()
		if err := s.repo.Update(ctx, a); err != nil {
			return fmt.Errorf("save answers of %s: %w", id, err)
		}
		out = a
		ev, err := s.repo.Evidence(ctx, id)
		if err != nil {
			return fmt.Errorf("load evidence of %s: %w", id, err)
		}
		e := changed("assessment.answers_saved", before, a)
		e.Data["progress"] = event.Snapshot(ProgressOf(a, ev))
		return s.record(ctx, e)
	})
	return out, err
}

// CheckAnswers runs SaveAnswers' checks on a batch without saving it (a dry run): the same scope,
// state, If-Match and per-answer rules, the same errors.
func (s *Service) CheckAnswers(ctx context.Context, id string, in []AnswerInput, ifMatch *int) error {
	_, _, err := s.answered(ctx, id, in, ifMatch, false)
	return err
}

// answered loads the supplier's assessment and applies the batch to it in memory: the assessment as
// the batch leaves it, and a copy of it before.
func (s *Service) answered(ctx context.Context, id string, in []AnswerInput, ifMatch *int, forUpdate bool) (Assessment, Assessment, error) {
	p, a, err := s.supplierScope(ctx, id, forUpdate)
	if err != nil {
		return Assessment{}, Assessment{}, err
	}
	if !a.Status.SupplierEditable() {
		return Assessment{}, Assessment{}, domain.Errorf(domain.KindConflict, "the assessment is %s; answers can no longer change", a.Status)
	}
	if ifMatch != nil && *ifMatch != a.AnswersVersion {
		return Assessment{}, Assessment{}, domain.Errorf(domain.KindPreconditionFailed,
			"the answers have changed: If-Match names version %d, the current version is %d", *ifMatch, a.AnswersVersion)
	}
	before := cloneAnswers(a)
	if err := s.applyAnswers(&a, in, p.KeyID); err != nil {
		return Assessment{}, Assessment{}, err
	}
	return a, before, nil
}

func (s *Service) applyAnswers(a *Assessment, in []AnswerInput, by string) error {
	var v domain.Validator
	v.Check(len(in) > 0 && len(in) <= 2000, "answers", "must list 1 to 2000 answers")
	merged := make(map[string]Answer, len(a.Answers)+len(in))
	for k, ans := range a.Answers {
		merged[k] = ans
	}
	now := s.now()
	seen := map[string]bool{}
	for i, x := range in {
		f := fmt.Sprintf("answers[%d]", i)
		v.Check(!seen[x.Key], f+".key", "appears twice in this batch")
		seen[x.Key] = true
		if x.Clear {
			delete(merged, x.Key)
			continue
		}
		prev := merged[x.Key]
		comment := prev.Comment
		if x.Comment != nil {
			comment = strings.TrimSpace(*x.Comment)
		}
		review := prev.Review
		if prev.Value != x.Value || !slices.Equal(prev.Values, x.Values) || prev.Comment != comment {
			review = nil // a changed answer needs a new review
		}
		merged[x.Key] = Answer{Key: x.Key, Value: x.Value, Values: x.Values, Comment: comment, UpdatedAt: now, UpdatedBy: by, Review: review}
	}
	// Visibility is judged on the answers as they will be, so one batch may answer a question and
	// the follow-up it reveals.
	visible := map[string]questionnaire.Question{}
	for _, q := range a.Visible(merged) {
		visible[q.Key] = q
	}
	for i, x := range in {
		f := fmt.Sprintf("answers[%d]", i)
		q, ok := visible[x.Key]
		if !ok {
			v.Addf(f+".key", "question %q is unknown or not shown in this assessment", domain.Literal(x.Key))
			continue
		}
		if !x.Clear {
			checkAnswer(&v, f, q, merged[x.Key])
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	a.Answers = merged
	return nil
}

// Upload is an evidence file sent by the supplier: Size bytes readable from Content (a file the
// transport spooled to disk, or memory for a small one), never read into memory whole.
type Upload struct {
	FileName     string
	Content      io.ReaderAt
	Size         int64
	QuestionKeys []string
}

// UploadEvidence stores a file (type decided by its content) and links it to visible questions.
func (s *Service) UploadEvidence(ctx context.Context, id string, up Upload) (Evidence, error) {
	var out Evidence
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		p, a, err := s.supplierScope(ctx, id, true)
		if err != nil {
			return err
		}
		if !a.Status.SupplierEditable() {
			return domain.Errorf(domain.KindConflict, "the assessment is %s; evidence can no longer be added", a.Status)
		}
		name := strings.TrimSpace(up.FileName) // kept as given: display text only
		var v domain.Validator
		if msg := FileNameProblem(name); msg != "" {
			v.Add("file", msg)
		}
		v.Check(up.Size > 0, "file", "is empty")
		v.Check(len(up.QuestionKeys) > 0 && len(up.QuestionKeys) <= 50, "question_keys", "must name 1 to 50 questions")
		visible := map[string]bool{}
		for _, q := range a.Visible(a.Answers) {
			visible[q.Key] = true
		}
		for i, k := range up.QuestionKeys {
			v.Checkf(visible[k], fmt.Sprintf("question_keys[%d]", i), "question %q is unknown or not shown in this assessment", domain.Literal(k))
		}
		if err := v.Err(); err != nil {
			return err
		}
		ct, ok := SniffAt(name, up.Content, up.Size)
		if !ok {
			return ErrUnsupportedType
		}
		h := sha256.New()
		if _, err := io.Copy(h, io.NewSectionReader(up.Content, 0, up.Size)); err != nil {
			return fmt.Errorf("hash evidence: %w", err)
		}
		e := Evidence{ID: domain.NewID(), AssessmentID: a.ID, VendorID: a.VendorID, FileName: name, ContentType: ct,
			Size: up.Size, SHA256: hex.EncodeToString(h.Sum(nil)), QuestionKeys: dedupe(up.QuestionKeys),
			UploadedBy: p.KeyID, CreatedAt: s.now()}
		if err := s.deps.Blobs.Put(ctx, e.SHA256, io.NewSectionReader(up.Content, 0, up.Size), e.Size); err != nil {
			return fmt.Errorf("store evidence: %w", err)
		}
		if err := s.repo.CreateEvidence(ctx, e); err != nil {
			return fmt.Errorf("record evidence: %w", err)
		}
		if a.Status != StatusInProgress {
			a.Status = StatusInProgress
			a.Version++
			a.UpdatedAt = s.now()
			if err := s.repo.Update(ctx, a); err != nil {
				return fmt.Errorf("update assessment %s: %w", id, err)
			}
		}
		out = e
		// The event carries the file's metadata and hash, never its content.
		added := event.New("assessment.evidence_added", event.Subject{Type: "evidence", ID: e.ID, VendorID: e.VendorID}, nil, e)
		added.Data["assessment_status"] = string(a.Status)
		return s.record(ctx, added)
	})
	return out, err
}

// ErrUnsupportedType is an upload whose content is not an allowed type (the transport answers 415).
var ErrUnsupportedType = &domain.Error{Kind: domain.KindInvalid, Message: "the file's content is not an allowed type (pdf, png, jpeg, txt, csv, xlsx, docx)",
	Fields: []domain.FieldError{{Field: "file", Message: "content type not allowed"}}}

func dedupe(keys []string) []string {
	out := slices.Clone(keys)
	sort.Strings(out)
	return slices.Compact(out)
}

// Submit freezes the answers if every visible required question is answered and every required
// evidence is there; otherwise it lists every missing item by question key.
func (s *Service) Submit(ctx context.Context, id string) (Assessment, error) {
	var out Assessment
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		_, a, err := s.supplierScope(ctx, id, true)
		if err != nil {
			return err
		}
		if !CanTransition(a.Status, StatusSubmitted) {
			return domain.Errorf(domain.KindConflict, "the assessment is %s and cannot be submitted", a.Status)
		}
		ev, err := s.repo.Evidence(ctx, id)
		if err != nil {
			return fmt.Errorf("load evidence of %s: %w", id, err)
		}
		if err := missing(a, ev); err != nil {
			return err
		}
		before := cloneAnswers(a)
		now := s.now()
		a.Status, a.SubmittedAt, a.ReturnComment = StatusSubmitted, &now, ""
		a.Version++
		a.UpdatedAt = now
		if err := s.repo.Update(ctx, a); err != nil {
			return fmt.Errorf("submit assessment %s: %w", id, err)
		}
		out = a
		e := changed("assessment.submitted", before, a)
		e.Data["progress"] = event.Snapshot(ProgressOf(a, ev))
		e.Data["evidence"] = len(ev)
		return s.record(ctx, e)
	})
	return out, err
}

// Progress counts answered against required visible questions.
type Progress struct {
	Visible  int
	Answered int
	Required int
	// RequiredAnswered counts required questions with an answer (or evidence, for evidence questions).
	RequiredAnswered int
}

// ProgressOf computes the supplier's progress.
func ProgressOf(a Assessment, ev []Evidence) Progress {
	withEvidence := evidenceKeys(ev)
	var p Progress
	for _, q := range a.Visible(a.Answers) {
		p.Visible++
		done := answered(a, q, withEvidence)
		if done {
			p.Answered++
		}
		if q.Required {
			p.Required++
			if done {
				p.RequiredAnswered++
			}
		}
	}
	return p
}

func evidenceKeys(ev []Evidence) map[string]bool {
	out := map[string]bool{}
	for _, e := range ev {
		for _, k := range e.QuestionKeys {
			out[k] = true
		}
	}
	return out
}

func answered(a Assessment, q questionnaire.Question, withEvidence map[string]bool) bool {
	if q.Type == questionnaire.TypeEvidence {
		return withEvidence[q.Key]
	}
	_, ok := a.Answers[q.Key]
	return ok
}

// MissingItem is one thing that stops a submission: a required answer, or evidence an answer needs.
type MissingItem struct {
	Key      string
	Evidence bool
}

// Missing lists what stops a submission, in question order.
func Missing(a Assessment, ev []Evidence) []MissingItem {
	withEvidence := evidenceKeys(ev)
	var out []MissingItem
	for _, q := range a.Visible(a.Answers) {
		if q.Required && !answered(a, q, withEvidence) {
			out = append(out, MissingItem{Key: q.Key})
		}
		if needsEvidence(q, a.Answers[q.Key]) && !withEvidence[q.Key] {
			out = append(out, MissingItem{Key: q.Key, Evidence: true})
		}
	}
	return out
}

func missing(a Assessment, ev []Evidence) error {
	var v domain.Validator
	for _, m := range Missing(a, ev) {
		if m.Evidence {
			v.Add("evidence."+m.Key, "evidence is required for this answer")
		} else {
			v.Add("answers."+m.Key, "a required answer is missing")
		}
	}
	if err := v.Err(); err != nil {
		var de *domain.Error
		errors.As(err, &de)
		de.Message = "the assessment cannot be submitted yet: every missing answer and evidence is listed"
		return de
	}
	return nil
}

func needsEvidence(q questionnaire.Question, ans Answer) bool {
	switch q.Evidence.Mode {
	case questionnaire.EvidenceAlways:
		return true
	case questionnaire.EvidenceWhenAnswer:
		return matches(ans, q.Evidence.WhenAnswer)
	}
	return false
}

// EvidenceFor returns evidence metadata for internal roles or the owning supplier.
func (s *Service) EvidenceFor(ctx context.Context, id string) (Evidence, error) {
	e, _, err := auth.Load(ctx, "evidence", id, s.repo.GetEvidence, func(e Evidence) string { return e.VendorID })
	return e, err
}

// ErrCorrupt is stored evidence whose content no longer matches its hash.
var ErrCorrupt = errors.New("stored evidence does not match its SHA-256")

// Content returns an evidence file after checking its hash: the content is copied to an unlinked
// temporary file while it is hashed, so a corrupted file is an error, never served, and a large one
// is never held in memory. The caller closes the file.
func (s *Service) Content(ctx context.Context, id string) (Evidence, *os.File, error) {
	e, err := s.EvidenceFor(ctx, id)
	if err != nil {
		return Evidence{}, nil, err
	}
	r, err := s.deps.Blobs.Open(ctx, e.SHA256)
	if err != nil {
		return Evidence{}, nil, fmt.Errorf("read evidence %s: %w", id, err)
	}
	f, n, err := spoolVerified(VerifyReader(r, e.SHA256, e.Size))
	if err != nil {
		return Evidence{}, nil, fmt.Errorf("read evidence %s: %w", id, err)
	}
	if n != e.Size {
		f.Close()
		return Evidence{}, nil, fmt.Errorf("evidence %s: %w", id, ErrCorrupt)
	}
	return e, f, nil
}

// SweepOrphanBlobs removes stored files that no evidence record names and that were last stored
// before grace ago: an upload whose record was never committed (the database refused it, the
// process died between the two). The grace period covers uploads whose transaction is still open.
func (s *Service) SweepOrphanBlobs(ctx context.Context, grace time.Duration) (int, error) {
	if s.deps.Blobs == nil {
		return 0, nil
	}
	cutoff := s.now().Add(-grace)
	var orphans []string
	err := s.deps.Blobs.List(ctx, func(b BlobInfo) error {
		if !b.ModTime.Before(cutoff) {
			return nil
		}
		used, err := s.repo.EvidenceStored(ctx, b.SHA256)
		if err != nil {
			return fmt.Errorf("look up blob %s: %w", b.SHA256, err)
		}
		if !used {
			orphans = append(orphans, b.SHA256)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("list evidence blobs: %w", err)
	}
	removed := 0
	var errs []error
	for _, sha := range orphans {
		if err := s.deps.Blobs.Delete(ctx, sha); err != nil {
			errs = append(errs, fmt.Errorf("delete orphan blob %s: %w", sha, err))
			continue
		}
		removed++
	}
	return removed, errors.Join(errs...)
}

// EvidenceOf lists the evidence of an assessment the caller has already loaded through a scoped call.
func (s *Service) EvidenceOf(ctx context.Context, a Assessment) ([]Evidence, error) {
	ev, err := s.repo.Evidence(ctx, a.ID)
	if err != nil {
		return nil, fmt.Errorf("load evidence of %s: %w", a.ID, err)
	}
	return ev, nil
}
