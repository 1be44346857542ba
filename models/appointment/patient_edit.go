package appointment

import (
	"context"
	"crm/models/access"
	"crm/models/oplog"
	"crm/models/patient"
	"crm/models/reminder"
	"crm/models/store"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// EditPatient is the edit of a patient (PATCH /patient/{id}) with the
// appointment book following it in the same transaction, so that the
// 2017 frontend, which books by setting order_time and state 1, keeps
// working: a booking edit books the patient's open appointment, or moves
// it; marking the patient arrived marks today's appointment arrived;
// marking it lost cancels the appointments still to come. A booking edit
// of a patient who has arrived is a return visit (复诊): the appointment
// is booked and the patient stays arrived.
func EditPatient(ctx context.Context, db *gorm.DB, v access.Viewer, id uint64, in patient.Patient, set patient.PatientFieldSet,
	authorID *uint64, loc *time.Location, now time.Time) (patient.Patient, error) {
	var p patient.Patient
	err := store.RetryDeadlocks(func() error {
		return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			before, after, err := patient.UpdatePatient(tx, v, id, in, set, authorID, now)
			if err != nil {
				return err
			}
			p = after
			returnVisit := patient.ReturnVisit(before, in, set)
			booking := (after.State == patient.StateWaiting || returnVisit) && after.OrderTime != nil &&
				(!patient.SameValue(before.OrderTime, after.OrderTime) || before.State != after.State || returnVisit ||
					!patient.SameValue(before.DoctorID, after.DoctorID))
			switch {
			case booking:
				return bookFromEdit(tx, v, after, loc, now)
			case after.State == patient.StateArrived && before.State != patient.StateArrived:
				return endOpen(tx, v, after.ID, StatusArrived, dayOf(now, loc), now)
			case after.State == patient.StateLost && before.State != patient.StateLost:
				return endOpen(tx, v, after.ID, StatusCancelled, [2]int64{now.Unix(), 1<<62 - 1}, now)
			}
			return nil
		})
	})
	return p, err
}

// bookFromEdit makes the patient's open appointment the one its edit
// says: moved to its order time and doctor, or booked when it has none.
func bookFromEdit(tx *gorm.DB, v access.Viewer, p patient.Patient, loc *time.Location, now time.Time) error {
	var open Appointment
	err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where(clause.Eq{Column: "patient_id", Value: p.ID}).
		Where(clause.Eq{Column: "status", Value: StatusBooked}).Order("start_time").Limit(1).Take(&open).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		userID := v.UserID
		a := Appointment{PatientID: p.ID, DoctorID: p.DoctorID, StartTime: *p.OrderTime, Status: StatusBooked,
			BookedBy: &userID, BookedByName: v.Username, CreatedAt: now, UpdatedAt: now}
		if err := insert(tx, &a, loc); err != nil {
			return err
		}
		return oplog.RecordOp(tx, v, oplog.OpAppointment, oplog.TargetPatient, p.ID, map[string]any{"appointment": a.ID, "booked": a.StartTime}, now)
	}
	if err != nil {
		return err
	}
	if open.StartTime == *p.OrderTime && patient.SameValue(open.DoctorID, p.DoctorID) {
		return nil
	}
	a, from := open, open.StartTime
	if err := move(tx, &a, *p.OrderTime, p.DoctorID, loc); err != nil {
		return err
	}
	if err := write(tx, &a, loc, now); err != nil {
		return err
	}
	return oplog.RecordOp(tx, v, oplog.OpAppointment, oplog.TargetPatient, p.ID,
		map[string]any{"appointment": a.ID, "moved_from": from, "moved_to": a.StartTime}, now)
}

// endOpen ends the patient's booked appointments starting within span
// with status (arrived: today's; cancelled: those to come).
func endOpen(tx *gorm.DB, v access.Viewer, patientID uint64, status string, span [2]int64, now time.Time) error {
	update := map[string]any{"status": status, "updated_at": now}
	if status == StatusCancelled {
		update["seat"] = nil
	}
	res := tx.Model(&Appointment{}).Where(clause.Eq{Column: "patient_id", Value: patientID}).
		Where(clause.Eq{Column: "status", Value: StatusBooked}).Where("start_time BETWEEN ? AND ?", span[0], span[1]).
		Updates(update)
	if res.Error != nil || res.RowsAffected == 0 {
		return res.Error
	}
	if err := reminder.CancelWithin(tx, patientID, span, now); err != nil {
		return err
	}
	return oplog.RecordOp(tx, v, oplog.OpAppointment, oplog.TargetPatient, patientID,
		map[string]any{"status": status, "appointments": res.RowsAffected}, now)
}

// dayOf is the clinic's day around now, as unix seconds from its first to
// its last.
func dayOf(now time.Time, loc *time.Location) [2]int64 {
	y, m, d := now.In(loc).Date()
	start := time.Date(y, m, d, 0, 0, 0, 0, loc)
	return [2]int64{start.Unix(), start.AddDate(0, 0, 1).Unix() - 1}
}

// BookRegistered writes the appointment of a patient registered as booked
// (state 1 with an order time), in the registration's transaction: a full
// slot refuses the registration (46002) and nothing of it is stored.
func BookRegistered(tx *gorm.DB, v access.Viewer, p patient.Patient, loc *time.Location, now time.Time) error {
	userID := v.UserID
	a := Appointment{PatientID: p.ID, DoctorID: p.DoctorID, StartTime: *p.OrderTime, Status: StatusBooked,
		BookedBy: &userID, BookedByName: v.Username, CreatedAt: now, UpdatedAt: now}
	return insert(tx, &a, loc)
}

// FollowVisit brings the book in step with a visit of the patient (the
// console books and arrives by visits): a booking at orderTime books the
// patient's open appointment there with the visit's doctor (or the
// patient's), or moves it; an arrival arrives the patient's appointments
// of the clinic's today. A full slot or a time off the schedule refuses
// the visit, as it would the booking.
func FollowVisit(tx *gorm.DB, v access.Viewer, p patient.Patient, orderTime int64, doctorID *uint64, arrived bool, loc *time.Location, now time.Time) error {
	if arrived {
		return endOpen(tx, v, p.ID, StatusArrived, dayOf(now, loc), now)
	}
	p.OrderTime = &orderTime
	if doctorID != nil {
		p.DoctorID = doctorID
	}
	return bookFromEdit(tx, v, p, loc, now)
}

// ImportBooked writes the appointments of imported patients still booked
// (state 1 with an order time), as the book holds them: with their doctor,
// for UnscheduledMinutes, holding no seat (the old system kept no
// capacity), booked by actor. No reminders: the old bookings were made
// before the clinic's rules.
func ImportBooked(tx *gorm.DB, patients []patient.Patient, actor string, now time.Time) error {
	var rows []Appointment
	for _, p := range patients {
		if p.State != patient.StateWaiting || p.OrderTime == nil {
			continue
		}
		rows = append(rows, Appointment{PatientID: p.ID, DoctorID: p.DoctorID, StartTime: *p.OrderTime,
			EndTime: *p.OrderTime + UnscheduledMinutes*60, Status: StatusBooked, BookedByName: actor, CreatedAt: now, UpdatedAt: now})
	}
	if len(rows) == 0 {
		return nil
	}
	return tx.CreateInBatches(rows, 500).Error
}
