package main

import (
	"context"
	"os/user"

	"github.com/vendorrisk/vendorrisk/domain/auth"
)

// asOperator is ctx acting as the operator at the command line, so that credentials made or revoked
// outside the API are recorded in the audit trail like those made through it, by whom ran the command.
func asOperator(ctx context.Context) context.Context {
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return auth.WithPrincipal(ctx, auth.Principal{KeyID: "cli", Name: name, Role: "operator"})
}
