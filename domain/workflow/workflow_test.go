package workflow

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/domain/assessment"
	"github.com/vendorrisk/vendorrisk/domain/engagement"
	"github.com/vendorrisk/vendorrisk/domain/event"
	"github.com/vendorrisk/vendorrisk/domain/finding"
	"github.com/vendorrisk/vendorrisk/domain/register"
	"github.com/vendorrisk/vendorrisk/domain/risk"
	"github.com/vendorrisk/vendorrisk/domain/scoring"
)

// calls stands in for the services: it logs each call and fails those named in fail.
type calls struct {
	log  []string
	fail string
}

func (c *calls) call(format string, args ...any) error {
	s := fmt.Sprintf(format, args...)
	c.log = append(c.log, s)
	if c.fail != "" && strings.HasPrefix(s, c.fail) {
		return errors.New(c.fail + " failed")
	}
	return nil
}

func (c *calls) Upstream(_ context.Context, vendorID string) ([]string, error) {
	return []string{vendorID, "up-1"}, c.call("Upstream %s", vendorID)
}
func (c *calls) Refresh(_ context.Context, ids []string) error {
	return c.call("Refresh %s", strings.Join(ids, ","))
}
func (c *calls) RefreshAll(context.Context) error { return c.call("RefreshAll") }
func (c *calls) Assessed(_ context.Context, id string, at time.Time) error {
	return c.call("Assessed %s %s", id, at.Format(time.DateOnly))
}
func (c *calls) Retier(_ context.Context, id string, tier risk.Tier) error {
	return c.call("Retier %s %d", id, tier)
}
func (c *calls) FromAssessment(_ context.Context, o finding.Outcome) error {
	return c.call("FromAssessment %s %s", o.AssessmentID, o.EngagementID)
}
func (c *calls) Final(_ context.Context, id string) (assessment.Assessment, []assessment.Evidence, error) {
	done := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	a := assessment.Assessment{ID: id, EngagementID: "eng-1", Status: assessment.StatusCompleted, CompletedAt: &done,
		FinalScore: &scoring.Result{}}
	return a, nil, c.call("Final %s", id)
}

func bound(t *testing.T, c *calls) *Rules {
	t.Helper()
	r := New()
	if err := r.Bind(Deps{Vendors: c, Engagements: c, Findings: c, Assessments: c}); err != nil {
		t.Fatal(err)
	}
	return r
}

// The events as the services record them, so that the rules read the payloads the services write.
func events() map[string]event.Event {
	vendor := event.Subject{Type: "vendor", ID: "v-1", VendorID: "v-1"}
	link := event.Subject{Type: "subcontractor_link", ID: "l-1", VendorID: "v-1"}
	eng := event.Subject{Type: "engagement", ID: "eng-1", VendorID: "v-1"}
	return map[string]event.Event{
		"linked":   event.New("vendor.subcontractor.linked", link, nil, register.Subcontractor{ID: "l-1", VendorID: "v-1"}),
		"unlinked": event.New("vendor.subcontractor.unlinked", link, struct{ ID, VendorID string }{"l-1", "v-1"}, nil),
		"kind": event.New("vendor.updated", vendor, register.Vendor{ID: "v-1", Kind: "saas"},
			register.Vendor{ID: "v-1", Kind: "cloud_provider"}),
		"renamed": event.New("vendor.updated", vendor, register.Vendor{ID: "v-1", Name: "A"},
			register.Vendor{ID: "v-1", Name: "B"}),
		"policy": event.New("risk_policy.updated", event.Subject{Type: "risk_policy", ID: "2"}, nil, struct{ Version int }{2}),
		"tier": event.New("engagement.tier_changed", eng, nil, engagement.TierChange{EngagementID: "eng-1",
			VendorID: "v-1", From: risk.Tier3Medium, To: risk.Tier1Critical}),
		"completed": event.New("assessment.completed", event.Subject{Type: "assessment", ID: "as-1", VendorID: "v-1"}, nil, nil),
		"other":     event.New("engagement.updated", eng, nil, nil),
	}
}

func TestRulesFollowEvents(t *testing.T) {
	ev := events()
	for _, tc := range []struct {
		event string
		want  []string
	}{
		{"linked", []string{"Upstream v-1", "Refresh v-1,up-1"}},
		{"unlinked", []string{"Upstream v-1", "Refresh v-1,up-1"}},
		{"kind", []string{"Refresh v-1"}},
		{"renamed", nil},
		{"policy", []string{"RefreshAll"}},
		{"tier", []string{"Retier eng-1 1"}},
		{"completed", []string{"Final as-1", "FromAssessment as-1 eng-1", "Assessed eng-1 2026-03-04"}},
		{"other", nil},
	} {
		t.Run(tc.event, func(t *testing.T) {
			c := &calls{}
			if err := bound(t, c).Record(t.Context(), ev[tc.event]); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(c.log, tc.want) {
				t.Errorf("calls = %q, want %q", c.log, tc.want)
			}
		})
	}
}

// A rule that fails fails the Record, and so the transaction of the change that set it off.
func TestFailingRuleFailsTheChange(t *testing.T) {
	ev := events()
	for event, fail := range map[string]string{"linked": "Refresh", "policy": "RefreshAll", "tier": "Retier",
		"completed": "Assessed", "kind": "Refresh", "unlinked": "Upstream"} {
		c := &calls{fail: fail}
		if err := bound(t, c).Record(t.Context(), ev[event]); err == nil || !strings.Contains(err.Error(), fail+" failed") {
			t.Errorf("%s with %s failing: err = %v", event, fail, err)
		}
	}
}

// A forgotten wire is loud: rules never bound fail every event, and Bind refuses a missing dependency.
func TestForgottenDependencyFails(t *testing.T) {
	for name, e := range events() {
		if err := New().Record(t.Context(), e); !errors.Is(err, ErrUnbound) {
			t.Errorf("unbound rules on %s: err = %v, want ErrUnbound", name, err)
		}
	}
	c := &calls{}
	var nilVendors *register.Service
	for _, tc := range []struct {
		name    string
		deps    Deps
		missing string
	}{
		{"no vendors", Deps{Engagements: c, Findings: c, Assessments: c}, "Vendors"},
		{"nil vendors service", Deps{Vendors: nilVendors, Engagements: c, Findings: c, Assessments: c}, "Vendors"},
		{"no engagements", Deps{Vendors: c, Findings: c, Assessments: c}, "Engagements"},
		{"no findings", Deps{Vendors: c, Engagements: c, Assessments: c}, "Findings"},
		{"no assessments", Deps{Vendors: c, Engagements: c, Findings: c}, "Assessments"},
		{"none", Deps{}, "Assessments, Engagements, Findings, Vendors"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := New()
			err := r.Bind(tc.deps)
			if err == nil || !strings.HasSuffix(err.Error(), "missing "+tc.missing) {
				t.Fatalf("Bind = %v, want missing %s", err, tc.missing)
			}
			if err := r.Record(t.Context(), events()["policy"]); !errors.Is(err, ErrUnbound) {
				t.Errorf("after a refused Bind: err = %v, want ErrUnbound", err)
			}
		})
	}
	r := bound(t, c)
	if err := r.Bind(Deps{Vendors: c, Engagements: c, Findings: c, Assessments: c}); err == nil {
		t.Error("a second Bind succeeded")
	}
}
