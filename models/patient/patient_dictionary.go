package patient

import (
	"context"
	"crm/apierr"
	"crm/models/access"
	"crm/models/dict"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// The pool's side of the dictionaries: patients refer to their entries (by
// id, and the advisory way by name), so what the list counts, a rename
// carries and a delete refuses is asked here.

// ListDict is the admin list of one dictionary, with how many patients
// (the recycle bin included: they still refer to the row) use each entry.
func ListDict(ctx context.Context, db *gorm.DB, kind dict.DictKind, enabled *bool) ([]dict.DictEntry, error) {
	db = db.WithContext(ctx)
	entries, err := dict.ListDict(db, kind, enabled)
	if err != nil || len(entries) == 0 {
		return entries, err
	}
	var counts []struct {
		Ref   string
		Total int64
	}
	column := kind.PatientColumn()
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
		entries[i].PatientCount = byRef[entries[i].Ref(kind)]
	}
	return entries, nil
}

// UpdateDictEntry changes the fields in set: a rename (renaming an advisory
// way renames it on its patients too), enabling or disabling, the order,
// and the kind's own fields.
func UpdateDictEntry(ctx context.Context, db *gorm.DB, v access.Viewer, kind dict.DictKind, id uint64, f dict.DictFields, set dict.DictFieldSet, now time.Time) (dict.DictEntry, error) {
	var after dict.DictEntry
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		before, changed, err := dict.UpdateDictEntry(tx, v, kind, id, f, set, now)
		if err != nil {
			return err
		}
		after = changed
		if kind == dict.DictAdvisoryWay && after.Name != before.Name {
			return tx.Unscoped().Model(&Patient{}).Where(clause.Eq{Column: "advisory_way", Value: before.Name}).
				UpdateColumn("advisory_way", after.Name).Error
		}
		return nil
	})
	return after, err
}

// DeleteDictEntry removes an entry no patient refers to (the recycle bin
// included); one in use is refused with the count: disable it instead.
func DeleteDictEntry(ctx context.Context, db *gorm.DB, v access.Viewer, kind dict.DictKind, id uint64, now time.Time) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		entry, err := dict.LockDictEntry(tx, kind, id)
		if err != nil {
			return err
		}
		var users int64
		err = tx.Unscoped().Model(&Patient{}).Where(clause.Eq{Column: kind.PatientColumn(), Value: entry.Ref(kind)}).Count(&users).Error
		if err != nil {
			return err
		}
		if users > 0 {
			return apierr.Conflict(fmt.Sprintf("有 %d 位患者使用该项，不能删除，请改为停用", users))
		}
		return dict.DeleteDictEntry(tx, v, kind, entry, now)
	})
}
