package webhook

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// A supplier-scoped endpoint (Endpoint.VendorID set) is a supplier's own system: it receives the
// events about that vendor that the supplier's API would show it, with the fields that API shows and
// nothing internal. What it may see is listed here, field by field, so that a new internal field is
// withheld until someone decides otherwise.

// supplierFields are, per subject type, the data fields a supplier-scoped endpoint receives. Subjects
// not listed (engagements, contracts, decisions, acceptances, imports, the policy, keys, endpoints,
// the secrets key) are internal.
var supplierFields = map[string][]string{
	"vendor": {"id", "name", "legal_name", "kind", "status", "country", "corporate_number", "registration_ids", "website",
		"description", "version", "created_at", "updated_at"},
	"contact": {"id", "vendor_id", "name", "email", "phone", "role", "primary", "version", "created_at", "updated_at"},
	"certification": {"id", "vendor_id", "scheme", "scheme_name", "certificate_id", "issuer", "scope", "valid_from",
		"valid_until", "version", "created_at", "updated_at", "certification_id", "days_left"},
	"assessment": {"id", "assessment_id", "vendor_id", "status", "due_date", "days_left", "message", "return_comment", "sent_at",
		"submitted_at", "completed_at", "version", "created_at", "updated_at"},
	"finding": {"id", "vendor_id", "assessment_id", "question_key", "title", "answer", "control_refs", "severity", "status",
		"supplier_response", "next_due", "version", "created_at", "updated_at"},
	"remediation": {"id", "remediation_id", "finding_id", "vendor_id", "type", "description", "owner", "status", "due_date",
		"days_left", "comment", "verified_at", "version", "created_at", "updated_at"},
}

// supplierWithheld are event types about visible subjects that are still internal: escalations name
// internal owners, answer reviews are the reviewers' notes, a deletion is the register's business.
var supplierWithheld = []string{"assessment.escalated", "remediation.escalated", "assessment.answers_reviewed", "vendor.deleted"}

// supplierReasons are the event types whose reason a supplier reads: the system's own words about a
// date. Other reasons are typed by internal users.
var supplierReasons = []string{"assessment.reminder", "assessment.overdue", "remediation.reminder", "remediation.overdue",
	"vendor.certification.expiring", "vendor.certification.expired"}

// SupplierSees reports whether an endpoint scoped to a supplier receives events of typ about a
// subject of subjectType.
func SupplierSees(typ, subjectType string) bool {
	_, ok := supplierFields[subjectType]
	return ok && !slices.Contains(supplierWithheld, typ) && typ != PingType
}

// wants reports whether the endpoint receives m: its filters match, and a supplier-scoped endpoint
// gets only its vendor's events a supplier may see.
func (e Endpoint) wants(m Message) bool {
	if m.EndpointID != "" {
		return m.EndpointID == e.ID
	}
	if !e.Wants(m.Type) {
		return false
	}
	return e.VendorID == "" || (m.VendorID == e.VendorID && SupplierSees(m.Type, m.SubjectType))
}

// payload is the body the endpoint receives for m: the message as recorded, or a supplier's view of it.
func (e Endpoint) payload(m Message) ([]byte, error) {
	if e.VendorID == "" || m.EndpointID != "" {
		return m.Payload, nil
	}
	return SupplierPayload(m.Payload)
}

// SupplierPayload is body as a supplier-scoped endpoint receives it: data and changes keep only the
// fields listed for the subject type, the reason only where the system wrote it, and the request id
// (an internal correlation id) is dropped.
func SupplierPayload(body []byte) ([]byte, error) {
	var b map[string]json.RawMessage
	if err := json.Unmarshal(body, &b); err != nil {
		return nil, fmt.Errorf("read an outbox message: %w", err)
	}
	var head struct {
		Type    string `json:"type"`
		Subject struct {
			Type string `json:"type"`
		} `json:"subject"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		return nil, fmt.Errorf("read an outbox message: %w", err)
	}
	allowed := supplierFields[head.Subject.Type]
	for _, key := range []string{"data", "changes"} {
		raw, ok := b[key]
		if !ok {
			continue
		}
		kept, err := keepFields(raw, allowed)
		if err != nil {
			return nil, fmt.Errorf("filter %s of %s: %w", key, head.Type, err)
		}
		b[key] = kept
	}
	if !slices.Contains(supplierReasons, head.Type) {
		delete(b, "reason")
	}
	delete(b, "request_id")
	out, err := json.Marshal(b)
	if err != nil {
		return nil, fmt.Errorf("encode a supplier's message: %w", err)
	}
	return out, nil
}

// keepFields keeps the allowed keys of a JSON object (data) or of each change (changes: a list of
// {field, before, after}, or an object by field).
func keepFields(raw json.RawMessage, allowed []string) (json.RawMessage, error) {
	if s := strings.TrimSpace(string(raw)); s == "null" || s == "" {
		return raw, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err == nil {
		for k := range obj {
			if !slices.Contains(allowed, k) {
				delete(obj, k)
			}
		}
		return json.Marshal(obj)
	}
	var list []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, err
	}
	kept := list[:0]
	for _, c := range list {
		var field string
		if err := json.Unmarshal(c["field"], &field); err == nil && slices.Contains(allowed, field) {
			kept = append(kept, c)
		}
	}
	return json.Marshal(kept)
}
