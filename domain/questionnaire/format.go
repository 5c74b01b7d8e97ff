package questionnaire

import (
	"bytes"
	"encoding/json"
	"errors"

	"io"
	"strings"

	"github.com/vendorrisk/vendorrisk/domain"
)

// FormatID names the export format; Decode refuses documents of another format.
const FormatID = "vendorrisk.questionnaire-template/v1"

// The document structs are the export format: their field names and order are the format. Encode
// writes them canonically (2-space indent, fixed order, trailing newline), so that export → import →
// export is byte-identical.
type docTemplate struct {
	Format      string       `json:"format"`
	Key         string       `json:"key"`
	Name        docText      `json:"name"`
	Description docText      `json:"description"`
	VendorKinds []string     `json:"vendor_kinds"`
	Sections    []docSection `json:"sections"`
}

type docText struct {
	EN string `json:"en"`
	JA string `json:"ja"`
}

type docSection struct {
	Key       string        `json:"key"`
	Title     docText       `json:"title"`
	Questions []docQuestion `json:"questions"`
}

type docQuestion struct {
	Key            string        `json:"key"`
	Text           docText       `json:"text"`
	Help           docText       `json:"help"`
	Type           string        `json:"type"`
	Options        []docOption   `json:"options"`
	Weight         int           `json:"weight"`
	Required       bool          `json:"required"`
	Evidence       docEvidence   `json:"evidence"`
	Severity       string        `json:"severity"`
	ThreatCategory string        `json:"threat_category"`
	ControlRefs    []string      `json:"control_refs"`
	Condition      *docCondition `json:"condition"`
	Depth          string        `json:"depth"`
}

type docOption struct {
	Value string  `json:"value"`
	Label docText `json:"label"`
	Score int     `json:"score"`
}

type docEvidence struct {
	Mode       string   `json:"mode"`
	WhenAnswer []string `json:"when_answer,omitempty"`
}

type docCondition struct {
	Question string   `json:"question"`
	AnyOf    []string `json:"any_of"`
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Encode writes the template's content in the export format.
func Encode(t Template) []byte {
	d := docTemplate{Format: FormatID, Key: t.Key, Name: docText(t.Name), Description: docText(t.Description),
		VendorKinds: orEmpty(t.VendorKinds), Sections: []docSection{}}
	for _, s := range t.Sections {
		ds := docSection{Key: s.Key, Title: docText(s.Title), Questions: []docQuestion{}}
		for _, q := range s.Questions {
			dq := docQuestion{Key: q.Key, Text: docText(q.Text), Help: docText(q.Help), Type: string(q.Type),
				Options: []docOption{}, Weight: q.Weight, Required: q.Required,
				Evidence: docEvidence{Mode: string(q.Evidence.Mode), WhenAnswer: q.Evidence.WhenAnswer},
				Severity: string(q.Severity), ThreatCategory: string(q.ThreatCategory), ControlRefs: orEmpty(q.ControlRefs),
				Depth: string(q.Depth)}
			for _, o := range q.Options {
				dq.Options = append(dq.Options, docOption{Value: o.Value, Label: docText(o.Label), Score: o.Score})
			}
			if c := q.Condition; c != nil {
				dq.Condition = &docCondition{Question: c.Question, AnyOf: orEmpty(c.AnyOf)}
			}
			ds.Questions = append(ds.Questions, dq)
		}
		d.Sections = append(d.Sections, ds)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(d) // plain data always encodes; Encode adds the trailing newline
	return buf.Bytes()
}

// Decode reads a template document strictly: unknown fields and another format are refused.
func Decode(r io.Reader) (Template, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var d docTemplate
	if err := dec.Decode(&d); err != nil {
		return Template{}, decodeErr(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Template{}, domain.Invalid("body", "must hold exactly one JSON document")
	}
	if d.Format != FormatID {
		return Template{}, domain.Invalidf("format", "must be %s", FormatID)
	}
	t := Template{Key: d.Key, Name: Text(d.Name), Description: Text(d.Description), VendorKinds: d.VendorKinds}
	for _, ds := range d.Sections {
		s := Section{Key: ds.Key, Title: Text(ds.Title)}
		for _, dq := range ds.Questions {
			q := Question{Key: dq.Key, Text: Text(dq.Text), Help: Text(dq.Help), Type: Type(dq.Type), Weight: dq.Weight,
				Required: dq.Required, Evidence: Evidence{Mode: EvidenceMode(dq.Evidence.Mode), WhenAnswer: dq.Evidence.WhenAnswer},
				Severity: domain.Severity(dq.Severity), ThreatCategory: ThreatCategory(dq.ThreatCategory),
				ControlRefs: dq.ControlRefs, Depth: Depth(dq.Depth)}
			for _, o := range dq.Options {
				q.Options = append(q.Options, Option{Value: o.Value, Label: Text(o.Label), Score: o.Score})
			}
			if c := dq.Condition; c != nil {
				q.Condition = &Condition{Question: c.Question, AnyOf: c.AnyOf}
			}
			s.Questions = append(s.Questions, q)
		}
		t.Sections = append(t.Sections, s)
	}
	return t, nil
}

func decodeErr(err error) error {
	var typ *json.UnmarshalTypeError
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &typ):
		return domain.Invalid(typ.Field, "has the wrong JSON type")
	case errors.As(err, &syn):
		return domain.Invalidf("body", "is not valid JSON (at byte %d)", syn.Offset)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return domain.Invalid("body", "is empty or cut short")
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return domain.Invalid(strings.Trim(name, `"`), "is not a field of the template format")
	}
	return &domain.Error{Kind: domain.KindInvalid, Message: "the document cannot be read: " + err.Error(), Err: err}
}
