package models

import (
	"context"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"crm/apierr"
)

// TimeRange bounds a unix-second column, both ends inclusive and optional.
type TimeRange struct {
	From, To *int64
}

// PatientFilter narrows the list. For the dictionary ids, a pointer to 0
// asks for patients without one.
type PatientFilter struct {
	State       *int8
	AuthorID    *uint64
	DoctorID    *uint64
	DiseaseID   *uint64
	MediaFromID *uint64
	AddTime     TimeRange
	OrderTime   TimeRange
	ReachTime   TimeRange
	Q           string
	Deleted     bool // the recycle bin instead of the pool; needs patient.restore
}

// PatientSort is a column of the sort whitelist; only PatientSortColumn
// makes one from client input.
type PatientSort string

const DefaultPatientSort PatientSort = "add_time"

// PatientSortColumn maps a client's sort_by (snake_case or camelCase) to a
// column. Anything else is refused: sort keys never reach SQL as text.
func PatientSortColumn(name string) (PatientSort, bool) {
	switch name {
	case "id":
		return "id", true
	case "name":
		return "name", true
	case "sex":
		return "sex", true
	case "age":
		return "age", true
	case "add_time", "addTime":
		return "add_time", true
	case "order_time", "orderTime":
		return "order_time", true
	case "reach_time", "reachTime":
		return "reach_time", true
	case "state":
		return "state", true
	case "author_id", "authorId":
		return "author_id", true
	case "doctor_id", "doctorId":
		return "doctor_id", true
	case "disease_id", "diseaseId":
		return "disease_id", true
	case "media_from_id", "mediaFromId":
		return "media_from_id", true
	}
	return "", false
}

type PatientPage struct {
	Page    int // from 1
	PerPage int
	Sort    PatientSort
	Desc    bool
}

// ListPatients returns one page of the patients the viewer may see, and
// the total for the same filter.
func ListPatients(ctx context.Context, db *gorm.DB, v Viewer, f PatientFilter, page PatientPage) ([]Patient, int64, error) {
	if f.Deleted && !v.Can(PermPatientRestore) {
		return nil, 0, apierr.ErrForbidden
	}
	total, err := CountPatients(ctx, db, v, f)
	if err != nil {
		return nil, 0, err
	}
	if page.Sort == "" {
		page.Sort = DefaultPatientSort
	}
	var rows []Patient
	err = visiblePatients(db.WithContext(ctx), v, f).
		Order(clause.OrderBy{Columns: []clause.OrderByColumn{
			{Column: clause.Column{Name: string(page.Sort)}, Desc: page.Desc},
			{Column: clause.Column{Name: "id"}, Desc: page.Desc}, // stable pages when sort values tie
		}}).
		Offset((page.Page - 1) * page.PerPage).Limit(page.PerPage).
		Find(&rows).Error
	return rows, total, err
}

func CountPatients(ctx context.Context, db *gorm.DB, v Viewer, f PatientFilter) (int64, error) {
	if f.Deleted && !v.Can(PermPatientRestore) {
		return 0, apierr.ErrForbidden
	}
	var n int64
	err := visiblePatients(db.WithContext(ctx), v, f).Count(&n).Error
	return n, err
}

// visiblePatients applies the viewer's data scope, then the filter.
func visiblePatients(db *gorm.DB, v Viewer, f PatientFilter) *gorm.DB {
	q := scoped(db.Model(&Patient{}), v)
	if f.Deleted {
		q = q.Unscoped().Where("deleted_at IS NOT NULL")
	}
	return f.apply(q, v)
}

func (f PatientFilter) apply(q *gorm.DB, v Viewer) *gorm.DB {
	if f.State != nil {
		q = q.Where(clause.Eq{Column: "state", Value: *f.State})
	}
	if f.AuthorID != nil {
		q = q.Where(clause.Eq{Column: "author_id", Value: *f.AuthorID})
	}
	// Slices, not maps: the statement text must not vary from call to call.
	for _, ref := range []struct {
		column string
		id     *uint64
	}{{"doctor_id", f.DoctorID}, {"disease_id", f.DiseaseID}, {"media_from_id", f.MediaFromID}} {
		switch {
		case ref.id == nil:
		case *ref.id == 0:
			q = q.Where(clause.Eq{Column: ref.column, Value: nil})
		default:
			q = q.Where(clause.Eq{Column: ref.column, Value: *ref.id})
		}
	}
	for _, r := range []struct {
		column string
		TimeRange
	}{{"add_time", f.AddTime}, {"order_time", f.OrderTime}, {"reach_time", f.ReachTime}} {
		if r.From != nil {
			q = q.Where(clause.Gte{Column: r.column, Value: *r.From})
		}
		if r.To != nil {
			q = q.Where(clause.Lte{Column: r.column, Value: *r.To})
		}
	}
	if f.Q != "" {
		q = q.Where(clause.Or(searchConditions(f.Q, v)...))
	}
	return q
}

// searchConditions: q matches name, WeChat and QQ anywhere. Phone numbers
// that the viewer sees masked match only in full, or a prefix search could
// recover the hidden digits one at a time.
func searchConditions(q string, v Viewer) []clause.Expression {
	pattern := "%" + escapeLike(q) + "%"
	conds := []clause.Expression{like("name", pattern), like("wechat", pattern), like("qq", pattern)}
	digits := searchPhoneDigits(q)
	if digits == "" {
		return conds
	}
	anywhere := like("tel_digits", "%"+digits+"%")
	if v.Can(PermPatientFullPhone) {
		return append(conds, anywhere)
	}
	return append(conds,
		clause.And(clause.Eq{Column: "author_id", Value: v.UserID}, anywhere),
		clause.Eq{Column: "tel_digits", Value: digits})
}

// searchPhoneDigits returns q's digits when q looks like a phone number
// (digits, spaces, '+', '-'), else "".
func searchPhoneDigits(q string) string {
	for _, r := range q {
		if !strings.ContainsRune("0123456789+- ", r) {
			return ""
		}
	}
	return PhoneDigits(&q)
}
