package tests

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"crm/config"
	"crm/internal/testdb"
	"crm/models/access"
	"crm/models/migrations"
	"crm/models/patient"
	"crm/models/staff"
	"crm/models/store"
)

// eachEmptyDB runs test on a fresh, unmigrated database per backend.
func eachEmptyDB(t *testing.T, test func(t *testing.T, cfg config.Config, db *gorm.DB)) {
	for name, driver := range map[string]string{"sqlite": "sqlite", "mariadb": "mysql"} {
		t.Run(name, func(t *testing.T) {
			testdb.SkipUnlessAvailable(t, driver)
			t.Parallel()
			cfg := testConfig(driver)
			db := openTestDB(t, &cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
			test(t, cfg, db)
		})
	}
}

type announcements struct {
	mu        sync.Mutex
	passwords []string
}

func (a *announcements) seed(username, password string) migrations.Seed {
	return migrations.Seed{AdminUsername: username, AdminPassword: password, BcryptCost: bcrypt.MinCost,
		Announce: func(_, pw string) {
			a.mu.Lock()
			defer a.mu.Unlock()
			a.passwords = append(a.passwords, pw)
		}}
}

func count(t *testing.T, db *gorm.DB, table string, where ...any) int64 {
	t.Helper()
	var n int64
	q := db.Table(table)
	if len(where) > 0 {
		q = q.Where(where[0], where[1:]...)
	}
	if err := q.Count(&n).Error; err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// checkSeeded asserts what the first start must leave in the database.
func checkSeeded(t *testing.T, db *gorm.DB, adminPassword string) {
	t.Helper()
	for table, want := range map[string]int64{
		"roles": 3, "menus": 17, "role_menus": 3 + 14 + 17, "users": 1,
		"diseases": 9, "doctors": 3, "media_channels": 7, "advisory_ways": 5, "patients": 0,
		migrations.TableName: int64(len(migrations.IDs())),
	} {
		if got := count(t, db, table); got != want {
			t.Errorf("%s: %d rows, want %d", table, got, want)
		}
	}
	for key, menus := range map[string]int64{"consultant": 3, "manager": 14, "superadmin": 17} {
		got := count(t, db, "role_menus", "role_id = (SELECT id FROM roles WHERE role_key = ?)", key)
		if got != menus {
			t.Errorf("role %s sees %d menus, want %d", key, got, menus)
		}
	}
	admin, err := staff.FindUserForLogin(context.Background(), db, "admin")
	if err != nil {
		t.Fatal(err)
	}
	if admin.Role.Key != access.RoleSuperadmin || !admin.Enabled {
		t.Errorf("admin: %+v", admin)
	}
	if bcrypt.CompareHashAndPassword([]byte(admin.PasswordHash), []byte(adminPassword)) != nil {
		t.Error("the admin password does not verify")
	}
}

func TestMigrateFreshDatabase(t *testing.T) {
	t.Parallel()
	eachEmptyDB(t, func(t *testing.T, _ config.Config, db *gorm.DB) {
		var said announcements
		if err := migrations.Run(context.Background(), db, said.seed("admin", "")); err != nil {
			t.Fatal(err)
		}
		if len(said.passwords) != 1 || len(said.passwords[0]) < 20 {
			t.Fatalf("the generated password is announced once: %v", said.passwords)
		}
		checkSeeded(t, db, said.passwords[0])

		// Running again applies nothing and announces nothing.
		if err := migrations.Run(context.Background(), db, said.seed("admin", "")); err != nil {
			t.Fatal(err)
		}
		if len(said.passwords) != 1 {
			t.Errorf("announced again: %v", said.passwords)
		}
		checkSeeded(t, db, said.passwords[0])
		if pending, err := migrations.Pending(db); err != nil || len(pending) != 0 {
			t.Errorf("pending %v %v", pending, err)
		}
	})
}

// Each migration applies on the schema the previous one left.
func TestMigrateStepByStep(t *testing.T) {
	t.Parallel()
	eachEmptyDB(t, func(t *testing.T, _ config.Config, db *gorm.DB) {
		var said announcements
		seed := said.seed("admin", "step-password")
		ids := migrations.IDs()
		for i, id := range ids {
			if err := migrations.RunTo(context.Background(), db, seed, id); err != nil {
				t.Fatalf("up to %s: %v", id, err)
			}
			pending, err := migrations.Pending(db)
			if err != nil || len(pending) != len(ids)-i-1 {
				t.Fatalf("after %s pending %v (%v)", id, pending, err)
			}
		}
		checkSeeded(t, db, "step-password")
		if len(said.passwords) != 0 {
			t.Error("a configured password is not announced")
		}
	})
}

func TestMigrateRefusesABadAdminPasswordThenRecovers(t *testing.T) {
	t.Parallel()
	eachEmptyDB(t, func(t *testing.T, _ config.Config, db *gorm.DB) {
		var said announcements
		err := migrations.Run(context.Background(), db, said.seed("admin", "short"))
		if err == nil || !strings.Contains(err.Error(), "CRM_ADMIN_PASSWORD") {
			t.Fatalf("error %v", err)
		}
		if err := migrations.Run(context.Background(), db, said.seed("bad name!", "long-enough")); err == nil {
			t.Fatal("an invalid admin username must be refused")
		}
		if err := migrations.Run(context.Background(), db, said.seed("admin", "long-enough")); err != nil {
			t.Fatal(err)
		}
		checkSeeded(t, db, "long-enough")
	})
}

// Replicas starting together: the lock (MySQL) or the write transaction
// (SQLite) lets exactly one of them migrate.
func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	eachEmptyDB(t, func(t *testing.T, cfg config.Config, db *gorm.DB) {
		other, err := store.Open(context.Background(), cfg.Database, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			if sqlDB, err := other.DB(); err == nil {
				_ = sqlDB.Close()
			}
		}()
		var said announcements
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, handle := range []*gorm.DB{db, other} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = migrations.Run(context.Background(), handle, said.seed("admin", ""))
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if len(said.passwords) != 1 {
			t.Fatalf("exactly one admin password is generated: %d", len(said.passwords))
		}
		checkSeeded(t, db, said.passwords[0])
	})
}

func TestSchemaIndexesAndCharset(t *testing.T) {
	t.Parallel()
	eachEmptyDB(t, func(t *testing.T, cfg config.Config, db *gorm.DB) {
		var said announcements
		if err := migrations.Run(context.Background(), db, said.seed("admin", "password-1")); err != nil {
			t.Fatal(err)
		}
		for table, indexes := range map[string][]string{
			"patients": {"idx_patients_add_time_cover", "idx_patients_qq", "idx_patients_deleted_at", "idx_patients_advisory_way"},
			"users":    {"uq_users_username", "idx_users_role_id"},
			"sessions": {"idx_sessions_user_id", "idx_sessions_created_at"},
			"menus":    {"uq_menus_name", "idx_menus_parent_id"},
		} {
			for _, index := range indexes {
				if !db.Migrator().HasIndex(table, index) {
					t.Errorf("%s lacks index %s", table, index)
				}
			}
		}
		// The pool's indexes (migration 0012), column by column: the list's
		// plans depend on their order.
		for index, columns := range map[string]string{
			"idx_patients_author_cover":    "author_id add_time id deleted_at state doctor_id media_from_id disease_id order_time reach_time",
			"idx_patients_state_sort":      "state add_time id deleted_at author_id",
			"idx_patients_doctor_sort":     "doctor_id add_time id deleted_at author_id",
			"idx_patients_media_sort":      "media_from_id add_time id deleted_at author_id",
			"idx_patients_disease_sort":    "disease_id add_time id deleted_at author_id",
			"idx_patients_sex_sort":        "sex add_time id deleted_at author_id",
			"idx_patients_age_sort":        "age add_time id deleted_at author_id",
			"idx_patients_name_sort":       "name add_time id deleted_at author_id",
			"idx_patients_order_time_sort": "order_time add_time id deleted_at author_id state media_from_id doctor_id disease_id",
			"idx_patients_reach_time_sort": "reach_time add_time id deleted_at author_id state order_time media_from_id doctor_id disease_id",
			"idx_patients_tel_rev":         "tel_rev add_time deleted_at author_id",
		} {
			if got := indexColumns(t, db, cfg.Database.Driver, "patients", index); got != columns {
				t.Errorf("%s: (%s), want (%s)", index, got, columns)
			}
		}
		for _, gone := range []string{"idx_patients_name", "idx_patients_tel_digits", "idx_patients_author_add_time",
			"idx_patients_state_add_time", "idx_patients_order_time_cover", "idx_patients_reach_time_cover",
			"idx_patients_doctor_id", "idx_patients_disease_id", "idx_patients_media_from_id"} {
			if db.Migrator().HasIndex("patients", gone) {
				t.Errorf("%s is replaced by 0012 and must be gone", gone)
			}
		}
		wechat := map[string]string{"mysql": "idx_patients_wechat", "sqlite": "idx_patients_wechat_nocase"}[cfg.Database.Driver]
		if !db.Migrator().HasIndex("patients", wechat) {
			t.Errorf("patients lacks index %s", wechat)
		}
		if cfg.Database.Driver != "mysql" {
			return
		}
		var termType string
		db.Raw("SELECT column_type FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'patient_terms' AND column_name = 'term'").Scan(&termType)
		if termType != "varbinary(12)" {
			t.Errorf("patient_terms.term is %q, want varbinary(12): compared byte for byte, trailing spaces included", termType)
		}
		var nonUTF8 int64
		db.Raw("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name <> ? AND table_collation <> 'utf8mb4_unicode_ci'", migrations.TableName).Scan(&nonUTF8)
		if nonUTF8 != 0 {
			t.Errorf("%d tables are not utf8mb4_unicode_ci", nonUTF8)
		}
		var collation string
		db.Raw("SELECT collation_name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'users' AND column_name = 'username'").Scan(&collation)
		if collation != "utf8mb4_bin" {
			t.Errorf("users.username collation %q, want utf8mb4_bin (exact usernames)", collation)
		}
	})
}

func TestUsernamesAreUnique(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		_, err := staff.CreateUser(context.Background(), e.db, staff.NewUser{Username: "admin", PasswordHash: "x", RoleKey: "consultant"})
		if err != staff.ErrUsernameTaken {
			t.Errorf("error %v, want ErrUsernameTaken", err)
		}
		_, err = staff.CreateUser(context.Background(), e.db, staff.NewUser{Username: "someone", PasswordHash: "x", RoleKey: "nobody"})
		if err != staff.ErrUnknownRole {
			t.Errorf("error %v, want ErrUnknownRole", err)
		}
	})
}

// 0005 adds the workflow's permissions to the seeded roles and keeps what
// an administrator granted them in between.
func TestMigration0005KeepsGrantedPermissions(t *testing.T) {
	t.Parallel()
	eachEmptyDB(t, func(t *testing.T, _ config.Config, db *gorm.DB) {
		var said announcements
		seed := said.seed("admin", "password-1")
		if err := migrations.RunTo(context.Background(), db, seed, "0004_patient_history"); err != nil {
			t.Fatal(err)
		}
		db.Table("roles").Where("role_key = ?", "consultant").Update("permissions", "patient.create patient.list custom.key")
		if err := migrations.RunTo(context.Background(), db, seed, "0005_patient_workflow_permissions"); err != nil {
			t.Fatal(err)
		}
		want := map[string]string{
			"consultant": "custom.key patient.create patient.edit patient.list",
			"manager": "patient.confirm_arrival patient.create patient.delete patient.edit patient.edit_all " +
				"patient.full_phone patient.list patient.register_for_others patient.restore patient.view_all",
			"superadmin": "patient.confirm_arrival patient.create patient.delete patient.edit patient.edit_all " +
				"patient.full_phone patient.list patient.purge patient.register_for_others patient.restore patient.view_all",
		}
		for key, perms := range want {
			var got string
			db.Table("roles").Where("role_key = ?", key).Pluck("permissions", &got)
			if got != perms {
				t.Errorf("%s: %q\nwant %q", key, got, perms)
			}
		}
	})
}

// indexColumns lists an index's columns in order, space-separated.
func indexColumns(t *testing.T, db *gorm.DB, driver, table, index string) string {
	t.Helper()
	var columns []string
	var err error
	if driver == "mysql" {
		err = db.Raw("SELECT column_name FROM information_schema.statistics WHERE table_schema = DATABASE() "+
			"AND table_name = ? AND index_name = ? ORDER BY seq_in_index", table, index).Scan(&columns).Error
	} else {
		err = db.Raw("SELECT name FROM pragma_index_info(?) ORDER BY seqno", index).Scan(&columns).Error
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(columns, " ")
}

// Migration 0012 derives its rows from the patients an installation
// already has: what it fills is what the models keep and a rebuild makes.
func TestMigration0012OnExistingPatients(t *testing.T) {
	t.Parallel()
	eachEmptyDB(t, func(t *testing.T, _ config.Config, db *gorm.DB) {
		var said announcements
		if err := migrations.RunTo(context.Background(), db, said.seed("admin", "upgrade-password"), "0011_legacy_import"); err != nil {
			t.Fatal(err)
		}
		// Patients as 0011 stores them: no tel_rev yet; one in the bin.
		for i, p := range []struct {
			name, tel string
			deleted   bool
		}{{"张三丰", "135 1234-5678", false}, {"Tom Li", "", false}, {"王五", "13900001111", true}} {
			var deleted any
			if p.deleted {
				deleted = time.Unix(1_700_100_000, 0)
			}
			var tel any
			if p.tel != "" {
				tel = p.tel
			}
			err := db.Exec("INSERT INTO patients (name, sex, tel, tel_digits, add_time, author_id, state, doctor_id, created_at, updated_at, deleted_at) "+
				"VALUES (?, 0, ?, ?, ?, 1, ?, ?, ?, ?, ?)", p.name, tel, access.PhoneDigits(&p.tel), 1_700_000_000+i*100_000,
				i%2, i%2+1, time.Now(), time.Now(), deleted).Error
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := migrations.Run(context.Background(), db, said.seed("admin", "upgrade-password")); err != nil {
			t.Fatal(err)
		}
		var revs []string
		db.Table("patients").Order("id").Pluck("tel_rev", &revs)
		if strings.Join(revs, ",") != "87654321531,,11110000931" {
			t.Errorf("tel_rev %v", revs)
		}
		if err := patient.SealCounts(context.Background(), db, 1_700_150_000); err != nil {
			t.Fatal(err)
		}
		migrated := derivedRows(t, db)
		if _, err := patient.RebuildDerived(context.Background(), db); err != nil {
			t.Fatal(err)
		}
		if rebuilt := derivedRows(t, db); rebuilt != migrated {
			t.Errorf("migration 0012 filled:\n%s\na rebuild makes:\n%s", migrated, rebuilt)
		}
		if !strings.Contains(migrated, "{三丰 false") || !strings.Contains(migrated, "{tom false") || !strings.Contains(migrated, "{王五 true") {
			t.Errorf("name terms missing: %s", migrated)
		}
	})
}
