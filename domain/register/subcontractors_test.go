package register

import (
	"strings"
	"testing"
)

func TestSubcontractorValidation(t *testing.T) {
	const a, b = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c"
	tests := []struct {
		name   string
		s      Subcontractor
		fields []string
	}{
		{"valid", Subcontractor{VendorID: a, SubcontractorID: b, Service: "hosting"}, nil},
		{"self link", Subcontractor{VendorID: a, SubcontractorID: a, Service: "hosting"}, []string{"subcontractor_id"}},
		{"not an id", Subcontractor{VendorID: a, SubcontractorID: "acme", Service: "hosting"}, []string{"subcontractor_id"}},
		{"service blank", Subcontractor{VendorID: a, SubcontractorID: b, Service: "  "}, []string{"service"}},
		{"service too long", Subcontractor{VendorID: a, SubcontractorID: b, Service: strings.Repeat("s", 201)}, []string{"service"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.s
			s.normalize()
			assertFields(t, s.validate(), tt.fields)
		})
	}
}
