package repository_test

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

// keyOf is the raw key secretBox derives from name.
func keyOf(name string) []byte {
	k := sha256.Sum256([]byte(name))
	return k[:]
}

// rotatedBox is a box sealing with current and opening with previous too.
func rotatedBox(t *testing.T, current string, previous ...string) *repository.SecretBox {
	t.Helper()
	b := secretBox(t, current)
	for _, p := range previous {
		var err error
		if b, err = b.WithPrevious(keyOf(p), "/keys/"+p+".key"); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// rotationFixture stores endpoints sealed under key "a": some with a previous secret, one in the v1
// form, one in clear. It returns the clear secrets by endpoint id and how many values are stored.
func rotationFixture(t *testing.T, db *repository.DB, n int) (map[string][2]string, int) {
	t.Helper()
	boxA := secretBox(t, "a")
	repo := repository.NewWebhooks(db, boxA)
	clear := map[string][2]string{}
	values := 0
	for i := range n {
		e := newEndpoint(t, repo)
		prev := ""
		if i%2 == 0 {
			prev = fmt.Sprintf("whsec_%044d", i)
			sealed, err := boxA.Seal(prev, "webhook_endpoints/"+e.ID+"/previous_secret")
			if err != nil {
				t.Fatal(err)
			}
			setStored(t, db, e.ID, "previous_secret", sealed)
			values++
		}
		switch i {
		case 1:
			v1, err := repository.SealV1(boxA, e.Secret, "webhook_endpoints/"+e.ID+"/secret")
			if err != nil {
				t.Fatal(err)
			}
			setStored(t, db, e.ID, "secret", v1)
		case 3:
			setStored(t, db, e.ID, "secret", e.Secret)
		}
		clear[e.ID] = [2]string{e.Secret, prev}
		values++
	}
	return clear, values
}

// requireReads fails unless every endpoint reads back its clear secrets through repo.
func requireReads(t *testing.T, repo *repository.Webhooks, clear map[string][2]string) {
	t.Helper()
	for id, c := range clear {
		got, err := repo.GetEndpoint(t.Context(), id)
		if err != nil || got.Secret != c[0] || got.PreviousSecret != c[1] {
			t.Errorf("%s reads %q / %q, %v; want %q / %q", id, got.Secret, got.PreviousSecret, err, c[0], c[1])
		}
	}
}

// TestRotateSecretsToANewKey: with key b current and a previous, the rotation re-seals every value
// (v2 under a, v1, clear) as v2 under b across batches; they read back unchanged with b alone, a
// replica with only a fails naming b's key id, and a second rotation has nothing to do.
func TestRotateSecretsToANewKey(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		clear, values := rotationFixture(t, db, 130) // more than one batch
		requireReads(t, repository.NewWebhooks(db, rotatedBox(t, "b", "a")), clear)

		before := allStored(t, db)
		rep, err := repository.NewWebhooks(db, rotatedBox(t, "b", "a")).CheckRotation(t.Context())
		if err != nil || rep.Sealed != values || rep.Current != 0 || allStored(t, db) != before {
			t.Fatalf("check %+v, %v; want %d to re-seal and nothing written", rep, err, values)
		}
		rep, err = repository.NewWebhooks(db, rotatedBox(t, "b", "a")).RotateSecrets(t.Context())
		if err != nil || rep.Sealed != values || rep.Current != 0 || rep.Failed != 0 {
			t.Fatalf("rotation %+v, %v; want %d sealed", rep, err, values)
		}
		kidB := repository.KeyID(keyOf("b"))
		for id, c := range clear {
			secret, previous := storedSecrets(t, db, id)
			if !strings.HasPrefix(secret, "enc:v2:"+kidB+":") || (c[1] != "") != strings.HasPrefix(previous, "enc:v2:"+kidB+":") {
				t.Errorf("%s stored as %q / %q, want v2 under %s", id, secret, previous, kidB)
			}
			requireSealed(t, "secret", secret, c[0])
		}
		requireReads(t, repository.NewWebhooks(db, secretBox(t, "b")), clear)

		onlyA := repository.NewWebhooks(db, secretBox(t, "a"))
		for id := range clear {
			if _, err := onlyA.GetEndpoint(t.Context(), id); !errors.Is(err, repository.ErrSecretKey) ||
				!strings.Contains(err.Error(), kidB) || !strings.Contains(err.Error(), "/keys/a.key") {
				t.Errorf("read with only the old key: %v", err)
			}
			break
		}
		if _, err := onlyA.SealSecrets(t.Context()); !errors.Is(err, repository.ErrSecretKey) ||
			!strings.Contains(err.Error(), "not the key") || !strings.Contains(err.Error(), kidB) {
			t.Errorf("start-up with only the old key: %v", err)
		}

		rep, err = repository.NewWebhooks(db, secretBox(t, "b")).RotateSecrets(t.Context())
		if err != nil || rep.Sealed != 0 || rep.Current != values {
			t.Errorf("second rotation %+v, %v; want %d current", rep, err, values)
		}
	})
}

// TestRotateRefusesUnreadableSecrets: a value sealed under a key the box does not have (or in a
// format it does not know) makes the rotation refuse, naming the endpoint, and nothing is written.
func TestRotateRefusesUnreadableSecrets(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		_, _ = rotationFixture(t, db, 6)
		stranger := newEndpoint(t, repository.NewWebhooks(db, secretBox(t, "lost")))
		odd := newEndpoint(t, repository.NewWebhooks(db, secretBox(t, "a")))
		setStored(t, db, odd.ID, "previous_secret", "enc:v9:AAAA")
		before := allStored(t, db)

		_, err := repository.NewWebhooks(db, rotatedBox(t, "b", "a")).RotateSecrets(t.Context())
		if !errors.Is(err, repository.ErrSecretsUnreadable) || !strings.Contains(err.Error(), stranger.ID) ||
			!strings.Contains(err.Error(), odd.ID) || !strings.Contains(err.Error(), "nothing was re-sealed") {
			t.Fatalf("rotation with an unreadable value: %v", err)
		}
		if _, err := repository.NewWebhooks(db, rotatedBox(t, "b", "a")).CheckRotation(t.Context()); !errors.Is(err, repository.ErrSecretsUnreadable) ||
			!strings.Contains(err.Error(), stranger.ID) {
			t.Errorf("check with an unreadable value: %v", err)
		}
		if after := allStored(t, db); after != before {
			t.Errorf("the refused rotation wrote:\nbefore %s\nafter  %s", before, after)
		}
	})
}

// allStored is every stored secret value, in id order.
func allStored(t *testing.T, db *repository.DB) string {
	t.Helper()
	rows, err := db.SQL().QueryContext(t.Context(), "SELECT id, secret, previous_secret FROM webhook_endpoints ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var id, s, p string
		if err := rows.Scan(&id, &s, &p); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s=%s,%s;", id, s, p)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestConcurrentRotations: two rotations at once (an operator ran it twice, or on two hosts) re-seal
// every value exactly once between them, and every value reads back unchanged.
func TestConcurrentRotations(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		clear, values := rotationFixture(t, db, 150)
		var reps [2]repository.RotateReport
		var errs [2]error
		var wg sync.WaitGroup
		for i := range reps {
			wg.Go(func() {
				reps[i], errs[i] = repository.NewWebhooks(db, rotatedBox(t, "b", "a")).RotateSecrets(t.Context())
			})
		}
		wg.Wait()
		for i := range reps {
			if errs[i] != nil || reps[i].Failed != 0 || reps[i].Sealed+reps[i].Current != values {
				t.Errorf("rotation %d: %+v, %v; want %d values seen", i, reps[i], errs[i], values)
			}
		}
		if n := reps[0].Sealed + reps[1].Sealed; n != values {
			t.Errorf("%d values re-sealed between the two, want each of %d once", n, values)
		}
		requireReads(t, repository.NewWebhooks(db, secretBox(t, "b")), clear)
	})
}

// TestSecretBoxKeys: a box seals v2 naming its current key, opens v2 and v1 values of its previous
// keys, and names a missing key's id without giving the key away.
func TestSecretBoxKeys(t *testing.T) {
	a, ba, b := secretBox(t, "a"), rotatedBox(t, "b", "a"), secretBox(t, "b")
	kidA, kidB := repository.KeyID(keyOf("a")), repository.KeyID(keyOf("b"))
	underA, _ := a.Seal("whsec_a", "w/1/secret")
	v1A, _ := repository.SealV1(a, "whsec_a", "w/1/secret")
	underB, _ := ba.Seal("whsec_b", "w/1/secret")
	if !strings.HasPrefix(underA, "enc:v2:"+kidA+":") || !strings.HasPrefix(underB, "enc:v2:"+kidB+":") ||
		repository.SealedKeyID(underB) != kidB || !ba.IsCurrent(underB) || ba.IsCurrent(underA) || ba.IsCurrent(v1A) {
		t.Fatalf("sealed %q under a, %q under b", underA, underB)
	}
	if strings.Contains(ba.Source(), fmt.Sprintf("%x", keyOf("b"))) {
		t.Errorf("the box names its key: %s", ba.Source())
	}
	for _, tc := range []struct {
		name   string
		box    *repository.SecretBox
		stored string
		want   string // "" for an error naming wantErr
		err    string
	}{
		{"v2 under the previous key", ba, underA, "whsec_a", ""},
		{"v1 under the previous key", ba, v1A, "whsec_a", ""},
		{"v2 under the current key", ba, underB, "whsec_b", ""},
		{"v2 under a key it lacks", a, underB, "", kidB},
		{"v1 under a key it lacks", b, v1A, "", "/keys/b.key"},
		{"v2 with a forged key id", ba, strings.Replace(underA, kidA, kidB, 1), "", "altered"},
		{"v2 without a key id", ba, "enc:v2:AAAA", "", "damaged"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.box.Open(tc.stored, "w/1/secret")
			if tc.want != "" && (err != nil || got != tc.want) {
				t.Errorf("Open = %q, %v; want %q", got, err, tc.want)
			}
			if tc.want == "" && (!errors.Is(err, repository.ErrSecretKey) || !strings.Contains(err.Error(), tc.err)) {
				t.Errorf("Open = %q, %v; want an error naming %q", got, err, tc.err)
			}
		})
	}
	if again, err := ba.WithPrevious(keyOf("b"), "/keys/b-copy.key"); err != nil || again.Source() != ba.Source() {
		t.Errorf("the current key as previous: %s, %v", again.Source(), err)
	}
}
