package questionnaire_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/vendorrisk/vendorrisk/domain/catalog"
)

// This test checks the content of the built-in questionnaire templates in data/: the format, the
// editorial rules (both languages, question counts, core share, option scores) and that every
// control reference resolves in the built-in catalog. It reads the files with its own structs, so it
// does not depend on how the questionnaire package models templates.

// contentFiles are the built-in templates and what each must declare.
var contentFiles = []struct {
	file        string
	key         string
	vendorKinds []string
}{
	{"contractor-security.json", "contractor-security", []string{"contractor"}},
	{"cloud-provider-security.json", "cloud-provider-security", []string{"cloud_provider"}},
}

const (
	contentFormat       = "vendorrisk.questionnaire-template/v1"
	contentMinQuestions = 50
	contentMaxQuestions = 70
	contentMinCoreShare = 0.35
	contentMaxCoreShare = 0.60
	// Free-form types (text, number, date, evidence) are not scored; use them sparingly.
	contentMaxFreeFormShare = 0.15
	// The templates are about suppliers: at least this share of the questions cites a control that
	// the catalog flags as supplier-related.
	contentMinSupplierShare = 0.30
)

// The content* structs mirror the file format, field by field in file order, so that re-encoding a
// parsed file reproduces it byte for byte when the file is canonical.
type contentText struct {
	EN string `json:"en"`
	JA string `json:"ja"`
}

type contentTemplate struct {
	Format      string           `json:"format"`
	Key         string           `json:"key"`
	Name        contentText      `json:"name"`
	Description contentText      `json:"description"`
	VendorKinds []string         `json:"vendor_kinds"`
	Sections    []contentSection `json:"sections"`
}

type contentSection struct {
	Key       string            `json:"key"`
	Title     contentText       `json:"title"`
	Questions []contentQuestion `json:"questions"`
}

type contentQuestion struct {
	Key            string            `json:"key"`
	Text           contentText       `json:"text"`
	Help           contentText       `json:"help"`
	Type           string            `json:"type"`
	Options        []contentOption   `json:"options"`
	Weight         int               `json:"weight"`
	Required       *bool             `json:"required"`
	Evidence       *contentEvidence  `json:"evidence"`
	Severity       string            `json:"severity"`
	ThreatCategory string            `json:"threat_category"`
	ControlRefs    []string          `json:"control_refs"`
	Condition      *contentCondition `json:"condition"`
	Depth          string            `json:"depth"`
}

type contentOption struct {
	Value string      `json:"value"`
	Label contentText `json:"label"`
	Score *int        `json:"score"`
}

type contentEvidence struct {
	Mode       string   `json:"mode"`
	WhenAnswer []string `json:"when_answer,omitempty"`
}

type contentCondition struct {
	Question string   `json:"question"`
	AnyOf    []string `json:"any_of"`
}

// contentKeyOrder lists, per object position in the document, the keys in the order the format
// writes them. Evidence has two shapes: with or without when_answer.
var contentKeyOrder = map[string][][]string{
	"$":                  {{"format", "key", "name", "description", "vendor_kinds", "sections"}},
	"$.name":             {{"en", "ja"}},
	"$.description":      {{"en", "ja"}},
	"$.sections[]":       {{"key", "title", "questions"}},
	"$.sections[].title": {{"en", "ja"}},
	"$.sections[].questions[]": {{"key", "text", "help", "type", "options", "weight", "required", "evidence",
		"severity", "threat_category", "control_refs", "condition", "depth"}},
	"$.sections[].questions[].text":            {{"en", "ja"}},
	"$.sections[].questions[].help":            {{"en", "ja"}},
	"$.sections[].questions[].options[]":       {{"value", "label", "score"}},
	"$.sections[].questions[].options[].label": {{"en", "ja"}},
	"$.sections[].questions[].evidence":        {{"mode"}, {"mode", "when_answer"}},
	"$.sections[].questions[].condition":       {{"question", "any_of"}},
}

var (
	contentKeyPattern   = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	contentTypes        = []string{"yes_no", "yes_no_na", "single_choice", "multi_choice", "text", "number", "date", "evidence"}
	contentFreeForm     = []string{"text", "number", "date", "evidence"}
	contentSeverities   = []string{"critical", "high", "medium", "low"}
	contentThreats      = []string{"external", "internal_malicious", "internal_error", "accidental"}
	contentDepths       = []string{"core", "extended"}
	contentEvidenceMode = []string{"none", "always", "when_answer"}
	contentFrameworks   = []string{"iso27001-2022", "iso27001-2005"}
)

// contentYesNo are the fixed options of yes_no; yes_no_na adds contentNA.
var (
	contentYesNo = []contentWantOption{{"yes", "Yes", "はい", 100}, {"no", "No", "いいえ", 0}}
	contentNA    = contentWantOption{"na", "Not applicable", "該当なし", 0}
)

type contentWantOption struct {
	value, en, ja string
	score         int
}

func TestContentTemplates(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatalf("catalog.Load: %v", err)
	}
	seenKeys := map[string]string{}
	for _, f := range contentFiles {
		t.Run(f.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("data", f.file))
			if err != nil {
				t.Fatal(err)
			}
			checkContentLayout(t, raw)
			tpl := decodeContent(t, raw)
			if tpl == nil {
				return
			}
			if prev, dup := seenKeys[tpl.Key]; dup {
				t.Errorf("template key %q is also used by %s", tpl.Key, prev)
			}
			seenKeys[tpl.Key] = f.file
			checkContentTemplate(t, cat, *tpl, f.key, f.vendorKinds)
		})
	}
}

// checkContentLayout checks the bytes: UTF-8, canonical whitespace, keys present in the format's
// order, and that re-encoding the parsed document reproduces the file exactly (2-space indent,
// no HTML escaping, one trailing newline), as the questionnaire export does.
func checkContentLayout(t *testing.T, raw []byte) {
	t.Helper()
	if !utf8.Valid(raw) {
		t.Fatal("file is not valid UTF-8")
	}
	if bytes.HasPrefix(raw, []byte("\xef\xbb\xbf")) {
		t.Error("file starts with a byte order mark")
	}
	if bytes.ContainsRune(raw, '\t') || bytes.ContainsRune(raw, '\r') {
		t.Error("file contains tab or carriage return characters")
	}
	if !bytes.HasSuffix(raw, []byte("\n")) || bytes.HasSuffix(raw, []byte("\n\n")) {
		t.Error("file must end with exactly one newline")
	}
	for i, line := range strings.Split(string(raw), "\n") {
		if strings.TrimRight(line, " ") != line {
			t.Errorf("line %d has trailing spaces", i+1)
		}
		if indent := len(line) - len(strings.TrimLeft(line, " ")); indent%2 != 0 {
			t.Errorf("line %d is indented by an odd number of spaces", i+1)
		}
	}

	dec := json.NewDecoder(bytes.NewReader(raw))
	err := walkContentObjects(dec, "$", func(path string, keys []string) {
		want, known := contentKeyOrder[path]
		if !known {
			t.Errorf("%s: unexpected object", path)
			return
		}
		if !slices.ContainsFunc(want, func(w []string) bool { return slices.Equal(w, keys) }) {
			t.Errorf("%s: keys %v, want %v", path, keys, want[len(want)-1])
		}
	})
	if err != nil {
		t.Errorf("walk JSON: %v", err)
	}

	var tpl contentTemplate
	if err := json.Unmarshal(raw, &tpl); err != nil {
		return // decodeContent reports it
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(tpl); err != nil {
		t.Fatalf("re-encode: %v", err)
	}
	if !bytes.Equal(buf.Bytes(), raw) {
		got, want := strings.Split(string(raw), "\n"), strings.Split(buf.String(), "\n")
		for i := range min(len(got), len(want)) {
			if got[i] != want[i] {
				t.Errorf("file is not canonical; first difference at line %d:\n got: %s\nwant: %s", i+1, got[i], want[i])
				return
			}
		}
		t.Errorf("file is not canonical: %d lines, canonical form has %d", len(got), len(want))
	}
}

// walkContentObjects reads one JSON value from dec and calls visit for every object in it with the
// object's position (array indices written as []) and its keys in document order, duplicates kept.
func walkContentObjects(dec *json.Decoder, path string, visit func(path string, keys []string)) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return nil // a scalar
	}
	switch delim {
	case '{':
		var keys []string
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := kt.(string)
			keys = append(keys, key)
			if err := walkContentObjects(dec, path+"."+key, visit); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil { // }
			return err
		}
		visit(path, keys)
	case '[':
		for dec.More() {
			if err := walkContentObjects(dec, path+"[]", visit); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil { // ]
			return err
		}
	}
	return nil
}

func decodeContent(t *testing.T, raw []byte) *contentTemplate {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var tpl contentTemplate
	if err := dec.Decode(&tpl); err != nil {
		t.Errorf("decode: %v", err)
		return nil
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		t.Error("file holds more than one JSON document")
	}
	return &tpl
}

func checkContentTemplate(t *testing.T, cat *catalog.Catalog, tpl contentTemplate, wantKey string, wantKinds []string) {
	t.Helper()
	if tpl.Format != contentFormat {
		t.Errorf("format = %q, want %q", tpl.Format, contentFormat)
	}
	if tpl.Key != wantKey {
		t.Errorf("key = %q, want %q", tpl.Key, wantKey)
	}
	if !slices.Equal(tpl.VendorKinds, wantKinds) {
		t.Errorf("vendor_kinds = %v, want %v", tpl.VendorKinds, wantKinds)
	}
	checkContentText(t, "name", tpl.Name, "", "")
	checkContentText(t, "description", tpl.Description, ".", "。")
	if len(tpl.Sections) == 0 {
		t.Fatal("no sections")
	}

	sectionKeys := map[string]bool{}
	earlier := map[string]contentQuestion{} // questions before the current one, by key
	total, core, freeForm, supplier := 0, 0, 0, 0
	var summary []string
	for i, s := range tpl.Sections {
		sp := fmt.Sprintf("sections[%d](%s)", i, s.Key)
		if !contentKeyPattern.MatchString(s.Key) {
			t.Errorf("%s: key is not lower_snake_case", sp)
		}
		if sectionKeys[s.Key] {
			t.Errorf("%s: section key appears twice", sp)
		}
		sectionKeys[s.Key] = true
		checkContentText(t, sp+".title", s.Title, "", "")
		if len(s.Questions) == 0 {
			t.Errorf("%s: no questions", sp)
		}
		sectionCore := 0
		for _, q := range s.Questions {
			qp := sp + "." + q.Key
			if _, dup := earlier[q.Key]; dup {
				t.Errorf("%s: question key appears twice in the template", qp)
			}
			checkContentQuestion(t, cat, qp, q, earlier)
			earlier[q.Key] = q
			total++
			if q.Depth == "core" {
				core++
				sectionCore++
			}
			if slices.Contains(contentFreeForm, q.Type) {
				freeForm++
			}
			if citesSupplierControl(cat, q.ControlRefs) {
				supplier++
			}
		}
		summary = append(summary, fmt.Sprintf("%s %d (core %d)", s.Key, len(s.Questions), sectionCore))
	}

	if total < contentMinQuestions || total > contentMaxQuestions {
		t.Errorf("%d questions, want %d to %d", total, contentMinQuestions, contentMaxQuestions)
	}
	if total == 0 {
		return
	}
	share := func(n int) float64 { return float64(n) / float64(total) }
	if s := share(core); s < contentMinCoreShare || s > contentMaxCoreShare {
		t.Errorf("core share %.0f%% (%d of %d), want %.0f%% to %.0f%%", 100*s, core, total, 100*contentMinCoreShare, 100*contentMaxCoreShare)
	}
	if s := share(freeForm); s > contentMaxFreeFormShare {
		t.Errorf("%d text/number/date/evidence questions (%.0f%%), want at most %.0f%%", freeForm, 100*s, 100*contentMaxFreeFormShare)
	}
	if s := share(supplier); s < contentMinSupplierShare {
		t.Errorf("%d questions cite a supplier-related control (%.0f%%), want at least %.0f%%", supplier, 100*s, 100*contentMinSupplierShare)
	}
	t.Logf("%s: %d questions, %d core (%.0f%%), %d extended, %d cite supplier controls; %s",
		tpl.Key, total, core, 100*share(core), total-core, supplier, strings.Join(summary, ", "))
}

func checkContentQuestion(t *testing.T, cat *catalog.Catalog, qp string, q contentQuestion, earlier map[string]contentQuestion) {
	t.Helper()
	if !contentKeyPattern.MatchString(q.Key) {
		t.Errorf("%s: key is not lower_snake_case", qp)
	}
	checkContentText(t, qp+".text", q.Text, "?", "か。")
	checkContentText(t, qp+".help", q.Help, ".", "。")
	if !slices.Contains(contentTypes, q.Type) {
		t.Errorf("%s: type %q is not one of %v", qp, q.Type, contentTypes)
	}
	checkContentOptions(t, qp, q)
	values := contentOptionValues(q)

	if q.Weight < 1 || q.Weight > 10 {
		t.Errorf("%s: weight %d, want 1 to 10", qp, q.Weight)
	}
	if q.Required == nil {
		t.Errorf("%s: required must be true or false", qp)
	}
	if !slices.Contains(contentSeverities, q.Severity) {
		t.Errorf("%s: severity %q is not one of %v", qp, q.Severity, contentSeverities)
	}
	if q.Severity == "critical" && q.Weight < 8 {
		t.Errorf("%s: a critical question needs weight 8 or more, has %d", qp, q.Weight)
	}
	if !slices.Contains(contentThreats, q.ThreatCategory) {
		t.Errorf("%s: threat_category %q is not one of %v", qp, q.ThreatCategory, contentThreats)
	}
	if !slices.Contains(contentDepths, q.Depth) {
		t.Errorf("%s: depth %q is not one of %v", qp, q.Depth, contentDepths)
	}

	switch ev := q.Evidence; {
	case ev == nil:
		t.Errorf("%s: evidence is missing", qp)
	case !slices.Contains(contentEvidenceMode, ev.Mode):
		t.Errorf("%s: evidence mode %q is not one of %v", qp, ev.Mode, contentEvidenceMode)
	case q.Type == "evidence" && ev.Mode != "always":
		t.Errorf("%s: an evidence question needs evidence mode always", qp)
	case ev.Mode == "when_answer":
		if len(values) == 0 {
			t.Errorf("%s: evidence when_answer needs a question with options", qp)
		}
		checkContentAnswers(t, qp+".evidence.when_answer", ev.WhenAnswer, values)
	case len(ev.WhenAnswer) > 0:
		t.Errorf("%s: evidence when_answer is only for mode when_answer", qp)
	}

	checkContentRefs(t, cat, qp, q.ControlRefs)

	if c := q.Condition; c != nil {
		target, ok := earlier[c.Question]
		tv := contentOptionValues(target)
		switch {
		case !ok:
			t.Errorf("%s: condition names %q, which is not an earlier question", qp, c.Question)
		case len(tv) == 0:
			t.Errorf("%s: condition names %q, which has no options", qp, c.Question)
		default:
			checkContentAnswers(t, qp+".condition.any_of", c.AnyOf, tv)
			if len(c.AnyOf) == len(tv) {
				t.Errorf("%s: condition lists every option of %q, so it is always true", qp, c.Question)
			}
			if q.Depth == "core" && target.Depth != "core" {
				t.Errorf("%s: a core question cannot depend on the extended question %q", qp, c.Question)
			}
		}
	}
}

func checkContentOptions(t *testing.T, qp string, q contentQuestion) {
	t.Helper()
	switch q.Type {
	case "yes_no", "yes_no_na":
		want := slices.Clone(contentYesNo)
		if q.Type == "yes_no_na" {
			want = append(want, contentNA)
		}
		ok := len(q.Options) == len(want)
		for i := 0; ok && i < len(want); i++ {
			o, w := q.Options[i], want[i]
			ok = o.Value == w.value && o.Label.EN == w.en && o.Label.JA == w.ja && o.Score != nil && *o.Score == w.score
		}
		if !ok {
			t.Errorf("%s: %s options must be exactly %v", qp, q.Type, want)
		}
		return
	case "single_choice", "multi_choice":
		if len(q.Options) < 2 || len(q.Options) > 6 {
			t.Errorf("%s: %d options, want 2 to 6", qp, len(q.Options))
		}
	default:
		if q.Options == nil || len(q.Options) > 0 {
			t.Errorf("%s: a %s question takes \"options\": []", qp, q.Type)
		}
		return
	}
	seen := map[string]bool{}
	best := -1
	for i, o := range q.Options {
		op := fmt.Sprintf("%s.options[%d]", qp, i)
		if !contentKeyPattern.MatchString(o.Value) {
			t.Errorf("%s: value %q is not lower_snake_case", op, o.Value)
		}
		if seen[o.Value] {
			t.Errorf("%s: value %q appears twice", op, o.Value)
		}
		seen[o.Value] = true
		checkContentText(t, op+".label", o.Label, "", "")
		switch {
		case o.Score == nil:
			t.Errorf("%s: score is missing", op)
		case *o.Score < 0 || *o.Score > 100:
			t.Errorf("%s: score %d, want 0 to 100", op, *o.Score)
		default:
			best = max(best, *o.Score)
		}
	}
	if q.Type == "single_choice" && best != 100 {
		t.Errorf("%s: the best option of a single_choice question must score 100, best is %d", qp, best)
	}
}

// checkContentAnswers checks a list of answers used by evidence or a condition: not empty, no
// duplicates, each an option value.
func checkContentAnswers(t *testing.T, path string, answers, values []string) {
	t.Helper()
	if len(answers) == 0 {
		t.Errorf("%s: must list at least one answer", path)
	}
	for i, a := range answers {
		if !slices.Contains(values, a) {
			t.Errorf("%s[%d]: %q is not one of the options %v", path, i, a, values)
		}
		if slices.Index(answers, a) != i {
			t.Errorf("%s[%d]: %q appears twice", path, i, a)
		}
	}
}

// checkContentRefs checks that every ref resolves, that there is a 2022 ref, and that there is a
// 2005 ref whenever one of the 2022 controls has a 2005 counterpart in the catalog's crosswalk.
func checkContentRefs(t *testing.T, cat *catalog.Catalog, qp string, refs []string) {
	t.Helper()
	perFramework := map[string]int{}
	has2005Counterpart := false
	for i, ref := range refs {
		if slices.Index(refs, ref) != i {
			t.Errorf("%s: control ref %q appears twice", qp, ref)
		}
		ctl, ok := cat.Resolve(ref)
		if !ok {
			t.Errorf("%s: control ref %q does not resolve in the catalog", qp, ref)
			continue
		}
		if !slices.Contains(contentFrameworks, ctl.FrameworkID) {
			t.Errorf("%s: control ref %q: use one of %v", qp, ref, contentFrameworks)
			continue
		}
		perFramework[ctl.FrameworkID]++
		if ctl.FrameworkID == "iso27001-2022" {
			for _, m := range cat.MappingsOf(ctl.FrameworkID, ctl.Ref) {
				if m.ToFramework == "iso27001-2005" {
					has2005Counterpart = true
				}
			}
		}
	}
	if perFramework["iso27001-2022"] == 0 {
		t.Errorf("%s: needs at least one iso27001-2022 control ref", qp)
	}
	if has2005Counterpart && perFramework["iso27001-2005"] == 0 {
		t.Errorf("%s: its 2022 controls have 2005 counterparts, so it needs an iso27001-2005 ref too", qp)
	}
}

func citesSupplierControl(cat *catalog.Catalog, refs []string) bool {
	for _, ref := range refs {
		if ctl, ok := cat.Resolve(ref); ok && ctl.SupplierRelated {
			return true
		}
	}
	return false
}

// checkContentText checks both languages of a text: present, trimmed, English without Japanese
// script, Japanese with it, and the expected endings (for example "?" and "か。" for questions).
func checkContentText(t *testing.T, path string, tx contentText, enEnd, jaEnd string) {
	t.Helper()
	for _, l := range []struct{ lang, s, end string }{{"en", tx.EN, enEnd}, {"ja", tx.JA, jaEnd}} {
		p := path + "." + l.lang
		switch {
		case strings.TrimSpace(l.s) == "":
			t.Errorf("%s: is empty", p)
			continue
		case strings.TrimSpace(l.s) != l.s:
			t.Errorf("%s: has leading or trailing white space", p)
		case strings.Contains(l.s, "  "):
			t.Errorf("%s: has a double space", p)
		}
		if !strings.HasSuffix(l.s, l.end) {
			t.Errorf("%s: %q must end with %q", p, l.s, l.end)
		}
	}
	if hasJapaneseScript(tx.EN) {
		t.Errorf("%s.en: contains Japanese script: %q", path, tx.EN)
	}
	if !hasJapaneseScript(tx.JA) {
		t.Errorf("%s.ja: contains no Japanese script: %q", path, tx.JA)
	}
	if strings.Contains(tx.JA, "?") {
		t.Errorf("%s.ja: use the Japanese question style (か。), not \"?\"", path)
	}
}

func hasJapaneseScript(s string) bool {
	for _, r := range s {
		if unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han) || r == 'ー' || r == '、' || r == '。' || r == '（' || r == '）' {
			return true
		}
	}
	return false
}

func contentOptionValues(q contentQuestion) []string {
	out := make([]string, 0, len(q.Options))
	for _, o := range q.Options {
		out = append(out, o.Value)
	}
	return out
}
