package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/outpost-mail/outpost/internal/store"
)

func cmdToken(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return sub("token", map[string]command{
		"create": {"create an admin API token; prints the token alone on stdout (shown once)", tokenCreate},
		"list":   {"list tokens (never their text)", tokenList},
		"revoke": {"revoke a token by id", tokenRevoke},
	}, ctx, args, stdout, stderr)
}

func tokenCreate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var scope, name string
	return withDB(ctx, "token create", "Create an admin API token with a scope. The token is printed alone on stdout and stored only as a hash.", args, stderr,
		func(fs *flagSetT) {
			fs.StringVar(&scope, "scope", "", "admin, support or billing (required)")
			fs.StringVar(&name, "name", "", "a label for the token, e.g. the tool that uses it")
		},
		func(db *store.DB, _ []string) int {
			tok, secret, err := db.CreateToken(ctx, scope, name, cliActor())
			if err != nil {
				return fail(stderr, "%v", err)
			}
			fmt.Fprintln(stdout, secret)
			fmt.Fprintf(stderr, "created token %s (scope %s)\n", tok.ID, tok.Scope)
			return 0
		})
}

func tokenList(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return withDB(ctx, "token list", "List API tokens.", args, stderr, nil, func(db *store.DB, _ []string) int {
		toks, err := db.ListTokens(ctx)
		if err != nil {
			return fail(stderr, "%v", err)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSCOPE\tNAME\tCREATED\tREVOKED")
		for _, t := range toks {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\n", t.ID, t.Scope, t.Name, t.CreatedAt.Format(time.RFC3339), t.Revoked)
		}
		tw.Flush()
		return 0
	})
}

func tokenRevoke(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return withDB(ctx, "token revoke ID", "Revoke an API token.", args, stderr, nil, func(db *store.DB, rest []string) int {
		if len(rest) != 1 {
			return fail(stderr, "token revoke: give exactly one token id")
		}
		if err := db.RevokeToken(ctx, rest[0], cliActor()); err != nil {
			return fail(stderr, "%v", err)
		}
		fmt.Fprintf(stdout, "token %s revoked\n", rest[0])
		return 0
	})
}
