package api_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/domain/auth"
)

// TestSupplierScopedWebhook: an endpoint scoped to a vendor receives that vendor's events a supplier
// may see, signed, without internal fields (tags, internal owner, engagement ids, request ids, the
// reasons internal users typed), and nothing about other vendors or internal records; an internal
// endpoint receives everything. A scoped endpoint needs an existing vendor.
func TestSupplierScopedWebhook(t *testing.T) {
	eachHookDB(t, open, func(t *testing.T, h *hookEnv) {
		internal, scoped := newReceiver(t, nil), newReceiver(t, nil)
		h.subscribe(t, internal.url(), "*")
		f := h.fixture(t)
		var ep api.WebhookEndpointWithSecret
		must(t, h.do(t, "POST", "/api/v1/webhook-endpoints", h.admin, map[string]any{"url": scoped.url(), "event_types": []string{"*"},
			"vendor_id": f.vendor}), http.StatusCreated).into(t, &ep)
		if ep.VendorID != f.vendor {
			t.Fatalf("endpoint vendor_id %q, want %q", ep.VendorID, f.vendor)
		}
		wantProblem(t, h.do(t, "POST", "/api/v1/webhook-endpoints", h.admin, map[string]any{"url": scoped.url(),
			"event_types": []string{"*"}, "vendor_id": "0190c2a4-6f1e-7c3a-9b2d-3f5e8a1c2b4d"}), http.StatusUnprocessableEntity, "vendor_id")

		must(t, h.do(t, "PATCH", "/api/v1/vendors/"+f.vendor, h.admin, map[string]any{"name": "Renamed Vendor",
			"tags": []string{"payroll-critical"}, "internal_owner": "Ken Sato"}), http.StatusOK)
		must(t, h.do(t, "PATCH", "/api/v1/vendors/"+f.other, h.admin, map[string]any{"name": "Other Renamed"}), http.StatusOK)
		h.newContact(t, f.vendor, map[string]any{"name": "Hanako", "email": "hanako@example.com"})
		eng := h.createEngagement(t, engagementBody(f.vendor)).ID
		must(t, h.do(t, "POST", "/api/v1/engagements/"+eng+"/tier-override", h.key(t, auth.RoleRiskOwner, ""),
			map[string]any{"tier": 1, "reason": "runs payroll"}), http.StatusOK)
		h.assessmentFixture(t, &f)
		must(t, h.do(t, "POST", "/api/v1/findings", h.admin, map[string]any{"engagement_id": eng, "title": "No MFA",
			"severity": "high", "internal_notes": "CISO worried"}), http.StatusCreated)
		// An import's completion belongs to no vendor and is internal (it names the file and the counts).
		must(t, h.do(t, "POST", "/api/v1/vendors/import", h.admin, fileUpload("v.csv", []byte("name,kind\nHook Import,contractor\n"))),
			http.StatusOK)
		w := h.worker("replica-1", open)
		for range 3 {
			pass(t, w)
		}

		got := map[string]bool{}
		for _, g := range scoped.ok() {
			if err := verifyWebhook(ep.Secret, g.header, g.body, h.clock.Now()); err != nil {
				t.Errorf("signature of a scoped message: %v", err)
			}
			b := g.event(t)
			got[b.Type] = true
			if b.VendorID != f.vendor {
				t.Errorf("%s about vendor %s reached the endpoint scoped to %s", b.Type, b.VendorID, f.vendor)
			}
			for _, leak := range []string{"payroll-critical", "Ken Sato", "internal_owner", "tags", "engagement_id", "CISO worried",
				"internal_notes", "runs payroll", "request_id", "effective_tier"} {
				if strings.Contains(string(g.body), leak) {
					t.Errorf("%s to the supplier carries %q: %s", b.Type, leak, g.body)
				}
			}
		}
		for _, want := range []string{"vendor.updated", "vendor.contact.created", "assessment.sent", "finding.raised"} {
			if !got[want] {
				t.Errorf("the scoped endpoint got no %s (got %v)", want, got)
			}
		}
		for _, internalOnly := range []string{"engagement.created", "engagement.tier_overridden", "vendor.created", "import.completed"} {
			if got[internalOnly] {
				t.Errorf("the scoped endpoint got %s", internalOnly)
			}
		}
		// The vendor update reaches the supplier with the name change (and the version) only.
		for _, g := range scoped.ok() {
			if b := g.event(t); b.Type == "vendor.updated" {
				var changes []struct{ Field string }
				if err := json.Unmarshal(b.Changes, &changes); err != nil {
					t.Fatal(err)
				}
				var fields []string
				for _, c := range changes {
					fields = append(fields, c.Field)
				}
				if !slices.Equal(fields, []string{"name", "version"}) {
					t.Errorf("vendor.updated changes to the supplier: %v, want [name version]", fields)
				}
			}
		}
		// The internal endpoint got the internal records and fields.
		all := map[string]bool{}
		tagged := false
		for _, g := range internal.ok() {
			all[g.event(t).Type] = true
			tagged = tagged || strings.Contains(string(g.body), "payroll-critical")
		}
		if !all["engagement.tier_overridden"] || !all["import.completed"] || !tagged {
			t.Errorf("the internal endpoint misses internal events or fields: %v", all)
		}
	})
}
