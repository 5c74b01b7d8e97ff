package repository_test

import (
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/apikey"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/domain/portal"
	"github.com/vendorrisk/vendorrisk/domain/register"
	"github.com/vendorrisk/vendorrisk/repository"
	"github.com/vendorrisk/vendorrisk/test/testdb"
)

// TestPortalSessions runs the portal's invitations and sessions on both databases: an invitation opens
// one session once and not after it expires, a session lasts its TTL, ends when signed out or when its
// key is revoked, and internal keys cannot sign in.
func TestPortalSessions(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *repository.DB) {
		e := newKeyEnv(t, db)
		svc := portal.NewService(repository.NewPortalTokens(db),
			portal.Credentials{Authenticate: e.svc.Authenticate, Principal: e.svc.PrincipalOf}, db, e.clock.Now, time.Hour)
		v := e.create(t, register.Vendor{Name: "Portal Co"})
		key, secret, err := e.svc.Create(e.ctx, apikey.NewKey{Name: "supplier", Role: auth.RoleSupplier, VendorID: v.ID, CreatedBy: "test"})
		if err != nil {
			t.Fatal(err)
		}
		ctx := auth.WithPrincipal(e.ctx, auth.Principal{KeyID: "test", Role: auth.RoleProcurement})
		asm := domain.NewID()
		unauthenticated := func(t *testing.T, err error) {
			t.Helper()
			if domain.KindOf(err) != domain.KindUnauthenticated {
				t.Errorf("want unauthenticated, got %v", err)
			}
		}

		inv, err := svc.Invite(ctx, key.ID, v.ID, asm, e.clock.Now().Add(2*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		sess, cookie, err := svc.Redeem(ctx, inv)
		if err != nil || sess.AssessmentID != asm || sess.Principal.VendorID != v.ID || sess.Principal.KeyID != key.ID || sess.CSRF == "" {
			t.Fatalf("redeem: %+v, %v", sess, err)
		}
		_, _, err = svc.Redeem(ctx, inv)
		unauthenticated(t, err)
		got, err := svc.Resolve(ctx, cookie)
		if err != nil || got.ID != sess.ID || !got.CSRFValid(sess.CSRF) || got.CSRFValid("") || got.CSRFValid(sess.CSRF+"x") {
			t.Fatalf("resolve: %+v, %v", got, err)
		}
		_, err = svc.Resolve(ctx, inv) // an invitation is not a session
		unauthenticated(t, err)

		// The TTL: one hour from the exchange.
		e.clock.Advance(time.Hour - time.Microsecond)
		if _, err := svc.Resolve(ctx, cookie); err != nil {
			t.Errorf("just before the TTL: %v", err)
		}
		e.clock.Advance(time.Microsecond)
		_, err = svc.Resolve(ctx, cookie)
		unauthenticated(t, err)

		// An invitation past its expiry opens nothing.
		late, err := svc.Invite(ctx, key.ID, v.ID, asm, e.clock.Now().Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(time.Minute)
		_, _, err = svc.Redeem(ctx, late)
		unauthenticated(t, err)

		// Sign-in with the key; sign-out ends the session; revoking the key ends the others.
		s1, c1, err := svc.SignIn(ctx, secret)
		if err != nil || s1.AssessmentID != "" {
			t.Fatalf("sign in: %+v, %v", s1, err)
		}
		_, c2, err := svc.SignIn(ctx, secret)
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.End(ctx, s1.ID); err != nil {
			t.Fatal(err)
		}
		_, err = svc.Resolve(ctx, c1)
		unauthenticated(t, err)
		if _, err := svc.Resolve(ctx, c2); err != nil {
			t.Errorf("the other session ended too: %v", err)
		}
		if _, err := e.svc.Revoke(ctx, key.ID); err != nil {
			t.Fatal(err)
		}
		_, err = svc.Resolve(ctx, c2)
		unauthenticated(t, err)
		_, _, err = svc.SignIn(ctx, secret)
		unauthenticated(t, err)

		_, internal, err := e.svc.Create(e.ctx, apikey.NewKey{Name: "procurement", Role: auth.RoleProcurement, CreatedBy: "test"})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.SignIn(ctx, internal); domain.KindOf(err) != domain.KindForbidden {
			t.Errorf("an internal key signed in: %v", err)
		}
	})
}
