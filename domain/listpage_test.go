package domain_test

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/vendorrisk/vendorrisk/domain"
)

// rowList is an ordered list of row IDs that pages as a repository would: the rows after the
// cursor's ID, up to limit.
type rowList []string

func (l rowList) fetch(_ context.Context, after *domain.Cursor, limit int) ([]string, error) {
	rows := l
	if after != nil {
		rows = l[slices.Index(l, after.ID)+1:]
	}
	return rows[:min(limit, len(rows))], nil
}

func rowCursor(id string) domain.Cursor { return domain.Cursor{Sort: "created_at", ID: id} }

func TestListPage(t *testing.T) {
	rows := make(rowList, 60)
	for i := range rows {
		rows[i] = domain.NewID()
	}
	tests := []struct {
		name      string
		rows      rowList
		limit     int
		cursor    string
		wantItems []string
		wantNext  string
		field     string // the invalid field, "" for a page
		message   string
	}{
		{"limit 0 is the default page", rows, 0, "", rows[:50], rowCursor(rows[49]).Encode(), "", ""},
		{"limit 1", rows, 1, "", rows[:1], rowCursor(rows[0]).Encode(), "", ""},
		{"limit max", rows, domain.MaxPageLimit, "", rows, "", "", ""},
		{"after a cursor", rows, 3, rowCursor(rows[2]).Encode(), rows[3:6], rowCursor(rows[5]).Encode(), "", ""},
		{"last page exactly full has no next cursor", rows, 10, rowCursor(rows[49]).Encode(), rows[50:], "", "", ""},
		{"last page short has no next cursor", rows, 20, rowCursor(rows[49]).Encode(), rows[50:], "", "", ""},
		{"empty list", rowList{}, 0, "", []string{}, "", "", ""},
		{"negative limit", rows, -1, "", nil, "", "limit", "must be between 1 and 200"},
		{"limit over max", rows, domain.MaxPageLimit + 1, "", nil, "", "limit", "must be between 1 and 200"},
		{"bad cursor", rows, 0, "garbage!!", nil, "", "cursor", "is not a cursor returned by this API"},
		{"cursor of another sort", rows, 0, domain.Cursor{Sort: "name", Value: "x", ID: rows[0]}.Encode(), nil, "",
			"cursor", "was issued for another sort order"},
		{"bad limit before bad cursor", rows, -1, "garbage!!", nil, "", "limit", "must be between 1 and 200"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			asked := 0
			fetch := func(ctx context.Context, after *domain.Cursor, limit int) ([]string, error) {
				asked = limit
				return tt.rows.fetch(ctx, after, limit)
			}
			page, err := domain.ListPage(t.Context(), "rows", tt.limit, tt.cursor, "created_at", fetch, rowCursor)
			if tt.field != "" {
				assertField(t, err, domain.KindInvalid, tt.field, tt.message)
				if asked != 0 {
					t.Errorf("fetch was called for an invalid request")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(page.Items, tt.wantItems) || page.NextCursor != tt.wantNext {
				t.Errorf("page = %v, next %q; want %v, next %q", page.Items, page.NextCursor, tt.wantItems, tt.wantNext)
			}
			if want := cmp.Or(tt.limit, domain.DefaultPageLimit) + 1; asked != want {
				t.Errorf("fetch asked for %d rows, want limit+1 = %d", asked, want)
			}
		})
	}
}

// TestListPageOrder: checks run after the limit and before the cursor (whose sort they validate),
// and a failed fetch is wrapped with what was listed.
func TestListPageOrder(t *testing.T) {
	sortErr := domain.Invalid("sort", "is not a sort")
	failing := func() error { return sortErr }
	never := func(context.Context, *domain.Cursor, int) ([]string, error) {
		t.Error("fetch was called")
		return nil, nil
	}
	tests := []struct {
		name           string
		limit          int
		cursor         string
		field, message string
	}{
		{"limit first", -1, "garbage!!", "limit", "must be between 1 and 200"},
		{"then checks", 0, "garbage!!", "sort", "is not a sort"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := domain.ListPage(t.Context(), "rows", tt.limit, tt.cursor, "created_at", never, rowCursor, failing)
			assertField(t, err, domain.KindInvalid, tt.field, tt.message)
		})
	}
	boom := errors.New("boom")
	_, err := domain.ListPage(t.Context(), "rows", 0, "", "created_at",
		func(context.Context, *domain.Cursor, int) ([]string, error) { return nil, boom }, rowCursor)
	if !errors.Is(err, boom) || err.Error() != "list rows: boom" {
		t.Errorf("fetch error = %v, want it wrapped as \"list rows: boom\"", err)
	}
}

// TestListPageLoose: a value cursor (no row ID) pages by its value and is checked only for its sort
// and a value.
func TestListPageLoose(t *testing.T) {
	ids := []string{"a", "b", "c"}
	fetch := func(_ context.Context, after *domain.Cursor, limit int) ([]string, error) {
		rows := ids
		if after != nil {
			rows = ids[slices.Index(ids, after.Value)+1:]
		}
		return rows[:min(limit, len(rows))], nil
	}
	next := func(id string) domain.Cursor { return domain.Cursor{Sort: "id", Value: id} }
	page, err := domain.ListPageLoose(t.Context(), "frameworks", 2, "", "id", fetch, next)
	if err != nil || !slices.Equal(page.Items, ids[:2]) || page.NextCursor != next("b").Encode() {
		t.Fatalf("first page = %+v, %v", page, err)
	}
	page, err = domain.ListPageLoose(t.Context(), "frameworks", 2, page.NextCursor, "id", fetch, next)
	if err != nil || !slices.Equal(page.Items, ids[2:]) || page.NextCursor != "" {
		t.Fatalf("last page = %+v, %v", page, err)
	}
	for _, cursor := range []string{"garbage!!", domain.Cursor{Sort: "position", Value: "1"}.Encode(), domain.Cursor{Sort: "id"}.Encode()} {
		_, err := domain.ListPageLoose(t.Context(), "frameworks", 0, cursor, "id", fetch, next)
		assertField(t, err, domain.KindInvalid, "cursor", "is not a cursor returned by this API")
	}
}

func TestCursorID(t *testing.T) {
	if got := domain.CursorID(nil); got != "" {
		t.Errorf("CursorID(nil) = %q", got)
	}
	if got := domain.CursorID(&domain.Cursor{ID: "x"}); got != "x" {
		t.Errorf("CursorID = %q, want x", got)
	}
}
