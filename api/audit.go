package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/audit"
)

// maxAuditBody is the largest request or response body kept verbatim in an audit event; a larger one
// is kept as its size and SHA-256.
const maxAuditBody = 64 << 10

// redacted are JSON keys whose values never reach the audit trail (secrets are shown once only).
var redacted = map[string]bool{"secret": true, "password": true, "token": true}

// errRolledBack aborts the request's transaction when the handler answered with an error.
var errRolledBack = errors.New("request failed: transaction rolled back")

// bufferedWriter holds the response until the transaction has committed, so a client never sees a
// success for a change that was rolled back.
type bufferedWriter struct {
	gin.ResponseWriter
	status  int
	written bool
	body    bytes.Buffer
}

func (w *bufferedWriter) WriteHeader(code int) {
	if !w.written {
		w.status = code
	}
}

func (w *bufferedWriter) WriteHeaderNow() { w.written = true }

func (w *bufferedWriter) Write(b []byte) (int, error) {
	w.written = true
	return w.body.Write(b)
}

func (w *bufferedWriter) WriteString(s string) (int, error) {
	w.written = true
	return w.body.WriteString(s)
}

func (w *bufferedWriter) Status() int   { return w.status }
func (w *bufferedWriter) Size() int     { return w.body.Len() }
func (w *bufferedWriter) Written() bool { return w.written }

// flush sends the held response.
func (w *bufferedWriter) flush() {
	w.ResponseWriter.WriteHeader(w.status)
	if w.body.Len() > 0 {
		_, _ = w.ResponseWriter.Write(w.body.Bytes())
	} else {
		w.ResponseWriter.WriteHeaderNow()
	}
}

// bodyRecorder keeps the first maxAuditBody bytes of the request body, its size and its hash.
type bodyRecorder struct {
	io.ReadCloser
	keep bool
	head bytes.Buffer
	n    int64
	sum  hash.Hash
}

func (r *bodyRecorder) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p)
	r.n += int64(n)
	r.sum.Write(p[:n])
	if r.keep && r.head.Len() < maxAuditBody+1 {
		r.head.Write(p[:min(n, maxAuditBody+1-r.head.Len())])
	}
	return n, err
}

func isWrite(method string) bool {
	return method != http.MethodGet && method != http.MethodHead && method != http.MethodOptions
}

// readOnlyPosts are POST routes that change nothing (a what-if score): no transaction, no audit event.
var readOnlyPosts = map[string]bool{"/api/v1/assessments/:id/score/simulate": true}

// audited runs every write as: read the whole body first (spoolBody), then one short database
// transaction under the request's database deadline that runs the handler and, when it succeeded,
// appends the audit event before committing. A change and its audit event commit together or not at
// all; the response is held until the commit and sent after it, so neither reading the request nor
// writing the response ever holds a transaction or a pooled connection. Reads get the deadline only.
func (s *Server) audited(c *gin.Context) {
	outer := c.Request.Context()
	if !isWrite(c.Request.Method) || c.FullPath() == "" || readOnlyPosts[c.FullPath()] {
		ctx, cancel := context.WithTimeout(outer, s.dbTimeout(c.FullPath()))
		defer cancel()
		c.Request = c.Request.WithContext(ctx)
		c.Next()
		c.Request = c.Request.WithContext(outer)
		return
	}
	if s.tx == nil || s.audit == nil { // fail closed: no write without its audit event
		respondError(c, errors.New("audit trail not configured"))
		return
	}
	if err := spoolBody(c); err != nil {
		respondError(c, err)
		return
	}
	if body := c.Request.Body; body != nil {
		defer body.Close() // a spooled file: its descriptor goes now, not at garbage collection
	}
	rec := &bodyRecorder{ReadCloser: c.Request.Body, sum: sha256.New(),
		keep: !strings.HasPrefix(c.ContentType(), "multipart/")}
	c.Request.Body = rec
	w := &bufferedWriter{ResponseWriter: c.Writer, status: http.StatusOK}
	c.Writer = w
	defer func() { c.Writer = w.ResponseWriter }() // a panic leaves the held response unsent for recovery
	dbCtx, cancel := context.WithTimeout(outer, s.dbTimeout(c.FullPath()))
	defer cancel()
	// The handler has consumed the request: a transaction aborted by a conflict is not run again here
	// but answered 503 with Retry-After, and the client retries (a create with its Idempotency-Key).
	err := s.tx.InTx(domain.NoRetry(dbCtx), func(ctx context.Context) error {
		c.Request = c.Request.WithContext(ctx)
		c.Next()
		if w.status >= 300 {
			return errRolledBack
		}
		if w.Header().Get("Idempotent-Replayed") == "true" { // a replay changes nothing
			return nil
		}
		_, err := s.audit.Record(ctx, s.auditEntry(c, w, rec))
		return err
	})
	c.Request = c.Request.WithContext(outer)
	if err != nil && !errors.Is(err, errRolledBack) {
		loggerFrom(c).ErrorContext(outer, "commit write", "err", err)
		w.body.Reset()
		w.status = 0
		c.Writer = w.ResponseWriter
		for _, h := range []string{"Location", "ETag", "Content-Type"} {
			c.Writer.Header().Del(h)
		}
		respondError(c, fmt.Errorf("commit %s %s: %w", c.Request.Method, c.FullPath(), err))
		return
	}
	w.flush()
}

// slowRoutes may run longer than one ordinary request: large imports, uploads, the recomputation of
// the whole audit chain, and a policy change (it re-rates every engagement in its transaction).
var slowRoutes = map[string]bool{importRoute: true, templateImportRoute: true, uploadRoute: true,
	"/api/v1/audit-events/verify": true, "/api/v1/risk-policy": true}

// dbTimeout is how long a request may wait for the database in all.
func (s *Server) dbTimeout(route string) time.Duration {
	if slowRoutes[route] {
		return s.cfg.DBTimeout * slowRouteFactor
	}
	return s.cfg.DBTimeout
}

const slowRouteFactor = 6

func (s *Server) auditEntry(c *gin.Context, w *bufferedWriter, rec *bodyRecorder) audit.Entry {
	route := c.FullPath()
	typ, id := auditResource(c, route, w)
	e := audit.Entry{Actor: audit.ActorOf(c.Request.Context()), Action: c.Request.Method + " " + route,
		ResourceType: typ, ResourceID: id, Path: c.Request.URL.Path, Status: w.status, RequestID: requestIDFrom(c)}
	if rec.keep && rec.n <= maxAuditBody {
		e.Input = redact(rec.head.Bytes())
	} else {
		e.Input = bodySummary(c.ContentType(), rec.n, rec.sum)
	}
	if w.body.Len() <= maxAuditBody {
		e.Result = redact(w.body.Bytes())
	} else {
		sum := sha256.New()
		sum.Write(w.body.Bytes())
		e.Result = bodySummary(w.Header().Get("Content-Type"), int64(w.body.Len()), sum)
	}
	return e
}

// auditResource names what a write touched: the resource of the route's last path parameter
// ("/vendors/:id/contacts/:contact_id" → contacts), or for a create (201) the collection it was
// created in, with the id the response returned.
func auditResource(c *gin.Context, route string, w *bufferedWriter) (typ, id string) {
	segs := strings.Split(strings.TrimPrefix(route, "/api/v1/"), "/")
	last := -1
	for i, s := range segs {
		if strings.HasPrefix(s, ":") {
			last = i
		}
	}
	if w.status == http.StatusCreated || last < 1 {
		for i := len(segs) - 1; i >= 0; i-- {
			if !strings.HasPrefix(segs[i], ":") && segs[i] != "import" {
				typ = segs[i]
				break
			}
		}
		var body struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(w.body.Bytes(), &body) == nil && body.ID != "" {
			return typ, body.ID
		}
		if last >= 1 {
			return typ, c.Param(segs[last][1:])
		}
		return typ, ""
	}
	return segs[last-1], c.Param(segs[last][1:])
}

func bodySummary(contentType string, n int64, sum hash.Hash) json.RawMessage {
	b, _ := json.Marshal(map[string]any{"content_type": contentType, "bytes": n, "sha256": hex.EncodeToString(sum.Sum(nil)),
		"note": "body not stored: not JSON or larger than 64 KiB"})
	return b
}

// redact drops secret values from a JSON body; a body that is not JSON is kept as a string.
func redact(b []byte) json.RawMessage {
	if len(bytes.TrimSpace(b)) == 0 {
		return json.RawMessage("null")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return audit.Compact(b)
	}
	out, err := json.Marshal(scrub(v))
	if err != nil {
		return audit.Compact(b)
	}
	return out
}

func scrub(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if redacted[strings.ToLower(k)] {
				t[k] = "[redacted]"
				continue
			}
			t[k] = scrub(x)
		}
	case []any:
		for i, x := range t {
			t[i] = scrub(x)
		}
	}
	return v
}

// AuditEventResponse is one audit event.
type AuditEventResponse struct {
	Seq          int64           `json:"seq" binding:"required" example:"42"`
	ID           string          `json:"id" binding:"required"`
	OccurredAt   time.Time       `json:"occurred_at" binding:"required" format:"date-time"`
	ActorKeyID   string          `json:"actor_key_id" binding:"required"`
	ActorName    string          `json:"actor_name" binding:"required"`
	ActorRole    string          `json:"actor_role" binding:"required" enums:"admin,procurement,risk_owner,auditor,supplier,system"`
	Action       string          `json:"action" binding:"required" example:"PATCH /api/v1/vendors/:id"`
	ResourceType string          `json:"resource_type" binding:"required" example:"vendors"`
	ResourceID   string          `json:"resource_id" binding:"required"`
	Path         string          `json:"path" binding:"required"`
	Status       int             `json:"status" binding:"required" example:"200"`
	RequestID    string          `json:"request_id" binding:"required"`
	Input        json.RawMessage `json:"input" binding:"required" swaggertype:"object"`
	Result       json.RawMessage `json:"result" binding:"required" swaggertype:"object"`
	PrevHash     string          `json:"prev_hash" binding:"required"`
	Hash         string          `json:"hash" binding:"required"`
}

// AuditEventList is one page of audit events, newest first.
type AuditEventList struct {
	Items      []AuditEventResponse `json:"items" binding:"required"`
	NextCursor string               `json:"next_cursor,omitempty"`
}

// AuditBreak says where the chain breaks.
type AuditBreak struct {
	Seq    int64  `json:"seq" binding:"required"`
	ID     string `json:"id,omitempty"`
	Reason string `json:"reason" binding:"required"`
}

// AuditVerification is the outcome of recomputing the chain.
type AuditVerification struct {
	Intact        bool        `json:"intact" binding:"required"`
	EventsChecked int64       `json:"events_checked" binding:"required"`
	HeadSeq       int64       `json:"head_seq" binding:"required"`
	HeadHash      string      `json:"head_hash" binding:"required"`
	FirstBroken   *AuditBreak `json:"first_broken,omitempty"`
	HashVersion   string      `json:"hash_version" binding:"required" example:"audit-v1"`
	VerifiedAt    time.Time   `json:"verified_at" binding:"required" format:"date-time"`
}

func auditEventResponse(e audit.Event) AuditEventResponse {
	return AuditEventResponse{Seq: e.Seq, ID: e.ID, OccurredAt: e.OccurredAt, ActorKeyID: e.Actor.KeyID, ActorName: e.Actor.Name,
		ActorRole: e.Actor.Role, Action: e.Action, ResourceType: e.ResourceType, ResourceID: e.ResourceID, Path: e.Path,
		Status: e.Status, RequestID: e.RequestID, Input: validJSON(e.Input), Result: validJSON(e.Result), PrevHash: e.PrevHash,
		Hash: e.Hash}
}

// validJSON keeps a response valid even if a stored body was tampered into something that is not JSON.
func validJSON(m json.RawMessage) json.RawMessage {
	if json.Valid(m) {
		return m
	}
	b, _ := json.Marshal(string(m))
	return b
}

// listAuditEvents godoc
//
//	@Summary		List audit events
//	@Description	Every committed write, newest first: who (key, name, role), what (method and route, resource, path, status), the request id, the input as sent (secrets redacted; bodies over 64 KiB or not JSON as size and SHA-256) and the resulting state as returned. The state before a change is the result of the previous event for the same resource.
//	@Tags			audit
//	@Produce		json
//	@Security		BearerAuth
//	@Param			resource_type	query		string	false	"e.g. vendors, engagements, decisions"
//	@Param			resource_id		query		string	false	"the resource's id"
//	@Param			actor_key_id	query		string	false	"the acting key's id (system for the background job)"
//	@Param			action			query		string	false	"prefix of the action, e.g. POST /api/v1/decisions"
//	@Param			from			query		string	false	"occurred at or after (RFC 3339)"	format(date-time)
//	@Param			to				query		string	false	"occurred before (RFC 3339)"		format(date-time)
//	@Param			limit			query		int		false	"page size (1-200, default 50)"
//	@Param			cursor			query		string	false	"next_cursor of the previous page"
//	@Success		200				{object}	AuditEventList
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem
//	@Failure		422				{object}	Problem
//	@Router			/api/v1/audit-events [get]
func (s *Server) listAuditEvents(c *gin.Context) {
	limit, err := queryInt(c, "limit")
	if err != nil {
		respondError(c, err)
		return
	}
	f := audit.Filter{ResourceType: c.Query("resource_type"), ResourceID: c.Query("resource_id"),
		ActorKeyID: c.Query("actor_key_id"), Action: c.Query("action"), Limit: limit}
	if f.From, err = queryTime(c, "from"); err != nil {
		respondError(c, err)
		return
	}
	if f.To, err = queryTime(c, "to"); err != nil {
		respondError(c, err)
		return
	}
	page, err := s.audit.List(c.Request.Context(), f, c.Query("cursor"))
	if err != nil {
		respondError(c, err)
		return
	}
	out := AuditEventList{Items: make([]AuditEventResponse, 0, len(page.Items)), NextCursor: page.NextCursor}
	for _, e := range page.Items {
		out.Items = append(out.Items, auditEventResponse(e))
	}
	c.JSON(http.StatusOK, out)
}

// verifyAuditTrail godoc
//
//	@Summary		Verify the audit chain
//	@Description	Recomputes every event's hash from the first one (SHA-256 over the previous hash and the event's canonical content, see docs/audit.md) and reports intact, or the first event where the chain breaks and why.
//	@Tags			audit
//	@Produce		json
//	@Security		BearerAuth
//	@Success		200	{object}	AuditVerification
//	@Failure		401	{object}	Problem
//	@Failure		403	{object}	Problem
//	@Router			/api/v1/audit-events/verify [get]
func (s *Server) verifyAuditTrail(c *gin.Context) {
	v, err := s.audit.Verify(c.Request.Context())
	if err != nil {
		respondError(c, err)
		return
	}
	out := AuditVerification{Intact: v.Intact, EventsChecked: v.Checked, HeadSeq: v.Head.Seq, HeadHash: v.Head.Hash,
		HashVersion: audit.HashVersion, VerifiedAt: v.At}
	if b := v.Break; b != nil {
		out.FirstBroken = &AuditBreak{Seq: b.Seq, ID: b.ID, Reason: b.Reason}
	}
	c.JSON(http.StatusOK, out)
}

// queryTime reads an optional RFC 3339 query parameter.
func queryTime(c *gin.Context, name string) (*time.Time, error) {
	raw := c.Query(name)
	if raw == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, raw)
	if err != nil {
		return nil, domain.Invalid(name, "must be an RFC 3339 date-time such as 2026-11-25T09:00:00Z")
	}
	return &t, nil
}
