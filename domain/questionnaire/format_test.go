package questionnaire

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/vendorrisk/vendorrisk/domain"
)

// roundTripTemplate is validTemplate in the form Decode produces (an empty list is [] not nil where
// the format always writes the list), with characters that a careless encoder would escape or mangle.
func roundTripTemplate() Template {
	tpl := validTemplate()
	tpl.Description = Text{EN: `<b>Tom & Jerry's "vendor"</b>` + "\ttab\nline", JA: "絵文字🔒と改行\n、全角　空白"}
	tpl.Sections[0].Questions[2].ControlRefs = []string{}
	tpl.Sections[0].Questions[2].Help = Text{EN: "line\u2028separator", JA: ""}
	return tpl
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	want := roundTripTemplate()
	doc := Encode(want)
	got, err := Decode(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("Decode(Encode(t)): %v\n%s", err, doc)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip changed the template\n got %+v\nwant %+v", got, want)
	}
	if again := Encode(got); !bytes.Equal(again, doc) {
		t.Errorf("Encode(Decode(doc)) differs from doc:\n%s\n---\n%s", again, doc)
	}
}

// TestEncodeIgnoresLifecycle: the document is the content only, so two versions with the same
// content export the same bytes.
func TestEncodeIgnoresLifecycle(t *testing.T) {
	a, b := validTemplate(), validTemplate()
	b.ID, b.FamilyID, b.Number, b.Status, b.BuiltIn, b.Version = domain.NewID(), domain.NewID(), 7, StatusArchived, true, 9
	if !bytes.Equal(Encode(a), Encode(b)) {
		t.Error("lifecycle fields changed the export")
	}
	b.Sections[1].Questions[1].Options[0].Score = 61
	if bytes.Equal(Encode(a), Encode(b)) {
		t.Error("a changed option score did not change the export")
	}
}

// TestEncodeCanonical pins the exact bytes of a small template: field order, 2-space indent, empty
// lists as [], null condition, evidence when_answer omitted when empty, no HTML escaping, one
// trailing newline. Nil and empty lists encode the same, and encoding twice gives the same bytes.
func TestEncodeCanonical(t *testing.T) {
	tpl := Template{Key: "", Name: Text{EN: "A & B", JA: "<日本>"}, Sections: []Section{{Key: "s", Title: Text{EN: "S"},
		Questions: []Question{{Key: "q", Text: Text{EN: "Q?", JA: "質問"}, Type: TypeText, Weight: 2, Required: true,
			Evidence: Evidence{Mode: EvidenceNone}, Severity: domain.SeverityLow, ThreatCategory: ThreatAccidental, Depth: DepthCore}}}}}
	const want = `{
  "format": "vendorrisk.questionnaire-template/v1",
  "key": "",
  "name": {
    "en": "A & B",
    "ja": "<日本>"
  },
  "description": {
    "en": "",
    "ja": ""
  },
  "vendor_kinds": [],
  "sections": [
    {
      "key": "s",
      "title": {
        "en": "S",
        "ja": ""
      },
      "questions": [
        {
          "key": "q",
          "text": {
            "en": "Q?",
            "ja": "質問"
          },
          "help": {
            "en": "",
            "ja": ""
          },
          "type": "text",
          "options": [],
          "weight": 2,
          "required": true,
          "evidence": {
            "mode": "none"
          },
          "severity": "low",
          "threat_category": "accidental",
          "control_refs": [],
          "condition": null,
          "depth": "core"
        }
      ]
    }
  ]
}
`
	got := Encode(tpl)
	if string(got) != want {
		t.Errorf("Encode:\n%s\nwant:\n%s", got, want)
	}
	if !bytes.Equal(Encode(tpl), got) {
		t.Error("Encode is not deterministic")
	}
	empty := tpl
	empty.VendorKinds = []string{}
	empty.Sections = []Section{tpl.Sections[0]}
	empty.Sections[0].Questions = []Question{tpl.Sections[0].Questions[0]}
	empty.Sections[0].Questions[0].ControlRefs, empty.Sections[0].Questions[0].Options = []string{}, []Option{}
	if !bytes.Equal(Encode(empty), got) {
		t.Error("empty lists encode differently from nil lists")
	}
	full := Encode(validTemplate())
	if !bytes.HasSuffix(full, []byte("}\n")) || bytes.HasSuffix(full, []byte("\n\n")) {
		t.Errorf("the document must end with exactly one newline: %q", full[max(0, len(full)-10):])
	}
}

// TestBuiltInFilesAreCanonical: each data file is exactly what Encode writes for it, so that the
// export of a built-in equals its file.
func TestBuiltInFilesAreCanonical(t *testing.T) {
	files, err := filepath.Glob("data/*.json")
	if err != nil || len(files) != 2 {
		t.Fatalf("data files %v, err %v; want 2", files, err)
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		tpl, err := Decode(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		tpl.withDefaults()
		if got := Encode(tpl); !bytes.Equal(got, raw) {
			t.Errorf("%s is not canonical: Encode gives %d bytes, the file has %d", f, len(got), len(raw))
		}
	}
}

func TestDecodeRefuses(t *testing.T) {
	base := string(Encode(validTemplate()))
	replace := func(old, new string) string {
		if !strings.Contains(base, old) {
			t.Fatalf("fixture has no %q", old)
		}
		return strings.Replace(base, old, new, 1)
	}
	cases := []struct {
		name    string
		doc     string
		field   string // the field error's path; "" when the error carries only a message
		message string // a part of the message
	}{
		{"unknown top-level field", replace(`"key": "test-template",`, `"key": "test-template", "owner": "me",`), "owner", "is not a field"},
		{"unknown question field", replace(`"weight": 5,`, `"weight": 5, "points": 1,`), "points", "is not a field"},
		{"unknown option field", replace(`"score": 100`, `"score": 100, "colour": "red"`), "colour", "is not a field"},
		{"another format", replace(FormatID, "vendorrisk.questionnaire-template/v2"), "format", FormatID},
		{"a catalog format", replace(FormatID, "oscal-catalog"), "format", FormatID},
		{"no format", replace(`"format": "`+FormatID+`",`, ""), "format", FormatID},
		{"two documents", base + base, "body", "exactly one"},
		{"trailing garbage", base + "x", "body", "exactly one"},
		{"cut short", base[:len(base)/2], "body", "cut short"},
		{"empty", "", "body", "empty"},
		{"not JSON", "format: v1", "body", "not valid JSON"},
		{"wrong type", replace(`"weight": 5,`, `"weight": "5",`), "sections.questions.weight", "wrong JSON type"},
		{"array instead of object", "[]", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(strings.NewReader(tc.doc))
			var de *domain.Error
			if !errors.As(err, &de) || de.Kind != domain.KindInvalid {
				t.Fatalf("err = %v, want a domain Invalid error", err)
			}
			var fields []string
			for _, f := range de.Fields {
				fields = append(fields, f.Field)
			}
			if tc.field != "" && (len(fields) != 1 || fields[0] != tc.field) {
				t.Errorf("fields %q, want [%q]", fields, tc.field)
			}
			if !strings.Contains(err.Error(), tc.message) {
				t.Errorf("error %q does not mention %q", err, tc.message)
			}
		})
	}
}
