package main

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/vendorrisk/vendorrisk/repository"
)

// secretsBox loads the key that seals the secrets the server must read back in clear (webhook
// signing secrets): VENDORRISK_SECRETS_KEY (base64), else the key file, made with a new random key
// (mode 0600) when it does not exist. Like the audit key it lives outside the database on purpose:
// a copy of the database alone does not give the secrets away. created tells that the file was made
// now, so that a database already holding sealed secrets can be explained.
func secretsBox(cfg *config, log *slog.Logger) (box *repository.SecretBox, created bool, err error) {
	if cfg.SecretsKey != "" {
		key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cfg.SecretsKey))
		if err != nil {
			return nil, false, fmt.Errorf("VENDORRISK_SECRETS_KEY: not base64: %w", err)
		}
		box, err := repository.NewSecretBox(key, "VENDORRISK_SECRETS_KEY")
		return box, false, err
	}
	b, err := os.ReadFile(cfg.SecretsKeyFile)
	if errors.Is(err, fs.ErrNotExist) {
		box, err := newSecretsKeyFile(cfg.SecretsKeyFile, log)
		return box, err == nil, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("read secrets key: %w", err)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, false, fmt.Errorf("secrets key %s: not base64: %w", cfg.SecretsKeyFile, err)
	}
	box, err = repository.NewSecretBox(key, cfg.SecretsKeyFile)
	return box, false, err
}

func newSecretsKeyFile(path string, log *slog.Logger) (*repository.SecretBox, error) {
	key := make([]byte, repository.SecretKeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generate secrets key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create folder for the secrets key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create secrets key: %w", err)
	}
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("write secrets key: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("write secrets key: %w", err)
	}
	log.Info("secrets key created: keep a copy outside the database host, and give every replica the same key",
		"file", path)
	return repository.NewSecretBox(key, path)
}
