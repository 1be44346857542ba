package migrations

import (
	"time"

	"gorm.io/gorm"
)

// Migration 0014 adds the paid-search attribution the later Laravel
// version of the original project had: the keyword (关键词) a lead searched
// for and the landing page (页面url) it arrived on. The list filters by
// each (the keyword exactly, the landing page by its beginning), so each
// leads an index that goes on as the pool's others do (0012).
type patient0014 struct {
	Keyword     *string    `gorm:"type:varchar(100);index:idx_patients_keyword_sort,priority:1"`
	LandingPage *string    `gorm:"type:varchar(500);index:idx_patients_landing_page_sort,priority:1"`
	AddTime     int64      `gorm:"index:idx_patients_keyword_sort,priority:2;index:idx_patients_landing_page_sort,priority:2"`
	ID          uint64     `gorm:"primaryKey;index:idx_patients_keyword_sort,priority:3;index:idx_patients_landing_page_sort,priority:3"`
	DeletedAt   *time.Time `gorm:"index:idx_patients_keyword_sort,priority:4;index:idx_patients_landing_page_sort,priority:4"`
	AuthorID    uint64     `gorm:"index:idx_patients_keyword_sort,priority:5;index:idx_patients_landing_page_sort,priority:5"`
}

func (patient0014) TableName() string { return "patients" }

// One ALTER on MySQL: both columns (instant on MariaDB) and both indexes
// in one pass over the table, atomically.
const alterMarketingMySQL0014 = "ALTER TABLE patients " +
	"ADD COLUMN keyword varchar(100) NULL, ADD COLUMN landing_page varchar(500) NULL, " +
	"ADD INDEX idx_patients_keyword_sort (keyword, add_time, id, deleted_at, author_id), " +
	"ADD INDEX idx_patients_landing_page_sort (landing_page, add_time, id, deleted_at, author_id)"

func addMarketingFields(tx *gorm.DB) error {
	m := tx.Migrator()
	if m.HasColumn(&patient0014{}, "Keyword") {
		return nil // done by an earlier run whose ledger entry was lost
	}
	if tx.Dialector.Name() == "mysql" {
		return tx.Exec(alterMarketingMySQL0014).Error
	}
	for _, column := range []string{"Keyword", "LandingPage"} {
		if err := m.AddColumn(&patient0014{}, column); err != nil {
			return err
		}
	}
	for _, index := range []string{"idx_patients_keyword_sort", "idx_patients_landing_page_sort"} {
		if err := m.CreateIndex(&patient0014{}, index); err != nil {
			return err
		}
	}
	return nil
}
