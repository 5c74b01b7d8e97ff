// Package api is vendorrisk's HTTP transport: routes, middleware, request/response DTOs and the one
// mapping from domain errors to RFC 9457 problems.
//
//	@title						vendorrisk API
//	@version					1.0
//	@description				Third-party security risk: the vendor register, credentials and roles. Errors are RFC 9457 application/problem+json.
//	@license.name				Apache-2.0
//	@license.url				https://www.apache.org/licenses/LICENSE-2.0
//	@BasePath					/
//	@securityDefinitions.apikey	BearerAuth
//	@in							header
//	@name						Authorization
//	@description				"Bearer " followed by an API key secret.
package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
	swaggerFiles "github.com/swaggo/files"
	ginSwagger "github.com/swaggo/gin-swagger"

	"github.com/vendorrisk/vendorrisk/docs" // registers the generated spec for the Swagger UI

	"github.com/vendorrisk/vendorrisk/domain/auth"
)

// routes lists every route: the API at a glance.
func (s *Server) routes(e *gin.Engine) {
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/swagger/*any", ginSwagger.WrapHandler(swaggerFiles.Handler))
	e.GET("/openapi.yaml", openAPIYAML)

	// Every write runs in one transaction that also appends its audit event (see audited).
	v1 := e.Group("/api/v1", s.authenticate, s.audited)

	v1.GET("/audit-events", require(auth.PermAuditRead), s.listAuditEvents)
	v1.GET("/audit-events/verify", require(auth.PermAuditRead), s.verifyAuditTrail)
	v1.GET("/audit-events/checkpoints", require(auth.PermAuditRead), s.listCheckpoints)
	v1.POST("/audit-events/checkpoints/verify", require(auth.PermAuditRead), s.verifyCheckpoint)

	// No Idempotency-Key here: replaying would mean storing the secret, which is never stored.
	v1.POST("/api-keys", require(auth.PermAPIKeysManage), s.createAPIKey)
	v1.GET("/api-keys", require(auth.PermAPIKeysManage), s.listAPIKeys)
	v1.GET("/api-keys/:id", require(auth.PermAPIKeysManage), s.getAPIKey)
	v1.DELETE("/api-keys/:id", require(auth.PermAPIKeysManage), s.revokeAPIKey)

	read, write := require(auth.PermVendorsRead), require(auth.PermVendorsWrite)
	v1.POST("/vendors", write, s.idempotent, s.createVendor)
	v1.GET("/vendors", read, s.listVendors)
	v1.GET("/vendors/export", read, s.exportVendors)
	v1.POST("/vendors/import", write, s.importVendors)
	v1.GET("/vendors/import/template", write, s.vendorImportTemplate)
	v1.GET("/vendors/:id", read, s.getVendor)
	v1.PATCH("/vendors/:id", write, s.updateVendor)
	v1.DELETE("/vendors/:id", require(auth.PermVendorsDelete), s.deleteVendor)

	v1.POST("/vendors/:id/contacts", write, s.idempotent, s.createContact)
	v1.GET("/vendors/:id/contacts", read, s.listContacts)
	v1.GET("/vendors/:id/contacts/:contact_id", read, s.getContact)
	v1.PATCH("/vendors/:id/contacts/:contact_id", write, s.updateContact)
	v1.DELETE("/vendors/:id/contacts/:contact_id", write, s.deleteContact)

	v1.POST("/vendors/:id/certifications", write, s.idempotent, s.createCertification)
	v1.GET("/vendors/:id/certifications", read, s.listCertifications)
	v1.GET("/vendors/:id/certifications/:certification_id", read, s.getCertification)
	v1.PATCH("/vendors/:id/certifications/:certification_id", write, s.updateCertification)
	v1.DELETE("/vendors/:id/certifications/:certification_id", write, s.deleteCertification)

	v1.POST("/vendors/:id/subcontractors", write, s.idempotent, s.createSubcontractor)
	v1.GET("/vendors/:id/subcontractors", read, s.listSubcontractors)
	v1.DELETE("/vendors/:id/subcontractors/:link_id", write, s.deleteSubcontractor)

	engRead, engWrite := require(auth.PermEngagementsRead), require(auth.PermEngagementsWrite)
	v1.POST("/engagements", engWrite, s.idempotent, s.createEngagement)
	v1.GET("/engagements", engRead, s.listEngagements)
	v1.GET("/engagements/export", engRead, s.exportEngagements)
	v1.POST("/engagements/import", engWrite, s.importEngagements)
	v1.GET("/engagements/import/template", engWrite, s.engagementImportTemplate)
	// Import jobs: whoever may run an import (the job checks the permission of its own kind).
	v1.GET("/jobs/:id", write, s.getJob)
	v1.GET("/engagements/:id", engRead, s.getEngagement)
	v1.PATCH("/engagements/:id", engWrite, s.updateEngagement)
	v1.GET("/engagements/:id/risk", engRead, s.getEngagementRisk)
	v1.GET("/engagements/:id/oscal/poam", require(auth.PermFindingsRead), s.exportPOAM)
	v1.POST("/engagements/:id/tier-override", require(auth.PermTierOverride), s.overrideTier)

	conRead, conWrite := require(auth.PermContractsRead), require(auth.PermContractsWrite)
	v1.POST("/engagements/:id/contracts", conWrite, s.idempotent, s.createContract)
	v1.GET("/engagements/:id/contracts", conRead, s.listContracts)
	v1.GET("/contracts/:id", conRead, s.getContract)
	v1.PATCH("/contracts/:id", conWrite, s.updateContract)
	v1.GET("/contracts/:id/gaps", conRead, s.contractGaps)

	catRead, catWrite := require(auth.PermCatalogRead), require(auth.PermCatalogWrite)
	v1.GET("/frameworks", catRead, s.listFrameworks)
	v1.POST("/frameworks", catWrite, s.createFramework)
	v1.POST("/frameworks/import", catWrite, s.importFramework)
	v1.GET("/frameworks/:id", catRead, s.getFramework)
	v1.GET("/frameworks/:id/controls", catRead, s.listControls)
	v1.GET("/controls", catRead, s.listAllControls)
	v1.GET("/controls/:id", catRead, s.getControl)

	tplRead, tplWrite := require(auth.PermTemplatesRead), require(auth.PermTemplatesWrite)
	v1.POST("/questionnaire-templates", tplWrite, s.idempotent, s.createTemplate)
	v1.GET("/questionnaire-templates", tplRead, s.listTemplates)
	v1.POST("/questionnaire-templates/import", tplWrite, s.importTemplate)
	v1.GET("/questionnaire-templates/:id", tplRead, s.getTemplate)
	v1.PATCH("/questionnaire-templates/:id", tplWrite, s.updateTemplate)
	v1.POST("/questionnaire-templates/:id/publish", tplWrite, s.publishTemplate)
	v1.POST("/questionnaire-templates/:id/archive", tplWrite, s.archiveTemplate)
	v1.POST("/questionnaire-templates/:id/new-version", tplWrite, s.newTemplateVersion)
	v1.GET("/questionnaire-templates/:id/export", tplRead, s.exportTemplate)

	asRead, asWrite := require(auth.PermAssessmentsRead), require(auth.PermAssessmentsWrite)
	v1.POST("/assessments", asWrite, s.idempotent, s.issueAssessment)
	v1.GET("/assessments", asRead, s.listAssessments)
	v1.GET("/assessments/:id", asRead, s.getAssessment)
	v1.POST("/assessments/:id/send", asWrite, s.sendAssessment)
	v1.POST("/assessments/:id/cancel", asWrite, s.cancelAssessment)
	v1.POST("/assessments/:id/answer-reviews", asWrite, s.reviewAnswers)
	v1.POST("/assessments/:id/review", asWrite, s.decideAssessment)
	v1.GET("/assessments/:id/score", asRead, s.getScore)
	v1.GET("/assessments/:id/export", asRead, s.exportAssessment)
	v1.POST("/assessments/:id/score/simulate", asRead, s.simulateScore)
	v1.GET("/assessments/:id/oscal/assessment-results", asRead, s.exportAssessmentResults)

	answer := require(auth.PermSupplierAnswer)
	v1.GET("/supplier/assessments", answer, s.supplierListAssessments)
	v1.GET("/supplier/assessments/:id", answer, s.supplierGetAssessment)
	v1.PUT("/supplier/assessments/:id/answers", answer, s.supplierSaveAnswers)
	v1.GET("/supplier/assessments/:id/export", answer, s.supplierExportAssessment)
	v1.POST("/supplier/assessments/:id/answers/import", answer, s.supplierImportAnswers)
	v1.POST("/supplier/assessments/:id/evidence", answer, s.supplierUploadEvidence)
	v1.POST("/supplier/assessments/:id/submit", answer, s.supplierSubmit)

	finRead, finWrite := require(auth.PermFindingsRead), require(auth.PermFindingsWrite)
	v1.GET("/findings", finRead, s.listFindings)
	v1.GET("/findings/export", finRead, s.exportFindings)
	v1.POST("/findings", finWrite, s.createFinding)
	v1.GET("/findings/:id", finRead, s.getFinding)
	v1.PATCH("/findings/:id", finWrite, s.updateFinding)
	v1.POST("/findings/:id/remediations", finWrite, s.addRemediation)
	v1.GET("/findings/:id/remediations", finRead, s.listRemediations)
	v1.GET("/remediations/:id", finRead, s.getRemediation)
	v1.PATCH("/remediations/:id", finWrite, s.updateRemediation)
	v1.POST("/remediations/:id/verify", finWrite, s.verifyRemediation)
	planDecide := requireUnlessSupplier(auth.PermFindingsWrite)
	v1.POST("/findings/:id/remediation-plan/accept", planDecide, s.acceptRemediationPlan)
	v1.POST("/findings/:id/remediation-plan/reject", planDecide, s.rejectRemediationPlan)
	v1.GET("/supplier/findings", answer, s.supplierListFindings)
	v1.GET("/supplier/findings/:id/remediations", answer, s.supplierListRemediations)
	v1.POST("/supplier/findings/:id/response", answer, s.supplierRespondFinding)
	v1.GET("/supplier/reminders", answer, s.supplierReminders)

	v1.GET("/evidence/:id", require(auth.PermEvidenceRead), s.getEvidence)
	v1.GET("/evidence/:id/content", require(auth.PermEvidenceRead), s.getEvidenceContent)

	v1.GET("/risk-policy", require(auth.PermPolicyRead), s.getRiskPolicy)
	v1.PUT("/risk-policy", require(auth.PermPolicyWrite), s.putRiskPolicy)

	decRead := require(auth.PermDecisionsRead)
	v1.POST("/decisions", require(auth.PermDecisionsRequest), s.idempotent, s.requestDecision)
	v1.GET("/decisions", decRead, s.listDecisions)
	v1.GET("/decisions/:id", decRead, s.getDecision)
	v1.POST("/decisions/:id/approve", require(auth.PermDecisionsDecide), s.approveDecision)
	v1.POST("/decisions/:id/reject", require(auth.PermDecisionsDecide), s.rejectDecision)

	accRead, accAsk := require(auth.PermRiskAcceptRead), require(auth.PermRiskAcceptAsk)
	v1.POST("/findings/:id/risk-acceptances", accAsk, s.idempotent, s.requestRiskAcceptance)
	v1.GET("/risk-acceptances", accRead, s.listRiskAcceptances)
	v1.GET("/risk-acceptances/:id", accRead, s.getRiskAcceptance)
	v1.POST("/risk-acceptances/:id/approve", require(auth.PermRiskAcceptDecide), s.approveRiskAcceptance)
	// The requester may withdraw its own request; the service lets only risk owners revoke others'.
	v1.POST("/risk-acceptances/:id/revoke", accAsk, s.revokeRiskAcceptance)

	v1.GET("/portfolio/summary", require(auth.PermPortfolioRead), s.portfolioSummary)

	hooks := require(auth.PermWebhooksManage)
	v1.GET("/event-types", require(auth.PermEventTypesRead), s.listEventTypes)
	// No Idempotency-Key on create and rotate: a replay would need the stored secret in the answer.
	v1.POST("/webhook-endpoints", hooks, s.createWebhookEndpoint)
	v1.GET("/webhook-endpoints", hooks, s.listWebhookEndpoints)
	v1.GET("/webhook-endpoints/:id", hooks, s.getWebhookEndpoint)
	v1.PATCH("/webhook-endpoints/:id", hooks, s.updateWebhookEndpoint)
	v1.DELETE("/webhook-endpoints/:id", hooks, s.deleteWebhookEndpoint)
	v1.POST("/webhook-endpoints/:id/rotate-secret", hooks, s.rotateWebhookSecret)
	v1.POST("/webhook-endpoints/:id/test", hooks, s.testWebhookEndpoint)
	v1.GET("/webhook-endpoints/:id/deliveries", hooks, s.listWebhookDeliveries)
	v1.POST("/webhook-endpoints/:id/deliveries/:delivery_id/redeliver", hooks, s.redeliverWebhook)
	// The supplier portal's pages (api/portal_*.go): the same services for a browser.
	s.portalRoutes(e)
}

// openAPIYAML serves the OpenAPI 3 document (docs/openapi.yaml); /swagger/doc.json is the Swagger 2.0 one.
func openAPIYAML(c *gin.Context) {
	c.Data(http.StatusOK, "application/yaml", docs.OpenAPIYAML)
}
