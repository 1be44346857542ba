package store

import "gorm.io/gorm"

// sqliteBatchValues bounds the values bound to one multi-row INSERT on
// SQLite: the pure-Go driver finds each placeholder's value by scanning the
// arguments, so a statement costs the square of its values (a 500-patient
// INSERT, 15,000 values, took 0.3 s; a 20,000-lead import spent 11 of its
// 15 s there). Rows are cheap to send one statement after another there:
// the database is in the process.
const sqliteBatchValues = 500

// createInBatches inserts rows (a slice of models) in multi-row INSERTs
// of up to batchRows rows, fewer on SQLite (sqliteBatchValues).
func CreateInBatches(tx *gorm.DB, rows any, batchRows int) error {
	if tx.Dialector.Name() == "sqlite" {
		stmt := &gorm.Statement{DB: tx}
		if err := stmt.Parse(rows); err != nil {
			return err
		}
		if columns := len(stmt.Schema.DBNames); columns > 0 {
			batchRows = max(1, min(batchRows, sqliteBatchValues/columns))
		}
	}
	return tx.CreateInBatches(rows, batchRows).Error
}
