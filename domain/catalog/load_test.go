package catalog

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestParseRelationAndInverse(t *testing.T) {
	tests := []struct {
		in      string
		ok      bool
		inverse Relation
	}{
		{"equal", true, Equal},
		{"subset", true, Superset},
		{"superset", true, Subset},
		{"intersects", true, Intersects},
		{"Equal", false, ""},
		{"overlaps", false, ""},
		{"", false, ""},
	}
	for _, tt := range tests {
		r, err := ParseRelation(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("ParseRelation(%q) error = %v, want ok=%v", tt.in, err, tt.ok)
			continue
		}
		if tt.ok && r.Inverse() != tt.inverse {
			t.Errorf("%s.Inverse() = %s, want %s", r, r.Inverse(), tt.inverse)
		}
		if tt.ok && r.Inverse().Inverse() != r {
			t.Errorf("%s: inverse is not an involution", r)
		}
	}
}

func TestCompose(t *testing.T) {
	const no = Relation("")
	// want[r1][r2]: relation of A to C given A r1 B and B r2 C; no = not derived.
	want := map[Relation]map[Relation]Relation{
		Equal:      {Equal: Equal, Subset: Subset, Superset: Superset, Intersects: Intersects},
		Subset:     {Equal: Subset, Subset: Subset, Superset: no, Intersects: no},
		Superset:   {Equal: Superset, Subset: Intersects, Superset: Superset, Intersects: Intersects},
		Intersects: {Equal: Intersects, Subset: Intersects, Superset: no, Intersects: no},
	}
	for r1, row := range want {
		for r2, w := range row {
			got, ok := compose(r1, r2)
			if ok != (w != no) || got != w {
				t.Errorf("compose(%s, %s) = %q, %v; want %q", r1, r2, got, ok, w)
			}
			// Composing the inverses in reverse order must give the inverse result.
			back, okBack := compose(r2.Inverse(), r1.Inverse())
			if okBack != ok || (ok && back != got.Inverse()) {
				t.Errorf("compose is not consistent with inversion for %s, %s", r1, r2)
			}
		}
	}
}

// A small valid data set; each failure case below breaks it in one place.
const (
	fwX = `{"id": "x", "name": "X", "edition": "1", "publisher": "test",
  "description": {"en": "Framework X for tests", "ja": "テスト用の枠組みX"},
  "levels": ["domain", "objective"],
  "groups": [
    {"ref": "A.1", "en": "Domain one for tests", "ja": "分野一"},
    {"ref": "A.1.1", "parent": "A.1", "en": "Objective one for tests", "ja": "目的一"}
  ],
  "controls": [
    {"ref": "A.1.1.1", "group": "A.1.1", "en": "First test control here", "ja": "管理策一", "supplier": true, "tags": ["cloud"]},
    {"ref": "A.1.1.2", "group": "A.1.1", "en": "Second test control here", "ja": "管理策二"}
  ]}`
	fwY = `{"id": "y", "name": "Y", "edition": "1", "publisher": "test",
  "description": {"en": "Framework Y for tests", "ja": "テスト用の枠組みY"},
  "levels": ["theme"],
  "groups": [{"ref": "5", "en": "Theme five for tests", "ja": "テーマ五"}],
  "controls": [
    {"ref": "5.1", "group": "5", "en": "Merged test control here", "ja": "統合した管理策"},
    {"ref": "5.2", "group": "5", "en": "New test control here", "ja": "新しい管理策"}
  ]}`
	fwZ = `{"id": "z", "name": "Z", "edition": "1", "publisher": "test",
  "description": {"en": "Framework Z for tests", "ja": "テスト用の枠組みZ"},
  "levels": [], "groups": [],
  "controls": [
    {"ref": "alpha", "en": "Alpha test clause here", "ja": "条項アルファ"},
    {"ref": "beta", "en": "Beta test clause here", "ja": "条項ベータ"}
  ]}`
	cwXY = `{"crosswalks": [{"from": "x", "to": "y", "basis": "test",
  "mappings": [
    {"from": "A.1.1.1", "to": "5.1", "rel": "subset"},
    {"from": "A.1.1.2", "to": "5.1", "rel": "subset"}
  ],
  "from_without_counterpart": [],
  "to_without_counterpart": [{"ref": "5.2", "note": "new"}]}]}`
	cwZY = `{"crosswalks": [{"from": "z", "to": "y", "basis": "test",
  "mappings": [
    {"from": "alpha", "to": "5.1", "rel": "equal"},
    {"from": "beta", "to": "5.2", "rel": "superset"}
  ]}]}`
	cwXZ = `{"crosswalks": [{"from": "x", "to": "z", "compose_via": "y", "basis": "test", "mappings": []}]}`
)

func testFS(edit func(files map[string]string)) fstest.MapFS {
	files := map[string]string{
		"x.json": fwX, "y.json": fwY, "z.json": fwZ,
		"crosswalk-x-y.json": cwXY, "crosswalk-z-y.json": cwZY, "crosswalk-x-z.json": cwXZ,
		"README.txt": "not data",
	}
	if edit != nil {
		edit(files)
	}
	fsys := fstest.MapFS{}
	for name, body := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(body)}
	}
	return fsys
}

func replaceIn(name, old, new string) func(map[string]string) {
	return func(files map[string]string) {
		if !strings.Contains(files[name], old) {
			panic("test setup: " + name + " lacks " + old)
		}
		files[name] = strings.Replace(files[name], old, new, 1)
	}
}

func TestLoadSmallDataSet(t *testing.T) {
	c, err := load(testFS(nil), false)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	f, ok := c.Framework("x")
	if !ok || f.BuiltIn {
		t.Fatalf("Framework(x) = %+v, %v; want a non-built-in framework", f, ok)
	}
	if got := f.Counts(); got.Controls != 2 || got.SupplierRelated != 1 || got.ControlsByGroup["A.1"] != 2 {
		t.Errorf("Counts = %+v", got)
	}
	// x A.1.1.1 subset y 5.1 equal(inverse) z alpha: composed to subset via y:5.1.
	// x A.1.1.1 subset y 5.1, and y 5.2 is narrower than z beta: no path, nothing derived.
	got := c.MappingsOf("x", "A.1.1.1")
	want := []Mapping{
		{FromFramework: "x", FromRef: "A.1.1.1", ToFramework: "y", ToRef: "5.1", Relation: Subset},
		{FromFramework: "x", FromRef: "A.1.1.1", ToFramework: "z", ToRef: "alpha", Relation: Subset, Via: "y:5.1"},
	}
	if len(got) != len(want) {
		t.Fatalf("MappingsOf(x, A.1.1.1) = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("mapping %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	back := c.MappingsOf("z", "alpha")
	if len(back) != 3 { // from x A.1.1.1 and A.1.1.2 (composed, inverse), to y 5.1
		t.Fatalf("MappingsOf(z, alpha) = %+v, want 3 mappings", back)
	}
	if back[0].ToRef != "A.1.1.1" || back[0].Relation != Superset || !back[0].Inverse {
		t.Errorf("first mapping of z alpha = %+v, want inverse superset to A.1.1.1", back[0])
	}
	if n := c.NoCounterpartsOf("y", "5.2"); len(n) != 1 || n[0].OtherFramework != "x" {
		t.Errorf("NoCounterpartsOf(y, 5.2) = %+v", n)
	}
	if _, ok := c.Resolve("z:beta"); !ok {
		t.Error("Resolve(z:beta) failed")
	}
}

func TestLoadRejectsBadData(t *testing.T) {
	tests := []struct {
		name string
		edit func(map[string]string)
		want string // substring of the error
	}{
		{"duplicate control ref",
			replaceIn("x.json", `"ref": "A.1.1.2"`, `"ref": "A.1.1.1"`), `duplicate ref "A.1.1.1"`},
		{"control ref equal to a group ref",
			replaceIn("x.json", `"ref": "A.1.1.2"`, `"ref": "A.1.1"`), `duplicate ref "A.1.1" (already a group)`},
		{"dangling control group",
			replaceIn("x.json", `"group": "A.1.1", "en": "Second`, `"group": "A.1.9", "en": "Second`), `group "A.1.9" does not exist`},
		{"control in a domain instead of an objective",
			replaceIn("x.json", `"group": "A.1.1", "en": "Second`, `"group": "A.1", "en": "Second`), "not at the innermost level"},
		{"dangling group parent",
			replaceIn("x.json", `"parent": "A.1"`, `"parent": "A.2"`), `parent "A.2" is not a group declared before it`},
		{"group nested too deep",
			replaceIn("y.json", `"levels": ["theme"],`, `"levels": [],`), "groups given but no levels"},
		{"missing japanese title",
			replaceIn("y.json", `"ja": "新しい管理策"`, `"ja": " "`), "control 5.2 needs en and ja titles"},
		{"bad tag",
			replaceIn("x.json", `["cloud"]`, `["Cloud"]`), `tag "Cloud"`},
		{"ref with a colon",
			replaceIn("z.json", `"ref": "beta"`, `"ref": "be:ta"`), `control ref "be:ta" is not valid`},
		{"file name not matching id",
			replaceIn("z.json", `"id": "z"`, `"id": "zz"`), "file name should be zz.json"},
		{"unknown field",
			replaceIn("x.json", `"supplier": true`, `"supplier_related": true`), `unknown field "supplier_related"`},
		{"trailing data",
			func(f map[string]string) { f["z.json"] += " {}" }, "unexpected data after the JSON document"},
		{"second file claiming an existing id",
			func(f map[string]string) { f["x2.json"] = fwX }, "x2.json (x): file name should be x.json"},
		{"mapping to unknown ref",
			replaceIn("crosswalk-x-y.json", `"to": "5.1", "rel": "subset"}`, `"to": "5.9", "rel": "subset"}`), "unknown control y:5.9"},
		{"mapping from unknown ref",
			replaceIn("crosswalk-z-y.json", `"from": "beta"`, `"from": "gamma"`), "unknown control z:gamma"},
		{"mapping to unknown framework",
			replaceIn("crosswalk-z-y.json", `"to": "y"`, `"to": "w"`), "unknown framework"},
		{"bad relation",
			replaceIn("crosswalk-z-y.json", `"rel": "superset"`, `"rel": "overlaps"`), `unknown relation "overlaps"`},
		{"same pair twice, other direction",
			replaceIn("crosswalk-z-y.json", `{"from": "beta", "to": "5.2", "rel": "superset"}`,
				`{"from": "beta", "to": "5.2", "rel": "superset"}]}, {"from": "y", "to": "z", "basis": "t", "mappings": [{"from": "5.1", "to": "alpha", "rel": "equal"}`),
			"is mapped twice"},
		{"crosswalk inside one framework",
			replaceIn("crosswalk-z-y.json", `"to": "y"`, `"to": "z"`), "two different frameworks"},
		{"bad compose_via",
			replaceIn("crosswalk-x-z.json", `"compose_via": "y"`, `"compose_via": "x"`), "must be a third known framework"},
		{"no-counterpart contradicting a mapping",
			replaceIn("crosswalk-x-y.json", `"from_without_counterpart": []`, `"from_without_counterpart": [{"ref": "A.1.1.1", "note": "n"}]`),
			"listed as having no counterpart in y but maps to y:5.1"},
		{"no-counterpart contradicting a composed mapping",
			replaceIn("crosswalk-x-z.json", `"mappings": []`, `"mappings": [], "to_without_counterpart": [{"ref": "alpha"}]`),
			"z:alpha is listed as having no counterpart in x but maps to x:A.1.1.1"},
		{"no-counterpart for unknown control",
			replaceIn("crosswalk-x-y.json", `{"ref": "5.2", "note": "new"}`, `{"ref": "5.7", "note": "new"}`), "unknown control y:5.7"},
		{"malformed json",
			replaceIn("crosswalk-x-y.json", `"basis": "test",`, `"basis": "test"`), "crosswalk-x-y.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := load(testFS(tt.edit), false)
			if err == nil {
				t.Fatalf("load succeeded (%d frameworks), want an error containing %q", len(c.Frameworks()), tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

func TestLoadReportsEveryProblem(t *testing.T) {
	edit := func(f map[string]string) {
		replaceIn("x.json", `"ref": "A.1.1.2"`, `"ref": "A.1.1.1"`)(f)
		replaceIn("z.json", `"ja": "条項ベータ"`, `"ja": ""`)(f)
	}
	_, err := load(testFS(edit), false)
	if err == nil {
		t.Fatal("load succeeded")
	}
	for _, want := range []string{`duplicate ref "A.1.1.1"`, "control beta needs en and ja titles"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %v\nlacks %q", err, want)
		}
	}
}
