package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"text/tabwriter"
	"time"

	"github.com/outpost-mail/outpost/internal/store"
)

// cliActor names the operator in audit records.
func cliActor() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "cli:" + u.Username
	}
	if s := os.Getenv("USER"); s != "" {
		return "cli:" + s
	}
	return "cli"
}

func cmdTenant(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return sub("tenant", map[string]command{
		"add":     {"create a tenant and print its SMTP credentials (shown once)", tenantAdd},
		"list":    {"list tenants", tenantList},
		"show":    {"show one tenant with its quota", tenantShow},
		"suspend": {"suspend a tenant (its mail is refused)", tenantSetStatus(store.StatusSuspended)},
		"resume":  {"make a suspended tenant active again", tenantSetStatus(store.StatusActive)},
		"quota":   {"show a tenant's quota and its history", tenantQuota},
		"raise":   {"raise a tenant's limit one ladder step (or --to N), with a reason", tenantRaise},
		"plan":    {"set a tenant's plan (trial, paid, ...), with a reason", tenantPlan},
	}, ctx, args, stdout, stderr)
}

// withDB parses the flags, opens the database and runs fn with the
// positional arguments.
func withDB(ctx context.Context, name, summary string, args []string, stderr io.Writer, extra func(*flagSetT), fn func(db *store.DB, rest []string) int) int {
	fs := newFlagSet(name, summary, stderr)
	var d dbFlags
	d.register(fs)
	if extra != nil {
		extra(fs)
	}
	rest, code, done := parseArgs(fs, args)
	if done {
		return code
	}
	db, err := d.open(ctx, d.autoMigrate())
	if err != nil {
		return fail(stderr, "%v", err)
	}
	defer db.Close()
	return fn(db, rest)
}

func tenantAdd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var plan, ip, email, country string
	var asJSON bool
	return withDB(ctx, "tenant add ID", "Create a tenant. Prints its SMTP username and password; the password is stored only as a hash and never shown again.", args, stderr,
		func(fs *flagSetT) {
			fs.StringVar(&plan, "plan", "trial", "plan: trial or paid (or any configured plan)")
			fs.StringVar(&ip, "signup-ip", "", "signup IP address (optional, feeds risk checks)")
			fs.StringVar(&email, "signup-email", "", "signup contact e-mail (optional)")
			fs.StringVar(&country, "signup-country", "", "signup country code (optional)")
			fs.BoolVar(&asJSON, "json", false, "print JSON")
		},
		func(db *store.DB, rest []string) int {
			if len(rest) != 1 {
				return fail(stderr, "tenant add: give exactly one tenant id")
			}
			secret := store.NewSecret()
			hash, err := store.HashSecret(secret)
			if err != nil {
				return fail(stderr, "%v", err)
			}
			t := store.Tenant{ID: rest[0], Plan: plan, SecretHash: hash, Signup: store.Signup{IP: ip, Email: email, Country: country}}
			if err := createTenant(ctx, db, t, cliActor()); err != nil {
				return fail(stderr, "tenant add: %v", err)
			}
			if asJSON {
				return writeJSON(stdout, map[string]string{"id": t.ID, "plan": plan, "smtp_username": t.ID, "smtp_password": secret})
			}
			fmt.Fprintf(stdout, "tenant %s created (plan %s)\nSMTP username: %s\nSMTP password: %s\n(the password is shown once; rotate it with the API if lost)\n", t.ID, plan, t.ID, secret)
			return 0
		})
}

func tenantList(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var status, plan string
	var limit int
	return withDB(ctx, "tenant list", "List tenants, ordered by id.", args, stderr,
		func(fs *flagSetT) {
			fs.StringVar(&status, "status", "", "only tenants with this status (active, review, suspended)")
			fs.StringVar(&plan, "plan", "", "only tenants on this plan")
			fs.IntVar(&limit, "limit", 1000, "at most this many")
		},
		func(db *store.DB, _ []string) int {
			ts, err := db.ListTenants(ctx, store.TenantFilter{Status: status, Plan: plan, Limit: limit})
			if err != nil {
				return fail(stderr, "%v", err)
			}
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tPLAN\tSTATUS\tCREATED")
			for _, t := range ts {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.ID, t.Plan, t.Status, t.CreatedAt.Format(time.RFC3339))
			}
			tw.Flush()
			return 0
		})
}

func tenantShow(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return withDB(ctx, "tenant show ID", "Show a tenant and its quota as JSON.", args, stderr, nil,
		func(db *store.DB, rest []string) int {
			if len(rest) != 1 {
				return fail(stderr, "tenant show: give exactly one tenant id")
			}
			t, err := db.Tenant(ctx, rest[0])
			if errors.Is(err, store.ErrNotFound) {
				return fail(stderr, "no tenant %q", rest[0])
			}
			if err != nil {
				return fail(stderr, "%v", err)
			}
			out := map[string]any{"id": t.ID, "plan": t.Plan, "status": t.Status, "created_at": t.CreatedAt,
				"signup": map[string]string{"ip": t.Signup.IP, "email": t.Signup.Email, "country": t.Signup.Country}}
			if q, err := tenantQuotaStatus(ctx, db, t.ID); err == nil {
				out["quota"] = q
			} else {
				out["quota_error"] = err.Error()
			}
			return writeJSON(stdout, out)
		})
}

func tenantSetStatus(status string) func(context.Context, []string, io.Writer, io.Writer) int {
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
		var reason string
		return withDB(ctx, "tenant "+map[string]string{store.StatusSuspended: "suspend", store.StatusActive: "resume"}[status]+" ID",
			"Change a tenant's status; recorded in the audit log with --reason.", args, stderr,
			func(fs *flagSetT) { fs.StringVar(&reason, "reason", "", "why (required; goes to the audit log)") },
			func(db *store.DB, rest []string) int {
				if len(rest) != 1 || reason == "" {
					return fail(stderr, "give exactly one tenant id and --reason")
				}
				if err := db.SetTenantStatus(ctx, rest[0], status, cliActor(), reason); err != nil {
					return fail(stderr, "%v", err)
				}
				fmt.Fprintf(stdout, "tenant %s is %s\n", rest[0], status)
				return 0
			})
	}
}

func writeJSON(w io.Writer, v any) int {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return 1
	}
	return 0
}
