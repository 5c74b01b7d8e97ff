package event

import "strings"

// Type describes one published event type.
type Type struct {
	Type        string
	Subject     string
	Description string
}

// Catalog lists the published event types (docs/events.md explains them): what webhook subscribers
// filter on. A type is added here when a use case starts recording it.
var Catalog = []Type{
	{"api_key.created", "api_key", "a credential was made (API, command line, bootstrap, an assessment's supplier key)"},
	{"api_key.revoked", "api_key", "a credential was revoked"},
	{"vendor.created", "vendor", "a vendor entered the register"},
	{"vendor.updated", "vendor", "a vendor's fields changed; changes lists them"},
	{"vendor.deleted", "vendor", "a vendor entered by mistake was removed"},
	{"vendor.contact.created", "contact", "a vendor contact was added"},
	{"vendor.contact.updated", "contact", "a vendor contact changed"},
	{"vendor.contact.deleted", "contact", "a vendor contact was removed"},
	{"vendor.certification.created", "certification", "a certificate the vendor holds was recorded"},
	{"vendor.certification.updated", "certification", "a certificate changed"},
	{"vendor.certification.deleted", "certification", "a certificate was removed"},
	{"vendor.certification.expiring", "certification", "the sweep: a certificate's last valid day is within 30 days (once per expiry date)"},
	{"vendor.certification.expired", "certification", "the sweep: a certificate's last valid day passed (once per expiry date)"},
	{"vendor.subcontractor.linked", "subcontractor_link", "a subcontractor (fourth party) was linked"},
	{"vendor.subcontractor.unlinked", "subcontractor_link", "a subcontractor link was removed"},
	{"import.completed", "import", "a vendor or engagement import (file or job) committed, even one whose rows were all unchanged: counts, mode, format, file SHA-256, job id"},
	{"import.failed", "import", "an import job ended in failure: rows committed so far, the error, job id"},
	{"engagement.created", "engagement", "an engagement was opened"},
	{"engagement.updated", "engagement", "an engagement or its risk inputs changed"},
	{"engagement.tier_overridden", "engagement", "a tier override was set or cleared, with its reason"},
	{"engagement.tier_changed", "engagement", "the effective tier moved, whatever the cause"},
	{"engagement.risk_recomputed", "engagement", "the system re-rated an engagement; reason says why"},
	{"engagement.assessed", "engagement", "an assessment completed: last assessed and next review dates moved"},
	{"engagement.review_due", "engagement", "the sweep: the periodic review is due within 30 days (once per review date)"},
	{"engagement.review_overdue", "engagement", "the sweep: the periodic review date passed (once per review date)"},
	{"contract.created", "contract", "a contract was recorded"},
	{"contract.updated", "contract", "a contract or its clauses changed"},
	{"contract.notice_deadline_near", "contract", "the sweep: the last day to give notice (end date less notice days) is within 30 days"},
	{"contract.notice_deadline_passed", "contract", "the sweep: the notice deadline passed while the contract runs (an auto-renewing one renews)"},
	{"framework.created", "framework", "a custom control framework was created"},
	{"framework.imported", "framework", "a control framework was imported (OSCAL)"},
	{"questionnaire_template.created", "questionnaire_template", "a questionnaire template draft was created"},
	{"questionnaire_template.imported", "questionnaire_template", "a questionnaire template was imported"},
	{"questionnaire_template.updated", "questionnaire_template", "a draft template changed"},
	{"questionnaire_template.published", "questionnaire_template", "a template was published"},
	{"questionnaire_template.archived", "questionnaire_template", "a template was archived"},
	{"questionnaire_template.version_created", "questionnaire_template", "a new draft version of a template was made"},
	{"assessment.created", "assessment", "an assessment was issued (draft)"},
	{"assessment.sent", "assessment", "an assessment was sent to the supplier"},
	{"assessment.answers_saved", "assessment", "the supplier saved a batch of answers"},
	{"assessment.evidence_added", "assessment", "the supplier uploaded evidence"},
	{"assessment.submitted", "assessment", "the supplier submitted the assessment"},
	{"assessment.answers_reviewed", "assessment", "reviewers flagged answers"},
	{"assessment.returned", "assessment", "the assessment went back to the supplier"},
	{"assessment.completed", "assessment", "the assessment was completed and scored"},
	{"assessment.cancelled", "assessment", "the assessment was cancelled"},
	{"assessment.reminder", "assessment", "the sweep: the assessment waiting on the supplier is due within one of its tier's reminder offsets (by default 7, 3 or 1 days; once each)"},
	{"assessment.overdue", "assessment", "the sweep: the assessment waiting on the supplier passed its due date"},
	{"assessment.escalated", "assessment", "the sweep: the assessment is its tier's escalation delay overdue; names the engagement's business owner and the vendor's internal owner"},
	{"finding.raised", "finding", "a finding was raised (by hand or from an assessment)"},
	{"finding.updated", "finding", "a finding changed"},
	{"finding.supplier_responded", "finding", "the supplier responded to a finding"},
	{"finding.closed", "finding", "the system closed a finding (a passing or not applicable answer, every item verified); reason says why"},
	{"finding.reopened", "finding", "a closed or risk-accepted finding is open again; reason says why"},
	{"finding.reassessed", "finding", "a later assessment answered the finding's question again"},
	{"finding.retiered", "finding", "the engagement's tier moved the finding's severity or priority"},
	{"finding.resolved", "finding", "every remediation item of the finding is done; it awaits verification"},
	{"finding.status_changed", "finding", "work on the finding's remediation items started or was taken back"},
	{"finding.due_date_changed", "finding", "the due dates of the finding's remediation items changed"},
	{"finding.remediation_planned", "finding", "remediation items were planned or a supplier's plan accepted"},
	{"finding.risk_accepted", "finding", "the finding's risk acceptance was approved"},
	{"remediation_plan.proposed", "finding", "the supplier proposed remediation items for a finding; they wait for procurement"},
	{"remediation_plan.accepted", "finding", "procurement accepted the supplier's proposed items: they are tracked from now on"},
	{"remediation_plan.rejected", "finding", "procurement rejected the supplier's proposed items, with a reason; the supplier may propose again"},
	{"remediation.created", "remediation", "a remediation item was added to a finding"},
	{"remediation.updated", "remediation", "a remediation item changed (done, reassigned ...)"},
	{"remediation.done", "remediation", "a remediation item was marked done (by its owner or the supplier)"},
	{"remediation.verified", "remediation", "a remediation item was verified"},
	{"remediation.verification_failed", "remediation", "verification refused a remediation item marked done (the comment says why)"},
	{"remediation.reminder", "remediation", "the sweep: a remediation item not yet done is due within one of its tier's reminder offsets (once each)"},
	{"remediation.overdue", "remediation", "the sweep: a remediation item not yet done passed its due date"},
	{"remediation.escalated", "remediation", "the sweep: the remediation item is its tier's escalation delay overdue; names the owners"},
	{"risk_policy.updated", "risk_policy", "a new risk policy version"},
	{"decision.requested", "decision", "an outsourcing decision was opened"},
	{"decision.approval_given", "decision", "an approval that does not yet reach the quorum"},
	{"decision.approved", "decision", "the decision was approved"},
	{"decision.rejected", "decision", "the decision was rejected"},
	{"decision.conditions_met", "decision", "the sweep found the approval's conditions met"},
	{"decision.needs_review", "decision", "the approval no longer holds; reason lists why"},
	{"risk_acceptance.requested", "risk_acceptance", "accepting a finding's risk was requested"},
	{"risk_acceptance.approved", "risk_acceptance", "a risk acceptance was approved"},
	{"risk_acceptance.revoked", "risk_acceptance", "a risk acceptance was revoked or withdrawn"},
	{"risk_acceptance.expired", "risk_acceptance", "the sweep ended an acceptance at its expiry"},
	{"risk_acceptance.stale", "risk_acceptance", "the sweep ended an acceptance whose basis changed"},
	{"webhook_endpoint.created", "webhook_endpoint", "a webhook endpoint was subscribed (never the secret)"},
	{"webhook_endpoint.updated", "webhook_endpoint", "a webhook endpoint changed"},
	{"webhook_endpoint.deleted", "webhook_endpoint", "a webhook endpoint was removed"},
	{"webhook_endpoint.secret_rotated", "webhook_endpoint", "an endpoint's signing secret was rotated (never the secret)"},
	{"webhook_endpoint.tested", "webhook_endpoint", "a test ping was queued for an endpoint"},
	{"webhook_endpoint.disabled", "webhook_endpoint", "the service disabled an endpoint (410 Gone, or too many failures); reason says which"},
	{"webhook_secrets.rotated", "secrets_key", "secrets rotate re-sealed the webhook signing secrets under a new secrets key: counts, key ids (never keys)"},
	{"webhook_delivery.redelivery_requested", "webhook_delivery", "a delivery was queued again"},
	{"webhook.ping", "webhook_endpoint", "the test message of POST /webhook-endpoints/{id}/test, sent to that endpoint only"},
}

// Known reports whether typ is in the catalog.
func Known(typ string) bool {
	for _, t := range Catalog {
		if t.Type == typ {
			return true
		}
	}
	return false
}

// Matching lists the catalog's types a filter selects ("*", "assessment.*" or an exact type).
func Matching(filter string) []string {
	var out []string
	for _, t := range Catalog {
		if filter == "*" || filter == t.Type || (strings.HasSuffix(filter, ".*") && strings.HasPrefix(t.Type, strings.TrimSuffix(filter, "*"))) {
			out = append(out, t.Type)
		}
	}
	return out
}
