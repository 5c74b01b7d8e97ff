package main

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vendorrisk/vendorrisk/repository"
)

// TestSecretsRotateCommand: secrets sealed by serve under key a are re-sealed by "secrets rotate"
// under b (a as previous), which prints its counts; a second run finds them current; serve with only
// a then refuses naming b's key id, and with only b starts. A rotation to a key that opens nothing
// refuses naming the endpoint, and one to a key file that does not exist is a usage error.
func TestSecretsRotateCommand(t *testing.T) {
	dir := t.TempDir()
	keyFile := func(name string, fill byte) (string, string) {
		key := bytes.Repeat([]byte{fill}, repository.SecretKeySize)
		path := filepath.Join(dir, name+".key")
		if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(key)+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return path, repository.KeyID(key)
	}
	keyA, kidA := keyFile("a", 1)
	keyB, kidB := keyFile("b", 2)
	keyC, _ := keyFile("c", 3)
	adminFile := filepath.Join(dir, "admin-key.txt")
	env := map[string]string{
		"VENDORRISK_DB_DSN": filepath.Join(dir, "vr.db"), "VENDORRISK_ADDR": "127.0.0.1:0", "VENDORRISK_ADMIN_KEY_FILE": adminFile,
		"VENDORRISK_AUDIT_KEY_FILE": filepath.Join(dir, "audit.key"), "VENDORRISK_SECRETS_KEY_FILE": keyA,
		"VENDORRISK_EVIDENCE_DIR": filepath.Join(dir, "evidence"), "VENDORRISK_LOG_FORMAT": "json", "VENDORRISK_DRAIN_DELAY": "0s",
		"VENDORRISK_WEBHOOK_ALLOW_HTTP": "true", "VENDORRISK_WEBHOOK_ALLOW_PRIVATE": "true", "VENDORRISK_WEBHOOK_POLL_INTERVAL": "1h",
	}
	with := func(current string, previous ...string) map[string]string {
		e := map[string]string{}
		for k, v := range env {
			e[k] = v
		}
		e["VENDORRISK_SECRETS_KEY_FILE"] = current
		e["VENDORRISK_SECRETS_PREVIOUS_KEY_FILES"] = strings.Join(previous, ",")
		return e
	}
	ep := createEndpoint(t, env, adminFile)
	id, _ := ep["id"].(string)

	for _, tc := range []struct {
		name         string
		args         []string
		env          map[string]string
		code         int
		stdout, errs string
	}{
		{"check before", []string{"secrets", "rotate", "--check"}, with(keyB, keyA), 0,
			"webhook secrets: 1 to re-seal under key " + kidB + ", 0 already current; checked, nothing written\n", ""},
		{"check with only a, before the rotation", []string{"secrets", "rotate", "--check"}, with(keyA), 0,
			"webhook secrets: 0 to re-seal under key " + kidA + ", 1 already current; checked, nothing written\n", ""},
		{"to b, a previous", []string{"secrets", "rotate"}, with(keyB, keyA), 0,
			"webhook secrets: 1 re-sealed under key " + kidB + ", 0 already current, 0 failed\n", ""},
		{"again", []string{"secrets", "rotate"}, with(keyB, keyA), 0,
			"webhook secrets: 0 re-sealed under key " + kidB + ", 1 already current, 0 failed\n", ""},
		{"serve with only a", []string{"serve"}, with(keyA), 1, "", kidB},
		{"to a key that opens nothing", []string{"secrets", "rotate"}, with(keyC, keyA), 1, "", id},
		{"check with a key that opens nothing", []string{"secrets", "rotate", "--check"}, with(keyC), 1, "", id},
		{"to a key file that does not exist", []string{"secrets", "rotate"}, with(filepath.Join(dir, "none.key"), keyB), 2, "", "none.key"},
		{"no subcommand", []string{"secrets"}, with(keyB), 2, "", "secrets needs rotate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(t.Context(), tc.args, envFrom(tc.env), &stdout, &stderr)
			if code != tc.code || (tc.code == 0 && stdout.String() != tc.stdout) || !strings.Contains(stderr.String(), tc.errs) {
				t.Errorf("exit %d, stdout %q, stderr %s; want exit %d, stdout %q, stderr naming %q",
					code, stdout.String(), stderr.String(), tc.code, tc.stdout, tc.errs)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "none.key")); !os.IsNotExist(err) {
		t.Errorf("the rotation made a key file: %v", err)
	}
	_, stop := startServe(t, with(keyB))
	stop()
}
