package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/vendorrisk/vendorrisk/api/i18n"
	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/auth"
)

// localized is the request's language for a response that puts texts into it; the response says so
// in Content-Language (and Vary: Accept-Language, since it depends on it).
func localized(c *gin.Context) i18n.Lang {
	lang := requestLang(c)
	c.Header("Content-Language", string(lang))
	c.Header("Vary", "Accept-Language")
	return lang
}

// requestLang is the language the request asks for (Accept-Language; English by default).
func requestLang(c *gin.Context) i18n.Lang { return i18n.Negotiate(c.GetHeader("Accept-Language")) }

// problemBase prefixes every problem type; each type is documented at that anchor of docs/problems.md.
const problemBase = "https://github.com/vendorrisk/vendorrisk/blob/main/docs/problems.md#"

// Problem is an RFC 9457 problem detail.
type Problem struct {
	Type      string         `json:"type" binding:"required" example:"https://github.com/vendorrisk/vendorrisk/blob/main/docs/problems.md#validation"`
	Title     string         `json:"title" binding:"required" example:"Validation failed"`
	Status    int            `json:"status" binding:"required" example:"422"`
	Detail    string         `json:"detail,omitempty" example:"the request has invalid fields"`
	Instance  string         `json:"instance,omitempty" example:"/api/v1/vendors"`
	RequestID string         `json:"request_id,omitempty" example:"0193a7c2-5b1e-7d3a-9f00-1c2d3e4f5a6b"`
	Errors    []FieldProblem `json:"errors,omitempty"`

	// detail and fields are Detail and Errors as the domain said them (key and arguments), for
	// writeProblem to put into the request's language; a zero detail is looked up by Detail.
	detail domain.Text
	fields []domain.FieldError
}

// FieldProblem names the JSON field that was wrong.
type FieldProblem struct {
	Field   string `json:"field" binding:"required" example:"contacts[1].email"`
	Message string `json:"message" binding:"required" example:"must be a plain e-mail address"`
}

// httpError is an error decided at the edge (malformed JSON, wrong content type, body too large).
type httpError struct {
	status int
	slug   string
	title  string
	detail string
	fields []domain.FieldError
}

func (e *httpError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.slug, e.detail) }

func badRequest(detail string, fields ...domain.FieldError) error {
	return &httpError{status: http.StatusBadRequest, slug: "malformed-request", title: "Malformed request", detail: detail, fields: fields}
}

// kinds maps each domain error kind to its status, problem slug and title: the one place for it.
var kinds = map[domain.Kind]struct {
	status      int
	slug, title string
}{
	domain.KindInvalid:            {http.StatusUnprocessableEntity, "validation", "Validation failed"},
	domain.KindNotFound:           {http.StatusNotFound, "not-found", "Not found"},
	domain.KindConflict:           {http.StatusConflict, "conflict", "Conflict with the current state"},
	domain.KindPreconditionFailed: {http.StatusPreconditionFailed, "precondition-failed", "Precondition failed"},
	domain.KindForbidden:          {http.StatusForbidden, "forbidden", "Forbidden"},
	domain.KindUnauthenticated:    {http.StatusUnauthorized, "unauthenticated", "Unauthenticated"},
	domain.KindUnavailable:        {http.StatusServiceUnavailable, "unavailable", "Service unavailable"},
	domain.KindInternal:           {http.StatusInternalServerError, "internal", "Internal error"},
}

// retryAfterUnavailable is the Retry-After of a 503: long enough for a failover or a restarted
// database, short enough that clients do not give up.
const retryAfterUnavailable = "2"

// respondError writes err as problem+json. Internal errors are logged with the request id and
// answered with a generic message, never with their text.
func respondError(c *gin.Context, err error) {
	p := toProblem(err)
	switch {
	case errors.Is(err, context.Canceled):
		loggerFrom(c).InfoContext(c.Request.Context(), "request cancelled", "err", err)
	case p.Status >= 500:
		loggerFrom(c).ErrorContext(c.Request.Context(), "request failed", "err", err)
	}
	writeProblem(c, p)
}

func toProblem(err error) Problem {
	var he *httpError
	if errors.As(err, &he) {
		return Problem{Type: problemBase + he.slug, Title: he.title, Status: he.status, Detail: he.detail, Errors: fieldProblems(he.fields),
			fields: he.fields}
	}
	kind := domain.KindOf(err)
	if kind == domain.KindUnavailable || errors.Is(err, context.DeadlineExceeded) {
		k := kinds[domain.KindUnavailable]
		return Problem{Type: problemBase + k.slug, Title: k.title, Status: k.status,
			Detail: "the database did not answer in time; retry after the number of seconds in Retry-After"}
	}
	var de *domain.Error
	if errors.As(err, &de) && de.Kind == kind && kind != domain.KindInternal {
		k := kinds[de.Kind]
		return Problem{Type: problemBase + k.slug, Title: k.title, Status: k.status, Detail: de.Message, Errors: fieldProblems(de.Fields),
			detail: de.Text(), fields: de.Fields}
	}
	if kind == domain.KindPreconditionFailed { // a stale version caught by the repository's update
		k := kinds[kind]
		return Problem{Type: problemBase + k.slug, Title: k.title, Status: k.status,
			Detail: "the record changed while this request was processed; read it again and retry with its ETag"}
	}
	k := kinds[domain.KindInternal]
	return Problem{Type: problemBase + k.slug, Title: k.title, Status: k.status,
		Detail: "internal error; quote the request id when reporting it"}
}

func fieldProblems(fs []domain.FieldError) []FieldProblem {
	if len(fs) == 0 {
		return nil
	}
	out := make([]FieldProblem, len(fs))
	for i, f := range fs {
		out[i] = FieldProblem{Field: f.Field, Message: f.Message}
	}
	return out
}

// localize puts the problem's title, detail and field messages into lang (the catalog's keys are their
// English wording).
func (p *Problem) localize(lang i18n.Lang) {
	p.Title = lang.T(p.Title)
	if p.detail.Format == "" {
		p.detail = domain.Textf(p.Detail)
	}
	p.Detail = lang.Text(p.detail)
	for i := range p.Errors {
		if i < len(p.fields) {
			p.Errors[i].Message = lang.Text(p.fields[i].Text())
		} else {
			p.Errors[i].Message = lang.T(p.Errors[i].Message)
		}
	}
}

func writeProblem(c *gin.Context, p Problem) {
	lang := requestLang(c)
	if lang != i18n.EN {
		p.localize(lang)
	}
	c.Header("Content-Language", string(lang))
	p.Instance = c.Request.URL.Path
	p.RequestID = requestIDFrom(c)
	switch p.Status {
	case http.StatusUnauthorized:
		c.Header("WWW-Authenticate", `Bearer realm="vendorrisk"`)
	case http.StatusServiceUnavailable:
		c.Header("Retry-After", retryAfterUnavailable)
	}
	c.Header("Content-Type", "application/problem+json")
	c.Header("Cache-Control", "no-store")
	c.AbortWithStatusJSON(p.Status, p)
}

func problemStatus(c *gin.Context, status int, slug, title, detail string) {
	writeProblem(c, Problem{Type: problemBase + slug, Title: title, Status: status, Detail: detail})
}

func loggerFrom(c *gin.Context) *slog.Logger {
	if l, ok := c.Get(ctxLogger); ok {
		return l.(*slog.Logger)
	}
	base, ok := c.Get(ctxBaseLog)
	if !ok {
		return slog.Default()
	}
	l := base.(*slog.Logger).With("request_id", requestIDFrom(c))
	if p, ok := c.Get(ctxPrincipal); ok {
		l = l.With("key_id", p.(auth.Principal).KeyID)
	}
	c.Set(ctxLogger, l)
	return l
}
