package dict

import (
	"context"
	"crm/apierr"
	"crm/models/access"
	"crm/models/oplog"
	"crm/models/store"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// The dictionaries a patient points at. Disabled rows stay valid on old
// patients but cannot be chosen for new ones.

type Disease struct {
	ID        uint64
	ParentID  uint64 // 0: a department; otherwise the department's id
	Name      string
	SortOrder int
	Enabled   bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

type Doctor struct {
	ID           uint64
	Name         string
	Title        string
	Introduction string
	SortOrder    int
	Enabled      bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

type MediaChannel struct {
	ID        uint64
	Name      string
	SortOrder int
	Enabled   bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// AdvisoryWay names how a patient got in touch. Patients store the name
// itself (the contract's advisory_way is text), so renaming one renames it
// on its patients too.
type AdvisoryWay struct {
	ID        uint64
	Name      string
	SortOrder int
	Enabled   bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// DictKind names a dictionary, as in its API path and the operation log.
type DictKind string

const (
	DictDoctor      DictKind = "doctor"
	DictDisease     DictKind = "disease"
	DictMedia       DictKind = "media"
	DictAdvisoryWay DictKind = "way"
)

func DictKinds() []DictKind { return []DictKind{DictDoctor, DictDisease, DictMedia, DictAdvisoryWay} }

// dictSpec is what tells one dictionary from another.
type dictSpec struct {
	model         func() any // the table, named without a string
	label         string     // what the clinic calls it
	patientColumn string     // what patients refer to an entry by: its id, or (advisory ways) its name
	nameRunes     int        // the longest name its column holds
	columns       []string   // what an entry is read with
	doctorFields  bool       // title and introduction
	tree          bool       // entries under a parent (diseases under departments)
}

var dictSpecs = map[DictKind]dictSpec{
	DictDoctor: {model: func() any { return &Doctor{} }, label: "医生", patientColumn: "doctor_id", nameRunes: 32,
		columns: []string{"id", "name", "sort_order", "enabled", "title", "introduction"}, doctorFields: true},
	DictDisease: {model: func() any { return &Disease{} }, label: "病种科室", patientColumn: "disease_id", nameRunes: 64,
		columns: []string{"id", "name", "sort_order", "enabled", "parent_id"}, tree: true},
	DictMedia: {model: func() any { return &MediaChannel{} }, label: "来源渠道", patientColumn: "media_from_id", nameRunes: 32,
		columns: []string{"id", "name", "sort_order", "enabled"}},
	DictAdvisoryWay: {model: func() any { return &AdvisoryWay{} }, label: "咨询方式", patientColumn: "advisory_way", nameRunes: 32,
		columns: []string{"id", "name", "sort_order", "enabled"}},
}

func (k DictKind) model() any            { return dictSpecs[k].model() }
func (k DictKind) Label() string         { return dictSpecs[k].label }
func (k DictKind) PatientColumn() string { return dictSpecs[k].patientColumn }
func (k DictKind) columns() []string     { return dictSpecs[k].columns }

// NameRunes is the longest name the kind's column holds.
func (k DictKind) NameRunes() int { return dictSpecs[k].nameRunes }

// HasDoctorFields: entries have a title and an introduction.
func (k DictKind) HasDoctorFields() bool { return dictSpecs[k].doctorFields }

// IsTree: entries sit under a parent entry (parent_id).
func (k DictKind) IsTree() bool { return dictSpecs[k].tree }

// DictEntry is a row of any dictionary. Title and Introduction are the
// doctors'; ParentID the diseases'.
type DictEntry struct {
	ID           uint64
	Name         string
	SortOrder    int
	Enabled      bool
	ParentID     uint64
	Title        string
	Introduction string
	PatientCount int64 `gorm:"-"`
}

// Dictionaries is every dictionary, in configured order, for the frontend
// to cache (GET /dict/).
type Dictionaries struct {
	Doctors      []DictEntry
	Diseases     []DictEntry
	Media        []DictEntry
	AdvisoryWays []DictEntry
}

func AllDictionaries(ctx context.Context, db *gorm.DB) (Dictionaries, error) {
	var d Dictionaries
	for kind, dest := range map[DictKind]*[]DictEntry{DictDoctor: &d.Doctors, DictDisease: &d.Diseases,
		DictMedia: &d.Media, DictAdvisoryWay: &d.AdvisoryWays} {
		entries, err := ListDict(db.WithContext(ctx), kind, nil)
		if err != nil {
			return Dictionaries{}, err
		}
		*dest = entries
	}
	return d, nil
}

func ListDict(db *gorm.DB, kind DictKind, enabled *bool) ([]DictEntry, error) {
	q := db.Model(kind.model()).Select(kind.columns())
	if enabled != nil {
		q = q.Where(clause.Eq{Column: "enabled", Value: *enabled})
	}
	var entries []DictEntry
	err := q.Order("sort_order, id").Find(&entries).Error
	return entries, err
}

// ref is how patients refer to the entry.
func (e DictEntry) Ref(kind DictKind) string {
	if kind == DictAdvisoryWay {
		return e.Name
	}
	return fmt.Sprint(e.ID)
}

// DictFields are the writable fields; Set marks those an edit sends.
type DictFields struct {
	Name         string
	SortOrder    *int // nil on creation: after the last entry
	Enabled      bool
	ParentID     uint64
	Title        string
	Introduction string
}

type DictFieldSet uint8

const (
	DictFieldName DictFieldSet = 1 << iota
	DictFieldSortOrder
	DictFieldEnabled
	DictFieldParentID
	DictFieldTitle
	DictFieldIntroduction
)

var (
	ErrDictNameTaken   = apierr.Conflict("名称已存在")
	ErrDepartmentInUse = apierr.Conflict("该科室下还有病种，不能删除或移入其他科室")
	errNotADepartment  = apierr.Invalid("parent_id")
)

// CreateDictEntry adds an entry; names are unique within their dictionary.
func CreateDictEntry(ctx context.Context, db *gorm.DB, v access.Viewer, kind DictKind, f DictFields, now time.Time) (DictEntry, error) {
	var entry DictEntry
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if kind.IsTree() && f.ParentID != 0 {
			if err := checkDepartment(tx, f.ParentID, 0); err != nil {
				return err
			}
		}
		order, err := store.SortOrderFor(tx.Model(kind.model()), f.SortOrder)
		if err != nil {
			return err
		}
		row := map[string]any{"name": f.Name, "sort_order": order, "enabled": f.Enabled, "created_at": now, "updated_at": now}
		if kind.HasDoctorFields() {
			row["title"], row["introduction"] = f.Title, f.Introduction
		}
		if kind.IsTree() {
			row["parent_id"] = f.ParentID
		}
		if err := tx.Model(kind.model()).Create(row).Error; err != nil {
			return dictWriteError(err)
		}
		if entry, err = findDictEntry(tx, kind, 0, f.Name); err != nil {
			return err
		}
		return oplog.RecordOp(tx, v, oplog.OpDictCreate, string(kind), entry.ID, map[string]any{"name": f.Name}, now)
	})
	return entry, err
}

func findDictEntry(db *gorm.DB, kind DictKind, id uint64, name string) (DictEntry, error) {
	q := db.Model(kind.model()).Select(kind.columns())
	if id != 0 {
		q = q.Where(clause.Eq{Column: "id", Value: id})
	} else {
		q = q.Where(clause.Eq{Column: "name", Value: name})
	}
	var e DictEntry
	err := q.Take(&e).Error
	return e, store.NotFound(err)
}

// checkDepartment: a disease's parent must be a department (a top-level
// row), and not the row itself: the tree has two levels.
func checkDepartment(tx *gorm.DB, parentID, self uint64) error {
	if parentID == self {
		return errNotADepartment
	}
	var parent Disease
	err := tx.Where(clause.Eq{Column: "id", Value: parentID}).Take(&parent).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && parent.ParentID != 0) {
		return errNotADepartment
	}
	return err
}

// updateDictEntry changes an entry within tx, returning it before and
// after; the pool's side of a rename is patient.UpdateDictEntry's.
func UpdateDictEntry(tx *gorm.DB, v access.Viewer, kind DictKind, id uint64, f DictFields, set DictFieldSet, now time.Time) (before, after DictEntry, err error) {
	err = func() error {
		before, err = findDictEntry(tx.Clauses(clause.Locking{Strength: "UPDATE"}), kind, id, "")
		if err != nil {
			return err
		}
		after = before
		updates := map[string]any{}
		if set&DictFieldName != 0 {
			after.Name, updates["name"] = f.Name, f.Name
		}
		if set&DictFieldSortOrder != 0 && f.SortOrder != nil {
			after.SortOrder, updates["sort_order"] = *f.SortOrder, *f.SortOrder
		}
		if set&DictFieldEnabled != 0 {
			after.Enabled, updates["enabled"] = f.Enabled, f.Enabled
		}
		if kind.HasDoctorFields() && set&DictFieldTitle != 0 {
			after.Title, updates["title"] = f.Title, f.Title
		}
		if kind.HasDoctorFields() && set&DictFieldIntroduction != 0 {
			after.Introduction, updates["introduction"] = f.Introduction, f.Introduction
		}
		if kind.IsTree() && set&DictFieldParentID != 0 && f.ParentID != before.ParentID {
			if err := moveDisease(tx, before, f.ParentID); err != nil {
				return err
			}
			after.ParentID, updates["parent_id"] = f.ParentID, f.ParentID
		}
		changes := diffDictEntries(before, after)
		if len(changes) == 0 {
			return nil
		}
		updates["updated_at"] = now
		if err := tx.Model(kind.model()).Where(clause.Eq{Column: "id", Value: id}).Updates(updates).Error; err != nil {
			return dictWriteError(err)
		}
		return oplog.RecordOp(tx, v, oplog.OpDictUpdate, string(kind), id, oplog.ChangesSummary(changes), now)
	}()
	return before, after, err
}

// moveDisease re-parents a disease; a department that still has diseases
// cannot become one.
func moveDisease(tx *gorm.DB, d DictEntry, parentID uint64) error {
	if parentID != 0 {
		if err := checkDepartment(tx, parentID, d.ID); err != nil {
			return err
		}
	}
	if d.ParentID == 0 {
		var children int64
		if err := tx.Model(&Disease{}).Where(clause.Eq{Column: "parent_id", Value: d.ID}).Count(&children).Error; err != nil {
			return err
		}
		if children > 0 {
			return ErrDepartmentInUse
		}
	}
	return nil
}

func diffDictEntries(before, after DictEntry) []oplog.Change {
	values := func(e DictEntry) []*string {
		s := func(v any) *string { str := fmt.Sprint(v); return &str }
		enabled := "0"
		if e.Enabled {
			enabled = "1"
		}
		return []*string{s(e.Name), s(e.SortOrder), &enabled, s(e.ParentID), s(e.Title), s(e.Introduction)}
	}
	old, now := values(before), values(after)
	changes := []oplog.Change{}
	for i, name := range []string{"name", "sortOrder", "enabled", "parentId", "title", "introduction"} {
		if *old[i] != *now[i] {
			changes = append(changes, oplog.Change{Field: name, From: old[i], To: now[i]})
		}
	}
	return changes
}

// lockDictEntry reads an entry for update within tx.
func LockDictEntry(tx *gorm.DB, kind DictKind, id uint64) (DictEntry, error) {
	return findDictEntry(tx.Clauses(clause.Locking{Strength: "UPDATE"}), kind, id, "")
}

// deleteDictEntry removes an entry, locked by the caller, within tx.
func DeleteDictEntry(tx *gorm.DB, v access.Viewer, kind DictKind, entry DictEntry, now time.Time) error {
	if kind.IsTree() && entry.ParentID == 0 {
		if err := moveDisease(tx, entry, 0); err != nil {
			return err
		}
	}
	if err := tx.Where(clause.Eq{Column: "id", Value: entry.ID}).Delete(kind.model()).Error; err != nil {
		return dictWriteError(err)
	}
	return oplog.RecordOp(tx, v, oplog.OpDictDelete, string(kind), entry.ID, map[string]any{"name": entry.Name}, now)
}

// ReorderDict sets the order of the listed entries to the order given.
func ReorderDict(ctx context.Context, db *gorm.DB, v access.Viewer, kind DictKind, ids []uint64, now time.Time) error {
	if len(ids) == 0 || len(slices.Compact(slices.Sorted(slices.Values(ids)))) != len(ids) {
		return apierr.Invalid("ids")
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var known int64
		if err := tx.Model(kind.model()).Where(clause.IN{Column: "id", Values: store.ToAny(ids)}).Count(&known).Error; err != nil {
			return err
		}
		if known != int64(len(ids)) {
			return apierr.Invalid("ids")
		}
		for i, id := range ids {
			err := tx.Model(kind.model()).Where(clause.Eq{Column: "id", Value: id}).
				Updates(map[string]any{"sort_order": (i + 1) * store.SortOrderStep, "updated_at": now}).Error
			if err != nil {
				return err
			}
		}
		return oplog.RecordOp(tx, v, oplog.OpDictReorder, string(kind), 0, map[string]any{"ids": ids[:min(len(ids), 100)]}, now)
	})
}

// dictWriteError turns the unique name index and the patients' foreign
// keys into their answers.
func dictWriteError(err error) error {
	switch {
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return ErrDictNameTaken
	case errors.Is(err, gorm.ErrForeignKeyViolated):
		return apierr.Conflict("该项正被患者使用，不能删除，请改为停用")
	}
	return err
}
