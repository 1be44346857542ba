package store

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"testing"

	"crm/config"
	"crm/internal/testdb"
	"crm/internal/testskip"
)

func TestMain(m *testing.M) { testskip.Main(m, "crm/models/store") }

func TestSlowQueriesAreLoggedWithoutValues(t *testing.T) {
	for name, driver := range map[string]string{"sqlite": "sqlite", "mariadb": "mysql"} {
		t.Run(name, func(t *testing.T) {
			testdb.SkipUnlessAvailable(t, driver)
			var logs bytes.Buffer
			cfg := config.Default().Database
			cfg.Driver, cfg.DSN, cfg.SlowQuery = driver, testdb.DSN(t, driver), 1 // every statement is "slow"
			db, err := Open(context.Background(), cfg, slog.New(slog.NewTextHandler(&logs, nil)))
			if err != nil {
				t.Fatal(err)
			}
			// An eight-digit value: a short one like 41 also turns up inside
			// logged durations ("443.415µs") and made this test flaky.
			var n int
			db.Raw("SELECT ? + 1", 73910461).Scan(&n)
			db.Raw("SELECT secret FROM no_such_table WHERE v = ?", "hunter2-secret").Scan(&n)
			text := logs.String()
			if n != 73910462 || !strings.Contains(text, "slow query") || strings.Contains(text, "hunter2-secret") || strings.Contains(text, "73910461") {
				t.Errorf("n=%d log:\n%s", n, text)
			}
		})
	}
}

func TestIsUnavailable(t *testing.T) {
	if !IsUnavailable(&net.OpError{Op: "dial", Err: errors.New("connection refused")}) {
		t.Error("a dial error means unavailable")
	}
	if !IsUnavailable(context.DeadlineExceeded) {
		t.Error("a timeout means unavailable")
	}
	if IsUnavailable(errors.New("syntax error")) || IsUnavailable(nil) {
		t.Error("other errors are not unavailability")
	}
}
