// Command outpost is the outbound email reputation gateway: one binary with
// subcommands to serve, migrate the database, manage tenants, DKIM keys and
// API tokens, score mail and train the content model. main only parses the
// command line and wires concrete types together; the packages do the work.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// command is one subcommand: run gets the arguments after its name.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

func commands() map[string]command {
	return map[string]command{
		"serve":   {"run the SMTP relay and the HTTP API (embedded SQLite by default)", cmdServe},
		"migrate": {"apply the embedded database migrations", cmdMigrate},
		"tenant":  {"manage tenants: add, list, show, suspend, resume, quota, raise, plan", cmdTenant},
		"dkim":    {"manage DKIM signing keys: add, list", cmdDKIM},
		"token":   {"manage admin API tokens: create, list, revoke", cmdToken},
		"score":   {"score messages for spam signals (--json for the machine form)", cmdScore},
		"eval":    {"evaluate the scorer on a labelled folder (AUC, catch rates, speed)", cmdEval},
		"train":   {"train the content model from a labelled folder", cmdTrain},
		"version": {"print the version", cmdVersion},
	}
}

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "outpost: unknown command %q\n\n", args[0])
		usage(stderr, cmds)
		return 2
	}
	return c.run(ctx, args[1:], stdout, stderr)
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "outpost — outbound email reputation gateway")
	fmt.Fprintln(w, "\nUsage: outpost <command> [flags]   (outpost <command> --help for its flags)")
	fmt.Fprintln(w, "\nCommands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nEvery flag can also be set with an OUTPOST_* environment variable:")
	fmt.Fprintln(w, "--smtp-addr is OUTPOST_SMTP_ADDR, and so on. Flags win over the environment.")
}

func cmdVersion(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("version", "print the version", stderr)
	if code, done := parse(fs, args); done {
		return code
	}
	fmt.Fprintln(stdout, "outpost", version)
	return 0
}

// sub dispatches "outpost <group> <verb> ...".
func sub(group string, verbs map[string]command, ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		w := stderr
		if len(args) > 0 {
			w = stdout
		}
		fmt.Fprintf(w, "Usage: outpost %s <verb> [flags]\n\nVerbs:\n", group)
		names := make([]string, 0, len(verbs))
		for n := range verbs {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(w, "  %-8s %s\n", n, verbs[n].summary)
		}
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	v, ok := verbs[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "outpost %s: unknown verb %q (one of: %s)\n", group, args[0], strings.Join(keys(verbs), ", "))
		return 2
	}
	return v.run(ctx, args[1:], stdout, stderr)
}

func keys(m map[string]command) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
