package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/vendorrisk/vendorrisk/repository"
)

func migrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, cfg, finish := newFlagSet("migrate", getenv, stderr)
	if err := parseFlags(fs, finish, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErr("migrate needs one of up, down, status")
	}
	log := cfg.logger(stderr)
	db, err := openDB(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	m, err := repository.NewMigrator(db)
	if err != nil {
		return err
	}
	switch fs.Arg(0) {
	case "up":
		n, err := m.Up(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "applied %d migration(s)\n", n)
	case "down":
		if err := m.Down(ctx); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "rolled back the latest migration")
	case "status":
		st, err := m.Status(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "VERSION\tSTATE\tFILE")
		for _, s := range st {
			state := "pending"
			if s.Applied {
				state = "applied"
			}
			fmt.Fprintf(w, "%d\t%s\t%s\n", s.Version, state, s.Name)
		}
		return w.Flush()
	default:
		return usageErr("migrate %q: use up, down or status", fs.Arg(0))
	}
	return nil
}
