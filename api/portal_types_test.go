package api_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/vendorrisk/vendorrisk/api"
)

// TestPortalQuestionTypesAndConditions answers the assessment tests' template, which has every
// question type and nested conditions, through the pages in English: follow-up questions appear after
// the save that makes them relevant, a bad number is refused with an error summary that keeps the
// entries, an evidence question takes its upload, and the language switch keeps the page.
func TestPortalQuestionTypesAndConditions(t *testing.T) {
	e := sqliteOnly(t, api.Config{})
	a := newAsmEnv(t, e)
	srv := newPortalServer(t, e)
	_, eng := a.engagement(t, "Types vendor")
	asm := a.issue(t, eng)
	u, _ := url.Parse(a.send(t, asm.ID).PortalURL)
	b := newBrowser(t, srv, "en-GB,en;q=0.9")
	p := b.get(u.Path)
	if !strings.Contains(p.body, `<html lang="en">`) || !strings.Contains(p.body, "Help for has_policy") {
		t.Fatalf("not the English questionnaire:\n%.2000s", p.body)
	}
	for _, want := range []string{
		`type="radio" form="answers" name="a.has_policy"`, `type="radio" form="answers" name="a.hosting"`,
		`type="checkbox" form="answers" name="a.certs"`, `<textarea form="answers" name="a.notes"`,
		`name="a.staff_count" id="q-staff_count-input" value="" aria-describedby="q-staff_count-desc" type="text" inputmode="decimal"`,
	} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	for _, hidden := range []string{"q-policy_date", "q-sub_list", "q-iso_scope", "q-sub_report"} {
		if strings.Contains(p.body, `id="`+hidden+`"`) && !strings.Contains(p.body, `id="`+hidden+`" hidden data-cond=`) {
			t.Errorf("%s shows before its condition holds", hidden)
		}
	}
	entered := map[string][]string{} // what the browser's fields hold: earlier entries stay
	post := func(p page, values map[string][]string) page {
		t.Helper()
		for k, v := range values {
			entered[k] = v
		}
		values = entered
		form := url.Values{"csrf": {p.find(t, reCSRF)}, "version": {p.find(t, reVersion)}, "section": {"general"}, "go": {"stay"}}
		for _, m := range reKey.FindAllStringSubmatch(p.body, -1) {
			form.Add("k", m[1])
		}
		for k, v := range values {
			form["a."+k] = v
		}
		return b.post("/portal/assessments/"+asm.ID+"/answers", form)
	}
	bad := post(p, map[string][]string{"has_policy": {"yes"}, "staff_count": {"many"}, "notes": {"kept"}})
	if bad.status != http.StatusUnprocessableEntity || !strings.Contains(bad.body, `href="#q-staff_count"`) ||
		!strings.Contains(bad.body, `value="many"`) || !strings.Contains(bad.body, ">kept</textarea>") {
		t.Fatalf("a bad number: %d\n%.4000s", bad.status, bad.body)
	}
	p = post(bad, map[string][]string{"has_policy": {"yes"}, "uses_subs": {"yes"}, "hosting": {"aws"},
		"certs": {"iso27001", "soc2"}, "staff_count": {"12"}, "notes": {"kept"}})
	if p.status != http.StatusOK {
		t.Fatalf("save: %d\n%.3000s", p.status, p.body)
	}
	for _, shown := range []string{"q-policy_date", "q-sub_list", "q-sub_audited", "q-iso_scope"} {
		if !strings.Contains(p.body, `id="`+shown+`">`) {
			t.Errorf("%s does not show after its condition holds", shown)
		}
	}
	if !strings.Contains(p.body, `name="a.policy_date" id="q-policy_date-input" value="" aria-describedby="q-policy_date-desc" type="date"`) {
		t.Error("no date field")
	}
	p = post(p, map[string][]string{"policy_date": {"2025-03-01"}, "sub_list": {"Acme KK"}, "sub_audited": {"yes"}})
	if !strings.Contains(p.body, `id="q-sub_report-file"`) {
		t.Fatalf("the evidence question does not show: %d\n%.6000s", p.status, p.body[strings.Index(p.body, "<main"):])
	}
	up := b.upload("/portal/assessments/"+asm.ID+"/evidence", map[string]string{"csrf": p.find(t, reCSRF), "question_key": "sub_report",
		"section": "general"}, "audit.pdf", pdf())
	if up.status != http.StatusOK || !strings.Contains(up.body, "audit.pdf") || !strings.Contains(up.body, sha256Hex(pdf())) {
		t.Fatalf("upload: %d", up.status)
	}
	// Not a PDF: refused on its content, next to the question.
	if r := b.upload("/portal/assessments/"+asm.ID+"/evidence", map[string]string{"csrf": p.find(t, reCSRF), "question_key": "sub_report",
		"section": "general"}, "evil.pdf", []byte{0x7f, 'E', 'L', 'F', 2, 1, 1, 0}); r.status != http.StatusUnsupportedMediaType ||
		!strings.Contains(r.body, `href="#q-sub_report"`) {
		t.Errorf("an executable: %d", r.status)
	}

	got := a.adminGet(t, asm.ID)
	want := map[string][]string{"has_policy": {"yes"}, "uses_subs": {"yes"}, "hosting": {"aws"}, "certs": {"iso27001", "soc2"},
		"staff_count": {"12"}, "notes": {"kept"}, "policy_date": {"2025-03-01"}, "sub_list": {"Acme KK"}, "sub_audited": {"yes"}}
	for _, ans := range got.Answers {
		v := ans.Values
		if ans.Value != "" {
			v = []string{ans.Value}
		}
		if w, ok := want[ans.Key]; ok && !slices.Equal(v, w) {
			t.Errorf("%s: %v, want %v", ans.Key, v, w)
		}
	}

	// The language switch keeps the page and shows the template's Japanese texts and Japanese dates.
	sw := regexp.MustCompile(`href="(/portal/lang/ja\?back=[^"]+)"`).FindStringSubmatch(up.body)
	if sw == nil {
		t.Fatal("no language switch")
	}
	ja := b.get(strings.ReplaceAll(sw[1], "&amp;", "&"))
	if ja.url.Path != "/portal/assessments/"+asm.ID || !strings.Contains(ja.body, "質問 has_policy？") || !strings.Contains(ja.body, "期限 2025年6月30日") {
		t.Errorf("after the switch: %s\n%.2000s", ja.url, ja.body)
	}
	if r := b.get("/portal/lang/ja?back=//evil.example/"); !strings.HasPrefix(r.url.String(), srv+"/portal/") {
		t.Errorf("the switch redirected off-site: %s", r.url)
	}
}

func newPortalServer(t *testing.T, e *env) string {
	t.Helper()
	return newPortalServerHTTP(t, e).URL
}
