package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"crm/apierr"
)

// The pool's side of the dictionaries: patients refer to their entries (by
// id, and the advisory way by name), so what the list counts, a rename
// carries and a delete refuses is asked here.

// ListDict is the admin list of one dictionary, with how many patients
// (the recycle bin included: they still refer to the row) use each entry.
func ListDict(ctx context.Context, db *gorm.DB, kind DictKind, enabled *bool) ([]DictEntry, error) {
	db = db.WithContext(ctx)
	entries, err := listDict(db, kind, enabled)
	if err != nil || len(entries) == 0 {
		return entries, err
	}
	var counts []struct {
		Ref   string
		Total int64
	}
	column := kind.patientColumn()
	err = db.Unscoped().Model(&Patient{}).
		Clauses(clause.Select{Expression: clause.Expr{SQL: "? AS ref, COUNT(*) AS total", Vars: []any{clause.Column{Name: column}}}}).
		Where(clause.Neq{Column: column, Value: nil}).
		Clauses(clause.GroupBy{Columns: []clause.Column{{Name: column}}}).Scan(&counts).Error
	if err != nil {
		return nil, err
	}
	byRef := map[string]int64{}
	for _, c := range counts {
		byRef[c.Ref] = c.Total
	}
	for i := range entries {
		entries[i].PatientCount = byRef[entries[i].ref(kind)]
	}
	return entries, nil
}

// UpdateDictEntry changes the fields in set: a rename (renaming an advisory
// way renames it on its patients too), enabling or disabling, the order,
// and the kind's own fields.
func UpdateDictEntry(ctx context.Context, db *gorm.DB, v Viewer, kind DictKind, id uint64, f DictFields, set DictFieldSet, now time.Time) (DictEntry, error) {
	var after DictEntry
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		before, changed, err := updateDictEntry(tx, v, kind, id, f, set, now)
		if err != nil {
			return err
		}
		after = changed
		if kind == DictAdvisoryWay && after.Name != before.Name {
			return tx.Unscoped().Model(&Patient{}).Where(clause.Eq{Column: "advisory_way", Value: before.Name}).
				UpdateColumn("advisory_way", after.Name).Error
		}
		return nil
	})
	return after, err
}

// DeleteDictEntry removes an entry no patient refers to (the recycle bin
// included); one in use is refused with the count: disable it instead.
func DeleteDictEntry(ctx context.Context, db *gorm.DB, v Viewer, kind DictKind, id uint64, now time.Time) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		entry, err := lockDictEntry(tx, kind, id)
		if err != nil {
			return err
		}
		var users int64
		err = tx.Unscoped().Model(&Patient{}).Where(clause.Eq{Column: kind.patientColumn(), Value: entry.ref(kind)}).Count(&users).Error
		if err != nil {
			return err
		}
		if users > 0 {
			return apierr.Conflict(fmt.Sprintf("有 %d 位患者使用该项，不能删除，请改为停用", users))
		}
		return deleteDictEntry(tx, v, kind, entry, now)
	})
}
