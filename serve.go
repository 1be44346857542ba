package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"time"

	"crm/config"
	"crm/middleware"
	"crm/routes"
)

// serve runs the HTTP server until SIGINT or SIGTERM, then stops accepting
// connections and lets in-flight requests finish (up to shutdown_timeout).
func serve(ctx context.Context, cfg config.Config, log *slog.Logger, stderr io.Writer) error {
	log.Info("starting", "config", cfg)
	tuneGC()
	db, err := openMigrated(ctx, cfg, log, stderr)
	if err != nil {
		return err
	}
	defer closeDB(db)

	deps, err := routes.NewDeps(ctx, cfg, db, log, time.Now)
	if err != nil {
		return err
	}
	if deps.Redis != nil {
		defer deps.Redis.Close()
	}
	handler, err := routes.New(deps)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Addr:              cfg.HTTP.Addr,
		Handler:           handler,
		ReadHeaderTimeout: cfg.HTTP.ReadHeaderTimeout,
		ReadTimeout:       cfg.HTTP.ReadTimeout,
		WriteTimeout:      cfg.HTTP.WriteTimeout,
		IdleTimeout:       cfg.HTTP.IdleTimeout,
		MaxHeaderBytes:    cfg.HTTP.MaxHeaderBytes + middleware.HeaderSlack, // LimitHeaders answers past the limit
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	listener, err := net.Listen("tcp", cfg.HTTP.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTP.Addr, err)
	}
	log.Info("listening", "addr", listener.Addr().String())

	served := make(chan error, 1)
	go func() { served <- srv.Serve(listener) }()
	if cfg.Metrics.Addr != "" {
		stopMetrics, err := serveMetrics(cfg.Metrics.Addr, deps.Metrics.Handler(), log)
		if err != nil {
			return err
		}
		defer stopMetrics()
	}
	upkeepCtx, stopUpkeep := context.WithCancel(ctx)
	pruned, sealed, noShows, reminded := make(chan struct{}), make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() { defer close(pruned); pruneOldRecords(upkeepCtx, db, cfg, log) }()
	go func() { defer close(sealed); sealCounts(upkeepCtx, db, log) }()
	go func() { defer close(noShows); markNoShows(upkeepCtx, db, cfg.Book, log) }()
	go func() {
		defer close(reminded)
		sendReminders(upkeepCtx, reminderWorker(db, cfg, log), cfg.Reminders.Every, log)
	}()
	defer func() { stopUpkeep(); <-pruned; <-sealed; <-noShows; <-reminded }() // before the database closes

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests", "timeout", cfg.HTTP.ShutdownTimeout)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.HTTP.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// serveMetrics serves GET /metrics on addr, apart from the API.
func serveMetrics(addr string, metrics http.Handler, log *slog.Logger) (stop func(), err error) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics)
	listener, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on metrics.addr %s: %w", addr, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	go func() { _ = srv.Serve(listener) }()
	log.Info("metrics listening", "addr", listener.Addr().String())
	return func() { _ = srv.Close() }, nil
}

// Server GC settings, unless GOGC or GOMEMLIMIT say otherwise. What the
// server keeps live is small (caches, the pages in flight), so at Go's
// default (GOGC=100) a loaded server collected every few megabytes: a
// tenth of a list request's CPU. The heap may grow to four times what is
// live (GOGC=300) while the process stays under a soft limit of 64 MiB;
// near it (a large XLSX export) the collector works as hard as it must.
const (
	serverGCPercent   = 300
	serverMemoryLimit = 64 << 20
)

func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(serverGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(serverMemoryLimit)
	}
}
