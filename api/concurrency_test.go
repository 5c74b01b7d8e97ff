package api_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/domain/auth"
	"github.com/vendorrisk/vendorrisk/repository"
)

func TestOptimisticConcurrency(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		v := e.createVendor(t, vendorBody("Versioned", "description", "first"))
		url := "/api/v1/vendors/" + v.ID

		r := must(t, e.do(t, "GET", url, e.admin, nil), http.StatusOK)
		etag1 := r.Header.Get("ETag")
		if etag1 != `"1"` {
			t.Fatalf("ETag %q, want \"1\"", etag1)
		}

		// Current ETag: applied, new ETag.
		r = must(t, e.do(t, "PATCH", url, e.admin, map[string]any{"description": "second"}, "If-Match", etag1), http.StatusOK)
		etag2 := r.Header.Get("ETag")
		if etag2 == "" || etag2 == etag1 {
			t.Fatalf("ETag after PATCH %q (before %q)", etag2, etag1)
		}
		if got := must(t, e.do(t, "GET", url, e.admin, nil), http.StatusOK); got.Header.Get("ETag") != etag2 || got.str("description") != "second" {
			t.Fatalf("after PATCH: ETag %q, description %q", got.Header.Get("ETag"), got.str("description"))
		}

		// Stale or nonsense ETags: 412 and nothing changes.
		for _, stale := range []string{etag1, `"99"`, `"abc"`, `"0"`} {
			t.Run("PATCH If-Match "+stale, func(t *testing.T) {
				wantProblem(t, e.do(t, "PATCH", url, e.admin, map[string]any{"description": "lost update"}, "If-Match", stale),
					http.StatusPreconditionFailed)
				got := must(t, e.do(t, "GET", url, e.admin, nil), http.StatusOK)
				if got.str("description") != "second" || got.Header.Get("ETag") != etag2 {
					t.Errorf("a stale PATCH changed the vendor: %s", got)
				}
			})
		}
		// No If-Match: last writer wins (allowed, the header is optional).
		must(t, e.do(t, "PATCH", url, e.admin, map[string]any{"description": "third"}), http.StatusOK)

		// Illegal transition: 409 naming the current status.
		cur := must(t, e.do(t, "GET", url, e.admin, nil), http.StatusOK).Header.Get("ETag")
		r = must(t, e.do(t, "PATCH", url, e.admin, map[string]any{"status": "terminated"}, "If-Match", cur), http.StatusOK)
		var term api.VendorResponse
		r.into(t, &term)
		if term.Status != "terminated" || len(term.AllowedTransitions) != 0 {
			t.Errorf("terminated vendor: status %q, allowed_transitions %q", term.Status, term.AllowedTransitions)
		}
		r = e.do(t, "PATCH", url, e.admin, map[string]any{"status": "active"}, "If-Match", r.Header.Get("ETag"))
		wantProblem(t, r, http.StatusConflict)
		if !strings.Contains(r.str("detail"), "terminated") {
			t.Errorf("409 detail %q does not name the current status", r.str("detail"))
		}

		// Lifecycle from a fresh vendor: proposed → active → suspended → active → offboarding → terminated.
		w := e.createVendor(t, vendorBody("Lifecycle"))
		if w.Status != "proposed" || strings.Join(w.AllowedTransitions, ",") != "active,terminated" {
			t.Errorf("new vendor: status %q, allowed_transitions %q", w.Status, w.AllowedTransitions)
		}
		wantProblem(t, e.do(t, "PATCH", "/api/v1/vendors/"+w.ID, e.admin, map[string]any{"status": "suspended"}), http.StatusConflict)
		for _, st := range []string{"active", "suspended", "active", "offboarding", "terminated"} {
			must(t, e.do(t, "PATCH", "/api/v1/vendors/"+w.ID, e.admin, map[string]any{"status": st}), http.StatusOK)
		}

		// DELETE: stale If-Match is 412 and the vendor stays; the current one deletes.
		d := e.createVendor(t, vendorBody("Doomed"))
		du := "/api/v1/vendors/" + d.ID
		must(t, e.do(t, "PATCH", du, e.admin, map[string]any{"legal_name": "Doomed K.K."}), http.StatusOK)
		wantProblem(t, e.do(t, "DELETE", du, e.admin, nil, "If-Match", `"1"`), http.StatusPreconditionFailed)
		must(t, e.do(t, "GET", du, e.admin, nil), http.StatusOK)
		must(t, e.do(t, "DELETE", du, e.admin, nil, "If-Match", `"2"`), http.StatusNoContent)
		wantProblem(t, e.do(t, "GET", du, e.admin, nil), http.StatusNotFound)

		// Contacts carry versions too.
		c := e.newContact(t, v.ID, map[string]any{"name": "Hanako", "email": "h@example.com"})
		cu := url + "/contacts/" + c.ID
		if got := must(t, e.do(t, "GET", cu, e.admin, nil), http.StatusOK).Header.Get("ETag"); got != `"1"` {
			t.Errorf("contact ETag %q", got)
		}
		must(t, e.do(t, "PATCH", cu, e.admin, map[string]any{"role": "CISO"}, "If-Match", `"1"`), http.StatusOK)
		wantProblem(t, e.do(t, "PATCH", cu, e.admin, map[string]any{"role": "CTO"}, "If-Match", `"1"`), http.StatusPreconditionFailed)
		wantProblem(t, e.do(t, "DELETE", cu, e.admin, nil, "If-Match", `"1"`), http.StatusPreconditionFailed)
	})
}

// TestConcurrentWriters: two writers holding the same ETag never both win.
func TestConcurrentWriters(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		v := e.createVendor(t, vendorBody("Contended"))
		const writers = 6
		statuses := make([]int, writers)
		var wg sync.WaitGroup
		for i := range writers {
			wg.Go(func() {
				r := e.do(t, "PATCH", "/api/v1/vendors/"+v.ID, e.admin,
					map[string]any{"description": fmt.Sprintf("writer %d", i)}, "If-Match", `"1"`)
				statuses[i] = r.Status
			})
		}
		wg.Wait()
		won := 0
		for _, st := range statuses {
			switch st {
			case http.StatusOK:
				won++
			case http.StatusPreconditionFailed:
			default:
				t.Errorf("a concurrent PATCH answered %d", st)
			}
		}
		got := must(t, e.do(t, "GET", "/api/v1/vendors/"+v.ID, e.admin, nil), http.StatusOK)
		if won != 1 || got.Header.Get("ETag") != `"2"` {
			t.Errorf("%d writers won (want 1), final ETag %s; statuses %v", won, got.Header.Get("ETag"), statuses)
		}
	})
}

func TestIdempotencyKey(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		body := vendorBody("Idempotent Vendor")
		first := must(t, e.do(t, "POST", "/api/v1/vendors", e.admin, body, "Idempotency-Key", "create-1"), http.StatusCreated)
		second := e.do(t, "POST", "/api/v1/vendors", e.admin, body, "Idempotency-Key", "create-1")
		if second.Status != first.Status || !bytes.Equal(second.Raw, first.Raw) {
			t.Errorf("the retry answered\n%s\nnot\n%s", second, first)
		}
		if got := second.Header.Get("Idempotent-Replayed"); got != "true" {
			t.Errorf("retry: Idempotent-Replayed %q, want true", got)
		}
		if got := first.Header.Get("Idempotent-Replayed"); got != "" {
			t.Errorf("first request: Idempotent-Replayed %q", got)
		}
		if first.Header.Get("Location") == "" || second.Header.Get("Location") != first.Header.Get("Location") {
			t.Errorf("Location %q then %q", first.Header.Get("Location"), second.Header.Get("Location"))
		}
		if n := e.countVendors(t); n != 1 {
			t.Fatalf("%d vendors after a retried create, want 1", n)
		}

		// Same key, another body: 422, nothing created.
		r := e.do(t, "POST", "/api/v1/vendors", e.admin, vendorBody("Another Vendor"), "Idempotency-Key", "create-1")
		wantProblem(t, r, http.StatusUnprocessableEntity, "Idempotency-Key")
		// Same key and body on another endpoint is another request too.
		r = e.do(t, "POST", "/api/v1/vendors/"+first.str("id")+"/contacts", e.admin, body, "Idempotency-Key", "create-1")
		wantProblem(t, r, http.StatusUnprocessableEntity, "Idempotency-Key")
		if n := e.countVendors(t); n != 1 {
			t.Fatalf("%d vendors after a conflicting key, want 1", n)
		}

		// Keys belong to a credential: another credential's same key is a new request.
		other := e.key(t, auth.RoleProcurement, "")
		r = must(t, e.do(t, "POST", "/api/v1/vendors", other, body, "Idempotency-Key", "create-1"), http.StatusCreated)
		if r.Header.Get("Idempotent-Replayed") != "" || r.str("id") == first.str("id") {
			t.Errorf("another credential got the first credential's result: %s", r)
		}
		if n := e.countVendors(t); n != 2 {
			t.Errorf("%d vendors, want 2", n)
		}

		// A failed request does not use up the key: the corrected retry goes through.
		wantProblem(t, e.do(t, "POST", "/api/v1/vendors", e.admin, vendorBody("Fixed", "country", "XX"), "Idempotency-Key", "create-2"),
			http.StatusUnprocessableEntity, "country")
		must(t, e.do(t, "POST", "/api/v1/vendors", e.admin, vendorBody("Fixed", "country", "JP"), "Idempotency-Key", "create-2"),
			http.StatusCreated)

		// Keys are opaque and compared exactly: keys differing in case are different keys.
		must(t, e.do(t, "POST", "/api/v1/vendors", e.admin, vendorBody("Lower"), "Idempotency-Key", "order-abc"), http.StatusCreated)
		r = e.do(t, "POST", "/api/v1/vendors", e.admin, vendorBody("Upper"), "Idempotency-Key", "ORDER-ABC")
		if r.Status != http.StatusCreated || r.str("name") != "Upper" {
			t.Errorf("Idempotency-Key ORDER-ABC was taken for order-abc: %s", r)
		}

		// Malformed keys are refused.
		wantProblem(t, e.do(t, "POST", "/api/v1/vendors", e.admin, body, "Idempotency-Key", "has spaces"),
			http.StatusUnprocessableEntity, "Idempotency-Key")
		wantProblem(t, e.do(t, "POST", "/api/v1/vendors", e.admin, body, "Idempotency-Key", strings.Repeat("k", 256)),
			http.StatusUnprocessableEntity, "Idempotency-Key")
	})
}

// TestIdempotencyKeyConcurrentRetries: retries racing the first request create one vendor; the others
// replay it or are told to retry.
func TestIdempotencyKeyConcurrentRetries(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		const n = 6
		rs := make([]resp, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				rs[i] = e.do(t, "POST", "/api/v1/vendors", e.admin, vendorBody("Raced"), "Idempotency-Key", "race-1")
			})
		}
		wg.Wait()
		var ids []string
		for _, r := range rs {
			switch r.Status {
			case http.StatusCreated:
				ids = append(ids, r.str("id"))
			case http.StatusConflict:
				if r.Header.Get("Retry-After") == "" && !strings.Contains(r.str("detail"), "retry") {
					t.Errorf("409 without a hint to retry: %s", r)
				}
			default:
				t.Errorf("a concurrent retry answered %s", r)
			}
		}
		for _, id := range ids {
			if id != ids[0] {
				t.Errorf("concurrent retries created different vendors %q", ids)
			}
		}
		if got := e.countVendors(t); got != 1 {
			t.Errorf("%d vendors after concurrent retries, want 1", got)
		}
	})
}

// TestIdempotencyKeyAfterDeathBetweenCommitAndResponse: a replica that commits a create and dies
// before storing its response (here: storing the response fails) leaves the key marked by the create's
// own transaction; the retry, now and after the reservation would count as abandoned, gets the
// resource back as the creation it was, and nothing is created twice.
func TestIdempotencyKeyAfterDeathBetweenCommitAndResponse(t *testing.T) {
	// One request in flight per credential: the replay's read back is part of the retry, not another.
	eachDBWith(t, api.Config{MaxInFlightPerKey: 1}, func(t *testing.T, e *env) {
		e.failStoredResponses(t)
		body := vendorBody("Committed Then Died")
		first := must(t, e.do(t, "POST", "/api/v1/vendors", e.admin, body, "Idempotency-Key", "died-1"), http.StatusCreated)
		for _, wait := range []time.Duration{0, 3 * time.Minute} {
			e.clock.Advance(wait)
			again := must(t, e.do(t, "POST", "/api/v1/vendors", e.admin, body, "Idempotency-Key", "died-1"), http.StatusCreated)
			if again.Header.Get("Idempotent-Replayed") != "true" || again.str("id") != first.str("id") ||
				again.Header.Get("Location") != first.Header.Get("Location") || again.Header.Get("ETag") != first.Header.Get("ETag") {
				t.Errorf("after %v the retry answered %s\nwant a replay of %s", wait, again, first)
			}
			if !bytes.Equal(again.Raw, first.Raw) {
				t.Errorf("after %v the replayed body differs:\n%s\n%s", wait, again.Raw, first.Raw)
			}
			if n := e.countVendors(t); n != 1 {
				t.Fatalf("%d vendors after a retry of a create that died after its commit, want 1", n)
			}
		}
		// Another credential cannot use the key's replay to read what it may not: keys are per credential.
		supplier := e.key(t, auth.RoleSupplier, first.str("id"))
		r := e.do(t, "POST", "/api/v1/vendors", supplier, body, "Idempotency-Key", "died-1")
		if r.Status == http.StatusCreated {
			t.Errorf("a supplier's key created or replayed a vendor: %s", r)
		}

		// A create that failed before committing left no mark: the key is free for the corrected retry.
		wantProblem(t, e.do(t, "POST", "/api/v1/vendors", e.admin, vendorBody("Bad", "country", "XX"), "Idempotency-Key", "died-2"),
			http.StatusUnprocessableEntity, "country")
		r = must(t, e.do(t, "POST", "/api/v1/vendors", e.admin, vendorBody("Good"), "Idempotency-Key", "died-2"), http.StatusCreated)
		if r.Header.Get("Idempotent-Replayed") != "" {
			t.Errorf("a request that failed before its commit was replayed: %s", r)
		}
	})
}

// failStoredResponses makes storing an idempotent response fail, as a process that dies after its
// commit would leave it: the row keeps status 0.
func (e *env) failStoredResponses(t *testing.T) {
	t.Helper()
	if e.db.Dialect() == repository.DialectMySQL {
		e.sqlExec(t, `CREATE TRIGGER idem_dies BEFORE UPDATE ON idempotency_keys FOR EACH ROW
			BEGIN IF NEW.status <> 0 THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'died'; END IF; END`)
		t.Cleanup(func() { _, _ = e.db.SQL().ExecContext(context.Background(), "DROP TRIGGER IF EXISTS idem_dies") })
		return
	}
	e.sqlExec(t, `CREATE TRIGGER idem_dies BEFORE UPDATE ON idempotency_keys FOR EACH ROW
		WHEN NEW.status <> 0 BEGIN SELECT RAISE(ABORT, 'died'); END`)
}

// TestIdempotencyKeyTakenOverAfterADeathBeforeCommit: a replica that died before its commit (here:
// the insert fails, then so does forgetting the key) leaves a reservation without a mark. Its retry
// is told to wait, then, 10 seconds on, takes the key over and creates the vendor once.
func TestIdempotencyKeyTakenOverAfterADeathBeforeCommit(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		drop := e.failWrites(t, "vendors", "INSERT")
		dropRelease := e.failWrites(t, "idempotency_keys", "DELETE")
		body := vendorBody("Died Before Commit")
		wantProblem(t, e.do(t, "POST", "/api/v1/vendors", e.admin, body, "Idempotency-Key", "dead-1"), http.StatusInternalServerError)
		drop()
		dropRelease()
		r := e.do(t, "POST", "/api/v1/vendors", e.admin, body, "Idempotency-Key", "dead-1")
		if r.Status != http.StatusConflict || r.Header.Get("Retry-After") == "" {
			t.Fatalf("a retry right after: %s, want 409 with Retry-After", r)
		}
		e.clock.Advance(11 * time.Second)
		r = must(t, e.do(t, "POST", "/api/v1/vendors", e.admin, body, "Idempotency-Key", "dead-1"), http.StatusCreated)
		if r.Header.Get("Idempotent-Replayed") != "" {
			t.Errorf("the takeover was answered as a replay: %s", r)
		}
		again := must(t, e.do(t, "POST", "/api/v1/vendors", e.admin, body, "Idempotency-Key", "dead-1"), http.StatusCreated)
		if again.str("id") != r.str("id") || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("the retry after the takeover: %s", again)
		}
		if n := e.countVendors(t); n != 1 {
			t.Errorf("%d vendors, want 1", n)
		}
	})
}

// failWrites makes every op (INSERT, DELETE) on table fail until the returned function is called.
func (e *env) failWrites(t *testing.T, table, op string) func() {
	t.Helper()
	name := "fail_" + strings.ToLower(op) + "_" + table
	if e.db.Dialect() == repository.DialectMySQL {
		e.sqlExec(t, fmt.Sprintf(`CREATE TRIGGER %s BEFORE %s ON %s FOR EACH ROW
			SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'died'`, name, op, table))
	} else {
		e.sqlExec(t, fmt.Sprintf(`CREATE TRIGGER %s BEFORE %s ON %s BEGIN SELECT RAISE(ABORT, 'died'); END`, name, op, table))
	}
	dropped := false
	drop := func() {
		if !dropped {
			dropped = true
			_, _ = e.db.SQL().ExecContext(context.Background(), "DROP TRIGGER IF EXISTS "+name)
		}
	}
	t.Cleanup(drop)
	return drop
}
