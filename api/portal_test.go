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

// portalAnswerAll walks every section from the first, saving the answers answerForm gives (override
// wins), and returns what it saved by key; the last page is returned too.
func portalAnswerAll(t *testing.T, b *browser, id string, override map[string]string, sections int) (map[string][]string, page) {
	t.Helper()
	saved := map[string][]string{}
	p := b.get("/portal/assessments/" + id)
	for i := 0; sections <= 0 || i < sections; i++ {
		form := p.answerForm(t, override)
		for k, v := range form {
			if strings.HasPrefix(k, "a.") {
				saved[strings.TrimPrefix(k, "a.")] = v
			}
		}
		last := form.Get("next") == ""
		p = b.post("/portal/assessments/"+id+"/answers", form)
		if p.status != http.StatusOK || !strings.Contains(p.body, `id="flash"`) {
			t.Fatalf("save section %s: %d\n%.4000s", form.Get("section"), p.status, p.body)
		}
		if last {
			break
		}
	}
	return saved, p
}

func portalUploadMissing(t *testing.T, b *browser, id string, data []byte) int {
	t.Helper()
	sub := b.get("/portal/assessments/" + id + "/submit")
	n := 0
	for _, m := range sub.missingItems() {
		u, err := url.Parse(m[0])
		if err != nil || u.Fragment == "" {
			t.Fatalf("missing item link %q", m[0])
		}
		if !strings.HasPrefix(m[1], "エビデンス") {
			t.Fatalf("a required answer is still missing: %s", m[1])
		}
		qp := b.get(u.RequestURI())
		key := strings.TrimPrefix(u.Fragment, "q-")
		if !strings.Contains(qp.body, `id="q-`+key+`-file"`) {
			t.Fatalf("the missing item's link does not lead to its upload field:\n%.3000s", qp.body)
		}
		r := b.upload("/portal/assessments/"+id+"/evidence", map[string]string{"csrf": qp.find(t, reCSRF),
			"question_key": key, "section": u.Query().Get("section")}, "ISO27001証明書.pdf", data)
		if r.status != http.StatusOK || !strings.Contains(r.body, "ファイルをアップロードしました") || !strings.Contains(r.body, sha256Hex(data)) {
			t.Fatalf("upload for %s: %d\n%.3000s", key, r.status, r.body)
		}
		n++
	}
	return n
}

// TestPortalFlowWithoutJavaScript is the supplier's whole way through the portal with plain form
// posts (no JavaScript): the invitation link, a Japanese questionnaire over two visits (the second
// signed in with the API key), a PDF, the missing-items list, submit, a return with a comment,
// the fix and the resubmission; then the API shows exactly those answers and the evidence hash.
func TestPortalFlowWithoutJavaScript(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		f := newPortalFixture(t, e, "ポータル株式会社")
		b := newBrowser(t, f.srv.URL, "ja,en;q=0.5")

		p := b.get(f.invitation)
		if p.status != http.StatusOK || p.url.Path != "/portal/assessments/"+f.id || strings.Contains(p.url.String(), "vri_") {
			t.Fatalf("invitation: %d at %s", p.status, p.url)
		}
		if !strings.Contains(p.body, `<html lang="ja">`) || !strings.Contains(p.body, "業務委託先の情報セキュリティ対策") {
			t.Fatalf("not Japanese:\n%.2000s", p.body)
		}
		// Visit 1: two sections, then sign out.
		saved, p := portalAnswerAll(t, b, f.id, nil, 2)
		if !strings.Contains(p.body, "回答を保存しました") {
			t.Fatalf("no saved message:\n%.2000s", p.body)
		}
		if out := b.post("/portal/sign-out", url.Values{"csrf": {p.find(t, reCSRF)}}); out.url.Path != "/portal/sign-in" {
			t.Fatalf("sign out: %d at %s", out.status, out.url)
		}
		// The invitation was single-use; visit 2 signs in with the supplier key.
		again := b.get(f.invitation)
		if again.url.Path != "/portal/sign-in" {
			t.Fatalf("a used invitation opened %s", again.url)
		}
		in := b.post("/portal/sign-in", url.Values{"csrf": {again.find(t, reCSRF)}, "api_key": {f.secret}})
		if in.status != http.StatusOK || in.url.Path != "/portal/assessments" || !strings.Contains(in.body, "/portal/assessments/"+f.id) {
			t.Fatalf("sign in: %d at %s\n%.2000s", in.status, in.url, in.body)
		}
		rest, _ := portalAnswerAll(t, b, f.id, nil, 0)
		for k, v := range rest {
			saved[k] = v
		}

		// Submitting now is refused with the missing evidence listed as links.
		sub := b.get("/portal/assessments/" + f.id + "/submit")
		refused := b.post("/portal/assessments/"+f.id+"/submit", url.Values{"csrf": {sub.find(t, reCSRF)}})
		if refused.status != http.StatusUnprocessableEntity || len(refused.missingItems()) == 0 || !strings.Contains(refused.body, `id="error-summary"`) {
			t.Fatalf("early submit: %d\n%.3000s", refused.status, refused.body)
		}
		if n := portalUploadMissing(t, b, f.id, pdf()); n == 0 {
			t.Fatal("no evidence was asked for")
		}
		sub = b.get("/portal/assessments/" + f.id + "/submit")
		if len(sub.missingItems()) != 0 || !strings.Contains(sub.body, `id="ready"`) {
			t.Fatalf("still missing: %v", sub.missingItems())
		}
		done := b.post("/portal/assessments/"+f.id+"/submit", url.Values{"csrf": {sub.find(t, reCSRF)}})
		if done.status != http.StatusOK || !strings.Contains(done.body, "回答を提出しました") || strings.Contains(done.body, `id="answers"`) {
			t.Fatalf("submit: %d\n%.3000s", done.status, done.body)
		}

		// Procurement returns it with a comment and a clarification request on the first question.
		first := b.get("/portal/assessments/"+f.id).find(t, regexp.MustCompile(`<h3 class="qtext">[^<]*</h3>\s*<p class="answer" id="q-([^"]+)-answer">`))
		must(t, f.do(t, "POST", "/api/v1/assessments/"+f.id+"/answer-reviews", f.proc, map[string]any{"reviews": []map[string]any{
			{"key": first, "flag": "needs_clarification", "comment": "方針の見直し日を教えてください"}}}), http.StatusOK)
		must(t, f.do(t, "POST", "/api/v1/assessments/"+f.id+"/review", f.proc,
			map[string]any{"decision": "return", "comment": "一点ご確認ください"}), http.StatusOK)

		ret := b.get("/portal/assessments/" + f.id)
		for _, want := range []string{"一点ご確認ください", "方針の見直し日を教えてください", "差し戻し", `id="answers"`} {
			if !strings.Contains(ret.body, want) {
				t.Fatalf("returned page lacks %q:\n%.4000s", want, ret.body)
			}
		}
		form := ret.answerForm(t, map[string]string{first: "no"})
		form.Set("go", "stay")
		if r := b.post("/portal/assessments/"+f.id+"/answers", form); r.status != http.StatusOK {
			t.Fatalf("fix: %d\n%.3000s", r.status, r.body)
		}
		saved[first] = []string{"no"}
		sub = b.get("/portal/assessments/" + f.id + "/submit")
		if r := b.post("/portal/assessments/"+f.id+"/submit", url.Values{"csrf": {sub.find(t, reCSRF)}}); !strings.Contains(r.body, "回答を提出しました") {
			t.Fatalf("resubmit: %d\n%.3000s", r.status, r.body)
		}

		var got api.AssessmentResponse
		must(t, f.do(t, "GET", "/api/v1/assessments/"+f.id, f.proc, nil), http.StatusOK).into(t, &got)
		if got.Status != "submitted" {
			t.Errorf("status %s", got.Status)
		}
		answers := map[string][]string{}
		for _, a := range got.Answers {
			if a.Value != "" {
				answers[a.Key] = []string{a.Value}
			} else if len(a.Values) > 0 {
				answers[a.Key] = a.Values
			}
		}
		for k, v := range saved {
			if !slices.Equal(answers[k], v) {
				t.Errorf("answer %s: API has %v, the portal saved %v", k, answers[k], v)
			}
		}
		if len(answers) != len(saved) {
			t.Errorf("API has %d answers, the portal saved %d", len(answers), len(saved))
		}
		if len(got.Evidence) == 0 || got.Evidence[0].SHA256 != sha256Hex(pdf()) || got.Evidence[0].FileName != "ISO27001証明書.pdf" {
			t.Errorf("evidence %+v", got.Evidence)
		}
	})
}
