package main

import (
	"context"
	"encoding/json"
	"os/user"

	"github.com/vendorrisk/vendorrisk/domain/apikey"
	"github.com/vendorrisk/vendorrisk/domain/audit"
	"github.com/vendorrisk/vendorrisk/repository"
)

// operator is the actor of changes made with the command line: credentials made or revoked outside the
// API are audited like those made through it.
func operator() audit.Actor {
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return audit.Actor{KeyID: "cli", Name: name, Role: "operator"}
}

// keyChange runs fn and appends its audit event in one transaction.
func keyChange(ctx context.Context, db *repository.DB, trail *audit.Service, actor audit.Actor, action string,
	fn func(ctx context.Context) (apikey.Key, error)) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		k, err := fn(ctx)
		if err != nil {
			return err
		}
		res, _ := json.Marshal(map[string]any{"id": k.ID, "prefix": k.Prefix, "role": k.Role, "vendor_id": k.VendorID,
			"name": k.Name, "expires_at": k.ExpiresAt, "revoked_at": k.RevokedAt})
		_, err = trail.Append(ctx, audit.Entry{Actor: actor, Action: action, ResourceType: "api-keys", ResourceID: k.ID,
			Path: "", Status: 0, Result: res})
		return err
	})
}
