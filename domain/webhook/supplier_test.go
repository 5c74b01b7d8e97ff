package webhook

import (
	"encoding/json"
	"testing"
)

func TestSupplierPayload(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"vendor data and changes keep listed fields",
			`{"id":"m","type":"vendor.updated","subject":{"type":"vendor","id":"v"},"vendor_id":"v","request_id":"r","reason":"typed by staff",
			  "data":{"id":"v","name":"N","tags":["x"],"internal_owner":"K"},"changes":[{"field":"name","before":"A","after":"N"},{"field":"tags","before":[],"after":["x"]}]}`,
			`{"changes":[{"after":"N","before":"A","field":"name"}],"data":{"id":"v","name":"N"},"id":"m","subject":{"type":"vendor","id":"v"},"type":"vendor.updated","vendor_id":"v"}`},
		{"a reminder keeps the system's reason, not the engagement",
			`{"id":"m","type":"assessment.reminder","subject":{"type":"assessment","id":"a"},"reason":"due soon","data":{"assessment_id":"a","engagement_id":"e","tier":1,"days_left":3}}`,
			`{"data":{"assessment_id":"a","days_left":3},"id":"m","reason":"due soon","subject":{"type":"assessment","id":"a"},"type":"assessment.reminder"}`},
		{"a finding loses its internal notes",
			`{"id":"m","type":"finding.raised","subject":{"type":"finding","id":"f"},"data":{"id":"f","title":"T","internal_notes":"secret","engagement_id":"e","score_bp":10}}`,
			`{"data":{"id":"f","title":"T"},"id":"m","subject":{"type":"finding","id":"f"},"type":"finding.raised"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SupplierPayload([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			var a, b any
			_ = json.Unmarshal(got, &a)
			_ = json.Unmarshal([]byte(tt.want), &b)
			ga, _ := json.Marshal(a)
			gb, _ := json.Marshal(b)
			if string(ga) != string(gb) {
				t.Errorf("got  %s\nwant %s", ga, gb)
			}
		})
	}
}

func TestSupplierSees(t *testing.T) {
	for _, tt := range []struct {
		typ, subject string
		want         bool
	}{
		{"assessment.sent", "assessment", true},
		{"assessment.escalated", "assessment", false},
		{"remediation.reminder", "remediation", true},
		{"engagement.created", "engagement", false},
		{"decision.approved", "decision", false},
		{"vendor.certification.expiring", "certification", true},
		{"vendor.deleted", "vendor", false},
		{"import.completed", "import", false},
		{"import.failed", "import", false},
		{SecretsRotatedType, SecretsKeySubject, false},
	} {
		if got := SupplierSees(tt.typ, tt.subject); got != tt.want {
			t.Errorf("SupplierSees(%s, %s) = %v", tt.typ, tt.subject, got)
		}
	}
}
