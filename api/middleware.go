package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/auth"
)

// gin context keys.
const (
	ctxRequestID = "vendorrisk.request_id"
	ctxLogger    = "vendorrisk.logger"
	ctxBaseLog   = "vendorrisk.base_logger"
	ctxPrincipal = "vendorrisk.principal"
	// ctxDryRun marks a write the handler ran as a dry run (dry_run=true): it changed nothing on
	// purpose, so recording no domain event is what it should do.
	ctxDryRun = "vendorrisk.dry_run"
)

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// requestID takes the client's X-Request-ID when well-formed, else makes one, and echoes it. Every
// later log line of the request carries it (loggerFrom builds that logger when a line is first
// written, so a request that logs nothing but its access line pays nothing for it).
func (s *Server) requestID(c *gin.Context) {
	id := c.GetHeader("X-Request-ID")
	if !requestIDPattern.MatchString(id) {
		id = domain.NewID()
	}
	c.Set(ctxRequestID, id)
	c.Set(ctxBaseLog, s.log)
	c.Header("X-Request-ID", id)
	c.Next()
}

func requestIDFrom(c *gin.Context) string { return c.GetString(ctxRequestID) }

// apiHeaders marks every /api/v1 response, success or problem, as not to be cached (answers carry
// tenant data and credentials) and not to be content-sniffed.
func apiHeaders(c *gin.Context) {
	if p := c.Request.URL.Path; p == "/api/v1" || strings.HasPrefix(p, "/api/v1/") {
		h := c.Writer.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
	}
	c.Next()
}

// observe writes one access-log line and the request metrics after the request ends.
func (s *Server) observe(c *gin.Context) {
	start := time.Now()
	c.Next()
	elapsed := time.Since(start)
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	status := c.Writer.Status()
	s.metrics.observe(c.Request.Method, route, status, elapsed)
	// Typed attributes in an array: no boxing, no slice to grow.
	attrs := [10]slog.Attr{
		slog.String("request_id", requestIDFrom(c)), slog.String("method", c.Request.Method),
		slog.String("route", route), slog.String("path", c.Request.URL.Path), slog.Int("status", status),
		slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000), slog.Int("bytes", c.Writer.Size()),
		slog.String("client_ip", c.ClientIP()),
	}
	n := 8
	if p, ok := c.Get(ctxPrincipal); ok {
		attrs[8], attrs[9] = slog.String("key_id", p.(auth.Principal).KeyID), slog.String("role", string(p.(auth.Principal).Role))
		n = 10
	}
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	s.log.LogAttrs(c.Request.Context(), level, "request", attrs[:n]...)
}

// recovery turns a panic into a logged 500 problem instead of a dropped connection.
func (s *Server) recovery(c *gin.Context) {
	defer func() {
		rec := recover()
		if rec == nil {
			return
		}
		if err, ok := rec.(error); ok && errors.Is(err, http.ErrAbortHandler) {
			panic(rec) // the handler asked to abort the connection
		}
		loggerFrom(c).ErrorContext(c.Request.Context(), "panic", "panic", fmt.Sprint(rec), "stack", string(debug.Stack()))
		if !c.Writer.Written() {
			respondError(c, fmt.Errorf("panic: %v", rec))
		}
		c.Abort()
	}()
	c.Next()
}

// limitBody caps every request body; reading past the cap fails with http.MaxBytesError (413).
func (s *Server) limitBody(c *gin.Context) {
	limit := s.cfg.MaxBodyBytes
	switch c.FullPath() {
	case importRoute, templateImportRoute, answersImportRoute, vendorImportRoute, engagementImportRoute:
		limit = s.cfg.MaxImportBytes
	case uploadRoute, portalUploadRoute:
		limit = s.cfg.MaxUploadBytes + 64<<10 // room for the multipart framing around the file
	}
	if c.Request.ContentLength > limit {
		problemStatus(c, http.StatusRequestEntityTooLarge, "too-large", "Request body too large",
			fmt.Sprintf("the body must be at most %d bytes", limit))
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	c.Next()
}

// importRoute takes larger bodies than the rest of the API.
const (
	importRoute         = "/api/v1/frameworks/import"
	templateImportRoute = "/api/v1/questionnaire-templates/import"
	uploadRoute         = "/api/v1/supplier/assessments/:id/evidence"
	answersImportRoute  = "/api/v1/supplier/assessments/:id/answers/import"
	// The register imports take spreadsheets of thousands of rows.
	vendorImportRoute     = "/api/v1/vendors/import"
	engagementImportRoute = "/api/v1/engagements/import"
)

// authenticate resolves the bearer secret into a principal carried by the request context.
func (s *Server) authenticate(c *gin.Context) {
	client := c.ClientIP() // the connection's address unless it is a trusted proxy
	if s.authFailures.exhausted(client) {
		c.Header("Retry-After", strconv.Itoa(s.authFailures.retryAfterSeconds()))
		problemStatus(c, http.StatusTooManyRequests, "rate-limited", "Too many requests",
			"too many failed authentications from this address; retry after the number of seconds in Retry-After")
		return
	}
	scheme, secret, ok := strings.Cut(c.GetHeader("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || secret == "" {
		s.authFailures.allow(client) // spends one of the address's failures
		respondError(c, domain.Errorf(domain.KindUnauthenticated, "send Authorization: Bearer <api key>"))
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.cfg.DBTimeout)
	p, err := s.keys.Authenticate(ctx, strings.TrimSpace(secret))
	cancel()
	if err != nil {
		if domain.KindOf(err) == domain.KindUnauthenticated {
			s.authFailures.allow(client)
		}
		respondError(c, err)
		return
	}
	c.Set(ctxPrincipal, p)
	if l, ok := c.Get(ctxLogger); ok { // built before authentication: add the key now
		c.Set(ctxLogger, l.(*slog.Logger).With("key_id", p.KeyID))
	}
	c.Request = c.Request.WithContext(auth.WithPrincipal(c.Request.Context(), p))
	if c.Request.Context().Value(replayRead{}) != nil { // part of a request that was counted already
		c.Next()
		return
	}
	if !s.limiter.allow(p.KeyID) {
		c.Header("Retry-After", strconv.Itoa(s.limiter.retryAfterSeconds()))
		problemStatus(c, http.StatusTooManyRequests, "rate-limited", "Too many requests",
			"this credential sent too many requests; retry after the number of seconds in Retry-After")
		return
	}
	if !s.inflight.acquire(p.KeyID) {
		c.Header("Retry-After", "1")
		problemStatus(c, http.StatusTooManyRequests, "rate-limited", "Too many requests",
			fmt.Sprintf("this credential has %d requests in progress already; retry when one has finished", s.cfg.MaxInFlightPerKey))
		return
	}
	defer s.inflight.release(p.KeyID)
	c.Next()
}

// requireUnlessSupplier is require for internal roles, while a supplier passes on to the service, which
// checks perm itself: it answers 404 for another vendor's record and 403 for the supplier's own (where
// the refusal reveals nothing), as for a supplier judging its own remediation plan.
func requireUnlessSupplier(perm auth.Permission) gin.HandlerFunc {
	gate := require(perm)
	return func(c *gin.Context) {
		if p, ok := auth.FromContext(c.Request.Context()); ok && p.IsSupplier() {
			c.Next()
			return
		}
		gate(c)
	}
}

// require lets the request through only when the principal's role holds perm (the permission table
// in domain/auth decides).
func require(perm auth.Permission) gin.HandlerFunc {
	return func(c *gin.Context) {
		p, ok := auth.FromContext(c.Request.Context())
		if !ok {
			respondError(c, domain.Errorf(domain.KindUnauthenticated, "no credentials"))
			return
		}
		if !p.Can(perm) {
			if auth.HiddenFrom(p.Role, perm) {
				problemStatus(c, http.StatusNotFound, "not-found", "Not found", "no such resource")
				return
			}
			respondError(c, domain.Errorf(domain.KindForbidden, "the %s role may not do this (needs %s)", p.Role, perm))
			return
		}
		c.Next()
	}
}
