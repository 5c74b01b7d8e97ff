package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/vendorrisk/vendorrisk/domain/vendor"
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

func contactResponse(c vendor.Contact) ContactResponse {
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
	ct, err := s.vendors.AddContact(c.Request.Context(), c.Param("id"), vendor.Contact{
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
	if err := s.decodeJSON(c, &req); err != nil {
		respondError(c, err)
		return
	}
	version, err := ifMatch(c)
	if err != nil {
		respondError(c, err)
		return
	}
	ct, err := s.vendors.UpdateContact(c.Request.Context(), c.Param("id"), c.Param("contact_id"), vendor.ContactPatch{
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

// CertificationRequest records a certificate or attestation the vendor holds.
type CertificationRequest struct {
	Scheme        string `json:"scheme" validate:"required,oneof=iso_27001 iso_27017 iso_27018 soc2_type2 ismap privacymark csa_star other" example:"iso_27001"`
	SchemeName    string `json:"scheme_name" validate:"max=200" example:""`
	CertificateID string `json:"certificate_id" validate:"max=100" example:"IS 123456"`
	Issuer        string `json:"issuer" validate:"max=200" example:"BSI"`
	Scope         string `json:"scope" validate:"max=4000" example:"IaaS platform operations, Tokyo and Osaka regions"`
	ValidFrom     string `json:"valid_from" format:"date" validate:"required,datetime=2006-01-02" example:"2025-04-01"`
	ValidUntil    string `json:"valid_until" format:"date" validate:"required,datetime=2006-01-02" example:"2028-03-31"`
}

// UpdateCertificationRequest changes the given fields of a certification.
type UpdateCertificationRequest struct {
	Scheme        *string `json:"scheme" validate:"omitnil,oneof=iso_27001 iso_27017 iso_27018 soc2_type2 ismap privacymark csa_star other"`
	SchemeName    *string `json:"scheme_name" validate:"omitnil,max=200"`
	CertificateID *string `json:"certificate_id" validate:"omitnil,max=100"`
	Issuer        *string `json:"issuer" validate:"omitnil,max=200"`
	Scope         *string `json:"scope" validate:"omitnil,max=4000"`
	ValidFrom     *string `json:"valid_from" format:"date" validate:"omitnil,datetime=2006-01-02"`
	ValidUntil    *string `json:"valid_until" format:"date" validate:"omitnil,datetime=2006-01-02"`
}

// CertificationResponse is a certification with its expiry state on the day of the request.
type CertificationResponse struct {
	ID              string    `json:"id" binding:"required"`
	VendorID        string    `json:"vendor_id" binding:"required"`
	Scheme          string    `json:"scheme" binding:"required" enums:"iso_27001,iso_27017,iso_27018,soc2_type2,ismap,privacymark,csa_star,other"`
	SchemeName      string    `json:"scheme_name,omitempty"`
	CertificateID   string    `json:"certificate_id,omitempty"`
	Issuer          string    `json:"issuer,omitempty"`
	Scope           string    `json:"scope,omitempty"`
	ValidFrom       string    `json:"valid_from" binding:"required" format:"date" example:"2025-04-01"`
	ValidUntil      string    `json:"valid_until" binding:"required" format:"date" example:"2028-03-31"`
	Expired         bool      `json:"expired" binding:"required"`
	ExpiringSoon    bool      `json:"expiring_soon" binding:"required"`
	DaysUntilExpiry int       `json:"days_until_expiry" binding:"required" example:"120"`
	Version         int       `json:"version" binding:"required"`
	CreatedAt       time.Time `json:"created_at" binding:"required" format:"date-time"`
	UpdatedAt       time.Time `json:"updated_at" binding:"required" format:"date-time"`
}

// CertificationList lists a vendor's certifications, soonest expiry first.
type CertificationList struct {
	Items []CertificationResponse `json:"items" binding:"required"`
}

const dateLayout = "2006-01-02"

// parseDate reads a date the validator has already checked.
func parseDate(s string) time.Time {
	t, _ := time.Parse(dateLayout, s)
	return t
}

func parseDatePtr(s *string) *time.Time {
	if s == nil {
		return nil
	}
	t := parseDate(*s)
	return &t
}

func (s *Server) certificationResponse(c vendor.Certification) CertificationResponse {
	e := c.ExpiryAt(s.now())
	return CertificationResponse{ID: c.ID, VendorID: c.VendorID, Scheme: string(c.Scheme), SchemeName: c.SchemeName,
		CertificateID: c.CertificateID, Issuer: c.Issuer, Scope: c.Scope,
		ValidFrom: c.ValidFrom.Format(dateLayout), ValidUntil: c.ValidUntil.Format(dateLayout),
		Expired: e.Expired, ExpiringSoon: e.ExpiringSoon, DaysUntilExpiry: e.DaysUntilExpiry,
		Version: c.Version, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

// createCertification godoc
//
//	@Summary		Record a vendor certification
//	@ID		createVendorCertification
//	@Description	Responses flag expired certifications and those expiring within 90 days.
//	@Tags			vendors
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id				path		string					true	"vendor id"
//	@Param			Idempotency-Key	header		string					false	"makes a retry return the first result"
//	@Param			body			body		CertificationRequest	true	"the certification"
//	@Success		201				{object}	CertificationResponse
//	@Router			/api/v1/vendors/{id}/certifications [post]
func (s *Server) createCertification(c *gin.Context) {
	var req CertificationRequest
	if err := s.decodeJSON(c, &req); err != nil {
		respondError(c, err)
		return
	}
	ct, err := s.vendors.AddCertification(c.Request.Context(), c.Param("id"), vendor.Certification{
		Scheme: vendor.Scheme(req.Scheme), SchemeName: req.SchemeName, CertificateID: req.CertificateID,
		Issuer: req.Issuer, Scope: req.Scope, ValidFrom: parseDate(req.ValidFrom), ValidUntil: parseDate(req.ValidUntil),
	})
	if err != nil {
		respondError(c, err)
		return
	}
	setETag(c, ct.Version)
	c.Header("Location", "/api/v1/vendors/"+ct.VendorID+"/certifications/"+ct.ID)
	c.JSON(http.StatusCreated, s.certificationResponse(ct))
}

// listCertifications godoc
//
//	@Summary	List a vendor's certifications
//	@ID	listVendorCertifications
//	@Tags		vendors
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id	path		string	true	"vendor id"
//	@Success	200	{object}	CertificationList
//	@Router		/api/v1/vendors/{id}/certifications [get]
func (s *Server) listCertifications(c *gin.Context) {
	cs, err := s.vendors.ListCertifications(c.Request.Context(), c.Param("id"))
	if err != nil {
		respondError(c, err)
		return
	}
	out := CertificationList{Items: make([]CertificationResponse, len(cs))}
	for i, ct := range cs {
		out.Items[i] = s.certificationResponse(ct)
	}
	c.JSON(http.StatusOK, out)
}

// getCertification godoc
//
//	@Summary	Get a certification
//	@ID	getVendorCertification
//	@Tags		vendors
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id					path		string	true	"vendor id"
//	@Param		certification_id	path		string	true	"certification id"
//	@Success	200					{object}	CertificationResponse
//	@Router		/api/v1/vendors/{id}/certifications/{certification_id} [get]
func (s *Server) getCertification(c *gin.Context) {
	ct, err := s.vendors.GetCertification(c.Request.Context(), c.Param("id"), c.Param("certification_id"))
	if err != nil {
		respondError(c, err)
		return
	}
	setETag(c, ct.Version)
	c.JSON(http.StatusOK, s.certificationResponse(ct))
}

// updateCertification godoc
//
//	@Summary	Update a certification (e.g. after renewal)
//	@ID	updateVendorCertification
//	@Tags		vendors
//	@Accept		json
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id					path		string						true	"vendor id"
//	@Param		certification_id	path		string						true	"certification id"
//	@Param		If-Match			header		string						false	"ETag of the version you read"
//	@Param		body				body		UpdateCertificationRequest	true	"fields to change"
//	@Success	200					{object}	CertificationResponse
//	@Router		/api/v1/vendors/{id}/certifications/{certification_id} [patch]
func (s *Server) updateCertification(c *gin.Context) {
	var req UpdateCertificationRequest
	if err := s.decodeJSON(c, &req); err != nil {
		respondError(c, err)
		return
	}
	version, err := ifMatch(c)
	if err != nil {
		respondError(c, err)
		return
	}
	ct, err := s.vendors.UpdateCertification(c.Request.Context(), c.Param("id"), c.Param("certification_id"), vendor.CertificationPatch{
		Scheme: (*vendor.Scheme)(req.Scheme), SchemeName: req.SchemeName, CertificateID: req.CertificateID,
		Issuer: req.Issuer, Scope: req.Scope, ValidFrom: parseDatePtr(req.ValidFrom), ValidUntil: parseDatePtr(req.ValidUntil),
	}, version)
	if err != nil {
		respondError(c, err)
		return
	}
	setETag(c, ct.Version)
	c.JSON(http.StatusOK, s.certificationResponse(ct))
}

// deleteCertification godoc
//
//	@Summary	Delete a certification
//	@ID	deleteVendorCertification
//	@Tags		vendors
//	@Security	BearerAuth
//	@Param		id					path	string	true	"vendor id"
//	@Param		certification_id	path	string	true	"certification id"
//	@Param		If-Match			header	string	false	"ETag of the version you read"
//	@Success	204
//	@Router		/api/v1/vendors/{id}/certifications/{certification_id} [delete]
func (s *Server) deleteCertification(c *gin.Context) {
	version, err := ifMatch(c)
	if err != nil {
		respondError(c, err)
		return
	}
	if err := s.vendors.DeleteCertification(c.Request.Context(), c.Param("id"), c.Param("certification_id"), version); err != nil {
		respondError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// SubcontractorRequest links a vendor to another vendor it relies on (a fourth party to us).
type SubcontractorRequest struct {
	SubcontractorID string `json:"subcontractor_id" validate:"required" example:"0193a7c2-5b1e-7d3a-9f00-1c2d3e4f5a6b"`
	Service         string `json:"service" validate:"required,max=200" example:"data centre hosting"`
	HandlesOurData  bool   `json:"handles_our_data"`
}

// SubcontractorResponse is one link of the fourth-party graph.
type SubcontractorResponse struct {
	ID                string    `json:"id" binding:"required"`
	VendorID          string    `json:"vendor_id" binding:"required"`
	SubcontractorID   string    `json:"subcontractor_id" binding:"required"`
	SubcontractorName string    `json:"subcontractor_name" binding:"required"`
	Service           string    `json:"service" binding:"required"`
	HandlesOurData    bool      `json:"handles_our_data" binding:"required"`
	CreatedAt         time.Time `json:"created_at" binding:"required" format:"date-time"`
}

// SubcontractorList lists a vendor's subcontractors by name.
type SubcontractorList struct {
	Items []SubcontractorResponse `json:"items" binding:"required"`
}

func subcontractorResponse(sc vendor.Subcontractor) SubcontractorResponse {
	return SubcontractorResponse{ID: sc.ID, VendorID: sc.VendorID, SubcontractorID: sc.SubcontractorID,
		SubcontractorName: sc.SubcontractorName, Service: sc.Service, HandlesOurData: sc.HandlesOurData, CreatedAt: sc.CreatedAt}
}

// createSubcontractor godoc
//
//	@Summary		Link a subcontractor (fourth party)
//	@ID		createVendorSubcontractor
//	@Description	The subcontractor must be a vendor of the register. A link that would close a cycle in the graph is 422; a second link to the same subcontractor is 409.
//	@Tags			vendors
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id				path		string					true	"vendor id"
//	@Param			Idempotency-Key	header		string					false	"makes a retry return the first result"
//	@Param			body			body		SubcontractorRequest	true	"the link"
//	@Success		201				{object}	SubcontractorResponse
//	@Router			/api/v1/vendors/{id}/subcontractors [post]
func (s *Server) createSubcontractor(c *gin.Context) {
	var req SubcontractorRequest
	if err := s.decodeJSON(c, &req); err != nil {
		respondError(c, err)
		return
	}
	sc, err := s.vendors.AddSubcontractor(c.Request.Context(), c.Param("id"), vendor.Subcontractor{
		SubcontractorID: req.SubcontractorID, Service: req.Service, HandlesOurData: req.HandlesOurData,
	})
	if err != nil {
		respondError(c, err)
		return
	}
	c.Header("Location", "/api/v1/vendors/"+sc.VendorID+"/subcontractors")
	c.JSON(http.StatusCreated, subcontractorResponse(sc))
}

// listSubcontractors godoc
//
//	@Summary	List a vendor's subcontractors
//	@ID	listVendorSubcontractors
//	@Tags		vendors
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id	path		string	true	"vendor id"
//	@Success	200	{object}	SubcontractorList
//	@Router		/api/v1/vendors/{id}/subcontractors [get]
func (s *Server) listSubcontractors(c *gin.Context) {
	ls, err := s.vendors.ListSubcontractors(c.Request.Context(), c.Param("id"))
	if err != nil {
		respondError(c, err)
		return
	}
	out := SubcontractorList{Items: make([]SubcontractorResponse, len(ls))}
	for i, sc := range ls {
		out.Items[i] = subcontractorResponse(sc)
	}
	c.JSON(http.StatusOK, out)
}

// deleteSubcontractor godoc
//
//	@Summary	Remove a subcontractor link
//	@ID	deleteVendorSubcontractor
//	@Tags		vendors
//	@Security	BearerAuth
//	@Param		id		path	string	true	"vendor id"
//	@Param		link_id	path	string	true	"subcontractor link id"
//	@Success	204
//	@Router		/api/v1/vendors/{id}/subcontractors/{link_id} [delete]
func (s *Server) deleteSubcontractor(c *gin.Context) {
	if err := s.vendors.RemoveSubcontractor(c.Request.Context(), c.Param("id"), c.Param("link_id")); err != nil {
		respondError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
