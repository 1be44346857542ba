// Package migrations holds the versioned schema changes. Each migration
// works on its own frozen copies of the tables, never on the live models, so
// a later change to a model cannot rewrite history. Seed data travels in
// migrations too, so an upgraded installation receives it exactly once.
package migrations

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// Seed is what the first start needs from the operator.
type Seed struct {
	AdminUsername string
	AdminPassword string // empty: generate one and Announce it
	BcryptCost    int
	// Announce shows a generated password once; it must not go through the
	// structured log, which never carries secrets.
	Announce func(username, password string)
}

// TableName of the applied-migrations ledger.
const TableName = "schema_migrations"

// generatedPassword carries a password the seed made up until the run has
// committed; announcing it earlier could show a password that was rolled back.
type generatedPassword struct{ username, password string }

// all lists every migration in order. IDs are permanent.
func all(seed Seed, generated *generatedPassword) []*gormigrate.Migration {
	return []*gormigrate.Migration{
		{ID: "0001_initial_schema", Migrate: createInitialSchema},
		{ID: "0002_seed_roles_menus_dictionaries", Migrate: seedDefaults},
		{ID: "0003_seed_superadmin", Migrate: func(tx *gorm.DB) error { return seedSuperadmin(tx, seed, generated) }},
		{ID: "0004_patient_history", Migrate: createPatientHistory},
		{ID: "0005_patient_workflow_permissions", Migrate: grantPatientWorkflow},
		{ID: "0006_operation_log", Migrate: createOperationLog},
		{ID: "0007_admin_permissions", Migrate: grantAdministration},
		{ID: "0008_advisory_way_index", Migrate: indexAdvisoryWay},
		{ID: "0009_report_permissions", Migrate: grantReports},
		{ID: "0010_report_indexes", Migrate: reportIndexes},
		{ID: "0011_legacy_import", Migrate: prepareLegacyImport},
		{ID: "0012_patient_pool_indexes", Migrate: patientPoolIndexes},
		{ID: "0013_idempotency_keys", Migrate: createIdempotencyKeys},
		{ID: "0014_marketing_fields", Migrate: addMarketingFields},
		{ID: "0015_reassign_permission", Migrate: grantReassign},
		{ID: "0016_followups", Migrate: createFollowups},
		{ID: "0017_visits", Migrate: createVisits},
		{ID: "0018_crm_permissions", Migrate: grantCRMPermissions},
		{ID: "0019_notices_and_settings", Migrate: createNotices},
		{ID: "0020_appointment_book", Migrate: createAppointmentBook},
		{ID: "0021_reminders", Migrate: createReminders},
	}
}

// IDs lists the migration IDs in order.
func IDs() []string {
	var ids []string
	for _, m := range all(Seed{}, nil) {
		ids = append(ids, m.ID)
	}
	return ids
}

// Run applies every pending migration. On MySQL a named lock serialises
// replicas that start together; SQLite serialises through its write lock
// because the whole run is one IMMEDIATE transaction.
func Run(ctx context.Context, db *gorm.DB, seed Seed) error {
	return RunTo(ctx, db, seed, "")
}

// RunTo stops after the migration with the given ID ("" runs them all); the
// migration tests use it to build each earlier schema.
func RunTo(ctx context.Context, db *gorm.DB, seed Seed, lastID string) error {
	db = db.WithContext(ctx)
	var generated generatedPassword
	migrate := func(tx *gorm.DB) error {
		m := gormigrate.New(tx, &gormigrate.Options{
			TableName:                 TableName,
			IDColumnName:              "id",
			IDColumnSize:              191,
			UseTransaction:            tx.Dialector.Name() == "sqlite",
			ValidateUnknownMigrations: true,
		}, all(seed, &generated))
		if lastID != "" {
			return m.MigrateTo(lastID)
		}
		return m.Migrate()
	}
	err := lockedForMigration(db, migrate)
	if err == nil && generated.password != "" && seed.Announce != nil {
		seed.Announce(generated.username, generated.password)
	}
	return err
}

func lockedForMigration(db *gorm.DB, migrate func(*gorm.DB) error) error {
	if db.Dialector.Name() != "mysql" {
		return migrate(db)
	}
	return db.Connection(func(conn *gorm.DB) error {
		var got *int
		if err := conn.Raw("SELECT GET_LOCK(?, ?)", "crm_schema_migrations", 120).Scan(&got).Error; err != nil {
			return err
		}
		if got == nil || *got != 1 {
			return errors.New("another process is migrating this database; timed out waiting for it")
		}
		defer conn.Exec("SELECT RELEASE_LOCK(?)", "crm_schema_migrations")
		// Connection's instance is not a session: chained calls would
		// mutate it and leak gormigrate's Table() into the migrations.
		return migrate(conn.Session(&gorm.Session{NewDB: true}))
	})
}

// Pending reports migrations not yet applied, so `serve` can say what it does.
func Pending(db *gorm.DB) ([]string, error) {
	applied := map[string]bool{}
	if db.Migrator().HasTable(TableName) {
		var ids []string
		if err := db.Table(TableName).Pluck("id", &ids).Error; err != nil {
			return nil, fmt.Errorf("read %s: %w", TableName, err)
		}
		for _, id := range ids {
			applied[id] = true
		}
	}
	var pending []string
	for _, id := range IDs() {
		if !applied[id] {
			pending = append(pending, id)
		}
	}
	return pending, nil
}

// withTableOptions makes MySQL tables InnoDB and utf8mb4 whatever the
// server's defaults are; Chinese text must round-trip byte-exact.
func withTableOptions(tx *gorm.DB) *gorm.DB {
	if tx.Dialector.Name() == "mysql" {
		return tx.Set("gorm:table_options", "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci")
	}
	return tx
}
