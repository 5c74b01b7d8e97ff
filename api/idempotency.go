package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/event"
	"github.com/vendorrisk/vendorrisk/domain/idempotency"
)

// abandonedAfter is when a reservation whose request never completed (a crash) may be taken over.
// A create whose transaction marks its key (createdAt) is fenced by the reservation's token: taking
// over a request that was only slow rolls that request back, so its retry may take over sooner.
const (
	abandonedAfter       = 2 * time.Minute
	fencedAbandonedAfter = 10 * time.Second
)

// captureWriter keeps a copy of the response body for replay.
type captureWriter struct {
	gin.ResponseWriter
	body bytes.Buffer
}

func (w *captureWriter) Write(b []byte) (int, error) {
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}

func (w *captureWriter) WriteString(s string) (int, error) {
	w.body.WriteString(s)
	return w.ResponseWriter.WriteString(s)
}

// idempotent makes a create endpoint safe to retry: with an Idempotency-Key, the first successful
// response is stored per credential and replayed for a retry with the same body; the same key with
// another body is 422; a retry while the first request still runs is 409.
func (s *Server) idempotent(c *gin.Context) {
	key := c.GetHeader("Idempotency-Key")
	if key == "" {
		c.Next()
		return
	}
	if len(key) > 255 || !requestIDPattern.MatchString(key[:min(len(key), 128)]) {
		respondError(c, domain.Invalid("Idempotency-Key", "must be 1-255 characters of letters, digits, . _ : -"))
		return
	}
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		respondError(c, decodeError(err))
		return
	}
	c.Request.Body = io.NopCloser(bytes.NewReader(body))
	p, _ := auth.FromContext(c.Request.Context())
	sum := sha256.Sum256(append([]byte(c.Request.Method+" "+c.Request.URL.Path+"\n"), body...))
	rec := idempotency.Record{KeyID: p.KeyID, Key: key, RequestHash: hex.EncodeToString(sum[:]), CreatedAt: s.now(),
		Token: domain.NewID()}
	at, fenced := createdAt[c.FullPath()]

	ctx := c.Request.Context()
	reserved, err := s.reserve(ctx, rec, fenced)
	if err != nil {
		respondError(c, err)
		return
	}
	if !reserved {
		s.replay(c, rec)
		return
	}
	if fenced {
		c.Request = c.Request.WithContext(idempotency.WithClaim(ctx,
			&idempotency.Claim{Reservation: rec, Type: at.subject, Locate: at.locate}))
	}
	w := &captureWriter{ResponseWriter: c.Writer}
	c.Writer = w
	c.Next()
	// The outcome is stored even if the client has gone: that is when it will retry.
	bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.DBTimeout)
	defer cancel()
	if st := w.Status(); st >= 200 && st < 300 {
		rec.Status, rec.Location, rec.ETag, rec.Body = st, w.Header().Get("Location"), w.Header().Get("ETag"), w.body.Bytes()
		err = s.idem.Complete(bg, rec)
	} else {
		err = s.idem.Release(bg, rec) // failures may be retried with the same key
	}
	if err != nil {
		loggerFrom(c).ErrorContext(ctx, "store idempotency outcome", "err", err)
	}
}

// reserve claims the key, taking over a reservation abandoned by a crashed request.
func (s *Server) reserve(ctx context.Context, rec idempotency.Record, fenced bool) (bool, error) {
	ok, err := s.idem.Reserve(ctx, rec)
	if err != nil || ok {
		return ok, err
	}
	prev, err := s.idem.Get(ctx, rec.KeyID, rec.Key)
	if errors.Is(err, domain.ErrNotFound) { // released in between
		return s.idem.Reserve(ctx, rec)
	}
	if err != nil {
		return false, err
	}
	// A reservation whose change committed is never taken over: the retry replays the resource.
	abandoned := abandonedAfter
	if fenced {
		abandoned = fencedAbandonedAfter
	}
	if prev.Status == 0 && prev.Location == "" && prev.RequestHash == rec.RequestHash &&
		rec.CreatedAt.Sub(prev.CreatedAt) > abandoned {
		if err := s.idem.Release(ctx, prev); err != nil {
			return false, err
		}
		return s.idem.Reserve(ctx, rec)
	}
	return false, nil
}

func (s *Server) replay(c *gin.Context, rec idempotency.Record) {
	prev, err := s.idem.Get(c.Request.Context(), rec.KeyID, rec.Key)
	switch {
	case errors.Is(err, domain.ErrNotFound):
		problemStatus(c, http.StatusConflict, "idempotency-in-progress", "Request in progress",
			"a request with this Idempotency-Key just finished without a result; retry")
	case err != nil:
		respondError(c, err)
	case prev.RequestHash != rec.RequestHash:
		respondError(c, domain.Invalid("Idempotency-Key", "was already used with a different request; use a new key"))
	case prev.Status == 0 && prev.Location != "":
		s.replayCommitted(c, prev)
	case prev.Status == 0:
		c.Header("Retry-After", "1")
		problemStatus(c, http.StatusConflict, "idempotency-in-progress", "Request in progress",
			"a request with this Idempotency-Key is still being processed; retry shortly")
	default:
		if prev.Location != "" {
			c.Header("Location", prev.Location)
		}
		if prev.ETag != "" {
			c.Header("ETag", prev.ETag)
		}
		c.Header("Idempotent-Replayed", "true")
		c.Data(prev.Status, "application/json; charset=utf-8", prev.Body)
		c.Abort()
	}
}

// created says, for a create route that takes an Idempotency-Key, which event subject it creates and
// where that resource is read: the path its handler answers in Location.
type created struct {
	subject string
	locate  func(event.Subject) string
}

// createdAt lists the idempotent create routes whose change marks its key in the use case's
// transaction. Linking a subcontractor is not here: it has no resource of its own to read back, and a
// second link of the same pair is refused as a duplicate (409) rather than created twice.
var createdAt = map[string]created{
	"/api/v1/vendors":                       {"vendor", at("/api/v1/vendors/")},
	"/api/v1/vendors/:id/contacts":          {"contact", vendorPart("contacts")},
	"/api/v1/vendors/:id/certifications":    {"certification", vendorPart("certifications")},
	"/api/v1/engagements":                   {"engagement", at("/api/v1/engagements/")},
	"/api/v1/engagements/:id/contracts":     {"contract", at("/api/v1/contracts/")},
	"/api/v1/questionnaire-templates":       {"questionnaire_template", at("/api/v1/questionnaire-templates/")},
	"/api/v1/assessments":                   {"assessment", at("/api/v1/assessments/")},
	"/api/v1/decisions":                     {"decision", at("/api/v1/decisions/")},
	"/api/v1/findings/:id/risk-acceptances": {"risk_acceptance", at("/api/v1/risk-acceptances/")},
}

func at(prefix string) func(event.Subject) string {
	return func(s event.Subject) string { return prefix + s.ID }
}

func vendorPart(part string) func(event.Subject) string {
	return func(s event.Subject) string { return "/api/v1/vendors/" + s.VendorID + "/" + part + "/" + s.ID }
}

// replayCommitted answers a retry whose first request committed but died before its response was
// stored: the resource is read back through the router, as the same credential, and answered as the
// creation it was. What the resource looks like now may differ from the first response if it was
// changed since; it is the same resource, never a second one.
func (s *Server) replayCommitted(c *gin.Context, prev idempotency.Record) {
	ctx := context.WithValue(c.Request.Context(), replayRead{}, true)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, prev.Location, nil)
	if err != nil {
		respondError(c, fmt.Errorf("replay %s: %w", prev.Location, err))
		return
	}
	for _, h := range []string{"Authorization", "Accept-Language", "X-Request-ID"} {
		if v := c.GetHeader(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	req.RemoteAddr = c.Request.RemoteAddr
	w := &bufferedResponse{header: http.Header{}}
	s.router.ServeHTTP(w, req)
	status := w.status
	if status == http.StatusOK {
		status = http.StatusCreated
		c.Header("Location", prev.Location)
	}
	for _, h := range []string{"ETag", "Content-Type", "Content-Language"} {
		if v := w.header.Get(h); v != "" {
			c.Header(h, v)
		}
	}
	c.Header("Idempotent-Replayed", "true")
	c.Status(status)
	_, _ = c.Writer.Write(w.body.Bytes())
	c.Abort()
}

// replayRead marks the context of replayCommitted's read: it is part of the client's request, which
// took its rate-limit token and in-flight slot already.
type replayRead struct{}

// bufferedResponse keeps an internal request's response.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *bufferedResponse) Header() http.Header { return w.header }
func (w *bufferedResponse) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}
func (w *bufferedResponse) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}
