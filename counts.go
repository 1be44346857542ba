package main

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"crm/models/patient"
)

// How far behind the clock the patient counters are sealed, and how often.
// Registrations of the last minutes (most carry add_time = now) stay
// outside the counters, so writing them changes no counter row; the list
// counts them in the indexes, which for ten minutes' worth is nothing.
const (
	sealLag   = 10 * time.Minute
	sealEvery = time.Minute
)

// sealCounts keeps the counters' seal sealLag behind the clock, at start-up
// and then every sealEvery, until ctx ends. Every replica runs it; the
// seal only moves forward, so they agree.
func sealCounts(ctx context.Context, db *gorm.DB, log *slog.Logger) {
	ticker := time.NewTicker(sealEvery)
	defer ticker.Stop()
	for {
		start := time.Now()
		err := patient.SealCounts(ctx, db, start.Add(-sealLag).Unix())
		switch {
		case err != nil && !errors.Is(err, context.Canceled):
			log.Warn("sealing the patient counts failed; the list counts the rest in the indexes", "error", err.Error())
		case time.Since(start) > time.Second:
			log.Info("patient counts sealed", "duration", time.Since(start).Round(time.Millisecond))
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}
