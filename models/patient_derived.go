package models

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"crm/internal/searchkey"
)

// Rows derived from the patients, kept in step with them in the same
// transaction (migration 0012 explains what they are for):
// patient_counts, patient_facets, patient_terms and patients.tel_rev. Every write to a
// patient reports the patient before and after it to syncDerived;
// RebuildDerived recomputes them all (crm reindex).

// secondsPerDay is the width of a patient_counts bucket: unix days, not
// calendar days, since they only locate rows.
const secondsPerDay = 86400

// Rollup keys of patient_counts.
const (
	allAuthors uint64 = 0
	allStates  int8   = -1
)

type patientCount struct {
	Deleted  bool
	AuthorID uint64
	State    int8
	Day      int64
	N        int64
}

func (patientCount) TableName() string { return "patient_counts" }

// A facet is a dictionary a patient points at; its value 0 stands for none.
type patientFacet struct {
	Deleted  bool
	Facet    int8
	Value    uint64
	AuthorID uint64
	N        int64
}

func (patientFacet) TableName() string { return "patient_facets" }

const (
	facetDoctor  int8 = 1
	facetMedia   int8 = 2
	facetDisease int8 = 3
)

type facetKey struct {
	deleted bool
	facet   int8
	value   uint64
	author  uint64
}

func (k facetKey) compare(o facetKey) int {
	return cmp.Or(cmpBool(k.deleted, o.deleted), cmp.Compare(k.facet, o.facet),
		cmp.Compare(k.value, o.value), cmp.Compare(k.author, o.author))
}

// addFacets adds sign for p under its doctor, media channel and disease.
func addFacets(deltas map[facetKey]int64, p Patient, sign int64) {
	for _, f := range []struct {
		facet int8
		id    *uint64
	}{{facetDoctor, p.DoctorID}, {facetMedia, p.MediaFromID}, {facetDisease, p.DiseaseID}} {
		deltas[facetKey{p.DeletedAt.Valid, f.facet, ref(f.id), p.AuthorID}] += sign
	}
}

type patientTerm struct {
	Term      string
	Deleted   bool
	AddTime   int64
	PatientID uint64
	AuthorID  uint64
}

func (patientTerm) TableName() string { return "patient_terms" }

// dayOf is the patient_counts bucket of an add_time; Go's division
// truncates as MySQL's DIV and SQLite's integer / do.
func dayOf(addTime int64) int64 { return addTime / secondsPerDay }

type countKey struct {
	deleted bool
	author  uint64
	state   int8
	day     int64
}

func (k countKey) compare(o countKey) int {
	return cmp.Or(cmpBool(k.deleted, o.deleted), cmp.Compare(k.author, o.author),
		cmp.Compare(k.state, o.state), cmp.Compare(k.day, o.day))
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// addCounts adds sign for p under its four keys: its author and state,
// its author, its state, and everyone.
func addCounts(deltas map[countKey]int64, p Patient, sign int64) {
	deleted, day := p.DeletedAt.Valid, dayOf(p.AddTime)
	for _, author := range []uint64{p.AuthorID, allAuthors} {
		for _, state := range []int8{p.State, allStates} {
			deltas[countKey{deleted, author, state, day}] += sign
		}
	}
}

// syncDerived updates the derived rows of one patient going from before
// to after; nil stands for "not there" (created, purged).
func syncDerived(tx *gorm.DB, before, after *Patient) error {
	deltas, facets := map[countKey]int64{}, map[facetKey]int64{}
	if before != nil {
		addCounts(deltas, *before, -1)
		addFacets(facets, *before, -1)
	}
	if after != nil {
		addCounts(deltas, *after, +1)
		addFacets(facets, *after, +1)
	}
	if before == nil || after == nil || !sameTermKeys(*before, *after) {
		if before != nil {
			if err := deleteTerms(tx, *before); err != nil {
				return err
			}
		}
		if after != nil {
			if err := insertTerms(tx, termsOf(*after)); err != nil {
				return err
			}
		}
	}
	// Counts last: their rows are the most contended, so they are held
	// for the shortest time before the commit.
	if err := applyFacets(tx, facets); err != nil {
		return err
	}
	return applyCounts(tx, deltas)
}

// syncDerivedBatch adds the derived rows of patients just inserted.
func syncDerivedBatch(tx *gorm.DB, patients []Patient) error {
	deltas, facets := map[countKey]int64{}, map[facetKey]int64{}
	var terms []patientTerm
	for _, p := range patients {
		addCounts(deltas, p, +1)
		addFacets(facets, p, +1)
		terms = append(terms, termsOf(p)...)
	}
	if err := insertTerms(tx, terms); err != nil {
		return err
	}
	if err := applyFacets(tx, facets); err != nil {
		return err
	}
	return applyCounts(tx, deltas)
}

func sameTermKeys(a, b Patient) bool {
	return a.Name == b.Name && a.DeletedAt.Valid == b.DeletedAt.Valid && a.AddTime == b.AddTime && a.AuthorID == b.AuthorID
}

func termsOf(p Patient) []patientTerm {
	terms := searchkey.Terms(p.Name)
	rows := make([]patientTerm, len(terms))
	for i, term := range terms {
		rows[i] = patientTerm{Term: term, Deleted: p.DeletedAt.Valid, AddTime: p.AddTime, PatientID: p.ID, AuthorID: p.AuthorID}
	}
	return rows
}

// deleteTerms removes p's rows by their primary keys, which p's name, bin
// flag and add_time give.
func deleteTerms(tx *gorm.DB, p Patient) error {
	terms := searchkey.Terms(p.Name)
	if len(terms) == 0 {
		return nil
	}
	return tx.Where("term IN ? AND deleted = ? AND add_time = ? AND patient_id = ?",
		terms, p.DeletedAt.Valid, p.AddTime, p.ID).Delete(&patientTerm{}).Error
}

func insertTerms(tx *gorm.DB, terms []patientTerm) error {
	if len(terms) == 0 {
		return nil
	}
	return tx.CreateInBatches(terms, 1000).Error
}

// applyCounts adds the non-zero deltas in one statement, in key order, so
// that two transactions never wait for each other's rows in a cycle.
func applyCounts(tx *gorm.DB, deltas map[countKey]int64) error {
	rows := make([]patientCount, 0, len(deltas))
	for k, n := range deltas {
		if n != 0 {
			rows = append(rows, patientCount{Deleted: k.deleted, AuthorID: k.author, State: k.state, Day: k.day, N: n})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	slices.SortFunc(rows, func(a, b patientCount) int { return a.key().compare(b.key()) })
	add := gorm.Expr("patient_counts.n + excluded.n")
	if tx.Dialector.Name() == "mysql" {
		add = gorm.Expr("patient_counts.n + VALUES(n)")
	}
	return tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "deleted"}, {Name: "author_id"}, {Name: "state"}, {Name: "day"}},
		DoUpdates: clause.Assignments(map[string]any{"n": add}),
	}).CreateInBatches(rows, 500).Error
}

func (c patientCount) key() countKey { return countKey{c.Deleted, c.AuthorID, c.State, c.Day} }

// applyFacets is applyCounts for patient_facets.
func applyFacets(tx *gorm.DB, deltas map[facetKey]int64) error {
	keys := make([]facetKey, 0, len(deltas))
	for k, n := range deltas {
		if n != 0 {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	slices.SortFunc(keys, facetKey.compare)
	rows := make([]patientFacet, len(keys))
	for i, k := range keys {
		rows[i] = patientFacet{Deleted: k.deleted, Facet: k.facet, Value: k.value, AuthorID: k.author, N: deltas[k]}
	}
	add := gorm.Expr("patient_facets.n + excluded.n")
	if tx.Dialector.Name() == "mysql" {
		add = gorm.Expr("patient_facets.n + VALUES(n)")
	}
	return tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "deleted"}, {Name: "facet"}, {Name: "value"}, {Name: "author_id"}},
		DoUpdates: clause.Assignments(map[string]any{"n": add}),
	}).CreateInBatches(rows, 500).Error
}

// RebuildDerived recomputes every derived row from the patients, in one
// transaction: after SQL run by hand, or to check that nothing drifted.
// Patient writes wait while it runs (minutes at a million patients); it
// reports how many patients it read.
func RebuildDerived(ctx context.Context, db *gorm.DB) (int64, error) {
	var read int64
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("1 = 1").Delete(&patientCount{}).Error; err != nil {
			return err
		}
		if err := tx.Where("1 = 1").Delete(&patientFacet{}).Error; err != nil {
			return err
		}
		if err := tx.Where("1 = 1").Delete(&patientTerm{}).Error; err != nil {
			return err
		}
		const batch = 2000
		var after uint64
		for {
			var patients []Patient
			err := tx.Unscoped().Select("id", "name", "tel_digits", "tel_rev", "add_time", "author_id", "deleted_at").
				Where("id > ?", after).Order("id").Limit(batch).Find(&patients).Error
			if err != nil {
				return err
			}
			if len(patients) == 0 {
				break
			}
			read += int64(len(patients))
			var terms []patientTerm
			for _, p := range patients {
				if rev := searchkey.Reverse(p.TelDigits); rev != p.TelRev {
					if err := tx.Model(&Patient{}).Unscoped().Where("id = ?", p.ID).UpdateColumn("tel_rev", rev).Error; err != nil {
						return err
					}
				}
				terms = append(terms, termsOf(p)...)
			}
			if err := insertTerms(tx, terms); err != nil {
				return fmt.Errorf("patients after %d: %w", after, err)
			}
			after = patients[len(patients)-1].ID
		}
		return recount(tx)
	})
	return read, err
}

// recount fills patient_counts and patient_facets from the patients, as
// addCounts and addFacets keep them. (t - t % 86400) / 86400 is dayOf on both
// databases: exact, and an integer once stored.
func recount(tx *gorm.DB) error {
	for _, statement := range []func() error{
		func() error {
			return tx.Exec("INSERT INTO patient_counts (deleted, author_id, state, day, n) SELECT deleted_at IS NOT NULL, author_id, state, (add_time - add_time % 86400) / 86400, COUNT(*) FROM patients GROUP BY 1, 2, 3, 4").Error
		},
		func() error {
			return tx.Exec("INSERT INTO patient_counts (deleted, author_id, state, day, n) SELECT deleted_at IS NOT NULL, author_id, -1, (add_time - add_time % 86400) / 86400, COUNT(*) FROM patients GROUP BY 1, 2, 3, 4").Error
		},
		func() error {
			return tx.Exec("INSERT INTO patient_counts (deleted, author_id, state, day, n) SELECT deleted_at IS NOT NULL, 0, state, (add_time - add_time % 86400) / 86400, COUNT(*) FROM patients GROUP BY 1, 2, 3, 4").Error
		},
		func() error {
			return tx.Exec("INSERT INTO patient_counts (deleted, author_id, state, day, n) SELECT deleted_at IS NOT NULL, 0, -1, (add_time - add_time % 86400) / 86400, COUNT(*) FROM patients GROUP BY 1, 2, 3, 4").Error
		},
		func() error {
			return tx.Exec("INSERT INTO patient_facets (deleted, facet, value, author_id, n) SELECT deleted_at IS NOT NULL, 1, COALESCE(doctor_id, 0), author_id, COUNT(*) FROM patients GROUP BY 1, 2, 3, 4").Error
		},
		func() error {
			return tx.Exec("INSERT INTO patient_facets (deleted, facet, value, author_id, n) SELECT deleted_at IS NOT NULL, 2, COALESCE(media_from_id, 0), author_id, COUNT(*) FROM patients GROUP BY 1, 2, 3, 4").Error
		},
		func() error {
			return tx.Exec("INSERT INTO patient_facets (deleted, facet, value, author_id, n) SELECT deleted_at IS NOT NULL, 3, COALESCE(disease_id, 0), author_id, COUNT(*) FROM patients GROUP BY 1, 2, 3, 4").Error
		},
	} {
		if err := statement(); err != nil {
			return err
		}
	}
	return nil
}
