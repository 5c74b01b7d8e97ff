package api

import (
	"github.com/vendorrisk/vendorrisk/domain/acceptance"
	"github.com/vendorrisk/vendorrisk/domain/apikey"
	"github.com/vendorrisk/vendorrisk/domain/bulk"
	"github.com/vendorrisk/vendorrisk/domain/contract"
	"github.com/vendorrisk/vendorrisk/domain/decision"
	"github.com/vendorrisk/vendorrisk/domain/engagement"
	"github.com/vendorrisk/vendorrisk/domain/event"
	"github.com/vendorrisk/vendorrisk/domain/finding"
	"github.com/vendorrisk/vendorrisk/domain/policy"
	"github.com/vendorrisk/vendorrisk/domain/register"
	"github.com/vendorrisk/vendorrisk/domain/webhook"
)

// eventData names the domain value an event's data is a snapshot of: by event type first, then by
// subject. Events of other types (those still being converted, and those whose data is built for the
// occasion) are described as an object.
var (
	eventDataByType = map[string]any{
		"engagement.tier_changed":         engagement.TierChange{},
		bulk.CompletedType:                bulk.Completion{},
		webhook.SecretsRotatedType:        webhook.SecretsRotation{},
		bulk.FailedType:                   bulk.Failure{},
		"remediation_plan.proposed":       finding.PlanDecision{},
		"remediation_plan.accepted":       finding.PlanDecision{},
		"remediation_plan.rejected":       finding.PlanDecision{},
		"webhook_endpoint.tested":         nil,
		"vendor.certification.expiring":   nil,
		"vendor.certification.expired":    nil,
		"engagement.review_due":           nil,
		"engagement.review_overdue":       nil,
		"contract.notice_deadline_near":   nil,
		"contract.notice_deadline_passed": nil,
		"assessment.reminder":             nil, "assessment.overdue": nil, "remediation.overdue": nil, "remediation.reminder": nil,
		"assessment.escalated": nil, "remediation.escalated": nil,
		webhook.PingType: nil,
	}
	eventDataBySubject = map[string]any{
		"vendor": register.Vendor{}, "contact": register.Contact{}, "certification": register.Certification{},
		"subcontractor_link": register.Subcontractor{}, "engagement": engagement.Engagement{}, "contract": contract.Contract{},
		"risk_policy": policy.Policy{}, "decision": decision.Decision{}, "risk_acceptance": acceptance.Acceptance{},
		"api_key": apikey.Key{}, "webhook_endpoint": webhook.Endpoint{}, "webhook_delivery": webhook.Delivery{},
	}
)

// eventSchema is the JSON Schema of the body delivered for t.
func eventSchema(t event.Type) map[string]any {
	v, ok := eventDataByType[t.Type]
	if !ok {
		v = eventDataBySubject[t.Subject]
	}
	data := map[string]any{"type": "object"}
	if v != nil {
		data = event.Schema(v)
	}
	return webhook.BodySchema(t.Type, data)
}
