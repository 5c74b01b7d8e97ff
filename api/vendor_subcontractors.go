package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/vendorrisk/vendorrisk/domain/register"
)

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

func subcontractorResponse(sc register.Subcontractor) SubcontractorResponse {
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
	sc, err := s.vendors.AddSubcontractor(c.Request.Context(), c.Param("id"), register.Subcontractor{
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
