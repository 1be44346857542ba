package main

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"crm/config"
	"crm/models/idempotency"
	"crm/models/oplog"
	"crm/models/settings"
	"crm/models/staff"
)

// pruneOldRecords keeps the operation log within its retention and drops
// sessions past their refresh window, at start-up and then every
// interval, until ctx ends.
func pruneOldRecords(ctx context.Context, db *gorm.DB, cfg config.Config, log *slog.Logger) {
	ticker := time.NewTicker(cfg.Audit.PruneInterval)
	defer ticker.Stop()
	for {
		now := time.Now()
		// The retention is a runtime setting (参数设置); config.yaml holds
		// its default.
		settings, err := settings.LoadClinicSettings(ctx, db, settings.ClinicSettings{LogRetentionDays: cfg.Audit.RetentionDays})
		if err != nil {
			report(log, "settings read", 0, err)
		} else if settings.LogRetentionDays > 0 {
			n, err := oplog.PruneOpLog(ctx, db, now.AddDate(0, 0, -settings.LogRetentionDays), cfg.Audit.PruneBatch)
			report(log, "operation log pruned", n, err)
		}
		n, err := staff.PruneSessions(ctx, db, now.Add(-cfg.Auth.RefreshWindow-24*time.Hour), cfg.Audit.PruneBatch)
		report(log, "expired sessions pruned", n, err)
		n, err = idempotency.PruneIdempotencyKeys(ctx, db, now.Add(-idempotency.IdempotencyKeyLifetime), cfg.Audit.PruneBatch)
		report(log, "expired idempotency keys pruned", n, err)
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

func report(log *slog.Logger, msg string, n int64, err error) {
	if err != nil && !errors.Is(err, context.Canceled) {
		log.Warn(msg+" partly", "deleted", n, "error", err.Error())
		return
	}
	if n > 0 {
		log.Info(msg, "deleted", n)
	}
}
