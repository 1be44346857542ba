// Package appointment is the appointment book: doctors' schedules, the
// slots they make, and the appointments booked into them, which the
// patient follows (its order time and doctor are its next appointment's).
package appointment

import (
	"context"
	"crm/apierr"
	"crm/models/access"
	"crm/models/idempotency"
	"crm/models/oplog"
	"crm/models/patient"
	"crm/models/reminder"
	"crm/models/store"
	"errors"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Appointment is one booking of a patient, with a doctor or without. Seat
// is its place in a scheduled slot (1 … capacity; unique per doctor and
// start), nil when it holds none: no doctor, a doctor without a schedule,
// or no longer booked for a slot to come (cancelled).
type Appointment struct {
	ID            uint64 `gorm:"primaryKey"`
	PatientID     uint64
	DoctorID      *uint64
	StartTime     int64
	EndTime       int64
	Seat          *int16
	Status        string
	PreviousStart *int64 // where the last move took it from
	BookedBy      *uint64
	BookedByName  string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

func (Appointment) TableName() string { return "appointments" }

// Statuses: booked, then arrived, cancelled or no_show.
const (
	StatusBooked    = "booked"
	StatusArrived   = "arrived"
	StatusCancelled = "cancelled"
	StatusNoShow    = "no_show"
)

// Statuses lists them in their order.
var Statuses = []string{StatusBooked, StatusArrived, StatusCancelled, StatusNoShow}

// UnscheduledMinutes is the length of a booking with no schedule to say.
const UnscheduledMinutes = 30

var (
	ErrSlotFull      = apierr.Conflict("该时段已约满，请选择其他时间")
	ErrOutsideHours  = apierr.Invalid("start_time")
	ErrNotBooked     = apierr.Conflict("预约已结束（已到诊、已取消或爽约），不能再修改")
	ErrStatusInvalid = apierr.Invalid("status")
)

// Booking is what a booking or a move asks for.
type Booking struct {
	DoctorID *uint64
	Start    int64
}

// place finds a's slot in the doctor's schedule and takes a seat in it:
// the unique index on (doctor, start, seat) is the guard, so of two
// bookings racing for a slot's last seat exactly one commits. Without a
// doctor or a schedule any time is taken, for UnscheduledMinutes, with no
// seat. ignore is an appointment whose seat does not count (the one being
// moved).
func place(tx *gorm.DB, a *Appointment, loc *time.Location) error {
	a.Seat = nil
	a.EndTime = a.StartTime + UnscheduledMinutes*60
	if a.DoctorID == nil {
		return nil
	}
	s, err := loadSchedule(tx, *a.DoctorID)
	if err != nil || !s.Scheduled() {
		return err
	}
	daySlots := s.DaySlots(time.Unix(a.StartTime, 0).In(loc), loc)
	i := slices.IndexFunc(daySlots, func(sl Slot) bool { return sl.Start == a.StartTime })
	if i < 0 {
		return ErrOutsideHours
	}
	slot := daySlots[i]
	a.EndTime = slot.End
	if slot.Capacity == 0 {
		return ErrSlotFull
	}
	// The seats taken, as this transaction sees them: where to start
	// trying. A seat taken since shows as a duplicate key; the next is
	// tried, so at most capacity inserts are made.
	var taken []int16
	if err := tx.Model(&Appointment{}).Where(clause.Eq{Column: "doctor_id", Value: *a.DoctorID}).
		Where(clause.Eq{Column: "start_time", Value: a.StartTime}).Where("seat IS NOT NULL").
		Pluck("seat", &taken).Error; err != nil {
		return err
	}
	for seat := int16(1); int(seat) <= slot.Capacity; seat++ {
		if slices.Contains(taken, seat) {
			continue
		}
		err := claimSeat(tx, a, seat)
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			continue
		}
		return err
	}
	return ErrSlotFull
}

// insert writes a new appointment into its slot: placing it inserts it
// when it takes a seat; one that takes none is inserted here. Its
// reminders go into the outbox with it.
func insert(tx *gorm.DB, a *Appointment, loc *time.Location) error {
	if err := place(tx, a, loc); err != nil {
		return err
	}
	if a.ID == 0 {
		if err := tx.Create(a).Error; err != nil {
			return err
		}
	}
	return reminder.Plan(tx, a.booking(true), loc, a.CreatedAt)
}

// booking is a as its reminders see it.
func (a Appointment) booking(created bool) reminder.Booking {
	return reminder.Booking{AppointmentID: a.ID, PatientID: a.PatientID, Start: a.StartTime,
		Booked: a.Status == StatusBooked, New: created}
}

// claimSeat writes a with the seat: an insert for a new appointment, an
// update for one being moved. On MySQL and SQLite a duplicate key undoes
// the statement only, so the transaction goes on to the next seat.
func claimSeat(tx *gorm.DB, a *Appointment, seat int16) error {
	a.Seat = &seat
	if a.ID == 0 {
		if err := tx.Create(a).Error; err != nil {
			a.ID, a.Seat = 0, nil
			return err
		}
		return nil
	}
	return tx.Model(&Appointment{}).Where(clause.Eq{Column: "id", Value: a.ID}).
		Updates(map[string]any{"seat": seat, "start_time": a.StartTime, "end_time": a.EndTime, "doctor_id": a.DoctorID}).Error
}

// Book books an appointment of a patient the viewer may edit. The patient
// follows (its order time and doctor become its next appointment's; a
// patient not yet arrived is booked, one who has arrived stays arrived:
// a return visit is an ordinary booking). A full slot is 46002, a time
// outside the doctor's schedule 40035.
func Book(ctx context.Context, db *gorm.DB, v access.Viewer, patientID uint64, b Booking, loc *time.Location, now time.Time) (Appointment, patient.Patient, error) {
	var a Appointment
	var p patient.Patient
	err := store.RetryDeadlocks(func() error {
		return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			before, err := patient.LockEditable(tx, v, patientID)
			if err != nil {
				return err
			}
			if b.DoctorID != nil {
				if err := patient.CheckPatientReferences(tx, patient.Patient{}, patient.Patient{DoctorID: b.DoctorID}); err != nil {
					return err
				}
			}
			userID := v.UserID
			a = Appointment{PatientID: before.ID, DoctorID: b.DoctorID, StartTime: b.Start, Status: StatusBooked,
				BookedBy: &userID, BookedByName: v.Username, CreatedAt: now, UpdatedAt: now}
			if err := insert(tx, &a, loc); err != nil {
				return err
			}
			if err := idempotency.MarkIdempotencyCommitted(tx, ctx, a.ID); err != nil {
				return err
			}
			p, err = follow(tx, v, before, before, now, map[string]any{"appointment": a.ID, "booked": a.StartTime})
			return err
		})
	})
	return a, p, err
}

// Change is what a PATCH of an appointment asks for: a move (Start, and
// DoctorID when DoctorSet), a status, or both.
type Change struct {
	Start     *int64
	DoctorID  *uint64
	DoctorSet bool
	Status    string // "": unchanged
}

// Update moves an appointment still booked, or ends it: arrived (needs
// patient.confirm_arrival, and makes the patient arrived), cancelled
// (frees its seat), no_show. A move keeps the row and records where it
// came from. Appointments no longer booked are not changed (46002).
func Update(ctx context.Context, db *gorm.DB, v access.Viewer, id uint64, ch Change, loc *time.Location, now time.Time) (Appointment, patient.Patient, error) {
	var a Appointment
	var p patient.Patient
	err := store.RetryDeadlocks(func() error {
		return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			var old Appointment
			if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where(clause.Eq{Column: "id", Value: id}).Take(&old).Error; err != nil {
				return store.NotFound(err)
			}
			before, err := patient.LockEditable(tx, v, old.PatientID)
			if err != nil {
				return err
			}
			if old.Status != StatusBooked {
				return ErrNotBooked
			}
			a = old
			summary := map[string]any{"appointment": a.ID}
			moved := ch.Start != nil && *ch.Start != old.StartTime || ch.DoctorSet && !patient.SameValue(ch.DoctorID, old.DoctorID)
			if moved && ch.Status != "" && ch.Status != StatusBooked {
				return ErrStatusInvalid // a move and an end at once is one too many
			}
			if moved {
				start, doctor := old.StartTime, old.DoctorID
				if ch.Start != nil {
					start = *ch.Start
				}
				if ch.DoctorSet {
					doctor = ch.DoctorID
					if doctor != nil {
						if err := patient.CheckPatientReferences(tx, patient.Patient{DoctorID: old.DoctorID}, patient.Patient{DoctorID: doctor}); err != nil {
							return err
						}
					}
				}
				if err := move(tx, &a, start, doctor, loc); err != nil {
					return err
				}
				summary["moved_from"], summary["moved_to"] = old.StartTime, a.StartTime
			}
			switch ch.Status {
			case "", StatusBooked:
			case StatusArrived, StatusNoShow:
				a.Status = ch.Status
			case StatusCancelled:
				a.Status, a.Seat = ch.Status, nil
			default:
				return ErrStatusInvalid
			}
			if ch.Status == StatusArrived && !v.Can(access.PermPatientConfirmArrival) {
				return apierr.ErrForbidden
			}
			if a == old {
				p = before
				return nil
			}
			if err := write(tx, &a, loc, now); err != nil {
				return err
			}
			if a.Status != old.Status {
				summary["status"] = a.Status
			}
			after := before
			if a.Status == StatusArrived {
				after.State = patient.StateArrived // the state rules give it its first reach time
			}
			p, err = follow(tx, v, before, after, now, summary)
			return err
		})
	})
	return a, p, err
}

// move takes a booked appointment (locked) to start and doctor. Its old
// seat is given up first, so a move within a full slot's neighbourhood
// can take it back; where it came from is kept. write stores the rest.
func move(tx *gorm.DB, a *Appointment, start int64, doctor *uint64, loc *time.Location) error {
	from := a.StartTime
	a.StartTime, a.DoctorID, a.PreviousStart = start, doctor, &from
	if err := tx.Model(&Appointment{}).Where(clause.Eq{Column: "id", Value: a.ID}).Update("seat", nil).Error; err != nil {
		return err
	}
	return place(tx, a, loc)
}

// write stores what a move or an end changes of an appointment, and
// replans its reminders: those of its old time, or of a booking ended,
// are cancelled. A map, not Save: GORM would stamp updated_at with its
// own clock.
func write(tx *gorm.DB, a *Appointment, loc *time.Location, now time.Time) error {
	a.UpdatedAt = now
	if err := tx.Model(&Appointment{}).Where(clause.Eq{Column: "id", Value: a.ID}).Updates(map[string]any{
		"doctor_id": a.DoctorID, "start_time": a.StartTime, "end_time": a.EndTime, "seat": a.Seat,
		"status": a.Status, "previous_start": a.PreviousStart, "updated_at": now}).Error; err != nil {
		return err
	}
	return reminder.Plan(tx, a.booking(false), loc, now)
}

// follow brings a locked patient, already changed from before to after,
// in step with its appointments: its order time and doctor become those
// of its next booked appointment (the earliest still booked), and a
// patient neither arrived nor booked is booked. Without a booked
// appointment they stay as they were.
func follow(tx *gorm.DB, v access.Viewer, before, after patient.Patient, now time.Time, summary map[string]any) (patient.Patient, error) {
	var next Appointment
	err := tx.Where(clause.Eq{Column: "patient_id", Value: before.ID}).Where(clause.Eq{Column: "status", Value: StatusBooked}).
		Order("start_time").Limit(1).Take(&next).Error
	switch {
	case err == nil:
		start := next.StartTime
		after.OrderTime = &start
		if next.DoctorID != nil {
			doctor := *next.DoctorID
			after.DoctorID = &doctor
		}
		if after.State != patient.StateArrived {
			after.State = patient.StateWaiting
		}
	case !errors.Is(err, gorm.ErrRecordNotFound):
		return after, err
	}
	if _, err := patient.SaveFollowed(tx, v, before, &after, patient.ActionBooking, now); err != nil {
		return after, err
	}
	return after, oplog.RecordOp(tx, v, oplog.OpAppointment, oplog.TargetPatient, after.ID, summary, now)
}

// Find is one appointment of a patient the viewer may see (for the replay
// of a retried booking).
func Find(ctx context.Context, db *gorm.DB, v access.Viewer, id uint64) (Appointment, error) {
	db = db.WithContext(ctx)
	var a Appointment
	if err := db.Where(clause.Eq{Column: "id", Value: id}).Take(&a).Error; err != nil {
		return a, store.NotFound(err)
	}
	if _, err := patient.FindScoped(db, v, a.PatientID, false); err != nil {
		return Appointment{}, err
	}
	return a, nil
}

// Filter selects appointments for the calendar: a doctor's (nil: all),
// starting within [From, To], of a status ("": all).
type Filter struct {
	DoctorID *uint64
	From, To int64
	Status   string
}

// MaxListed bounds one calendar answer: a week of a busy clinic.
const MaxListed = 5000

// Entry is a calendar row: an appointment and its patient's name.
type Entry struct {
	Appointment
	PatientName string
}

// List is the calendar: the appointments of patients the viewer may see,
// by start time, with their names.
func List(ctx context.Context, db *gorm.DB, v access.Viewer, f Filter) ([]Entry, error) {
	// The viewer's scope on the joined patient (author_id is the patient's:
	// appointments have none), not an IN over every visible patient.
	q := db.WithContext(ctx).Model(&Appointment{})
	if f.DoctorID != nil && db.Dialector.Name() == "mysql" {
		// A doctor's range in (doctor, start, id) order: MariaDB would take
		// the seat index, whose order is not the calendar's, and sort the
		// week's ~600 rows (11 ms against 2.5 ms at 3M appointments).
		q = q.Table("appointments USE INDEX (idx_appointments_doctor)")
	}
	q = access.Scoped(q.Select("appointments.*, patients.name AS patient_name").
		Joins("JOIN patients ON patients.id = appointments.patient_id").
		Where("patients.deleted_at IS NULL"), v).
		Where("appointments.start_time BETWEEN ? AND ?", f.From, f.To)
	if f.DoctorID != nil {
		q = q.Where(clause.Eq{Column: "appointments.doctor_id", Value: *f.DoctorID})
	}
	if f.Status != "" {
		q = q.Where(clause.Eq{Column: "appointments.status", Value: f.Status})
	}
	out := []Entry{}
	err := q.Order("appointments.start_time, appointments.id").Limit(MaxListed).Scan(&out).Error
	return out, err
}

// OfPatient lists a visible patient's appointments, latest first, and how
// many it missed (no_show).
func OfPatient(ctx context.Context, db *gorm.DB, v access.Viewer, patientID uint64) ([]Appointment, int64, error) {
	db = db.WithContext(ctx)
	if _, err := patient.FindScoped(db, v, patientID, false); err != nil {
		return nil, 0, err
	}
	out := []Appointment{}
	if err := db.Where(clause.Eq{Column: "patient_id", Value: patientID}).Order("start_time DESC, id DESC").Find(&out).Error; err != nil {
		return nil, 0, err
	}
	var missed int64
	for _, a := range out {
		if a.Status == StatusNoShow {
			missed++
		}
	}
	return out, missed, nil
}

// DaySlots are a doctor's slots on one of the clinic's days with their
// bookings; scheduled is false for a doctor without a schedule (who takes
// bookings at any time, so there are no slots to list).
func DaySlots(ctx context.Context, db *gorm.DB, doctorID uint64, date time.Time, loc *time.Location) (slots []Slot, scheduled bool, err error) {
	db = db.WithContext(ctx)
	s, err := LoadSchedule(ctx, db, doctorID)
	if err != nil || !s.Scheduled() {
		return []Slot{}, false, err
	}
	slots = s.DaySlots(date, loc)
	if len(slots) == 0 {
		return []Slot{}, true, nil
	}
	var counts []struct {
		StartTime int64
		N         int
	}
	err = db.Model(&Appointment{}).Select("start_time, COUNT(*) AS n").
		Where(clause.Eq{Column: "doctor_id", Value: doctorID}).
		Where("start_time BETWEEN ? AND ?", slots[0].Start, slots[len(slots)-1].Start).
		Where("seat IS NOT NULL").Group("start_time").Scan(&counts).Error
	for _, c := range counts {
		for i := range slots {
			if slots[i].Start == c.StartTime {
				slots[i].Booked = c.N
			}
		}
	}
	return slots, true, err
}
