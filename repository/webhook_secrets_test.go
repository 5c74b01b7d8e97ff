package repository_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/webhook"
	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

// secretBox is a box on a key derived from name; source names it in errors as a key file would.
func secretBox(t *testing.T, name string) *repository.SecretBox {
	t.Helper()
	key := sha256.Sum256([]byte(name))
	b, err := repository.NewSecretBox(key[:], "/keys/"+name+".key")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// newEndpoint stores an endpoint with a fresh secret and returns it as stored.
func newEndpoint(t *testing.T, repo *repository.Webhooks) webhook.Endpoint {
	t.Helper()
	secret, err := webhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	e := webhook.Endpoint{ID: domain.NewID(), URL: "https://hooks.example.com/in", EventTypes: []string{"*"}, Enabled: true,
		Secret: secret, Version: 1, CreatedAt: start, UpdatedAt: start}
	if err := repo.CreateEndpoint(t.Context(), e, 0); err != nil {
		t.Fatal(err)
	}
	return e
}

// storedSecrets reads the secret columns as the database holds them.
func storedSecrets(t *testing.T, db *repository.DB, id string) (secret, previous string) {
	t.Helper()
	err := db.SQL().QueryRowContext(t.Context(), "SELECT secret, previous_secret FROM webhook_endpoints WHERE id = ?", id).
		Scan(&secret, &previous)
	if err != nil {
		t.Fatal(err)
	}
	return secret, previous
}

func setStored(t *testing.T, db *repository.DB, id, col, value string) {
	t.Helper()
	// Without cancel: it also puts values back in a cleanup, after the test's context ended.
	if _, err := db.SQL().ExecContext(context.WithoutCancel(t.Context()), "UPDATE webhook_endpoints SET "+col+" = ? WHERE id = ?", value, id); err != nil {
		t.Fatal(err)
	}
}

// requireSealed fails unless stored is sealed and holds none of the clear secrets.
func requireSealed(t *testing.T, what, stored string, clear ...string) {
	t.Helper()
	if !repository.IsSealed(stored) {
		t.Errorf("%s stored as %q, want it sealed", what, stored)
	}
	for _, c := range clear {
		key := strings.TrimPrefix(c, webhook.SecretPrefix)
		if strings.Contains(stored, c) || strings.Contains(stored, key) {
			t.Errorf("%s stored as %q contains the secret %q", what, stored, c)
		}
	}
}

// TestWebhookSecretsAreSealedAtRest: after a create and a rotation the columns hold sealed values
// only, and the endpoint reads back with its secrets in clear.
func TestWebhookSecretsAreSealedAtRest(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		repo := repository.NewWebhooks(db, secretBox(t, "deployment"))
		e := newEndpoint(t, repo)
		secret, previous := storedSecrets(t, db, e.ID)
		requireSealed(t, "secret after create", secret, e.Secret)
		if previous != "" {
			t.Errorf("previous_secret after create %q, want empty", previous)
		}

		old := e.Secret
		rotated, err := webhook.NewSecret()
		if err != nil {
			t.Fatal(err)
		}
		until := start.Add(time.Hour)
		e.PreviousSecret, e.PreviousSecretUntil, e.Secret = old, &until, rotated
		e.Version++
		if err := repo.UpdateEndpoint(t.Context(), e); err != nil {
			t.Fatal(err)
		}
		secret, previous = storedSecrets(t, db, e.ID)
		requireSealed(t, "secret after rotation", secret, rotated, old)
		requireSealed(t, "previous_secret after rotation", previous, rotated, old)

		got, err := repo.GetEndpoint(t.Context(), e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Secret != rotated || got.PreviousSecret != old {
			t.Errorf("read back secret %q previous %q, want %q and %q", got.Secret, got.PreviousSecret, rotated, old)
		}
		list, err := repo.ListEndpoints(t.Context(), "", 10)
		if err != nil || len(list) != 1 || list[0].Secret != rotated {
			t.Errorf("listed %+v, %v", list, err)
		}
	})
}

// TestSealedSecretOpensOnlyWhereItWasStored: a sealed secret copied to another endpoint's row (or to
// the other column) does not open there: the read fails naming the endpoint and the key, and the
// start-up check refuses.
func TestSealedSecretOpensOnlyWhereItWasStored(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		repo := repository.NewWebhooks(db, secretBox(t, "deployment"))
		a, b := newEndpoint(t, repo), newEndpoint(t, repo)
		sealedA, _ := storedSecrets(t, db, a.ID)
		for _, tc := range []struct{ name, id, col string }{
			{"another endpoint", b.ID, "secret"},
			{"the previous secret column", a.ID, "previous_secret"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				saved, savedPrev := storedSecrets(t, db, tc.id)
				t.Cleanup(func() {
					setStored(t, db, tc.id, "secret", saved)
					setStored(t, db, tc.id, "previous_secret", savedPrev)
				})
				setStored(t, db, tc.id, tc.col, sealedA)
				_, err := repo.GetEndpoint(t.Context(), tc.id)
				if !errors.Is(err, repository.ErrSecretKey) || !strings.Contains(err.Error(), tc.id) ||
					!strings.Contains(err.Error(), "/keys/deployment.key") {
					t.Errorf("read with a moved secret: %v", err)
				}
				_, err = repo.SealSecrets(t.Context())
				if !errors.Is(err, repository.ErrSecretKey) || !strings.Contains(err.Error(), "altered") {
					t.Errorf("start-up check with a moved secret: %v", err)
				}
			})
		}
		if _, err := repo.GetEndpoint(t.Context(), b.ID); err != nil {
			t.Errorf("after putting it back: %v", err)
		}
	})
}

// TestSealSecretsUpgradesClearSecrets: secrets stored in clear by an older version read as they are,
// and the start-up pass seals them all (across batches) without changing them; a second pass has
// nothing left to do.
func TestSealSecretsUpgradesClearSecrets(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		ctx := t.Context()
		repo := repository.NewWebhooks(db, secretBox(t, "deployment"))
		const n = 130 // more than one batch
		clear := map[string][2]string{}
		for i := range n {
			e := newEndpoint(t, repo)
			prev := ""
			if i%3 == 0 {
				prev = fmt.Sprintf("whsec_%044d", i)
			}
			setStored(t, db, e.ID, "secret", e.Secret)
			setStored(t, db, e.ID, "previous_secret", prev)
			clear[e.ID] = [2]string{e.Secret, prev}
		}
		some := newEndpoint(t, repo) // sealed already
		clear[some.ID] = [2]string{some.Secret, ""}

		for id, c := range clear {
			got, err := repo.GetEndpoint(ctx, id)
			if err != nil || got.Secret != c[0] || got.PreviousSecret != c[1] {
				t.Fatalf("legacy read of %s: %+v, %v", id, got, err)
			}
			break
		}
		rep, err := repo.SealSecrets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wantSealed := n + (n+2)/3
		if rep.Sealed != wantSealed || rep.Opened != 1 {
			t.Errorf("first pass %+v, want %d sealed and 1 opened", rep, wantSealed)
		}
		for id, c := range clear {
			secret, previous := storedSecrets(t, db, id)
			requireSealed(t, "secret", secret, c[0])
			if c[1] != "" {
				requireSealed(t, "previous_secret", previous, c[1])
			} else if previous != "" {
				t.Errorf("empty previous secret stored as %q", previous)
			}
			got, err := repo.GetEndpoint(ctx, id)
			if err != nil || got.Secret != c[0] || got.PreviousSecret != c[1] {
				t.Errorf("after the upgrade %s reads %q / %q (%v)", id, got.Secret, got.PreviousSecret, err)
			}
		}
		rep, err = repo.SealSecrets(ctx)
		if err != nil || rep.Sealed != 0 || rep.Opened != wantSealed+1 {
			t.Errorf("second pass %+v, %v", rep, err)
		}
	})
}

// TestWrongSecretsKeyIsRefused: with another key the start-up check fails naming the key and seals
// nothing (a clear secret stays clear for the right key to seal), and a read fails the same way.
func TestWrongSecretsKeyIsRefused(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		ctx := t.Context()
		right := repository.NewWebhooks(db, secretBox(t, "deployment"))
		sealed := newEndpoint(t, right)
		legacy := newEndpoint(t, right)
		setStored(t, db, legacy.ID, "secret", legacy.Secret)

		wrong := repository.NewWebhooks(db, secretBox(t, "other"))
		_, err := wrong.SealSecrets(ctx)
		if !errors.Is(err, repository.ErrSecretKey) || !strings.Contains(err.Error(), "/keys/other.key") ||
			!strings.Contains(err.Error(), "not the key") {
			t.Fatalf("start-up with the wrong key: %v", err)
		}
		if secret, _ := storedSecrets(t, db, legacy.ID); secret != legacy.Secret {
			t.Errorf("the wrong key sealed the clear secret: %q", secret)
		}
		if _, err := wrong.GetEndpoint(ctx, sealed.ID); !errors.Is(err, repository.ErrSecretKey) ||
			!strings.Contains(err.Error(), "/keys/other.key") {
			t.Errorf("read with the wrong key: %v", err)
		}
		if _, err := right.SealSecrets(ctx); err != nil {
			t.Errorf("the right key after the refusal: %v", err)
		}
	})
}

// TestSecretBox covers what the box refuses: keys of the wrong size, unknown formats, damage.
func TestSecretBox(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33} {
		if _, err := repository.NewSecretBox(make([]byte, n), "k.key"); err == nil || !strings.Contains(err.Error(), "k.key") {
			t.Errorf("%d-byte key: %v", n, err)
		}
	}
	box := secretBox(t, "unit")
	sealed, err := box.Seal("whsec_x", "w/1/secret")
	if err != nil {
		t.Fatal(err)
	}
	flip := "A"
	if sealed[len(sealed)-3] == 'A' {
		flip = "B"
	}
	flipped := sealed[:len(sealed)-3] + flip + sealed[len(sealed)-2:]
	again, _ := box.Seal("whsec_x", "w/1/secret")
	if sealed == again {
		t.Error("two seals of one value are equal: the nonce is not fresh")
	}
	for _, tc := range []struct {
		name, stored, where, want string
	}{
		{"sealed", sealed, "w/1/secret", "whsec_x"},
		{"clear legacy value", "whsec_y", "w/1/secret", "whsec_y"},
		{"empty", "", "w/1/secret", ""},
		{"elsewhere", sealed, "w/2/secret", "error"},
		{"unknown format", "enc:v9:AAAA", "w/1/secret", "error"},
		{"not base64", "enc:v1:***", "w/1/secret", "error"},
		{"too short", "enc:v1:AAAA", "w/1/secret", "error"},
		{"flipped byte", flipped, "w/1/secret", "error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := box.Open(tc.stored, tc.where)
			if tc.want == "error" {
				if err == nil {
					t.Errorf("opened %q as %q", tc.stored, got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("Open = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	var none *repository.SecretBox
	if _, err := none.Seal("whsec_x", "w"); err == nil {
		t.Error("a nil box sealed")
	}
	if _, err := none.Open(sealed, "w"); err == nil {
		t.Error("a nil box opened")
	}
}
