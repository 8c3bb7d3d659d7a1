package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/outpost-mail/outpost/internal/store"
)

// newFlagSet makes a flag set whose usage names the command. Flags registered
// on it can be given in the environment as OUTPOST_<NAME> (see parse).
type flagSetT = flag.FlagSet

func newFlagSet(name, summary string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("outpost "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: outpost %s [flags]\n\n%s\n\nFlags (each also OUTPOST_<FLAG> in the environment, e.g. --smtp-addr is OUTPOST_SMTP_ADDR):\n", name, summary)
		fs.PrintDefaults()
	}
	return fs
}

// envName is the environment variable for a flag: smtp-addr → OUTPOST_SMTP_ADDR.
func envName(flagName string) string {
	return "OUTPOST_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parse parses the command line (flags may come before or after positional
// arguments; "--" ends flags), then applies OUTPOST_* environment variables
// to flags not given on the command line. It returns done=true with an exit
// code when the caller should stop (help asked, or a bad flag).
func parse(fs *flag.FlagSet, args []string) (code int, done bool) {
	_, code, done = parseArgs(fs, args)
	return code, done
}

// parseArgs is parse that also returns the positional arguments.
func parseArgs(fs *flag.FlagSet, args []string) (rest []string, code int, done bool) {
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, 0, true
			}
			return nil, 2, true
		}
		left := fs.Args()
		if len(left) == 0 {
			break
		}
		// Parse stops at the first non-flag; "--" is consumed by Parse, so a
		// remaining arg equal to the previous one being "--" means all positional.
		if len(args) > len(left) && args[len(args)-len(left)-1] == "--" {
			rest = append(rest, left...)
			break
		}
		rest = append(rest, left[0])
		args = left[1:]
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var bad error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] || bad != nil {
			return
		}
		if v, ok := os.LookupEnv(envName(f.Name)); ok {
			if err := f.Value.Set(v); err != nil {
				bad = fmt.Errorf("%s=%q: %w", envName(f.Name), v, err)
			}
		}
	})
	if bad != nil {
		fmt.Fprintln(fs.Output(), "outpost:", bad)
		return nil, 2, true
	}
	return rest, 0, false
}

// dbFlags are the flags every command that touches the database shares.
type dbFlags struct {
	dataDir string
	dsn     string
}

func (d *dbFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&d.dataDir, "data-dir", "data", "folder for the embedded database and generated files")
	fs.StringVar(&d.dsn, "db", "", "database: postgres://... for PostgreSQL, or a SQLite path (default <data-dir>/outpost.db)")
}

func (d *dbFlags) resolved() string {
	if d.dsn != "" {
		return d.dsn
	}
	return filepath.Join(d.dataDir, "outpost.db")
}

// open opens the database; with migrate it applies pending migrations, and
// without it refuses an out-of-date schema.
func (d *dbFlags) open(ctx context.Context, migrate bool) (*store.DB, error) {
	db, err := store.Open(ctx, d.resolved())
	if err != nil {
		return nil, err
	}
	if migrate {
		if _, err := db.Migrate(ctx); err != nil {
			db.Close()
			return nil, err
		}
		return db, nil
	}
	pending, err := db.PendingMigrations(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	if len(pending) > 0 {
		db.Close()
		return nil, fmt.Errorf("database schema at %s is out of date (pending: %s); run 'outpost migrate' or start with --migrate",
			db.Where, strings.Join(pending, ", "))
	}
	return db, nil
}

// autoMigrate is the default for commands that only need a usable database:
// the embedded SQLite default migrates itself (no set-up), PostgreSQL is
// migrated explicitly by an operator ('outpost migrate' or serve --migrate).
func (d *dbFlags) autoMigrate() bool {
	s := d.resolved()
	return !strings.HasPrefix(s, "postgres://") && !strings.HasPrefix(s, "postgresql://")
}

func fail(stderr io.Writer, format string, args ...any) int {
	fmt.Fprintf(stderr, "outpost: "+format+"\n", args...)
	return 1
}

func envOrEmpty(name string) string { return os.Getenv(name) }
