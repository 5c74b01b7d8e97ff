// Package catalog holds the built-in control catalogs: ISO/IEC 27001 Annex A in its 2005, 2013 and
// 2022 editions, the supplier contract clause types, and the crosswalks between them.
//
// The data lives in embedded JSON files under data/ (see README.md for how the labels, the supplier
// flags and the crosswalks were chosen). Load parses and validates them and returns an immutable
// Catalog; the package keeps no mutable state of its own, and every accessor returns copies.
package catalog

import (
	"slices"
	"strings"
	"time"
)

// Text is a label in the two languages every catalog text carries.
type Text struct {
	EN string
	JA string
}

// Framework is one control catalog, such as an edition of ISO/IEC 27001 Annex A.
type Framework struct {
	ID          string // stable slug, e.g. "iso27001-2022"
	Name        string
	Edition     string
	Publisher   string
	Description Text
	BuiltIn     bool     // shipped with vendorrisk, as opposed to a custom or imported framework
	Levels      []string // names of the group levels, outermost first, e.g. ["domain", "objective"]
	Groups      []Group  // in document order; a parent always comes before its children
	Controls    []Control

	// Set for stored frameworks (see Service).
	Source      Source
	SourceUUID  string // the OSCAL catalog's uuid, for imports
	ContentHash string // SHA-256 of the content, to tell whether a reload or re-import changes anything
	Version     int
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Source says where a stored framework comes from.
type Source string

const (
	SourceBuiltIn Source = "builtin"
	SourceCustom  Source = "custom"
	SourceOSCAL   Source = "oscal"
)

// Group is a node of a framework's hierarchy: a domain, a control objective or a theme.
type Group struct {
	Ref    string // official ID as printed, e.g. "A.6" or "A.6.2"
	Parent string // "" at the top level
	Level  int    // 1 for the outermost level; Framework.Levels[Level-1] names it
	Title  Text
}

// Control is one control of a framework.
type Control struct {
	Ref             string // official ID as printed, e.g. "A.6.2.3" or "5.19"
	FrameworkID     string
	GroupPath       []string // refs of the enclosing groups, outermost first; empty in a flat framework
	Title           Text
	SupplierRelated bool
	Tags            []string // optional, e.g. "cloud", "privacy", "continuity", "supply-chain"

	// Optional, from custom frameworks and OSCAL imports.
	ParentRef string // the enclosing control of an enhancement (OSCAL nested controls)
	Class     string
	Parts     []Part
	Props     []Prop
}

// Part is a piece of a control's text (OSCAL part: statement, guidance, ...), possibly nested.
type Part struct {
	ID    string
	Name  string
	Title string
	Prose string
	Parts []Part
}

// Prop is a name/value property (OSCAL prop), e.g. the label "AC-2(1)".
type Prop struct {
	Name  string
	Value string
	Class string
	NS    string
}

// QualifiedRef returns the reference that Resolve accepts, e.g. "iso27001-2022:5.19".
func (c Control) QualifiedRef() string { return QualifiedRef(c.FrameworkID, c.Ref) }

// HasTag reports whether the control carries tag.
func (c Control) HasTag(tag string) bool { return slices.Contains(c.Tags, tag) }

// QualifiedRef joins a framework ID and a control ref with a colon.
func QualifiedRef(frameworkID, ref string) string { return frameworkID + ":" + ref }

// ParseQualifiedRef splits "framework:ref". It checks only the shape, not that the control exists.
func ParseQualifiedRef(s string) (frameworkID, ref string, ok bool) {
	frameworkID, ref, ok = strings.Cut(s, ":")
	if !ok || !validID(frameworkID) || !validRef(ref) {
		return "", "", false
	}
	return frameworkID, ref, true
}

// Mapping links a control of one framework to a control of another.
// Relation reads from From to To: Subset means the From control is narrower than the To control.
type Mapping struct {
	FromFramework string
	FromRef       string
	ToFramework   string
	ToRef         string
	Relation      Relation
	// Inverse is true when the mapping was derived by reversing one written the other way round.
	Inverse bool
	// Via is the qualified ref of the intermediate control when the mapping was composed from two
	// others (2005 to 2022 through 2013); empty for mappings written in the data.
	Via  string
	Note string
}

// NoCounterpart records that a control has, on purpose, no mapping to another framework
// (a control deleted or added between editions).
type NoCounterpart struct {
	FrameworkID    string
	Ref            string
	OtherFramework string
	Note           string
}

// LevelCount is the number of groups at one level of a framework's hierarchy.
type LevelCount struct {
	Level  string
	Groups int
}

// Counts summarises the size of a framework.
type Counts struct {
	Levels          []LevelCount // outermost first
	Controls        int
	SupplierRelated int
	// ControlsByGroup counts the controls under each group, at any depth, keyed by group ref.
	ControlsByGroup map[string]int
}

// Counts summarises the framework: groups per level, controls, supplier-related controls.
func (f Framework) Counts() Counts {
	c := Counts{
		Levels:          make([]LevelCount, len(f.Levels)),
		Controls:        len(f.Controls),
		ControlsByGroup: make(map[string]int, len(f.Groups)),
	}
	for i, name := range f.Levels {
		c.Levels[i].Level = name
	}
	for _, g := range f.Groups {
		if g.Level >= 1 && g.Level <= len(c.Levels) {
			c.Levels[g.Level-1].Groups++
		}
		c.ControlsByGroup[g.Ref] = 0
	}
	for _, ctl := range f.Controls {
		if ctl.SupplierRelated {
			c.SupplierRelated++
		}
		for _, g := range ctl.GroupPath {
			c.ControlsByGroup[g]++
		}
	}
	return c
}

// Catalog is the parsed, validated set of frameworks and mappings. It is safe for concurrent use:
// nothing changes after Load.
type Catalog struct {
	frameworks []Framework               // sorted by ID
	byID       map[string]int            // framework ID -> index in frameworks
	controls   map[string]map[string]int // framework ID -> control ref -> index in Controls
	mappings   map[string][]Mapping      // qualified ref -> mappings from that control
	none       map[string][]NoCounterpart
}

// Frameworks returns every framework, sorted by ID.
func (c *Catalog) Frameworks() []Framework {
	out := make([]Framework, len(c.frameworks))
	for i, f := range c.frameworks {
		out[i] = cloneFramework(f)
	}
	return out
}

// Framework returns the framework with the given ID.
func (c *Catalog) Framework(id string) (Framework, bool) {
	i, ok := c.byID[id]
	if !ok {
		return Framework{}, false
	}
	return cloneFramework(c.frameworks[i]), true
}

// Control returns one control of a framework.
func (c *Catalog) Control(frameworkID, ref string) (Control, bool) {
	i, ok := c.controls[frameworkID][ref]
	if !ok {
		return Control{}, false
	}
	return cloneControl(c.frameworks[c.byID[frameworkID]].Controls[i]), true
}

// Controls returns the controls of a framework in document order, or nil for an unknown framework.
func (c *Catalog) Controls(frameworkID string) []Control {
	i, ok := c.byID[frameworkID]
	if !ok {
		return nil
	}
	src := c.frameworks[i].Controls
	out := make([]Control, len(src))
	for j, ctl := range src {
		out[j] = cloneControl(ctl)
	}
	return out
}

// Counts summarises one framework.
func (c *Catalog) Counts(frameworkID string) (Counts, bool) {
	i, ok := c.byID[frameworkID]
	if !ok {
		return Counts{}, false
	}
	return c.frameworks[i].Counts(), true
}

// MappingsOf returns the mappings from a control to controls of other frameworks, in both
// directions of the data: a mapping written from the other side is returned reversed (with the
// inverse relation). The result is ordered by target framework ID, then target document order.
func (c *Catalog) MappingsOf(frameworkID, ref string) []Mapping {
	return slices.Clone(c.mappings[QualifiedRef(frameworkID, ref)])
}

// NoCounterpartsOf returns the frameworks in which the control deliberately has no counterpart.
func (c *Catalog) NoCounterpartsOf(frameworkID, ref string) []NoCounterpart {
	return slices.Clone(c.none[QualifiedRef(frameworkID, ref)])
}

// Resolve finds a control by qualified reference, e.g. "iso27001-2022:5.19" or
// "iso27001-2005:A.6.2.3". The match is exact.
func (c *Catalog) Resolve(qualifiedRef string) (Control, bool) {
	fw, ref, ok := ParseQualifiedRef(qualifiedRef)
	if !ok {
		return Control{}, false
	}
	return c.Control(fw, ref)
}

func cloneFramework(f Framework) Framework {
	f.Levels = slices.Clone(f.Levels)
	f.Groups = slices.Clone(f.Groups)
	controls := make([]Control, len(f.Controls))
	for i, ctl := range f.Controls {
		controls[i] = cloneControl(ctl)
	}
	f.Controls = controls
	return f
}

func cloneControl(c Control) Control {
	c.GroupPath = slices.Clone(c.GroupPath)
	c.Tags = slices.Clone(c.Tags)
	c.Parts = cloneParts(c.Parts)
	c.Props = slices.Clone(c.Props)
	return c
}

func cloneParts(ps []Part) []Part {
	if ps == nil {
		return nil
	}
	out := make([]Part, len(ps))
	for i, p := range ps {
		p.Parts = cloneParts(p.Parts)
		out[i] = p
	}
	return out
}
