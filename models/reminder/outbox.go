package reminder

import (
	"context"
	"crm/models/access"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Reminder is a row of the outbox: one rule's message for one booking.
type Reminder struct {
	ID            uint64 `gorm:"primaryKey"`
	AppointmentID uint64
	PatientID     uint64
	Rule          string
	LiveStart     *int64 // StartTime while the reminder holds its key; nil once cancelled
	StartTime     int64  // the appointment's start it reminds of
	DueAt         int64
	Status        string
	Attempts      int16
	Claim         *string // the batch of the worker sending it
	ClaimedAt     *int64
	Provider      string
	ProviderID    string
	RequestID     string
	ErrorCode     string
	Error         string
	Body          string
	SentAt        *int64
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

func (Reminder) TableName() string { return "reminders" }

// Statuses: pending until due, sending while a worker has it, then sent,
// failed (refused, or out of attempts), cancelled (the booking moved or
// ended), skipped (no consent, no mobile number, too late) or unknown (the
// send was cut off and may have gone: never tried again).
const (
	StatusPending   = "pending"
	StatusSending   = "sending"
	StatusSent      = "sent"
	StatusFailed    = "failed"
	StatusCancelled = "cancelled"
	StatusSkipped   = "skipped"
	StatusUnknown   = "unknown"
)

// Statuses lists them in their order.
var Statuses = []string{StatusPending, StatusSending, StatusSent, StatusFailed, StatusCancelled, StatusSkipped, StatusUnknown}

// Booking is an appointment as its reminders see it.
type Booking struct {
	AppointmentID uint64
	PatientID     uint64
	Start         int64
	Booked        bool // still booked (not arrived, cancelled or no_show)
	New           bool // just inserted: nothing planned for it yet
}

// Plan brings a booking's outbox in step, inside the transaction that
// changed the booking: reminders still pending for another time, or for a
// booking no longer booked, are cancelled; a booked one gets a pending
// reminder per rule whose (quiet-hours-adjusted) time is still to come
// and before the start. The unique key makes a second plan of the same
// booking and time a no-op.
func Plan(tx *gorm.DB, b Booking, loc *time.Location, now time.Time) error {
	if !b.New {
		q := tx.Model(&Reminder{}).Where(clause.Eq{Column: "appointment_id", Value: b.AppointmentID}).
			Where(clause.Eq{Column: "status", Value: StatusPending})
		if b.Booked {
			q = q.Where("start_time <> ?", b.Start)
		}
		if err := q.Updates(map[string]any{"status": StatusCancelled, "live_start": nil, "updated_at": now}).Error; err != nil {
			return err
		}
	}
	if !b.Booked || b.Start <= now.Unix() {
		return nil
	}
	s, err := Load(tx)
	if err != nil || !s.Enabled {
		return err
	}
	var rows []Reminder
	for _, r := range s.Rules {
		due, ok := s.sendable(r.Due(b.Start, loc), b.Start, loc)
		if !ok || due <= now.Unix() {
			continue
		}
		start := b.Start
		rows = append(rows, Reminder{AppointmentID: b.AppointmentID, PatientID: b.PatientID, Rule: r.Name(),
			LiveStart: &start, StartTime: start, DueAt: due, Status: StatusPending, CreatedAt: now, UpdatedAt: now})
	}
	if len(rows) == 0 {
		return nil
	}
	return tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error
}

// sendable moves a time in the quiet hours to their end; false when that
// is not before the appointment's start.
func (s Settings) sendable(at, start int64, loc *time.Location) (int64, bool) {
	if quiet, end := s.Quiet(time.Unix(at, 0).In(loc)); quiet {
		at = end.Unix()
	}
	return at, at < start
}

// CancelWithin cancels the reminders still pending of a patient's
// appointments starting within span (inclusive), ended all at once.
func CancelWithin(tx *gorm.DB, patientID uint64, span [2]int64, now time.Time) error {
	return tx.Model(&Reminder{}).Where(clause.Eq{Column: "patient_id", Value: patientID}).
		Where(clause.Eq{Column: "status", Value: StatusPending}).Where("start_time BETWEEN ? AND ?", span[0], span[1]).
		Updates(map[string]any{"status": StatusCancelled, "live_start": nil, "updated_at": now}).Error
}

// Filter selects the send log: a status ("": all), due within [From, To]
// when set.
type Filter struct {
	Status   string
	From, To *int64
}

// Entry is a row of the send log with its patient's name.
type Entry struct {
	Reminder
	PatientName string
}

// List is the send log (发送记录) of the viewer's patients, latest due
// first, a page at a time, with the total.
func List(ctx context.Context, db *gorm.DB, v access.Viewer, f Filter, page, perPage int) ([]Entry, int64, error) {
	q := access.Scoped(db.WithContext(ctx).Model(&Reminder{}).
		Joins("JOIN patients ON patients.id = reminders.patient_id").Where("patients.deleted_at IS NULL"), v)
	if f.Status != "" {
		q = q.Where(clause.Eq{Column: "reminders.status", Value: f.Status})
	}
	if f.From != nil {
		q = q.Where(clause.Gte{Column: "reminders.due_at", Value: *f.From})
	}
	if f.To != nil {
		q = q.Where(clause.Lte{Column: "reminders.due_at", Value: *f.To})
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	out := []Entry{}
	err := q.Select("reminders.*, patients.name AS patient_name").Order("reminders.due_at DESC, reminders.id DESC").
		Offset((page - 1) * perPage).Limit(perPage).Scan(&out).Error
	return out, total, err
}
