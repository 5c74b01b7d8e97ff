package api_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/vendorrisk/vendorrisk/api"
	"github.com/vendorrisk/vendorrisk/domain/auth"
)

const checkpointsPath = "/api/v1/audit-events/checkpoints"

func (e *env) sign(t *testing.T) bool {
	t.Helper()
	_, made, err := e.checkpoints.Sign(t.Context())
	if err != nil {
		t.Fatalf("sign checkpoint: %v", err)
	}
	return made
}

func (e *env) checkpointList(t *testing.T) api.CheckpointList {
	t.Helper()
	var l api.CheckpointList
	must(t, e.do(t, "GET", checkpointsPath, e.admin, nil), http.StatusOK).into(t, &l)
	return l
}

func (e *env) checkKept(t *testing.T, cp api.CheckpointDTO) api.CheckpointVerification {
	t.Helper()
	var v api.CheckpointVerification
	must(t, e.do(t, "POST", checkpointsPath+"/verify", e.key(t, auth.RoleAuditor, ""), cp), http.StatusOK).into(t, &v)
	return v
}

// verifyOutside checks a checkpoint as a consumer would, with nothing but the standard library.
func verifyOutside(t *testing.T, cp api.CheckpointDTO) bool {
	t.Helper()
	pub, err1 := base64.StdEncoding.DecodeString(cp.PublicKey)
	sig, err2 := base64.StdEncoding.DecodeString(cp.Signature)
	if err1 != nil || err2 != nil || len(pub) != ed25519.PublicKeySize {
		return false
	}
	msg := fmt.Sprintf("%s\n%d\n%s\n%s", cp.Version, cp.Seq, cp.Hash, cp.SignedAt.UTC().Format("2006-01-02T15:04:05.000000Z"))
	return ed25519.Verify(pub, []byte(msg), sig)
}

// TestAuditCheckpoints: the head is signed with a key the database does not hold; verify checks the
// chain against every checkpoint, so truncating the chain (triggers dropped, head rewound) is reported,
// and a checkpoint kept outside still exposes it when the checkpoints table is emptied too.
func TestAuditCheckpoints(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		if e.sign(t) {
			t.Error("an empty chain was signed")
		}
		e.newVendor(t, "Checkpoint One KK")
		if !e.sign(t) {
			t.Fatal("the first event was not signed")
		}
		e.newVendor(t, "Checkpoint Two KK")
		e.newVendor(t, "Checkpoint Three KK")
		if !e.sign(t) || e.sign(t) {
			t.Fatal("want one new checkpoint for the new head, and none when nothing happened since")
		}

		l := e.checkpointList(t)
		if len(l.Items) != 2 || l.Items[0].Seq != 1 || l.Items[1].Seq != 3 || l.KeyID == "" || l.Items[1].KeyID != l.KeyID ||
			l.Items[1].PublicKey != l.PublicKey {
			t.Fatalf("checkpoints %+v", l)
		}
		for _, cp := range l.Items {
			if !verifyOutside(t, cp) {
				t.Errorf("checkpoint %d does not verify with the standard library alone", cp.Seq)
			}
		}
		kept := l.Items[1] // an auditor keeps this one outside

		e.newVendor(t, "After The Checkpoint KK")
		v := e.verifyTrail(t, e.admin)
		if !v.Intact || v.CheckpointsChecked != 2 || v.LastCheckpointSeq != 3 || v.UnsignedEvents != 1 {
			t.Errorf("verify %+v: want intact, 2 checkpoints, the last at 3, one event after it", v)
		}
		if got := e.checkKept(t, kept); !got.Holds || !got.SignatureValid || !got.TrustedKey || !got.InChain {
			t.Errorf("the kept checkpoint against an intact chain: %+v", got)
		}

		forged := kept
		forged.Hash = strings.Repeat("0", 64)
		if got := e.checkKept(t, forged); got.Holds || got.SignatureValid || got.Problem == "" {
			t.Errorf("a checkpoint with another hash: %+v, want an invalid signature", got)
		}
		wantProblem(t, e.do(t, "POST", checkpointsPath+"/verify", e.admin, map[string]any{"seq": 0, "public_key": "%%"}),
			http.StatusUnprocessableEntity, "public_key", "seq")

		// Someone with database rights drops the triggers, cuts the chain back to event 1 and rewinds the head.
		for _, trg := range []string{"audit_events_no_delete", "audit_head_forward_only"} {
			e.sqlExec(t, "DROP TRIGGER "+trg)
		}
		var hash string
		if err := e.db.SQL().QueryRowContext(t.Context(), "SELECT hash FROM audit_events WHERE seq = 1").Scan(&hash); err != nil {
			t.Fatal(err)
		}
		e.sqlExec(t, "DELETE FROM audit_events WHERE seq > 1")
		e.sqlExec(t, "UPDATE audit_head SET seq = 1, hash = ? WHERE id = 1", hash)

		v = e.verifyTrail(t, e.admin)
		if v.Intact || v.FirstBroken == nil || v.FirstBroken.Seq != 3 || !strings.Contains(v.FirstBroken.Reason, "truncated") {
			t.Errorf("verify after truncation: %+v (%+v), want broken at the checkpoint of seq 3", v, v.FirstBroken)
		}

		// They empty the checkpoints too: the chain alone looks whole, the kept checkpoint does not hold.
		e.sqlExec(t, "DROP TRIGGER audit_checkpoints_no_delete")
		e.sqlExec(t, "DELETE FROM audit_checkpoints")
		if v := e.verifyTrail(t, e.admin); !v.Intact || v.CheckpointsChecked != 0 {
			t.Errorf("verify with the checkpoints gone: %+v", v)
		}
		if got := e.checkKept(t, kept); got.Holds || got.InChain || !got.SignatureValid || !strings.Contains(got.Problem, "truncated") {
			t.Errorf("the kept checkpoint against the truncated chain: %+v", got)
		}
	})
}
