package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/vendorrisk/vendorrisk/domain/contract"
)

// ClauseDTO is a typed contract clause; only the fields of its type are used.
type ClauseDTO struct {
	Type            string    `json:"type" binding:"required" validate:"required,oneof=confidentiality data_protection right_to_audit breach_notification subcontracting data_location return_and_deletion business_continuity security_requirements staff_security liability exit_assistance" example:"breach_notification"`
	Reference       string    `json:"reference,omitempty" validate:"max=100" example:"§12.3"`
	NoticeDays      *int      `json:"notice_days,omitempty" example:"30"`
	Hours           *int      `json:"hours,omitempty" example:"24"`
	Level           string    `json:"level,omitempty" validate:"omitempty,oneof=prohibited prior_approval notify unrestricted"`
	Countries       []string  `json:"countries,omitempty" example:"JP"`
	Days            *int      `json:"days,omitempty" example:"30"`
	RTOHours        *int      `json:"rto_hours,omitempty" example:"4"`
	BCPTestedYearly bool      `json:"bcp_tested_yearly,omitempty"`
	NDA             bool      `json:"nda,omitempty"`
	Training        bool      `json:"training,omitempty"`
	Cap             *MoneyDTO `json:"cap,omitempty"`
}

// ContractRequest creates a contract.
type ContractRequest struct {
	Title             string      `json:"title" validate:"required,max=200" example:"Master services agreement 2026"`
	DocumentReference string      `json:"document_reference" validate:"max=500" example:"DMS-2026-0042"`
	SignedOn          *string     `json:"signed_on" validate:"omitnil,datetime=2006-01-02" format:"date" example:"2026-03-15"`
	StartsOn          string      `json:"starts_on" validate:"required,datetime=2006-01-02" format:"date" example:"2026-04-01"`
	EndsOn            *string     `json:"ends_on" validate:"omitnil,datetime=2006-01-02" format:"date" example:"2029-03-31"`
	AutoRenew         bool        `json:"auto_renew"`
	NoticeDays        int         `json:"notice_days" validate:"min=0,max=3650" example:"90"`
	Clauses           []ClauseDTO `json:"clauses" validate:"max=12,dive"`
}

// UpdateContractRequest changes the given fields; clauses, when given, replace every clause.
type UpdateContractRequest struct {
	Title             *string      `json:"title" validate:"omitnil,max=200"`
	DocumentReference *string      `json:"document_reference" validate:"omitnil,max=500"`
	SignedOn          *string      `json:"signed_on" validate:"omitnil,datetime=2006-01-02" format:"date"`
	StartsOn          *string      `json:"starts_on" validate:"omitnil,datetime=2006-01-02" format:"date"`
	EndsOn            *string      `json:"ends_on" validate:"omitnil,datetime=2006-01-02" format:"date"`
	ClearEndsOn       bool         `json:"clear_ends_on"`
	AutoRenew         *bool        `json:"auto_renew"`
	NoticeDays        *int         `json:"notice_days" validate:"omitnil,min=0,max=3650"`
	Clauses           *[]ClauseDTO `json:"clauses" validate:"omitnil,max=12,dive"`
}

// ClauseResponse is a clause with the Annex A controls it implements.
type ClauseResponse struct {
	ClauseDTO
	ControlRefs []string `json:"control_refs" binding:"required" example:"iso27001-2022:5.24"`
}

// ContractResponse is a contract with its date flags on the day of the request.
type ContractResponse struct {
	ID                string  `json:"id" binding:"required"`
	EngagementID      string  `json:"engagement_id" binding:"required"`
	Title             string  `json:"title" binding:"required"`
	DocumentReference string  `json:"document_reference" binding:"required"`
	SignedOn          *string `json:"signed_on,omitempty" format:"date"`
	StartsOn          string  `json:"starts_on" binding:"required" format:"date"`
	EndsOn            *string `json:"ends_on,omitempty" format:"date"`
	AutoRenew         bool    `json:"auto_renew" binding:"required"`
	NoticeDays        int     `json:"notice_days" binding:"required"`
	NoticeDeadline    *string `json:"notice_deadline,omitempty" format:"date"`
	EndingSoon        bool    `json:"ending_soon" binding:"required"`
	NoticeDueSoon     bool    `json:"notice_due_soon" binding:"required"`
	// NoticePassed: the contract renews automatically and the last day to give notice has passed while it
	// still runs: it will renew.
	NoticePassed bool             `json:"notice_passed" binding:"required"`
	Ended        bool             `json:"ended" binding:"required"`
	Clauses      []ClauseResponse `json:"clauses" binding:"required"`
	Version      int              `json:"version" binding:"required"`
	CreatedAt    time.Time        `json:"created_at" binding:"required" format:"date-time"`
	UpdatedAt    time.Time        `json:"updated_at" binding:"required" format:"date-time"`
}

// ContractList lists an engagement's contracts, latest start first.
type ContractList struct {
	Items []ContractResponse `json:"items" binding:"required"`
}

// GapDTO is a required clause that is missing or weaker than the policy asks.
type GapDTO struct {
	ClauseType  string   `json:"clause_type" binding:"required" example:"breach_notification"`
	Problem     string   `json:"problem" binding:"required" enums:"missing,weaker"`
	Detail      string   `json:"detail" binding:"required" example:"Breach notification within 72 h; the policy requires 24 h or less."`
	Severity    string   `json:"severity" binding:"required" enums:"critical,high,medium,low"`
	ControlRefs []string `json:"control_refs" binding:"required"`
}

// GapReportResponse is a contract's gap analysis with what it was measured against.
type GapReportResponse struct {
	ContractID        string           `json:"contract_id" binding:"required"`
	EngagementID      string           `json:"engagement_id" binding:"required"`
	EffectiveTier     int              `json:"effective_tier" binding:"required"`
	RiskPolicyVersion int              `json:"risk_policy_version" binding:"required"`
	Requirements      []RequirementDTO `json:"requirements" binding:"required"`
	Gaps              []GapDTO         `json:"gaps" binding:"required"`
}

func toClauses(in []ClauseDTO) []contract.Clause {
	out := make([]contract.Clause, len(in))
	for i, c := range in {
		out[i] = contract.Clause{Type: contract.ClauseType(c.Type), Reference: c.Reference, NoticeDays: c.NoticeDays,
			Hours: c.Hours, Level: contract.SubcontractingLevel(c.Level), Countries: c.Countries, Days: c.Days,
			RTOHours: c.RTOHours, BCPTestedYearly: c.BCPTestedYearly, NDA: c.NDA, Training: c.Training, Cap: c.Cap.toDomain()}
	}
	return out
}

func formatDatePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.Format(dateLayout)
	return &s
}

func (s *Server) contractResponse(c contract.Contract) ContractResponse {
	d := c.DatesAt(s.now())
	out := ContractResponse{ID: c.ID, EngagementID: c.EngagementID, Title: c.Title, DocumentReference: c.DocumentReference,
		SignedOn: formatDatePtr(c.SignedOn), StartsOn: c.StartsOn.Format(dateLayout), EndsOn: formatDatePtr(c.EndsOn),
		AutoRenew: c.AutoRenew, NoticeDays: c.NoticeDays, NoticeDeadline: formatDatePtr(d.NoticeDeadline),
		EndingSoon: d.EndingSoon, NoticeDueSoon: d.NoticeDueSoon, NoticePassed: d.NoticePassed, Ended: d.Ended, Clauses: []ClauseResponse{},
		Version: c.Version, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	for _, cl := range c.Clauses {
		var cap *MoneyDTO
		if cl.Cap != nil {
			m := moneyDTO(*cl.Cap)
			cap = &m
		}
		out.Clauses = append(out.Clauses, ClauseResponse{ClauseDTO: ClauseDTO{Type: string(cl.Type), Reference: cl.Reference,
			NoticeDays: cl.NoticeDays, Hours: cl.Hours, Level: string(cl.Level), Countries: cl.Countries, Days: cl.Days,
			RTOHours: cl.RTOHours, BCPTestedYearly: cl.BCPTestedYearly, NDA: cl.NDA, Training: cl.Training, Cap: cap},
			ControlRefs: contract.ControlRefs[cl.Type]})
	}
	return out
}

// createContract godoc
//
//	@Summary		Add a contract to an engagement
//	@ID		createContract
//	@Description	Each clause type appears at most once; the parameters its type needs are required (e.g. hours for breach_notification).
//	@Tags			contracts
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id				path		string			true	"engagement id"
//	@Param			Idempotency-Key	header		string			false	"makes a retry return the first result"
//	@Param			body			body		ContractRequest	true	"the contract"
//	@Success		201				{object}	ContractResponse
//	@Router			/api/v1/engagements/{id}/contracts [post]
func (s *Server) createContract(c *gin.Context) {
	var req ContractRequest
	if err := s.decodeJSON(c, &req); err != nil {
		respondError(c, err)
		return
	}
	k, err := s.contracts.Create(c.Request.Context(), c.Param("id"), contract.Contract{
		Title: req.Title, DocumentReference: req.DocumentReference, SignedOn: parseDatePtr(req.SignedOn),
		StartsOn: parseDate(req.StartsOn), EndsOn: parseDatePtr(req.EndsOn), AutoRenew: req.AutoRenew,
		NoticeDays: req.NoticeDays, Clauses: toClauses(req.Clauses),
	})
	if err != nil {
		respondError(c, err)
		return
	}
	setETag(c, k.Version)
	c.Header("Location", "/api/v1/contracts/"+k.ID)
	c.JSON(http.StatusCreated, s.contractResponse(k))
}

// listContracts godoc
//
//	@Summary	List an engagement's contracts
//	@ID	listContracts
//	@Tags		contracts
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id	path		string	true	"engagement id"
//	@Success	200	{object}	ContractList
//	@Router		/api/v1/engagements/{id}/contracts [get]
func (s *Server) listContracts(c *gin.Context) {
	cs, err := s.contracts.List(c.Request.Context(), c.Param("id"))
	if err != nil {
		respondError(c, err)
		return
	}
	out := ContractList{Items: make([]ContractResponse, len(cs))}
	for i, k := range cs {
		out.Items[i] = s.contractResponse(k)
	}
	c.JSON(http.StatusOK, out)
}

// getContract godoc
//
//	@Summary	Get a contract
//	@ID	getContract
//	@Tags		contracts
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id	path		string	true	"contract id"
//	@Success	200	{object}	ContractResponse
//	@Router		/api/v1/contracts/{id} [get]
func (s *Server) getContract(c *gin.Context) {
	k, err := s.contracts.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		respondError(c, err)
		return
	}
	setETag(c, k.Version)
	c.JSON(http.StatusOK, s.contractResponse(k))
}

// updateContract godoc
//
//	@Summary	Update a contract
//	@ID	updateContract
//	@Tags		contracts
//	@Accept		json
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id			path		string					true	"contract id"
//	@Param		If-Match	header		string					false	"ETag of the version you read"
//	@Param		body		body		UpdateContractRequest	true	"fields to change"
//	@Success	200			{object}	ContractResponse
//	@Router		/api/v1/contracts/{id} [patch]
func (s *Server) updateContract(c *gin.Context) {
	var req UpdateContractRequest
	version, ok := s.decodeWithVersion(c, &req)
	if !ok {
		return
	}
	p := contract.Patch{Title: req.Title, DocumentReference: req.DocumentReference, AutoRenew: req.AutoRenew, NoticeDays: req.NoticeDays}
	if req.SignedOn != nil {
		d := parseDatePtr(req.SignedOn)
		p.SignedOn = &d
	}
	if req.StartsOn != nil {
		d := parseDate(*req.StartsOn)
		p.StartsOn = &d
	}
	if req.EndsOn != nil || req.ClearEndsOn {
		d := parseDatePtr(req.EndsOn)
		p.EndsOn = &d
	}
	if req.Clauses != nil {
		cl := toClauses(*req.Clauses)
		p.Clauses = &cl
	}
	k, err := s.contracts.Update(c.Request.Context(), c.Param("id"), p, version)
	if err != nil {
		respondError(c, err)
		return
	}
	setETag(c, k.Version)
	c.JSON(http.StatusOK, s.contractResponse(k))
}

// contractGaps godoc
//
//	@Summary		Gaps of a contract against the risk policy
//	@ID		getContractGaps
//	@Description	Every clause the policy requires for the engagement's effective tier that is missing or weaker (e.g. 72 h breach notification where 24 h is required, data kept in a country the clause does not allow), each with its Annex A controls, a severity and a plain sentence. Severity: the clause type's base (high for confidentiality, data protection, breach notification, data location; medium for most; low for liability and exit assistance), one lower for a weaker clause, one higher on a tier 1 engagement.
//	@Tags			contracts
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id	path		string	true	"contract id"
//	@Success		200	{object}	GapReportResponse
//	@Router			/api/v1/contracts/{id}/gaps [get]
func (s *Server) contractGaps(c *gin.Context) {
	r, err := s.contracts.Gaps(c.Request.Context(), c.Param("id"))
	if err != nil {
		respondError(c, err)
		return
	}
	out := GapReportResponse{ContractID: r.Contract.ID, EngagementID: r.Contract.EngagementID, EffectiveTier: int(r.EffectiveTier),
		RiskPolicyVersion: r.PolicyVersion, Requirements: []RequirementDTO{}, Gaps: []GapDTO{}}
	for _, q := range r.Requirements {
		out.Requirements = append(out.Requirements, requirementDTO(q))
	}
	lang := localized(c)
	for _, g := range r.Gaps {
		out.Gaps = append(out.Gaps, GapDTO{ClauseType: string(g.ClauseType), Problem: g.Problem, Detail: lang.Text(g.Text),
			Severity: string(g.Severity), ControlRefs: g.ControlRefs})
	}
	c.JSON(http.StatusOK, out)
}
