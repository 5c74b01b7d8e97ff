package workflow

import (
	"strings"
	"testing"
	"time"
)

// A decision or acceptance that would read from a source never given fails at construction.
func TestNewFactsRefusesMissingSource(t *testing.T) {
	_, err := NewFacts(Sources{}, nil)
	want := "missing Certifications, Contracts, Engagements, Findings, Policies, Remediations, clock"
	if err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Fatalf("NewFacts = %v, want %q", err, want)
	}
	_, err = NewFacts(Sources{}, time.Now)
	if err == nil || strings.Contains(err.Error(), "clock") {
		t.Fatalf("NewFacts with a clock = %v", err)
	}
}
