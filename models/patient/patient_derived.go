package patient

import (
	"cmp"
	"context"
	"crm/internal/searchkey"
	"crm/models/store"
	"errors"
	"fmt"
	"slices"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Rows derived from the patients, kept in step with them in the same
// transaction (migration 0012 explains what they are for):
// patient_counts, patient_facets, patient_terms and patients.tel_rev.
//
// The counts and facets cover the patients whose add_time is below the
// seal (patient_count_seal.counted_before); SealCounts moves it forward
// and counts the patients it passes. A write therefore changes counters
// only for patients registered before the seal: a registration, or the
// workflow of a recent patient, touches none, so writers do not queue on
// the few rows every one of them would otherwise update.

// secondsPerSlot is the width of the finest patient_counts span: a quarter
// of a unix day (not of a calendar day: slots only locate rows). A deep
// page skips at most a slot's rows in the index.
const secondsPerSlot = 6 * 3600

// Rollup keys of patient_counts.
const (
	allAuthors uint64 = 0
	allStates  int8   = -1
)

// The spans of time patient_counts counts over; a block is slotsPerBlock
// slots (32 days), so a deep page is found among a few dozen blocks, then
// among a block's slots.
const (
	spanAll   int8 = 0
	spanBlock int8 = 1
	spanSlot  int8 = 2

	slotsPerBlock = 128
)

type patientCount struct {
	Deleted  bool
	AuthorID uint64
	State    int8
	Span     int8
	Bucket   int64
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

type countSeal struct {
	ID            int8
	CountedBefore int64
}

func (countSeal) TableName() string { return "patient_count_seal" }

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
func slotOf(addTime int64) int64 { return addTime / secondsPerSlot }

type countKey struct {
	deleted bool
	author  uint64
	state   int8
	span    int8
	bucket  int64
}

func (k countKey) compare(o countKey) int {
	return cmp.Or(cmpBool(k.deleted, o.deleted), cmp.Compare(k.author, o.author),
		cmp.Compare(k.state, o.state), cmp.Compare(k.span, o.span), cmp.Compare(k.bucket, o.bucket))
}

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

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// derivedDeltas collects the counter changes of a transaction.
type derivedDeltas struct {
	counts map[countKey]int64
	facets map[facetKey]int64
}

func newDerivedDeltas() derivedDeltas {
	return derivedDeltas{counts: map[countKey]int64{}, facets: map[facetKey]int64{}}
}

// add counts p (sign +1) or uncounts it (-1): under its author and state,
// its author, its state and everyone, for all time, its block and its
// slot; and under its doctor, media channel and disease.
func (d derivedDeltas) add(p Patient, sign int64) {
	deleted, slot := p.DeletedAt.Valid, slotOf(p.AddTime)
	for _, author := range []uint64{p.AuthorID, allAuthors} {
		for _, state := range []int8{p.State, allStates} {
			d.counts[countKey{deleted, author, state, spanAll, 0}] += sign
			d.counts[countKey{deleted, author, state, spanBlock, slot / slotsPerBlock}] += sign
			d.counts[countKey{deleted, author, state, spanSlot, slot}] += sign
		}
	}
	for _, f := range []struct {
		facet int8
		id    *uint64
	}{{facetDoctor, p.DoctorID}, {facetMedia, p.MediaFromID}, {facetDisease, p.DiseaseID}} {
		d.facets[facetKey{deleted, f.facet, Ref(f.id), p.AuthorID}] += sign
	}
}

// apply writes the non-zero changes, facets then counts, each in key
// order so that two transactions never wait for each other in a cycle.
func (d derivedDeltas) apply(tx *gorm.DB) error {
	var facets []patientFacet
	for _, k := range sortedKeys(d.facets, facetKey.compare) {
		facets = append(facets, patientFacet{Deleted: k.deleted, Facet: k.facet, Value: k.value, AuthorID: k.author, N: d.facets[k]})
	}
	var counts []patientCount
	for _, k := range sortedKeys(d.counts, countKey.compare) {
		counts = append(counts, patientCount{Deleted: k.deleted, AuthorID: k.author, State: k.state, Span: k.span, Bucket: k.bucket, N: d.counts[k]})
	}
	if len(facets) > 0 {
		add := gorm.Expr("patient_facets.n + excluded.n")
		if tx.Dialector.Name() == "mysql" {
			add = gorm.Expr("patient_facets.n + VALUES(n)")
		}
		err := store.CreateInBatches(tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "deleted"}, {Name: "facet"}, {Name: "value"}, {Name: "author_id"}},
			DoUpdates: clause.Assignments(map[string]any{"n": add}),
		}), facets, 500)
		if err != nil {
			return err
		}
	}
	if len(counts) > 0 {
		add := gorm.Expr("patient_counts.n + excluded.n")
		if tx.Dialector.Name() == "mysql" {
			add = gorm.Expr("patient_counts.n + VALUES(n)")
		}
		return store.CreateInBatches(tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "deleted"}, {Name: "author_id"}, {Name: "state"}, {Name: "span"}, {Name: "bucket"}},
			DoUpdates: clause.Assignments(map[string]any{"n": add}),
		}), counts, 500)
	}
	return nil
}

func sortedKeys[K comparable](m map[K]int64, compare func(K, K) int) []K {
	keys := make([]K, 0, len(m))
	for k, n := range m {
		if n != 0 {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, compare)
	return keys
}

// writeSeal reads the seal for a transaction that writes patients, and
// keeps it from moving until the transaction ends (a shared lock on MySQL;
// SQLite's IMMEDIATE transactions already exclude SealCounts).
func WriteSeal(tx *gorm.DB) (int64, error) {
	var seal []int64
	var err error
	if tx.Dialector.Name() == "mysql" {
		err = tx.Raw("SELECT counted_before FROM patient_count_seal WHERE id = 1 LOCK IN SHARE MODE").Scan(&seal).Error
	} else {
		err = tx.Raw("SELECT counted_before FROM patient_count_seal WHERE id = 1").Scan(&seal).Error
	}
	if err == nil && len(seal) != 1 {
		err = errors.New("patient_count_seal has no row: migration 0012 did not complete")
	}
	if err != nil {
		return 0, err
	}
	return seal[0], nil
}

// syncDerived updates the derived rows of one patient going from before
// to after; nil stands for "not there" (created, purged). seal is the
// writeSeal of the transaction.
func SyncDerived(tx *gorm.DB, seal int64, before, after *Patient) error {
	deltas := newDerivedDeltas()
	if before != nil && before.AddTime < seal {
		deltas.add(*before, -1)
	}
	if after != nil && after.AddTime < seal {
		deltas.add(*after, +1)
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
	return deltas.apply(tx)
}

// syncDerivedBatch adds the derived rows of patients just inserted.
func syncDerivedBatch(tx *gorm.DB, seal int64, patients []Patient) error {
	deltas := newDerivedDeltas()
	var terms []patientTerm
	for _, p := range patients {
		if p.AddTime < seal {
			deltas.add(p, +1)
		}
		terms = append(terms, termsOf(p)...)
	}
	if err := insertTerms(tx, terms); err != nil {
		return err
	}
	return deltas.apply(tx)
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
	return store.CreateInBatches(tx, terms, 1000)
}

// countedColumns are what the counters are kept by.
var countedColumns = []string{"id", "add_time", "author_id", "state", "deleted_at", "doctor_id", "media_from_id", "disease_id"}

// countPatients counts the patients registered in [from, to), reading them
// a batch at a time in id order and writing the counts whenever enough
// have gathered: memory stays small however many there are (a first seal
// counts them all).
func countPatients(tx *gorm.DB, from, to int64) error {
	const batch, flushAt = 5000, 20000
	deltas := newDerivedDeltas()
	var after uint64
	for {
		var patients []Patient
		err := tx.Unscoped().Select(countedColumns).Where("add_time >= ? AND add_time < ? AND id > ?", from, to, after).
			Order("id").Limit(batch).Find(&patients).Error
		if err != nil {
			return err
		}
		for _, p := range patients {
			deltas.add(p, +1)
		}
		if len(patients) < batch || len(deltas.counts)+len(deltas.facets) > flushAt {
			if err := deltas.apply(tx); err != nil {
				return err
			}
			deltas = newDerivedDeltas()
		}
		if len(patients) < batch {
			return nil
		}
		after = patients[len(patients)-1].ID
	}
}

// SealCounts counts the patients registered before `before` that are not
// counted yet, and moves the seal there; a seal already past it stays.
// Patient writes wait while the seal moves, so it moves sealStep patients
// at a time, each step its own transaction: a minute's registrations take
// one short step, a first seal over a million patients fifty.
func SealCounts(ctx context.Context, db *gorm.DB, before int64) error {
	return sealCounts(ctx, db, before, sealStep)
}

func sealCounts(ctx context.Context, db *gorm.DB, before int64, step int) error {
	for {
		var done bool
		err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			var seal countSeal
			if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Take(&seal, 1).Error; err != nil {
				return err
			}
			if before <= seal.CountedBefore {
				done = true
				return nil
			}
			next := before
			var stepEnd []int64
			err := tx.Model(&Patient{}).Unscoped().Where("add_time >= ? AND add_time < ?", seal.CountedBefore, before).
				Order("add_time").Offset(step).Limit(1).Pluck("add_time", &stepEnd).Error
			if err != nil {
				return err
			}
			if len(stepEnd) == 1 {
				next = max(stepEnd[0], seal.CountedBefore+1)
			}
			if err := countPatients(tx, seal.CountedBefore, next); err != nil {
				return err
			}
			return tx.Model(&seal).Update("counted_before", next).Error
		})
		if err != nil || done {
			return err
		}
	}
}

// sealStep bounds the patients one step of SealCounts counts.
const sealStep = 20000

// RebuildDerived recomputes every derived row from the patients, in one
// transaction: after SQL run by hand, or to check that nothing drifted.
// Patient writes wait while it runs (minutes at a million patients); it
// reports how many patients it read.
func RebuildDerived(ctx context.Context, db *gorm.DB) (int64, error) {
	var read int64
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var seal countSeal
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Take(&seal, 1).Error; err != nil {
			return err
		}
		for _, table := range []any{&patientCount{}, &patientFacet{}, &patientTerm{}} {
			if err := tx.Where("1 = 1").Delete(table).Error; err != nil {
				return err
			}
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
		return countPatients(tx, minAddTime, seal.CountedBefore)
	})
	return read, err
}

// minAddTime is below every add_time a patient can have.
const minAddTime = -1 << 62
