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
//	@Description	The engagement's open findings as an OSCAL 1.1.3 plan of action and milestones: one poam-item per finding that still needs work, each with an OSCAL finding (its target control) and an OSCAL risk (status: open, remediating; severity as a characterization; deadline the earliest pending due date) whose remediations are the finding's remediation items (lifecycle planned or completed, due date as a milestone). Stable UUIDs and last-modified as for assessment results. 422 (field id) when nothing is open: OSCAL requires at least one poam-item. Sent as application/oscal+json when Accept asks for it. Internal roles only.
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
	var open []finding.Stored
	around := oscalout.LastOf(v.UpdatedAt, eng.UpdatedAt)
	for _, f := range all {
		around = oscalout.LastOf(around, f.UpdatedAt)
		if !f.Status.Closed() {
			open = append(open, f)
		}
	}
	if len(open) == 0 {
		respondError(c, domain.Invalid("id", "the engagement has no open findings, and an OSCAL POA&M needs at least one poam-item"))
		return
	}
	rems, err := s.remediations.Of(ctx, open)
	if err != nil {
		respondError(c, err)
		return
	}
	c.Header("Vary", "Accept")
	respondOSCAL(c, oscalout.BuildPOAM(oscalout.POAMInput{EngagementID: eng.ID, EngagementName: eng.Name,
		VendorID: v.ID, VendorName: v.Name, Findings: open, Remediations: rems, Around: around}))
}

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
