package patient

import (
	"context"
	"crm/apierr"
	"crm/internal/searchkey"
	"crm/models/access"
	"crm/models/oplog"
	"crm/models/staff"
	"crm/models/store"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Patient is a prospective patient in the customer pool. Times are unix
// seconds, as the contract speaks them.
type Patient struct {
	ID              uint64
	Name            string
	Sex             int8
	Age             *int16
	Tel             *string
	TelDigits       string // Tel's digits only: duplicates and exact search compare these
	TelRev          string // TelDigits reversed: a tail of the number is a prefix of it
	Wechat          *string
	QQ              *string `gorm:"column:qq"`
	AddTime         int64
	OrderTime       *int64
	ReachTime       *int64
	DiseaseID       *uint64
	AuthorID        uint64
	State           int8
	MediaFromID     *uint64 `gorm:"column:media_from_id"`
	DoctorID        *uint64
	AdvisoryWay     *string
	AdvisoryContent *string
	Area            *string
	Remarks         *string
	Keyword         *string // the search keyword the lead came by
	LandingPage     *string // the URL of the page it arrived on
	// NextFollowupTime is when to follow the patient up next: the latest
	// follow-up's next time, or set by an edit.
	NextFollowupTime *int64
	Revenue          int64 // the amounts of its visits, in fen
	SmsConsent       int8  // 1: agreed to reminders by text message (短信提醒)
	CreatedAt        time.Time
	UpdatedAt        time.Time
	DeletedAt        gorm.DeletedAt
}

// Patient states.
const (
	StateUntreated int8 = 0 // 未处理
	StateWaiting   int8 = 1 // 等待/已预约
	StateArrived   int8 = 2 // 确认已到
	StateLost      int8 = 3 // 流失
)

// maxDuplicates bounds the ids returned with a new patient and the
// patients returned by FindDuplicates.
const maxDuplicates = 20

var (
	ErrNotInBin       = apierr.Conflict("患者不在回收站中")
	ErrPurgeNeedsBin  = apierr.Conflict("只能彻底删除回收站中的患者")
	ErrBookingNeedsAt = apierr.Missing("order_time")
)

// assignAuthor sets a chosen author. Choosing someone else needs
// patient.register_for_others: without it the request is refused, not
// quietly registered under the caller.
func AssignAuthor(tx *gorm.DB, v access.Viewer, p *Patient, authorID *uint64) error {
	if authorID == nil || *authorID == p.AuthorID {
		return nil
	}
	if *authorID != v.UserID && !v.Can(access.PermPatientRegisterForOthers) {
		return apierr.ErrForbidden
	}
	var author struct{ Enabled bool }
	err := tx.Model(&staff.User{}).Select("enabled").Where("id = ?", *authorID).Take(&author).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && !author.Enabled) {
		return apierr.Invalid("author_id")
	}
	if err != nil {
		return err
	}
	p.AuthorID = *authorID
	return nil
}

// applyStateRules enforces the workflow on a patient going from before to
// p: arriving (2), or leaving "arrived", needs patient.confirm_arrival;
// arriving without a reach time arrives now; a booking (1) needs an order
// time.
func ApplyStateRules(v access.Viewer, before Patient, p *Patient, now time.Time) error {
	if p.State != before.State && (p.State == StateArrived || before.State == StateArrived) &&
		!v.Can(access.PermPatientConfirmArrival) {
		return apierr.ErrForbidden
	}
	if p.State == StateArrived && p.ReachTime == nil {
		at := now.Unix()
		p.ReachTime = &at
	}
	if p.State == StateWaiting && p.OrderTime == nil {
		return ErrBookingNeedsAt
	}
	return nil
}

// references is what the database says about the dictionary entries a
// patient names: whether each exists and is enabled (nil: no such entry),
// and whether its advisory way names a disabled entry.
type references struct {
	Disease, Media, Doctor *bool
	DisabledWay            bool
}

// check applies the rule: ids must exist and be enabled, but an id the
// patient already had stays acceptable after its entry is disabled; an
// advisory way is free text, refused only when it names a disabled entry
// it did not already have.
func (r references) check(before, p Patient) error {
	same := func(a, b *uint64) bool { return a != nil && b != nil && *a == *b }
	for _, ref := range []struct {
		field     string
		id        *uint64
		enabled   *bool
		unchanged bool
	}{
		{"disease_id", p.DiseaseID, r.Disease, same(before.DiseaseID, p.DiseaseID)},
		{"media_from_id", p.MediaFromID, r.Media, same(before.MediaFromID, p.MediaFromID)},
		{"doctor_id", p.DoctorID, r.Doctor, same(before.DoctorID, p.DoctorID)},
	} {
		if ref.id != nil && (ref.enabled == nil || !*ref.enabled && !ref.unchanged) {
			return apierr.Invalid(ref.field)
		}
	}
	if r.DisabledWay && !SameValue(before.AdvisoryWay, p.AdvisoryWay) {
		return apierr.Invalid("advisory_way")
	}
	return nil
}

// checkPatientReferences checks the dictionary entries of p in one query.
func CheckPatientReferences(tx *gorm.DB, before, p Patient) error {
	if p.DiseaseID == nil && p.MediaFromID == nil && p.DoctorID == nil && p.AdvisoryWay == nil {
		return nil
	}
	var found struct {
		Disease, Media, Doctor *bool
		DisabledWays           int64
	}
	err := tx.Raw("SELECT (SELECT enabled FROM diseases WHERE id = ?) AS disease, "+
		"(SELECT enabled FROM media_channels WHERE id = ?) AS media, "+
		"(SELECT enabled FROM doctors WHERE id = ?) AS doctor, "+
		"(SELECT COUNT(*) FROM advisory_ways WHERE name = ? AND enabled = ?) AS disabled_ways",
		p.DiseaseID, p.MediaFromID, p.DoctorID, p.AdvisoryWay, false).Scan(&found).Error
	if err != nil {
		return err
	}
	return references{Disease: found.Disease, Media: found.Media, Doctor: found.Doctor,
		DisabledWay: found.DisabledWays > 0}.check(before, p)
}

// FindPatient returns a patient the viewer may see; 46001 otherwise, also
// for patients outside the viewer's scope (whether they exist is not told).
func FindPatient(ctx context.Context, db *gorm.DB, v access.Viewer, id uint64) (Patient, error) {
	return FindScoped(db.WithContext(ctx), v, id, false)
}

// findScoped looks id up within v's scope; binned includes the recycle bin.
func FindScoped(db *gorm.DB, v access.Viewer, id uint64, binned bool) (Patient, error) {
	q := access.Scoped(db.Model(&Patient{}), v)
	if binned {
		q = q.Unscoped()
	}
	var p Patient
	err := q.Where(clause.Eq{Column: "id", Value: id}).Take(&p).Error
	return p, store.NotFound(err)
}

// lockPatient is findPatient inside a write transaction: the row stays
// locked until the change and its history are written (MySQL FOR UPDATE;
// SQLite's IMMEDIATE transaction already excludes other writers).
func LockPatient(tx *gorm.DB, v access.Viewer, id uint64, binned bool) (Patient, error) {
	return FindScoped(tx.Clauses(clause.Locking{Strength: "UPDATE"}), v, id, binned)
}

// LockEditable locks a patient the viewer may edit, for a row of another
// domain that is an edit of it (a visit, an appointment): visible (else
// 46001), and its own or with patient.edit_all (else 48001).
func LockEditable(tx *gorm.DB, v access.Viewer, id uint64) (Patient, error) {
	p, err := LockPatient(tx, v, id, false)
	if err != nil {
		return p, err
	}
	if p.AuthorID != v.UserID && !v.Can(access.PermPatientEditAll) {
		return p, apierr.ErrForbidden
	}
	return p, nil
}

// UpdatePatient changes the fields in set to in's (and the author, with the
// permission), inside tx: the appointment book follows the edit in the same
// transaction (appointment.EditPatient). Another user's patient needs
// patient.edit_all; a viewer who can see it without that permission is
// refused (48001), one who cannot see it gets 46001. An edit that changes
// nothing writes no history. It returns the patient before and after.
func UpdatePatient(tx *gorm.DB, v access.Viewer, id uint64, in Patient, set PatientFieldSet, authorID *uint64, now time.Time) (before, p Patient, err error) {
	seal, err := WriteSeal(tx)
	if err != nil {
		return before, p, err
	}
	before, err = LockPatient(tx, v, id, false)
	if err != nil {
		return before, p, err
	}
	if before.AuthorID != v.UserID && !v.Can(access.PermPatientEditAll) {
		return before, p, apierr.ErrForbidden
	}
	p = before
	p.apply(&in, set)
	if ReturnVisit(before, in, set) {
		p.State = StateArrived
	}
	if err := AssignAuthor(tx, v, &p, authorID); err != nil {
		return before, p, err
	}
	if err := ApplyStateRules(v, before, &p, now); err != nil {
		return before, p, err
	}
	if err := CheckPatientReferences(tx, before, p); err != nil {
		return before, p, err
	}
	changes := DiffPatients(before, p)
	if len(changes) == 0 {
		return before, p, nil
	}
	if err := tx.Omit("created_at").Save(&p).Error; err != nil {
		return before, p, err
	}
	if err := SyncDerived(tx, seal, &before, &p); err != nil {
		return before, p, err
	}
	if err := syncVisitAttribution(tx, before, p); err != nil {
		return before, p, err
	}
	action, op := ActionUpdate, oplog.OpPatientUpdate
	if p.State != before.State {
		action, op = ActionState, oplog.OpPatientState
	}
	if err := RecordHistory(tx, v, p.ID, action, changes, now); err != nil {
		return before, p, err
	}
	return before, p, oplog.RecordOp(tx, v, op, oplog.TargetPatient, p.ID, oplog.ChangesSummary(changes), now)
}

// ReturnVisit reports whether an edit from before sending in's fields in
// set is a booking of a patient who has arrived (state 1 with an order
// time): a return visit (复诊), which the appointment book books while the
// patient stays arrived.
func ReturnVisit(before, in Patient, set PatientFieldSet) bool {
	return before.State == StateArrived && set&stateBit != 0 && in.State == StateWaiting &&
		set&orderTimeBit != 0 && in.OrderTime != nil
}

var stateBit, orderTimeBit = fieldBit("state"), fieldBit("order_time")

// fieldBit is the bit of the writable field with this column.
func fieldBit(column string) PatientFieldSet {
	for _, f := range patientFields {
		if f.Column == column {
			return f.Bit
		}
	}
	panic("no writable patient field " + column)
}

// SameValue reports whether two optional values are equal (both none, or
// both the same).
func SameValue[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// SaveFollowed writes a patient that follows a row of another domain (a
// visit, an appointment) from before to after, inside tx with the patient
// locked: the workflow's state rules, then the row, its derived counters
// and its history under action. The operation log is the caller's, which
// knows what happened.
func SaveFollowed(tx *gorm.DB, v access.Viewer, before Patient, after *Patient, action string, now time.Time) ([]oplog.Change, error) {
	seal, err := WriteSeal(tx)
	if err != nil {
		return nil, err
	}
	if err := ApplyStateRules(v, before, after, now); err != nil {
		return nil, err
	}
	changes := DiffPatients(before, *after)
	if len(changes) > 0 {
		after.UpdatedAt = now
		if err := tx.Omit("created_at").Save(after).Error; err != nil {
			return nil, err
		}
		if err := SyncDerived(tx, seal, &before, after); err != nil {
			return nil, err
		}
	}
	return changes, RecordHistory(tx, v, after.ID, action, changes, now)
}

// DeletePatient moves a visible patient to the recycle bin.
func DeletePatient(ctx context.Context, db *gorm.DB, v access.Viewer, id uint64, now time.Time) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		seal, err := WriteSeal(tx)
		if err != nil {
			return err
		}
		p, err := LockPatient(tx, v, id, false)
		if err != nil {
			return err
		}
		before := p
		if err := tx.Model(&p).Update("deleted_at", now).Error; err != nil {
			return err
		}
		p.DeletedAt = gorm.DeletedAt{Time: now, Valid: true}
		if err := SyncDerived(tx, seal, &before, &p); err != nil {
			return err
		}
		if err := RecordHistory(tx, v, p.ID, ActionDelete, []oplog.Change{}, now); err != nil {
			return err
		}
		return oplog.RecordOp(tx, v, oplog.OpPatientDelete, oplog.TargetPatient, p.ID, map[string]any{"name": p.Name}, now)
	})
}

// RestorePatient takes a patient out of the recycle bin.
func RestorePatient(ctx context.Context, db *gorm.DB, v access.Viewer, id uint64, now time.Time) (Patient, error) {
	var p Patient
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		seal, err := WriteSeal(tx)
		if err != nil {
			return err
		}
		if p, err = LockPatient(tx, v, id, true); err != nil {
			return err
		}
		if !p.DeletedAt.Valid {
			return ErrNotInBin
		}
		binned := p
		if err := tx.Unscoped().Model(&p).Update("deleted_at", nil).Error; err != nil {
			return err
		}
		p.DeletedAt = gorm.DeletedAt{}
		if err := SyncDerived(tx, seal, &binned, &p); err != nil {
			return err
		}
		if err := RecordHistory(tx, v, p.ID, ActionRestore, []oplog.Change{}, now); err != nil {
			return err
		}
		return oplog.RecordOp(tx, v, oplog.OpPatientRestore, oplog.TargetPatient, p.ID, map[string]any{"name": p.Name}, now)
	})
	return p, err
}

// PurgePatient deletes a patient in the recycle bin for good, with its
// history. Only the bin can be purged, so nothing disappears in one step;
// the operation log keeps the fact.
func PurgePatient(ctx context.Context, db *gorm.DB, v access.Viewer, id uint64, now time.Time) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		seal, err := WriteSeal(tx)
		if err != nil {
			return err
		}
		p, err := LockPatient(tx, v, id, true)
		if err != nil {
			return err
		}
		if !p.DeletedAt.Valid {
			return ErrPurgeNeedsBin
		}
		if err := tx.Where(clause.Eq{Column: "patient_id", Value: p.ID}).Delete(&PatientHistoryEntry{}).Error; err != nil {
			return err
		}
		if err := tx.Unscoped().Delete(&p).Error; err != nil {
			return err
		}
		if err := SyncDerived(tx, seal, &p, nil); err != nil {
			return err
		}
		return oplog.RecordOp(tx, v, oplog.OpPatientPurge, oplog.TargetPatient, p.ID, map[string]any{"name": p.Name}, now)
	})
}

// DuplicateQuery is what FindDuplicates compares: phone digits, WeChat and
// QQ, each exactly.
type DuplicateQuery struct {
	TelDigits string
	Wechat    string
	QQ        string
}

// FindDuplicates returns the patients the viewer may see that share a
// phone number, WeChat or QQ with q, and how many others outside its scope
// do: a consultant learns that someone else already has the person, not
// who. Phone numbers match only in full, so nothing masked is revealed.
func FindDuplicates(ctx context.Context, db *gorm.DB, v access.Viewer, q DuplicateQuery) ([]Patient, int64, error) {
	db = db.WithContext(ctx)
	same := sameContact(db, q.TelDigits, q.Wechat, q.QQ, 0)
	if same == nil || v.PatientScope() == access.ScopeNone {
		return nil, 0, nil
	}
	var visible []Patient
	err := access.Scoped(same.join(db.Model(&Patient{})), v).Select("patients.*").
		Order("patients.id").Limit(maxDuplicates).Find(&visible).Error
	if err != nil {
		return nil, 0, err
	}
	var all, inScope int64
	if err := same.join(db.Model(&Patient{})).Count(&all).Error; err != nil {
		return nil, 0, err
	}
	if err := access.Scoped(same.join(db.Model(&Patient{})), v).Count(&inScope).Error; err != nil {
		return nil, 0, err
	}
	return visible, all - inScope, nil
}

// sameContact is the search for the patients in the pool (not the bin)
// with this phone number, WeChat id or QQ number, each looked up whole in
// its index; nil if there is nothing to compare.
func sameContact(db *gorm.DB, telDigits, wechat, qq string, except uint64) *poolSearch {
	s := &poolSearch{}
	add := func(match clause.Expression) {
		s.branches = append(s.branches, db.Session(&gorm.Session{NewDB: true}).Table("patients").Select("id AS pid").
			Where(clause.Eq{Column: "deleted_at", Value: nil}).Where(clause.Neq{Column: "id", Value: except}).Where(match))
	}
	if telDigits != "" {
		add(clause.Eq{Column: "tel_rev", Value: searchkey.Reverse(telDigits)})
	}
	if wechat != "" {
		add(wechatEquals(db, wechat))
	}
	if qq != "" {
		add(clause.Eq{Column: "qq", Value: qq})
	}
	if len(s.branches) == 0 {
		return nil
	}
	return s
}

// stateNames are the states as the clinic says them, by State.
var StateNames = [...]string{"未处理", "已预约", "已到诊", "流失"}

// syncVisitAttribution keeps the visits of patients in step with their
// author and media channel: the visits table carries a copy of its
// patient's attribution (for the revenue report), which the patient keeps.
func syncVisitAttribution(tx *gorm.DB, before, after Patient) error {
	if before.AuthorID == after.AuthorID && SameValue(before.MediaFromID, after.MediaFromID) {
		return nil
	}
	return tx.Table(VisitsTable).Where(clause.Eq{Column: "patient_id", Value: after.ID}).
		Updates(map[string]any{"author_id": after.AuthorID, "media_from_id": after.MediaFromID, "updated_at": tx.NowFunc()}).Error
}

// VisitsTable is the visits' table (visit.Visit), whose attribution
// columns the patient keeps in step.
const VisitsTable = "patient_visits"
