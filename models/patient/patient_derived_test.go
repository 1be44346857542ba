package patient

import (
	"context"
	"crm/config"
	"crm/internal/testdb"
	"crm/internal/testskip"
	"crm/models/migrations"
	"crm/models/store"
	"io"
	"log/slog"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
)

func TestMain(m *testing.M) { testskip.Main(m, "crm/models/patient") }

// A seal moved a few patients at a time (many steps, ties of add_time
// included) counts what one step, and a rebuild, count.
func TestSealInSteps(t *testing.T) {
	for name, driver := range map[string]string{"sqlite": "sqlite", "mariadb": "mysql"} {
		t.Run(name, func(t *testing.T) {
			testdb.SkipUnlessAvailable(t, driver)
			cfg := config.Default().Database
			cfg.Driver, cfg.DSN = driver, testdb.DSN(t, driver)
			db, err := store.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			seed := migrations.Seed{AdminUsername: "admin", AdminPassword: "admin-password", BcryptCost: bcrypt.MinCost}
			if err := migrations.Run(ctx, db, seed); err != nil {
				t.Fatal(err)
			}
			var patients []Patient
			for i := range 50 {
				p := Patient{Name: "p", AddTime: 1_700_000_000 + int64(i/4)*3600, AuthorID: 1, State: int8(i % 4),
					CreatedAt: time.Now(), UpdatedAt: time.Now()}
				if i%7 == 0 {
					p.DeletedAt = gorm.DeletedAt{Time: time.Now(), Valid: true}
				}
				patients = append(patients, p)
			}
			if err := db.Transaction(func(tx *gorm.DB) error { return InsertPatients(tx, patients) }); err != nil {
				t.Fatal(err)
			}
			counts := func() (rows []patientCount) {
				db.Where("n <> 0").Order("deleted, author_id, state, span, bucket").Find(&rows)
				return rows
			}
			if err := sealCounts(ctx, db, 1_800_000_000, 3); err != nil {
				t.Fatal(err)
			}
			var seal countSeal
			db.Take(&seal, 1)
			if seal.CountedBefore != 1_800_000_000 {
				t.Fatalf("seal at %d", seal.CountedBefore)
			}
			stepped := counts()
			if _, err := RebuildDerived(ctx, db); err != nil {
				t.Fatal(err)
			}
			rebuilt := counts()
			if len(stepped) == 0 || len(stepped) != len(rebuilt) {
				t.Fatalf("stepped %d rows, rebuilt %d", len(stepped), len(rebuilt))
			}
			for i := range stepped {
				if stepped[i] != rebuilt[i] {
					t.Errorf("row %d: stepped %+v, rebuilt %+v", i, stepped[i], rebuilt[i])
				}
			}
			var all patientCount
			db.Where("deleted = ? AND author_id = 0 AND state = -1 AND span = ?", false, spanAll).Take(&all)
			if all.N != 42 {
				t.Errorf("%d counted out of the bin, want 42", all.N)
			}
		})
	}
}
