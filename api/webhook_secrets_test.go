package api_test

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/cmd/vendorrisk/wiring"
	"github.com/vendorrisk/vendorrisk/domain/webhook"
	"github.com/vendorrisk/vendorrisk/outbound"
	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

// storedHookSecrets reads an endpoint's secret columns as the database holds them.
func storedHookSecrets(t *testing.T, db *repository.DB, id string) []string {
	t.Helper()
	var secret, previous string
	err := db.SQL().QueryRowContext(t.Context(), "SELECT secret, previous_secret FROM webhook_endpoints WHERE id = ?", id).
		Scan(&secret, &previous)
	if err != nil {
		t.Fatal(err)
	}
	return []string{secret, previous}
}

// requireNoClearSecret fails when a stored column holds one of the secrets, or is not sealed.
func requireNoClearSecret(t *testing.T, when string, stored []string, secrets ...string) {
	t.Helper()
	for _, col := range stored {
		if col != "" && !repository.IsSealed(col) {
			t.Errorf("%s: stored %q is not sealed", when, col)
		}
		for _, s := range secrets {
			if strings.Contains(col, s) || strings.Contains(col, strings.TrimPrefix(s, "whsec_")) {
				t.Errorf("%s: the database holds the secret %q", when, s)
			}
		}
	}
}

// TestWebhookSecretsSealedAtRest: the database never holds an endpoint's secret in clear (after a
// create, a rotation, and the start-up upgrade of a secret an older version stored in clear), and
// deliveries still verify with the secrets the API returned.
func TestWebhookSecretsSealedAtRest(t *testing.T) {
	eachHookDB(t, open, func(t *testing.T, h *hookEnv) {
		rcv := newReceiver(t, nil)
		ep := h.subscribe(t, rcv.url(), "vendor.*")
		requireNoClearSecret(t, "after create", storedHookSecrets(t, h.db, ep.ID), ep.Secret)

		var rot api.WebhookEndpointWithSecret
		must(t, h.do(t, "POST", "/api/v1/webhook-endpoints/"+ep.ID+"/rotate-secret", h.admin, nil), http.StatusOK).into(t, &rot)
		stored := storedHookSecrets(t, h.db, ep.ID)
		if stored[1] == "" {
			t.Fatal("no previous secret stored during the grace period")
		}
		requireNoClearSecret(t, "after rotation", stored, ep.Secret, rot.Secret)

		w := h.worker("replica-1", open)
		h.newVendor(t, "Sealed Vendor")
		if st := pass(t, w); st.Succeeded != 1 {
			t.Fatalf("pass %+v, want 1 delivered", st)
		}
		got := rcv.ok()[0]
		for _, secret := range []string{ep.Secret, rot.Secret} {
			if err := verifyWebhook(secret, got.header, got.body, h.clock.Now()); err != nil {
				t.Errorf("delivery does not verify with a secret the API returned: %v", err)
			}
		}

		// An older version stored the secrets in clear: they are read as they are, and sealed at start-up.
		if _, err := h.db.SQL().ExecContext(t.Context(), "UPDATE webhook_endpoints SET secret = ?, previous_secret = ? WHERE id = ?",
			rot.Secret, ep.Secret, ep.ID); err != nil {
			t.Fatal(err)
		}
		h.newVendor(t, "Read In Clear")
		if st := pass(t, w); st.Succeeded != 1 {
			t.Fatalf("pass on clear secrets %+v, want 1 delivered", st)
		}
		rep, err := h.svc.SealWebhookSecrets(t.Context())
		if err != nil || rep.Sealed != 2 {
			t.Fatalf("start-up upgrade %+v, %v", rep, err)
		}
		requireNoClearSecret(t, "after the upgrade", storedHookSecrets(t, h.db, ep.ID), ep.Secret, rot.Secret)
		h.newVendor(t, "After The Upgrade")
		if st := pass(t, w); st.Succeeded != 1 {
			t.Fatalf("pass after the upgrade %+v, want 1 delivered", st)
		}
		for _, g := range rcv.ok()[1:] {
			if err := verifyWebhook(rot.Secret, g.header, g.body, h.clock.Now()); err != nil {
				t.Errorf("%s: %v", g.event(t).Type, err)
			}
		}
	})
}

// TestWebhookWrongSecretsKey: a replica started with another secrets key refuses at start-up, naming
// its key file, and its worker delivers nothing (rather than sign with garbage).
func TestWebhookWrongSecretsKey(t *testing.T) {
	eachHookDB(t, open, func(t *testing.T, h *hookEnv) {
		rcv := newReceiver(t, nil)
		h.subscribe(t, rcv.url(), "vendor.*")
		h.newVendor(t, "Waiting Vendor")

		key := sha256.Sum256([]byte("another deployment's key"))
		box, err := repository.NewSecretBox(key[:], "/etc/vendorrisk/other-secrets.key")
		if err != nil {
			t.Fatal(err)
		}
		other := wiring.WireWith(h.db, h.clock.Now, h.blobs, wiring.Options{Webhooks: open, Observe: produced, Secrets: box})
		_, err = other.SealWebhookSecrets(t.Context())
		if !errors.Is(err, repository.ErrSecretKey) || !strings.Contains(err.Error(), "/etc/vendorrisk/other-secrets.key") {
			t.Fatalf("start-up with the wrong key: %v", err)
		}
		w := other.WebhookWorker(h.db, "wrong-key", h.clock.Now, outbound.New(open, hookConfig.Timeout), hookConfig, testdb.Logger())
		if _, err := w.RunOnce(t.Context()); !errors.Is(err, repository.ErrSecretKey) ||
			!strings.Contains(err.Error(), "/etc/vendorrisk/other-secrets.key") {
			t.Errorf("delivery pass with the wrong key: %v", err)
		}
		if n := len(rcv.hits()); n != 0 {
			t.Errorf("the wrong key delivered %d requests", n)
		}
		if st := pass(t, h.worker("right-key", open)); st.Succeeded != 1 {
			t.Errorf("the right key then delivers %+v", st)
		}
	})
}

// TestWebhookSecretsKeyRotation: "secrets rotate" on a replica with a new key, the old one as
// previous, re-seals both secrets of an endpoint under the new key; a replica with only the new key
// delivers and its deliveries verify with the secrets the API returned, while one left with only the
// old key refuses at start-up and delivers nothing, naming the new key's id.
func TestWebhookSecretsKeyRotation(t *testing.T) {
	eachHookDB(t, open, func(t *testing.T, h *hookEnv) {
		rcv := newReceiver(t, nil)
		ep := h.subscribe(t, rcv.url(), "vendor.*")
		var rot api.WebhookEndpointWithSecret
		must(t, h.do(t, "POST", "/api/v1/webhook-endpoints/"+ep.ID+"/rotate-secret", h.admin, nil), http.StatusOK).into(t, &rot)

		oldKey := sha256.Sum256([]byte("vendorrisk test secrets key")) // testSecrets' key
		newKey := sha256.Sum256([]byte("the rotated secrets key"))
		onlyNew, err := repository.NewSecretBox(newKey[:], "/etc/vendorrisk/new-secrets.key")
		if err != nil {
			t.Fatal(err)
		}
		both, err := onlyNew.WithPrevious(oldKey[:], "/etc/vendorrisk/old-secrets.key")
		if err != nil {
			t.Fatal(err)
		}
		wire := func(box *repository.SecretBox) wiring.Services {
			return wiring.WireWith(h.db, h.clock.Now, h.blobs, wiring.Options{Webhooks: open, Observe: produced, Secrets: box})
		}
		rep, err := wire(both).RotateWebhookSecrets(t.Context())
		if err != nil || rep.Sealed != 2 || rep.Current != 0 || rep.Failed != 0 {
			t.Fatalf("rotation %+v, %v; want 2 re-sealed", rep, err)
		}
		kid := repository.KeyID(newKey[:])
		stored := storedHookSecrets(t, h.db, ep.ID)
		for _, s := range stored {
			if repository.SealedKeyID(s) != kid {
				t.Errorf("stored %q, want sealed under key id %s", s, kid)
			}
		}
		requireNoClearSecret(t, "after the key rotation", stored, ep.Secret, rot.Secret)
		rotated := h.lastAuditEvent(t)
		wantSecretsRotated(t, rotated, kid, repository.KeyID(oldKey[:]))
		// A rotation with nothing to re-seal records nothing.
		if rep, err := wire(both).RotateWebhookSecrets(t.Context()); err != nil || rep.Sealed != 0 || rep.Current != 2 {
			t.Fatalf("second rotation %+v, %v; want 2 current", rep, err)
		}
		if ev := h.lastAuditEvent(t); ev["id"] != rotated["id"] {
			t.Errorf("a rotation that re-sealed nothing recorded %v", ev["action"])
		}

		h.newVendor(t, "After The Key Rotation")
		if _, err := h.svc.SealWebhookSecrets(t.Context()); !errors.Is(err, repository.ErrSecretKey) || !strings.Contains(err.Error(), kid) {
			t.Errorf("start-up with only the old key: %v", err)
		}
		if _, err := h.worker("old-key", open).RunOnce(t.Context()); !errors.Is(err, repository.ErrSecretKey) || !strings.Contains(err.Error(), kid) {
			t.Errorf("delivery pass with only the old key: %v", err)
		}
		if n := len(rcv.hits()); n != 0 {
			t.Fatalf("the old key delivered %d requests", n)
		}

		newOnly := wire(onlyNew)
		if _, err := newOnly.SealWebhookSecrets(t.Context()); err != nil {
			t.Errorf("start-up with only the new key: %v", err)
		}
		w := newOnly.WebhookWorker(h.db, "new-key", h.clock.Now, outbound.New(open, hookConfig.Timeout), hookConfig, testdb.Logger())
		if st := pass(t, w); st.Succeeded != 1 {
			t.Fatalf("pass with the new key %+v, want 1 delivered", st)
		}
		got := rcv.ok()[0]
		for _, secret := range []string{ep.Secret, rot.Secret} {
			if err := verifyWebhook(secret, got.header, got.body, h.clock.Now()); err != nil {
				t.Errorf("delivery after the key rotation does not verify with a secret the API returned: %v", err)
			}
		}
	})
}

// wantSecretsRotated checks ev is webhook_secrets.rotated by the system, naming the keys by id only.
func wantSecretsRotated(t *testing.T, ev map[string]any, kid, prev string) {
	t.Helper()
	if ev["action"] != webhook.SecretsRotatedType || ev["resource_type"] != webhook.SecretsKeySubject || ev["resource_id"] != kid ||
		ev["actor_role"] != "system" {
		t.Fatalf("event %v on %v %v by %v, want %s on the new key", ev["action"], ev["resource_type"], ev["resource_id"],
			ev["actor_role"], webhook.SecretsRotatedType)
	}
	raw, _ := json.Marshal(ev["result"].(map[string]any)["data"])
	var got struct {
		KeyID          string   `json:"key_id"`
		PreviousKeyIDs []string `json:"previous_key_ids"`
		Resealed       int      `json:"resealed"`
		Current        int      `json:"current"`
		Failed         int      `json:"failed"`
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if got.KeyID != kid || len(got.PreviousKeyIDs) != 1 || got.PreviousKeyIDs[0] != prev || got.Resealed != 2 || got.Current != 0 ||
		got.Failed != 0 {
		t.Errorf("data %s", raw)
	}
}
