package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/catalog"
)

// The OSCAL catalog model (1.x JSON), the parts we keep. Unknown members (params, links, back-matter,
// roles...) are skipped by the decoder without being held in memory as a tree.
type oscalDocument struct {
	Catalog *oscalCatalog `json:"catalog"`
}

type oscalCatalog struct {
	UUID     string         `json:"uuid"`
	Metadata oscalMetadata  `json:"metadata"`
	Groups   []oscalGroup   `json:"groups"`
	Controls []oscalControl `json:"controls"`
}

type oscalMetadata struct {
	Title        string `json:"title"`
	Version      string `json:"version"`
	OSCALVersion string `json:"oscal-version"`
}

type oscalGroup struct {
	ID       string         `json:"id"`
	Class    string         `json:"class"`
	Title    string         `json:"title"`
	Groups   []oscalGroup   `json:"groups"`
	Controls []oscalControl `json:"controls"`
}

type oscalControl struct {
	ID       string         `json:"id"`
	Class    string         `json:"class"`
	Title    string         `json:"title"`
	Props    []oscalProp    `json:"props"`
	Parts    []oscalPart    `json:"parts"`
	Controls []oscalControl `json:"controls"`
}

type oscalProp struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	Class string `json:"class"`
	NS    string `json:"ns"`
}

type oscalPart struct {
	ID    string      `json:"id"`
	Name  string      `json:"name"`
	Title string      `json:"title"`
	Prose string      `json:"prose"`
	Parts []oscalPart `json:"parts"`
}

var (
	oscalUUID  = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	slugStrip  = regexp.MustCompile(`[^a-z0-9]+`)
	oscalToken = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.\-]*$`)
)

// parseOSCAL decodes an OSCAL catalog from r (streamed, never buffered whole) and turns it into a
// framework. Every problem is reported with its JSON path, e.g. catalog.groups[3].controls[2].id.
func parseOSCAL(r io.Reader, id string) (catalog.Framework, error) {
	var doc oscalDocument
	dec := json.NewDecoder(r)
	if err := dec.Decode(&doc); err != nil {
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) {
			return catalog.Framework{}, domain.Invalidf(oscalPath(typ.Field), "must be a JSON %s", jsonKind(typ.Type))
		}
		return catalog.Framework{}, decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return catalog.Framework{}, decodeError(err)
		}
		return catalog.Framework{}, badRequest("the body must hold exactly one JSON document")
	}
	var v domain.Validator
	c := doc.Catalog
	if c == nil {
		v.Add("catalog", "is required: the document is not an OSCAL catalog")
		return catalog.Framework{}, v.Err()
	}
	v.Check(oscalUUID.MatchString(c.UUID), "catalog.uuid", "must be a UUID")
	v.Check(strings.TrimSpace(c.Metadata.Title) != "", "catalog.metadata.title", "is required")
	v.Check(utf8.RuneCountInString(c.Metadata.Title) <= 300, "catalog.metadata.title", "must be at most 300 characters")
	v.Check(utf8.RuneCountInString(c.Metadata.Version) <= 100, "catalog.metadata.version", "must be at most 100 characters")
	if id == "" {
		id = slugify(c.Metadata.Title, c.UUID)
	}
	f := catalog.Framework{ID: id, Name: strings.TrimSpace(c.Metadata.Title), Edition: c.Metadata.Version,
		Publisher: "OSCAL import", SourceUUID: strings.ToLower(c.UUID),
		Description: catalog.Text{EN: "Imported from OSCAL catalog " + c.UUID + " (OSCAL " + c.Metadata.OSCALVersion + ")"}}
	w := oscalWalker{f: &f, v: &v, seen: map[string]string{}}
	for i, g := range c.Groups {
		w.group(g, "", "catalog.groups["+strconv.Itoa(i)+"]")
	}
	for i, ctl := range c.Controls {
		w.control(ctl, "", "", "catalog.controls["+strconv.Itoa(i)+"]")
	}
	v.Check(len(f.Controls) > 0, "catalog", "holds no controls")
	v.Checkf(len(f.Controls) <= catalog.MaxControls, "catalog", "holds more than %d controls", catalog.MaxControls)
	return f, v.Err()
}

type oscalWalker struct {
	f    *catalog.Framework
	v    *domain.Validator
	seen map[string]string // id -> path where it was first seen
}

func (w *oscalWalker) token(id, path string) bool {
	if !oscalToken.MatchString(id) || len(id) > 64 {
		w.v.Add(path+".id", "is required: a token of letters, digits, . _ - (at most 64)")
		return false
	}
	if prev, dup := w.seen[id]; dup {
		w.v.Addf(path+".id", "repeats the id of %s", prev)
		return false
	}
	w.seen[id] = path
	return true
}

func (w *oscalWalker) group(g oscalGroup, parent, path string) {
	if !w.token(g.ID, path) {
		return
	}
	w.v.Check(strings.TrimSpace(g.Title) != "", path+".title", "is required")
	w.v.Check(utf8.RuneCountInString(g.Title) <= catalog.MaxTitle, path+".title", "must be at most 500 characters")
	w.f.Groups = append(w.f.Groups, catalog.Group{Ref: g.ID, Parent: parent, Title: catalog.Text{EN: g.Title}})
	for i, sg := range g.Groups {
		w.group(sg, g.ID, path+".groups["+strconv.Itoa(i)+"]")
	}
	for i, c := range g.Controls {
		w.control(c, g.ID, "", path+".controls["+strconv.Itoa(i)+"]")
	}
}

func (w *oscalWalker) control(c oscalControl, group, parent, path string) {
	if !w.token(c.ID, path) {
		return
	}
	w.v.Check(strings.TrimSpace(c.Title) != "", path+".title", "is required")
	w.v.Check(utf8.RuneCountInString(c.Title) <= catalog.MaxTitle, path+".title", "must be at most 500 characters")
	w.v.Check(utf8.RuneCountInString(c.Class) <= 100, path+".class", "must be at most 100 characters")
	ctl := catalog.Control{Ref: c.ID, ParentRef: parent, Class: c.Class, Title: catalog.Text{EN: c.Title}, Parts: oscalParts(c.Parts)}
	if group != "" {
		ctl.GroupPath = []string{group}
	}
	for _, p := range c.Props {
		ctl.Props = append(ctl.Props, catalog.Prop{Name: p.Name, Value: p.Value, Class: p.Class, NS: p.NS})
	}
	w.f.Controls = append(w.f.Controls, ctl)
	for i, sc := range c.Controls {
		w.control(sc, group, c.ID, path+".controls["+strconv.Itoa(i)+"]")
	}
}

func oscalParts(ps []oscalPart) []catalog.Part {
	if len(ps) == 0 {
		return nil
	}
	out := make([]catalog.Part, len(ps))
	for i, p := range ps {
		out[i] = catalog.Part{ID: p.ID, Name: p.Name, Title: p.Title, Prose: p.Prose, Parts: oscalParts(p.Parts)}
	}
	return out
}

// slugify makes a framework ID from the catalog title, with part of the uuid so that two catalogs of
// the same title do not collide.
func slugify(title, uuid string) string {
	s := strings.Trim(slugStrip.ReplaceAllString(strings.ToLower(title), "-"), "-")
	if len(s) > 50 {
		s = strings.Trim(s[:50], "-")
	}
	suffix := strings.ToLower(strings.ReplaceAll(uuid, "-", ""))
	if len(suffix) > 8 {
		suffix = suffix[:8]
	}
	if s == "" {
		s = "oscal"
	}
	return s + "-" + suffix
}

// oscalPath turns encoding/json's dotted field path into ours (without indices, which it does not give).
func oscalPath(field string) string {
	if field == "" {
		return "catalog"
	}
	return field
}
