package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/domain/auth"
)

const importPath = "/api/v1/frameworks/import"

// The NIST fixtures; counts from the fixtures' README, checked against the files by parseFixture.
var oscalFiles = []struct {
	name             string
	file             string
	groups, controls int
}{
	{"low", "NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog-min.json", 18, 149},
	{"privacy", "NIST_SP-800-53_rev5_PRIVACY-baseline-resolved-profile_catalog-min.json", 16, 102},
}

// fixtureControl is the part of an OSCAL control the import keeps, read independently of api/oscal.go.
type fixtureControl struct {
	ID       string           `json:"id"`
	Class    string           `json:"class"`
	Title    string           `json:"title"`
	Props    []api.PropDTO    `json:"props"`
	Parts    []api.PartDTO    `json:"parts"`
	Controls []fixtureControl `json:"controls"`
}

type fixtureGroup struct {
	ID       string           `json:"id"`
	Title    string           `json:"title"`
	Groups   []fixtureGroup   `json:"groups"`
	Controls []fixtureControl `json:"controls"`
}

// expectedControl is one control of a fixture, flattened in document order.
type expectedControl struct {
	fixtureControl
	parent string
	group  string
}

type oscalFixture struct {
	uuid, title string
	groups      []string
	controls    []expectedControl
}

func parseFixture(t *testing.T, raw []byte) oscalFixture {
	t.Helper()
	var doc struct {
		Catalog struct {
			UUID     string `json:"uuid"`
			Metadata struct {
				Title string `json:"title"`
			} `json:"metadata"`
			Groups   []fixtureGroup   `json:"groups"`
			Controls []fixtureControl `json:"controls"`
		} `json:"catalog"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("decode fixture: %v", err)
	}
	fx := oscalFixture{uuid: doc.Catalog.UUID, title: doc.Catalog.Metadata.Title}
	var walkControls func(cs []fixtureControl, parent, group string)
	walkControls = func(cs []fixtureControl, parent, group string) {
		for _, c := range cs {
			fx.controls = append(fx.controls, expectedControl{fixtureControl: c, parent: parent, group: group})
			walkControls(c.Controls, c.ID, group)
		}
	}
	var walkGroups func(gs []fixtureGroup)
	walkGroups = func(gs []fixtureGroup) {
		for _, g := range gs {
			fx.groups = append(fx.groups, g.ID)
			walkControls(g.Controls, "", g.ID)
			walkGroups(g.Groups)
		}
	}
	walkGroups(doc.Catalog.Groups)
	walkControls(doc.Catalog.Controls, "", "")
	return fx
}

func TestCatalogOSCALImport(t *testing.T) {
	eachCatDB(t, api.Config{}, func(t *testing.T, e *catEnv) {
		for _, of := range oscalFiles {
			t.Run(of.name, func(t *testing.T) {
				raw := readFixture(t, of.file)
				fx := parseFixture(t, raw)
				if len(fx.groups) != of.groups || len(fx.controls) != of.controls {
					t.Fatalf("the file holds %d groups and %d controls; the README says %d and %d", len(fx.groups), len(fx.controls), of.groups, of.controls)
				}
				frameworksBefore := e.tableRows(t, "frameworks")

				// LOW as the JSON body with the default id; PRIVACY uploaded, with ?id=.
				var r resp
				wantID := ""
				if of.name == "low" {
					r = e.as(t, auth.RoleProcurement, "POST", importPath, raw)
				} else {
					wantID = "nist-privacy"
					r = e.upload(t, auth.RoleProcurement, importPath+"?id="+wantID, "file", raw)
				}
				must(t, r, http.StatusCreated)
				var f api.FrameworkResponse
				r.into(t, &f)
				if wantID == "" {
					wantID = f.ID
					if !strings.HasPrefix(f.ID, "nist-special-publication-800-53") || !strings.HasSuffix(f.ID, "-"+fx.uuid[:8]) {
						t.Errorf("default id %q: want a slug of the title with the uuid's first 8 characters", f.ID)
					}
				}
				wantCounts := []api.LevelCountDTO{{Level: "group", Groups: of.groups}}
				if f.ID != wantID || f.Source != "oscal" || f.SourceUUID != fx.uuid || f.Name != fx.title ||
					f.ControlCount != of.controls || !slices.Equal(f.GroupCounts, wantCounts) || len(f.Groups) != of.groups {
					t.Errorf("imported: id %q source %q uuid %q name %q control_count %d group_counts %+v groups %d",
						f.ID, f.Source, f.SourceUUID, f.Name, f.ControlCount, f.GroupCounts, len(f.Groups))
				}
				if loc := r.Header.Get("Location"); loc != "/api/v1/frameworks/"+wantID {
					t.Errorf("Location %q", loc)
				}
				var gotGroups []string
				for _, g := range f.Groups {
					gotGroups = append(gotGroups, g.Ref)
				}
				if !slices.Equal(gotGroups, fx.groups) {
					t.Errorf("groups %v, want %v", gotGroups, fx.groups)
				}

				// Every control, in document order, with its enhancements' parents, parts and props.
				got, _ := e.allControls(t, wantID, 50)
				if len(got) != len(fx.controls) {
					t.Fatalf("%d controls listed, want %d", len(got), len(fx.controls))
				}
				enhancements := 0
				for i, want := range fx.controls {
					c := got[i]
					if c.Ref != want.ID || c.ParentRef != want.parent || c.Title != want.Title || c.Class != want.Class ||
						!slices.Equal(c.GroupPath, []string{want.group}) || c.SupplierRelated || len(c.Tags) != 0 {
						t.Errorf("controls[%d] = %s %q parent %q class %q group_path %v; want %s %q parent %q class %q group %q",
							i, c.Ref, c.Title, c.ParentRef, c.Class, c.GroupPath, want.ID, want.Title, want.parent, want.Class, want.group)
					}
					if !reflect.DeepEqual(c.Props, want.Props) {
						t.Errorf("%s props %+v, want %+v", want.ID, c.Props, want.Props)
					}
					if !reflect.DeepEqual(c.Parts, want.Parts) {
						t.Errorf("%s parts differ from the file", want.ID)
					}
					if want.parent != "" {
						enhancements++
					}
				}
				if enhancements == 0 {
					t.Fatal("the fixture has no enhancements to check")
				}
				enh := fx.controls[slices.IndexFunc(fx.controls, func(c expectedControl) bool { return c.parent != "" })]
				var detail api.ControlDetailResponse
				must(t, e.as(t, auth.RoleAuditor, "GET", "/api/v1/controls/"+wantID+":"+enh.ID, nil), http.StatusOK).into(t, &detail)
				label := slices.IndexFunc(detail.Props, func(p api.PropDTO) bool { return p.Name == "label" && p.Class == "" })
				if detail.ParentRef != enh.parent || label < 0 || len(detail.Parts) == 0 || len(detail.Mappings) != 0 {
					t.Errorf("GET %s:%s: parent_ref %q props %+v parts %d mappings %v", wantID, enh.ID, detail.ParentRef, detail.Props, len(detail.Parts), detail.Mappings)
				}

				// Resolve knows the imported controls.
				for ref, want := range map[string]bool{wantID + ":" + enh.ID: true, wantID + ":" + enh.parent: true, wantID + ":zz-99": false,
					wantID + ":" + strings.ToUpper(enh.ID): false} {
					if ok, err := e.cat.Resolve(t.Context(), ref); ok != want || err != nil {
						t.Errorf("Resolve(%q) = %v, %v; want %v", ref, ok, err, want)
					}
				}

				// The same catalog again, as a body or an upload: 200, the same framework, nothing added.
				rows := e.catalogRows(t)
				if rows[0] != frameworksBefore+1 {
					t.Errorf("%d frameworks after the import, %d before", rows[0], frameworksBefore)
				}
				q := ""
				if of.name == "privacy" {
					q = "?id=" + wantID
				}
				again := []struct {
					name string
					r    func() resp
				}{
					{"json", func() resp { return e.as(t, auth.RoleAdmin, "POST", importPath+q, raw) }},
					{"multipart", func() resp { return e.upload(t, auth.RoleAdmin, importPath+q, "file", raw) }},
					{"oscal media type", func() resp {
						return e.as(t, auth.RoleAdmin, "POST", importPath+q, raw, "Content-Type", "application/oscal.catalog+json; charset=utf-8")
					}},
				}
				for _, a := range again {
					r := must(t, a.r(), http.StatusOK)
					var f2 api.FrameworkResponse
					r.into(t, &f2)
					if f2.ID != wantID || f2.ContentHash != f.ContentHash || f2.ControlCount != of.controls || !f2.CreatedAt.Equal(f.CreatedAt) {
						t.Errorf("re-import (%s): %+v", a.name, f2)
					}
					if after := e.catalogRows(t); after != rows {
						t.Errorf("re-import (%s): rows %v, before %v", a.name, after, rows)
					}
				}

				// The same uuid with other content: 409, nothing changed.
				var doc map[string]any
				if err := json.Unmarshal(raw, &doc); err != nil {
					t.Fatal(err)
				}
				node(doc, "catalog", "groups", 0, "controls", 0)["title"] = "Changed title"
				changed, _ := json.Marshal(doc)
				catProblem(t, e.as(t, auth.RoleAdmin, "POST", importPath+"?id="+wantID, changed), http.StatusConflict)
				if after := e.catalogRows(t); after != rows {
					t.Errorf("after a 409: rows %v, before %v", after, rows)
				}
				var still api.ControlDetailResponse
				must(t, e.as(t, auth.RoleAuditor, "GET", "/api/v1/controls/"+wantID+":"+fx.controls[0].ID, nil), http.StatusOK).into(t, &still)
				if still.Title != fx.controls[0].Title {
					t.Errorf("title after a refused re-import %q", still.Title)
				}
			})
		}

		// A catalog imported under a chosen id is the same catalog when sent again without ?id=.
		t.Run("same catalog, default id", func(t *testing.T) {
			raw := readFixture(t, oscalFiles[1].file)
			rows := e.catalogRows(t)
			r := e.as(t, auth.RoleAdmin, "POST", importPath, raw)
			if r.Status != http.StatusOK || r.str("id") != "nist-privacy" {
				t.Errorf("re-import of the PRIVACY catalog without ?id: %d id %q, want 200 and the stored nist-privacy: %s",
					r.Status, r.str("id"), bytes.TrimSpace(r.Raw[:min(len(r.Raw), 400)]))
			}
			if after := e.catalogRows(t); after != rows {
				t.Errorf("rows %v, before %v", after, rows)
			}
		})
	})
}

// node walks a decoded JSON document by keys and indices to an object.
func node(v any, path ...any) map[string]any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			v = v.(map[string]any)[k]
		case int:
			v = v.([]any)[k]
		}
	}
	return v.(map[string]any)
}

// tinyCatalog is a small valid OSCAL catalog: nested groups, an enhancement, a top-level control.
func tinyCatalog(uuid string) map[string]any {
	doc := `{"catalog": {
	  "uuid": "` + uuid + `",
	  "metadata": {"title": "Tiny catalog", "version": "1.0", "oscal-version": "1.1.2", "last-modified": "2024-01-01T00:00:00Z"},
	  "groups": [
	    {"id": "g1", "title": "Group one", "controls": [
	      {"id": "c-1", "title": "One", "params": [{"id": "c-1_prm_1"}], "props": [{"name": "label", "value": "C-1"}],
	       "controls": [{"id": "c-1.1", "class": "enhancement", "title": "One a"}]},
	      {"id": "c-2", "title": "Two", "parts": [{"id": "c-2_smt", "name": "statement", "prose": "Do two."}]}
	    ]},
	    {"id": "g2", "title": "Group two", "groups": [
	      {"id": "g2a", "title": "Nested", "controls": [{"id": "c-3", "title": "Three"}]}
	    ]}
	  ],
	  "controls": [{"id": "top-1", "title": "Top-level control"}],
	  "back-matter": {"resources": []}
	}}`
	var m map[string]any
	if err := json.Unmarshal([]byte(doc), &m); err != nil {
		panic(err)
	}
	return m
}

const tinyUUID = "c0ffee00-1111-4222-8333-444455556666"

func TestCatalogOSCALImportRejects(t *testing.T) {
	eachCatDB(t, api.Config{}, func(t *testing.T, e *catEnv) {
		mutated := func(f func(doc map[string]any)) []byte {
			doc := tinyCatalog(tinyUUID)
			f(doc)
			b, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		cat := func(doc map[string]any) map[string]any { return node(doc, "catalog") }
		tests := []struct {
			name   string
			body   []byte
			ctype  string // "" keeps application/json; "-" sends none
			upload string // multipart field name, "" for a JSON body
			query  string
			status int
			fields []string
		}{
			{name: "missing catalog", body: []byte(`{"profile": {"uuid": "` + tinyUUID + `"}}`), status: 422, fields: []string{"catalog"}},
			{name: "null catalog", body: []byte(`{"catalog": null}`), status: 422, fields: []string{"catalog"}},
			{name: "not an object", body: []byte(`[1, 2]`), status: 422, fields: []string{"catalog"}},
			{name: "bad uuid", body: mutated(func(d map[string]any) { cat(d)["uuid"] = "not-a-uuid" }), status: 422, fields: []string{"catalog.uuid"}},
			{name: "missing uuid", body: mutated(func(d map[string]any) { delete(cat(d), "uuid") }), status: 422, fields: []string{"catalog.uuid"}},
			{name: "control without id", body: mutated(func(d map[string]any) { delete(node(d, "catalog", "groups", 0, "controls", 1), "id") }),
				status: 422, fields: []string{"catalog.groups[0].controls[1].id"}},
			{name: "enhancement without id", body: mutated(func(d map[string]any) {
				delete(node(d, "catalog", "groups", 0, "controls", 0, "controls", 0), "id")
			}), status: 422, fields: []string{"catalog.groups[0].controls[0].controls[0].id"}},
			{name: "id with a space in a nested group", body: mutated(func(d map[string]any) {
				node(d, "catalog", "groups", 1, "groups", 0, "controls", 0)["id"] = "c 3"
			}), status: 422, fields: []string{"catalog.groups[1].groups[0].controls[0].id"}},
			{name: "top-level control without id", body: mutated(func(d map[string]any) { delete(node(d, "catalog", "controls", 0), "id") }),
				status: 422, fields: []string{"catalog.controls[0].id"}},
			{name: "duplicate control ids", body: mutated(func(d map[string]any) { node(d, "catalog", "groups", 0, "controls", 1)["id"] = "c-1" }),
				status: 422, fields: []string{"catalog.groups[0].controls[1].id"}},
			{name: "control id equal to a group id", body: mutated(func(d map[string]any) { node(d, "catalog", "controls", 0)["id"] = "g2a" }),
				status: 422, fields: []string{"catalog.controls[0].id"}},
			{name: "missing control title", body: mutated(func(d map[string]any) { delete(node(d, "catalog", "groups", 0, "controls", 1), "title") }),
				status: 422, fields: []string{"catalog.groups[0].controls[1].title"}},
			{name: "missing group title", body: mutated(func(d map[string]any) { delete(node(d, "catalog", "groups", 1, "groups", 0), "title") }),
				status: 422, fields: []string{"catalog.groups[1].groups[0].title"}},
			{name: "missing metadata title", body: mutated(func(d map[string]any) { delete(node(d, "catalog", "metadata"), "title") }),
				status: 422, fields: []string{"catalog.metadata.title"}},
			{name: "no controls", body: mutated(func(d map[string]any) {
				delete(cat(d), "controls")
				delete(node(d, "catalog", "groups", 0), "controls")
				delete(node(d, "catalog", "groups", 1, "groups", 0), "controls")
			}), status: 422, fields: []string{"catalog"}},
			{name: "groups is an object", body: mutated(func(d map[string]any) { cat(d)["groups"] = map[string]any{} }),
				status: 422, fields: []string{"catalog.groups"}},
			{name: "uuid is a number", body: mutated(func(d map[string]any) { cat(d)["uuid"] = 42 }), status: 422, fields: []string{"catalog.uuid"}},
			{name: "several problems at once", body: mutated(func(d map[string]any) {
				cat(d)["uuid"] = "x"
				delete(node(d, "catalog", "groups", 0, "controls", 1), "id")
				delete(node(d, "catalog", "groups", 1), "title")
			}), status: 422, fields: []string{"catalog.uuid", "catalog.groups[0].controls[1].id", "catalog.groups[1].title"}},
			{name: "id not a slug", body: mutated(func(map[string]any) {}), query: "?id=Tiny_Catalog", status: 422, fields: []string{"id"}},
			{name: "id too long", body: mutated(func(map[string]any) {}), query: "?id=" + strings.Repeat("a", 65), status: 422, fields: []string{"id"}},
			{name: "id taken by a built-in", body: mutated(func(map[string]any) {}), query: "?id=iso27001-2022", status: 409, fields: []string{"id"}},
			{name: "malformed JSON", body: []byte(`{"catalog": {"uuid": `), status: 400},
			{name: "syntax error", body: []byte(`{"catalog": {"uuid" "x"}}`), status: 400},
			{name: "two documents", body: append(mutated(func(map[string]any) {}), []byte(` {}`)...), status: 400},
			{name: "empty body", body: []byte{}, status: 400},
			{name: "text/plain", body: mutated(func(map[string]any) {}), ctype: "text/plain", status: 415},
			{name: "XML", body: []byte(`<catalog/>`), ctype: "application/xml", status: 415},
			{name: "no content type", body: mutated(func(map[string]any) {}), ctype: "-", status: 415},
			{name: "upload without the file field", body: mutated(func(map[string]any) {}), upload: "catalog", status: 422, fields: []string{"file"}},
			{name: "upload of malformed JSON", body: []byte(`{"catalog": [`), upload: "file", status: 400},
			{name: "upload without catalog", body: []byte(`{"profile": {}}`), upload: "file", status: 422, fields: []string{"catalog"}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				before := e.catalogRows(t)
				var r resp
				switch {
				case tc.upload != "":
					r = e.upload(t, auth.RoleAdmin, importPath+tc.query, tc.upload, tc.body)
				case tc.ctype == "-":
					req := httptest.NewRequestWithContext(t.Context(), "POST", importPath+tc.query, bytes.NewReader(tc.body))
					req.Header.Set("Authorization", "Bearer "+e.secrets[auth.RoleAdmin])
					r = e.send(t, req)
				case tc.ctype != "":
					r = e.as(t, auth.RoleAdmin, "POST", importPath+tc.query, tc.body, "Content-Type", tc.ctype)
				default:
					r = e.as(t, auth.RoleAdmin, "POST", importPath+tc.query, tc.body)
				}
				catProblem(t, r, tc.status, tc.fields...)
				if after := e.catalogRows(t); after != before {
					t.Errorf("rows (frameworks, groups, controls, mappings) %v after a %d, %v before", after, tc.status, before)
				}
			})
		}

		// The valid tiny catalog: nested groups, a top-level control, an enhancement.
		t.Run("tiny catalog", func(t *testing.T) {
			body := mutated(func(map[string]any) {})
			r := must(t, e.as(t, auth.RoleProcurement, "POST", importPath+"?id=tiny", body), http.StatusCreated)
			var f api.FrameworkResponse
			r.into(t, &f)
			if f.ControlCount != 5 || !slices.Equal(f.Levels, []string{"group", "group"}) ||
				!slices.Equal(f.GroupCounts, []api.LevelCountDTO{{Level: "group", Groups: 2}, {Level: "group", Groups: 1}}) {
				t.Errorf("tiny: %s", r)
			}
			got, _ := e.allControls(t, "tiny", 2)
			want := []struct {
				ref, parent string
				path        []string
			}{{"c-1", "", []string{"g1"}}, {"c-1.1", "c-1", []string{"g1"}}, {"c-2", "", []string{"g1"}},
				{"c-3", "", []string{"g2", "g2a"}}, {"top-1", "", []string{}}}
			if len(got) != len(want) {
				t.Fatalf("controls %v", refsOf(got))
			}
			for i, w := range want {
				if got[i].Ref != w.ref || got[i].ParentRef != w.parent || !slices.Equal(got[i].GroupPath, w.path) {
					t.Errorf("controls[%d] %s parent %q path %v; want %s %q %v", i, got[i].Ref, got[i].ParentRef, got[i].GroupPath, w.ref, w.parent, w.path)
				}
			}

			rows := e.catalogRows(t)
			conflicts := []struct {
				name   string
				body   []byte
				query  string
				fields []string
			}{
				{"same uuid, other content", mutated(func(d map[string]any) { node(d, "catalog", "controls", 0)["title"] = "Other" }), "?id=tiny", nil},
				{"same uuid, new id", mutated(func(d map[string]any) { node(d, "catalog", "controls", 0)["title"] = "Other" }), "?id=tiny-2", nil},
				{"other uuid, taken id", mutated(func(d map[string]any) { node(d, "catalog")["uuid"] = "c0ffee00-1111-4222-8333-777777777777" }), "?id=tiny", []string{"id"}},
			}
			for _, c := range conflicts {
				catProblem(t, e.as(t, auth.RoleAdmin, "POST", importPath+c.query, c.body), http.StatusConflict, c.fields...)
				if after := e.catalogRows(t); after != rows {
					t.Errorf("%s: rows %v, before %v", c.name, after, rows)
				}
			}
			// The uuid is matched whatever its case.
			upper := mutated(func(d map[string]any) { node(d, "catalog")["uuid"] = strings.ToUpper(tinyUUID) })
			if r := e.as(t, auth.RoleAdmin, "POST", importPath+"?id=tiny", upper); r.Status == http.StatusCreated {
				t.Errorf("the same uuid in capitals was imported again: %s", r)
			}
		})

		t.Run("roles", func(t *testing.T) {
			body := tinyCatalog("c0ffee00-1111-4222-8333-888888888888")
			tests := []struct {
				role   auth.Role
				status int
			}{
				{auth.RoleAuditor, http.StatusForbidden},
				{auth.RoleRiskOwner, http.StatusForbidden},
				{auth.RoleSupplier, http.StatusNotFound},
			}
			before := e.catalogRows(t)
			for _, tc := range tests {
				catProblem(t, e.as(t, tc.role, "POST", importPath+"?id=by-role", body), tc.status)
				raw, _ := json.Marshal(body)
				catProblem(t, e.upload(t, tc.role, importPath+"?id=by-role", "file", raw), tc.status)
			}
			catProblem(t, e.do(t, "POST", importPath+"?id=by-role", "", body), http.StatusUnauthorized)
			if after := e.catalogRows(t); after != before {
				t.Errorf("rows %v after refusals, %v before", after, before)
			}
			must(t, e.as(t, auth.RoleAdmin, "POST", importPath+"?id=by-role", body), http.StatusCreated)
		})
	})
}

// TestCatalogOSCALImportLimits: the import route has its own, larger body limit; above it, 413.
func TestCatalogOSCALImportLimits(t *testing.T) {
	cfg := api.Config{MaxBodyBytes: 2 << 10, MaxImportBytes: 16 << 10}
	eachCatDB(t, cfg, func(t *testing.T, e *catEnv) {
		tiny, _ := json.Marshal(tinyCatalog(tinyUUID))
		padded := append(slices.Clone(tiny), bytes.Repeat([]byte(" "), 8<<10)...) // over MaxBodyBytes, under MaxImportBytes
		low := readFixture(t, oscalFiles[0].file)                                 // over MaxImportBytes

		chunked := func(body []byte, ctype string) resp {
			req := httptest.NewRequestWithContext(t.Context(), "POST", importPath, io.MultiReader(bytes.NewReader(body)))
			req.ContentLength = -1 // streamed: the limit must hold while reading
			req.Header.Set("Content-Type", ctype)
			req.Header.Set("Authorization", "Bearer "+e.secrets[auth.RoleAdmin])
			return e.send(t, req)
		}
		tests := []struct {
			name string
			send func() resp
		}{
			{"json with length", func() resp { return e.as(t, auth.RoleAdmin, "POST", importPath, low) }},
			{"json streamed", func() resp { return chunked(low, "application/json") }},
			{"upload with length", func() resp { return e.upload(t, auth.RoleAdmin, importPath, "file", low) }},
			{"upload streamed", func() resp {
				var buf bytes.Buffer
				ctype := multipartBody(t, &buf, "file", low)
				return chunked(buf.Bytes(), ctype)
			}},
			{"padded body just over the limit", func() resp {
				return chunked(append(slices.Clone(tiny), bytes.Repeat([]byte(" "), (16<<10)-len(tiny)+1)...), "application/json")
			}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				before := e.catalogRows(t)
				catProblem(t, tc.send(), http.StatusRequestEntityTooLarge)
				if after := e.catalogRows(t); after != before {
					t.Errorf("rows %v after a 413, %v before", after, before)
				}
			})
		}
		t.Run("custom framework uses the normal limit", func(t *testing.T) {
			body, _ := json.Marshal(customBody("big-custom"))
			body = append(body, bytes.Repeat([]byte(" "), 3<<10)...)
			catProblem(t, e.as(t, auth.RoleAdmin, "POST", "/api/v1/frameworks", body), http.StatusRequestEntityTooLarge)
		})
		t.Run("import over the normal limit, under the import limit", func(t *testing.T) {
			r := must(t, e.as(t, auth.RoleAdmin, "POST", importPath+"?id=tiny", padded), http.StatusCreated)
			if r.str("id") != "tiny" {
				t.Errorf("imported %s", r)
			}
		})
	})
}
