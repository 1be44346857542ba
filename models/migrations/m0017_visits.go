package migrations

import (
	"time"

	"gorm.io/gorm"
)

// Migration 0017: visits (就诊). A patient books and arrives more than
// once; each visit has its order and reach time, doctor, disease, whether
// it was a first visit (初诊) or a return (复诊), and the amount paid in fen
// (分). A visit carries its patient's author and media channel, kept in
// step with the patient, so the revenue report reads one covering index
// range and no patient rows; the patient carries the sum of its amounts
// (revenue), so the funnel counts the paying patients without a join.
type patientVisit0017 struct {
	ID          uint64       `gorm:"primaryKey"`
	PatientID   uint64       `gorm:"not null;index:idx_visits_patient_order,priority:1"`
	Patient     *patient0001 `gorm:"foreignKey:PatientID;constraint:OnDelete:CASCADE"`
	AuthorID    uint64       `gorm:"not null;index:idx_visits_revenue,priority:2"`
	MediaFromID *uint64      `gorm:"column:media_from_id;index:idx_visits_revenue,priority:3"`
	OrderTime   int64        `gorm:"not null;index:idx_visits_patient_order,priority:2"`
	ReachTime   *int64       `gorm:"index:idx_visits_revenue,priority:1"`
	DoctorID    *uint64      `gorm:"index:idx_visits_revenue,priority:4"`
	DiseaseID   *uint64      `gorm:"index:idx_visits_revenue,priority:5"`
	First       bool         `gorm:"not null;index:idx_visits_revenue,priority:6"`
	Amount      int64        `gorm:"not null;default:0;index:idx_visits_revenue,priority:7"`
	UserID      *uint64      `gorm:"index:idx_visits_user"`
	User        *user0001    `gorm:"foreignKey:UserID;constraint:OnDelete:SET NULL"`
	Username    string       `gorm:"type:varchar(32);not null"`
	CreatedAt   time.Time    `gorm:"not null"`
	UpdatedAt   time.Time    `gorm:"not null"`
}

func (patientVisit0017) TableName() string { return "patient_visits" }

type patient0017 struct {
	Revenue int64 `gorm:"not null;default:0"`
}

func (patient0017) TableName() string { return "patients" }

func createVisits(tx *gorm.DB) error {
	m := tx.Migrator()
	if !m.HasTable(&patientVisit0017{}) {
		if err := withTableOptions(tx).Migrator().CreateTable(&patientVisit0017{}); err != nil {
			return err
		}
	}
	if m.HasColumn(&patient0017{}, "Revenue") {
		return nil
	}
	return m.AddColumn(&patient0017{}, "Revenue")
}

// grantCRMPermissions lets managers (and the superadmin) record amounts
// paid and import lead files.
func grantCRMPermissions(tx *gorm.DB) error {
	return addRolePermissions(tx, map[string][]string{
		"manager":    {"visit.charge", "patient.import"},
		"superadmin": {"visit.charge", "patient.import"},
	})
}
