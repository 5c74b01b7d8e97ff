package api

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/vendorrisk/vendorrisk/api/portal"
	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	portalsvc "github.com/vendorrisk/vendorrisk/domain/portal"
)

// The supplier portal: server-rendered pages beside the JSON API, for suppliers with a browser only.
// Every page works without JavaScript (forms post and redirect). A session acts as the supplier key it
// was opened with; its writes run through the same audited unit of work as the API's writes and call
// the same domain services.

const (
	portalCookie       = "vr_portal"
	portalCookieSecure = "__Host-vr_portal" // __Host-: Secure, Path=/, no Domain; only over HTTPS
	portalCSRFCookie   = "vr_portal_csrf"   // the sign-in form's double-submit token (no session yet)
	portalCSRFSecure   = "__Host-vr_portal_csrf"
	portalLangCookie   = "vr_lang"
	ctxPortalSession   = "vendorrisk.portal.session"
	portalUploadRoute  = "/portal/assessments/:id/evidence"
)

// portalCSP allows only the portal's own stylesheet and script: no inline script or style, no
// framing, forms post only here.
const portalCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func init() {
	slowRoutes[portalUploadRoute] = true // an upload gets the uploads' longer database deadline
}

// pages holds the parsed templates.
type pages = portal.Pages

func (s *Server) portalRoutes(e *gin.Engine) {
	var err error
	if s.pages, err = portal.Parse(); err != nil {
		panic(err) // the templates are embedded: a parse error is a build mistake caught by every test
	}
	e.GET("/", func(c *gin.Context) { c.Redirect(http.StatusSeeOther, "/portal/") })
	p := e.Group("/portal", portalHeaders)
	static := http.FS(portal.Static())
	p.GET("/static/:file", func(c *gin.Context) { // the files only: no directory listing
		c.Header("Cache-Control", "public, max-age=3600")
		c.FileFromFS(c.Param("file"), static)
	})
	p.GET("/", func(c *gin.Context) { c.Redirect(http.StatusSeeOther, "/portal/assessments") })
	p.GET("/sign-in", s.portalSignInPage)
	p.POST("/sign-in", s.portalSignIn)
	p.GET("/i/:token", s.portalRedeem)
	p.GET("/lang/:lang", s.portalLang)

	in := p.Group("", s.portalSession)
	in.POST("/sign-out", s.portalCSRF, s.portalSignOut)
	// Reads get the database deadline, writes one transaction with their audit event (audited); the
	// CSRF check runs after the body is spooled, so a refused form changes nothing.
	w := in.Group("", s.audited, s.portalCSRF)
	w.GET("/assessments", s.portalList)
	w.GET("/assessments/:id", s.portalQuestionnaire)
	w.POST("/assessments/:id/answers", s.portalSaveAnswers)
	w.POST("/assessments/:id/evidence", s.portalUpload)
	w.GET("/assessments/:id/submit", s.portalSubmitPage)
	w.POST("/assessments/:id/submit", s.portalSubmit)
	w.GET("/evidence/:id", s.portalEvidence)
	w.GET("/findings", s.portalFindings)
	w.POST("/findings/:id/response", s.portalRespond)
}

// portalHeaders sets every portal response's security headers.
func portalHeaders(c *gin.Context) {
	setPortalHeaders(c)
	c.Next()
}

func setPortalHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", portalCSP)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if !strings.HasPrefix(c.Request.URL.Path, "/portal/static/") {
		h.Set("Cache-Control", "no-store")
	}
}

// portalSecure reports whether cookies get Secure (and the __Host- names): the request came over TLS,
// the configured public URL is HTTPS, or a trusted proxy says the client used HTTPS.
func (s *Server) portalSecure(c *gin.Context) bool {
	if c.Request.TLS != nil || strings.HasPrefix(s.cfg.PublicURL, "https://") {
		return true
	}
	if c.GetHeader("X-Forwarded-Proto") != "https" {
		return false
	}
	host, _, err := net.SplitHostPort(c.Request.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	for _, cidr := range s.cfg.TrustedProxies {
		if _, n, err := net.ParseCIDR(cidr); err == nil && ip != nil && n.Contains(ip) {
			return true
		} else if err != nil && net.ParseIP(cidr) != nil && net.ParseIP(cidr).Equal(ip) {
			return true
		}
	}
	return false
}

func (s *Server) setCookie(c *gin.Context, plain, secure, value string, maxAge int) {
	name := plain
	if s.portalSecure(c) {
		name = secure
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: s.portalSecure(c), SameSite: http.SameSiteLaxMode})
}

func (s *Server) cookie(c *gin.Context, plain, secure string) string {
	name := plain
	if s.portalSecure(c) {
		name = secure
	}
	v, _ := c.Cookie(name)
	return v
}

// portalLoc is the language: the switch's cookie, else Accept-Language.
func portalLoc(c *gin.Context) portal.Loc {
	c.Header("Vary", "Accept-Language, Cookie")
	if v, err := c.Cookie(portalLangCookie); err == nil && (v == "ja" || v == "en") {
		return portal.Lang(v)
	}
	if preferJA(c.GetHeader("Accept-Language")) {
		return portal.Lang("ja")
	}
	return portal.Lang("en")
}

// pageError is one entry of an error summary, linking to its field.
type pageError struct {
	Href string
	Text string
}

// pageView is what every page gets.
type pageView struct {
	L        portal.Loc
	Title    string
	Path     string
	CSRF     string
	SignedIn bool
	Flash    string
	Errors   []pageError
	Data     any
}

func (s *Server) view(c *gin.Context, title string, data any) pageView {
	v := pageView{L: portalLoc(c), Title: title, Data: data}
	u := *c.Request.URL
	q := u.Query()
	q.Del("m")
	u.RawQuery = q.Encode()
	v.Path = u.RequestURI()
	if sess, ok := portalSessionOf(c); ok {
		v.SignedIn, v.CSRF = true, sess.CSRF
	}
	if m := c.Query("m"); m != "" && flashes[m] != "" {
		v.Flash = v.L.T(flashes[m])
	}
	return v
}

// flashes are the messages a redirect may ask for (?m=...).
var flashes = map[string]string{"saved": "saved", "nochange": "nochange", "uploaded": "evidence.uploaded",
	"submitted": "submitted", "sent": "findings.sent", "out": "signedout", "ended": "signin.ended"}

func (s *Server) render(c *gin.Context, status int, page string, v pageView) {
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Status(status)
	if err := s.pages.Render(c.Writer, page, v); err != nil {
		loggerFrom(c).ErrorContext(c.Request.Context(), "render portal page", "page", page, "err", err)
	}
}

type messageData struct{ Heading, Body, Link, LinkText string }

func (s *Server) portalMessage(c *gin.Context, status int, heading, body string) {
	v := s.view(c, heading, nil)
	v.Data = messageData{Heading: heading, Body: body, Link: "/portal/assessments", LinkText: v.L.T("back")}
	s.render(c, status, "message", v)
	c.Abort()
}

// portalFail answers a failed call as a page: 404 for what the supplier may not see (whether or not it
// exists), the sign-in page for an ended session, and "something went wrong" with the request id.
func (s *Server) portalFail(c *gin.Context, err error) {
	l := portalLoc(c)
	switch domain.KindOf(err) {
	case domain.KindNotFound:
		s.portalMessage(c, http.StatusNotFound, l.T("notfound"), l.T("notfound.body"))
	case domain.KindUnauthenticated:
		c.Redirect(http.StatusSeeOther, "/portal/sign-in?m=ended")
		c.Abort()
	case domain.KindConflict, domain.KindInvalid, domain.KindPreconditionFailed, domain.KindForbidden:
		var de *domain.Error
		msg := err.Error()
		if errors.As(err, &de) {
			msg = de.Message
		}
		s.portalMessage(c, kindStatus(domain.KindOf(err)), l.T("failed"), msg)
	default:
		loggerFrom(c).ErrorContext(c.Request.Context(), "portal request failed", "err", err)
		status := http.StatusInternalServerError
		if errors.Is(err, domain.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) {
			status = http.StatusServiceUnavailable
		}
		s.portalMessage(c, status, l.T("failed"), l.T("failed.body", requestIDFrom(c)))
	}
}

func kindStatus(k domain.Kind) int {
	switch k {
	case domain.KindConflict:
		return http.StatusConflict
	case domain.KindInvalid:
		return http.StatusUnprocessableEntity
	case domain.KindPreconditionFailed:
		return http.StatusConflict
	case domain.KindForbidden:
		return http.StatusForbidden
	}
	return http.StatusInternalServerError
}

func portalSessionOf(c *gin.Context) (portalsvc.Session, bool) {
	v, ok := c.Get(ctxPortalSession)
	if !ok {
		return portalsvc.Session{}, false
	}
	return v.(portalsvc.Session), true
}

// portalSession resolves the session cookie into the supplier principal it acts as. Without a live
// session a page asks to sign in; the principal's rate limit applies as for its API key.
func (s *Server) portalSession(c *gin.Context) {
	secret := s.cookie(c, portalCookie, portalCookieSecure)
	if secret == "" {
		c.Redirect(http.StatusSeeOther, "/portal/sign-in")
		c.Abort()
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.cfg.DBTimeout)
	sess, err := s.portal.Resolve(ctx, secret)
	cancel()
	if err != nil {
		if domain.KindOf(err) == domain.KindUnauthenticated {
			s.setCookie(c, portalCookie, portalCookieSecure, "", -1)
		}
		s.portalFail(c, err)
		return
	}
	c.Set(ctxPortalSession, sess)
	c.Set(ctxPrincipal, sess.Principal)
	c.Set(ctxLogger, loggerFrom(c).With("key_id", sess.Principal.KeyID, "portal_session", sess.ID))
	c.Request = c.Request.WithContext(auth.WithPrincipal(c.Request.Context(), sess.Principal))
	if !s.limiter.allow(sess.Principal.KeyID) {
		c.Header("Retry-After", "1")
		s.portalMessage(c, http.StatusTooManyRequests, portalLoc(c).T("failed"), portalLoc(c).T("failed.body", requestIDFrom(c)))
		return
	}
	c.Next()
}

// portalCSRF refuses a state-changing form without the session's token (and any cross-site post).
func (s *Server) portalCSRF(c *gin.Context) {
	if !isWrite(c.Request.Method) {
		c.Next()
		return
	}
	sess, _ := portalSessionOf(c)
	if strings.HasPrefix(c.ContentType(), "multipart/") {
		_ = c.Request.ParseMultipartForm(1 << 20) // past 1 MiB the file goes to a temporary file
	}
	if c.GetHeader("Sec-Fetch-Site") == "cross-site" || !sess.CSRFValid(c.PostForm("csrf")) {
		l := portalLoc(c)
		s.portalMessage(c, http.StatusForbidden, l.T("forbidden"), l.T("forbidden.body"))
		return
	}
	c.Next()
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return hex.EncodeToString(b)
}

func (s *Server) portalSignInPage(c *gin.Context) {
	s.signInForm(c, http.StatusOK, "")
}

func (s *Server) signInForm(c *gin.Context, status int, problem string) {
	token := s.cookie(c, portalCSRFCookie, portalCSRFSecure)
	if token == "" {
		token = randomToken()
		s.setCookie(c, portalCSRFCookie, portalCSRFSecure, token, 3600)
	}
	v := s.view(c, portalLoc(c).T("signin.title"), nil)
	v.CSRF, v.SignedIn = token, false
	if problem != "" {
		v.Errors = []pageError{{Href: "#api_key", Text: problem}}
	}
	s.render(c, status, "signin", v)
}

// portalSignIn opens a session with a supplier API key: a double-submit CSRF token guards the form,
// failures count against the address like the API's failed authentications.
func (s *Server) portalSignIn(c *gin.Context) {
	l := portalLoc(c)
	client := c.ClientIP()
	if s.authFailures.exhausted(client) {
		s.portalMessage(c, http.StatusTooManyRequests, l.T("failed"), l.T("signin.failed"))
		return
	}
	token := s.cookie(c, portalCSRFCookie, portalCSRFSecure)
	if token == "" || subtle.ConstantTimeCompare([]byte(token), []byte(c.PostForm("csrf"))) != 1 ||
		c.GetHeader("Sec-Fetch-Site") == "cross-site" {
		s.portalMessage(c, http.StatusForbidden, l.T("forbidden"), l.T("forbidden.body"))
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.cfg.DBTimeout)
	sess, secret, err := s.portal.SignIn(ctx, c.PostForm("api_key"))
	cancel()
	switch {
	case err == nil:
	case domain.KindOf(err) == domain.KindUnauthenticated:
		s.authFailures.allow(client)
		s.signInForm(c, http.StatusUnauthorized, l.T("signin.failed"))
		return
	case domain.KindOf(err) == domain.KindForbidden:
		s.signInForm(c, http.StatusForbidden, l.T("signin.supplieronly"))
		return
	default:
		s.portalFail(c, err)
		return
	}
	s.startSession(c, sess, secret)
	c.Redirect(http.StatusSeeOther, "/portal/assessments")
}

func (s *Server) startSession(c *gin.Context, sess portalsvc.Session, secret string) {
	s.setCookie(c, portalCSRFCookie, portalCSRFSecure, "", -1)
	s.setCookie(c, portalCookie, portalCookieSecure, secret, int(sess.ExpiresAt.Sub(s.now()).Seconds()))
}

// portalRedeem exchanges the invitation in the link for a session once, then redirects to the
// assessment at a URL without the token.
func (s *Server) portalRedeem(c *gin.Context) {
	client := c.ClientIP()
	l := portalLoc(c)
	if s.authFailures.exhausted(client) {
		s.portalMessage(c, http.StatusTooManyRequests, l.T("failed"), l.T("signin.failed"))
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.cfg.DBTimeout)
	sess, secret, err := s.portal.Redeem(ctx, c.Param("token"))
	cancel()
	if err != nil {
		if domain.KindOf(err) == domain.KindUnauthenticated {
			s.authFailures.allow(client)
			c.Redirect(http.StatusSeeOther, "/portal/sign-in?m=ended")
			return
		}
		s.portalFail(c, err)
		return
	}
	s.startSession(c, sess, secret)
	c.Redirect(http.StatusSeeOther, "/portal/assessments/"+url.PathEscape(sess.AssessmentID))
}

func (s *Server) portalSignOut(c *gin.Context) {
	sess, _ := portalSessionOf(c)
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.cfg.DBTimeout)
	err := s.portal.End(ctx, sess.ID)
	cancel()
	if err != nil {
		s.portalFail(c, err)
		return
	}
	s.setCookie(c, portalCookie, portalCookieSecure, "", -1)
	c.Redirect(http.StatusSeeOther, "/portal/sign-in?m=out")
}

// portalLang switches the language (a cookie) and goes back to a portal page.
func (s *Server) portalLang(c *gin.Context) {
	lang := c.Param("lang")
	if lang != "ja" && lang != "en" {
		s.portalMessage(c, http.StatusNotFound, portalLoc(c).T("notfound"), portalLoc(c).T("notfound.body"))
		return
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: portalLangCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: s.portalSecure(c), SameSite: http.SameSiteLaxMode})
	back := c.Query("back")
	if !strings.HasPrefix(back, "/portal/") || strings.HasPrefix(back, "//") || strings.Contains(back, "\\") {
		back = "/portal/"
	}
	c.Redirect(http.StatusSeeOther, back)
}
