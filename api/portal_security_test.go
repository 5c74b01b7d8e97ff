package api_test

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/api"
)

// noFollow is a client that stops at the first response, to see redirects and their cookies.
func noFollow(c *http.Client) *http.Client {
	cp := *c
	cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cp
}

func sessionCookie(t *testing.T, res *http.Response, name string) *http.Cookie {
	t.Helper()
	for _, c := range res.Cookies() {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no %s cookie in %v", name, res.Header.Values("Set-Cookie"))
	return nil
}

func TestPortalInvitationSingleUseAndCookieFlags(t *testing.T) {
	e := sqliteOnly(t, api.Config{})
	f := newPortalFixture(t, e, "Cookie vendor")
	c := noFollow(newBrowser(t, f.srv.URL, "").c)
	res, err := c.Get(f.srv.URL + f.invitation)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/portal/assessments/"+f.id {
		t.Fatalf("redeem: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	ck := sessionCookie(t, res, "vr_portal")
	if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Secure || ck.MaxAge <= 0 || strings.Contains(ck.Value, "vri_") {
		t.Errorf("session cookie over plain HTTP: %+v", ck)
	}
	if res.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("Referrer-Policy %q on the invitation", res.Header.Get("Referrer-Policy"))
	}
	// The second use of the same link opens nothing.
	res, err = c.Get(f.srv.URL + f.invitation)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/portal/sign-in") || len(res.Cookies()) != 0 {
		t.Fatalf("second use: %d to %q, cookies %v", res.StatusCode, res.Header.Get("Location"), res.Cookies())
	}

	// Over TLS, or behind a trusted proxy that says HTTPS: Secure and the __Host- prefix.
	tlsSrv := httptest.NewTLSServer(e.h)
	defer tlsSrv.Close()
	tc := noFollow(tlsSrv.Client())
	g := f.portalSend(t, tlsSrv, "TLS vendor", f.tplID)
	res, err = tc.Get(tlsSrv.URL + g.invitation)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	ck = sessionCookie(t, res, "__Host-vr_portal")
	if !ck.Secure || !ck.HttpOnly || ck.Path != "/" || ck.Domain != "" {
		t.Errorf("session cookie over TLS: %+v", ck)
	}
	_ = tls.VersionTLS12

	proxied := sqliteOnly(t, api.Config{TrustedProxies: []string{"127.0.0.1/32"}})
	psrv := httptest.NewServer(proxied.h)
	defer psrv.Close()
	pf := newPortalFixtureOn(t, proxied, psrv, "Proxy vendor")
	req, _ := http.NewRequest(http.MethodGet, psrv.URL+pf.invitation, nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	res, err = noFollow(http.DefaultClient).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if ck = sessionCookie(t, res, "__Host-vr_portal"); !ck.Secure {
		t.Errorf("behind a trusted proxy saying https: %+v", ck)
	}
}

func newPortalFixtureOn(t *testing.T, e *env, srv *httptest.Server, vendor string) *portalFixture {
	t.Helper()
	a := newAsmEnv(t, e)
	e.tplLoadBuiltIns(t)
	for _, tpl := range e.tplList(t, "") {
		if tpl.Key == "contractor-security" && tpl.Status == "published" {
			return a.portalSend(t, srv, vendor, tpl.ID)
		}
	}
	t.Fatal("no built-in template")
	return nil
}

var inlineScript = regexp.MustCompile(`<script(?:\s[^>]*)?>\s*[^<\s]|<script>|\son[a-z]+=|\sstyle=`)

func TestPortalHeadersAndNoInlineScript(t *testing.T) {
	e := sqliteOnly(t, api.Config{})
	f := newPortalFixture(t, e, "Header vendor")
	b := newBrowser(t, f.srv.URL, "en")
	pages := []page{b.get("/portal/sign-in"), b.get(f.invitation), b.get("/portal/assessments"), b.get("/portal/assessments/" + f.id + "/submit"),
		b.get("/portal/findings"), b.get("/portal/assessments/0193a7c2-5b1e-7d3a-9f00-1c2d3e4f5a6b"), b.get("/portal/no-such-page")}
	for _, p := range pages {
		h := p.header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", p.url.Path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP %q", p.url.Path, csp)
		}
		if h.Get("X-Frame-Options") != "DENY" || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" ||
			h.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: headers %v", p.url.Path, h)
		}
		if loc := inlineScript.FindString(p.body); loc != "" {
			t.Errorf("%s: inline script or style %q", p.url.Path, loc)
		}
	}
	if css := b.get("/portal/static/portal.css"); css.status != http.StatusOK || !strings.HasPrefix(css.header.Get("Content-Type"), "text/css") {
		t.Errorf("stylesheet: %d %s", css.status, css.header.Get("Content-Type"))
	}
	if list := b.get("/portal/static/"); list.status != http.StatusNotFound {
		t.Errorf("the static directory answers %d", list.status)
	}
	if pages[5].status != http.StatusNotFound || pages[6].status != http.StatusNotFound || !strings.Contains(pages[6].body, "<h1>Not found</h1>") {
		t.Errorf("unknown assessment: %d, unknown page: %d", pages[5].status, pages[6].status)
	}
}

func TestPortalCSRF(t *testing.T) {
	e := sqliteOnly(t, api.Config{})
	f := newPortalFixture(t, e, "CSRF vendor")
	b := newBrowser(t, f.srv.URL, "en")
	p := b.get(f.invitation)
	form := p.answerForm(t, nil)
	for name, mutate := range map[string]func(url.Values){
		"no token":    func(v url.Values) { v.Del("csrf") },
		"wrong token": func(v url.Values) { v.Set("csrf", strings.Repeat("a", 52)) },
	} {
		v := url.Values{}
		for k, x := range form {
			v[k] = x
		}
		mutate(v)
		if r := b.post("/portal/assessments/"+f.id+"/answers", v); r.status != http.StatusForbidden {
			t.Errorf("%s: %d", name, r.status)
		}
	}
	// A cross-site post is refused even with the token.
	req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/portal/assessments/"+f.id+"/answers", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if r := b.do(req); r.status != http.StatusForbidden {
		t.Errorf("cross-site: %d", r.status)
	}
	if r := b.upload("/portal/assessments/"+f.id+"/evidence", map[string]string{"question_key": "gov_policy"}, "a.pdf", pdf()); r.status != http.StatusForbidden {
		t.Errorf("upload without token: %d", r.status)
	}
	if r := b.post("/portal/sign-out", url.Values{}); r.status != http.StatusForbidden {
		t.Errorf("sign-out without token: %d", r.status)
	}
	var got api.AssessmentResponse
	must(t, f.do(t, "GET", "/api/v1/assessments/"+f.id, f.proc, nil), http.StatusOK).into(t, &got)
	if len(got.Evidence) != 0 || got.Status != "sent" {
		t.Errorf("a refused form changed the assessment: %s, evidence %v", got.Status, got.Evidence)
	}
	for _, a := range got.Answers {
		if a.Value != "" || len(a.Values) != 0 {
			t.Errorf("a refused form saved %s", a.Key)
		}
	}
	// The sign-in form carries its own token (double submit).
	fresh := newBrowser(t, f.srv.URL, "en")
	fresh.get("/portal/sign-in")
	if r := fresh.post("/portal/sign-in", url.Values{"api_key": {f.secret}}); r.status != http.StatusForbidden {
		t.Errorf("sign-in without token: %d", r.status)
	}
	// With the token the same form passes, and it is audited as the supplier, without the token.
	if r := b.post("/portal/assessments/"+f.id+"/answers", form); r.status != http.StatusOK {
		t.Fatalf("save: %d", r.status)
	}
	var events struct {
		Items []api.AuditEventResponse `json:"items"`
	}
	must(t, e.do(t, "GET", "/api/v1/audit-events?action=assessment.answers_saved&resource_id="+f.id, e.admin, nil),
		http.StatusOK).into(t, &events)
	if len(events.Items) != 1 || events.Items[0].ActorRole != "supplier" || events.Items[0].Path != "/portal/assessments/"+f.id+"/answers" ||
		strings.Contains(string(events.Items[0].Input), "csrf") || !strings.Contains(string(events.Items[0].Input), "answers.gov_policy") {
		t.Errorf("audit of the portal save: %+v", events.Items)
	}
}

// TestPortalVendorIsolation: vendor B's session sees nothing of vendor A: assessment, answers form,
// evidence, findings; all 404.
func TestPortalVendorIsolation(t *testing.T) {
	e := sqliteOnly(t, api.Config{})
	fa := newPortalFixture(t, e, "Vendor A")
	fb := fa.portalSend(t, fa.srv, "Vendor B", fa.tplID)
	ba, bb := newBrowser(t, fa.srv.URL, "en"), newBrowser(t, fa.srv.URL, "en")
	pa := ba.get(fa.invitation)
	up := ba.upload("/portal/assessments/"+fa.id+"/evidence", map[string]string{"csrf": pa.find(t, reCSRF), "question_key": "gov_policy",
		"section": "governance"}, "a.pdf", pdf())
	if up.status != http.StatusOK {
		t.Fatalf("upload: %d", up.status)
	}
	evURL := regexp.MustCompile(`href="(/portal/evidence/[^"]+)"`).FindStringSubmatch(up.body)
	if evURL == nil {
		t.Fatal("no evidence link")
	}
	if r := ba.get(evURL[1]); r.status != http.StatusOK || r.body != string(pdf()) {
		t.Fatalf("own evidence: %d", r.status)
	}
	finding := must(t, e.do(t, "POST", "/api/v1/findings", e.admin, map[string]any{"engagement_id": fa.engagement,
		"title": "Vendor A's finding", "severity": "high"}), http.StatusCreated).str("id")
	if r := ba.get("/portal/findings"); !strings.Contains(r.body, "Vendor A&#39;s finding") {
		t.Fatalf("vendor A does not see its finding:\n%.2000s", r.body)
	}

	pb := bb.get(fb.invitation)
	csrf := pb.find(t, reCSRF)
	for _, r := range []page{
		bb.get("/portal/assessments/" + fa.id),
		bb.get("/portal/assessments/" + fa.id + "/submit"),
		bb.get(evURL[1]),
		bb.post("/portal/assessments/"+fa.id+"/answers", url.Values{"csrf": {csrf}, "version": {"0"}, "k": {"gov_policy"}, "a.gov_policy": {"no"}}),
		bb.post("/portal/assessments/"+fa.id+"/submit", url.Values{"csrf": {csrf}}),
		bb.upload("/portal/assessments/"+fa.id+"/evidence", map[string]string{"csrf": csrf, "question_key": "gov_policy"}, "b.pdf", pdf()),
		bb.post("/portal/findings/"+finding+"/response", url.Values{"csrf": {csrf}, "response": {"mine now"}}),
	} {
		if r.status != http.StatusNotFound || strings.Contains(r.body, "Vendor A") {
			t.Errorf("vendor B at %s: %d", r.url.Path, r.status)
		}
	}
	if r := bb.get("/portal/findings"); strings.Contains(r.body, "Vendor A") {
		t.Error("vendor B's findings page shows vendor A's finding")
	}
	if r := bb.get("/portal/assessments"); strings.Contains(r.body, fa.id) {
		t.Error("vendor B's list shows vendor A's assessment")
	}
}

// TestPortalSessionsEnd: cancelling the assessment ends the session opened from its invitation;
// sessions expire; signing out ends the session even for a copied cookie.
func TestPortalSessionsEnd(t *testing.T) {
	e := sqliteOnly(t, api.Config{})
	f := newPortalFixture(t, e, "Ending vendor")
	b := newBrowser(t, f.srv.URL, "en")
	if p := b.get(f.invitation); p.url.Path != "/portal/assessments/"+f.id {
		t.Fatalf("redeem: %s", p.url)
	}
	must(t, f.do(t, "POST", "/api/v1/assessments/"+f.id+"/cancel", f.proc, nil), http.StatusOK)
	if p := b.get("/portal/assessments"); p.url.Path != "/portal/sign-in" || !strings.Contains(p.body, "Your session has ended") {
		t.Fatalf("after cancel: %d at %s", p.status, p.url)
	}
	if r := b.post("/portal/sign-in", url.Values{"csrf": {b.get("/portal/sign-in").find(t, reCSRF)}, "api_key": {f.secret}}); r.status != http.StatusUnauthorized {
		t.Errorf("sign-in with the revoked key: %d", r.status)
	}

	g := f.portalSend(t, f.srv, "Expiring vendor", f.tplID)
	b = newBrowser(t, f.srv.URL, "en")
	b.get(g.invitation)
	e.clock.Advance(8*time.Hour + time.Second)
	if p := b.get("/portal/assessments"); p.url.Path != "/portal/sign-in" {
		t.Errorf("after 8 h: %s", p.url)
	}

	h := f.portalSend(t, f.srv, "Leaving vendor", f.tplID)
	b = newBrowser(t, f.srv.URL, "en")
	p := b.get(h.invitation)
	u, _ := url.Parse(f.srv.URL)
	copied := b.c.Jar.Cookies(u)
	b.post("/portal/sign-out", url.Values{"csrf": {p.find(t, reCSRF)}})
	other := newBrowser(t, f.srv.URL, "en")
	other.c.Jar.SetCookies(u, copied)
	if p := other.get("/portal/assessments"); p.url.Path != "/portal/sign-in" {
		t.Errorf("a signed-out session's cookie still opens %s", p.url)
	}
	// An internal key cannot sign in to the portal.
	if r := other.post("/portal/sign-in", url.Values{"csrf": {other.get("/portal/sign-in").find(t, reCSRF)}, "api_key": {f.proc}}); r.status != http.StatusForbidden {
		t.Errorf("procurement key: %d", r.status)
	}
}

// TestPortalStaleSaveConflicts: two people of one supplier; the second saves from a stale page and
// sees a conflict with both values, and nothing is overwritten.
func TestPortalStaleSaveConflicts(t *testing.T) {
	e := sqliteOnly(t, api.Config{})
	f := newPortalFixture(t, e, "Two people vendor")
	one, two := newBrowser(t, f.srv.URL, "en"), newBrowser(t, f.srv.URL, "en")
	p1 := one.get(f.invitation)
	in := two.post("/portal/sign-in", url.Values{"csrf": {two.get("/portal/sign-in").find(t, reCSRF)}, "api_key": {f.secret}})
	if in.url.Path != "/portal/assessments" {
		t.Fatalf("sign in: %s", in.url)
	}
	p2 := two.get("/portal/assessments/" + f.id)
	if r := one.post("/portal/assessments/"+f.id+"/answers", p1.answerForm(t, map[string]string{"gov_policy": "yes"})); r.status != http.StatusOK {
		t.Fatalf("first save: %d", r.status)
	}
	r := two.post("/portal/assessments/"+f.id+"/answers", p2.answerForm(t, map[string]string{"gov_policy": "no"}))
	if r.status != http.StatusConflict || !strings.Contains(r.body, `id="conflict"`) || !strings.Contains(r.body, "Saved now:</strong> Yes") {
		t.Fatalf("stale save: %d\n%.4000s", r.status, r.body)
	}
	if !regexp.MustCompile(`name="a.gov_policy" id="[^"]+" value="no" checked`).MatchString(r.body) {
		t.Error("the conflict page does not keep the entry")
	}
	var got api.AssessmentResponse
	must(t, f.do(t, "GET", "/api/v1/assessments/"+f.id, f.proc, nil), http.StatusOK).into(t, &got)
	for _, a := range got.Answers {
		if a.Key == "gov_policy" && a.Value != "yes" {
			t.Errorf("overwritten: %s", a.Value)
		}
	}
	// Saving again from the conflict page (now at the current version) is a deliberate choice.
	if r := two.post("/portal/assessments/"+f.id+"/answers", r.answerForm(t, map[string]string{"gov_policy": "no"})); r.status != http.StatusOK {
		t.Errorf("save after the conflict: %d", r.status)
	}
}

// TestPortalInvitationRedeemedOnce: browsers racing on one invitation get one session between them,
// on both databases; the invitation never reaches the audit trail.
func TestPortalInvitationRedeemedOnce(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		f := newPortalFixture(t, e, "Racing vendor")
		const n = 6
		results := make(chan string, n)
		for range n {
			go func() {
				res, err := noFollow(http.DefaultClient).Get(f.srv.URL + f.invitation)
				if err != nil {
					results <- err.Error()
					return
				}
				res.Body.Close()
				results <- res.Header.Get("Location")
			}()
		}
		opened := 0
		for range n {
			if loc := <-results; loc == "/portal/assessments/"+f.id {
				opened++
			} else if !strings.HasPrefix(loc, "/portal/sign-in") {
				t.Errorf("a racing redeem: %q", loc)
			}
		}
		if opened != 1 {
			t.Errorf("%d sessions from one invitation", opened)
		}
		var events struct {
			Items []api.AuditEventResponse `json:"items"`
		}
		must(t, e.do(t, "GET", "/api/v1/audit-events?action=assessment.sent", e.admin, nil), http.StatusOK).into(t, &events)
		token := strings.TrimPrefix(f.invitation, "/portal/i/")
		if len(events.Items) != 1 || strings.Contains(string(events.Items[0].Result)+string(events.Items[0].Input), token) {
			t.Errorf("the send's audit event holds the invitation: %+v", events.Items)
		}
	})
}
