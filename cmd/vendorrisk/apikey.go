package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vendorrisk/vendorrisk/cmd/vendorrisk/wiring"
	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/apikey"
	"github.com/vendorrisk/vendorrisk/domain/auth"
)

// apikeyCmd manages credentials straight in the database, for the first admin and for recovery.
func apikeyCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageErr("apikey needs one of create, list, revoke")
	}
	sub, args := args[0], args[1:]
	fs, cfg, finish := newFlagSet("apikey "+sub, getenv, stderr)
	role := fs.String("role", "", "admin, procurement, risk_owner, auditor or supplier (create)")
	vendorID := fs.String("vendor", "", "the vendor a supplier key is bound to (create)")
	name := fs.String("name", "", "a label for the key (create)")
	expires := fs.String("expires", "", "expiry as RFC 3339 time, e.g. 2027-03-31T00:00:00Z (create)")
	if err := parseFlags(fs, finish, args); err != nil {
		return err
	}
	db, err := openDB(ctx, cfg, cfg.logger(stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	if err := requireSchema(ctx, db); err != nil {
		return err
	}
	keys := wiring.Wire(db, domain.SystemClock, nil).Keys // no evidence is touched from the CLI
	switch sub {
	case "create":
		_, err := createKey(asOperator(ctx), keys, *role, *vendorID, *name, *expires, stdout)
		return err
	case "list":
		return listKeys(ctx, keys, stdout)
	case "revoke":
		if fs.NArg() != 1 {
			return usageErr("apikey revoke needs the key id")
		}
		k, err := keys.Revoke(asOperator(ctx), fs.Arg(0))
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked %s (%s) at %s\n", k.ID, k.Prefix, k.RevokedAt.Format(time.RFC3339))
		return nil
	}
	return usageErr("apikey %q: use create, list or revoke", sub)
}

func createKey(ctx context.Context, keys *apikey.Service, role, vendorID, name, expires string, stdout io.Writer) (apikey.Key, error) {
	if role == "" {
		return apikey.Key{}, usageErr("apikey create needs --role (admin, procurement, risk_owner, auditor, supplier)")
	}
	in := apikey.NewKey{Name: name, Role: auth.Role(role), VendorID: vendorID, CreatedBy: "cli"}
	if expires != "" {
		t, err := time.Parse(time.RFC3339, expires)
		if err != nil {
			return apikey.Key{}, usageErr("--expires %q: must be an RFC 3339 time", expires)
		}
		in.ExpiresAt = &t
	}
	k, secret, err := keys.Create(ctx, in)
	if err != nil {
		if de, ok := err.(*domain.Error); ok && de.Kind == domain.KindInvalid {
			return k, usageErr("%v", de)
		}
		return k, err
	}
	fmt.Fprintf(stdout, "created api key %s (role %s%s); the secret below is shown once:\n", k.ID, k.Role, vendorNote(k.VendorID))
	fmt.Fprintln(stdout, secret)
	return k, nil
}

func vendorNote(id string) string {
	if id == "" {
		return ""
	}
	return ", vendor " + id
}

func listKeys(ctx context.Context, keys *apikey.Service, stdout io.Writer) error {
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tPREFIX\tROLE\tVENDOR\tNAME\tSTATE\tLAST USED")
	cursor := ""
	for {
		page, err := keys.List(ctx, domain.MaxPageLimit, cursor)
		if err != nil {
			return err
		}
		for _, k := range page.Items {
			state := "active"
			switch {
			case k.RevokedAt != nil:
				state = "revoked"
			case !k.Active(time.Now()):
				state = "expired"
			}
			used := "never"
			if k.LastUsedAt != nil {
				used = k.LastUsedAt.Format(time.RFC3339)
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Prefix, k.Role, dash(k.VendorID), dash(strings.TrimSpace(k.Name)), state, used)
		}
		if page.NextCursor == "" {
			return w.Flush()
		}
		cursor = page.NextCursor
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
