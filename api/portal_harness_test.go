package api_test

import (
	"bytes"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/vendorrisk/vendorrisk/api"
)

// portalFixture is a built-in questionnaire sent to a fresh vendor, with the handler on a real port.
type portalFixture struct {
	*asmEnv
	srv        *httptest.Server
	id         string
	vendorID   string
	engagement string
	tplID      string
	secret     string // the supplier API key
	invitation string // path of the portal_url
}

func newPortalFixture(t *testing.T, e *env, vendorName string) *portalFixture {
	t.Helper()
	a := newAsmEnv(t, e)
	e.tplLoadBuiltIns(t)
	tplID := ""
	for _, tpl := range e.tplList(t, "") {
		if tpl.Key == "contractor-security" && tpl.Status == "published" {
			tplID = tpl.ID
		}
	}
	if tplID == "" {
		t.Fatal("built-in contractor-security template not published")
	}
	return a.portalSend(t, newPortalServerHTTP(t, e), vendorName, tplID)
}

func newPortalServerHTTP(t *testing.T, e *env) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(e.h)
	t.Cleanup(srv.Close)
	return srv
}

// portalSend issues the template to a new vendor at core depth and sends it.
func (a *asmEnv) portalSend(t *testing.T, srv *httptest.Server, vendorName, tplID string) *portalFixture {
	t.Helper()
	vendorID, eng := a.engagement(t, vendorName)
	asm := a.issue(t, eng, "template_id", tplID, "depth", "core")
	sent := a.send(t, asm.ID)
	u, err := url.Parse(sent.PortalURL)
	if err != nil || !strings.HasPrefix(u.Path, "/portal/i/vri_") {
		t.Fatalf("portal_url %q", sent.PortalURL)
	}
	return &portalFixture{asmEnv: a, srv: srv, id: asm.ID, vendorID: vendorID, engagement: eng, tplID: tplID, secret: sent.SupplierKey.Secret, invitation: u.Path}
}

// browser is a client without JavaScript: it follows redirects and keeps cookies, like a browser.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
	lang string
}

func newBrowser(t *testing.T, base, lang string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, c: &http.Client{Jar: jar}, lang: lang}
}

type page struct {
	status int
	body   string
	url    *url.URL
	header http.Header
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	if b.lang != "" {
		req.Header.Set("Accept-Language", b.lang)
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return page{status: res.StatusCode, body: string(body), url: res.Request.URL, header: res.Header}
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.base+path, nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

func (b *browser) upload(path string, fields map[string]string, name string, data []byte) page {
	b.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	fw, _ := w.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, b.base+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return b.do(req)
}

var (
	reCSRF    = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	reVersion = regexp.MustCompile(`name="version" value="(\d+)"`)
	reKey     = regexp.MustCompile(`name="k" value="([^"]+)">`) // not the disabled ones of hidden questions
	reSection = regexp.MustCompile(`name="section" value="([^"]*)"`)
	reNext    = regexp.MustCompile(`name="next" value="([^"]*)"`)
	reMissing = regexp.MustCompile(`<li><a href="([^"]+)">([^<]+)</a></li>`)
)

func (p page) find(t *testing.T, re *regexp.Regexp) string {
	t.Helper()
	m := re.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("%s: no %s in the page:\n%.3000s", p.url, re, p.body)
	}
	return html.UnescapeString(m[1])
}

// answerForm fills every question of the page's section: "yes" where offered, else the first option,
// 12 for numbers, a date or a sentence; override wins.
func (p page) answerForm(t *testing.T, override map[string]string) url.Values {
	t.Helper()
	form := url.Values{"csrf": {p.find(t, reCSRF)}, "version": {p.find(t, reVersion)}, "section": {p.find(t, reSection)},
		"next": {p.find(t, reNext)}, "go": {"next"}}
	for _, m := range reKey.FindAllStringSubmatch(p.body, -1) {
		key := m[1]
		form.Add("k", key)
		if v, ok := override[key]; ok {
			form.Set("a."+key, v)
			continue
		}
		opts := regexp.MustCompile(`name="a\.`+regexp.QuoteMeta(key)+`" id="[^"]*" value="([^"]*)"`).FindAllStringSubmatch(p.body, -1)
		switch {
		case len(opts) > 0:
			v := opts[0][1]
			for _, o := range opts {
				if o[1] == "yes" {
					v = "yes"
				}
			}
			form.Set("a."+key, v)
		case strings.Contains(p.body, `name="a.`+key+`" id="q-`+key+`-input" value="" aria-describedby="q-`+key+`-desc" type="date"`):
			form.Set("a."+key, "2025-03-01")
		case strings.Contains(p.body, `<textarea form="answers" name="a.`+key+`"`):
			form.Set("a."+key, "回答します")
		default:
			form.Set("a."+key, "12")
		}
	}
	return form
}

// missingItems are the submit page's missing items: link and text.
func (p page) missingItems() [][2]string {
	i := strings.Index(p.body, `<ul id="missing">`)
	if i < 0 {
		return nil
	}
	end := strings.Index(p.body[i:], "</ul>")
	var out [][2]string
	for _, m := range reMissing.FindAllStringSubmatch(p.body[i:i+end], -1) {
		out = append(out, [2]string{html.UnescapeString(m[1]), html.UnescapeString(m[2])})
	}
	return out
}

// pdf is a small valid PDF.
func pdf() []byte {
	return []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n" +
		"trailer<</Root 1 0 R>>\n%%EOF\n")
}

var _ = api.Config{}
