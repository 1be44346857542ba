package migrations

import (
	"time"

	"gorm.io/gorm"
)

// Migration 0020: the appointment book. A doctor's week is a set of
// blocks (weekday, start and end in minutes of the clinic's day, slot
// length, patients per slot); dated exceptions take a day's blocks away
// (leave), add some (extra hours) or change their capacity. An appointment
// is its own row: patient, doctor, start and end, status, who booked it.
//
// Capacity is held by a unique index, not by counting: a booking of a
// scheduled slot takes a seat number from 1 to the slot's capacity, and
// (doctor, start, seat) is unique, so two bookings racing for the last
// seat cannot both commit. A booking that holds no seat (no doctor, a
// doctor without a schedule, or cancelled) has a NULL seat, which the
// index does not constrain on MySQL or SQLite.
type doctorSchedule0020 struct {
	ID          uint64      `gorm:"primaryKey"`
	DoctorID    uint64      `gorm:"not null;uniqueIndex:idx_schedules_block,priority:1"`
	Doctor      *doctor0001 `gorm:"foreignKey:DoctorID;constraint:OnDelete:CASCADE"`
	Weekday     int8        `gorm:"not null;uniqueIndex:idx_schedules_block,priority:2"` // 0 Sunday … 6 Saturday
	StartMinute int16       `gorm:"not null;uniqueIndex:idx_schedules_block,priority:3"`
	EndMinute   int16       `gorm:"not null"`
	SlotMinutes int16       `gorm:"not null"`
	Capacity    int16       `gorm:"not null"`
}

func (doctorSchedule0020) TableName() string { return "doctor_schedules" }

type scheduleException0020 struct {
	ID          uint64      `gorm:"primaryKey"`
	DoctorID    uint64      `gorm:"not null;index:idx_schedule_exceptions_day,priority:1"`
	Doctor      *doctor0001 `gorm:"foreignKey:DoctorID;constraint:OnDelete:CASCADE"`
	Date        string      `gorm:"type:varchar(10);not null;index:idx_schedule_exceptions_day,priority:2"` // 2026-12-07, the clinic's day
	Kind        string      `gorm:"type:varchar(16);not null"`                                              // leave, extra, capacity
	StartMinute int16       `gorm:"not null"`
	EndMinute   int16       `gorm:"not null"`
	SlotMinutes int16       `gorm:"not null"`
	Capacity    int16       `gorm:"not null"`
}

func (scheduleException0020) TableName() string { return "doctor_schedule_exceptions" }

type appointment0020 struct {
	ID            uint64       `gorm:"primaryKey"`
	PatientID     uint64       `gorm:"not null;index:idx_appointments_patient,priority:1"`
	Patient       *patient0001 `gorm:"foreignKey:PatientID;constraint:OnDelete:CASCADE"`
	DoctorID      *uint64      `gorm:"uniqueIndex:idx_appointments_seat,priority:1;index:idx_appointments_doctor,priority:1"`
	Doctor        *doctor0001  `gorm:"foreignKey:DoctorID;constraint:OnDelete:SET NULL"`
	StartTime     int64        `gorm:"not null;uniqueIndex:idx_appointments_seat,priority:2;index:idx_appointments_doctor,priority:2;index:idx_appointments_patient,priority:3;index:idx_appointments_start"`
	Seat          *int16       `gorm:"uniqueIndex:idx_appointments_seat,priority:3"`
	EndTime       int64        `gorm:"not null;index:idx_appointments_due,priority:2"`
	Status        string       `gorm:"type:varchar(16);not null;index:idx_appointments_due,priority:1;index:idx_appointments_patient,priority:2"`
	PreviousStart *int64
	BookedBy      *uint64   `gorm:"index:idx_appointments_booked_by"`
	Booker        *user0001 `gorm:"foreignKey:BookedBy;constraint:OnDelete:SET NULL"`
	BookedByName  string    `gorm:"type:varchar(32);not null"`
	CreatedAt     time.Time `gorm:"not null"`
	UpdatedAt     time.Time `gorm:"not null"`
}

func (appointment0020) TableName() string { return "appointments" }

func createAppointmentBook(tx *gorm.DB) error {
	for _, table := range []any{&doctorSchedule0020{}, &scheduleException0020{}, &appointment0020{}} {
		if tx.Migrator().HasTable(table) {
			continue
		}
		if err := withTableOptions(tx).Migrator().CreateTable(table); err != nil {
			return err
		}
	}
	// Managers (and the superadmin) keep the doctors' schedules.
	return addRolePermissions(tx, map[string][]string{
		"manager":    {"schedule.manage"},
		"superadmin": {"schedule.manage"},
	})
}
