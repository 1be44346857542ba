package followup

import (
	"context"
	"crm/apierr"
	"crm/models/access"
	"crm/models/calendar"
	"crm/models/idempotency"
	"crm/models/oplog"
	"crm/models/patient"
	"crm/models/store"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Followup is a record of a contact with a patient (回访/跟进): when, how,
// what was said, by whom, and when to follow up next. The username is kept
// as it was, so the record still reads right after the account is deleted.
type Followup struct {
	ID        uint64
	PatientID uint64
	UserID    *uint64
	Username  string
	Way       string
	Content   string
	Time      int64 // unix seconds
	NextTime  *int64
	CreatedAt time.Time
}

func (Followup) TableName() string { return "patient_followups" }

// FollowupWays are how a consultant reaches a patient.
var FollowupWays = []string{"phone", "wechat", "qq", "sms", "visit", "other"}

// FollowupWayLabel is a way as the clinic says it (the console shows it).
func FollowupWayLabel(way string) string { return followupWayLabels[way] }

var followupWayLabels = map[string]string{"phone": "电话", "wechat": "微信", "qq": "QQ", "sms": "短信", "visit": "到院", "other": "其他"}

// ErrNextBeforeFollowup: the next follow-up cannot come before this one.
var ErrNextBeforeFollowup = apierr.Invalid("next_time")

// FollowupInput is a follow-up as bound from a request: Way one of
// FollowupWays, Content checked for format; Time nil for now.
type FollowupInput struct {
	Way      string
	Content  string
	Time     *int64
	NextTime *int64 // nil: nothing planned
}

// AddFollowup records a follow-up of a patient the viewer sees, and sets
// the patient's next follow-up time to the follow-up's (clearing it when
// none is planned). Another user's patient needs patient.edit_all, as an
// edit does (48001 without it; 46001 for a patient the viewer cannot see).
func AddFollowup(ctx context.Context, db *gorm.DB, v access.Viewer, patientID uint64, in FollowupInput, now time.Time) (Followup, patient.Patient, error) {
	var f Followup
	var p patient.Patient
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		before, err := patient.LockPatient(tx, v, patientID, false)
		if err != nil {
			return err
		}
		if before.AuthorID != v.UserID && !v.Can(access.PermPatientEditAll) {
			return apierr.ErrForbidden
		}
		at := now.Unix()
		if in.Time != nil {
			at = *in.Time
		}
		userID := v.UserID
		f = Followup{PatientID: before.ID, UserID: &userID, Username: v.Username, Way: in.Way, Content: in.Content,
			Time: at, NextTime: in.NextTime, CreatedAt: now}
		if f.NextTime != nil && *f.NextTime < f.Time {
			return ErrNextBeforeFollowup
		}
		if err := tx.Create(&f).Error; err != nil {
			return err
		}
		if err := idempotency.MarkIdempotencyCommitted(tx, ctx, f.ID); err != nil {
			return err
		}
		p = before
		p.NextFollowupTime = in.NextTime
		changes := patient.DiffPatients(before, p)
		if len(changes) > 0 {
			p.UpdatedAt = now
			err := tx.Model(&patient.Patient{}).Where(clause.Eq{Column: "id", Value: p.ID}).
				Updates(map[string]any{"next_followup_time": p.NextFollowupTime, "updated_at": now}).Error
			if err != nil {
				return err
			}
		}
		if err := patient.RecordHistory(tx, v, p.ID, patient.ActionFollowup, changes, now); err != nil {
			return err
		}
		summary := map[string]any{"followup": f.ID, "way": f.Way, "next_time": f.NextTime}
		return oplog.RecordOp(tx, v, oplog.OpPatientFollowup, oplog.TargetPatient, p.ID, summary, now)
	})
	return f, p, err
}

// PatientFollowups returns a page of a visible patient's follow-ups,
// newest first, and how many there are.
func PatientFollowups(ctx context.Context, db *gorm.DB, v access.Viewer, patientID uint64, page, perPage int) ([]Followup, int64, error) {
	db = db.WithContext(ctx)
	p, err := patient.FindScoped(db, v, patientID, v.Can(access.PermPatientRestore))
	if err != nil {
		return nil, 0, err
	}
	q := db.Model(&Followup{}).Where(clause.Eq{Column: "patient_id", Value: p.ID})
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	rows := []Followup{}
	err = q.Order("time DESC, id DESC").Offset((page - 1) * perPage).Limit(perPage).Find(&rows).Error
	return rows, total, err
}

// FindFollowup is a follow-up of a patient the viewer sees.
func FindFollowup(ctx context.Context, db *gorm.DB, v access.Viewer, id uint64) (Followup, error) {
	db = db.WithContext(ctx)
	var f Followup
	if err := db.Where(clause.Eq{Column: "id", Value: id}).Take(&f).Error; err != nil {
		return f, store.NotFound(err)
	}
	if _, err := patient.FindScoped(db, v, f.PatientID, v.Can(access.PermPatientRestore)); err != nil {
		return Followup{}, err
	}
	return f, nil
}

// Due lists of follow-ups: the patients whose next follow-up time is
// before today, today, or after today, in the clinic's zone.
const (
	DueOverdue  = "overdue"
	DueToday    = "today"
	DueUpcoming = "upcoming"
)

var DueLists = []string{DueToday, DueOverdue, DueUpcoming}

// DueRange is the range of next follow-up times of a due list, today
// being the clinic's day of now.
func DueRange(due string, now time.Time, loc *time.Location) patient.TimeRange {
	today := calendar.PeriodStart(now.In(loc), calendar.GroupDay)
	start, end := today.Unix(), calendar.NextPeriod(today, calendar.GroupDay).Unix()-1
	before, after := start-1, end+1
	switch due {
	case DueOverdue:
		return patient.TimeRange{To: &before}
	case DueUpcoming:
		return patient.TimeRange{From: &after}
	}
	return patient.TimeRange{From: &start, To: &end}
}

// ValidFollowupWay reports whether way is one of FollowupWays.
func ValidFollowupWay(way string) bool { return slices.Contains(FollowupWays, way) }
