package migrations

import (
	"time"

	"gorm.io/gorm"
)

// patientHistory0004 records every change of a patient, written in the same
// transaction as the change. Changes is a JSON array of
// {"field", "from", "to"} with string-or-null values. The username is kept
// as it was, so the entry still reads right after the account is deleted.
type patientHistory0004 struct {
	ID        uint64       `gorm:"primaryKey"`
	PatientID uint64       `gorm:"not null;index:idx_patient_history_patient_id"`
	Patient   *patient0001 `gorm:"foreignKey:PatientID;constraint:OnDelete:CASCADE"`
	UserID    *uint64      `gorm:"index:idx_patient_history_user_id"`
	User      *user0001    `gorm:"foreignKey:UserID;constraint:OnDelete:SET NULL"`
	Username  string       `gorm:"type:varchar(32);not null;default:''"`
	Action    string       `gorm:"type:varchar(16);not null"`
	Address   string       `gorm:"type:varchar(45);not null;default:''"`
	Changes   string       `gorm:"type:text;not null"`
	CreatedAt time.Time    `gorm:"not null"`
}

func (patientHistory0004) TableName() string { return "patient_history" }

func createPatientHistory(tx *gorm.DB) error {
	return withTableOptions(tx).Migrator().CreateTable(&patientHistory0004{})
}
