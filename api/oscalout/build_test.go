package oscalout

import (
	"regexp"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/domain/acceptance"
	"github.com/vendorrisk/vendorrisk/domain/finding"
)

// The NCName pattern of OSCAL's TokenDatatype (Go's RE2 knows \p{L} and \p{N}).
var token = regexp.MustCompile(`^(\p{L}|_)(\p{L}|\p{N}|[.\-_])*$`)

func TestControlToken(t *testing.T) {
	cases := []struct{ ref, want string }{
		{"iso27001-2022:5.19", "iso27001-2022_5.19"},
		{"iso27001-2005:A.6.1.8", "iso27001-2005_A.6.1.8"},
		{"nist-800-53:ac-2(1)", "nist-800-53_ac-2-1-"},
		{"5.19", "_5.19"},
		{"fisc:実1", "fisc_実1"},
		{"", "_"},
		{"a b/c", "a-b-c"},
	}
	for _, tc := range cases {
		got := ControlToken(tc.ref)
		if got != tc.want || !token.MatchString(got) {
			t.Errorf("ControlToken(%q) = %q, want %q (a valid OSCAL token)", tc.ref, got, tc.want)
		}
	}
}

func TestIDsAreStableUUIDv5(t *testing.T) {
	a, b := id("finding", "0193a7c2-5b1e-7d3a-9f00-1c2d3e4f5a6b"), id("finding", "0193a7c2-5b1e-7d3a-9f00-1c2d3e4f5a6b")
	if a != b || a == id("risk", "0193a7c2-5b1e-7d3a-9f00-1c2d3e4f5a6b") {
		t.Errorf("ids %s, %s: want equal for the same object and different across kinds", a, b)
	}
	if a[14] != '5' {
		t.Errorf("id %s is not a version 5 UUID", a)
	}
}

func TestRiskStatusAndLifecycle(t *testing.T) {
	statuses := map[finding.Status]string{finding.StatusOpen: "open", finding.StatusRemediationPlanned: "remediating",
		finding.StatusInProgress: "remediating", finding.StatusResolved: "remediating", finding.StatusClosed: "closed",
		finding.StatusRiskAccepted: "deviation-approved"}
	for s, want := range statuses {
		if got := riskStatus(s); got != want {
			t.Errorf("riskStatus(%s) = %s, want %s", s, got, want)
		}
	}
	due := time.Date(2025, 9, 30, 0, 0, 0, 0, time.UTC)
	lifecycles := map[finding.RemediationStatus]string{finding.RemOpen: "planned", finding.RemInProgress: "planned",
		finding.RemDone: "completed", finding.RemVerified: "completed"}
	for s, want := range lifecycles {
		r := responseOf(finding.Remediation{ID: "r1", Status: s, DueDate: due, Description: " fix\n it "})
		if r.Lifecycle != want || r.Tasks[0].Timing.OnDate.Date != "2025-09-30T00:00:00Z" {
			t.Errorf("remediation %s: lifecycle %s, due %s; want %s", s, r.Lifecycle, r.Tasks[0].Timing.OnDate.Date, want)
		}
	}
}

// TestAcceptedRisk: an active acceptance makes the risk deviation-approved until its last day, with
// the approval in the risk log; a finding of another status keeps its own risk status.
func TestAcceptedRisk(t *testing.T) {
	approved := time.Date(2025, 4, 2, 10, 0, 0, 0, time.UTC)
	a := acceptance.Acceptance{ID: "acc1", FindingID: "f1", Status: acceptance.StatusActive, Justification: " VPN only ",
		ExpiresOn: time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC), RequestedBy: acceptance.Person{Name: "Asker"},
		ApprovedBy: &acceptance.Person{Name: "Approver"}, ApprovedAt: &approved, UpdatedAt: approved}
	doc := BuildPOAM(POAMInput{EngagementID: "e1", VendorID: "v1", Findings: []finding.Stored{
		{Finding: finding.Finding{ID: "f1", Title: "Accepted", Status: finding.StatusRiskAccepted}},
		{Finding: finding.Finding{ID: "f2", Title: "Open", Status: finding.StatusOpen}},
	}, Acceptances: map[string]acceptance.Acceptance{"f1": a, "f2": a}})
	r := doc.POAM.Risks
	if len(r) != 2 || r[0].Status != "deviation-approved" || r[0].Deadline != "2025-05-01T00:00:00Z" || r[0].RiskLog == nil {
		t.Fatalf("accepted risk %+v", r)
	}
	e := r[0].RiskLog.Entries[0]
	if e.StatusChange != "deviation-approved" || e.Start != "2025-04-02T10:00:00Z" || e.Description != "VPN only" {
		t.Errorf("risk log entry %+v", e)
	}
	if r[1].Status != "open" || r[1].RiskLog != nil {
		t.Errorf("an open finding's risk took the acceptance: %+v", r[1])
	}
	if doc.POAM.Metadata.LastModified != "2025-04-02T10:00:00Z" {
		t.Errorf("last-modified %s, want the approval", doc.POAM.Metadata.LastModified)
	}
	for s, want := range map[finding.Status]bool{finding.StatusOpen: true, finding.StatusResolved: true,
		finding.StatusRiskAccepted: true, finding.StatusClosed: false} {
		if InPOAM(s) != want {
			t.Errorf("InPOAM(%s) = %v", s, !want)
		}
	}
}
