package patient

import (
	"context"
	"crm/apierr"
	"crm/models/access"
	"crm/models/oplog"
	"crm/models/staff"
	"crm/models/store"
	"errors"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Reassignment moves patients to another author: those listed by id, or
// those the filter selects (whose author filter names whom they move from).
type Reassignment struct {
	IDs    []uint64 // nil: by Filter
	Filter PatientFilter
	To     uint64
}

// MaxReassigned bounds one reassignment: it is one transaction, and a
// history entry a patient.
const MaxReassigned = 100_000

// reassignBatch is how many patients one UPDATE moves.
const reassignBatch = 1000

var (
	ErrReassignTarget   = apierr.Invalid("to_author_id") // unknown or disabled
	ErrReassignTooMany  = apierr.Invalid("too many patients; narrow the filter")
	ErrReassignNeedFrom = apierr.Missing("author_id")
)

// ReassignPatients moves the selected patients the viewer may see to r.To,
// in one transaction: their author and derived rows, a history entry each,
// one operation-log entry. Patients the target already has are left as
// they are. Listed ids must all be visible and out of the bin (else 46001,
// nothing moves).
func ReassignPatients(ctx context.Context, db *gorm.DB, v access.Viewer, r Reassignment, now time.Time) (int, error) {
	if !v.Can(access.PermPatientReassign) {
		return 0, apierr.ErrForbidden
	}
	if r.IDs == nil && r.Filter.AuthorID == nil {
		return 0, ErrReassignNeedFrom
	}
	moved := 0
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		seal, err := WriteSeal(tx)
		if err != nil {
			return err
		}
		var target struct{ Enabled bool }
		err = tx.Model(&staff.User{}).Select("enabled").Where(clause.Eq{Column: "id", Value: r.To}).Take(&target).Error
		if errors.Is(err, gorm.ErrRecordNotFound) || err == nil && !target.Enabled {
			return ErrReassignTarget
		}
		if err != nil {
			return err
		}
		patients, err := reassignedPatients(tx, v, r)
		if err != nil {
			return err
		}
		moved = len(patients)
		if moved == 0 {
			return nil
		}
		return movePatients(tx, v, seal, patients, r, now)
	})
	return moved, err
}

// reassignedPatients reads and locks the patients r moves.
func reassignedPatients(tx *gorm.DB, v access.Viewer, r Reassignment) ([]Patient, error) {
	var query *gorm.DB
	if r.IDs != nil {
		query = access.Scoped(tx.Model(&Patient{}), v).Where(clause.IN{Column: clause.Column{Table: "patients", Name: "id"}, Values: store.ToAny(r.IDs)})
	} else {
		query = VisiblePatients(tx, v, r.Filter)
	}
	rows, err := listed(query.Clauses(clause.Locking{Strength: "UPDATE"}).Limit(MaxReassigned + 1))
	if err != nil {
		return nil, err
	}
	if r.IDs != nil && len(rows) != len(slices.Compact(slices.Sorted(slices.Values(r.IDs)))) {
		return nil, apierr.ErrNotFound
	}
	if len(rows) > MaxReassigned {
		return nil, ErrReassignTooMany
	}
	return slices.DeleteFunc(rows, func(p Patient) bool { return p.AuthorID == r.To }), nil
}

func movePatients(tx *gorm.DB, v access.Viewer, seal int64, patients []Patient, r Reassignment, now time.Time) error {
	deltas := newDerivedDeltas()
	history := make([]PatientHistoryEntry, len(patients))
	to := optionalID(&r.To)
	for i, before := range patients {
		after := before
		after.AuthorID = r.To
		if before.AddTime < seal {
			deltas.add(before, -1)
			deltas.add(after, +1)
		}
		entry, err := NewHistoryEntry(v, before.ID, ActionReassign,
			[]oplog.Change{{Field: "authorId", From: optionalID(&before.AuthorID), To: to}}, now)
		if err != nil {
			return err
		}
		history[i] = entry
	}
	for batch := range slices.Chunk(patients, reassignBatch) {
		ids := make([]any, len(batch))
		for i, p := range batch {
			ids[i] = p.ID
		}
		err := tx.Model(&Patient{}).Where(clause.IN{Column: "id", Values: ids}).
			Updates(map[string]any{"author_id": r.To, "updated_at": now}).Error
		if err != nil {
			return err
		}
		err = tx.Model(&patientTerm{}).Where(clause.IN{Column: "patient_id", Values: ids}).
			Update("author_id", r.To).Error
		if err != nil {
			return err
		}
		err = tx.Table(VisitsTable).Where(clause.IN{Column: "patient_id", Values: ids}).
			Updates(map[string]any{"author_id": r.To, "updated_at": tx.NowFunc()}).Error
		if err != nil {
			return err
		}
	}
	if err := deltas.apply(tx); err != nil {
		return err
	}
	if err := store.CreateInBatches(tx, history, ImportInsertRows); err != nil {
		return err
	}
	summary := map[string]any{"to": r.To, "count": len(patients)}
	if r.IDs != nil {
		summary["ids"] = len(r.IDs)
	} else {
		summary["filter"] = r.Filter.Summary()
	}
	return oplog.RecordOp(tx, v, oplog.OpPatientReassign, oplog.TargetPatient, 0, summary, now)
}
