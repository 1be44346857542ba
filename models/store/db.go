package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	gosqlite "github.com/glebarez/go-sqlite"
	"github.com/glebarez/sqlite"
	mysqldriver "github.com/go-sql-driver/mysql"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
	"gorm.io/plugin/dbresolver"

	"crm/config"
)

// Open connects to the configured database, retrying with backoff until
// cfg.ConnectTimeout: under docker-compose the database may start after us.
func Open(ctx context.Context, cfg config.Database, log *slog.Logger) (*gorm.DB, error) {
	dialector, err := dialectorFor(cfg)
	if err != nil {
		return nil, err
	}
	db, err := gorm.Open(dialector, &gorm.Config{
		Logger:         newQueryLogger(log, cfg.SlowQuery),
		TranslateError: true,
		NowFunc:        func() time.Time { return time.Now().UTC().Truncate(time.Millisecond) },
	})
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", cfg.Driver, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	// Idle = max open: a burst should not pay for reconnecting. The lifetime
	// stays below the usual proxy and MySQL wait_timeout cut-offs.
	sqlDB.SetMaxOpenConns(cfg.MaxOpenConns)
	sqlDB.SetMaxIdleConns(cfg.MaxOpenConns)
	sqlDB.SetConnMaxLifetime(cfg.ConnMaxLifetime)

	if err := pingWithRetry(ctx, sqlDB, cfg, log); err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	if err := useReplicas(db, cfg); err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	return db, nil
}

// reportsResolver names the dbresolver that sends the heavy reads to the
// replicas; no other statement asks for it, so everything else stays on
// the primary.
const reportsResolver = "reports"

func useReplicas(db *gorm.DB, cfg config.Database) error {
	if len(cfg.Replicas) == 0 {
		return nil
	}
	replicas := make([]gorm.Dialector, len(cfg.Replicas))
	for i, dsn := range cfg.Replicas {
		dsn, err := mysqlDSN(dsn, cfg.ReadTimeout, cfg.WriteTimeout)
		if err != nil {
			return fmt.Errorf("database.replicas[%d]: %w", i, err)
		}
		replicas[i] = mysql.New(mysql.Config{DSN: dsn})
	}
	resolver := dbresolver.Register(dbresolver.Config{Replicas: replicas, Policy: dbresolver.RandomPolicy{}}, reportsResolver).
		SetMaxOpenConns(cfg.MaxOpenConns).SetMaxIdleConns(cfg.MaxOpenConns).SetConnMaxLifetime(cfg.ConnMaxLifetime)
	if err := db.Use(resolver); err != nil {
		return fmt.Errorf("database.replicas: %w", err)
	}
	return nil
}

// ReportReads is db for reports, the dashboard, the ranking and exports:
// their statements go to a read replica when database.replicas names any.
func ReportReads(db *gorm.DB) *gorm.DB {
	return db.Clauses(dbresolver.Use(reportsResolver)).Session(&gorm.Session{})
}

func dialectorFor(cfg config.Database) (gorm.Dialector, error) {
	switch cfg.Driver {
	case "sqlite":
		dsn, err := sqliteDSN(cfg.DSN)
		if err != nil {
			return nil, err
		}
		return sqlite.Open(dsn), nil
	case "mysql":
		dsn, err := mysqlDSN(cfg.DSN, cfg.ReadTimeout, cfg.WriteTimeout)
		if err != nil {
			return nil, err
		}
		return mysql.New(mysql.Config{DSN: dsn}), nil
	default:
		return nil, fmt.Errorf("unknown database driver %q", cfg.Driver)
	}
}

// SQLiteFilePath reports whether a SQLite DSN is a plain file path (the
// server adds its options), rather than a DSN the operator wrote whole.
func SQLiteFilePath(dsn string) bool {
	return !strings.HasPrefix(dsn, "file:") && !strings.Contains(dsn, "?")
}

// sqliteDSN turns a file path into a DSN with the pragmas the server relies
// on: WAL so readers do not block the writer (the CLI may write while the
// server runs), a busy timeout instead of instant SQLITE_BUSY, foreign keys,
// and IMMEDIATE transactions so two writers queue rather than deadlock.
func sqliteDSN(path string) (string, error) {
	if !SQLiteFilePath(path) {
		return path, nil // the operator chose every option
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return "", fmt.Errorf("create database directory: %w", err)
		}
	}
	return "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate", nil
}

// mysqlDSN enforces what the schema assumes whatever the operator wrote:
// utf8mb4 (Chinese text byte-exact), DATETIME scanned into time.Time in UTC,
// arguments interpolated by the driver, and no read or write waiting on a
// silent server for longer than the configured timeouts.
func mysqlDSN(dsn string, readTimeout, writeTimeout time.Duration) (string, error) {
	parsed, err := mysqldriver.ParseDSN(dsn)
	if err != nil {
		return "", errors.New("database.dsn is not a valid MySQL DSN (user:pass@tcp(host:3306)/dbname)")
	}
	parsed.ParseTime = true
	// Arguments are escaped by the driver and sent with the statement: one
	// round trip per statement instead of prepare, execute and close.
	parsed.InterpolateParams = true
	parsed.Loc = time.UTC
	parsed.Collation = "utf8mb4_unicode_ci"
	if parsed.Timeout == 0 {
		parsed.Timeout = 5 * time.Second
	}
	if parsed.ReadTimeout == 0 {
		parsed.ReadTimeout = readTimeout
	}
	if parsed.WriteTimeout == 0 {
		parsed.WriteTimeout = writeTimeout
	}
	if parsed.Params == nil {
		parsed.Params = map[string]string{}
	}
	parsed.Params["time_zone"] = "'+00:00'"
	return parsed.FormatDSN(), nil
}

func pingWithRetry(ctx context.Context, db *sql.DB, cfg config.Database, log *slog.Logger) error {
	deadline := time.Now().Add(cfg.ConnectTimeout)
	wait := 250 * time.Millisecond
	for attempt := 1; ; attempt++ {
		pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := db.PingContext(pingCtx)
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().Add(wait).After(deadline) {
			return fmt.Errorf("database not reachable after %d attempts: %w", attempt, err)
		}
		log.Warn("database not reachable yet, retrying", "attempt", attempt, "retry_in", wait, "error", err.Error())
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(wait*2, 5*time.Second)
	}
}

// IsUnavailable tells a database that cannot be reached (or is too busy to
// answer) from a bad query. Such failures answer 50002 and are never retried
// here: a write whose connection broke may have committed.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysqldriver.ErrInvalidConn) ||
		errors.Is(err, sql.ErrConnDone) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return true
	}
	// database/sql does not export this one; it answers requests still in
	// flight while the pool shuts down.
	if strings.Contains(err.Error(), "sql: database is closed") {
		return true
	}
	var myErr *mysqldriver.MySQLError
	if errors.As(err, &myErr) {
		switch myErr.Number {
		case 1040, 1053, 1205, 1213, 1290: // too many connections, shutdown, lock wait, deadlock, read-only
			return true
		}
	}
	var liteErr *gosqlite.Error
	if errors.As(err, &liteErr) {
		switch liteErr.Code() & 0xff {
		case 5, 6, 9: // SQLITE_BUSY, SQLITE_LOCKED after the busy timeout; SQLITE_INTERRUPT: the request's deadline
			return true
		}
	}
	return false
}

// queryLogger reports slow statements only, never their parameters (phone
// numbers, password hashes). Failed statements are not logged here: the
// error travels up, and whoever cannot handle it logs it once, with the
// request id.
type queryLogger struct {
	log  *slog.Logger
	slow time.Duration
}

func newQueryLogger(log *slog.Logger, slow time.Duration) logger.Interface {
	dropRecordedParams.Do(func() {
		// Raw(...).Scan() records its SQL through this package-level hook
		// of GORM's, not through our logger's ParamsFilter.
		logger.RecorderParamsFilter = func(_ context.Context, statement string, _ ...any) (string, []any) {
			return statement, nil
		}
	})
	return queryLogger{log: log, slow: slow}
}

var dropRecordedParams sync.Once

func (l queryLogger) LogMode(logger.LogLevel) logger.Interface { return l }

func (l queryLogger) Info(ctx context.Context, msg string, args ...any) {
	l.log.InfoContext(ctx, "database", "detail", fmt.Sprintf(msg, args...))
}

func (l queryLogger) Warn(ctx context.Context, msg string, args ...any) {
	l.log.WarnContext(ctx, "database", "detail", fmt.Sprintf(msg, args...))
}

func (l queryLogger) Error(ctx context.Context, msg string, args ...any) {
	l.log.ErrorContext(ctx, "database", "detail", fmt.Sprintf(msg, args...))
}

func (l queryLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), _ error) {
	if elapsed := time.Since(begin); l.slow > 0 && elapsed > l.slow {
		statement, rows := fc()
		l.log.WarnContext(ctx, "slow query", "duration", elapsed, "rows", rows, "sql", BoundedText(statement, maxLoggedSQL))
	}
}

// maxLoggedSQL keeps a batch INSERT of thousands of rows to one readable line.
const maxLoggedSQL = 1000

// ParamsFilter keeps the values out of the statement text GORM hands to Trace.
func (queryLogger) ParamsFilter(_ context.Context, statement string, _ ...any) (string, []any) {
	return statement, nil
}
