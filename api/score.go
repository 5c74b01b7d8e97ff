package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/vendorrisk/vendorrisk/api/i18n"
	"github.com/vendorrisk/vendorrisk/domain/assessment"
	"github.com/vendorrisk/vendorrisk/domain/risk"
)

// QuestionScoreDTO is one question's part of the score.
type QuestionScoreDTO struct {
	Key            string `json:"key" binding:"required"`
	Section        string `json:"section" binding:"required"`
	Outcome        string `json:"outcome" binding:"required" enums:"scored,unanswered,not_applicable,hidden,unscored"`
	Weight         int    `json:"weight" binding:"required"`
	ScoreBP        int    `json:"score_bp" binding:"required" example:"10000"`
	ContributionBP int    `json:"contribution_bp" binding:"required" example:"312"`
}

// RollupDTO is a section's or control's score over its applicable questions.
type RollupDTO struct {
	Key              string `json:"key" binding:"required"`
	ScoreBP          int    `json:"score_bp" binding:"required"`
	ApplicableWeight int    `json:"applicable_weight" binding:"required"`
	AnsweredWeight   int    `json:"answered_weight" binding:"required"`
	Questions        int    `json:"questions" binding:"required"`
}

// ScoreResponse is an assessment's control score with its explanation: overall_bp is exactly the sum
// of questions[].contribution_bp; see docs/scoring.md.
type ScoreResponse struct {
	AssessmentID     string      `json:"assessment_id" binding:"required"`
	Version          string      `json:"algorithm_version" binding:"required" example:"score-v1"`
	State            string      `json:"state" binding:"required" enums:"provisional,final,simulated"`
	Overall          int         `json:"overall" binding:"required" example:"73"`
	OverallBP        int         `json:"overall_bp" binding:"required" example:"7312"`
	CoverageBP       int         `json:"coverage_bp" binding:"required" example:"9500"`
	ApplicableWeight int         `json:"applicable_weight" binding:"required"`
	AnsweredWeight   int         `json:"answered_weight" binding:"required"`
	Sections         []RollupDTO `json:"sections" binding:"required"`
	Controls         []RollupDTO `json:"controls" binding:"required"`
	// Domains rolls the controls up to ISO/IEC 27001 Annex A domains: "iso27001-2013:A.9" (2005: A.5–A.15,
	// 2013: A.5–A.18), "iso27001-2022:5".."iso27001-2022:8" (the 2022 themes); a question counts once per domain.
	Domains        []RollupDTO        `json:"domains" binding:"required"`
	Questions      []QuestionScoreDTO `json:"questions" binding:"required"`
	ResidualRisk   ResidualDTO        `json:"residual_risk" binding:"required"`
	BreachExposure []MoneyDTO         `json:"breach_exposure" binding:"required"`
}

// ResidualDTO is the risk left after the vendor's controls (residual-v1, docs/scoring.md).
type ResidualDTO struct {
	AssessmentID   string   `json:"assessment_id,omitempty"`
	Version        string   `json:"model_version" binding:"required" example:"residual-v1"`
	InherentScore  int      `json:"inherent_score" binding:"required" example:"47"`
	ControlScoreBP int      `json:"control_score_bp" binding:"required" example:"8125"`
	ControlCapBP   int      `json:"control_cap_bp" binding:"required" example:"7000"`
	ReductionBP    int      `json:"reduction_bp" binding:"required" example:"5687"`
	ScoreX100      int      `json:"score_x100" binding:"required" example:"2027"`
	Likelihood     int      `json:"likelihood" binding:"required" example:"2"`
	Impact         int      `json:"impact" binding:"required" example:"4"`
	Level          string   `json:"level" binding:"required" enums:"low,medium,high,critical"`
	Explanation    []string `json:"explanation" binding:"required"`
}

// SimulateRequest replaces some answers for a what-if score; nothing is saved.
type SimulateRequest struct {
	Answers []AnswerInputDTO `json:"answers" validate:"required,min=1,max=2000,dive"`
}

func scoreResponse(id, state string, sc assessment.Score, lang i18n.Lang) ScoreResponse {
	r, res := sc.Result, sc.Residual
	out := ScoreResponse{ResidualRisk: *residualDTO(res, "", lang), BreachExposure: []MoneyDTO{}, AssessmentID: id, Version: r.Version, State: state, Overall: (r.OverallBP + 50) / 100,
		OverallBP: r.OverallBP, CoverageBP: r.CoverageBP, ApplicableWeight: r.ApplicableWeight, AnsweredWeight: r.AnsweredWeight,
		Sections: []RollupDTO{}, Controls: []RollupDTO{}, Domains: []RollupDTO{}, Questions: []QuestionScoreDTO{}}
	for _, q := range r.Questions {
		out.Questions = append(out.Questions, QuestionScoreDTO{Key: q.Key, Section: q.Section, Outcome: string(q.Outcome),
			Weight: q.Weight, ScoreBP: q.ScoreBP, ContributionBP: q.Contribution})
	}
	for _, s := range r.Sections {
		out.Sections = append(out.Sections, RollupDTO(s))
	}
	for _, c := range r.Controls {
		out.Controls = append(out.Controls, RollupDTO(c))
	}
	for _, d := range r.Domains {
		out.Domains = append(out.Domains, RollupDTO(d))
	}
	for _, m := range sc.Exposure {
		out.BreachExposure = append(out.BreachExposure, moneyDTO(m))
	}
	return out
}

// getScore godoc
//
//	@Summary		Score an assessment
//	@ID		getAssessmentScore
//	@Description	Control score of the answers against the frozen template (algorithm score-v1, docs/scoring.md): provisional until the assessment is completed, final after. overall_bp is exactly the sum of questions[].contribution_bp. Internal roles only.
//	@Tags			assessments
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id	path		string	true	"assessment id"
//	@Success		200	{object}	ScoreResponse
//	@Router			/api/v1/assessments/{id}/score [get]
func (s *Server) getScore(c *gin.Context) {
	a, sc, err := s.assessments.Score(c.Request.Context(), c.Param("id"))
	if err != nil {
		respondError(c, err)
		return
	}
	state := "provisional"
	if sc.Final {
		state = "final"
	}
	c.JSON(http.StatusOK, scoreResponse(a.ID, state, sc, localized(c)))
}

// simulateScore godoc
//
//	@Summary		What-if score
//	@ID		simulateAssessmentScore
//	@Description	The same computation with some answers replaced (checked like real answers); nothing is saved.
//	@Tags			assessments
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id		path		string			true	"assessment id"
//	@Param			body	body		SimulateRequest	true	"answers to replace"
//	@Success		200		{object}	ScoreResponse
//	@Router			/api/v1/assessments/{id}/score/simulate [post]
func (s *Server) simulateScore(c *gin.Context) {
	var req SimulateRequest
	if err := s.decodeJSON(c, &req); err != nil {
		respondError(c, err)
		return
	}
	in := make([]assessment.AnswerInput, len(req.Answers))
	for i, a := range req.Answers {
		in[i] = assessment.AnswerInput{Key: a.Key, Values: a.Values, Clear: a.Clear}
		if a.Value != nil {
			in[i].Value = *a.Value
		}
	}
	a, sc, err := s.assessments.Simulate(c.Request.Context(), c.Param("id"), in)
	if err != nil {
		respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, scoreResponse(a.ID, "simulated", sc, localized(c)))
}

// residualDTO shows a residual risk with its explanation in lang (English where the residual predates
// its Texts).
func residualDTO(res risk.Residual, assessmentID string, lang i18n.Lang) *ResidualDTO {
	explanation := res.Explanation
	if lang != i18n.EN && len(res.Texts) == len(res.Explanation) {
		explanation = make([]string, len(res.Texts))
		for i, t := range res.Texts {
			explanation[i] = lang.Text(t)
		}
	}
	return &ResidualDTO{AssessmentID: assessmentID, Version: res.Version, InherentScore: res.InherentScore,
		ControlScoreBP: res.ControlScoreBP, ControlCapBP: risk.ControlCap, ReductionBP: res.ReductionBP, ScoreX100: res.ScoreX100,
		Likelihood: res.Likelihood, Impact: res.Impact, Level: string(res.Level), Explanation: explanation}
}
