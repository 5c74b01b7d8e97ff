package repository_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/assessment"
	"github.com/vendorrisk/vendorrisk/domain/questionnaire"
	"github.com/vendorrisk/vendorrisk/domain/register"
	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

// asmTemplate is a small published template with a condition and every evidence mode.
func asmTemplate(familyID string, number int) questionnaire.Template {
	q := func(key string, typ questionnaire.Type, depth questionnaire.Depth) questionnaire.Question {
		out := questionnaire.Question{Key: key, Text: questionnaire.Text{EN: key + "?", JA: key + "？"}, Type: typ, Weight: 3,
			Required: true, Evidence: questionnaire.Evidence{Mode: questionnaire.EvidenceNone}, Severity: domain.SeverityHigh,
			ThreatCategory: questionnaire.ThreatExternal, ControlRefs: []string{}, Depth: depth}
		if typ == questionnaire.TypeYesNo {
			out.Options = []questionnaire.Option{{Value: "yes", Label: questionnaire.Text{EN: "Yes", JA: "はい"}, Score: 100},
				{Value: "no", Label: questionnaire.Text{EN: "No", JA: "いいえ"}, Score: 0}}
		}
		return out
	}
	nda := q("staff_nda", questionnaire.TypeYesNo, questionnaire.DepthCore)
	nda.Evidence = questionnaire.Evidence{Mode: questionnaire.EvidenceWhenAnswer, WhenAnswer: []string{"yes"}}
	detail := q("nda_detail", questionnaire.TypeText, questionnaire.DepthExtended)
	detail.Condition = &questionnaire.Condition{Question: "staff_nda", AnyOf: []string{"yes"}}
	return questionnaire.Template{ID: domain.NewID(), FamilyID: familyID, Number: number, Status: questionnaire.StatusPublished,
		Name: questionnaire.Text{EN: "Repo template", JA: "リポジトリ"}, VendorKinds: []string{"contractor"},
		Sections: []questionnaire.Section{{Key: "s1", Title: questionnaire.Text{EN: "S1", JA: "S1"},
			Questions: []questionnaire.Question{nda, detail, q("staff_count", questionnaire.TypeNumber, questionnaire.DepthCore)}}}}
}

type asmRepoEnv struct {
	db   *repository.DB
	repo *repository.Assessments
	ve   *vendorEnv
}

// engagementOf stores a vendor and a minimal engagement of it.
func (e *asmRepoEnv) engagementOf(t *testing.T, name string) (vendorID, engagementID string) {
	t.Helper()
	v := e.ve.create(t, register.Vendor{Name: name})
	eng := minimalEngagement(v.ID, name+" service")
	if err := repository.NewEngagements(e.db).Create(e.ve.ctx, eng); err != nil {
		t.Fatal(err)
	}
	return v.ID, eng.ID
}

func (e *asmRepoEnv) stored(t *testing.T, vendorID, engagementID string, tpl questionnaire.Template, status assessment.Status, due time.Time) assessment.Assessment {
	t.Helper()
	a := assessment.Assessment{ID: domain.NewID(), EngagementID: engagementID, VendorID: vendorID, Template: tpl,
		Depth: questionnaire.CoverageCore, DueDate: due, Status: status, Answers: map[string]assessment.Answer{}, AnswersVersion: 1,
		CreatedBy: "key-1", Version: 1, CreatedAt: start, UpdatedAt: start}
	if status != assessment.StatusDraft { // every other status comes after sending
		sent := start
		a.SentAt = &sent
	}
	if err := e.repo.Create(t.Context(), a); err != nil {
		t.Fatalf("create assessment: %v", err)
	}
	return a
}

func assertSameAssessment(t *testing.T, got, want assessment.Assessment) {
	t.Helper()
	if !bytes.Equal(questionnaire.Encode(got.Template), questionnaire.Encode(want.Template)) {
		t.Errorf("template document changed:\n%s\nwant\n%s", questionnaire.Encode(got.Template), questionnaire.Encode(want.Template))
	}
	if got.Template.ID != want.Template.ID || got.Template.FamilyID != want.Template.FamilyID ||
		got.Template.Number != want.Template.Number || got.Template.Status != questionnaire.StatusPublished {
		t.Errorf("template identity %s/%s/%d/%s, want %s/%s/%d/published", got.Template.ID, got.Template.FamilyID,
			got.Template.Number, got.Template.Status, want.Template.ID, want.Template.FamilyID, want.Template.Number)
	}
	g, w := got, want
	g.Template, w.Template = questionnaire.Template{}, questionnaire.Template{}
	if len(g.Answers) == 0 && len(w.Answers) == 0 {
		g.Answers, w.Answers = nil, nil
	}
	for _, m := range []map[string]assessment.Answer{g.Answers, w.Answers} {
		for k, a := range m {
			if len(a.Values) == 0 {
				a.Values = nil
			}
			m[k] = a
		}
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("assessment\n%+v\nwant\n%+v", g, w)
	}
}

func TestAssessmentRepositoryRoundTrip(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := &asmRepoEnv{db: db, repo: repository.NewAssessments(db), ve: newVendorEnv(t, db)}
		ctx := t.Context()
		vID, engID := e.engagementOf(t, "Round Trip KK")
		tpl := asmTemplate(domain.NewID(), 3)
		due := time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)
		a := e.stored(t, vID, engID, tpl, assessment.StatusDraft, due)

		got, err := e.repo.Get(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		assertSameAssessment(t, got, a)

		// A full update: answers with reviews (multi values, unicode), every timestamp.
		sent, submitted := start.Add(time.Hour), start.Add(48*time.Hour)
		a.Status, a.SupplierKeyID, a.SentAt, a.SubmittedAt = assessment.StatusUnderReview, domain.NewID(), &sent, &submitted
		a.Answers = map[string]assessment.Answer{
			"staff_nda": {Key: "staff_nda", Value: "yes", UpdatedAt: start.Add(2 * time.Hour), UpdatedBy: "sup-1"},
			"nda_detail": {Key: "nda_detail", Value: "全員と締結 \"quoted\"\nline 2", UpdatedAt: start.Add(3 * time.Hour), UpdatedBy: "sup-2",
				Review: &assessment.Review{Flag: assessment.FlagNeedsClarification, Comment: "どの範囲？", By: "rev-1", At: start.Add(50 * time.Hour)}},
			"staff_count": {Key: "staff_count", Values: []string{"a", "b"}, UpdatedAt: start.Add(4 * time.Hour), UpdatedBy: "sup-1",
				Review: &assessment.Review{Flag: assessment.FlagAccepted, By: "rev-1", At: start.Add(50 * time.Hour)}},
		}
		a.AnswersVersion, a.ReturnComment, a.Message = 4, "please check", "new message"
		a.Version, a.UpdatedAt = 2, start.Add(50*time.Hour)
		if err := e.repo.Update(ctx, a); err != nil {
			t.Fatalf("update: %v", err)
		}
		got, err = e.repo.Get(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		assertSameAssessment(t, got, a)

		// The version guard: writing version 2 again (stored is 2, not 1) is stale, and changes nothing.
		stale := a
		stale.Status, stale.ReturnComment = assessment.StatusCompleted, "overwritten"
		if err := e.repo.Update(ctx, stale); !errors.Is(err, domain.ErrStaleVersion) {
			t.Fatalf("stale update: %v, want ErrStaleVersion", err)
		}
		if got, _ := e.repo.Get(ctx, a.ID); got.Status != assessment.StatusUnderReview || got.ReturnComment != "please check" {
			t.Errorf("a stale update changed the row: %s %q", got.Status, got.ReturnComment)
		}

		// The frozen template and the ownership never change through Update.
		frozen := a
		frozen.Version = 3
		frozen.EngagementID, frozen.VendorID = domain.NewID(), domain.NewID()
		frozen.Template = asmTemplate(domain.NewID(), 9)
		if err := e.repo.Update(ctx, frozen); err != nil {
			t.Fatalf("update: %v", err)
		}
		got, _ = e.repo.Get(ctx, a.ID)
		if got.EngagementID != engID || got.VendorID != vID || got.Template.ID != tpl.ID || got.Template.Number != 3 ||
			!bytes.Equal(questionnaire.Encode(got.Template), questionnaire.Encode(tpl)) {
			t.Errorf("Update changed frozen columns: engagement %s vendor %s template %s #%d", got.EngagementID, got.VendorID,
				got.Template.ID, got.Template.Number)
		}

		// GetForUpdate inside a transaction reads the same row.
		err = db.InTx(ctx, func(ctx context.Context) error {
			if err := e.repo.Lock(ctx); err != nil {
				return err
			}
			locked, err := e.repo.GetForUpdate(ctx, a.ID)
			if err != nil {
				return err
			}
			if locked.Version != 3 {
				t.Errorf("GetForUpdate version %d, want 3", locked.Version)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, get := range []func(context.Context, string) (assessment.Assessment, error){e.repo.Get, e.repo.GetForUpdate} {
			if _, err := get(ctx, domain.NewID()); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("unknown id: %v, want ErrNotFound", err)
			}
		}
		// Update of a row that does not exist is not silently a success.
		ghost := a
		ghost.ID = domain.NewID()
		if err := e.repo.Update(ctx, ghost); err == nil {
			t.Error("update of a missing row succeeded")
		}
	})
}

func TestAssessmentRepositoryListAndOpen(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := &asmRepoEnv{db: db, repo: repository.NewAssessments(db), ve: newVendorEnv(t, db)}
		ctx := t.Context()
		vA, engA := e.engagementOf(t, "Alpha")
		vB, engB := e.engagementOf(t, "Bravo")
		fam1, fam2 := domain.NewID(), domain.NewID()
		t1, t1b, t2 := asmTemplate(fam1, 1), asmTemplate(fam1, 2), asmTemplate(fam2, 1)
		day := func(s string) time.Time {
			d, err := time.Parse("2006-01-02", s)
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		// name -> assessment
		as := map[string]assessment.Assessment{
			"a-sent-past":     e.stored(t, vA, engA, t1, assessment.StatusSent, day("2025-05-01")),
			"a-done-past":     e.stored(t, vA, engA, t1b, assessment.StatusCompleted, day("2025-05-01")),
			"a-draft-past":    e.stored(t, vA, engA, t2, assessment.StatusDraft, day("2025-05-01")),
			"a-prog-today":    e.stored(t, vA, engA, t2, assessment.StatusInProgress, day("2025-06-01")),
			"b-ret-past":      e.stored(t, vB, engB, t1, assessment.StatusReturned, day("2025-05-31")),
			"b-sub-past":      e.stored(t, vB, engB, t1, assessment.StatusSubmitted, day("2025-05-01")),
			"b-cancel-past":   e.stored(t, vB, engB, t2, assessment.StatusCancelled, day("2025-05-01")),
			"b-review-future": e.stored(t, vB, engB, t2, assessment.StatusUnderReview, day("2025-07-01")),
		}
		names := func(list []assessment.Assessment) []string {
			var out []string
			for _, a := range list {
				for n, x := range as {
					if x.ID == a.ID {
						out = append(out, n)
					}
				}
			}
			slices.Sort(out)
			return out
		}
		sorted := func(ns ...string) []string { slices.Sort(ns); return ns }
		today := day("2025-06-01")
		yes, no := true, false
		tests := []struct {
			name string
			f    assessment.Filter
			want []string
		}{
			{"all", assessment.Filter{}, sorted("a-sent-past", "a-done-past", "a-draft-past", "a-prog-today", "b-ret-past", "b-sub-past", "b-cancel-past", "b-review-future")},
			{"status", assessment.Filter{Status: assessment.StatusSent}, sorted("a-sent-past")},
			{"vendor", assessment.Filter{VendorID: vB}, sorted("b-ret-past", "b-sub-past", "b-cancel-past", "b-review-future")},
			{"engagement", assessment.Filter{EngagementID: engA}, sorted("a-sent-past", "a-done-past", "a-draft-past", "a-prog-today")},
			{"engagement of another vendor", assessment.Filter{EngagementID: engA, VendorID: vB}, nil},
			{"sent only (the supplier's view)", assessment.Filter{VendorID: vA, SentOnly: true}, sorted("a-sent-past", "a-done-past", "a-prog-today")},
			{"sent only, asking for drafts", assessment.Filter{Status: assessment.StatusDraft, SentOnly: true}, nil},
			// Overdue: due before today and still with the supplier (sent, in_progress, returned).
			{"overdue", assessment.Filter{Overdue: &yes, Today: today}, sorted("a-sent-past", "b-ret-past")},
			{"not overdue", assessment.Filter{Overdue: &no, Today: today}, sorted("a-done-past", "a-draft-past", "a-prog-today", "b-sub-past", "b-cancel-past", "b-review-future")},
			{"overdue of a vendor", assessment.Filter{Overdue: &yes, Today: today, VendorID: vA}, sorted("a-sent-past")},
			{"overdue later", assessment.Filter{Overdue: &yes, Today: day("2025-06-02")}, sorted("a-sent-past", "a-prog-today", "b-ret-past")},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				f := tc.f
				f.Limit = 100
				got, err := e.repo.List(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				if n := names(got); !slices.Equal(n, tc.want) {
					t.Errorf("List = %v, want %v", n, tc.want)
				}
			})
		}

		// Keyset paging by id: pages of 3 cover everything once, in id order.
		var seen []string
		after := ""
		for range 10 {
			page, err := e.repo.List(ctx, assessment.Filter{Limit: 3, AfterID: after})
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			for _, a := range page {
				seen = append(seen, a.ID)
			}
			after = page[len(page)-1].ID
		}
		if len(seen) != len(as) || !slices.IsSorted(seen) {
			t.Errorf("paging saw %d ids (sorted %v), want %d in order", len(seen), slices.IsSorted(seen), len(as))
		}

		// OpenFor: open ones of the engagement and the family, whatever the version number.
		open, err := e.repo.OpenFor(ctx, engA, fam1)
		if err != nil {
			t.Fatal(err)
		}
		if n := names(open); !slices.Equal(n, []string{"a-sent-past"}) {
			t.Errorf("OpenFor(engA, fam1) = %v", n)
		}
		open, _ = e.repo.OpenFor(ctx, engB, fam2)
		if n := names(open); !slices.Equal(n, []string{"b-review-future"}) {
			t.Errorf("OpenFor(engB, fam2) = %v", n)
		}
		open, _ = e.repo.OpenFor(ctx, engA, domain.NewID())
		if len(open) != 0 {
			t.Errorf("OpenFor of an unknown family = %v", names(open))
		}
	})
}

func TestAssessmentRepositoryEvidence(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := &asmRepoEnv{db: db, repo: repository.NewAssessments(db), ve: newVendorEnv(t, db)}
		ctx := t.Context()
		vID, engID := e.engagementOf(t, "Evidence")
		a := e.stored(t, vID, engID, asmTemplate(domain.NewID(), 1), assessment.StatusSent, start)
		other := e.stored(t, vID, engID, asmTemplate(domain.NewID(), 1), assessment.StatusSent, start)
		mk := func(aid, name string, keys []string) assessment.Evidence {
			sum := sha256.Sum256([]byte(name))
			ev := assessment.Evidence{ID: domain.NewID(), AssessmentID: aid, VendorID: vID, FileName: name, ContentType: "application/pdf",
				Size: 1234567890123, SHA256: hex.EncodeToString(sum[:]), QuestionKeys: keys, UploadedBy: "sup", CreatedAt: start}
			if err := e.repo.CreateEvidence(ctx, ev); err != nil {
				t.Fatalf("create evidence: %v", err)
			}
			return ev
		}
		e1 := mk(a.ID, "証明書 \"ISO\".pdf", []string{"staff_count", "staff_nda"})
		e2 := mk(a.ID, "b.pdf", nil)
		mk(other.ID, "c.pdf", []string{"staff_nda"})

		list, err := e.repo.Evidence(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := []assessment.Evidence{e1, e2}
		want[1].QuestionKeys = []string{}
		if !reflect.DeepEqual(list, want) {
			t.Errorf("Evidence =\n%+v\nwant\n%+v", list, want)
		}
		got, err := e.repo.GetEvidence(ctx, e1.ID)
		if err != nil || !reflect.DeepEqual(got, e1) {
			t.Errorf("GetEvidence = %+v, %v; want %+v", got, err, e1)
		}
		if _, err := e.repo.GetEvidence(ctx, domain.NewID()); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("unknown evidence: %v, want ErrNotFound", err)
		}
		if list, err := e.repo.Evidence(ctx, domain.NewID()); err != nil || len(list) != 0 {
			t.Errorf("evidence of an unknown assessment: %v, %v", list, err)
		}
		// Evidence belongs to an assessment that exists.
		orphan := e1
		orphan.ID, orphan.AssessmentID = domain.NewID(), domain.NewID()
		if err := e.repo.CreateEvidence(ctx, orphan); err == nil {
			t.Error("evidence of a missing assessment was stored")
		}
	})
}

func blobSHA(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// files lists every file under dir, relative, with a trailing "/" for directories skipped.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}
