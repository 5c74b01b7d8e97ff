package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/vendorrisk/vendorrisk/domain/audit"
)

// auditSigner loads the key that signs audit checkpoints: VENDORRISK_AUDIT_KEY (base64 seed), else
// the key file, made with a new random seed (mode 0600) when it does not exist. nil when the file is
// "off". The key lives outside the database on purpose: whoever can write the database cannot sign.
func auditSigner(cfg *config, log *slog.Logger) (*audit.Signer, error) {
	if cfg.AuditKey != "" {
		seed, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cfg.AuditKey))
		if err != nil {
			return nil, fmt.Errorf("VENDORRISK_AUDIT_KEY: not base64: %w", err)
		}
		return audit.NewSigner(seed)
	}
	if cfg.AuditKeyFile == "off" {
		log.Warn("audit checkpoints are off: no signing key (VENDORRISK_AUDIT_KEY_FILE=off)")
		return nil, nil
	}
	b, err := os.ReadFile(cfg.AuditKeyFile)
	if errors.Is(err, fs.ErrNotExist) {
		return newAuditKeyFile(cfg.AuditKeyFile, log)
	}
	if err != nil {
		return nil, fmt.Errorf("read audit signing key: %w", err)
	}
	seed, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("audit signing key %s: not base64: %w", cfg.AuditKeyFile, err)
	}
	return audit.NewSigner(seed)
}

func newAuditKeyFile(path string, log *slog.Logger) (*audit.Signer, error) {
	seed := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		return nil, fmt.Errorf("generate audit signing key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create folder for the audit signing key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create audit signing key: %w", err)
	}
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(seed) + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("write audit signing key: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("write audit signing key: %w", err)
	}
	s, err := audit.NewSigner(seed)
	if err != nil {
		return nil, err
	}
	log.Info("audit signing key created: keep a copy outside the database host", "file", path,
		"key_id", audit.KeyID(s.Public()), "public_key", base64.StdEncoding.EncodeToString(s.Public()))
	return s, nil
}
