package workflow

import (
	"strings"
	"testing"
)

// Assessments built without a source they call fail at construction; evidence storage is optional.
func TestAssessmentDepsRefuseMissingSource(t *testing.T) {
	_, err := AssessmentDeps(AssessmentSources{})
	if want := "missing Engagements, Keys, Policies, Templates"; err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Fatalf("AssessmentDeps = %v, want %q", err, want)
	}
}
