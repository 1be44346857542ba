package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"

	"crm/config"
	"crm/legacy"
)

// importLegacy is `crm import-legacy --from DSN`: the old PHP backend's
// MySQL database into this server's own (from its normal configuration).
// legacyDSNVar carries the old database's DSN, password included, where
// a command line would show it to everyone on the machine.
const legacyDSNVar = "CRM_LEGACY_DSN"

func importLegacy(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import-legacy", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	from := fs.String("from", "", "the old database: user:password@tcp(host:3306)/crm (or set "+legacyDSNVar+", which keeps the password out of `ps`)")
	merge := fs.Bool("merge", false, "import even though this database has patients of its own")
	dryRun := fs.Bool("dry-run", false, "do everything, report, and roll it all back")
	menus := fs.Bool("menus", false, "copy the old menus over the new ones")
	ways := fs.String("advisory-ways", "", `names of the old advisoryWay codes, e.g. "1=商务通,2=电话,3=微信,4=QQ"`)
	orphan := fs.String("orphan-author", cfg.Admin.Username, "the user who gets patients whose author is missing")
	if err := fs.Parse(args); err != nil {
		return usageError{"import-legacy: " + err.Error()}
	}
	if *from == "" {
		*from = os.Getenv(legacyDSNVar)
	}
	if *from == "" {
		return usageError{"import-legacy: --from or " + legacyDSNVar + " is required (the old database's MySQL DSN)"}
	}
	wayNames, err := parseAdvisoryWays(*ways)
	if err != nil {
		return usageError{"import-legacy: --advisory-ways: " + err.Error()}
	}
	source, err := openLegacy(ctx, *from)
	if err != nil {
		return err
	}
	defer source.Close()
	db, err := openMigrated(ctx, cfg, log, stderr)
	if err != nil {
		return err
	}
	defer closeDB(db)
	report, err := legacy.Import(ctx, source, db, legacy.Options{Merge: *merge, DryRun: *dryRun, Menus: *menus,
		AdvisoryWays: wayNames, OrphanAuthor: *orphan, BcryptCost: cfg.Auth.BcryptCost, Now: time.Now})
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, report.String())
	return nil
}

// openLegacy connects to the old database; it is only read.
func openLegacy(ctx context.Context, dsn string) (*sql.DB, error) {
	parsed, err := mysqldriver.ParseDSN(dsn)
	if err != nil {
		return nil, usageError{"import-legacy: --from is not a MySQL DSN (user:password@tcp(host:3306)/crm)"}
	}
	parsed.Timeout = 10 * time.Second
	source, err := sql.Open("mysql", parsed.FormatDSN())
	if err != nil {
		return nil, err
	}
	if err := source.PingContext(ctx); err != nil {
		source.Close()
		return nil, fmt.Errorf("the old database: %w", err)
	}
	return source, nil
}

func parseAdvisoryWays(spec string) (map[int]string, error) {
	names := map[int]string{}
	for _, pair := range strings.FieldsFunc(spec, func(r rune) bool { return r == ',' || r == '，' }) {
		code, name, ok := strings.Cut(pair, "=")
		n, err := strconv.Atoi(strings.TrimSpace(code))
		if !ok || err != nil || strings.TrimSpace(name) == "" {
			return nil, errors.New("expected code=name pairs separated by commas")
		}
		names[n] = strings.TrimSpace(name)
	}
	return names, nil
}
