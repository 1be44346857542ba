package migrations

import (
	"time"

	"gorm.io/gorm"
)

// Migration 0016: follow-ups (回访/跟进). Each is a record of a contact
// with a patient (when, how, what was said, by whom, and when to follow up
// next); a range of time is counted per consultant and way from one index.
// The patient keeps the next time too, so the pool filters and sorts by it
// and the due list is an index range: one index leads with the next time
// (managers), one with the author (a consultant's own).
type patientFollowup0016 struct {
	ID        uint64       `gorm:"primaryKey"`
	PatientID uint64       `gorm:"not null;index:idx_followups_patient_time,priority:1"`
	Patient   *patient0001 `gorm:"foreignKey:PatientID;constraint:OnDelete:CASCADE"`
	UserID    *uint64      `gorm:"index:idx_followups_time_user,priority:2"` // null once the user is deleted
	User      *user0001    `gorm:"foreignKey:UserID;constraint:OnDelete:SET NULL"`
	Username  string       `gorm:"type:varchar(32);not null"`
	Way       string       `gorm:"type:varchar(16);not null;index:idx_followups_time_user,priority:3"`
	Content   string       `gorm:"type:text;not null"`
	Time      int64        `gorm:"not null;index:idx_followups_patient_time,priority:2;index:idx_followups_time_user,priority:1"`
	NextTime  *int64       ``
	CreatedAt time.Time    `gorm:"not null"`
}

func (patientFollowup0016) TableName() string { return "patient_followups" }

type patient0016 struct {
	NextFollowupTime *int64     `gorm:"index:idx_patients_next_followup_sort,priority:1;index:idx_patients_author_next_followup,priority:2"`
	AddTime          int64      `gorm:"index:idx_patients_next_followup_sort,priority:2;index:idx_patients_author_next_followup,priority:3"`
	ID               uint64     `gorm:"primaryKey;index:idx_patients_next_followup_sort,priority:3;index:idx_patients_author_next_followup,priority:4"`
	DeletedAt        *time.Time `gorm:"index:idx_patients_next_followup_sort,priority:4;index:idx_patients_author_next_followup,priority:5"`
	AuthorID         uint64     `gorm:"index:idx_patients_next_followup_sort,priority:5;index:idx_patients_author_next_followup,priority:1"`
}

func (patient0016) TableName() string { return "patients" }

const alterFollowupsMySQL0016 = "ALTER TABLE patients ADD COLUMN next_followup_time bigint NULL, " +
	"ADD INDEX idx_patients_next_followup_sort (next_followup_time, add_time, id, deleted_at, author_id), " +
	"ADD INDEX idx_patients_author_next_followup (author_id, next_followup_time, add_time, id, deleted_at)"

func createFollowups(tx *gorm.DB) error {
	m := tx.Migrator()
	if !m.HasTable(&patientFollowup0016{}) {
		if err := withTableOptions(tx).Migrator().CreateTable(&patientFollowup0016{}); err != nil {
			return err
		}
	}
	if m.HasColumn(&patient0016{}, "NextFollowupTime") {
		return nil
	}
	if tx.Dialector.Name() == "mysql" {
		return tx.Exec(alterFollowupsMySQL0016).Error
	}
	if err := m.AddColumn(&patient0016{}, "NextFollowupTime"); err != nil {
		return err
	}
	for _, index := range []string{"idx_patients_next_followup_sort", "idx_patients_author_next_followup"} {
		if err := m.CreateIndex(&patient0016{}, index); err != nil {
			return err
		}
	}
	return nil
}
