package migrations

import (
	"time"

	"gorm.io/gorm"

	"crm/internal/searchkey"
)

// Migration 0012 makes every screen of the patient pool an index walk of a
// few dozen rows at a million patients (docs/performance.md):
//
//   - patient_counts holds how many patients there are per author, state and
//     bin, for all time, per 32 days and per 6 hours of add_time, with rows for
//     "all authors" (author_id 0) and "all states" (state -1): the total of
//     the pool, of the bin, of a state or an author is one row, and finding
//     where page 10,000 starts is two short ranges.
//   - patient_facets holds the same per doctor, media channel and disease
//     (and author and bin): the total of such a filter is a row per author.
//   - Both count only the patients registered before
//     patient_count_seal.counted_before, which the server moves forward
//     every minute; the few newer ones are counted in the indexes. So a
//     registration, and any change to a recent patient, writes no counter:
//     every write would otherwise wait for the one before it on the same
//     rows, through its commit.
//   - patient_terms holds every substring of up to three characters of each
//     name, with the author, add_time and bin of its patient: part of a name
//     is one range of it, already in the list's order.
//   - tel_rev is the phone's digits reversed: a number's last digits are a
//     prefix of it, which an index finds.
//   - each column the list sorts or filters by leads an index that goes on
//     with add_time and id (the order of ties), then deleted_at and
//     author_id, so a sort by it, a filter on it, its count and a
//     consultant's share of it are read from the index; author_id leads one
//     that covers every filter.

// patientCount0012: n patients by author_id (0: everyone) in state (-1:
// every state), in the bin or not, registered in a span of time: span 0 is
// all time (bucket 0), span 2 the 6 hours of bucket add_time DIV 21600,
// span 1 the 128 of those (32 days) of bucket add_time DIV 21600 DIV 128.
type patientCount0012 struct {
	Deleted  bool   `gorm:"primaryKey;autoIncrement:false"`
	AuthorID uint64 `gorm:"primaryKey;autoIncrement:false"`
	State    int8   `gorm:"primaryKey;autoIncrement:false;type:tinyint"`
	Span     int8   `gorm:"primaryKey;autoIncrement:false;type:tinyint"`
	Bucket   int64  `gorm:"primaryKey;autoIncrement:false"`
	N        int64  `gorm:"not null"`
}

func (patientCount0012) TableName() string { return "patient_counts" }

// patientFacet0012: n patients by doctor (facet 1), media channel (2) or
// disease (3), value 0 standing for none, per author, in the bin or not:
// the total of a dictionary filter, read from at most one row per author.
type patientFacet0012 struct {
	Deleted  bool   `gorm:"primaryKey;autoIncrement:false"`
	Facet    int8   `gorm:"primaryKey;autoIncrement:false;type:tinyint"`
	Value    uint64 `gorm:"primaryKey;autoIncrement:false"`
	AuthorID uint64 `gorm:"primaryKey;autoIncrement:false"`
	N        int64  `gorm:"not null"`
}

func (patientFacet0012) TableName() string { return "patient_facets" }

// patientCountSeal0012 is one row: the counts cover the patients whose
// add_time is below CountedBefore. It starts at 0, nothing counted: the
// server counts what there is when it starts.
type patientCountSeal0012 struct {
	ID            int8  `gorm:"primaryKey;autoIncrement:false"`
	CountedBefore int64 `gorm:"not null"`
}

func (patientCountSeal0012) TableName() string { return "patient_count_seal" }

// patientTerm0012: one row per distinct term of a patient's name. The
// primary key is the search order (term, bin, add_time, id); deleting a
// patient's rows needs its old name, bin flag and add_time, which every
// write has read.
type patientTerm0012 struct {
	Term      string `gorm:"primaryKey;type:varchar(3)"`
	Deleted   bool   `gorm:"primaryKey;autoIncrement:false"`
	AddTime   int64  `gorm:"primaryKey;autoIncrement:false"`
	PatientID uint64 `gorm:"primaryKey;autoIncrement:false"`
	AuthorID  uint64 `gorm:"not null"`
}

func (patientTerm0012) TableName() string { return "patient_terms" }

type patient0012 struct {
	TelRev string `gorm:"type:varchar(20);not null;default:''"`
}

func (patient0012) TableName() string { return "patients" }

// The MySQL form of the index changes: one ALTER, so InnoDB builds every
// new index in one pass over the table, and atomically (MariaDB ≥ 10.6,
// MySQL 8), so a re-run after a failure finds all of it done or none. The
// foreign keys move to the new indexes their columns lead.
const alterIndexesMySQL0012 = "ALTER TABLE patients " +
	"ADD INDEX idx_patients_author_cover (author_id, add_time, id, deleted_at, state, doctor_id, media_from_id, disease_id, order_time, reach_time), " +
	"ADD INDEX idx_patients_state_sort (state, add_time, id, deleted_at, author_id), " +
	"ADD INDEX idx_patients_doctor_sort (doctor_id, add_time, id, deleted_at, author_id), " +
	"ADD INDEX idx_patients_media_sort (media_from_id, add_time, id, deleted_at, author_id), " +
	"ADD INDEX idx_patients_disease_sort (disease_id, add_time, id, deleted_at, author_id), " +
	"ADD INDEX idx_patients_sex_sort (sex, add_time, id, deleted_at, author_id), " +
	"ADD INDEX idx_patients_age_sort (age, add_time, id, deleted_at, author_id), " +
	"ADD INDEX idx_patients_name_sort (name, add_time, id, deleted_at, author_id), " +
	// The reports' covering date indexes of 0010, with add_time second.
	"ADD INDEX idx_patients_order_time_sort (order_time, add_time, id, deleted_at, author_id, state, media_from_id, doctor_id, disease_id), " +
	"ADD INDEX idx_patients_reach_time_sort (reach_time, add_time, id, deleted_at, author_id, state, order_time, media_from_id, doctor_id, disease_id), " +
	"ADD INDEX idx_patients_tel_rev (tel_rev, add_time, deleted_at, author_id), " +
	"DROP INDEX idx_patients_name, DROP INDEX idx_patients_tel_digits, DROP INDEX idx_patients_author_add_time, " +
	"DROP INDEX idx_patients_state_add_time, DROP INDEX idx_patients_disease_id, DROP INDEX idx_patients_media_from_id, " +
	"DROP INDEX idx_patients_doctor_id, DROP INDEX idx_patients_order_time_cover, DROP INDEX idx_patients_reach_time_cover"

// patientIndexes0012 declares the same indexes for SQLite, which creates
// them one statement at a time (the whole run is one transaction there).
type patientIndexes0012 struct {
	AuthorID    uint64     `gorm:"index:idx_patients_author_cover,priority:1;index:idx_patients_state_sort,priority:5;index:idx_patients_doctor_sort,priority:5;index:idx_patients_media_sort,priority:5;index:idx_patients_disease_sort,priority:5;index:idx_patients_sex_sort,priority:5;index:idx_patients_age_sort,priority:5;index:idx_patients_name_sort,priority:5;index:idx_patients_order_time_sort,priority:5;index:idx_patients_reach_time_sort,priority:5;index:idx_patients_tel_rev,priority:4"`
	AddTime     int64      `gorm:"index:idx_patients_author_cover,priority:2;index:idx_patients_state_sort,priority:2;index:idx_patients_doctor_sort,priority:2;index:idx_patients_media_sort,priority:2;index:idx_patients_disease_sort,priority:2;index:idx_patients_sex_sort,priority:2;index:idx_patients_age_sort,priority:2;index:idx_patients_name_sort,priority:2;index:idx_patients_order_time_sort,priority:2;index:idx_patients_reach_time_sort,priority:2;index:idx_patients_tel_rev,priority:2"`
	ID          uint64     `gorm:"primaryKey;index:idx_patients_author_cover,priority:3;index:idx_patients_state_sort,priority:3;index:idx_patients_doctor_sort,priority:3;index:idx_patients_media_sort,priority:3;index:idx_patients_disease_sort,priority:3;index:idx_patients_sex_sort,priority:3;index:idx_patients_age_sort,priority:3;index:idx_patients_name_sort,priority:3;index:idx_patients_order_time_sort,priority:3;index:idx_patients_reach_time_sort,priority:3"`
	DeletedAt   *time.Time `gorm:"index:idx_patients_author_cover,priority:4;index:idx_patients_state_sort,priority:4;index:idx_patients_doctor_sort,priority:4;index:idx_patients_media_sort,priority:4;index:idx_patients_disease_sort,priority:4;index:idx_patients_sex_sort,priority:4;index:idx_patients_age_sort,priority:4;index:idx_patients_name_sort,priority:4;index:idx_patients_order_time_sort,priority:4;index:idx_patients_reach_time_sort,priority:4;index:idx_patients_tel_rev,priority:3"`
	State       int8       `gorm:"index:idx_patients_author_cover,priority:5;index:idx_patients_state_sort,priority:1;index:idx_patients_order_time_sort,priority:6;index:idx_patients_reach_time_sort,priority:6"`
	DoctorID    *uint64    `gorm:"index:idx_patients_author_cover,priority:6;index:idx_patients_doctor_sort,priority:1;index:idx_patients_order_time_sort,priority:8;index:idx_patients_reach_time_sort,priority:9"`
	MediaFromID *uint64    `gorm:"column:media_from_id;index:idx_patients_author_cover,priority:7;index:idx_patients_media_sort,priority:1;index:idx_patients_order_time_sort,priority:7;index:idx_patients_reach_time_sort,priority:8"`
	DiseaseID   *uint64    `gorm:"index:idx_patients_author_cover,priority:8;index:idx_patients_disease_sort,priority:1;index:idx_patients_order_time_sort,priority:9;index:idx_patients_reach_time_sort,priority:10"`
	OrderTime   *int64     `gorm:"index:idx_patients_author_cover,priority:9;index:idx_patients_order_time_sort,priority:1;index:idx_patients_reach_time_sort,priority:7"`
	ReachTime   *int64     `gorm:"index:idx_patients_author_cover,priority:10;index:idx_patients_reach_time_sort,priority:1"`
	Sex         int8       `gorm:"index:idx_patients_sex_sort,priority:1"`
	Age         *int16     `gorm:"index:idx_patients_age_sort,priority:1"`
	Name        string     `gorm:"index:idx_patients_name_sort,priority:1"`
	TelRev      string     `gorm:"index:idx_patients_tel_rev,priority:1"`
}

func (patientIndexes0012) TableName() string { return "patients" }

var newIndexes0012 = []string{
	"idx_patients_author_cover", "idx_patients_state_sort", "idx_patients_doctor_sort", "idx_patients_media_sort",
	"idx_patients_disease_sort", "idx_patients_sex_sort", "idx_patients_age_sort", "idx_patients_name_sort",
	"idx_patients_order_time_sort", "idx_patients_reach_time_sort", "idx_patients_tel_rev",
}

var droppedIndexes0012 = []string{
	"idx_patients_name", "idx_patients_tel_digits", "idx_patients_author_add_time", "idx_patients_state_add_time",
	"idx_patients_disease_id", "idx_patients_media_from_id", "idx_patients_doctor_id",
	"idx_patients_order_time_cover", "idx_patients_reach_time_cover",
}

func indexesSQLite0012(tx *gorm.DB) error {
	m := tx.Migrator()
	for _, name := range newIndexes0012 {
		if err := m.CreateIndex(&patientIndexes0012{}, name); err != nil {
			return err
		}
	}
	for _, name := range append(droppedIndexes0012, "idx_patients_wechat") {
		if err := m.DropIndex("patients", name); err != nil {
			return err
		}
	}
	// SQLite compares text exactly unless told otherwise; WeChat ids are
	// searched whatever their case, as MySQL's collation does.
	return tx.Exec("CREATE INDEX idx_patients_wechat_nocase ON patients (wechat COLLATE NOCASE)").Error
}

// firstError runs steps in order until one fails.
func firstError(steps ...func() error) error {
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// patientPoolIndexes is written to be re-run after a failure part-way on
// MySQL, where DDL is not transactional: each step checks what is there,
// and the derived tables are filled from scratch.
func patientPoolIndexes(tx *gorm.DB) error {
	m := tx.Migrator()
	mysql := tx.Dialector.Name() == "mysql"
	if !m.HasColumn(&patient0012{}, "TelRev") {
		if err := m.AddColumn(&patient0012{}, "TelRev"); err != nil {
			return err
		}
	}
	if err := fillTelRev0012(tx); err != nil {
		return err
	}
	switch {
	case m.HasIndex("patients", "idx_patients_author_cover"):
	case mysql:
		if err := tx.Exec(alterIndexesMySQL0012).Error; err != nil {
			return err
		}
	default:
		if err := indexesSQLite0012(tx); err != nil {
			return err
		}
	}
	// Left by a run that failed part-way? Filled again from scratch. (Not
	// Migrator().DropTable: on MySQL it needs a connection of its own.)
	err := firstError(
		func() error { return tx.Exec("DROP TABLE IF EXISTS patient_counts").Error },
		func() error { return tx.Exec("DROP TABLE IF EXISTS patient_facets").Error },
		func() error { return tx.Exec("DROP TABLE IF EXISTS patient_count_seal").Error },
		func() error { return tx.Exec("DROP TABLE IF EXISTS patient_terms").Error })
	if err != nil {
		return err
	}
	err = withTableOptions(tx).Migrator().CreateTable(&patientCount0012{}, &patientFacet0012{}, &patientCountSeal0012{}, &patientTerm0012{})
	if err != nil {
		return err
	}
	if err := tx.Create(&patientCountSeal0012{ID: 1}).Error; err != nil {
		return err
	}
	if mysql {
		// Terms are compared as the code normalized them, byte for byte:
		// a binary string, since MySQL's _bin collations ignore trailing
		// spaces and would take "s " for "s".
		err := tx.Exec("ALTER TABLE patient_terms MODIFY term varbinary(12) NOT NULL").Error
		if err != nil {
			return err
		}
	}
	return fillTerms0012(tx)
}

func fillTelRev0012(tx *gorm.DB) error {
	if tx.Dialector.Name() == "mysql" {
		return tx.Exec("UPDATE patients SET tel_rev = REVERSE(tel_digits) WHERE tel_digits <> '' AND tel_rev = ''").Error
	}
	// SQLite has no REVERSE.
	var after uint64
	for {
		var rows []struct {
			ID        uint64
			TelDigits string
		}
		err := tx.Raw("SELECT id, tel_digits FROM patients WHERE id > ? AND tel_digits <> '' AND tel_rev = '' ORDER BY id LIMIT 1000", after).
			Scan(&rows).Error
		if err != nil || len(rows) == 0 {
			return err
		}
		for _, r := range rows {
			if err := tx.Exec("UPDATE patients SET tel_rev = ? WHERE id = ?", searchkey.Reverse(r.TelDigits), r.ID).Error; err != nil {
				return err
			}
		}
		after = rows[len(rows)-1].ID
	}
}

// fillTerms0012 reads the patients in id order, a batch at a time.
func fillTerms0012(tx *gorm.DB) error {
	const batch = 2000
	var after uint64
	for {
		var patients []struct {
			ID        uint64
			Name      string
			AuthorID  uint64
			AddTime   int64
			DeletedAt *time.Time
		}
		err := tx.Raw("SELECT id, name, author_id, add_time, deleted_at FROM patients WHERE id > ? ORDER BY id LIMIT ?", after, batch).
			Scan(&patients).Error
		if err != nil || len(patients) == 0 {
			return err
		}
		var terms []patientTerm0012
		for _, p := range patients {
			for _, term := range searchkey.Terms(p.Name) {
				terms = append(terms, patientTerm0012{Term: term, Deleted: p.DeletedAt != nil, AddTime: p.AddTime,
					PatientID: p.ID, AuthorID: p.AuthorID})
			}
		}
		if len(terms) > 0 {
			if err := tx.CreateInBatches(terms, 1000).Error; err != nil {
				return err
			}
		}
		after = patients[len(patients)-1].ID
	}
}
