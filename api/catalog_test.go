package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/catalog"
	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

// builtIns is what the embedded catalogs hold (domain/catalog/README.md), sorted by id as listed.
var builtIns = []struct {
	id       string
	controls int
	levels   []api.LevelCountDTO
}{
	{"contract-clauses", 12, []api.LevelCountDTO{}},
	{"iso27001-2005", 133, []api.LevelCountDTO{{Level: "domain", Groups: 11}, {Level: "objective", Groups: 39}}},
	{"iso27001-2013", 114, []api.LevelCountDTO{{Level: "domain", Groups: 14}, {Level: "objective", Groups: 35}}},
	{"iso27001-2022", 93, []api.LevelCountDTO{{Level: "theme", Groups: 4}}},
}

// embeddedRefs lists a built-in framework's control refs in document order, from the embedded data.
func embeddedRefs(t *testing.T, frameworkID string) []string {
	t.Helper()
	c, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, ctl := range c.Controls(frameworkID) {
		refs = append(refs, ctl.Ref)
	}
	if len(refs) == 0 {
		t.Fatalf("no embedded controls for %s", frameworkID)
	}
	return refs
}

// allControls walks a framework's controls page by page and returns them with the number of pages.
func (e *catEnv) allControls(t *testing.T, frameworkID string, limit int, headers ...string) ([]api.ControlResponse, int) {
	t.Helper()
	var out []api.ControlResponse
	cursor, pages := "", 0
	for {
		path := fmt.Sprintf("/api/v1/frameworks/%s/controls?limit=%d", frameworkID, limit)
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		var page api.ControlList
		must(t, e.as(t, auth.RoleAuditor, "GET", path, nil, headers...), http.StatusOK).into(t, &page)
		pages++
		if len(page.Items) > limit || (page.NextCursor != "" && len(page.Items) != limit) {
			t.Fatalf("page %d of %s: %d items with next_cursor %q (limit %d)", pages, frameworkID, len(page.Items), page.NextCursor, limit)
		}
		out = append(out, page.Items...)
		if page.NextCursor == "" {
			return out, pages
		}
		if pages > 1000 {
			t.Fatal("paging does not end")
		}
		cursor = page.NextCursor
	}
}

func refsOf(cs []api.ControlResponse) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Ref
	}
	return out
}

func TestCatalogBuiltInFrameworks(t *testing.T) {
	eachCatDB(t, api.Config{}, func(t *testing.T, e *catEnv) {
		var list api.FrameworkList
		first := must(t, e.as(t, auth.RoleAuditor, "GET", "/api/v1/frameworks", nil), http.StatusOK)
		first.into(t, &list)
		if len(list.Items) != len(builtIns) || list.NextCursor != "" {
			t.Fatalf("listed %d frameworks (next %q), want %d: %s", len(list.Items), list.NextCursor, len(builtIns), first)
		}
		for i, want := range builtIns {
			got := list.Items[i]
			t.Run("list/"+want.id, func(t *testing.T) {
				if got.ID != want.id || got.Source != "builtin" || got.ControlCount != want.controls {
					t.Errorf("item %d: id %q source %q control_count %d; want %q builtin %d", i, got.ID, got.Source, got.ControlCount, want.id, want.controls)
				}
				if !slices.Equal(got.GroupCounts, want.levels) {
					t.Errorf("%s: list group_counts %+v, want %+v", want.id, got.GroupCounts, want.levels)
				}
				if len(got.ContentHash) != 64 || got.Name == "" || got.DescriptionI18n.EN == "" || got.DescriptionI18n.JA == "" {
					t.Errorf("%s: hash %q name %q description %+v", want.id, got.ContentHash, got.Name, got.DescriptionI18n)
				}
			})
			t.Run("get/"+want.id, func(t *testing.T) {
				var f api.FrameworkResponse
				must(t, e.as(t, auth.RoleRiskOwner, "GET", "/api/v1/frameworks/"+want.id, nil), http.StatusOK).into(t, &f)
				if f.ControlCount != want.controls || !slices.Equal(f.GroupCounts, want.levels) {
					t.Errorf("%s: control_count %d group_counts %+v; want %d %+v", want.id, f.ControlCount, f.GroupCounts, want.controls, want.levels)
				}
				groups := 0
				for _, l := range want.levels {
					groups += l.Groups
				}
				if len(f.Groups) != groups {
					t.Errorf("%s: %d groups, want %d", want.id, len(f.Groups), groups)
				}
				for j, g := range f.Groups {
					if g.Level < 1 || g.Level > len(f.Levels) || (g.Level == 1) != (g.Parent == "") || g.TitleI18n.JA == "" {
						t.Errorf("%s: groups[%d] %+v", want.id, j, g)
					}
				}
				if f.ContentHash != got.ContentHash {
					t.Errorf("%s: content_hash %q in GET, %q in the list", want.id, f.ContentHash, got.ContentHash)
				}
			})
		}

		// Loading again changes nothing visible.
		e.clock.Advance(time.Hour)
		if changed, err := e.cat.EnsureBuiltIn(t.Context()); err != nil || changed {
			t.Fatalf("second EnsureBuiltIn: changed %v err %v", changed, err)
		}
		if again := e.as(t, auth.RoleAuditor, "GET", "/api/v1/frameworks", nil); !bytes.Equal(again.Raw, first.Raw) {
			t.Errorf("the list changed after a second load:\n%s\n%s", first.Raw, again.Raw)
		}

		// Paging the list one by one gives the same ids.
		var ids []string
		cursor := ""
		for range 10 {
			var page api.FrameworkList
			must(t, e.as(t, auth.RoleAuditor, "GET", "/api/v1/frameworks?limit=1&cursor="+url.QueryEscape(cursor), nil), http.StatusOK).into(t, &page)
			for _, f := range page.Items {
				ids = append(ids, f.ID)
			}
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		if want := []string{"contract-clauses", "iso27001-2005", "iso27001-2013", "iso27001-2022"}; !slices.Equal(ids, want) {
			t.Errorf("paged ids %v, want %v", ids, want)
		}
		for _, q := range []string{"limit=abc", "limit=201", "limit=-1", "cursor=garbage", "cursor=eyJzIjoicG9zaXRpb24iLCJ2IjoiMSJ9"} {
			field, _, _ := strings.Cut(q, "=")
			catProblem(t, e.as(t, auth.RoleAuditor, "GET", "/api/v1/frameworks?"+q, nil), http.StatusUnprocessableEntity, field)
		}
	})
}

func TestCatalogControlPaging(t *testing.T) {
	eachCatDB(t, api.Config{}, func(t *testing.T, e *catEnv) {
		for _, fw := range builtIns {
			t.Run(fw.id, func(t *testing.T) {
				got, pages := e.allControls(t, fw.id, 10)
				if want := (fw.controls + 9) / 10; pages != want {
					t.Errorf("%d pages, want %d", pages, want)
				}
				refs := refsOf(got)
				if want := embeddedRefs(t, fw.id); !slices.Equal(refs, want) {
					t.Errorf("controls in pages of 10:\n%v\nwant (document order, each once):\n%v", refs, want)
				}
				for _, c := range got {
					if c.ID != fw.id+":"+c.Ref || c.FrameworkID != fw.id || c.TitleI18n.EN == "" || c.TitleI18n.JA == "" || c.Title != c.TitleI18n.EN {
						t.Errorf("control %+v", c)
						break
					}
					if (len(fw.levels) == 0) != (len(c.GroupPath) == 0) || len(c.GroupPath) > len(fw.levels) {
						t.Errorf("control %s group_path %v with levels %v", c.ID, c.GroupPath, fw.levels)
					}
				}
			})
		}

		t.Run("iso27001-2022 themes", func(t *testing.T) {
			got, _ := e.allControls(t, "iso27001-2022", 10)
			perTheme := map[string]int{}
			for _, c := range got {
				if len(c.GroupPath) != 1 {
					t.Fatalf("%s group_path %v", c.ID, c.GroupPath)
				}
				perTheme[c.GroupPath[0]]++
			}
			if want := map[string]int{"5": 37, "6": 8, "7": 14, "8": 34}; fmt.Sprint(perTheme) != fmt.Sprint(want) {
				t.Errorf("controls per theme %v, want %v", perTheme, want)
			}
		})

		t.Run("cursor stable", func(t *testing.T) {
			p1 := must(t, e.as(t, auth.RoleAuditor, "GET", "/api/v1/frameworks/iso27001-2022/controls?limit=10", nil), http.StatusOK)
			next := p1.str("next_cursor")
			if next == "" {
				t.Fatalf("no next_cursor: %s", p1)
			}
			path := "/api/v1/frameworks/iso27001-2022/controls?limit=10&cursor=" + url.QueryEscape(next)
			p2 := must(t, e.as(t, auth.RoleAuditor, "GET", path, nil), http.StatusOK)
			// Another framework stored in between (an insert) does not move the page.
			must(t, e.as(t, auth.RoleProcurement, "POST", "/api/v1/frameworks", customBody("aaa-inserted")), http.StatusCreated)
			if again := must(t, e.as(t, auth.RoleAuditor, "GET", path, nil), http.StatusOK); !bytes.Equal(again.Raw, p2.Raw) {
				t.Errorf("the same cursor gave another page:\n%s\n%s", p2.Raw, again.Raw)
			}
			var page api.ControlList
			p2.into(t, &page)
			if refs := refsOf(page.Items); !slices.Equal(refs, embeddedRefs(t, "iso27001-2022")[10:20]) {
				t.Errorf("second page %v", refs)
			}
			// A cursor of another list, or garbage, is a 422 on cursor.
			list := must(t, e.as(t, auth.RoleAuditor, "GET", "/api/v1/frameworks?limit=1", nil), http.StatusOK)
			for _, bad := range []string{list.str("next_cursor"), "garbage", "eyJzIjoicG9zaXRpb24ifQ"} {
				r := e.as(t, auth.RoleAuditor, "GET", "/api/v1/frameworks/iso27001-2022/controls?cursor="+url.QueryEscape(bad), nil)
				catProblem(t, r, http.StatusUnprocessableEntity, "cursor")
			}
			for _, bad := range []string{"0", "-1", "201", "x"} {
				r := e.as(t, auth.RoleAuditor, "GET", "/api/v1/frameworks/iso27001-2022/controls?limit="+bad, nil)
				catProblem(t, r, http.StatusUnprocessableEntity, "limit")
			}
		})

		t.Run("unknown framework", func(t *testing.T) {
			for _, path := range []string{
				"/api/v1/frameworks/iso27001-2099", "/api/v1/frameworks/iso27001-2099/controls",
				// Ids are exact: no case folding and no trailing-space padding (MySQL's default collations do both).
				"/api/v1/frameworks/ISO27001-2022", "/api/v1/frameworks/ISO27001-2022/controls",
				"/api/v1/frameworks/iso27001-2022%20", "/api/v1/frameworks/iso27001-2022%20/controls",
			} {
				catProblem(t, e.as(t, auth.RoleAuditor, "GET", path, nil), http.StatusNotFound)
			}
		})
	})
}

// TestCatalogReadAccess: every internal role reads the catalog; a supplier gets 404; no key is 401.
func TestCatalogReadAccess(t *testing.T) {
	e := newCatEnv(t, sqliteOnlyDB(t), api.Config{})
	paths := []string{"/api/v1/frameworks", "/api/v1/frameworks/iso27001-2022", "/api/v1/frameworks/iso27001-2022/controls",
		"/api/v1/controls/iso27001-2022:5.19", "/api/v1/controls", "/api/v1/controls?framework=iso27001-2022&supplier_related=true"}
	for _, path := range paths {
		for _, role := range []auth.Role{auth.RoleAdmin, auth.RoleProcurement, auth.RoleRiskOwner, auth.RoleAuditor} {
			must(t, e.as(t, role, "GET", path, nil), http.StatusOK)
		}
		catProblem(t, e.as(t, auth.RoleSupplier, "GET", path, nil), http.StatusNotFound)
		catProblem(t, e.do(t, "GET", path, "", nil), http.StatusUnauthorized)
	}
}

func TestCatalogControlDetail(t *testing.T) {
	eachCatDB(t, api.Config{}, func(t *testing.T, e *catEnv) {
		get := func(t *testing.T, id string, headers ...string) api.ControlDetailResponse {
			t.Helper()
			var c api.ControlDetailResponse
			must(t, e.as(t, auth.RoleAuditor, "GET", "/api/v1/controls/"+id, nil, headers...), http.StatusOK).into(t, &c)
			return c
		}

		t.Run("supplier controls", func(t *testing.T) {
			tests := []struct {
				id      string
				others  []string // frameworks it must map to
				mapping api.MappingDTO
			}{
				{"iso27001-2005:A.6.2.3", []string{"iso27001-2013", "iso27001-2022", "contract-clauses"},
					api.MappingDTO{ControlID: "iso27001-2013:A.15.1.2", Relation: "equal", Direction: "forward"}},
				{"iso27001-2013:A.15.1.1", []string{"iso27001-2005", "iso27001-2022", "contract-clauses"},
					api.MappingDTO{ControlID: "iso27001-2022:5.19", Relation: "equal", Direction: "forward"}},
				{"iso27001-2022:5.19", []string{"iso27001-2005", "iso27001-2013", "contract-clauses"},
					api.MappingDTO{ControlID: "iso27001-2013:A.15.1.1", Relation: "equal", Direction: "inverse"}},
			}
			for _, tc := range tests {
				c := get(t, tc.id)
				fw, ref, _ := strings.Cut(tc.id, ":")
				if c.ID != tc.id || c.FrameworkID != fw || c.Ref != ref || !c.SupplierRelated {
					t.Errorf("%s: id %q framework %q ref %q supplier_related %v", tc.id, c.ID, c.FrameworkID, c.Ref, c.SupplierRelated)
				}
				seen := map[string]bool{}
				found := false
				for _, m := range c.Mappings {
					seen[m.FrameworkID] = true
					if m.FrameworkID+":"+m.Ref != m.ControlID || m.FrameworkID == fw {
						t.Errorf("%s: mapping %+v", tc.id, m)
					}
					if m.ControlID == tc.mapping.ControlID && m.Relation == tc.mapping.Relation && m.Direction == tc.mapping.Direction {
						found = true
					}
				}
				for _, o := range tc.others {
					if !seen[o] {
						t.Errorf("%s: no mapping to %s in %+v", tc.id, o, c.Mappings)
					}
				}
				if !found {
					t.Errorf("%s: mappings %+v lack %+v", tc.id, c.Mappings, tc.mapping)
				}
			}
		})

		t.Run("mappings symmetric", func(t *testing.T) {
			inverse := map[string]string{"equal": "equal", "subset": "superset", "superset": "subset", "intersects": "intersects"}
			opposite := map[string]string{"forward": "inverse", "inverse": "forward"}
			details := map[string]api.ControlDetailResponse{}
			total := 0
			for _, fw := range builtIns {
				for _, ref := range embeddedRefs(t, fw.id) {
					c := get(t, fw.id+":"+ref)
					details[c.ID] = c
					total += len(c.Mappings)
				}
			}
			if total == 0 {
				t.Fatal("no mappings at all")
			}
			for id, c := range details {
				for _, m := range c.Mappings {
					other, ok := details[m.ControlID]
					if !ok {
						t.Errorf("%s maps to %s, which is not a built-in control", id, m.ControlID)
						continue
					}
					back := slices.IndexFunc(other.Mappings, func(b api.MappingDTO) bool { return b.ControlID == id })
					if back < 0 {
						t.Errorf("%s → %s (%s) has no way back", id, m.ControlID, m.Relation)
						continue
					}
					b := other.Mappings[back]
					if b.Relation != inverse[m.Relation] || b.Direction != opposite[m.Direction] || b.Via != m.Via {
						t.Errorf("%s → %s is %s/%s via %q, but back is %s/%s via %q", id, m.ControlID, m.Relation, m.Direction, m.Via,
							b.Relation, b.Direction, b.Via)
					}
				}
			}
		})

		t.Run("languages", func(t *testing.T) {
			tests := []struct {
				header string
				ja     bool
			}{
				{"", false},
				{"ja", true},
				{"ja-JP", true},
				{"ja;q=0.5, en", false},
				{"en;q=0.5, ja", true},
				{"en-US,en;q=0.9,ja;q=0.8", false},
				{"fr, ja;q=0.1", true},
				{"fr", false},
				{"*", false},
				{"EN, JA;q=0.2", false},
				{"en, ja", false}, // equal weights: the first wins
				{"ja, en", true},
				{"ja;q=0", false}, // q=0: Japanese is not acceptable (RFC 9110 §12.4.2)
				{"en;q=0, ja;q=0", false},
			}
			for _, tc := range tests {
				var headers []string
				if tc.header != "" {
					headers = []string{"Accept-Language", tc.header}
				}
				c := get(t, "iso27001-2022:5.19", headers...)
				want := c.TitleI18n.EN
				if tc.ja {
					want = c.TitleI18n.JA
				}
				if c.TitleI18n.EN == "" || c.TitleI18n.JA == "" || c.TitleI18n.EN == c.TitleI18n.JA || c.Title != want {
					t.Errorf("Accept-Language %q: title %q, title_i18n %+v; want ja=%v", tc.header, c.Title, c.TitleI18n, tc.ja)
				}
				var f api.FrameworkResponse
				must(t, e.as(t, auth.RoleAuditor, "GET", "/api/v1/frameworks/iso27001-2022", nil, headers...), http.StatusOK).into(t, &f)
				wantDesc := f.DescriptionI18n.EN
				if tc.ja {
					wantDesc = f.DescriptionI18n.JA
				}
				if f.Description != wantDesc || (len(f.Groups) > 0 && f.Groups[0].Title != map[bool]string{false: f.Groups[0].TitleI18n.EN, true: f.Groups[0].TitleI18n.JA}[tc.ja]) {
					t.Errorf("Accept-Language %q: framework description %q groups[0] %+v", tc.header, f.Description, f.Groups[0])
				}
			}
		})

		t.Run("not found", func(t *testing.T) {
			for _, id := range []string{
				"iso27001-2022:9.99", "iso27001-2022:A.5.19", "iso27001-2005:a.6.2.3", "iso27001-2099:5.19", "ISO27001-2022:5.19",
				"iso27001-2022", "5.19", "iso27001-2022:", ":5.19", "iso27001-2022%3A5.20%20", "iso27001-2022:5.19:1",
			} {
				catProblem(t, e.as(t, auth.RoleAuditor, "GET", "/api/v1/controls/"+id, nil), http.StatusNotFound)
			}
		})
	})
}

// customBody is a valid custom framework: a nested group, an enhancement, an ungrouped control.
func customBody(id string) map[string]any {
	return map[string]any{
		"id": id, "name": "ACME supplier security standard", "edition": "2026", "publisher": "ACME",
		"description": map[string]any{"en": "Our supplier standard", "ja": "当社の委託先基準"},
		"levels":      []string{"area", "topic"},
		"groups": []map[string]any{
			{"ref": "ops", "title": map[string]any{"en": "Operations", "ja": "運用"}},
			{"ref": "ops.access", "parent": "ops", "title": map[string]any{"en": "Access"}},
			{"ref": "hr", "title": map[string]any{"en": "People", "ja": "人"}},
		},
		"controls": []map[string]any{
			{"ref": "ops-1", "group": "ops.access", "title": map[string]any{"en": "MFA for administrators", "ja": "管理者の多要素認証"},
				"supplier_related": true, "tags": []string{"cloud"}},
			{"ref": "ops-1.1", "group": "ops.access", "parent_ref": "ops-1", "title": map[string]any{"en": "Hardware keys"}},
			{"ref": "hr-1", "group": "hr", "title": map[string]any{"en": "Staff screening"},
				"parts": []map[string]any{{"name": "statement", "prose": "Screen staff.", "parts": []map[string]any{{"name": "item", "prose": "Keep records."}}}}},
			{"ref": "gen-1", "title": map[string]any{"en": "Ungrouped control"}},
		},
	}
}

func TestCatalogCustomFramework(t *testing.T) {
	eachCatDB(t, api.Config{}, func(t *testing.T, e *catEnv) {
		r := must(t, e.as(t, auth.RoleProcurement, "POST", "/api/v1/frameworks", customBody("acme-std")), http.StatusCreated)
		var f api.FrameworkResponse
		r.into(t, &f)
		if loc := r.Header.Get("Location"); loc != "/api/v1/frameworks/acme-std" {
			t.Errorf("Location %q", loc)
		}
		wantCounts := []api.LevelCountDTO{{Level: "area", Groups: 2}, {Level: "topic", Groups: 1}}
		if f.ID != "acme-std" || f.Source != "custom" || f.ControlCount != 4 || !slices.Equal(f.GroupCounts, wantCounts) ||
			len(f.Groups) != 3 || f.Groups[1].Level != 2 || f.Groups[1].Parent != "ops" || len(f.ContentHash) != 64 {
			t.Errorf("created %s", r)
		}
		if !f.CreatedAt.Equal(start) {
			t.Errorf("created_at %v, want the clock's %v", f.CreatedAt, start)
		}

		var got api.FrameworkResponse
		must(t, e.as(t, auth.RoleAuditor, "GET", "/api/v1/frameworks/acme-std", nil), http.StatusOK).into(t, &got)
		if got.ControlCount != 4 || !slices.Equal(got.GroupCounts, wantCounts) || got.ContentHash != f.ContentHash || !got.CreatedAt.Equal(start) {
			t.Errorf("GET after create: %+v", got)
		}
		controls, _ := e.allControls(t, "acme-std", 3)
		wantPaths := map[string][]string{"ops-1": {"ops", "ops.access"}, "ops-1.1": {"ops", "ops.access"}, "hr-1": {"hr"}, "gen-1": {}}
		if refs := refsOf(controls); !slices.Equal(refs, []string{"ops-1", "ops-1.1", "hr-1", "gen-1"}) {
			t.Fatalf("controls %v", refs)
		}
		for _, c := range controls {
			if !slices.Equal(c.GroupPath, wantPaths[c.Ref]) {
				t.Errorf("%s group_path %v, want %v", c.Ref, c.GroupPath, wantPaths[c.Ref])
			}
		}
		if c := controls[1]; c.ParentRef != "ops-1" {
			t.Errorf("enhancement parent_ref %q", c.ParentRef)
		}
		if c := controls[0]; !c.SupplierRelated || !slices.Equal(c.Tags, []string{"cloud"}) {
			t.Errorf("ops-1: %+v", c)
		}
		if c := controls[2]; len(c.Parts) != 1 || c.Parts[0].Prose != "Screen staff." || len(c.Parts[0].Parts) != 1 || c.Parts[0].Parts[0].Name != "item" {
			t.Errorf("hr-1 parts %+v", c.Parts)
		}
		ja := func(id string) string {
			var c api.ControlDetailResponse
			must(t, e.as(t, auth.RoleAuditor, "GET", "/api/v1/controls/"+id, nil, "Accept-Language", "ja"), http.StatusOK).into(t, &c)
			return c.Title
		}
		if got := ja("acme-std:ops-1"); got != "管理者の多要素認証" {
			t.Errorf("ja title %q", got)
		}
		if got := ja("acme-std:ops-1.1"); got != "Hardware keys" { // no Japanese: English
			t.Errorf("ja title without Japanese %q", got)
		}
		if ok, err := e.cat.Resolve(t.Context(), "acme-std:hr-1"); !ok || err != nil {
			t.Errorf("Resolve(acme-std:hr-1) = %v, %v", ok, err)
		}

		t.Run("conflicts", func(t *testing.T) {
			for _, id := range []string{"acme-std", "iso27001-2022"} {
				before := e.catalogRows(t)
				r := e.as(t, auth.RoleAdmin, "POST", "/api/v1/frameworks", customBody(id))
				catProblem(t, r, http.StatusConflict, "id")
				if after := e.catalogRows(t); after != before {
					t.Errorf("rows %v after a 409, %v before", after, before)
				}
			}
		})

		t.Run("validation", func(t *testing.T) {
			tests := []struct {
				name   string
				mutate func(b map[string]any)
				status int
				fields []string
			}{
				{"group parent unknown", func(b map[string]any) { bodyGroups(b)[1]["parent"] = "nowhere" }, 422, []string{"groups[1].parent"}},
				{"group parent listed later", func(b map[string]any) {
					g := bodyGroups(b)
					g[0], g[1] = g[1], g[0]
				}, 422, []string{"groups[0].parent"}},
				{"control group unknown", func(b map[string]any) { bodyControls(b)[2]["group"] = "nowhere" }, 422, []string{"controls[2].group"}},
				{"ref with a slash", func(b map[string]any) { bodyControls(b)[0]["ref"] = "ops/1" }, 422, []string{"controls[0].ref"}},
				{"ref with a colon", func(b map[string]any) { bodyControls(b)[3]["ref"] = "gen:1" }, 422, []string{"controls[3].ref"}},
				{"ref with a space", func(b map[string]any) { bodyControls(b)[3]["ref"] = "gen 1" }, 422, []string{"controls[3].ref"}},
				{"group ref with a question mark", func(b map[string]any) { bodyGroups(b)[2]["ref"] = "hr?" }, 422, []string{"groups[2].ref"}},
				{"duplicate control ref", func(b map[string]any) { bodyControls(b)[3]["ref"] = "hr-1" }, 422, []string{"controls[3].ref"}},
				{"duplicate group ref", func(b map[string]any) { bodyGroups(b)[2]["ref"] = "ops" }, 422, []string{"groups[2].ref"}},
				{"missing title.en", func(b map[string]any) { bodyControls(b)[0]["title"] = map[string]any{"ja": "日本語だけ"} }, 422, []string{"controls[0].title.en"}},
				{"blank group title.en", func(b map[string]any) { bodyGroups(b)[0]["title"] = map[string]any{"en": "  "} }, 422, []string{"groups[0].title.en"}},
				{"parent_ref unknown", func(b map[string]any) { bodyControls(b)[1]["parent_ref"] = "ops-9" }, 422, []string{"controls[1].parent_ref"}},
				{"parent_ref listed later", func(b map[string]any) { bodyControls(b)[0]["parent_ref"] = "hr-1" }, 422, []string{"controls[0].parent_ref"}},
				{"id not a slug", func(b map[string]any) { b["id"] = "ACME Std" }, 422, []string{"id"}},
				{"id with underscore", func(b map[string]any) { b["id"] = "acme_std" }, 422, []string{"id"}},
				{"id with a double dash", func(b map[string]any) { b["id"] = "acme--std" }, 422, []string{"id"}},
				{"id too long", func(b map[string]any) { b["id"] = strings.Repeat("a", 65) }, 422, []string{"id"}},
				{"missing id", func(b map[string]any) { delete(b, "id") }, 422, []string{"id"}},
				{"missing name", func(b map[string]any) { b["name"] = "" }, 422, []string{"name"}},
				{"no controls", func(b map[string]any) { b["controls"] = []any{} }, 422, []string{"controls"}},
				{"prose too long", func(b map[string]any) {
					bodyControls(b)[2]["parts"] = []map[string]any{{"name": "statement", "prose": strings.Repeat("p", 20001)}}
				}, 422, []string{"controls[2].parts"}},
				{"parts nested too deep", func(b map[string]any) {
					part := map[string]any{"name": "item", "prose": "deepest"}
					for range 10 {
						part = map[string]any{"name": "item", "parts": []map[string]any{part}}
					}
					bodyControls(b)[2]["parts"] = []map[string]any{part}
				}, 422, []string{"controls[2].parts"}},
				{"several problems at once", func(b map[string]any) {
					b["id"] = "Bad"
					bodyGroups(b)[1]["parent"] = "nowhere"
					bodyControls(b)[2]["group"] = "nowhere"
				}, 422, []string{"id", "groups[1].parent", "controls[2].group"}},
				{"unknown field", func(b map[string]any) { bodyControls(b)[0]["weight"] = 3 }, 400, []string{"controls[0].weight"}},
				{"wrong JSON type", func(b map[string]any) { b["groups"] = map[string]any{} }, 400, []string{"groups"}},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					b := customBody("acme-new")
					tc.mutate(b)
					before := e.catalogRows(t)
					catProblem(t, e.as(t, auth.RoleAdmin, "POST", "/api/v1/frameworks", b), tc.status, tc.fields...)
					if after := e.catalogRows(t); after != before {
						t.Errorf("rows %v after a %d, %v before", after, tc.status, before)
					}
					id, _ := b["id"].(string)
					if id != "" && len(id) <= 64 && !strings.ContainsAny(id, " ") {
						catProblem(t, e.as(t, auth.RoleAuditor, "GET", "/api/v1/frameworks/"+id, nil), http.StatusNotFound)
					}
				})
			}
		})

		t.Run("transport errors", func(t *testing.T) {
			before := e.catalogRows(t)
			catProblem(t, e.as(t, auth.RoleAdmin, "POST", "/api/v1/frameworks", `{"id": "x",`), http.StatusBadRequest)
			catProblem(t, e.as(t, auth.RoleAdmin, "POST", "/api/v1/frameworks", `{"id":"x"} {}`), http.StatusBadRequest)
			raw, _ := json.Marshal(customBody("acme-plain"))
			catProblem(t, e.as(t, auth.RoleAdmin, "POST", "/api/v1/frameworks", raw, "Content-Type", "text/plain"), http.StatusUnsupportedMediaType)
			if after := e.catalogRows(t); after != before {
				t.Errorf("rows %v after transport errors, %v before", after, before)
			}
		})

		t.Run("roles", func(t *testing.T) {
			tests := []struct {
				role   auth.Role
				status int
			}{
				{auth.RoleAuditor, http.StatusForbidden},
				{auth.RoleRiskOwner, http.StatusForbidden},
				{auth.RoleSupplier, http.StatusNotFound},
				{auth.RoleAdmin, http.StatusCreated},
			}
			for _, tc := range tests {
				id := "by-" + strings.ReplaceAll(string(tc.role), "_", "-")
				before := e.catalogRows(t)
				r := e.as(t, tc.role, "POST", "/api/v1/frameworks", customBody(id))
				if tc.status == http.StatusCreated {
					must(t, r, http.StatusCreated)
					continue
				}
				catProblem(t, r, tc.status)
				if after := e.catalogRows(t); after != before {
					t.Errorf("%s: rows %v after a refusal, %v before", tc.role, after, before)
				}
			}
			catProblem(t, e.do(t, "POST", "/api/v1/frameworks", "", customBody("anon")), http.StatusUnauthorized)
		})
	})
}

func bodyGroups(b map[string]any) []map[string]any   { return b["groups"].([]map[string]any) }
func bodyControls(b map[string]any) []map[string]any { return b["controls"].([]map[string]any) }

// sqliteOnlyDB is a fresh SQLite database for transport-only checks.
func sqliteOnlyDB(t *testing.T) *repository.DB {
	t.Helper()
	return testdb.Open(t, repository.DialectSQLite)
}

// TestCatalogTextLimits: over-long texts are a client's mistake, answered 422 on both dialects (never a
// 500 from a column that cannot hold them, never stored on one dialect and refused by the other).
func TestCatalogTextLimits(t *testing.T) {
	long := strings.Repeat("x", 70000) // more than a MySQL TEXT column holds
	custom := []struct {
		name   string
		mutate func(b map[string]any)
		field  string // prefix of the field named in errors[]
	}{
		{"description", func(b map[string]any) { b["description"] = map[string]any{"en": long} }, "description"},
		{"control title", func(b map[string]any) { bodyControls(b)[0]["title"] = map[string]any{"en": long} }, "controls[0].title"},
		{"control title in Japanese", func(b map[string]any) {
			bodyControls(b)[0]["title"] = map[string]any{"en": "ok", "ja": strings.Repeat("日", 30000)}
		}, "controls[0].title"},
		{"group title", func(b map[string]any) { bodyGroups(b)[0]["title"] = map[string]any{"en": long} }, "groups[0].title"},
		{"tag", func(b map[string]any) { bodyControls(b)[0]["tags"] = []string{long} }, "controls[0].tags"},
		{"level name", func(b map[string]any) { b["levels"] = []string{long} }, "levels"},
	}
	oscal := []struct {
		name   string
		mutate func(doc map[string]any)
		field  string
	}{
		{"class", func(d map[string]any) { node(d, "catalog", "controls", 0)["class"] = strings.Repeat("c", 150) }, "catalog.controls[0].class"},
		{"control title", func(d map[string]any) { node(d, "catalog", "controls", 0)["title"] = long }, "catalog.controls[0].title"},
		{"group title", func(d map[string]any) { node(d, "catalog", "groups", 0)["title"] = long }, "catalog.groups[0].title"},
		{"catalog title", func(d map[string]any) { node(d, "catalog", "metadata")["title"] = strings.Repeat("t", 400) }, "catalog.metadata.title"},
	}
	eachCatDB(t, api.Config{}, func(t *testing.T, e *catEnv) {
		check := func(t *testing.T, r resp, field string) {
			t.Helper()
			catProblem(t, r, http.StatusUnprocessableEntity)
			if r.Status == http.StatusUnprocessableEntity && !slices.ContainsFunc(problemFields(r), func(f string) bool { return strings.HasPrefix(f, field) }) {
				t.Errorf("errors[] %v name no field starting with %q", problemFields(r), field)
			}
		}
		for i, tc := range custom {
			t.Run("custom/"+tc.name, func(t *testing.T) {
				b := customBody(fmt.Sprintf("long-%d", i))
				tc.mutate(b)
				before := e.catalogRows(t)
				check(t, e.as(t, auth.RoleAdmin, "POST", "/api/v1/frameworks", b), tc.field)
				if after := e.catalogRows(t); after != before {
					t.Errorf("rows %v, before %v", after, before)
				}
			})
		}
		for i, tc := range oscal {
			t.Run("oscal/"+tc.name, func(t *testing.T) {
				d := tinyCatalog(fmt.Sprintf("c0ffee00-1111-4222-8333-%012d", i))
				tc.mutate(d)
				raw, _ := json.Marshal(d)
				before := e.catalogRows(t)
				check(t, e.as(t, auth.RoleAdmin, "POST", importPath+fmt.Sprintf("?id=long-oscal-%d", i), raw), tc.field)
				if after := e.catalogRows(t); after != before {
					t.Errorf("rows %v, before %v", after, before)
				}
			})
		}
	})
}

// TestCatalogConcurrentWrites: racing imports of one catalog store it once; racing creates of one id
// give one 201 and 409s, never a 500.
func TestCatalogConcurrentWrites(t *testing.T) {
	eachCatDB(t, api.Config{}, func(t *testing.T, e *catEnv) {
		race := func(n int, path string, body []byte) []int {
			statuses := make([]int, n)
			var wg sync.WaitGroup
			gate := make(chan struct{})
			for i := range n {
				req := httptest.NewRequestWithContext(t.Context(), "POST", path, bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+e.secrets[auth.RoleAdmin])
				wg.Go(func() {
					<-gate
					rec := httptest.NewRecorder()
					e.h.ServeHTTP(rec, req)
					statuses[i] = rec.Code
				})
			}
			close(gate)
			wg.Wait()
			slices.Sort(statuses)
			return statuses
		}
		before := e.tableRows(t, "frameworks")
		tiny, _ := json.Marshal(tinyCatalog(tinyUUID))
		if got, want := race(4, importPath, tiny), []int{200, 200, 200, 201}; !slices.Equal(got, want) {
			t.Errorf("racing imports of one catalog: statuses %v, want %v", got, want)
		}
		custom, _ := json.Marshal(customBody("raced"))
		if got, want := race(4, "/api/v1/frameworks", custom), []int{201, 409, 409, 409}; !slices.Equal(got, want) {
			t.Errorf("racing creates of one id: statuses %v, want %v", got, want)
		}
		if after := e.tableRows(t, "frameworks"); after != before+2 {
			t.Errorf("%d frameworks after the races, %d before; want 2 more", after, before)
		}
	})
}

// TestControlListFilters: a framework's controls filter on supplier_related, group (any level) and q
// (ref or title, English or Japanese), combined; each result is what the unfiltered list says it
// should be, in document order. An unknown query parameter is 400 naming it, a bad value 422.
func TestControlListFilters(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		if _, err := e.catalog.EnsureBuiltIn(t.Context()); err != nil {
			t.Fatal(err)
		}
		for _, fw := range []string{"iso27001-2013", "iso27001-2022"} {
			path := "/api/v1/frameworks/" + fw + "/controls"
			read := func(query string) []api.ControlResponse {
				t.Helper()
				var all []api.ControlResponse
				cursor := ""
				for range 20 {
					var l api.ControlList
					must(t, e.do(t, "GET", path+"?limit=200&"+query+"&cursor="+url.QueryEscape(cursor), e.admin, nil), http.StatusOK).into(t, &l)
					all = append(all, l.Items...)
					if cursor = l.NextCursor; cursor == "" {
						break
					}
				}
				return all
			}
			all := read("")
			if len(all) == 0 || len(all[0].GroupPath) == 0 {
				t.Fatalf("%s: %d controls, the first without groups", fw, len(all))
			}
			group := all[len(all)-1].GroupPath[0] // the last top-level group
			ref := all[0].Ref
			want := func(keep func(c api.ControlResponse) bool) []string {
				var out []string
				for _, c := range all {
					if keep(c) {
						out = append(out, c.ID)
					}
				}
				return out
			}
			ids := func(cs []api.ControlResponse) []string {
				var out []string
				for _, c := range cs {
					out = append(out, c.ID)
				}
				return out
			}
			supplier := func(c api.ControlResponse) bool { return c.SupplierRelated }
			inGroup := func(c api.ControlResponse) bool { return slices.Contains(c.GroupPath, group) }
			titled := func(s string) func(c api.ControlResponse) bool {
				return func(c api.ControlResponse) bool {
					s = strings.ToLower(s)
					return strings.Contains(strings.ToLower(c.Ref), s) || strings.Contains(strings.ToLower(c.TitleI18n.EN), s) ||
						strings.Contains(strings.ToLower(c.TitleI18n.JA), s)
				}
			}
			cases := []struct {
				query string
				keep  func(c api.ControlResponse) bool
			}{
				{"supplier_related=true", supplier},
				{"supplier_related=false", func(c api.ControlResponse) bool { return !supplier(c) }},
				{"group=" + url.QueryEscape(group), inGroup},
				{"q=" + url.QueryEscape(ref), titled(ref)},
				{"q=SUPPLIER", titled("supplier")},
				{"q=" + url.QueryEscape("供給者"), titled("供給者")},
				{"supplier_related=true&group=" + url.QueryEscape(group), func(c api.ControlResponse) bool { return supplier(c) && inGroup(c) }},
				{"group=nope", func(api.ControlResponse) bool { return false }},
			}
			for _, tc := range cases {
				got, exp := ids(read(tc.query)), want(tc.keep)
				if !slices.Equal(got, exp) {
					t.Errorf("%s?%s: %d controls %q, want %d %q", fw, tc.query, len(got), got, len(exp), exp)
				}
			}
			if n := len(want(supplier)); n == 0 || n == len(all) {
				t.Errorf("%s: %d of %d controls are supplier-related; the filter test needs some of each", fw, n, len(all))
			}
		}
		path := "/api/v1/frameworks/iso27001-2022/controls"
		for _, q := range []string{"supplier=true", "framework=iso27001-2013", "supplier_related=true&tag=cloud"} {
			r := e.do(t, "GET", path+"?"+q, e.admin, nil)
			wantProblem(t, r, http.StatusBadRequest)
			if fs := problemFields(r); len(fs) != 1 || strings.Contains(q, fs[0]+"=") == false {
				t.Errorf("?%s: errors name %q, want the unknown parameter", q, fs)
			}
		}
		wantProblem(t, e.do(t, "GET", path+"?supplier_related=yes", e.admin, nil), http.StatusUnprocessableEntity, "supplier_related")
		wantProblem(t, e.do(t, "GET", path+"?q="+strings.Repeat("x", 201), e.admin, nil), http.StatusUnprocessableEntity, "q")
	})
}

// walkControls reads every page of a control list path (which holds a query) with the given limit.
func (e *catEnv) walkControls(t *testing.T, path string, limit int) []string {
	t.Helper()
	var ids []string
	cursor := ""
	for pages := 1; ; pages++ {
		var page api.ControlList
		must(t, e.as(t, auth.RoleAuditor, "GET", fmt.Sprintf("%s&limit=%d&cursor=%s", path, limit, url.QueryEscape(cursor)), nil),
			http.StatusOK).into(t, &page)
		if len(page.Items) > limit || (page.NextCursor != "" && len(page.Items) != limit) {
			t.Fatalf("%s page %d: %d items with next_cursor %q (limit %d)", path, pages, len(page.Items), page.NextCursor, limit)
		}
		for _, c := range page.Items {
			ids = append(ids, c.ID)
		}
		if cursor = page.NextCursor; cursor == "" {
			return ids
		}
		if pages > 1000 {
			t.Fatal("paging does not end")
		}
	}
}

// TestAllControls: GET /api/v1/controls lists every framework's controls, by framework id and then
// document order, with the filters of GET /frameworks/{id}/controls plus framework (issue #12 item 15).
func TestAllControls(t *testing.T) {
	eachCatDB(t, api.Config{}, func(t *testing.T, e *catEnv) {
		var want []string
		for _, fw := range builtIns { // sorted by id
			for _, ref := range embeddedRefs(t, fw.id) {
				want = append(want, fw.id+":"+ref)
			}
		}
		if got := e.walkControls(t, "/api/v1/controls?", 37); !slices.Equal(got, want) {
			t.Fatalf("all controls in pages of 37: %d\n%v\nwant %d (framework, then document order, each once)", len(got), got, len(want))
		}
		if got := e.walkControls(t, "/api/v1/controls?", 200); !slices.Equal(got, want) {
			t.Errorf("all controls in pages of 200: %d, want %d", len(got), len(want))
		}

		// Each filter gives what the per-framework list gives, framework after framework.
		for _, q := range []string{"supplier_related=true", "supplier_related=false", "group=5", "group=A.15",
			"q=supplier", "q=" + url.QueryEscape("供給者"), "supplier_related=true&q=cloud"} {
			var exp []string
			for _, fw := range builtIns {
				exp = append(exp, e.walkControls(t, "/api/v1/frameworks/"+fw.id+"/controls?"+q, 200)...)
			}
			got := e.walkControls(t, "/api/v1/controls?"+q, 25)
			if len(exp) == 0 || !slices.Equal(got, exp) {
				t.Errorf("?%s: %d controls %v, want %d %v", q, len(got), got, len(exp), exp)
			}
			for _, fw := range builtIns {
				fexp := e.walkControls(t, "/api/v1/frameworks/"+fw.id+"/controls?"+q, 200)
				if got := e.walkControls(t, "/api/v1/controls?framework="+fw.id+"&"+q, 10); !slices.Equal(got, fexp) {
					t.Errorf("?framework=%s&%s: %v, want %v", fw.id, q, got, fexp)
				}
			}
		}
		if got := e.walkControls(t, "/api/v1/controls?framework=iso27001-2099", 10); len(got) != 0 {
			t.Errorf("unknown framework: %v, want nothing", got)
		}
		// A custom framework appears in its place by id.
		must(t, e.as(t, auth.RoleProcurement, "POST", "/api/v1/frameworks", customBody("aaa-custom")), http.StatusCreated)
		got := e.walkControls(t, "/api/v1/controls?", 50)
		if len(got) <= len(want) || !strings.HasPrefix(got[0], "aaa-custom:") || !slices.Equal(got[len(got)-len(want):], want) {
			t.Errorf("with a custom framework: %d controls starting %v", len(got), got[:3])
		}

		// Unknown parameters are 400 naming them; malformed values 422.
		for q, unknown := range map[string]string{"tag=cloud": "tag", "frameworks=iso27001-2022": "frameworks",
			"framework=iso27001-2022&supplier=true": "supplier"} {
			r := e.as(t, auth.RoleAuditor, "GET", "/api/v1/controls?"+q, nil)
			catProblem(t, r, http.StatusBadRequest)
			if fs := problemFields(r); !slices.Equal(fs, []string{unknown}) {
				t.Errorf("?%s: errors name %q, want %q", q, fs, unknown)
			}
		}
		catProblem(t, e.as(t, auth.RoleAuditor, "GET", "/api/v1/controls?supplier_related=yes", nil), http.StatusUnprocessableEntity, "supplier_related")
		catProblem(t, e.as(t, auth.RoleAuditor, "GET", "/api/v1/controls?framework="+strings.Repeat("x", 101), nil), http.StatusUnprocessableEntity, "framework")
		for _, bad := range []string{"0", "201", "x"} {
			catProblem(t, e.as(t, auth.RoleAuditor, "GET", "/api/v1/controls?limit="+bad, nil), http.StatusUnprocessableEntity, "limit")
		}
		other := must(t, e.as(t, auth.RoleAuditor, "GET", "/api/v1/frameworks/iso27001-2022/controls?limit=1", nil), http.StatusOK).str("next_cursor")
		for _, bad := range []string{other, "garbage"} {
			catProblem(t, e.as(t, auth.RoleAuditor, "GET", "/api/v1/controls?cursor="+url.QueryEscape(bad), nil), http.StatusUnprocessableEntity, "cursor")
		}
	})
}
