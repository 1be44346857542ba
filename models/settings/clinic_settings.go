package settings

import (
	"context"
	"crm/apierr"
	"crm/models/access"
	"crm/models/oplog"
	"crm/models/store"
	"strconv"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ClinicSettings are what the superadmin changes at runtime (参数设置);
// config.yaml holds their defaults, the settings table what was changed.
type ClinicSettings struct {
	ClinicName       string
	TimeZone         string // an IANA name: reports, the dashboard, exports, due lists, imports
	LogRetentionDays int    // 0: keep the operation log for ever
	DefaultPageSize  int    // the pool's per_page when none is asked for
}

// The rows of the settings table that hold them; nothing else of the
// table (the generated JWT secret) is ever read or written through here.
const (
	settingClinicName = "clinic.name"
	settingTimeZone   = "clinic.timezone"
	settingRetention  = "audit.retention_days"
	settingPageSize   = "list.default_page_size"
)

// Bounds of the values.
const (
	MaxDefaultPageSize = 100
	MaxClinicNameRunes = 64
	MaxRetentionDays   = 3650
)

var clinicSettingNames = []string{settingClinicName, settingTimeZone, settingRetention, settingPageSize}

// Location is the settings' time zone (UTC should it not load).
func (s ClinicSettings) Location() *time.Location {
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

func (s ClinicSettings) values() map[string]string {
	return map[string]string{settingClinicName: s.ClinicName, settingTimeZone: s.TimeZone,
		settingRetention: strconv.Itoa(s.LogRetentionDays), settingPageSize: strconv.Itoa(s.DefaultPageSize)}
}

// apply reads stored values over s; a value that no longer reads (a zone
// removed from the system) keeps the default.
func (s *ClinicSettings) apply(name, value string) {
	switch name {
	case settingClinicName:
		s.ClinicName = value
	case settingTimeZone:
		if _, err := time.LoadLocation(value); err == nil && value != "" {
			s.TimeZone = value
		}
	case settingRetention:
		if n, err := strconv.Atoi(value); err == nil && n >= 0 {
			s.LogRetentionDays = n
		}
	case settingPageSize:
		if n, err := strconv.Atoi(value); err == nil && n >= 1 && n <= MaxDefaultPageSize {
			s.DefaultPageSize = n
		}
	}
}

// LoadClinicSettings is defaults with what has been changed.
func LoadClinicSettings(ctx context.Context, db *gorm.DB, defaults ClinicSettings) (ClinicSettings, error) {
	var rows []Setting
	err := db.WithContext(ctx).Where(clause.IN{Column: "name", Values: store.ToAny(clinicSettingNames)}).Find(&rows).Error
	s := defaults
	for _, r := range rows {
		s.apply(r.Name, r.Value)
	}
	return s, err
}

// ClinicSettingsChange is what a request changes; nil fields stay.
type ClinicSettingsChange struct {
	ClinicName       *string
	TimeZone         *string
	LogRetentionDays *int
	DefaultPageSize  *int
}

var (
	ErrBadTimeZone = apierr.Invalid("timezone")
	ErrBadName     = apierr.Invalid("clinic_name")
)

// UpdateClinicSettings stores the changes (setting.manage) and logs each
// from → to in one operation-log entry.
func UpdateClinicSettings(ctx context.Context, db *gorm.DB, v access.Viewer, defaults ClinicSettings, ch ClinicSettingsChange, now time.Time) (ClinicSettings, error) {
	if !v.Can(access.PermSettingManage) {
		return ClinicSettings{}, apierr.ErrForbidden
	}
	if ch.TimeZone != nil {
		if _, err := time.LoadLocation(*ch.TimeZone); err != nil || *ch.TimeZone == "" || *ch.TimeZone == "Local" {
			return ClinicSettings{}, ErrBadTimeZone
		}
	}
	if ch.ClinicName != nil && utf8.RuneCountInString(*ch.ClinicName) > MaxClinicNameRunes {
		return ClinicSettings{}, ErrBadName
	}
	var after ClinicSettings
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		before, err := LoadClinicSettings(ctx, tx, defaults)
		if err != nil {
			return err
		}
		after = before
		if ch.ClinicName != nil {
			after.ClinicName = *ch.ClinicName
		}
		if ch.TimeZone != nil {
			after.TimeZone = *ch.TimeZone
		}
		if ch.LogRetentionDays != nil {
			after.LogRetentionDays = *ch.LogRetentionDays
		}
		if ch.DefaultPageSize != nil {
			after.DefaultPageSize = *ch.DefaultPageSize
		}
		old, changed := before.values(), after.values()
		var changes []oplog.Change
		for _, name := range clinicSettingNames {
			if old[name] == changed[name] {
				continue
			}
			from, to := old[name], changed[name]
			changes = append(changes, oplog.Change{Field: name, From: &from, To: &to})
			row := Setting{Name: name, Value: to, CreatedAt: now}
			err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "name"}},
				DoUpdates: clause.AssignmentColumns([]string{"value"})}).Create(&row).Error
			if err != nil {
				return err
			}
		}
		if len(changes) == 0 {
			return nil
		}
		return oplog.RecordOp(tx, v, oplog.OpSettingUpdate, oplog.TargetSetting, 0, map[string]any{"changes": changes}, now)
	})
	return after, err
}
