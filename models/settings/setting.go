package settings

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

type Setting struct {
	Name      string `gorm:"primaryKey"`
	Value     string
	CreatedAt time.Time
}

// SettingJWTSecret holds the generated signing key when none is configured.
const SettingJWTSecret = "jwt_secret"

// EnsureSetting returns the stored value, storing candidate first if there
// is none. Replicas starting together race on the primary key, and all of
// them read back the one value that won.
func EnsureSetting(ctx context.Context, db *gorm.DB, name, candidate string) (string, error) {
	db = db.WithContext(ctx)
	row := Setting{Name: name, Value: candidate}
	if err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return "", err
	}
	var stored Setting
	if err := db.Take(&stored, "name = ?", name).Error; err != nil {
		return "", err
	}
	return stored.Value, nil
}
