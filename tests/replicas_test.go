package tests

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"crm/internal/testdb"
	"crm/models/migrations"
	"crm/models/patient"
)

// With database.replicas, reports, the dashboard, the ranking and exports
// read from a replica; the patient list, like every other read, stays on
// the primary. The "replica" here is a database of its own, migrated alike
// but not replicated, so each answer shows where it was read.
func TestHeavyReadsGoToReplicas(t *testing.T) {
	testdb.SkipUnlessAvailable(t, "mysql")
	t.Parallel()
	e := newEnv(t, "mysql")
	admin := e.admin(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx := context.Background()

	replicaCfg := e.cfg
	replica := openTestDB(t, &replicaCfg, log)
	if err := migrations.Run(ctx, replica, migrations.Seed{AdminUsername: adminUsername, AdminPassword: adminPassword, BcryptCost: 4}); err != nil {
		t.Fatal(err)
	}
	tel := "13800001111"
	onReplica := []patient.Patient{{Name: "副本患者", Tel: &tel, AddTime: e.clock.Now().Unix(), AuthorID: admin.id,
		CreatedAt: time.Now(), UpdatedAt: time.Now()}}
	if err := replica.Transaction(func(tx *gorm.DB) error { return patient.InsertPatients(tx, onReplica) }); err != nil {
		t.Fatal(err)
	}

	cfg := e.cfg
	cfg.Database.Replicas = []string{replicaCfg.Database.DSN}
	served := e.serverOn(t, cfg, openDB(t, cfg.Database, log))

	wantJSON(t, served.call(t, "GET", api+"/patient/", query("token", admin.token, "count", "1")), `{"count": 0}`)
	export := served.call(t, "GET", api+"/patient/export/", query("token", admin.token))
	if !strings.Contains(string(export.body), "副本患者") {
		t.Errorf("the export did not read the replica: %s", export.body)
	}
	dashboard := served.call(t, "GET", api+"/dashboard/", query("token", admin.token))
	if !strings.Contains(string(dashboard.body), `"today":{"key":`) || !strings.Contains(string(dashboard.body), `"registered":1`) {
		t.Errorf("the dashboard did not read the replica: %s", dashboard.body)
	}
}
