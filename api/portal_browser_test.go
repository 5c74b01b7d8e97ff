package api_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/vendorrisk/vendorrisk/api"
)

// chromium finds Debian's chromium (or another Chrome). Without one the browser tests skip, unless
// VENDORRISK_REQUIRE_BROWSER=1 (CI sets it), when they fail.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("VENDORRISK_REQUIRE_BROWSER") == "1" {
		t.Fatal("VENDORRISK_REQUIRE_BROWSER=1 but no chromium is installed (apt-get install chromium)")
	}
	t.Skip("no chromium: install it (apt-get install chromium) to run the browser tests")
	return ""
}

// tab is one browser tab driven through the portal.
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string
	shot string // directory for screenshots ("" for none)
	js   bool
}

func newTab(t *testing.T, base string, js bool) *tab {
	t.Helper()
	path := chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true), chromedp.Flag("lang", "ja"), chromedp.WindowSize(1280, 900))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{
			UserAgent: "Mozilla/5.0 (X11; Linux x86_64) vendorrisk-browser-test", AcceptLanguage: "ja-JP,ja"}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !js})
		return err
	})); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return &tab{t: t, ctx: ctx, base: base, shot: os.Getenv("VENDORRISK_PORTAL_SCREENSHOTS"), js: js}
}

func (b *tab) timeout() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, 60*time.Second)
}

func (b *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := b.timeout()
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v (at %s)\n%.3000s", err, b.location(), b.html())
	}
}

// navigate loads a page and returns its status.
func (b *tab) navigate(path string) int64 {
	b.t.Helper()
	ctx, cancel := b.timeout()
	defer cancel()
	res, err := chromedp.Run(ctx, chromedp.NavigateResponse(b.base+path))
	if err != nil {
		b.t.Fatalf("navigate %s: %v", path, err)
	}
	return res.Status
}

// click clicks an element that leads to a new page (a link or a submit button) and waits for it.
func (b *tab) click(id string) int64 {
	b.t.Helper()
	ctx, cancel := b.timeout()
	defer cancel()
	res, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.ID(id)))
	if err != nil {
		b.t.Fatalf("click #%s: %v (at %s)", id, err, b.location())
	}
	return res.Status
}

func (b *tab) location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	return loc
}

func (b *tab) path() *url.URL {
	u, err := url.Parse(b.location())
	if err != nil {
		b.t.Fatal(err)
	}
	return u
}

func (b *tab) html() string {
	b.t.Helper()
	ctx, cancel := b.timeout()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	if err != nil {
		b.t.Fatal(err)
	}
	return s
}

func (b *tab) text(sel string) string {
	b.t.Helper()
	ctx, cancel := b.timeout()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v (at %s)", sel, err, b.location())
	}
	return s
}

func (b *tab) attrs(sel string) []map[string]string {
	b.t.Helper()
	if !b.hasElement(sel) {
		return nil
	}
	ctx, cancel := b.timeout()
	defer cancel()
	all, err := chromedp.Run(ctx, chromedp.AttributesAll(chromedp.CSSAll(sel)))
	if err != nil {
		b.t.Fatalf("attributes of %s: %v", sel, err)
	}
	return all
}

func (b *tab) hasElement(sel string) bool {
	ctx, cancel := b.timeout()
	defer cancel()
	ids, err := chromedp.Run(ctx, chromedp.QueryNodeIDs(chromedp.CSSAll(sel), chromedp.AtLeast(0)))
	return err == nil && len(ids) > 0
}

func (b *tab) screenshot(name string) {
	b.t.Helper()
	if b.shot == "" || !b.js {
		return
	}
	ctx, cancel := b.timeout()
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(filepath.Join(b.shot, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// axeViolation is one rule axe-core finds broken, with the elements that break it.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// axe runs axe-core (testdata/axe, MPL-2.0) on the page for WCAG 2.0, 2.1 and 2.2 A and AA, and fails
// on any violation. It is injected through the DevTools protocol, which the page's CSP does not govern.
func (b *tab) axe(page string) {
	b.t.Helper()
	if !b.js {
		return
	}
	src, err := os.ReadFile("testdata/axe/axe.min.js")
	if err != nil {
		b.t.Fatal(err)
	}
	ctx, cancel := b.timeout()
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](string(src))); err != nil {
		b.t.Fatalf("inject axe-core: %v", err)
	}
	v, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](`axe.run(document, {runOnly: {type: "tag",
		values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}).then(r => r.violations.map(v => ({
		id: v.id, impact: v.impact || "", help: v.help, nodes: v.nodes.map(n => n.target.join(" "))})).concat(
		r.passes.length ? [] : [{id: "no-rule-passed", impact: "", help: "axe-core checked nothing", nodes: []}]))`, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("axe-core on %s: %v", page, err)
	}
	for _, x := range v {
		b.t.Errorf("axe-core on the %s page: %s (%s): %s at %v", page, x.ID, x.Impact, x.Help, x.Nodes)
	}
}

// answerSection answers every question of the shown section ("yes" where offered, else the first
// option, 12 for numbers), unless override names a value; it returns what it chose.
func (b *tab) answerSection(override map[string]string) map[string][]string {
	b.t.Helper()
	chosen := map[string][]string{}
	var order []string
	choices := map[string][]map[string]string{}
	for _, in := range b.attrs(`input[form="answers"]`) {
		name := strings.TrimPrefix(in["name"], "a.")
		if _, disabled := in["disabled"]; disabled || in["name"] == "k" || in["type"] == "hidden" {
			continue // a question whose condition does not hold
		}
		if !slices.Contains(order, name) {
			order = append(order, name)
		}
		choices[name] = append(choices[name], in)
	}
	for _, key := range order {
		opts := choices[key]
		if opts[0]["type"] == "radio" || opts[0]["type"] == "checkbox" {
			pick := opts[0]
			for _, o := range opts {
				if o["value"] == "yes" {
					pick = o
				}
			}
			if v, ok := override[key]; ok {
				for _, o := range opts {
					if o["value"] == v {
						pick = o
					}
				}
			}
			if _, checked := pick["checked"]; !checked || override[key] != "" {
				b.do(chromedp.Click(chromedp.ID(pick["id"])))
			}
			chosen[key] = []string{pick["value"]}
			continue
		}
		v := "12"
		if opts[0]["type"] == "date" {
			v = "2025-03-01"
		}
		b.do(chromedp.Clear(chromedp.ID(opts[0]["id"])), chromedp.SendKeys(chromedp.ID(opts[0]["id"]), v))
		chosen[key] = []string{v}
	}
	return chosen
}

// answerAll answers and saves sections from the current page on: n of them, or all (n <= 0).
func (b *tab) answerAll(saved map[string][]string, n int) {
	b.t.Helper()
	for i := 0; n <= 0 || i < n; i++ {
		for k, v := range b.answerSection(nil) {
			saved[k] = v
		}
		next := b.hasElement("#save-next")
		btn := "save"
		if next {
			btn = "save-next"
		}
		if st := b.click(btn); st != http.StatusOK || !b.hasElement("#flash") {
			b.t.Fatalf("save: %d at %s", st, b.location())
		}
		if !next {
			return
		}
	}
}

// TestPortalInBrowser drives Debian's chromium through the whole supplier flow, with JavaScript and
// without: the invitation link, a built-in questionnaire in Japanese over two visits, a PDF upload,
// the missing items, submit, a return with a comment from procurement, the fix and the resubmission;
// then the API shows exactly the answers given and the evidence's hash. With
// VENDORRISK_PORTAL_SCREENSHOTS=dir it saves screenshots of the main pages there (docs/portal).
func TestPortalInBrowser(t *testing.T) {
	chromium(t)
	for _, js := range []bool{true, false} {
		name := "javascript"
		if !js {
			name = "no_javascript"
		}
		t.Run(name, func(t *testing.T) { browserFlow(t, js) })
	}
}

func browserFlow(t *testing.T, js bool) {
	e := sqliteOnly(t, api.Config{})
	f := newPortalFixture(t, e, "ブラウザ工業株式会社")
	b := newTab(t, f.srv.URL, js)
	pdfPath := filepath.Join(t.TempDir(), "ISO27001認証書.pdf")
	if err := os.WriteFile(pdfPath, pdf(), 0o600); err != nil {
		t.Fatal(err)
	}

	// Visit 1: the invitation link, then two sections, then sign out.
	if st := b.navigate(f.invitation); st != http.StatusOK {
		t.Fatalf("invitation: %d", st)
	}
	if u := b.path(); u.Path != "/portal/assessments/"+f.id || strings.Contains(u.String(), "vri_") {
		t.Fatalf("after the invitation: %s", u)
	}
	if h := b.html(); !strings.Contains(h, `lang="ja"`) || !strings.Contains(b.text("h1"), "業務委託先の情報セキュリティ対策") {
		t.Fatalf("not Japanese: %.1500s", h)
	}
	b.screenshot("questionnaire")
	b.axe("questionnaire")
	saved := map[string][]string{}
	b.answerAll(saved, 2)
	if !strings.Contains(b.text("#flash"), "回答を保存しました") {
		t.Errorf("flash %q", b.text("#flash"))
	}
	b.click("sign-out")
	if b.path().Path != "/portal/sign-in" {
		t.Fatalf("sign out led to %s", b.location())
	}

	// Visit 2: the link is used up; the supplier key signs in.
	b.navigate(f.invitation)
	if b.path().Path != "/portal/sign-in" {
		t.Fatalf("a used invitation opened %s", b.location())
	}
	b.screenshot("sign-in")
	b.axe("sign-in")
	b.do(chromedp.SendKeys(chromedp.ID("api_key"), f.secret))
	b.click("sign-in")
	if b.path().Path != "/portal/assessments" {
		t.Fatalf("sign in led to %s", b.location())
	}
	b.screenshot("list")
	b.axe("list")
	b.navigate("/portal/assessments/" + f.id)
	b.answerAll(saved, 0)

	// The missing items: evidence for answers that need it, each a link to its upload field.
	b.click("review-link")
	b.screenshot("submit-missing")
	b.axe("submit")
	items := b.attrs("#missing a")
	if len(items) == 0 {
		t.Fatal("no missing items listed")
	}
	b.click("submit")
	if !b.hasElement("#error-summary") {
		t.Fatal("an early submit shows no error summary")
	}
	for range items {
		b.navigate("/portal/assessments/" + f.id + "/submit")
		link := b.attrs("#missing a")[0]
		u, _ := url.Parse(link["href"])
		key := strings.TrimPrefix(u.Fragment, "q-")
		b.navigate(u.RequestURI())
		b.do(chromedp.SetUploadFiles(chromedp.ID("q-"+key+"-file"), []string{pdfPath}))
		if st := b.click("q-" + key + "-upload"); st != http.StatusOK || !strings.Contains(b.html(), sha256Hex(pdf())) {
			t.Fatalf("upload for %s: %d", key, st)
		}
	}
	b.screenshot("evidence")
	b.axe("evidence")
	b.navigate("/portal/assessments/" + f.id + "/submit")
	if b.hasElement("#missing") || !b.hasElement("#ready") {
		t.Fatal("still missing items after the uploads")
	}
	b.click("submit")
	if !strings.Contains(b.text("#flash"), "回答を提出しました") || b.hasElement("#answers") {
		t.Fatal("not submitted")
	}

	// Procurement returns it with a comment (through the API); the supplier fixes and resubmits.
	first := strings.TrimSuffix(strings.TrimPrefix(b.attrs(".answer")[0]["id"], "q-"), "-answer")
	must(t, f.do(t, "POST", "/api/v1/assessments/"+f.id+"/answer-reviews", f.proc, map[string]any{"reviews": []map[string]any{
		{"key": first, "flag": "needs_clarification", "comment": "見直し日が分かりません"}}}), http.StatusOK)
	must(t, f.do(t, "POST", "/api/v1/assessments/"+f.id+"/review", f.proc,
		map[string]any{"decision": "return", "comment": "方針の見直し状況をご確認ください"}), http.StatusOK)
	b.navigate("/portal/assessments/" + f.id)
	if !strings.Contains(b.text("#return-comment"), "方針の見直し状況をご確認ください") || !strings.Contains(b.text(".clarification"), "見直し日が分かりません") {
		t.Fatal("the returned page does not show the reviewer's comments")
	}
	b.screenshot("returned")
	b.axe("returned")
	for k, v := range b.answerSection(map[string]string{first: "no"}) {
		saved[k] = v
	}
	b.click("save")
	b.click("review-link")
	b.click("submit")
	if !strings.Contains(b.text("#flash"), "回答を提出しました") {
		t.Fatal("not resubmitted")
	}

	var got api.AssessmentResponse
	must(t, f.do(t, "GET", "/api/v1/assessments/"+f.id, f.proc, nil), http.StatusOK).into(t, &got)
	answers := map[string][]string{}
	for _, a := range got.Answers {
		if a.Value != "" {
			answers[a.Key] = []string{a.Value}
		} else if len(a.Values) > 0 {
			answers[a.Key] = a.Values
		}
	}
	if got.Status != "submitted" || len(answers) != len(saved) {
		t.Errorf("API: %s with %d answers, the browser gave %d", got.Status, len(answers), len(saved))
	}
	for k, v := range saved {
		if !slices.Equal(answers[k], v) {
			t.Errorf("answer %s: API %v, browser %v", k, answers[k], v)
		}
	}
	if len(got.Evidence) != len(items) || got.Evidence[0].SHA256 != sha256Hex(pdf()) {
		t.Errorf("evidence %+v", got.Evidence)
	}

	// Findings: propose a plan and answer.
	fid := must(t, e.do(t, "POST", "/api/v1/findings", e.admin, map[string]any{"engagement_id": f.engagement,
		"title": "方針の年次見直しが行われていない", "severity": "medium"}), http.StatusCreated).str("id")
	if st := b.navigate("/portal/findings"); st != http.StatusOK {
		t.Fatalf("findings page: %d", st)
	}
	b.do(chromedp.SendKeys(chromedp.ID("resp-"+fid), "次回の経営会議で見直します"),
		chromedp.SendKeys(chromedp.ID("pdesc-"+fid), "方針を見直し、承認記録を提出します"))
	b.click("send-" + fid)
	if !strings.Contains(b.text("#flash"), "回答を記録しました") {
		t.Fatalf("finding response: %s", b.location())
	}
	// A proposed plan is not tracked until procurement accepts it: nothing to mark done yet.
	if done := b.attrs(`input[name="done"]`); len(done) != 0 {
		t.Fatalf("items of a plan not yet accepted can be marked done: %v", done)
	}
	must(t, e.do(t, "POST", "/api/v1/findings/"+fid+"/remediation-plan/accept", e.admin, nil), http.StatusOK)
	if st := b.navigate("/portal/findings"); st != http.StatusOK {
		t.Fatalf("findings page: %d", st)
	}
	done := b.attrs(`input[name="done"]`)
	if len(done) != 1 {
		t.Fatalf("accepted plan items: %v", done)
	}
	b.do(chromedp.Click(chromedp.ID(done[0]["id"])))
	b.click("send-" + fid)
	if !strings.Contains(b.html(), "完了（確認待ち）") {
		t.Error("the item marked done does not show as done")
	}
	b.screenshot("findings")
	b.axe("findings")
	var sf struct {
		Items []api.SupplierFindingResponse `json:"items"`
	}
	must(t, f.do(t, "GET", "/api/v1/supplier/findings", f.secret, nil), http.StatusOK).into(t, &sf)
	if len(sf.Items) != 1 || sf.Items[0].SupplierResponse != "次回の経営会議で見直します" {
		t.Errorf("supplier findings %+v", sf.Items)
	}
	var rem struct {
		Items []api.RemediationResponse `json:"items"`
	}
	must(t, f.do(t, "GET", "/api/v1/findings/"+fid+"/remediations", f.proc, nil), http.StatusOK).into(t, &rem)
	if len(rem.Items) != 1 || rem.Items[0].Status != "done" || rem.Items[0].Description != "方針を見直し、承認記録を提出します" {
		t.Errorf("remediation items %+v", rem.Items)
	}
}

// TestPortalConditionsInBrowser: with JavaScript a follow-up question shows as soon as the answer it
// depends on holds (nested ones too) and is saved with it; without JavaScript it shows after the save.
func TestPortalConditionsInBrowser(t *testing.T) {
	chromium(t)
	for _, js := range []bool{true, false} {
		name := map[bool]string{true: "javascript", false: "no_javascript"}[js]
		t.Run(name, func(t *testing.T) {
			e := sqliteOnly(t, api.Config{})
			a := newAsmEnv(t, e)
			srv := newPortalServer(t, e)
			_, eng := a.engagement(t, "Conditions vendor")
			asm := a.issue(t, eng)
			u, _ := url.Parse(a.send(t, asm.ID).PortalURL)
			b := newTab(t, srv, js)
			b.navigate(u.Path)
			hidden := func(id string) bool {
				_, ok := b.attrs("#" + id)[0]["hidden"]
				return ok
			}
			if !hidden("q-sub_list") || !hidden("q-sub_report") {
				t.Fatal("follow-up questions show before their condition holds")
			}
			b.do(chromedp.Click(chromedp.ID("q-uses_subs-0"))) // yes
			if hidden("q-sub_list") == js {
				t.Fatalf("with javascript=%v, sub_list hidden=%v after answering uses_subs", js, hidden("q-sub_list"))
			}
			if js {
				b.do(chromedp.SendKeys(chromedp.ID("q-sub_list-input"), "Acme KK"), chromedp.Click(chromedp.ID("q-sub_audited-0")))
				if hidden("q-sub_report") {
					t.Error("the nested follow-up does not show")
				}
				b.axe("conditions")
			}
			b.click("save")
			if hidden("q-sub_list") {
				t.Fatal("sub_list hidden after the save")
			}
			want := map[string]string{"uses_subs": "yes"}
			if js {
				want["sub_list"], want["sub_audited"] = "Acme KK", "yes"
			}
			got := map[string]string{}
			for _, ans := range a.adminGet(t, asm.ID).Answers {
				if ans.Value != "" {
					got[ans.Key] = ans.Value
				}
			}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q (all: %v)", k, got[k], v, got)
				}
			}
		})
	}
}
