// Command vendorrisk runs the vendorrisk API and its maintenance tasks.
//
//	vendorrisk serve [--migrate]             run the HTTP API
//	vendorrisk migrate up|down|status        manage the database schema
//	vendorrisk apikey create|list|revoke     manage credentials without a running server
//	vendorrisk evidence migrate              copy local evidence into the S3 store, every hash checked
//	vendorrisk secrets rotate [--check]      re-seal every webhook secret under the current secrets key
//	vendorrisk version                       print the version
//
// Configuration comes from VENDORRISK_* environment variables; flags override them.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `usage: vendorrisk <command> [flags]

commands:
  serve [--migrate]                 run the HTTP API (SQLite migrates itself; MySQL needs --migrate or "migrate up")
  migrate up|down|status            apply, roll back one, or list migrations
  apikey create --role R [--vendor ID] [--name N] [--expires RFC3339]
                                    create a credential; the secret is the last line of output
  apikey list                       list credentials
  apikey revoke ID                  revoke a credential
  evidence migrate                  copy local evidence into the S3 store, every hash checked
  secrets rotate [--check]          re-seal every webhook secret under the current secrets key
                                    (VENDORRISK_SECRETS_PREVIOUS_KEY_FILES: the keys to read with);
                                    --check only checks and counts
  version                           print the version

Run "vendorrisk <command> -h" for the flags; every flag has a VENDORRISK_* environment variable.
`

// run is the whole program, testable: it returns the exit code (2 for usage and configuration errors).
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, args[1:], getenv, stderr)
	case "migrate":
		err = migrate(ctx, args[1:], getenv, stdout, stderr)
	case "apikey":
		err = apikeyCmd(ctx, args[1:], getenv, stdout, stderr)
	case "evidence":
		err = evidenceCmd(ctx, args[1:], getenv, stdout, stderr)
	case "secrets":
		err = secretsCmd(ctx, args[1:], getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "vendorrisk", version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		err = usageErr("unknown command %q; run vendorrisk help", args[0])
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintln(stderr, "vendorrisk:", err)
		return 2
	default:
		fmt.Fprintln(stderr, "vendorrisk:", err)
		return 1
	}
}
