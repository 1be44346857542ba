package appointment

import (
	"context"
	"crm/models/oplog"
	"crm/models/patient"
	"encoding/json"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// noShowBatch bounds one transaction of the no-show job, so it never holds
// many appointment rows locked at once.
const noShowBatch = 500

// SystemName is who the patient's history says made a change no user made.
const SystemName = "系统"

// MarkNoShows marks no_show every appointment still booked whose slot
// ended more than grace before now, in batches, each patient's history
// saying so. Several server processes may run it at once: a batch locks
// its rows (FOR UPDATE; SQLite has one writer) and changes only those
// still booked, so each appointment is marked, and recorded, once.
func MarkNoShows(ctx context.Context, db *gorm.DB, now time.Time, grace time.Duration) (int, error) {
	cutoff := now.Add(-grace).Unix()
	marked := 0
	for {
		var batch []Appointment
		err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).
				Where(clause.Eq{Column: "status", Value: StatusBooked}).Where("end_time < ?", cutoff).
				Order("status, end_time").Limit(noShowBatch).Find(&batch).Error; err != nil {
				return err
			}
			if len(batch) == 0 {
				return nil
			}
			ids := make([]uint64, len(batch))
			for i, a := range batch {
				ids[i] = a.ID
			}
			if err := tx.Model(&Appointment{}).Where("id IN ?", ids).Where(clause.Eq{Column: "status", Value: StatusBooked}).
				Updates(map[string]any{"status": StatusNoShow, "updated_at": now}).Error; err != nil {
				return err
			}
			entries := make([]patient.PatientHistoryEntry, len(batch))
			for i, a := range batch {
				entries[i] = patient.PatientHistoryEntry{PatientID: a.PatientID, Username: SystemName,
					Action: patient.ActionBooking, Changes: noShowChange, CreatedAt: now}
			}
			return tx.CreateInBatches(entries, 100).Error
		})
		if err != nil {
			return marked, err
		}
		marked += len(batch)
		if len(batch) < noShowBatch {
			return marked, nil
		}
	}
}

// noShowChange is what every no-show's history entry says changed.
var noShowChange = func() string {
	from, to := StatusBooked, StatusNoShow
	changes, err := json.Marshal([]oplog.Change{{Field: "appointment", From: &from, To: &to}})
	if err != nil {
		panic(err) // two strings always encode
	}
	return string(changes)
}()
