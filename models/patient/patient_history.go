package patient

import (
	"context"
	"crm/models/access"
	"crm/models/oplog"
	"crm/models/store"
	"encoding/json"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// History actions.
const (
	ActionCreate   = "create"
	ActionUpdate   = "update"
	ActionState    = "state" // an edit that changed the state (and maybe more)
	ActionDelete   = "delete"
	ActionRestore  = "restore"
	ActionReassign = "reassign"    // moved to another author by a bulk reassignment
	ActionFollowup = "followup"    // a follow-up recorded (and the next time it set)
	ActionVisit    = "visit"       // a visit booked or changed (and what it changed of the patient)
	ActionBooking  = "appointment" // an appointment booked, moved, cancelled or marked (and what it changed)
)

type PatientHistoryEntry struct {
	ID        uint64
	PatientID uint64
	UserID    *uint64
	Username  string
	Action    string
	Address   string
	Changes   string // JSON array of Change
	CreatedAt time.Time
}

func (PatientHistoryEntry) TableName() string { return "patient_history" }

// diffPatients lists the fields that differ between before and after.
func DiffPatients(before, after Patient) []oplog.Change {
	old, now := before.ContractValues(), after.ContractValues()
	changes := []oplog.Change{}
	for i := range now {
		if !SameValue(old[i].Value, now[i].Value) {
			changes = append(changes, oplog.Change{Field: now[i].Name, From: old[i].Value, To: now[i].Value})
		}
	}
	return changes
}

// creationChanges lists the fields a new patient was given: those with a
// value, but for the fields it cannot be given (revenue), which are listed
// only when other than a blank patient's.
func CreationChanges(p Patient) []oplog.Change {
	changes := []oplog.Change{}
	blank := (&Patient{}).ContractValues()
	for i, f := range p.ContractValues() {
		if f.Value != nil && (patientFields[i].Writable || !SameValue(f.Value, blank[i].Value)) {
			changes = append(changes, oplog.Change{Field: f.Name, To: f.Value})
		}
	}
	return changes
}

func NewHistoryEntry(v access.Viewer, patientID uint64, action string, changes []oplog.Change, now time.Time) (PatientHistoryEntry, error) {
	encoded, err := json.Marshal(changes)
	if err != nil {
		return PatientHistoryEntry{}, err
	}
	userID := v.UserID
	return PatientHistoryEntry{PatientID: patientID, UserID: &userID, Username: v.Username, Action: action,
		Address: store.BoundedText(v.Address, 45), Changes: string(encoded), CreatedAt: now}, nil
}

func RecordHistory(tx *gorm.DB, v access.Viewer, patientID uint64, action string, changes []oplog.Change, now time.Time) error {
	entry, err := NewHistoryEntry(v, patientID, action, changes, now)
	if err != nil {
		return err
	}
	return tx.Create(&entry).Error
}

// HistoryEntry is an entry as a viewer may see it.
type HistoryEntry struct {
	PatientHistoryEntry
	Changes []oplog.Change
}

// PatientHistory returns a page of the patient's history, newest first,
// and the number of entries. The patient must be visible to v; a patient in
// the bin is visible to those who may restore it. Phone numbers in the
// changes are masked as the patient's own would be.
func PatientHistory(ctx context.Context, db *gorm.DB, v access.Viewer, id uint64, page, perPage int) ([]HistoryEntry, int64, error) {
	db = db.WithContext(ctx)
	p, err := FindScoped(db, v, id, v.Can(access.PermPatientRestore))
	if err != nil {
		return nil, 0, err
	}
	q := db.Model(&PatientHistoryEntry{}).Where(clause.Eq{Column: "patient_id", Value: p.ID})
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var rows []PatientHistoryEntry
	err = q.Order("id DESC").Offset((page - 1) * perPage).Limit(perPage).Find(&rows).Error
	if err != nil {
		return nil, 0, err
	}
	entries := make([]HistoryEntry, len(rows))
	for i, row := range rows {
		var changes []oplog.Change
		if err := json.Unmarshal([]byte(row.Changes), &changes); err != nil {
			return nil, 0, err
		}
		for j := range changes {
			if changes[j].Field == "tel" {
				changes[j].From = p.telValueFor(v, changes[j].From)
				changes[j].To = p.telValueFor(v, changes[j].To)
			}
		}
		entries[i] = HistoryEntry{PatientHistoryEntry: row, Changes: changes}
	}
	return entries, total, nil
}

// importInsertRows bounds a multi-row INSERT: a patient has some twenty
// columns, and SQLite allows 32,766 placeholders in one statement.
const ImportInsertRows = 500

// InsertPatients writes patients as they are (their ids kept when set),
// with their derived rows and nothing else: no history, no operation log.
// Bulk loads use it; everything else registers patients one by one.
func InsertPatients(tx *gorm.DB, patients []Patient) error {
	if len(patients) == 0 {
		return nil
	}
	seal, err := WriteSeal(tx)
	if err != nil {
		return err
	}
	for i := range patients {
		patients[i].SetTel(patients[i].Tel)
	}
	if err := store.CreateInBatches(tx, patients, ImportInsertRows); err != nil {
		return err
	}
	return syncDerivedBatch(tx, seal, patients)
}

// ImportPatients writes patients taken from the old backend (their ids kept
// when set), each with a creation entry in its history by actor. Rows go in
// a few multi-row INSERTs: one per row made a large import crawl.
func ImportPatients(tx *gorm.DB, patients []Patient, actor string, now time.Time) error {
	if len(patients) == 0 {
		return nil
	}
	if err := InsertPatients(tx, patients); err != nil {
		return err
	}
	entries := make([]PatientHistoryEntry, len(patients))
	for i, p := range patients {
		encoded, err := json.Marshal(CreationChanges(p))
		if err != nil {
			return err
		}
		entries[i] = PatientHistoryEntry{PatientID: p.ID, Username: store.BoundedText(actor, 32), Action: ActionCreate,
			Changes: string(encoded), CreatedAt: now}
	}
	return store.CreateInBatches(tx, entries, ImportInsertRows)
}
