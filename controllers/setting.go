package controllers

import (
	"context"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"crm/internal/memo"
	"crm/middleware"
	"crm/models/settings"
)

// Clinic serves the runtime settings (参数设置) to the handlers that use
// them, from memory like the caller's session: a change on this process
// applies to the next request, on other replicas within auth.cache_ttl.
type Clinic struct {
	db       *gorm.DB
	defaults settings.ClinicSettings
	cache    *memo.Cache[struct{}, settings.ClinicSettings]
}

func NewClinic(db *gorm.DB, defaults settings.ClinicSettings, changes *memo.Generation, ttl time.Duration, now func() time.Time) *Clinic {
	return &Clinic{db: db, defaults: defaults, cache: memo.New[struct{}, settings.ClinicSettings](changes, 1, ttl, now)}
}

// Settings are the current settings; should they not load, the defaults
// (the request's own queries will report the database's trouble).
func (cl *Clinic) Settings(c *gin.Context) settings.ClinicSettings {
	return cl.SettingsIn(c.Request.Context())
}

// SettingsIn is Settings for work that has a context but no request.
func (cl *Clinic) SettingsIn(ctx context.Context) settings.ClinicSettings {
	s, err := cl.cache.Get(ctx, struct{}{}, func(ctx context.Context) (settings.ClinicSettings, error) {
		return settings.LoadClinicSettings(ctx, cl.db, cl.defaults)
	})
	if err != nil {
		return cl.defaults
	}
	return s
}

// Location is the clinic's time zone now.
func (cl *Clinic) Location(c *gin.Context) *time.Location { return cl.Settings(c).Location() }

// SettingController reads and changes the settings.
type SettingController struct {
	DB     *gorm.DB
	Now    func() time.Time
	Clinic *Clinic
}

type settingsJSON struct {
	ClinicName       string `json:"clinicName"`
	TimeZone         string `json:"timezone"`
	LogRetentionDays int    `json:"logRetentionDays"`
	DefaultPageSize  int    `json:"defaultPageSize"`
}

type settingsEnvelope struct {
	Settings settingsJSON `json:"settings"`
}

func presentSettings(s settings.ClinicSettings) settingsEnvelope {
	return settingsEnvelope{settingsJSON{s.ClinicName, s.TimeZone, s.LogRetentionDays, s.DefaultPageSize}}
}

// Get is GET /setting: any authenticated user (the clinic's name and
// calendar are no secret).
func (sc SettingController) Get(c *gin.Context) (any, error) {
	if _, err := middleware.CurrentUser(c); err != nil {
		return nil, err
	}
	return presentSettings(sc.Clinic.Settings(c)), nil
}

// Update is PATCH /setting: clinic_name, timezone, log_retention_days,
// default_page_size; those sent change.
func (sc SettingController) Update(c *gin.Context) (any, error) {
	viewer, err := middleware.CurrentUser(c)
	if err != nil {
		return nil, err
	}
	b := newBinder(c)
	var ch settings.ClinicSettingsChange
	if b.sent("clinic_name") {
		name := deref(b.optionalText(textRule{maxRunes: settings.MaxClinicNameRunes}, "clinic_name"))
		ch.ClinicName = &name
	}
	if _, zone, ok := b.value("timezone"); ok {
		ch.TimeZone = &zone
	}
	if days := b.optionalInt(0, settings.MaxRetentionDays, "log_retention_days"); days != nil {
		n := int(*days)
		ch.LogRetentionDays = &n
	}
	if size := b.optionalInt(1, settings.MaxDefaultPageSize, "default_page_size"); size != nil {
		n := int(*size)
		ch.DefaultPageSize = &n
	}
	if b.err != nil {
		return nil, b.err
	}
	s, err := settings.UpdateClinicSettings(c.Request.Context(), sc.DB, viewer, sc.Clinic.defaults, ch, sc.Now())
	if err != nil {
		return nil, err
	}
	return presentSettings(s), nil
}
