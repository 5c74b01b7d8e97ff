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
// The previous keys (a rotation under way) are added for reading; their files are never made.
func secretsBox(cfg *config, log *slog.Logger) (box *repository.SecretBox, created bool, err error) {
	box, created, err = currentSecretsBox(cfg, log)
	if err != nil {
		return nil, false, err
	}
	box, err = withPreviousKeys(box, cfg)
	return box, created, err
}

func currentSecretsBox(cfg *config, log *slog.Logger) (*repository.SecretBox, bool, error) {
	if cfg.SecretsKey != "" {
		key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cfg.SecretsKey))
		if err != nil {
			return nil, false, fmt.Errorf("VENDORRISK_SECRETS_KEY: not base64: %w", err)
		}
		box, err := repository.NewSecretBox(key, "VENDORRISK_SECRETS_KEY")
		return box, false, err
	}
	box, created, err := readSecretsKeyFile(cfg.SecretsKeyFile)
	if errors.Is(err, fs.ErrNotExist) {
		return newSecretsKeyFile(cfg.SecretsKeyFile, log)
	}
	return box, created, err
}

// withPreviousKeys adds the previous keys, from files and then from VENDORRISK_SECRETS_PREVIOUS_KEYS
// (named by position: never the key).
func withPreviousKeys(box *repository.SecretBox, cfg *config) (*repository.SecretBox, error) {
	for _, path := range cfg.SecretsPreviousKeyFiles {
		key, err := readKey(path)
		if err != nil {
			return nil, fmt.Errorf("previous secrets key: %w", err)
		}
		if box, err = box.WithPrevious(key, path); err != nil {
			return nil, err
		}
	}
	for i, b64 := range cfg.SecretsPreviousKeys {
		source := fmt.Sprintf("VENDORRISK_SECRETS_PREVIOUS_KEYS[%d]", i)
		key, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return nil, fmt.Errorf("%s: not base64: %w", source, err)
		}
		if box, err = box.WithPrevious(key, source); err != nil {
			return nil, err
		}
	}
	return box, nil
}

// readKey reads a base64 key file.
func readKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read secrets key: %w", err)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("secrets key %s: not base64: %w", path, err)
	}
	return key, nil
}

func readSecretsKeyFile(path string) (*repository.SecretBox, bool, error) {
	key, err := readKey(path)
	if err != nil {
		return nil, false, err
	}
	box, err := repository.NewSecretBox(key, path)
	return box, false, err
}

// newSecretsKeyFile writes a new random key to path. The key is written to a temporary file first and
// linked into place, so that replicas starting at once on a shared folder never read half a key: the
// one that loses the race reads the winner's. created is false then.
func newSecretsKeyFile(path string, log *slog.Logger) (box *repository.SecretBox, created bool, err error) {
	key := make([]byte, repository.SecretKeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, false, fmt.Errorf("generate secrets key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, fmt.Errorf("create folder for the secrets key: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".secrets-key-*") // mode 0600
	if err != nil {
		return nil, false, fmt.Errorf("create secrets key: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return nil, false, fmt.Errorf("write secrets key: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, false, fmt.Errorf("write secrets key: %w", err)
	}
	if err := os.Link(f.Name(), path); errors.Is(err, fs.ErrExist) {
		return readSecretsKeyFile(path)
	} else if err != nil {
		return nil, false, fmt.Errorf("create secrets key: %w", err)
	}
	log.Info("secrets key created: keep a copy outside the database host, and give every replica the same key",
		"file", path)
	box, err = repository.NewSecretBox(key, path)
	return box, err == nil, err
}
