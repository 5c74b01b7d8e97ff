package main

import (
	"fmt"
	"log/slog"

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
		key, err := decodeKey(cfg.SecretsKey, "secrets key", "VENDORRISK_SECRETS_KEY")
		if err != nil {
			return nil, false, err
		}
		box, err := repository.NewSecretBox(key, "VENDORRISK_SECRETS_KEY")
		return box, false, err
	}
	key, created, err := keyFile(cfg.SecretsKeyFile, "secrets key", repository.SecretKeySize)
	if err != nil {
		return nil, false, err
	}
	box, err := repository.NewSecretBox(key, cfg.SecretsKeyFile)
	if err != nil {
		return nil, false, err
	}
	if created {
		log.Info("secrets key created: keep a copy outside the database host, and give every replica the same key",
			"file", cfg.SecretsKeyFile)
	}
	return box, created, nil
}

// withPreviousKeys adds the previous keys, from files and then from VENDORRISK_SECRETS_PREVIOUS_KEYS
// (named by position: never the key).
func withPreviousKeys(box *repository.SecretBox, cfg *config) (*repository.SecretBox, error) {
	for _, path := range cfg.SecretsPreviousKeyFiles {
		key, err := readKeyFile(path, "secrets key")
		if err != nil {
			return nil, fmt.Errorf("previous secrets key: %w", err)
		}
		if box, err = box.WithPrevious(key, path); err != nil {
			return nil, err
		}
	}
	for i, b64 := range cfg.SecretsPreviousKeys {
		source := fmt.Sprintf("VENDORRISK_SECRETS_PREVIOUS_KEYS[%d]", i)
		key, err := decodeKey(b64, "secrets key", source)
		if err != nil {
			return nil, err
		}
		if box, err = box.WithPrevious(key, source); err != nil {
			return nil, err
		}
	}
	return box, nil
}
