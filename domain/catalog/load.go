package catalog

import (
	"bytes"
	"cmp"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// data holds the built-in catalogs. It is read-only; Load parses it afresh on every call.
//
//go:embed data/*.json
var data embed.FS

// Load parses and validates the built-in catalogs and crosswalks.
func Load() (*Catalog, error) {
	sub, err := fs.Sub(data, "data")
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	return load(sub, true)
}

// The file formats below are private to this package: they describe the embedded JSON files only.

type textFile struct {
	EN string `json:"en"`
	JA string `json:"ja"`
}

type frameworkFile struct {
	ID          string        `json:"id"`
	Name        string        `json:"name"`
	Edition     string        `json:"edition"`
	Publisher   string        `json:"publisher"`
	Description textFile      `json:"description"`
	Levels      []string      `json:"levels"`
	Groups      []groupFile   `json:"groups"`
	Controls    []controlFile `json:"controls"`
}

type groupFile struct {
	Ref    string `json:"ref"`
	Parent string `json:"parent"`
	EN     string `json:"en"`
	JA     string `json:"ja"`
}

type controlFile struct {
	Ref      string   `json:"ref"`
	Group    string   `json:"group"`
	EN       string   `json:"en"`
	JA       string   `json:"ja"`
	Supplier bool     `json:"supplier"`
	Tags     []string `json:"tags"`
}

type crosswalkFile struct {
	Crosswalks []crosswalkSet `json:"crosswalks"`
}

type crosswalkSet struct {
	From                   string        `json:"from"`
	To                     string        `json:"to"`
	ComposeVia             string        `json:"compose_via"`
	Basis                  string        `json:"basis"`
	Mappings               []mappingFile `json:"mappings"`
	FromWithoutCounterpart []noneFile    `json:"from_without_counterpart"`
	ToWithoutCounterpart   []noneFile    `json:"to_without_counterpart"`
}

type mappingFile struct {
	From string `json:"from"`
	To   string `json:"to"`
	Rel  string `json:"rel"`
	Note string `json:"note"`
}

type noneFile struct {
	Ref  string `json:"ref"`
	Note string `json:"note"`
}

// crosswalkPrefix marks the files holding crosswalks; every other *.json file is a framework.
const crosswalkPrefix = "crosswalk"

// problems collects every validation failure so that one run reports all of them.
type problems struct{ errs []error }

func (p *problems) addf(format string, args ...any) {
	p.errs = append(p.errs, fmt.Errorf(format, args...))
}

func (p *problems) err() error {
	if len(p.errs) == 0 {
		return nil
	}
	return fmt.Errorf("catalog: invalid data: %w", errors.Join(p.errs...))
}

// load reads every *.json file at the root of fsys. builtIn marks the frameworks as shipped ones.
func load(fsys fs.FS, builtIn bool) (*Catalog, error) {
	names, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, fmt.Errorf("catalog: list data files: %w", err)
	}
	slices.Sort(names)

	var p problems
	c := &Catalog{
		byID:     map[string]int{},
		controls: map[string]map[string]int{},
		mappings: map[string][]Mapping{},
		none:     map[string][]NoCounterpart{},
	}
	var crosswalks []string
	for _, name := range names {
		if strings.HasPrefix(name, crosswalkPrefix) {
			crosswalks = append(crosswalks, name)
			continue
		}
		var ff frameworkFile
		if err := decodeFile(fsys, name, &ff); err != nil {
			p.errs = append(p.errs, err)
			continue
		}
		// The file name must be the framework ID, so IDs are unique by construction.
		if f, ok := buildFramework(name, ff, builtIn, &p); ok {
			c.frameworks = append(c.frameworks, f)
		}
	}
	slices.SortFunc(c.frameworks, func(a, b Framework) int { return cmp.Compare(a.ID, b.ID) })
	for i, f := range c.frameworks {
		c.byID[f.ID] = i
		idx := make(map[string]int, len(f.Controls))
		for j, ctl := range f.Controls {
			idx[ctl.Ref] = j
		}
		c.controls[f.ID] = idx
	}

	var sets []crosswalkSet
	var setFiles []string
	for _, name := range crosswalks {
		var cf crosswalkFile
		if err := decodeFile(fsys, name, &cf); err != nil {
			p.errs = append(p.errs, err)
			continue
		}
		if len(cf.Crosswalks) == 0 {
			p.addf("%s: no crosswalks", name)
		}
		for _, s := range cf.Crosswalks {
			sets = append(sets, s)
			setFiles = append(setFiles, name)
		}
	}
	if err := p.err(); err != nil {
		return nil, err // crosswalk checks would only repeat framework problems
	}

	b := newMappingBuilder(c)
	for i, s := range sets {
		b.addSet(setFiles[i], s, &p)
	}
	if err := p.err(); err != nil {
		return nil, err // composing from broken crosswalks would only add noise
	}
	for _, s := range sets {
		if s.ComposeVia != "" {
			b.compose(s)
		}
	}
	b.finish(&p)
	if err := p.err(); err != nil {
		return nil, err
	}
	return c, nil
}

// decodeFile decodes one JSON document strictly: unknown fields and trailing data are errors.
func decodeFile(fsys fs.FS, name string, v any) error {
	raw, err := fs.ReadFile(fsys, name)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: unexpected data after the JSON document", name)
	}
	return nil
}

var (
	idPattern  = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	tagPattern = idPattern
)

func validID(s string) bool { return idPattern.MatchString(s) }

// validRef accepts the official IDs ("A.6.2.3", "5.19") and clause slugs ("right_to_audit"):
// printable, no spaces, no colon (the separator of qualified refs), at most 64 bytes.
func validRef(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if r == ':' || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

func validText(t Text) bool {
	return strings.TrimSpace(t.EN) != "" && strings.TrimSpace(t.JA) != ""
}

// buildFramework checks one framework file and turns it into a Framework.
func buildFramework(file string, ff frameworkFile, builtIn bool, p *problems) (Framework, bool) {
	before := len(p.errs)
	where := file
	if !validID(ff.ID) {
		p.addf("%s: framework id %q is not a lower-case slug", where, ff.ID)
	} else {
		where = file + " (" + ff.ID + ")"
		if want := ff.ID + ".json"; path.Base(file) != want {
			p.addf("%s: file name should be %s", where, want)
		}
	}
	if strings.TrimSpace(ff.Name) == "" || strings.TrimSpace(ff.Edition) == "" || strings.TrimSpace(ff.Publisher) == "" {
		p.addf("%s: name, edition and publisher are required", where)
	}
	desc := Text(ff.Description)
	if !validText(desc) {
		p.addf("%s: description needs en and ja", where)
	}
	for i, l := range ff.Levels {
		if strings.TrimSpace(l) == "" || slices.Index(ff.Levels, l) != i {
			p.addf("%s: level names must be non-empty and distinct", where)
			break
		}
	}
	if len(ff.Levels) == 0 && len(ff.Groups) > 0 {
		p.addf("%s: groups given but no levels", where)
	}
	if len(ff.Controls) == 0 {
		p.addf("%s: no controls", where)
	}

	f := Framework{
		ID:          ff.ID,
		Name:        ff.Name,
		Edition:     ff.Edition,
		Publisher:   ff.Publisher,
		Description: desc,
		BuiltIn:     builtIn,
		Levels:      slices.Clone(ff.Levels),
	}
	if f.Levels == nil {
		f.Levels = []string{}
	}
	seen := map[string]string{} // ref -> "group" or "control"
	level := map[string]int{}
	parent := map[string]string{}
	for _, g := range ff.Groups {
		if !validRef(g.Ref) {
			p.addf("%s: group ref %q is not valid", where, g.Ref)
			continue
		}
		if kind, dup := seen[g.Ref]; dup {
			p.addf("%s: duplicate ref %q (already a %s)", where, g.Ref, kind)
			continue
		}
		seen[g.Ref] = "group"
		lv := 1
		if g.Parent != "" {
			pl, ok := level[g.Parent]
			if !ok {
				p.addf("%s: group %s: parent %q is not a group declared before it", where, g.Ref, g.Parent)
				continue
			}
			lv = pl + 1
		}
		if lv > len(ff.Levels) {
			p.addf("%s: group %s is nested deeper than the %d declared levels", where, g.Ref, len(ff.Levels))
			continue
		}
		title := Text{EN: g.EN, JA: g.JA}
		if !validText(title) {
			p.addf("%s: group %s needs en and ja titles", where, g.Ref)
		}
		level[g.Ref] = lv
		parent[g.Ref] = g.Parent
		f.Groups = append(f.Groups, Group{Ref: g.Ref, Parent: g.Parent, Level: lv, Title: title})
	}
	if f.Groups == nil {
		f.Groups = []Group{}
	}

	for _, cf := range ff.Controls {
		if !validRef(cf.Ref) {
			p.addf("%s: control ref %q is not valid", where, cf.Ref)
			continue
		}
		if kind, dup := seen[cf.Ref]; dup {
			p.addf("%s: duplicate ref %q (already a %s)", where, cf.Ref, kind)
			continue
		}
		seen[cf.Ref] = "control"
		ctl := Control{
			Ref:             cf.Ref,
			FrameworkID:     ff.ID,
			GroupPath:       []string{},
			Title:           Text{EN: cf.EN, JA: cf.JA},
			SupplierRelated: cf.Supplier,
			Tags:            []string{},
		}
		switch {
		case len(ff.Levels) == 0 && cf.Group != "":
			p.addf("%s: control %s names group %q but the framework has no groups", where, cf.Ref, cf.Group)
		case len(ff.Levels) > 0:
			lv, ok := level[cf.Group]
			switch {
			case cf.Group == "" || !ok:
				p.addf("%s: control %s: group %q does not exist", where, cf.Ref, cf.Group)
			case lv != len(ff.Levels):
				p.addf("%s: control %s: group %s is not at the innermost level (%s)", where, cf.Ref, cf.Group, ff.Levels[len(ff.Levels)-1])
			default:
				for g := cf.Group; g != ""; g = parent[g] {
					ctl.GroupPath = append(ctl.GroupPath, g)
				}
				slices.Reverse(ctl.GroupPath)
			}
		}
		if !validText(ctl.Title) {
			p.addf("%s: control %s needs en and ja titles", where, cf.Ref)
		}
		for i, t := range cf.Tags {
			if !tagPattern.MatchString(t) || slices.Index(cf.Tags, t) != i {
				p.addf("%s: control %s: tag %q is not a distinct lower-case slug", where, cf.Ref, t)
				continue
			}
			ctl.Tags = append(ctl.Tags, t)
		}
		f.Controls = append(f.Controls, ctl)
	}
	return f, len(p.errs) == before
}

// mappingBuilder gathers the written mappings, derives the composed and inverse ones, and indexes
// the result on the catalog.
type mappingBuilder struct {
	c       *Catalog
	stated  []Mapping           // as written, in file order
	pairs   map[string]string   // unordered pair key -> where it was first written
	none    []NoCounterpart     // as written
	derived []Mapping           // composed, one direction only
	noneKey map[string]struct{} // framework:ref>other
}

func newMappingBuilder(c *Catalog) *mappingBuilder {
	return &mappingBuilder{c: c, pairs: map[string]string{}, noneKey: map[string]struct{}{}}
}

func pairKey(fw1, ref1, fw2, ref2 string) string {
	a, b := QualifiedRef(fw1, ref1), QualifiedRef(fw2, ref2)
	if b < a {
		a, b = b, a
	}
	return a + "|" + b
}

func (b *mappingBuilder) hasControl(fw, ref string) bool {
	_, ok := b.c.controls[fw][ref]
	return ok
}

func (b *mappingBuilder) addSet(file string, s crosswalkSet, p *problems) {
	where := fmt.Sprintf("%s (%s -> %s)", file, s.From, s.To)
	_, fromOK := b.c.byID[s.From]
	_, toOK := b.c.byID[s.To]
	if !fromOK || !toOK {
		p.addf("%s: unknown framework", where)
		return
	}
	if s.From == s.To {
		p.addf("%s: a crosswalk needs two different frameworks", where)
		return
	}
	if s.ComposeVia != "" {
		if _, ok := b.c.byID[s.ComposeVia]; !ok || s.ComposeVia == s.From || s.ComposeVia == s.To {
			p.addf("%s: compose_via %q must be a third known framework", where, s.ComposeVia)
		}
	}
	for _, m := range s.Mappings {
		rel, err := ParseRelation(m.Rel)
		if err != nil {
			p.addf("%s: %s -> %s: %w", where, m.From, m.To, err)
			continue
		}
		if !b.hasControl(s.From, m.From) {
			p.addf("%s: unknown control %s", where, QualifiedRef(s.From, m.From))
			continue
		}
		if !b.hasControl(s.To, m.To) {
			p.addf("%s: unknown control %s", where, QualifiedRef(s.To, m.To))
			continue
		}
		key := pairKey(s.From, m.From, s.To, m.To)
		if first, dup := b.pairs[key]; dup {
			p.addf("%s: %s -> %s is mapped twice (first in %s)", where, m.From, m.To, first)
			continue
		}
		b.pairs[key] = file
		b.stated = append(b.stated, Mapping{
			FromFramework: s.From, FromRef: m.From,
			ToFramework: s.To, ToRef: m.To,
			Relation: rel, Note: m.Note,
		})
	}
	b.addNone(where, s.From, s.To, s.FromWithoutCounterpart, p)
	b.addNone(where, s.To, s.From, s.ToWithoutCounterpart, p)
}

func (b *mappingBuilder) addNone(where, fw, other string, entries []noneFile, p *problems) {
	for _, n := range entries {
		if !b.hasControl(fw, n.Ref) {
			p.addf("%s: no-counterpart entry names unknown control %s", where, QualifiedRef(fw, n.Ref))
			continue
		}
		key := QualifiedRef(fw, n.Ref) + ">" + other
		if _, dup := b.noneKey[key]; dup {
			p.addf("%s: %s is listed twice as having no counterpart in %s", where, QualifiedRef(fw, n.Ref), other)
			continue
		}
		b.noneKey[key] = struct{}{}
		b.none = append(b.none, NoCounterpart{FrameworkID: fw, Ref: n.Ref, OtherFramework: other, Note: n.Note})
	}
}

// oriented returns the written mappings between two frameworks, each read from `from` to `to`.
func (b *mappingBuilder) oriented(from, to string) map[string][]Mapping {
	out := map[string][]Mapping{}
	for _, m := range b.stated {
		switch {
		case m.FromFramework == from && m.ToFramework == to:
			out[m.FromRef] = append(out[m.FromRef], m)
		case m.FromFramework == to && m.ToFramework == from:
			inv := invert(m)
			out[inv.FromRef] = append(out[inv.FromRef], inv)
		}
	}
	return out
}

// compose derives From -> To mappings through the via framework for the pairs not written
// explicitly. When several paths lead to the same pair and disagree, the result is Intersects,
// which every path guarantees.
func (b *mappingBuilder) compose(s crosswalkSet) {
	first := b.oriented(s.From, s.ComposeVia)
	second := b.oriented(s.ComposeVia, s.To)
	fromFw := b.c.frameworks[b.c.byID[s.From]]
	for _, ctl := range fromFw.Controls {
		type candidate struct {
			rel Relation
			via string
		}
		found := map[string][]candidate{}
		var order []string
		for _, m1 := range first[ctl.Ref] {
			for _, m2 := range second[m1.ToRef] {
				rel, ok := compose(m1.Relation, m2.Relation)
				if !ok {
					continue
				}
				if _, written := b.pairs[pairKey(s.From, ctl.Ref, s.To, m2.ToRef)]; written {
					continue
				}
				if _, seen := found[m2.ToRef]; !seen {
					order = append(order, m2.ToRef)
				}
				found[m2.ToRef] = append(found[m2.ToRef], candidate{rel, QualifiedRef(s.ComposeVia, m1.ToRef)})
			}
		}
		for _, to := range order {
			cands := found[to]
			rel := cands[0].rel
			for _, cd := range cands[1:] {
				if cd.rel != rel {
					rel = Intersects
				}
			}
			b.derived = append(b.derived, Mapping{
				FromFramework: s.From, FromRef: ctl.Ref,
				ToFramework: s.To, ToRef: to,
				Relation: rel, Via: cands[0].via,
			})
		}
	}
}

func invert(m Mapping) Mapping {
	return Mapping{
		FromFramework: m.ToFramework, FromRef: m.ToRef,
		ToFramework: m.FromFramework, ToRef: m.FromRef,
		Relation: m.Relation.Inverse(), Inverse: !m.Inverse,
		Via: m.Via, Note: m.Note,
	}
}

// finish adds the inverses, checks the no-counterpart entries against the mappings and indexes
// everything on the catalog in a stable order.
func (b *mappingBuilder) finish(p *problems) {
	all := make([]Mapping, 0, 2*(len(b.stated)+len(b.derived)))
	for _, m := range slices.Concat(b.stated, b.derived) {
		all = append(all, m, invert(m))
	}
	for _, m := range all {
		k := QualifiedRef(m.FromFramework, m.FromRef)
		b.c.mappings[k] = append(b.c.mappings[k], m)
	}
	for _, n := range b.none {
		for _, m := range b.c.mappings[QualifiedRef(n.FrameworkID, n.Ref)] {
			if m.ToFramework == n.OtherFramework {
				p.addf("%s is listed as having no counterpart in %s but maps to %s", QualifiedRef(n.FrameworkID, n.Ref), n.OtherFramework, QualifiedRef(m.ToFramework, m.ToRef))
				break
			}
		}
		k := QualifiedRef(n.FrameworkID, n.Ref)
		b.c.none[k] = append(b.c.none[k], n)
	}
	for k, ms := range b.c.mappings {
		slices.SortStableFunc(ms, func(x, y Mapping) int {
			return cmp.Or(
				cmp.Compare(x.ToFramework, y.ToFramework),
				cmp.Compare(b.c.controls[x.ToFramework][x.ToRef], b.c.controls[y.ToFramework][y.ToRef]),
			)
		})
		b.c.mappings[k] = ms
	}
	for k, ns := range b.c.none {
		slices.SortStableFunc(ns, func(x, y NoCounterpart) int { return cmp.Compare(x.OtherFramework, y.OtherFramework) })
		b.c.none[k] = ns
	}
}
