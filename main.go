// Command crm is the clinic CRM server and its maintenance commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"crm/config"
	"crm/models/migrations"
	"crm/models/store"
)

const usage = `Usage: crm [--config FILE] [command]

Commands:
  serve      run the HTTP server (the default); applies pending migrations first
  migrate    apply pending migrations and seed a new database, then exit
  user add   --username NAME (--password PASS | --password-stdin) --role consultant|manager|superadmin [--name DISPLAY]
             create an account; works while the server runs
  user list  [--legacy-hash]
             list the accounts (--legacy-hash: those still on a password hash imported from the old backend);
             only reads an existing database, never creates one
  import-legacy [--from DSN] [--dry-run] [--merge] [--menus] [--advisory-ways "1=商务通,2=电话"] [--orphan-author NAME]
             import the old PHP backend's MySQL database (see the README); the DSN
             may come from CRM_LEGACY_DSN instead, out of sight of ps
  reindex    recompute the counts, name terms and phone tails derived from the patients
             (the server keeps them itself; after editing patients with SQL, run this with the servers stopped)
  healthcheck
             exit 0 if the local server answers /readyz (for container health checks)

The configuration is read from config.yaml (or --config, or CRM_CONFIG) and
overridden by CRM_* environment variables; see config.yaml.
`

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // the command ran and failed
	exitUsage   = 2 // the command line or the configuration is wrong
)

func main() {
	// SIGTERM (docker stop) and Ctrl-C stop the server gracefully.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// usageError marks mistakes of the person at the keyboard (exit 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	gin.SetMode(gin.ReleaseMode)
	global := flag.NewFlagSet("crm", flag.ContinueOnError)
	global.SetOutput(io.Discard)
	configPath := global.String("config", envOr("CRM_CONFIG", "config.yaml"), "configuration file")
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usage)
			return exitOK
		}
		fmt.Fprintf(stderr, "crm: %v\n\n%s", err, usage)
		return exitUsage
	}
	explicitConfig := isFlagSet(global, "config") || os.Getenv("CRM_CONFIG") != ""
	cfg, err := config.Load(*configPath, explicitConfig)
	if err != nil {
		fmt.Fprintf(stderr, "crm: %v\n", err)
		return exitUsage
	}
	log, err := newLogger(cfg.Log, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "crm: %v\n", err)
		return exitUsage
	}

	rest := global.Args()
	command := "serve"
	if len(rest) > 0 {
		command, rest = rest[0], rest[1:]
	}
	switch command {
	case "serve":
		err = serve(ctx, cfg, log, stderr)
	case "migrate":
		err = migrate(ctx, cfg, log, stdout, stderr)
	case "user":
		err = userCommand(ctx, cfg, log, rest, stdin, stdout, stderr)
	case "healthcheck":
		err = healthcheck(ctx, cfg)
	case "reindex":
		err = reindex(ctx, cfg, log, stdout, stderr)
	case "import-legacy":
		err = importLegacy(ctx, cfg, log, rest, stdout, stderr)
	case "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		err = usageError{fmt.Sprintf("unknown command %q", command)}
	}

	var usageErr usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &usageErr):
		fmt.Fprintf(stderr, "crm: %v\n\n%s", err, usage)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "crm %s: %v\n", command, err)
		return exitFailure
	}
}

func newLogger(cfg config.Log, w io.Writer) (*slog.Logger, error) {
	level, err := config.ParseLevel(cfg.Level)
	if err != nil {
		return nil, err
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}

// openMigrated connects and applies pending migrations: every command
// works on a brand-new database, and a generated admin password is shown
// by whichever command creates the account.
func openMigrated(ctx context.Context, cfg config.Config, log *slog.Logger, announceTo io.Writer) (*gorm.DB, error) {
	db, err := store.Open(ctx, cfg.Database, log)
	if err != nil {
		return nil, err
	}
	pending, err := migrations.Pending(db)
	if err != nil {
		closeDB(db)
		return nil, err
	}
	if len(pending) > 0 {
		log.Info("applying migrations", "pending", pending)
	}
	seed := migrations.Seed{
		AdminUsername: cfg.Admin.Username,
		AdminPassword: cfg.Admin.Password,
		BcryptCost:    cfg.Auth.BcryptCost,
		Announce:      func(username, password string) { announcePassword(announceTo, username, password) },
	}
	if err := migrations.Run(ctx, db, seed); err != nil {
		closeDB(db)
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return db, nil
}

// openExisting connects to a database the server has already set up, for
// commands that only read: they never create a database (and a
// superadmin with it) where the operator merely looked in the wrong
// folder, and never migrate one.
func openExisting(ctx context.Context, cfg config.Config, log *slog.Logger) (*gorm.DB, error) {
	if cfg.Database.Driver == "sqlite" && store.SQLiteFilePath(cfg.Database.DSN) {
		if _, err := os.Stat(cfg.Database.DSN); err != nil {
			return nil, fmt.Errorf("no database at %s (start the server or run `crm migrate` there first, or pass --config)", cfg.Database.DSN)
		}
	}
	db, err := store.Open(ctx, cfg.Database, log)
	if err != nil {
		return nil, err
	}
	pending, err := migrations.Pending(db)
	if err == nil && len(pending) > 0 {
		err = fmt.Errorf("the database is not up to date (%d migrations pending): run `crm migrate` first", len(pending))
	}
	if err != nil {
		closeDB(db)
		return nil, err
	}
	return db, nil
}

// announcePassword prints the generated password outside the structured
// log, once: it is the only way the operator learns it.
func announcePassword(w io.Writer, username, password string) {
	fmt.Fprintf(w, "\n"+
		"================================================================\n"+
		"  First start: created the superadmin account.\n"+
		"    username: %s\n"+
		"    password: %s\n"+
		"  This password is shown only this once. Log in and change it,\n"+
		"  or set CRM_ADMIN_PASSWORD before the first start next time.\n"+
		"================================================================\n\n", username, password)
}

func closeDB(db *gorm.DB) {
	if sqlDB, err := db.DB(); err == nil {
		_ = sqlDB.Close()
	}
}

func migrate(ctx context.Context, cfg config.Config, log *slog.Logger, stdout, stderr io.Writer) error {
	db, err := openMigrated(ctx, cfg, log, stderr)
	if err != nil {
		return err
	}
	defer closeDB(db)
	fmt.Fprintln(stdout, "database is up to date")
	return nil
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func isFlagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
