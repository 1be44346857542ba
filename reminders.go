package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"gorm.io/gorm"

	"crm/config"
	"crm/models/reminder"
	"crm/models/settings"
	"crm/routes"
	"crm/sms"
)

// reminderSender is the configured provider.
func reminderSender(c config.Reminders, log *slog.Logger) sms.Sender {
	client := &http.Client{Timeout: c.SendTimeout}
	switch c.Provider {
	case "aliyun":
		a := c.Aliyun
		return sms.Aliyun{Endpoint: a.Endpoint, AccessKeyID: a.AccessKeyID, AccessSecret: a.AccessKeySecret,
			SignName: a.SignName, TemplateCode: a.TemplateCode, Params: a.Params, Client: client}
	case "tencent":
		t := c.Tencent
		return sms.Tencent{Endpoint: t.Endpoint, Region: t.Region, SecretID: t.SecretID, SecretKey: t.SecretKey,
			SdkAppID: t.SdkAppID, SignName: t.SignName, TemplateID: t.TemplateID, Params: t.Params, Client: client}
	}
	return sms.Log{Logger: log}
}

// reminderWorker is the worker the configuration describes.
func reminderWorker(db *gorm.DB, cfg config.Config, log *slog.Logger) reminder.Worker {
	r := cfg.Reminders
	defaults := routes.ClinicDefaults(cfg)
	return reminder.Worker{DB: db, Sender: reminderSender(r, log), Batch: r.Batch, Concurrency: r.Concurrency,
		MaxAttempts: r.MaxAttempts, Backoff: r.Backoff, Lease: r.Lease, SendTimeout: r.SendTimeout, Log: log,
		Clinic: func(ctx context.Context) settings.ClinicSettings {
			s, err := settings.LoadClinicSettings(ctx, db, defaults)
			if err != nil {
				return defaults
			}
			return s
		}}
}

// sendReminders runs the reminder worker at start-up and then every
// cfg.Reminders.Every until ctx ends. Every replica runs it; a reminder
// is claimed by one worker before it is sent.
func sendReminders(ctx context.Context, w reminder.Worker, every time.Duration, log *slog.Logger) {
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	for {
		pass, err := w.SendDue(ctx, time.Now())
		switch {
		case err != nil && !errors.Is(err, context.Canceled):
			log.Warn("sending reminders failed; the next run tries again", "error", err.Error())
		case pass != reminder.Pass{}:
			log.Info("reminders", "sent", pass.Sent, "retried", pass.Retried, "failed", pass.Failed,
				"skipped", pass.Skipped, "cancelled", pass.Cancelled, "unknown", pass.Unknown)
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}
