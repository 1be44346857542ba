// Package testdb gives each test a fresh database: a SQLite file in the
// test's temp dir, or a newly named MariaDB/MySQL database on the server
// CRM_TEST_MYSQL_DSN points at, dropped when the test ends.
package testdb

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"crm/internal/testskip"

	mysqldriver "github.com/go-sql-driver/mysql"
)

// The variables CI sets. Without the first, MySQL runs are skipped
// locally; with the second, a missing DSN fails the run instead.
const (
	MySQLDSNVar     = "CRM_TEST_MYSQL_DSN"
	RequireMySQLVar = "CRM_TEST_REQUIRE_MYSQL"
)

// SkipUnlessAvailable skips a MySQL test without a server, or fails it
// when CI requires one.
func SkipUnlessAvailable(t testing.TB, driver string) {
	t.Helper()
	if driver != "mysql" || os.Getenv(MySQLDSNVar) != "" {
		return
	}
	if os.Getenv(RequireMySQLVar) != "" {
		t.Fatalf("%s is set but %s is not: the MySQL tests cannot run", RequireMySQLVar, MySQLDSNVar)
	}
	testskip.Skip(t, "MariaDB/MySQL runs, set "+MySQLDSNVar)
}

// Redis for the tests of what replicas share: its address, and whether CI
// requires it.
const (
	RedisAddrVar    = "CRM_TEST_REDIS_ADDR"
	RequireRedisVar = "CRM_TEST_REQUIRE_REDIS"
)

// RedisAddr returns the test Redis' address, skipping the test without
// one (failing it when CI requires one).
func RedisAddr(t testing.TB) string {
	t.Helper()
	addr := os.Getenv(RedisAddrVar)
	if addr == "" {
		if os.Getenv(RequireRedisVar) != "" {
			t.Fatalf("%s is set but %s is not: the replica tests cannot run", RequireRedisVar, RedisAddrVar)
		}
		testskip.Skip(t, "tests of what replicas share, set "+RedisAddrVar)
	}
	return addr
}

// DSN creates a fresh, empty database for driver and returns its DSN.
func DSN(t testing.TB, driver string) string {
	t.Helper()
	switch driver {
	case "sqlite":
		return filepath.Join(t.TempDir(), "crm.db")
	case "mysql":
		return createMySQLDatabase(t)
	}
	t.Fatalf("unknown driver %q", driver)
	return ""
}

func createMySQLDatabase(t testing.TB) string {
	t.Helper()
	base, err := mysqldriver.ParseDSN(os.Getenv(MySQLDSNVar))
	if err != nil {
		t.Fatalf("%s: %v", MySQLDSNVar, err)
	}
	prefix := base.DBName
	if prefix == "" {
		prefix = "crm_test"
	}
	if len(prefix) > 40 {
		prefix = prefix[:40]
	}
	name := prefix + "_" + randomHex(8)
	server := base.Clone()
	server.DBName = ""
	exec := func(statement string) error {
		admin, err := sql.Open("mysql", server.FormatDSN())
		if err != nil {
			return err
		}
		defer admin.Close()
		_, err = admin.Exec(statement)
		return err
	}
	// The name is ours (hex), so building the statement is safe.
	if err := exec("CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() { _ = exec("DROP DATABASE IF EXISTS `" + name + "`") })
	test := base.Clone()
	test.DBName = name
	return test.FormatDSN()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// MySQLWithScript creates a fresh MySQL database, runs script in it (many
// statements, as a dump holds) and returns its DSN.
func MySQLWithScript(t testing.TB, script string) string {
	t.Helper()
	SkipUnlessAvailable(t, "mysql")
	dsn := DSN(t, "mysql")
	cfg, err := mysqldriver.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.MultiStatements = true
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(script); err != nil {
		t.Fatalf("run the script: %v", err)
	}
	return dsn
}
