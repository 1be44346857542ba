package migrations

import (
	"time"

	"gorm.io/gorm"
)

// legacyImport0011 remembers every row taken from the old PHP backend's
// database: it maps old ids to new ones and makes the import idempotent
// and resumable.
type legacyImport0011 struct {
	SourceTable string    `gorm:"primaryKey;type:varchar(32)"`
	SourceID    string    `gorm:"primaryKey;type:varchar(64)"`
	TargetID    uint64    `gorm:"not null"`
	ImportedAt  time.Time `gorm:"not null"`
}

func (legacyImport0011) TableName() string { return "legacy_imports" }

// user0011 adds how the password hash is to be checked: "bcrypt", or
// "md5-bcrypt" for imported accounts whose old unsalted md5 is wrapped in
// bcrypt until their first login.
type user0011 struct {
	PasswordScheme string `gorm:"type:varchar(16);not null;default:'bcrypt'"`
}

func (user0011) TableName() string { return "users" }

func prepareLegacyImport(tx *gorm.DB) error {
	if err := withTableOptions(tx).Migrator().CreateTable(&legacyImport0011{}); err != nil {
		return err
	}
	return tx.Migrator().AddColumn(&user0011{}, "PasswordScheme")
}
