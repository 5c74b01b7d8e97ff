package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/vendorrisk/vendorrisk/domain/register"
)

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

func (s *Server) certificationResponse(c register.Certification) CertificationResponse {
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
	ct, err := s.vendors.AddCertification(c.Request.Context(), c.Param("id"), register.Certification{
		Scheme: register.Scheme(req.Scheme), SchemeName: req.SchemeName, CertificateID: req.CertificateID,
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
	version, ok := s.decodeWithVersion(c, &req)
	if !ok {
		return
	}
	ct, err := s.vendors.UpdateCertification(c.Request.Context(), c.Param("id"), c.Param("certification_id"), register.CertificationPatch{
		Scheme: (*register.Scheme)(req.Scheme), SchemeName: req.SchemeName, CertificateID: req.CertificateID,
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
