package main

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"crm/config"
	"crm/models/appointment"
)

// markNoShows runs the appointment book's no-show job at start-up and then
// every cfg.NoShowEvery until ctx ends. Every replica runs it; a batch
// locks the rows it marks, so each appointment is marked once.
func markNoShows(ctx context.Context, db *gorm.DB, cfg config.Book, log *slog.Logger) {
	ticker := time.NewTicker(cfg.NoShowEvery)
	defer ticker.Stop()
	for {
		n, err := appointment.MarkNoShows(ctx, db, time.Now(), cfg.NoShowAfter)
		switch {
		case err != nil && !errors.Is(err, context.Canceled):
			log.Warn("marking no-shows failed; the next run tries again", "error", err.Error())
		case n > 0:
			log.Info("appointments marked no_show", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}
