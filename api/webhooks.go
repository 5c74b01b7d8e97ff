package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/vendorrisk/vendorrisk/domain/event"
	"github.com/vendorrisk/vendorrisk/domain/webhook"
)

// CreateWebhookEndpointRequest subscribes an endpoint.
type CreateWebhookEndpointRequest struct {
	URL         string   `json:"url" validate:"required,max=2000" example:"https://hooks.example.com/vendorrisk"`
	Description string   `json:"description" validate:"max=500" example:"ticket system"`
	EventTypes  []string `json:"event_types" validate:"required,min=1,max=100" example:"assessment.*,vendor.created"`
	Enabled     *bool    `json:"enabled" example:"true"`
	// VendorID scopes the endpoint to one supplier's system: it receives only that vendor's events a
	// supplier may see (its vendor, contacts, certifications, assessments, findings and remediation
	// items; no escalations), without internal fields. Fixed at creation.
	VendorID string `json:"vendor_id" validate:"omitempty,max=36" example:"0190c2a4-6f1e-7c3a-9b2d-3f5e8a1c2b4d"`
}

// UpdateWebhookEndpointRequest changes an endpoint; absent fields stay.
type UpdateWebhookEndpointRequest struct {
	URL         *string   `json:"url" validate:"omitnil,max=2000"`
	Description *string   `json:"description" validate:"omitnil,max=500"`
	EventTypes  *[]string `json:"event_types" validate:"omitnil,min=1,max=100"`
	Enabled     *bool     `json:"enabled"`
}

// RotateWebhookSecretRequest rotates the signing secret.
type RotateWebhookSecretRequest struct {
	// GraceSeconds is how long the old secret still signs next to the new one (default 86400; 0 keeps
	// the default; -1 ends it at once).
	GraceSeconds int `json:"grace_seconds" validate:"min=-1,max=604800" example:"86400"`
}

// WebhookEndpointResponse is an endpoint; the secret is shown only on creation and rotation.
type WebhookEndpointResponse struct {
	ID                  string     `json:"id" binding:"required"`
	URL                 string     `json:"url" binding:"required" example:"https://hooks.example.com/vendorrisk"`
	Description         string     `json:"description" binding:"required"`
	EventTypes          []string   `json:"event_types" binding:"required" example:"assessment.*"`
	VendorID            string     `json:"vendor_id,omitempty"`
	Enabled             bool       `json:"enabled" binding:"required"`
	DisabledReason      string     `json:"disabled_reason,omitempty" example:"the receiver answered 410 Gone"`
	ConsecutiveFailures int        `json:"consecutive_failures" binding:"required"`
	PreviousSecretUntil *time.Time `json:"previous_secret_expires_at,omitempty" format:"date-time"`
	Version             int        `json:"version" binding:"required"`
	CreatedAt           time.Time  `json:"created_at" binding:"required" format:"date-time"`
	UpdatedAt           time.Time  `json:"updated_at" binding:"required" format:"date-time"`
}

// WebhookEndpointWithSecret carries the signing secret, shown this once.
type WebhookEndpointWithSecret struct {
	WebhookEndpointResponse
	Secret string `json:"secret" binding:"required" example:"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"`
}

// WebhookEndpointList is one page of endpoints.
type WebhookEndpointList struct {
	Items      []WebhookEndpointResponse `json:"items" binding:"required"`
	NextCursor string                    `json:"next_cursor,omitempty"`
}

// WebhookAttemptResponse is one try to deliver.
type WebhookAttemptResponse struct {
	Number      int       `json:"number" binding:"required" example:"1"`
	AttemptedAt time.Time `json:"attempted_at" binding:"required" format:"date-time"`
	StatusCode  int       `json:"status_code" binding:"required" example:"500"`
	DurationMS  int64     `json:"duration_ms" binding:"required" example:"42"`
	Succeeded   bool      `json:"succeeded" binding:"required"`
	Error       string    `json:"error,omitempty" example:"the receiver answered 500"`
	Response    string    `json:"response,omitempty"`
}

// WebhookDeliveryResponse is one message to one endpoint, with its attempts.
type WebhookDeliveryResponse struct {
	ID             string                   `json:"id" binding:"required"`
	MessageID      string                   `json:"message_id" binding:"required"`
	EventType      string                   `json:"event_type" binding:"required" example:"vendor.updated"`
	Status         string                   `json:"status" binding:"required" enums:"pending,succeeded,failed"`
	Attempts       int                      `json:"attempts" binding:"required"`
	NextAttemptAt  *time.Time               `json:"next_attempt_at,omitempty" format:"date-time"`
	LastStatusCode int                      `json:"last_status_code" binding:"required"`
	LastError      string                   `json:"last_error,omitempty"`
	CreatedAt      time.Time                `json:"created_at" binding:"required" format:"date-time"`
	UpdatedAt      time.Time                `json:"updated_at" binding:"required" format:"date-time"`
	History        []WebhookAttemptResponse `json:"history" binding:"required"`
}

// WebhookDeliveryList is one page of deliveries, newest first.
type WebhookDeliveryList struct {
	Items      []WebhookDeliveryResponse `json:"items" binding:"required"`
	NextCursor string                    `json:"next_cursor,omitempty"`
}

// WebhookTestResponse names the queued test message.
type WebhookTestResponse struct {
	MessageID string `json:"message_id" binding:"required"`
	EventType string `json:"event_type" binding:"required" example:"webhook.ping"`
}

// EventTypeResponse is one published event type.
type EventTypeResponse struct {
	Type        string `json:"type" binding:"required" example:"vendor.updated"`
	Subject     string `json:"subject" binding:"required" example:"vendor"`
	Description string `json:"description" binding:"required"`
	// Schema is the JSON Schema of the body a webhook receives for this type.
	Schema map[string]any `json:"schema" binding:"required" swaggertype:"object"`
}

// EventTypeList is the catalog of published events.
type EventTypeList struct {
	Items []EventTypeResponse `json:"items" binding:"required"`
}

func webhookEndpointResponse(e webhook.Endpoint) WebhookEndpointResponse {
	types := e.EventTypes
	if types == nil {
		types = []string{}
	}
	return WebhookEndpointResponse{ID: e.ID, URL: e.URL, Description: e.Description, EventTypes: types, VendorID: e.VendorID, Enabled: e.Enabled,
		DisabledReason: e.DisabledReason, ConsecutiveFailures: e.ConsecutiveFailures, PreviousSecretUntil: e.PreviousSecretUntil,
		Version: e.Version, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
}

func webhookDeliveryResponse(d webhook.Delivery) WebhookDeliveryResponse {
	out := WebhookDeliveryResponse{ID: d.ID, MessageID: d.MessageID, EventType: d.EventType, Status: string(d.Status), Attempts: d.Attempts,
		NextAttemptAt: d.NextAttemptAt, LastStatusCode: d.LastStatusCode, LastError: d.LastError, CreatedAt: d.CreatedAt,
		UpdatedAt: d.UpdatedAt, History: make([]WebhookAttemptResponse, len(d.History))}
	for i, a := range d.History {
		out.History[i] = WebhookAttemptResponse{Number: a.Number, AttemptedAt: a.AttemptedAt, StatusCode: a.StatusCode,
			DurationMS: a.DurationMS, Succeeded: a.Succeeded, Error: a.Error, Response: a.Response}
	}
	return out
}

// createWebhookEndpoint godoc
//
//	@Summary		Subscribe a webhook endpoint
//	@ID		createWebhookEndpoint
//	@Description	Admins only. The endpoint receives the events recorded from now on whose type matches one of event_types (an exact type, a prefix such as assessment.*, or *), signed per Standard Webhooks (docs/events.md). The signing secret is in this response and never again. The URL must be https (VENDORRISK_WEBHOOK_ALLOW_HTTP permits http) and may not name a private, loopback or link-local address (VENDORRISK_WEBHOOK_ALLOW_PRIVATE permits it); names are checked again when delivering.
//	@Tags			webhooks
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			body	body		CreateWebhookEndpointRequest	true	"the endpoint"
//	@Success		201		{object}	WebhookEndpointWithSecret
//	@Router			/api/v1/webhook-endpoints [post]
func (s *Server) createWebhookEndpoint(c *gin.Context) {
	var req CreateWebhookEndpointRequest
	if err := s.decodeJSON(c, &req); err != nil {
		respondError(c, err)
		return
	}
	e, err := s.webhooks.Create(c.Request.Context(), webhook.NewEndpoint{URL: req.URL, Description: req.Description,
		EventTypes: req.EventTypes, Enabled: req.Enabled, VendorID: req.VendorID})
	if err != nil {
		respondError(c, err)
		return
	}
	c.Header("Location", "/api/v1/webhook-endpoints/"+e.ID)
	c.Header("Cache-Control", "no-store")
	setETag(c, e.Version)
	c.JSON(http.StatusCreated, WebhookEndpointWithSecret{WebhookEndpointResponse: webhookEndpointResponse(e), Secret: e.Secret})
}

// listWebhookEndpoints godoc
//
//	@Summary	List webhook endpoints
//	@ID		listWebhookEndpoints
//	@Tags		webhooks
//	@Produce	json
//	@Security	BearerAuth
//	@Param		limit	query		int		false	"page size (1-200, default 50)"
//	@Param		cursor	query		string	false	"next_cursor of the previous page"
//	@Success	200		{object}	WebhookEndpointList
//	@Router		/api/v1/webhook-endpoints [get]
func (s *Server) listWebhookEndpoints(c *gin.Context) {
	limit, err := queryInt(c, "limit")
	if err != nil {
		respondError(c, err)
		return
	}
	page, err := s.webhooks.List(c.Request.Context(), limit, c.Query("cursor"))
	if err != nil {
		respondError(c, err)
		return
	}
	out := WebhookEndpointList{Items: make([]WebhookEndpointResponse, len(page.Items)), NextCursor: page.NextCursor}
	for i, e := range page.Items {
		out.Items[i] = webhookEndpointResponse(e)
	}
	c.JSON(http.StatusOK, out)
}

// getWebhookEndpoint godoc
//
//	@Summary	Get a webhook endpoint
//	@ID		getWebhookEndpoint
//	@Tags		webhooks
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id	path		string	true	"endpoint id"
//	@Success	200	{object}	WebhookEndpointResponse
//	@Router		/api/v1/webhook-endpoints/{id} [get]
func (s *Server) getWebhookEndpoint(c *gin.Context) {
	e, err := s.webhooks.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		respondError(c, err)
		return
	}
	setETag(c, e.Version)
	c.JSON(http.StatusOK, webhookEndpointResponse(e))
}

// updateWebhookEndpoint godoc
//
//	@Summary		Change a webhook endpoint
//	@ID		updateWebhookEndpoint
//	@Description	Absent fields stay. Enabling a disabled endpoint clears its failure count; its pending deliveries are tried again at once, in order (events recorded while it was disabled included).
//	@Tags			webhooks
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id			path		string							true	"endpoint id"
//	@Param			If-Match	header		string							false	"ETag of the version you read"
//	@Param			body		body		UpdateWebhookEndpointRequest	true	"the changes"
//	@Success		200			{object}	WebhookEndpointResponse
//	@Router			/api/v1/webhook-endpoints/{id} [patch]
func (s *Server) updateWebhookEndpoint(c *gin.Context) {
	var req UpdateWebhookEndpointRequest
	version, ok := s.decodeWithVersion(c, &req)
	if !ok {
		return
	}
	e, err := s.webhooks.Update(c.Request.Context(), c.Param("id"), webhook.Patch{URL: req.URL, Description: req.Description,
		EventTypes: req.EventTypes, Enabled: req.Enabled}, version)
	if err != nil {
		respondError(c, err)
		return
	}
	setETag(c, e.Version)
	c.JSON(http.StatusOK, webhookEndpointResponse(e))
}

// deleteWebhookEndpoint godoc
//
//	@Summary		Remove a webhook endpoint
//	@ID		deleteWebhookEndpoint
//	@Description	Its pending deliveries are dropped with it, and its delivery history.
//	@Tags			webhooks
//	@Security		BearerAuth
//	@Param			id			path	string	true	"endpoint id"
//	@Param			If-Match	header	string	false	"ETag of the version you read"
//	@Success		204
//	@Router			/api/v1/webhook-endpoints/{id} [delete]
func (s *Server) deleteWebhookEndpoint(c *gin.Context) {
	version, err := ifMatch(c)
	if err != nil {
		respondError(c, err)
		return
	}
	if err := s.webhooks.Delete(c.Request.Context(), c.Param("id"), version); err != nil {
		respondError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// rotateWebhookSecret godoc
//
//	@Summary		Rotate an endpoint's signing secret
//	@ID		rotateWebhookSecret
//	@Description	The new secret is in this response and never again. During the grace period (default one day) every message carries two signatures, by the old and the new secret, so receivers can switch without losing a message.
//	@Tags			webhooks
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id			path		string						true	"endpoint id"
//	@Param			If-Match	header		string						false	"ETag of the version you read"
//	@Param			body		body		RotateWebhookSecretRequest	false	"the grace period"
//	@Success		200			{object}	WebhookEndpointWithSecret
//	@Router			/api/v1/webhook-endpoints/{id}/rotate-secret [post]
func (s *Server) rotateWebhookSecret(c *gin.Context) {
	var req RotateWebhookSecretRequest
	if c.Request.ContentLength != 0 && c.GetHeader("Content-Type") != "" {
		if err := s.decodeJSON(c, &req); err != nil {
			respondError(c, err)
			return
		}
	}
	version, err := ifMatch(c)
	if err != nil {
		respondError(c, err)
		return
	}
	e, err := s.webhooks.RotateSecret(c.Request.Context(), c.Param("id"), time.Duration(req.GraceSeconds)*time.Second, version)
	if err != nil {
		respondError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	setETag(c, e.Version)
	c.JSON(http.StatusOK, WebhookEndpointWithSecret{WebhookEndpointResponse: webhookEndpointResponse(e), Secret: e.Secret})
}

// testWebhookEndpoint godoc
//
//	@Summary		Send a test message
//	@ID		testWebhookEndpoint
//	@Description	Queues a webhook.ping message to this endpoint alone, whatever its event types, delivered (and listed among its deliveries) like any other.
//	@Tags			webhooks
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id	path		string	true	"endpoint id"
//	@Success		202	{object}	WebhookTestResponse
//	@Router			/api/v1/webhook-endpoints/{id}/test [post]
func (s *Server) testWebhookEndpoint(c *gin.Context) {
	m, err := s.webhooks.Test(c.Request.Context(), c.Param("id"))
	if err != nil {
		respondError(c, err)
		return
	}
	c.JSON(http.StatusAccepted, WebhookTestResponse{MessageID: m.ID, EventType: m.Type})
}

// listWebhookDeliveries godoc
//
//	@Summary		List an endpoint's deliveries
//	@ID		listWebhookDeliveries
//	@Description	Newest first, each with its attempts (status code, duration, error) and, while pending, the next attempt's time.
//	@Tags			webhooks
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id		path		string	true	"endpoint id"
//	@Param			limit	query		int		false	"page size (1-200, default 50)"
//	@Param			cursor	query		string	false	"next_cursor of the previous page"
//	@Success		200		{object}	WebhookDeliveryList
//	@Router			/api/v1/webhook-endpoints/{id}/deliveries [get]
func (s *Server) listWebhookDeliveries(c *gin.Context) {
	limit, err := queryInt(c, "limit")
	if err != nil {
		respondError(c, err)
		return
	}
	page, err := s.webhooks.Deliveries(c.Request.Context(), c.Param("id"), limit, c.Query("cursor"))
	if err != nil {
		respondError(c, err)
		return
	}
	out := WebhookDeliveryList{Items: make([]WebhookDeliveryResponse, len(page.Items)), NextCursor: page.NextCursor}
	for i, d := range page.Items {
		out.Items[i] = webhookDeliveryResponse(d)
	}
	c.JSON(http.StatusOK, out)
}

// redeliverWebhook godoc
//
//	@Summary		Deliver a message again
//	@ID		redeliverWebhook
//	@Description	Queues the delivery for an attempt at once, with a fresh retry window, whatever its status; it keeps its message id (webhook-id), so receivers can recognise a repeat. It goes before the endpoint's later messages.
//	@Tags			webhooks
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id			path		string	true	"endpoint id"
//	@Param			delivery_id	path		string	true	"delivery id"
//	@Success		202			{object}	WebhookDeliveryResponse
//	@Router			/api/v1/webhook-endpoints/{id}/deliveries/{delivery_id}/redeliver [post]
func (s *Server) redeliverWebhook(c *gin.Context) {
	d, err := s.webhooks.Redeliver(c.Request.Context(), c.Param("id"), c.Param("delivery_id"))
	if err != nil {
		respondError(c, err)
		return
	}
	d.History = []webhook.Attempt{}
	c.JSON(http.StatusAccepted, webhookDeliveryResponse(d))
}

// listEventTypes godoc
//
//	@Summary		List the published event types
//	@ID		listEventTypes
//	@Description	What webhook endpoints subscribe to, each with the JSON Schema of the body delivered (docs/events.md describes them). data is described where it is a snapshot of the subject; otherwise as an object.
//	@Tags			webhooks
//	@Produce		json
//	@Security		BearerAuth
//	@Success		200	{object}	EventTypeList
//	@Router			/api/v1/event-types [get]
func (s *Server) listEventTypes(c *gin.Context) {
	out := EventTypeList{Items: make([]EventTypeResponse, len(event.Catalog))}
	for i, t := range event.Catalog {
		out.Items[i] = EventTypeResponse{Type: t.Type, Subject: t.Subject, Description: t.Description, Schema: eventSchema(t)}
	}
	c.JSON(http.StatusOK, out)
}
