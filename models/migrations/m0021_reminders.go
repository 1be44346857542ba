package migrations

import (
	"time"

	"gorm.io/gorm"
)

// Migration 0021: appointment reminders. The patient gains its consent to
// text messages (短信提醒; no consent, no message). Each reminder due is a
// row of an outbox, written in the transaction that books or moves its
// appointment and sent by a worker in the server.
//
// At most once per appointment, rule and time: live_start is the
// appointment's start the reminder is for, unique with the appointment and
// the rule, so a booking planned twice (two processes, a retried request)
// writes one row. A reminder cancelled (the appointment moved or ended)
// gives its key up (NULL), so moving back plans it again; one sent keeps
// it, so it is never sent twice.
type patient0021 struct {
	SmsConsent int8 `gorm:"type:tinyint;not null;default:0"`
}

func (patient0021) TableName() string { return "patients" }

type reminder0021 struct {
	ID            uint64           `gorm:"primaryKey"`
	AppointmentID uint64           `gorm:"not null;uniqueIndex:uq_reminders_live,priority:1"`
	Appointment   *appointment0020 `gorm:"foreignKey:AppointmentID;constraint:OnDelete:CASCADE"`
	PatientID     uint64           `gorm:"not null;index"`
	Patient       *patient0001     `gorm:"foreignKey:PatientID;constraint:OnDelete:CASCADE"`
	Rule          string           `gorm:"type:varchar(32);not null;uniqueIndex:uq_reminders_live,priority:2"`
	LiveStart     *int64           `gorm:"uniqueIndex:uq_reminders_live,priority:3"`
	StartTime     int64            `gorm:"not null"`
	DueAt         int64            `gorm:"not null;index:idx_reminders_due,priority:2;index:idx_reminders_log"`
	Status        string           `gorm:"type:varchar(16);not null;index:idx_reminders_due,priority:1"`
	Attempts      int16            `gorm:"not null;default:0"`
	Claim         *string          `gorm:"type:varchar(32);index"`
	ClaimedAt     *int64
	Provider      string `gorm:"type:varchar(16);not null;default:''"`
	ProviderID    string `gorm:"type:varchar(64);not null;default:''"`
	RequestID     string `gorm:"type:varchar(64);not null;default:''"`
	ErrorCode     string `gorm:"type:varchar(64);not null;default:''"`
	Error         string `gorm:"type:varchar(255);not null;default:''"`
	Body          string `gorm:"type:varchar(500);not null;default:''"`
	SentAt        *int64
	CreatedAt     time.Time `gorm:"not null"`
	UpdatedAt     time.Time `gorm:"not null"`
}

func (reminder0021) TableName() string { return "reminders" }

func createReminders(tx *gorm.DB) error {
	m := tx.Migrator()
	if !m.HasColumn(&patient0021{}, "SmsConsent") {
		if err := m.AddColumn(&patient0021{}, "SmsConsent"); err != nil {
			return err
		}
	}
	if m.HasTable(&reminder0021{}) {
		return nil
	}
	return withTableOptions(tx).Migrator().CreateTable(&reminder0021{})
}
