package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/vendorrisk/vendorrisk/domain/apikey"
	"github.com/vendorrisk/vendorrisk/domain/auth"
)

// CreateAPIKeyRequest creates a credential.
type CreateAPIKeyRequest struct {
	Name      string     `json:"name" validate:"max=200" example:"procurement team"`
	Role      string     `json:"role" validate:"required,oneof=admin procurement risk_owner auditor supplier" example:"procurement"`
	VendorID  string     `json:"vendor_id,omitempty" validate:"omitempty,uuid" example:""`
	ExpiresAt *time.Time `json:"expires_at,omitempty" format:"date-time" example:"2027-03-31T00:00:00Z"`
}

// APIKeyResponse is a credential's metadata; the secret is never returned after creation.
type APIKeyResponse struct {
	ID         string     `json:"id" binding:"required" example:"0193a7c2-5b1e-7d3a-9f00-1c2d3e4f5a6b"`
	Name       string     `json:"name" binding:"required" example:"procurement team"`
	Role       string     `json:"role" binding:"required" enums:"admin,procurement,risk_owner,auditor,supplier" example:"procurement"`
	VendorID   string     `json:"vendor_id,omitempty"`
	Prefix     string     `json:"prefix" binding:"required" example:"vrk_abcd1234"`
	CreatedBy  string     `json:"created_by" binding:"required" example:"cli"`
	CreatedAt  time.Time  `json:"created_at" binding:"required" format:"date-time"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty" format:"date-time"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty" format:"date-time"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty" format:"date-time"`
	Active     bool       `json:"active" binding:"required"`
}

// CreatedAPIKeyResponse carries the secret, shown this once.
type CreatedAPIKeyResponse struct {
	APIKeyResponse
	Secret string `json:"secret" binding:"required" example:"vrk_..."`
}

// APIKeyList is one page of credentials.
type APIKeyList struct {
	Items      []APIKeyResponse `json:"items" binding:"required"`
	NextCursor string           `json:"next_cursor,omitempty"`
}

func (s *Server) apiKeyResponse(k apikey.Key) APIKeyResponse {
	return APIKeyResponse{ID: k.ID, Name: k.Name, Role: string(k.Role), VendorID: k.VendorID, Prefix: k.Prefix,
		CreatedBy: k.CreatedBy, CreatedAt: k.CreatedAt, ExpiresAt: k.ExpiresAt, RevokedAt: k.RevokedAt,
		LastUsedAt: k.LastUsedAt, Active: k.Active(s.now())}
}

// createAPIKey godoc
//
//	@Summary		Create an API key
//	@ID		createApiKey
//	@Description	Admins only. The secret is in this response and never again (so this endpoint takes no Idempotency-Key: a replay would need the stored secret). A supplier key needs vendor_id and sees only that vendor.
//	@Tags			api-keys
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			body	body		CreateAPIKeyRequest	true	"the key"
//	@Success		201				{object}	CreatedAPIKeyResponse
//	@Router			/api/v1/api-keys [post]
func (s *Server) createAPIKey(c *gin.Context) {
	var req CreateAPIKeyRequest
	if err := s.decodeJSON(c, &req); err != nil {
		respondError(c, err)
		return
	}
	p, _ := auth.FromContext(c.Request.Context())
	k, secret, err := s.keys.Create(c.Request.Context(), apikey.NewKey{
		Name: req.Name, Role: auth.Role(req.Role), VendorID: req.VendorID, ExpiresAt: req.ExpiresAt, CreatedBy: p.KeyID,
	})
	if err != nil {
		respondError(c, err)
		return
	}
	c.Header("Location", "/api/v1/api-keys/"+k.ID)
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, CreatedAPIKeyResponse{APIKeyResponse: s.apiKeyResponse(k), Secret: secret})
}

// listAPIKeys godoc
//
//	@Summary	List API keys
//	@ID	listApiKeys
//	@Tags		api-keys
//	@Produce	json
//	@Security	BearerAuth
//	@Param		limit	query		int		false	"page size (1-200, default 50)"
//	@Param		cursor	query		string	false	"next_cursor of the previous page"
//	@Success	200		{object}	APIKeyList
//	@Router		/api/v1/api-keys [get]
func (s *Server) listAPIKeys(c *gin.Context) {
	limit, err := queryInt(c, "limit")
	if err != nil {
		respondError(c, err)
		return
	}
	page, err := s.keys.List(c.Request.Context(), limit, c.Query("cursor"))
	if err != nil {
		respondError(c, err)
		return
	}
	out := APIKeyList{Items: make([]APIKeyResponse, len(page.Items)), NextCursor: page.NextCursor}
	for i, k := range page.Items {
		out.Items[i] = s.apiKeyResponse(k)
	}
	c.JSON(http.StatusOK, out)
}

// getAPIKey godoc
//
//	@Summary	Get an API key's metadata
//	@ID	getApiKey
//	@Tags		api-keys
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id	path		string	true	"API key id"
//	@Success	200	{object}	APIKeyResponse
//	@Router		/api/v1/api-keys/{id} [get]
func (s *Server) getAPIKey(c *gin.Context) {
	k, err := s.keys.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, s.apiKeyResponse(k))
}

// revokeAPIKey godoc
//
//	@Summary		Revoke an API key
//	@ID		revokeApiKey
//	@Description	Takes effect at once. The key's metadata stays for the record.
//	@Tags			api-keys
//	@Security		BearerAuth
//	@Param			id	path	string	true	"API key id"
//	@Success		204
//	@Router			/api/v1/api-keys/{id} [delete]
func (s *Server) revokeAPIKey(c *gin.Context) {
	if _, err := s.keys.Revoke(c.Request.Context(), c.Param("id")); err != nil {
		respondError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
