package main

import (
	"context"
	"fmt"
	"io"

	"github.com/outpost-mail/outpost/internal/store"
)

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("migrate", "Apply the embedded SQL migrations that have not run yet. Safe to run again, and from several instances at once.", stderr)
	var d dbFlags
	d.register(fs)
	status := fs.Bool("status", false, "only list pending migrations")
	if code, done := parse(fs, args); done {
		return code
	}
	db, err := store.Open(ctx, d.resolved())
	if err != nil {
		return fail(stderr, "%v", err)
	}
	defer db.Close()
	if *status {
		pending, err := db.PendingMigrations(ctx)
		if err != nil {
			return fail(stderr, "%v", err)
		}
		fmt.Fprintf(stdout, "%s: %d pending\n", db.Where, len(pending))
		for _, p := range pending {
			fmt.Fprintln(stdout, " ", p)
		}
		return 0
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		return fail(stderr, "%v", err)
	}
	fmt.Fprintf(stdout, "%s: applied %d migration(s)\n", db.Where, len(applied))
	for _, a := range applied {
		fmt.Fprintln(stdout, " ", a)
	}
	return 0
}
