package main

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/vendorrisk/vendorrisk/domain/audit"
)

// TestAuditKeyMadeOnceByRacingReplicas: replicas starting at once on a shared folder end up with one
// signing key (the file made once, mode 0600), and "off" signs nothing.
func TestAuditKeyMadeOnceByRacingReplicas(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "audit.key")
	const replicas = 8
	signers := make([]*audit.Signer, replicas)
	var wg sync.WaitGroup
	for i := range replicas {
		wg.Go(func() {
			var err error
			if signers[i], err = auditSigner(&config{AuditKeyFile: path}, slog.New(slog.DiscardHandler)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for i, s := range signers {
		if !bytes.Equal(s.Public(), signers[0].Public()) {
			t.Errorf("replica %d signs with another key", i)
		}
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v, %v; want mode 0600", fi, err)
	}
	if s, err := auditSigner(&config{AuditKeyFile: "off"}, slog.New(slog.DiscardHandler)); s != nil || err != nil {
		t.Errorf("off: %v, %v; want no signer", s, err)
	}
	if err := os.WriteFile(path, []byte("not a key!"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := auditSigner(&config{AuditKeyFile: path}, slog.New(slog.DiscardHandler)); err == nil {
		t.Error("a key file that is not base64 was accepted")
	}
}
