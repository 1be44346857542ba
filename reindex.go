package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"crm/config"
	"crm/models/patient"
)

// reindex recomputes what is derived from the patients: the counts behind
// the list's totals and deep pages, the name terms behind searches, and
// the reversed phone digits. The server keeps them in step itself; this is
// for after patients were changed with SQL by hand.
func reindex(ctx context.Context, cfg config.Config, log *slog.Logger, stdout, stderr io.Writer) error {
	db, err := openMigrated(ctx, cfg, log, stderr)
	if err != nil {
		return err
	}
	defer closeDB(db)
	start := time.Now()
	n, err := patient.RebuildDerived(ctx, db)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "reindexed %d patients in %s\n", n, time.Since(start).Round(time.Millisecond))
	return nil
}
