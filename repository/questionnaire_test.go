package repository_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/questionnaire"
	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

// qtText is a text in both languages.
func qtText(en, ja string) questionnaire.Text { return questionnaire.Text{EN: en, JA: ja} }

// qtFull uses every field of a template: lifecycle fields, both languages (with a character
// outside the BMP, which needs utf8mb4), every question type, explicit and conditional questions,
// evidence rules, options and control references.
func qtFull() questionnaire.Template {
	created := start.Add(-48 * time.Hour)
	published := start.Add(-time.Hour)
	opt := func(v string, score int) questionnaire.Option {
		return questionnaire.Option{Value: v, Label: qtText("Label "+v, "ラベル"+v), Score: score}
	}
	yn := []questionnaire.Option{opt("yes", 100), opt("no", 0)}
	q := func(key string, typ questionnaire.Type, opts []questionnaire.Option) questionnaire.Question {
		return questionnaire.Question{Key: key, Text: qtText("Question "+key+"?", key+"についての質問"), Type: typ, Options: opts,
			Weight: 4, Evidence: questionnaire.Evidence{Mode: questionnaire.EvidenceNone}, Severity: domain.SeverityMedium,
			ThreatCategory: questionnaire.ThreatExternal, ControlRefs: []string{}, Depth: questionnaire.DepthCore}
	}
	sub := q("uses_subcontractors", questionnaire.TypeYesNo, yn)
	sub.Help, sub.Required, sub.Weight, sub.Severity = qtText("Fourth parties count.", "再委託先を含みます🔒"), true, 10, domain.SeverityCritical
	sub.ControlRefs = []string{"iso27001-2022:5.19", "iso27001-2022:5.20"}
	sub.Evidence = questionnaire.Evidence{Mode: questionnaire.EvidenceWhenAnswer, WhenAnswer: []string{"yes"}}
	flow := q("subcontractor_flowdown", questionnaire.TypeSingleChoice, []questionnaire.Option{opt("all", 100), opt("some", 40), opt("none", 0)})
	flow.Condition = &questionnaire.Condition{Question: "uses_subcontractors", AnyOf: []string{"yes"}}
	flow.Depth, flow.ThreatCategory, flow.Weight = questionnaire.DepthExtended, questionnaire.ThreatInternalMalicious, 0
	flow.Evidence = questionnaire.Evidence{Mode: questionnaire.EvidenceWhenAnswer, WhenAnswer: []string{"all", "some"}}
	tools := q("tools", questionnaire.TypeMultiChoice, []questionnaire.Option{opt("edr", 60), opt("dlp", 40)})
	tools.Evidence.Mode, tools.ThreatCategory = questionnaire.EvidenceAlways, questionnaire.ThreatInternalError
	tools.Condition = &questionnaire.Condition{Question: "subcontractor_flowdown", AnyOf: []string{"all", "some"}}
	na := q("dc_visits", questionnaire.TypeYesNoNA, []questionnaire.Option{opt("yes", 100), opt("no", 0), opt("na", 0)})
	na.ThreatCategory, na.Severity = questionnaire.ThreatAccidental, domain.SeverityLow
	return questionnaire.Template{
		ID: domain.NewID(), FamilyID: domain.NewID(), Number: 3, Key: "full-template",
		Name: qtText("Full template", "全項目テンプレート"), Description: qtText("Every field.", "すべての項目。"),
		VendorKinds: []string{"contractor", "cloud_provider"},
		Sections: []questionnaire.Section{
			{Key: "supply_chain", Title: qtText("Supply chain", "サプライチェーン"), Questions: []questionnaire.Question{sub, flow}},
			{Key: "operations", Title: qtText("Operations", "運用"), Questions: []questionnaire.Question{
				tools, na, q("headcount", questionnaire.TypeNumber, nil), q("last_audit", questionnaire.TypeDate, nil),
				q("policy_doc", questionnaire.TypeEvidence, nil), q("remarks", questionnaire.TypeText, nil)}},
			{Key: "empty_for_now", Title: qtText("Empty", "")},
		},
		Status: questionnaire.StatusPublished, BuiltIn: true, Version: 7,
		CreatedAt: created, UpdatedAt: start, PublishedAt: &published,
	}
}

// qtSame compares two templates, times by instant.
func qtSame(t *testing.T, got, want questionnaire.Template) {
	t.Helper()
	if !got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) || !sameTime(got.PublishedAt, want.PublishedAt) {
		t.Errorf("times: got %v %v %v, want %v %v %v", got.CreatedAt, got.UpdatedAt, got.PublishedAt, want.CreatedAt, want.UpdatedAt, want.PublishedAt)
	}
	got.CreatedAt, got.UpdatedAt, got.PublishedAt = time.Time{}, time.Time{}, nil
	want.CreatedAt, want.UpdatedAt, want.PublishedAt = time.Time{}, time.Time{}, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("template differs\n got %+v\nwant %+v", got, want)
	}
}

func TestTemplateRepositoryRoundTrip(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		repo, ctx := repository.NewTemplates(db), t.Context()
		want := qtFull()
		if err := repo.Create(ctx, want); err != nil {
			t.Fatalf("Create: %v", err)
		}
		got, err := repo.Get(ctx, want.ID)
		if err != nil {
			t.Fatalf("Get: %v", err)
		}
		qtSame(t, got, want)
		err = db.InTx(ctx, func(ctx context.Context) error {
			locked, err := repo.GetForUpdate(ctx, want.ID)
			if err == nil {
				qtSame(t, locked, want)
			}
			return err
		})
		if err != nil {
			t.Fatalf("GetForUpdate: %v", err)
		}

		// A draft: no published_at, not built in, no key, no vendor kinds.
		draft := qtFull()
		draft.ID, draft.FamilyID, draft.Number, draft.Key, draft.Status, draft.BuiltIn = domain.NewID(), domain.NewID(), 1, "", questionnaire.StatusDraft, false
		draft.VendorKinds, draft.PublishedAt, draft.Version = []string{}, nil, 1
		if err := repo.Create(ctx, draft); err != nil {
			t.Fatalf("Create draft: %v", err)
		}
		got, err = repo.Get(ctx, draft.ID)
		if err != nil {
			t.Fatalf("Get draft: %v", err)
		}
		qtSame(t, got, draft)

		if _, err := repo.Get(ctx, domain.NewID()); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("Get unknown: err = %v, want ErrNotFound", err)
		}
		if err := repo.Create(ctx, want); !errors.Is(err, domain.ErrDuplicate) {
			t.Errorf("Create the same id twice: err = %v, want ErrDuplicate", err)
		}
		dupNumber := qtFull()
		dupNumber.FamilyID = want.FamilyID // same family, same number 3
		if err := repo.Create(ctx, dupNumber); !errors.Is(err, domain.ErrDuplicate) {
			t.Errorf("Create a second number 3 in a family: err = %v, want ErrDuplicate", err)
		}
	})
}

func TestTemplateRepositoryUpdate(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		repo, ctx := repository.NewTemplates(db), t.Context()
		orig := qtFull()
		orig.Status, orig.PublishedAt, orig.Version = questionnaire.StatusDraft, nil, 1
		if err := repo.Create(ctx, orig); err != nil {
			t.Fatal(err)
		}

		next := qtFull()
		next.ID, next.Version = orig.ID, 2
		next.Name = qtText("Renamed", "改名")
		next.VendorKinds = []string{"other"}
		next.Sections = next.Sections[1:2]
		next.Status, next.BuiltIn, next.Key = questionnaire.StatusPublished, false, "renamed"
		next.UpdatedAt = start.Add(time.Hour)
		// Identity fields are not changed by Update, whatever the caller passes.
		next.FamilyID, next.Number, next.CreatedAt = domain.NewID(), 99, start.Add(time.Minute)
		if err := repo.Update(ctx, next); err != nil {
			t.Fatalf("Update version 1 -> 2: %v", err)
		}
		got, err := repo.Get(ctx, orig.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := next
		want.FamilyID, want.Number, want.CreatedAt = orig.FamilyID, orig.Number, orig.CreatedAt
		qtSame(t, got, want)

		stale := []struct {
			name    string
			version int
		}{
			{"the same version again", 2}, // stored is 2 now: writing 2 expects 1
			{"a version from the future", 4},
			{"an old version", 1},
		}
		for _, tc := range stale {
			s := next
			s.Version, s.Name = tc.version, qtText("Lost write", "")
			if err := repo.Update(ctx, s); !errors.Is(err, domain.ErrStaleVersion) {
				t.Errorf("%s: err = %v, want ErrStaleVersion", tc.name, err)
			}
		}
		unknown := next
		unknown.ID, unknown.Version = domain.NewID(), 2
		if err := repo.Update(ctx, unknown); !errors.Is(err, domain.ErrStaleVersion) && !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("Update unknown id: err = %v, want ErrStaleVersion or ErrNotFound", err)
		}
		got, _ = repo.Get(ctx, orig.ID)
		if got.Name.EN != "Renamed" || got.Version != 2 {
			t.Errorf("a refused update changed the row: name %q version %d", got.Name.EN, got.Version)
		}
	})
}

// qtSeed stores a minimal template and returns it.
func qtSeed(t *testing.T, repo *repository.Templates, family string, number int, key string, builtIn bool,
	status questionnaire.Status, kinds ...string) questionnaire.Template {
	t.Helper()
	tpl := questionnaire.Template{ID: domain.NewID(), FamilyID: family, Number: number, Key: key, BuiltIn: builtIn,
		Name: qtText("T "+key, ""), VendorKinds: kinds, Status: status, Version: 1, CreatedAt: start, UpdatedAt: start}
	if family == "" {
		tpl.FamilyID = tpl.ID
	}
	if err := repo.Create(t.Context(), tpl); err != nil {
		t.Fatalf("seed template: %v", err)
	}
	return tpl
}

func qtIDs(ts []questionnaire.Template) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.ID
	}
	return out
}

func qtNumbers(ts []questionnaire.Template) []int {
	out := make([]int, len(ts))
	for i, t := range ts {
		out[i] = t.Number
	}
	return out
}

func TestTemplateRepositoryFamilyAndKey(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		repo, ctx := repository.NewTemplates(db), t.Context()
		fam := domain.NewID()
		// Inserted out of order: the lists must come back by number, not by insertion or id.
		v3 := qtSeed(t, repo, fam, 3, "", false, questionnaire.StatusDraft)
		v1 := qtSeed(t, repo, fam, 1, "", false, questionnaire.StatusArchived)
		v2 := qtSeed(t, repo, fam, 2, "", false, questionnaire.StatusPublished)
		other := qtSeed(t, repo, "", 1, "", false, questionnaire.StatusPublished)

		got, err := repo.Family(ctx, fam)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{v1.ID, v2.ID, v3.ID}; !slices.Equal(qtIDs(got), want) {
			t.Errorf("Family: ids %v (numbers %v), want %v", qtIDs(got), qtNumbers(got), want)
		}
		if got, _ := repo.Family(ctx, other.FamilyID); !slices.Equal(qtIDs(got), []string{other.ID}) {
			t.Errorf("Family of a one-version template: %v", qtIDs(got))
		}
		if got, err := repo.Family(ctx, domain.NewID()); err != nil || len(got) != 0 {
			t.Errorf("Family unknown: %v, %v", qtIDs(got), err)
		}

		bfam := domain.NewID()
		b2 := qtSeed(t, repo, bfam, 2, "builtin-a", true, questionnaire.StatusPublished)
		b10 := qtSeed(t, repo, bfam, 10, "builtin-a", true, questionnaire.StatusDraft)
		b1 := qtSeed(t, repo, bfam, 1, "builtin-a", true, questionnaire.StatusArchived)
		qtSeed(t, repo, "", 1, "builtin-a", false, questionnaire.StatusDraft) // an imported copy: same key, not built in
		qtSeed(t, repo, "", 1, "builtin-b", true, questionnaire.StatusPublished)
		got, err = repo.ByKey(ctx, "builtin-a")
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{b1.ID, b2.ID, b10.ID}; !slices.Equal(qtIDs(got), want) {
			t.Errorf("ByKey: numbers %v, want 1, 2, 10 (built-in rows of that key only)", qtNumbers(got))
		}
		if got, err := repo.ByKey(ctx, "builtin-c"); err != nil || len(got) != 0 {
			t.Errorf("ByKey unknown: %v, %v", qtIDs(got), err)
		}
	})
}

func TestTemplateRepositoryList(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		repo, ctx := repository.NewTemplates(db), t.Context()
		fam := domain.NewID()
		var all []questionnaire.Template
		seed := func(family string, number int, status questionnaire.Status, kinds ...string) {
			all = append(all, qtSeed(t, repo, family, number, "", false, status, kinds...))
		}
		seed("", 1, questionnaire.StatusDraft, "contractor")
		seed(fam, 1, questionnaire.StatusArchived, "cloud_provider")
		seed("", 1, questionnaire.StatusPublished, "contractor", "cloud_provider")
		seed(fam, 2, questionnaire.StatusPublished, "cloud_provider")
		seed("", 1, questionnaire.StatusPublished)
		seed("", 1, questionnaire.StatusPublished, "other")
		seed(fam, 3, questionnaire.StatusDraft, "cloud_provider", "other")
		seed("", 1, questionnaire.StatusDraft, "contractor")

		want := func(keep func(questionnaire.Template) bool) []string {
			var out []string
			for _, t := range all {
				if keep(t) {
					out = append(out, t.ID)
				}
			}
			slices.Sort(out)
			return out
		}
		has := func(k string) func(questionnaire.Template) bool {
			return func(t questionnaire.Template) bool { return slices.Contains(t.VendorKinds, k) }
		}
		cases := []struct {
			name string
			f    questionnaire.Filter
			want []string
		}{
			{"everything", questionnaire.Filter{}, want(func(questionnaire.Template) bool { return true })},
			{"drafts", questionnaire.Filter{Status: questionnaire.StatusDraft},
				want(func(t questionnaire.Template) bool { return t.Status == questionnaire.StatusDraft })},
			{"published", questionnaire.Filter{Status: questionnaire.StatusPublished},
				want(func(t questionnaire.Template) bool { return t.Status == questionnaire.StatusPublished })},
			{"archived", questionnaire.Filter{Status: questionnaire.StatusArchived},
				want(func(t questionnaire.Template) bool { return t.Status == questionnaire.StatusArchived })},
			{"contractor", questionnaire.Filter{VendorKind: "contractor"}, want(has("contractor"))},
			{"cloud_provider", questionnaire.Filter{VendorKind: "cloud_provider"}, want(has("cloud_provider"))},
			{"other", questionnaire.Filter{VendorKind: "other"}, want(has("other"))},
			{"a kind's prefix matches nothing", questionnaire.Filter{VendorKind: "cloud"}, nil},
			{"family", questionnaire.Filter{FamilyID: fam}, want(func(t questionnaire.Template) bool { return t.FamilyID == fam })},
			{"published cloud_provider in the family", questionnaire.Filter{Status: questionnaire.StatusPublished, VendorKind: "cloud_provider", FamilyID: fam},
				want(func(t questionnaire.Template) bool {
					return t.FamilyID == fam && t.Status == questionnaire.StatusPublished && has("cloud_provider")(t)
				})},
			{"draft other", questionnaire.Filter{Status: questionnaire.StatusDraft, VendorKind: "other"},
				want(func(t questionnaire.Template) bool { return t.Status == questionnaire.StatusDraft && has("other")(t) })},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				for _, limit := range []int{2, 3, 100} {
					var got []string
					f := tc.f
					f.Limit = limit
					for page := 0; ; page++ {
						if page > len(all) {
							t.Fatalf("limit %d: paging does not end", limit)
						}
						rows, err := repo.List(ctx, f)
						if err != nil {
							t.Fatal(err)
						}
						if len(rows) > limit {
							t.Fatalf("limit %d: page of %d", limit, len(rows))
						}
						got = append(got, qtIDs(rows)...)
						if len(rows) < limit {
							break
						}
						f.AfterID = rows[len(rows)-1].ID
					}
					if !slices.Equal(got, tc.want) {
						t.Errorf("limit %d: ids %v, want %v", limit, got, tc.want)
					}
				}
			})
		}
		// Keyset paging is stable under inserts: a row created after the first page is read appears
		// on a later page (its id sorts last), and no row is seen twice.
		first, err := repo.List(ctx, questionnaire.Filter{Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		late := qtSeed(t, repo, "", 1, "", false, questionnaire.StatusDraft)
		rest, err := repo.List(ctx, questionnaire.Filter{Limit: 100, AfterID: first[len(first)-1].ID})
		if err != nil {
			t.Fatal(err)
		}
		seen := append(qtIDs(first), qtIDs(rest)...)
		if len(seen) != len(all)+1 || seen[len(seen)-1] != late.ID || !slices.IsSorted(seen) {
			t.Errorf("pages after an insert: %v (late %s)", seen, late.ID)
		}
	})
}
