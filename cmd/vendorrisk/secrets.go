package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/vendorrisk/vendorrisk/cmd/vendorrisk/wiring"
	"github.com/vendorrisk/vendorrisk/domain"
)

// secretsCmd runs "secrets rotate": re-seal every webhook secret under the current secrets key, so
// that the previous keys can be retired (docs/deploy.md, "Rotating the secrets key").
func secretsCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, cfg, finish := newFlagSet("secrets", getenv, stderr)
	check := fs.Bool("check", false, "only check that every secret opens with the keys and count what would be re-sealed; write nothing")
	if err := parseFlags(fs, finish, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || fs.Arg(0) != "rotate" {
		return usageErr("secrets needs rotate")
	}
	if err := requireSecretsKeyFile(cfg); err != nil {
		return err
	}
	log := cfg.logger(stderr)
	db, err := openDB(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := requireSchema(ctx, db); err != nil {
		return err
	}
	box, _, err := secretsBox(cfg, log)
	if err != nil {
		return err
	}
	svc := wiring.WireWith(db, domain.SystemClock, nil, wiring.Options{Log: log, Secrets: box})
	if *check {
		rep, err := svc.CheckWebhookSecretsRotation(ctx)
		if err != nil {
			return fmt.Errorf("webhook secrets: %w", err)
		}
		fmt.Fprintf(stdout, "webhook secrets: %d to re-seal under key %s, %d already current; checked, nothing written\n",
			rep.Sealed, box.CurrentKeyID(), rep.Current)
		return nil
	}
	log.Info("re-sealing webhook secrets", "keys", box.Source())
	rep, err := svc.RotateWebhookSecrets(ctx)
	if err != nil && rep.Sealed+rep.Current+rep.Failed == 0 {
		return fmt.Errorf("webhook secrets: %w", err) // refused, or failed before anything was done
	}
	fmt.Fprintf(stdout, "webhook secrets: %d re-sealed under key %s, %d already current, %d failed\n",
		rep.Sealed, box.CurrentKeyID(), rep.Current, rep.Failed)
	return err
}

// requireSecretsKeyFile refuses a rotation to a key file that does not exist: serve would make one,
// but re-sealing everything under a key no replica has would stop them all.
func requireSecretsKeyFile(cfg *config) error {
	if cfg.SecretsKey != "" {
		return nil
	}
	if _, err := os.Stat(cfg.SecretsKeyFile); errors.Is(err, fs.ErrNotExist) {
		return usageErr("secrets key %s does not exist: rotate to the key the replicas use (VENDORRISK_SECRETS_KEY_FILE)", cfg.SecretsKeyFile)
	}
	return nil
}
