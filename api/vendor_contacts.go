package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/vendorrisk/vendorrisk/domain/register"
)

// ContactRequest creates a contact.
type ContactRequest struct {
	Name    string `json:"name" validate:"required,max=200" example:"Hanako Sato"`
	Email   string `json:"email" validate:"omitempty,max=254" example:"security@cloud.example.com"`
	Phone   string `json:"phone" validate:"omitempty,max=40" example:"+81 3-1234-5678"`
	Role    string `json:"role" validate:"max=200" example:"CISO"`
	Primary bool   `json:"primary"`
}

// UpdateContactRequest changes the given fields of a contact.
type UpdateContactRequest struct {
	Name    *string `json:"name" validate:"omitnil,max=200"`
	Email   *string `json:"email" validate:"omitnil,max=254"`
	Phone   *string `json:"phone" validate:"omitnil,max=40"`
	Role    *string `json:"role" validate:"omitnil,max=200"`
	Primary *bool   `json:"primary"`
}

// ContactResponse is a contact.
type ContactResponse struct {
	ID        string    `json:"id" binding:"required"`
	VendorID  string    `json:"vendor_id" binding:"required"`
	Name      string    `json:"name" binding:"required"`
	Email     string    `json:"email,omitempty"`
	Phone     string    `json:"phone,omitempty"`
	Role      string    `json:"role,omitempty"`
	Primary   bool      `json:"primary" binding:"required"`
	Version   int       `json:"version" binding:"required"`
	CreatedAt time.Time `json:"created_at" binding:"required" format:"date-time"`
	UpdatedAt time.Time `json:"updated_at" binding:"required" format:"date-time"`
}

// ContactList lists a vendor's contacts, primary first.
type ContactList struct {
	Items []ContactResponse `json:"items" binding:"required"`
}

func contactResponse(c register.Contact) ContactResponse {
	return ContactResponse{ID: c.ID, VendorID: c.VendorID, Name: c.Name, Email: c.Email, Phone: c.Phone, Role: c.Role,
		Primary: c.Primary, Version: c.Version, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

// createContact godoc
//
//	@Summary		Add a contact to a vendor
//	@ID		createVendorContact
//	@Description	An e-mail address or a phone number is required. A primary contact replaces the previous primary one.
//	@Tags			vendors
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id				path		string			true	"vendor id"
//	@Param			Idempotency-Key	header		string			false	"makes a retry return the first result"
//	@Param			body			body		ContactRequest	true	"the contact"
//	@Success		201				{object}	ContactResponse
//	@Router			/api/v1/vendors/{id}/contacts [post]
func (s *Server) createContact(c *gin.Context) {
	var req ContactRequest
	if err := s.decodeJSON(c, &req); err != nil {
		respondError(c, err)
		return
	}
	ct, err := s.vendors.AddContact(c.Request.Context(), c.Param("id"), register.Contact{
		Name: req.Name, Email: req.Email, Phone: req.Phone, Role: req.Role, Primary: req.Primary,
	})
	if err != nil {
		respondError(c, err)
		return
	}
	setETag(c, ct.Version)
	c.Header("Location", "/api/v1/vendors/"+ct.VendorID+"/contacts/"+ct.ID)
	c.JSON(http.StatusCreated, contactResponse(ct))
}

// listContacts godoc
//
//	@Summary	List a vendor's contacts
//	@ID	listVendorContacts
//	@Tags		vendors
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id	path		string	true	"vendor id"
//	@Success	200	{object}	ContactList
//	@Router		/api/v1/vendors/{id}/contacts [get]
func (s *Server) listContacts(c *gin.Context) {
	cs, err := s.vendors.ListContacts(c.Request.Context(), c.Param("id"))
	if err != nil {
		respondError(c, err)
		return
	}
	out := ContactList{Items: make([]ContactResponse, len(cs))}
	for i, ct := range cs {
		out.Items[i] = contactResponse(ct)
	}
	c.JSON(http.StatusOK, out)
}

// getContact godoc
//
//	@Summary	Get a contact
//	@ID	getVendorContact
//	@Tags		vendors
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id			path		string	true	"vendor id"
//	@Param		contact_id	path		string	true	"contact id"
//	@Success	200			{object}	ContactResponse
//	@Router		/api/v1/vendors/{id}/contacts/{contact_id} [get]
func (s *Server) getContact(c *gin.Context) {
	ct, err := s.vendors.GetContact(c.Request.Context(), c.Param("id"), c.Param("contact_id"))
	if err != nil {
		respondError(c, err)
		return
	}
	setETag(c, ct.Version)
	c.JSON(http.StatusOK, contactResponse(ct))
}

// updateContact godoc
//
//	@Summary	Update a contact
//	@ID	updateVendorContact
//	@Tags		vendors
//	@Accept		json
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id			path		string					true	"vendor id"
//	@Param		contact_id	path		string					true	"contact id"
//	@Param		If-Match	header		string					false	"ETag of the version you read"
//	@Param		body		body		UpdateContactRequest	true	"fields to change"
//	@Success	200			{object}	ContactResponse
//	@Router		/api/v1/vendors/{id}/contacts/{contact_id} [patch]
func (s *Server) updateContact(c *gin.Context) {
	var req UpdateContactRequest
	version, ok := s.decodeWithVersion(c, &req)
	if !ok {
		return
	}
	ct, err := s.vendors.UpdateContact(c.Request.Context(), c.Param("id"), c.Param("contact_id"), register.ContactPatch{
		Name: req.Name, Email: req.Email, Phone: req.Phone, Role: req.Role, Primary: req.Primary,
	}, version)
	if err != nil {
		respondError(c, err)
		return
	}
	setETag(c, ct.Version)
	c.JSON(http.StatusOK, contactResponse(ct))
}

// deleteContact godoc
//
//	@Summary	Delete a contact
//	@ID	deleteVendorContact
//	@Tags		vendors
//	@Security	BearerAuth
//	@Param		id			path	string	true	"vendor id"
//	@Param		contact_id	path	string	true	"contact id"
//	@Param		If-Match	header	string	false	"ETag of the version you read"
//	@Success	204
//	@Router		/api/v1/vendors/{id}/contacts/{contact_id} [delete]
func (s *Server) deleteContact(c *gin.Context) {
	version, err := ifMatch(c)
	if err != nil {
		respondError(c, err)
		return
	}
	if err := s.vendors.DeleteContact(c.Request.Context(), c.Param("id"), c.Param("contact_id"), version); err != nil {
		respondError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
