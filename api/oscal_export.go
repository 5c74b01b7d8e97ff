package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/gin-gonic/gin/render"

	"github.com/vendorrisk/vendorrisk/api/oscalout"
	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/finding"
)

// exportAssessmentResults godoc
//
//	@Summary		Assessment results in OSCAL
//	@ID				exportAssessmentResultsOSCAL
//	@Description	The assessment as OSCAL 1.1.3 assessment results: one result; each answer an observation (its evidence files as relevant evidence, their SHA-256 in the back matter); each finding the assessment raised or last confirmed a finding whose target is the first control its question maps to (all of them as control-ref props). UUIDs are UUIDv5 of vendorrisk's ids and last-modified is the latest change of the content, so exporting the same content twice gives the same bytes. Sent as application/oscal+json when Accept asks for it. Internal roles only.
//	@Tags			assessments
//	@Produce		json,application/oscal+json
//	@Security		BearerAuth
//	@Param			id				path		string	true	"assessment id"
//	@Param			Accept-Language	header		string	false	"ja for Japanese question texts"
//	@Success		200				{object}	oscalout.AssessmentResultsDocument
//	@Router			/api/v1/assessments/{id}/oscal/assessment-results [get]
func (s *Server) exportAssessmentResults(c *gin.Context) {
	ctx := c.Request.Context()
	a, ev, err := s.assessments.Get(ctx, c.Param("id"))
	if err != nil {
		respondError(c, err)
		return
	}
	eng, _, err := s.engagements.Get(ctx, a.EngagementID)
	if err != nil {
		respondError(c, err)
		return
	}
	v, err := s.vendors.Get(ctx, a.VendorID)
	if err != nil {
		respondError(c, err)
		return
	}
	all, err := s.allFindings(ctx, finding.Filter{EngagementID: a.EngagementID})
	if err != nil {
		respondError(c, err)
		return
	}
	var mine []finding.Stored
	around := oscalout.LastOf(v.UpdatedAt, eng.UpdatedAt)
	for _, f := range all {
		around = oscalout.LastOf(around, f.UpdatedAt)
		if f.AssessmentID == a.ID {
			mine = append(mine, f)
		}
	}
	c.Header("Vary", "Accept, Accept-Language")
	respondOSCAL(c, oscalout.BuildAssessmentResults(oscalout.ARInput{Assessment: a, Evidence: ev, Findings: mine,
		VendorName: v.Name, EngagementName: eng.Name, JA: preferJA(c.GetHeader("Accept-Language")), Around: around}))
}

// exportPOAM godoc
//
//	@Summary		Plan of action and milestones in OSCAL
//	@ID				exportPOAMOSCAL
//	@Description	The engagement's open findings and accepted risks as an OSCAL 1.1.3 plan of action and milestones: one poam-item per finding that still needs work or whose risk is accepted, each with an OSCAL finding (its target control) and an OSCAL risk (status: open, remediating, or deviation-approved for a finding with an active risk acceptance; severity as a characterization; deadline the earliest pending due date, or the acceptance's expiry) whose remediations are the finding's remediation items (lifecycle planned or completed, due date as a milestone); an accepted risk carries its acceptance (id, expiry, justification, approval time) in its risk log. Stable UUIDs and last-modified as for assessment results. An engagement with no open finding and no accepted risk answers 422 (field id): OSCAL 1.1.3 requires a POA&M to hold at least one poam-item (poam-items is required, minItems 1), so no valid document exists for it. Sent as application/oscal+json when Accept asks for it. Internal roles only.
//	@Tags			findings
//	@Produce		json,application/oscal+json
//	@Security		BearerAuth
//	@Param			id	path		string	true	"engagement id"
//	@Success		200	{object}	oscalout.POAMDocument
//	@Router			/api/v1/engagements/{id}/oscal/poam [get]
func (s *Server) exportPOAM(c *gin.Context) {
	ctx := c.Request.Context()
	eng, _, err := s.engagements.Get(ctx, c.Param("id"))
	if err != nil {
		respondError(c, err)
		return
	}
	v, err := s.vendors.Get(ctx, eng.VendorID)
	if err != nil {
		respondError(c, err)
		return
	}
	all, err := s.allFindings(ctx, finding.Filter{EngagementID: eng.ID})
	if err != nil {
		respondError(c, err)
		return
	}
	var listed []finding.Stored
	var accepted []string
	around := oscalout.LastOf(v.UpdatedAt, eng.UpdatedAt)
	for _, f := range all {
		around = oscalout.LastOf(around, f.UpdatedAt)
		if oscalout.InPOAM(f.Status) {
			listed = append(listed, f)
		}
		if f.Status == finding.StatusRiskAccepted {
			accepted = append(accepted, f.ID)
		}
	}
	if len(listed) == 0 {
		respondError(c, errEmptyPOAM)
		return
	}
	rems, err := s.remediations.Of(ctx, listed)
	if err != nil {
		respondError(c, err)
		return
	}
	acceptances, err := s.acceptances.Active(ctx, accepted)
	if err != nil {
		respondError(c, err)
		return
	}
	c.Header("Vary", "Accept")
	respondOSCAL(c, oscalout.BuildPOAM(oscalout.POAMInput{EngagementID: eng.ID, EngagementName: eng.Name,
		VendorID: v.ID, VendorName: v.Name, Findings: listed, Remediations: rems, Acceptances: acceptances, Around: around}))
}

// errEmptyPOAM refuses the POA&M of an engagement with nothing to plan. OSCAL 1.1.3 requires
// poam-items with at least one item (required, minItems 1), and an item stands for a finding; a
// document without one would not be a valid POA&M, so none is sent.
var errEmptyPOAM = &domain.Error{Kind: domain.KindInvalid,
	Message: "there is no POA&M to export: the engagement has no open finding and no accepted risk",
	Fields:  []domain.FieldError{{Field: "id", Message: "has no open finding and no accepted risk, and OSCAL 1.1.3 requires at least one poam-item in a POA&M"}}}

// oscalMediaType is OSCAL's own JSON media type, sent to clients that ask for it in Accept.
const oscalMediaType = "application/oscal+json"

// respondOSCAL writes an OSCAL document as application/json, or as application/oscal+json when the
// client's Accept names that type.
func respondOSCAL(c *gin.Context, doc any) {
	if !strings.Contains(strings.ToLower(c.GetHeader("Accept")), oscalMediaType) {
		c.JSON(http.StatusOK, doc)
		return
	}
	c.Header("Content-Type", oscalMediaType+"; charset=utf-8") // render.JSON keeps a Content-Type already set
	c.Render(http.StatusOK, render.JSON{Data: doc})
}

// allFindings pages through every finding the filter selects (an engagement has tens, not thousands).
func (s *Server) allFindings(ctx context.Context, f finding.Filter) ([]finding.Stored, error) {
	var out []finding.Stored
	cursor := ""
	f.Limit = 200
	for {
		page, err := s.findings.List(ctx, f, cursor)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
		if page.NextCursor == "" {
			return out, nil
		}
		cursor = page.NextCursor
	}
}
