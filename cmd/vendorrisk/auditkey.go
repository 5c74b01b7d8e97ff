package main

import (
	"crypto/ed25519"
	"encoding/base64"
	"log/slog"

	"github.com/vendorrisk/vendorrisk/domain/audit"
)

// auditSigner loads the key that signs audit checkpoints: VENDORRISK_AUDIT_KEY (base64 seed), else
// the key file, made with a new random seed (mode 0600) when it does not exist. nil when the file is
// "off". The key lives outside the database on purpose: whoever can write the database cannot sign.
func auditSigner(cfg *config, log *slog.Logger) (*audit.Signer, error) {
	if cfg.AuditKey != "" {
		seed, err := decodeKey(cfg.AuditKey, "audit signing key", "VENDORRISK_AUDIT_KEY")
		if err != nil {
			return nil, err
		}
		return audit.NewSigner(seed)
	}
	if cfg.AuditKeyFile == "off" {
		log.Warn("audit checkpoints are off: no signing key (VENDORRISK_AUDIT_KEY_FILE=off)")
		return nil, nil
	}
	seed, created, err := keyFile(cfg.AuditKeyFile, "audit signing key", ed25519.SeedSize)
	if err != nil {
		return nil, err
	}
	s, err := audit.NewSigner(seed)
	if err != nil {
		return nil, err
	}
	if created {
		log.Info("audit signing key created: keep a copy outside the database host", "file", cfg.AuditKeyFile,
			"key_id", audit.KeyID(s.Public()), "public_key", base64.StdEncoding.EncodeToString(s.Public()))
	}
	return s, nil
}
