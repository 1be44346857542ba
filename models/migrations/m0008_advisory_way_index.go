package migrations

import "gorm.io/gorm"

// Patients store the advisory way's name: counting its patients, renaming
// it and grouping reports by it all look the column up.
func indexAdvisoryWay(tx *gorm.DB) error {
	return tx.Exec("CREATE INDEX idx_patients_advisory_way ON patients (advisory_way)").Error
}
