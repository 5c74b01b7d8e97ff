package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/register"
)

// RegistrationIDDTO is an identifier in another registry (e.g. duns, lei, vat).
type RegistrationIDDTO struct {
	Scheme string `json:"scheme" validate:"required,max=32" example:"duns"`
	Value  string `json:"value" validate:"required,max=64" example:"123456789"`
}

// CreateVendorRequest registers a vendor.
type CreateVendorRequest struct {
	Kind            string              `json:"kind" validate:"required,oneof=contractor cloud_provider other" example:"cloud_provider"`
	Name            string              `json:"name" validate:"required,max=200" example:"Example Cloud"`
	LegalName       string              `json:"legal_name" validate:"max=200" example:"Example Cloud K.K."`
	CorporateNumber string              `json:"corporate_number" validate:"omitempty,len=13,numeric" pattern:"^([0-9]{13})?$" example:"7000012050002"`
	ExternalRef     string              `json:"external_ref" validate:"max=100" example:"SAP-100234"`
	RegistrationIDs []RegistrationIDDTO `json:"registration_ids" validate:"max=10,dive"`
	Country         string              `json:"country" validate:"omitempty,len=2" example:"JP"`
	Website         string              `json:"website" validate:"omitempty,max=2048" example:"https://cloud.example.com"`
	Description     string              `json:"description" validate:"max=4000"`
	InternalOwner   string              `json:"internal_owner" validate:"max=200" example:"it-infrastructure@example.co.jp"`
	Tags            []string            `json:"tags" validate:"max=20,dive,max=40" example:"hosting,tier-1"`
	Status          string              `json:"status" validate:"omitempty,oneof=proposed active suspended offboarding terminated" example:"proposed"`
}

// UpdateVendorRequest changes the given fields; omitted fields stay. "" clears a text field.
type UpdateVendorRequest struct {
	Kind            *string              `json:"kind" validate:"omitnil,oneof=contractor cloud_provider other"`
	Name            *string              `json:"name" validate:"omitnil,max=200"`
	LegalName       *string              `json:"legal_name" validate:"omitnil,max=200"`
	CorporateNumber *string              `json:"corporate_number" validate:"omitnil,max=13" pattern:"^([0-9]{13})?$"`
	ExternalRef     *string              `json:"external_ref" validate:"omitnil,max=100"`
	RegistrationIDs *[]RegistrationIDDTO `json:"registration_ids" validate:"omitnil,max=10,dive"`
	Country         *string              `json:"country" validate:"omitnil,max=2"`
	Website         *string              `json:"website" validate:"omitnil,max=2048"`
	Description     *string              `json:"description" validate:"omitnil,max=4000"`
	InternalOwner   *string              `json:"internal_owner" validate:"omitnil,max=200"`
	Tags            *[]string            `json:"tags" validate:"omitnil,max=20,dive,max=40"`
	Status          *string              `json:"status" validate:"omitnil,oneof=proposed active suspended offboarding terminated"`
}

// VendorResponse is a vendor. external_ref, description, internal_owner, tags and allowed_transitions are internal:
// they are omitted for supplier credentials.
type VendorResponse struct {
	ID                 string              `json:"id" binding:"required" example:"0193a7c2-5b1e-7d3a-9f00-1c2d3e4f5a6b"`
	Kind               string              `json:"kind" binding:"required" enums:"contractor,cloud_provider,other"`
	Name               string              `json:"name" binding:"required"`
	LegalName          string              `json:"legal_name" binding:"required"`
	CorporateNumber    string              `json:"corporate_number,omitempty"`
	ExternalRef        string              `json:"external_ref,omitempty" example:"SAP-100234"`
	RegistrationIDs    []RegistrationIDDTO `json:"registration_ids" binding:"required"`
	Country            string              `json:"country,omitempty"`
	Website            string              `json:"website,omitempty"`
	Description        *string             `json:"description,omitempty"`
	InternalOwner      *string             `json:"internal_owner,omitempty"`
	Tags               []string            `json:"tags,omitempty"`
	Status             string              `json:"status" binding:"required" enums:"proposed,active,suspended,offboarding,terminated"`
	AllowedTransitions []string            `json:"allowed_transitions,omitempty"`
	Version            int                 `json:"version" binding:"required" example:"1"`
	CreatedAt          time.Time           `json:"created_at" binding:"required" format:"date-time"`
	UpdatedAt          time.Time           `json:"updated_at" binding:"required" format:"date-time"`
}

// VendorList is one page of vendors.
type VendorList struct {
	Items      []VendorResponse `json:"items" binding:"required"`
	NextCursor string           `json:"next_cursor,omitempty"`
}

func toRegistrationIDs(in []RegistrationIDDTO) []register.RegistrationID {
	out := make([]register.RegistrationID, len(in))
	for i, r := range in {
		out[i] = register.RegistrationID{Scheme: r.Scheme, Value: r.Value}
	}
	return out
}

func (r CreateVendorRequest) toDomain() register.Vendor {
	return register.Vendor{
		Kind: register.Kind(r.Kind), Name: r.Name, LegalName: r.LegalName, CorporateNumber: r.CorporateNumber,
		ExternalRef: r.ExternalRef, RegistrationIDs: toRegistrationIDs(r.RegistrationIDs), Country: r.Country, Website: r.Website,
		Description: r.Description, InternalOwner: r.InternalOwner, Tags: r.Tags, Status: register.Status(r.Status),
	}
}

func (r UpdateVendorRequest) toDomain() register.Patch {
	p := register.Patch{
		Name: r.Name, LegalName: r.LegalName, CorporateNumber: r.CorporateNumber, ExternalRef: r.ExternalRef, Country: r.Country,
		Website: r.Website, Description: r.Description, InternalOwner: r.InternalOwner, Tags: r.Tags,
		Kind: (*register.Kind)(r.Kind), Status: (*register.Status)(r.Status),
	}
	if r.RegistrationIDs != nil {
		ids := toRegistrationIDs(*r.RegistrationIDs)
		p.RegistrationIDs = &ids
	}
	return p
}

func vendorResponse(v register.Vendor, p auth.Principal) VendorResponse {
	out := VendorResponse{
		ID: v.ID, Kind: string(v.Kind), Name: v.Name, LegalName: v.LegalName, CorporateNumber: v.CorporateNumber,
		RegistrationIDs: make([]RegistrationIDDTO, len(v.RegistrationIDs)), Country: v.Country, Website: v.Website,
		Status: string(v.Status), Version: v.Version, CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt,
	}
	for i, r := range v.RegistrationIDs {
		out.RegistrationIDs[i] = RegistrationIDDTO{Scheme: r.Scheme, Value: r.Value}
	}
	if p.SeesInternalFields() {
		out.Description, out.InternalOwner, out.Tags = &v.Description, &v.InternalOwner, v.Tags
		out.ExternalRef = v.ExternalRef
		out.AllowedTransitions = []string{}
		for _, st := range register.Statuses {
			if st != v.Status && register.CanTransition(v.Status, st) {
				out.AllowedTransitions = append(out.AllowedTransitions, string(st))
			}
		}
	}
	return out
}

func principalOf(c *gin.Context) auth.Principal {
	p, _ := auth.FromContext(c.Request.Context())
	return p
}

// createVendor godoc
//
//	@Summary		Register a vendor
//	@ID		createVendor
//	@Description	A new vendor starts as proposed unless status is given. corporate_number is the Japanese 法人番号 (13 digits, check digit validated) and unique.
//	@Tags			vendors
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			Idempotency-Key	header		string				false	"makes a retry return the first result"
//	@Param			body			body		CreateVendorRequest	true	"the vendor"
//	@Success		201				{object}	VendorResponse
//	@Router			/api/v1/vendors [post]
func (s *Server) createVendor(c *gin.Context) {
	var req CreateVendorRequest
	if err := s.decodeJSON(c, &req); err != nil {
		respondError(c, err)
		return
	}
	v, err := s.vendors.Create(c.Request.Context(), req.toDomain())
	if err != nil {
		respondError(c, err)
		return
	}
	setETag(c, v.Version)
	c.Header("Location", "/api/v1/vendors/"+v.ID)
	c.JSON(http.StatusCreated, vendorResponse(v, principalOf(c)))
}

// vendorFilter reads the vendor list's filters (the list and the export share them).
func vendorFilter(c *gin.Context) (register.Filter, error) {
	limit, err := queryInt(c, "limit")
	if err != nil {
		return register.Filter{}, err
	}
	return register.Filter{
		Kind: register.Kind(c.Query("kind")), Status: register.Status(c.Query("status")), Tag: c.Query("tag"),
		Country: c.Query("country"), ExternalRef: c.Query("external_ref"), Query: c.Query("q"), Sort: c.Query("sort"), Limit: limit,
	}, nil
}

// listVendors godoc
//
//	@Summary		List vendors
//	@ID		listVendors
//	@Description	Keyset pagination: pages stay stable while vendors are added. A supplier credential lists only its own vendor.
//	@Tags			vendors
//	@Produce		json
//	@Security		BearerAuth
//	@Param			kind	query		string	false	"filter by kind"	Enums(contractor, cloud_provider, other)
//	@Param			status	query		string	false	"filter by status"	Enums(proposed, active, suspended, offboarding, terminated)
//	@Param			tag		query		string	false	"filter by tag (internal: 422 for supplier credentials)"
//	@Param			country	query		string	false	"filter by ISO 3166-1 alpha-2 country"
//	@Param			external_ref	query	string	false	"the vendor with this external reference (the id in your ERP; internal: 422 for supplier credentials)"
//	@Param			q		query		string	false	"substring of name or legal name"
//	@Param			sort	query		string	false	"sort order (created_at is creation order)"	Enums(created_at, -created_at, name, -name)
//	@Param			limit	query		int		false	"page size (1-200, default 50)"
//	@Param			cursor	query		string	false	"next_cursor of the previous page"
//	@Success		200		{object}	VendorList
//	@Router			/api/v1/vendors [get]
func (s *Server) listVendors(c *gin.Context) {
	f, err := vendorFilter(c)
	if err != nil {
		respondError(c, err)
		return
	}
	page, err := s.vendors.List(c.Request.Context(), f, c.Query("cursor"))
	if err != nil {
		respondError(c, err)
		return
	}
	p := principalOf(c)
	out := VendorList{Items: make([]VendorResponse, len(page.Items)), NextCursor: page.NextCursor}
	for i, v := range page.Items {
		out.Items[i] = vendorResponse(v, p)
	}
	c.JSON(http.StatusOK, out)
}

// getVendor godoc
//
//	@Summary	Get a vendor
//	@ID	getVendor
//	@Tags		vendors
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id	path		string	true	"vendor id"
//	@Success	200	{object}	VendorResponse
//	@Router		/api/v1/vendors/{id} [get]
func (s *Server) getVendor(c *gin.Context) {
	v, err := s.vendors.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		respondError(c, err)
		return
	}
	setETag(c, v.Version)
	c.JSON(http.StatusOK, vendorResponse(v, principalOf(c)))
}

// updateVendor godoc
//
//	@Summary		Update a vendor
//	@ID		updateVendor
//	@Description	Partial update. status follows the lifecycle proposed → active ⇄ suspended, active/suspended → offboarding → terminated (or back to active), proposed → terminated; an illegal change is 409 naming the current status. Send If-Match with the ETag you read: a stale one is 412.
//	@Tags			vendors
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id			path		string				true	"vendor id"
//	@Param			If-Match	header		string				false	"ETag of the version you read"
//	@Param			body		body		UpdateVendorRequest	true	"fields to change"
//	@Success		200			{object}	VendorResponse
//	@Router			/api/v1/vendors/{id} [patch]
func (s *Server) updateVendor(c *gin.Context) {
	var req UpdateVendorRequest
	version, ok := s.decodeWithVersion(c, &req)
	if !ok {
		return
	}
	v, err := s.vendors.Update(c.Request.Context(), c.Param("id"), req.toDomain(), version)
	if err != nil {
		respondError(c, err)
		return
	}
	setETag(c, v.Version)
	c.JSON(http.StatusOK, vendorResponse(v, principalOf(c)))
}

// deleteVendor godoc
//
//	@Summary		Delete a vendor entered by mistake
//	@ID		deleteVendor
//	@Description	Removes the vendor with its contacts, certifications and its own subcontractor links. Refused (409) while another vendor lists it as a subcontractor or a supplier API key is bound to it: end a real relationship through the lifecycle (offboarding, terminated) instead, which keeps the history.
//	@Tags			vendors
//	@Security		BearerAuth
//	@Param			id			path	string	true	"vendor id"
//	@Param			If-Match	header	string	false	"ETag of the version you read"
//	@Success		204
//	@Router			/api/v1/vendors/{id} [delete]
func (s *Server) deleteVendor(c *gin.Context) {
	version, err := ifMatch(c)
	if err != nil {
		respondError(c, err)
		return
	}
	if err := s.vendors.Delete(c.Request.Context(), c.Param("id"), version); err != nil {
		respondError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
