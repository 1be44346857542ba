package visit

import (
	"context"
	"crm/apierr"
	"crm/models/access"
	"crm/models/idempotency"
	"crm/models/oplog"
	"crm/models/patient"
	"crm/models/store"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Visit is one booking of a patient and, once it happened, its arrival:
// order and reach time, doctor, disease, first visit (初诊) or return
// (复诊), and the amount paid in fen. AuthorID and MediaFromID are its
// patient's, kept in step, for the revenue report.
type Visit struct {
	ID          uint64
	PatientID   uint64
	AuthorID    uint64
	MediaFromID *uint64 `gorm:"column:media_from_id"`
	OrderTime   int64
	ReachTime   *int64
	DoctorID    *uint64
	DiseaseID   *uint64
	First       bool
	Amount      int64 // fen
	UserID      *uint64
	Username    string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func (Visit) TableName() string { return patient.VisitsTable }

// MaxAmount bounds an amount: 100 million yuan, in fen.
const MaxAmount = 10_000_000_000

// VisitFieldSet marks the fields a visit write sends.
type VisitFieldSet uint8

const (
	VisitOrderTime VisitFieldSet = 1 << iota
	VisitReachTime
	VisitDoctor
	VisitDisease
	VisitFirst
	VisitAmount
)

// VisitInput is a visit as bound from a request; the fields in Set apply.
type VisitInput struct {
	OrderTime int64
	ReachTime *int64
	DoctorID  *uint64
	DiseaseID *uint64
	First     bool
	Amount    int64
	Set       VisitFieldSet
}

var ErrReachBeforeOrder = apierr.Invalid("reach_time")

// Booked brings the appointment book in step with a visit, in the visit's
// transaction: a booking books (or moves) the patient's open appointment,
// an arrival arrives it. Set by the routes (the book needs the clinic's
// zone); nil: visits touch no appointment.
type Booked func(tx *gorm.DB, v access.Viewer, p patient.Patient, visit Visit, now time.Time) error

// AddVisit books a visit of a patient the viewer may edit (as an edit:
// another's patient needs patient.edit_all). The patient follows: its
// order time becomes this booking's, it is booked (1) unless it has
// arrived, and a visit that has arrived makes it arrived (2, which needs
// patient.confirm_arrival) with its first reach time kept; a patient
// without a doctor or disease takes the visit's. First defaults to
// whether the patient had no visit yet. An amount needs visit.charge.
func AddVisit(ctx context.Context, db *gorm.DB, v access.Viewer, patientID uint64, in VisitInput, booked Booked, now time.Time) (Visit, patient.Patient, error) {
	var visit Visit
	var p patient.Patient
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		before, err := patient.LockEditable(tx, v, patientID)
		if err != nil {
			return err
		}
		if in.Set&VisitFirst == 0 {
			var earlier int64
			if err := tx.Model(&Visit{}).Where(clause.Eq{Column: "patient_id", Value: before.ID}).Count(&earlier).Error; err != nil {
				return err
			}
			in.First = earlier == 0
		}
		userID := v.UserID
		visit = Visit{PatientID: before.ID, UserID: &userID, Username: v.Username, CreatedAt: now}
		if err := visit.apply(tx, v, in, Visit{}); err != nil {
			return err
		}
		visit.AuthorID, visit.MediaFromID, visit.UpdatedAt = before.AuthorID, before.MediaFromID, now
		if err := tx.Create(&visit).Error; err != nil {
			return err
		}
		if err := idempotency.MarkIdempotencyCommitted(tx, ctx, visit.ID); err != nil {
			return err
		}
		after := before
		after.OrderTime = &visit.OrderTime
		if after.State != patient.StateArrived {
			after.State = patient.StateWaiting
		}
		if p, err = followVisit(tx, v, before, after, nil, &visit, now); err != nil || booked == nil {
			return err
		}
		return booked(tx, v, p, visit, now)
	})
	return visit, p, err
}

// UpdateVisit changes the fields in in.Set of a visit of a patient the
// viewer may edit; the patient follows as for AddVisit (an arrival makes
// it arrived; its order time follows the visit's if this is its latest
// booking).
func UpdateVisit(ctx context.Context, db *gorm.DB, v access.Viewer, visitID uint64, in VisitInput, booked Booked, now time.Time) (Visit, patient.Patient, error) {
	var visit Visit
	var p patient.Patient
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var old Visit
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where(clause.Eq{Column: "id", Value: visitID}).Take(&old).Error; err != nil {
			return store.NotFound(err)
		}
		before, err := patient.LockEditable(tx, v, old.PatientID)
		if err != nil {
			return err
		}
		visit = old
		if err := visit.apply(tx, v, in, old); err != nil {
			return err
		}
		if visit == old {
			p = before
			return nil
		}
		visit.UpdatedAt = now
		// A map, not Save: GORM would stamp updated_at with its own clock.
		err = tx.Model(&Visit{}).Where(clause.Eq{Column: "id", Value: visit.ID}).Updates(map[string]any{
			"order_time": visit.OrderTime, "reach_time": visit.ReachTime, "doctor_id": visit.DoctorID,
			"disease_id": visit.DiseaseID, "first": visit.First, "amount": visit.Amount, "updated_at": now}).Error
		if err != nil {
			return err
		}
		after := before
		latest := before.OrderTime != nil && *before.OrderTime == old.OrderTime
		if latest {
			after.OrderTime = &visit.OrderTime
		}
		if p, err = followVisit(tx, v, before, after, &old, &visit, now); err != nil || booked == nil {
			return err
		}
		if visit.ReachTime == nil && !latest || old.ReachTime != nil {
			return nil // an older booking's visit, or one arrived before: not the open appointment
		}
		return booked(tx, v, p, visit, now)
	})
	return visit, p, err
}

// apply copies the sent fields of in onto the visit (old: what it was)
// and checks them: the dictionaries, the times, who may charge.
func (visit *Visit) apply(tx *gorm.DB, v access.Viewer, in VisitInput, old Visit) error {
	if in.Set&VisitOrderTime != 0 {
		visit.OrderTime = in.OrderTime
	}
	if in.Set&VisitReachTime != 0 {
		visit.ReachTime = in.ReachTime
	}
	if in.Set&VisitDoctor != 0 {
		visit.DoctorID = in.DoctorID
	}
	if in.Set&VisitDisease != 0 {
		visit.DiseaseID = in.DiseaseID
	}
	if in.Set&VisitFirst != 0 || old.ID == 0 {
		visit.First = in.First
	}
	if in.Set&VisitAmount != 0 {
		if in.Amount != old.Amount && !v.Can(access.PermVisitCharge) {
			return apierr.ErrForbidden
		}
		visit.Amount = in.Amount
	}
	if visit.ReachTime != nil && *visit.ReachTime < visit.OrderTime-maxEarlyArrival {
		return ErrReachBeforeOrder
	}
	return patient.CheckPatientReferences(tx, patient.Patient{DoctorID: old.DoctorID, DiseaseID: old.DiseaseID},
		patient.Patient{DoctorID: visit.DoctorID, DiseaseID: visit.DiseaseID})
}

// maxEarlyArrival: a patient may come in before the booked time, but not
// days before it.
const maxEarlyArrival = 24 * 60 * 60

// followVisit brings the patient in step with a visit that went from old
// (nil: new) to visit: arrival, first reach time, doctor and disease where
// it has none, revenue; then writes it with its derived rows, history and
// log as an edit would.
func followVisit(tx *gorm.DB, v access.Viewer, before, after patient.Patient, old, visit *Visit, now time.Time) (patient.Patient, error) {
	if visit.ReachTime != nil && (old == nil || old.ReachTime == nil) {
		if after.ReachTime == nil || *visit.ReachTime < *after.ReachTime {
			after.ReachTime = visit.ReachTime
		}
		after.State = patient.StateArrived
	}
	if after.DoctorID == nil {
		after.DoctorID = visit.DoctorID
	}
	if after.DiseaseID == nil {
		after.DiseaseID = visit.DiseaseID
	}
	after.Revenue += visit.Amount
	if old != nil {
		after.Revenue -= old.Amount
	}
	if _, err := patient.SaveFollowed(tx, v, before, &after, patient.ActionVisit, now); err != nil {
		return after, err
	}
	action := "created"
	if old != nil {
		action = "updated"
	}
	summary := map[string]any{"visit": visit.ID, "visit_" + action: true, "amount": visit.Amount}
	return after, oplog.RecordOp(tx, v, oplog.OpPatientVisit, oplog.TargetPatient, after.ID, summary, now)
}

// PatientVisits lists a visible patient's visits by order time.
func PatientVisits(ctx context.Context, db *gorm.DB, v access.Viewer, patientID uint64) ([]Visit, error) {
	db = db.WithContext(ctx)
	p, err := patient.FindScoped(db, v, patientID, v.Can(access.PermPatientRestore))
	if err != nil {
		return nil, err
	}
	rows := []Visit{}
	err = db.Where(clause.Eq{Column: "patient_id", Value: p.ID}).Order("order_time, id").Find(&rows).Error
	return rows, err
}

// FindVisit is a visit of a patient the viewer sees.
func FindVisit(ctx context.Context, db *gorm.DB, v access.Viewer, id uint64) (Visit, error) {
	db = db.WithContext(ctx)
	var visit Visit
	if err := db.Where(clause.Eq{Column: "id", Value: id}).Take(&visit).Error; err != nil {
		return visit, store.NotFound(err)
	}
	if _, err := patient.FindScoped(db, v, visit.PatientID, v.Can(access.PermPatientRestore)); err != nil {
		return Visit{}, err
	}
	return visit, nil
}
