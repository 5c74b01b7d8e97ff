package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/audit"
	"github.com/vendorrisk/vendorrisk/domain/event"
)

func isWrite(method string) bool {
	return method != http.MethodGet && method != http.MethodHead && method != http.MethodOptions
}

// readOnlyPosts are POST routes that change nothing (a what-if score): they record nothing.
var readOnlyPosts = map[string]bool{"/api/v1/assessments/:id/score/simulate": true,
	"/api/v1/audit-events/checkpoints/verify": true}

// audited bounds every request's wait for the database by its deadline, and prepares writes: the
// whole body is read first (spoolBody), so that a client sending slowly holds no lock and no pooled
// connection; then the handler calls its use case, which opens its own short transaction and records
// its domain events in it (the audit trail is written from them, see domain/event). The middleware
// holds no transaction: the response is written after the use case committed, so a client reading
// slowly holds nothing either. A successful write whose use case recorded no event is logged (it
// changed nothing, or forgot its event: the role matrix test makes the latter a failure), unless the
// handler ran it as a dry run (ctxDryRun).
func (s *Server) audited(c *gin.Context) {
	outer, route := c.Request.Context(), c.FullPath()
	if exportRoutes[route] { // reads only, each page under its own deadline (streamExport)
		c.Next()
		return
	}
	ctx, cancel := context.WithTimeout(outer, s.dbTimeout(route))
	defer cancel()
	defer func() { c.Request = c.Request.WithContext(outer) }()
	if !isWrite(c.Request.Method) || route == "" || readOnlyPosts[route] {
		c.Request = c.Request.WithContext(ctx)
		c.Next()
		return
	}
	if err := spoolBody(c); err != nil {
		respondError(c, err)
		return
	}
	if body := c.Request.Body; body != nil {
		defer body.Close() // a spooled file: its descriptor goes now, not at garbage collection
	}
	tally := &event.Tally{}
	c.Request = c.Request.WithContext(event.WithTally(event.WithRequest(ctx, requestIDFrom(c), c.Request.URL.Path), tally))
	c.Next()
	if st := c.Writer.Status(); st < 300 && tally.N() == 0 && c.Writer.Header().Get("Idempotent-Replayed") != "true" &&
		!c.GetBool(ctxDryRun) {
		loggerFrom(c).WarnContext(outer, "a successful write recorded no domain event", "method", c.Request.Method, "route", route)
	}
}

// slowRoutes may run longer than one ordinary request: large imports, uploads, the recomputation of
// the whole audit chain, and a policy change (it re-rates every engagement in its transaction).
var slowRoutes = map[string]bool{importRoute: true, templateImportRoute: true, uploadRoute: true, answersImportRoute: true,
	vendorImportRoute: true, engagementImportRoute: true,
	"/api/v1/audit-events/verify": true, "/api/v1/risk-policy": true}

// dbTimeout is how long a request may wait for the database in all.
func (s *Server) dbTimeout(route string) time.Duration {
	if slowRoutes[route] {
		return s.cfg.DBTimeout * slowRouteFactor
	}
	return s.cfg.DBTimeout
}

const slowRouteFactor = 6

// AuditEventResponse is one audit event.
type AuditEventResponse struct {
	Seq          int64           `json:"seq" binding:"required" example:"42"`
	ID           string          `json:"id" binding:"required"`
	OccurredAt   time.Time       `json:"occurred_at" binding:"required" format:"date-time"`
	ActorKeyID   string          `json:"actor_key_id" binding:"required"`
	ActorName    string          `json:"actor_name" binding:"required"`
	ActorRole    string          `json:"actor_role" binding:"required" enums:"admin,procurement,risk_owner,auditor,supplier,system,operator"`
	Action       string          `json:"action" binding:"required" example:"vendor.updated"`
	ResourceType string          `json:"resource_type" binding:"required" example:"vendor"`
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
	// CheckpointsChecked is how many signed checkpoints were checked against the chain.
	CheckpointsChecked int `json:"checkpoints_checked" binding:"required"`
	// LastCheckpointSeq is the newest checkpoint that holds (0: none).
	LastCheckpointSeq int64 `json:"last_checkpoint_seq" binding:"required"`
	// UnsignedEvents are the events after the last checkpoint: the hashes alone vouch for them.
	UnsignedEvents int64 `json:"unsigned_events" binding:"required"`
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
//	@ID		listAuditEvents
//	@Description	Every domain event, newest first: who (key, name, role), what (the event type as action, e.g. vendor.updated; its subject as resource), the request path and id, the changed fields before and after (input) and the subject's state after the change (result). See docs/audit.md and docs/events.md.
//	@Tags			audit
//	@Produce		json
//	@Security		BearerAuth
//	@Param			resource_type	query		string	false	"the subject type, e.g. vendor, engagement, decision"
//	@Param			resource_id		query		string	false	"the resource's id"
//	@Param			actor_key_id	query		string	false	"the acting key's id (system for the background job)"
//	@Param			action			query		string	false	"prefix of the event type, e.g. decision. or vendor.updated"
//	@Param			from			query		string	false	"occurred at or after (RFC 3339)"	format(date-time)
//	@Param			to				query		string	false	"occurred before (RFC 3339)"		format(date-time)
//	@Param			limit			query		int		false	"page size (1-200, default 50)"
//	@Param			cursor			query		string	false	"next_cursor of the previous page"
//	@Success		200				{object}	AuditEventList
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
//	@ID		verifyAuditTrail
//	@Description	Recomputes every event's hash from the first one (SHA-256 over the previous hash and the event's canonical content, see docs/audit.md) and reports intact, or the first event where the chain breaks and why.
//	@Tags			audit
//	@Produce		json
//	@Security		BearerAuth
//	@Success		200	{object}	AuditVerification
//	@Router			/api/v1/audit-events/verify [get]
func (s *Server) verifyAuditTrail(c *gin.Context) {
	v, err := s.audit.Verify(c.Request.Context())
	if err != nil {
		respondError(c, err)
		return
	}
	out := AuditVerification{Intact: v.Intact, EventsChecked: v.Checked, HeadSeq: v.Head.Seq, HeadHash: v.Head.Hash,
		HashVersion: audit.HashVersion, VerifiedAt: v.At, UnsignedEvents: v.Head.Seq}
	if b := v.Break; b != nil {
		out.FirstBroken = &AuditBreak{Seq: b.Seq, ID: b.ID, Reason: b.Reason}
	}
	if s.checkpoints != nil {
		cps, err := s.checkpoints.CheckAll(c.Request.Context())
		if err != nil {
			respondError(c, err)
			return
		}
		out.CheckpointsChecked = cps.Checked
		if cps.Last != nil {
			out.LastCheckpointSeq, out.UnsignedEvents = cps.Last.Seq, max(v.Head.Seq-cps.Last.Seq, 0)
		}
		if b := cps.Break; b != nil && out.FirstBroken == nil {
			out.Intact, out.FirstBroken = false, &AuditBreak{Seq: b.Seq, Reason: b.Reason}
		}
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

// CheckpointDTO is a signed checkpoint of the audit chain.
type CheckpointDTO struct {
	Seq       int64     `json:"seq" binding:"required" example:"42"`
	Hash      string    `json:"hash" binding:"required"`
	SignedAt  time.Time `json:"signed_at" binding:"required" format:"date-time"`
	KeyID     string    `json:"key_id" binding:"required"`
	PublicKey string    `json:"public_key" binding:"required"` // base64 Ed25519 public key
	Signature string    `json:"signature" binding:"required"`  // base64 Ed25519 signature of the message below
	Version   string    `json:"version" binding:"required" example:"audit-checkpoint-v1"`
}

// CheckpointList lists the checkpoints, oldest first, with the key that signs them.
type CheckpointList struct {
	Items     []CheckpointDTO `json:"items" binding:"required"`
	KeyID     string          `json:"key_id" binding:"required"`
	PublicKey string          `json:"public_key" binding:"required"`
}

// CheckpointVerification says whether a checkpoint (one kept outside) holds against the chain now.
type CheckpointVerification struct {
	Holds          bool   `json:"holds" binding:"required"`
	SignatureValid bool   `json:"signature_valid" binding:"required"`
	TrustedKey     bool   `json:"trusted_key" binding:"required"`
	InChain        bool   `json:"in_chain" binding:"required"`
	Problem        string `json:"problem,omitempty"`
}

func checkpointDTO(c audit.Checkpoint) CheckpointDTO {
	return CheckpointDTO{Seq: c.Seq, Hash: c.Hash, SignedAt: c.SignedAt, KeyID: c.KeyID, Version: audit.CheckpointVersion,
		PublicKey: base64.StdEncoding.EncodeToString(c.PublicKey), Signature: base64.StdEncoding.EncodeToString(c.Signature)}
}

// errNoSigningKey answers checkpoint requests when no signing key is configured.
var errNoSigningKey = domain.Errorf(domain.KindNotFound, "no audit signing key is configured: checkpoints are off")

// listCheckpoints godoc
//
//	@Summary		List signed audit checkpoints
//	@ID		listAuditCheckpoints
//	@Description	The chain's head as signed, oldest first, with the Ed25519 key that signs them. Keep copies outside vendorrisk: a checkpoint verifies only if the chain still holds its event with the signed hash, so a truncated or rewritten chain fails against it (POST .../checkpoints/verify). The signed message is "audit-checkpoint-v1\n{seq}\n{hash}\n{signed_at as 2006-01-02T15:04:05.000000Z}".
//	@Tags			audit
//	@Produce		json
//	@Security		BearerAuth
//	@Success		200	{object}	CheckpointList
//	@Router			/api/v1/audit-events/checkpoints [get]
func (s *Server) listCheckpoints(c *gin.Context) {
	if s.checkpoints == nil {
		respondError(c, errNoSigningKey)
		return
	}
	cps, err := s.checkpoints.List(c.Request.Context())
	if err != nil {
		respondError(c, err)
		return
	}
	pub := s.checkpoints.PublicKey()
	out := CheckpointList{Items: make([]CheckpointDTO, 0, len(cps)), KeyID: audit.KeyID(pub),
		PublicKey: base64.StdEncoding.EncodeToString(pub)}
	for _, cp := range cps {
		out.Items = append(out.Items, checkpointDTO(cp))
	}
	c.JSON(http.StatusOK, out)
}

// verifyCheckpoint godoc
//
//	@Summary		Check a kept checkpoint against the chain
//	@ID		verifyAuditCheckpoint
//	@Description	Checks a checkpoint as GET .../checkpoints returned it (kept outside vendorrisk): the signature, that this installation's key made it, and that the chain still has its event with the signed hash. Changes nothing.
//	@Tags			audit
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			body	body		CheckpointDTO	true	"the checkpoint"
//	@Success		200		{object}	CheckpointVerification
//	@Router			/api/v1/audit-events/checkpoints/verify [post]
func (s *Server) verifyCheckpoint(c *gin.Context) {
	if s.checkpoints == nil {
		respondError(c, errNoSigningKey)
		return
	}
	var req CheckpointDTO
	if err := s.decodeJSON(c, &req); err != nil {
		respondError(c, err)
		return
	}
	var v domain.Validator
	pub, errPub := base64.StdEncoding.DecodeString(req.PublicKey)
	sig, errSig := base64.StdEncoding.DecodeString(req.Signature)
	v.Check(errPub == nil, "public_key", "must be base64")
	v.Check(errSig == nil, "signature", "must be base64")
	v.Check(req.Seq >= 1, "seq", "must be at least 1")
	v.Checkf(req.Version == audit.CheckpointVersion, "version", "must be %s", audit.CheckpointVersion)
	if err := v.Err(); err != nil {
		respondError(c, err)
		return
	}
	r, err := s.checkpoints.Check(c.Request.Context(), audit.Checkpoint{Seq: req.Seq, Hash: req.Hash, SignedAt: req.SignedAt,
		KeyID: req.KeyID, PublicKey: pub, Signature: sig})
	if err != nil {
		respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, CheckpointVerification{Holds: r.OK(), SignatureValid: r.SignatureValid, TrustedKey: r.TrustedKey,
		InChain: r.InChain, Problem: r.Problem})
}
