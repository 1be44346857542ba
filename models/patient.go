package models

import (
	"context"
	"strings"
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
	CreatedAt       time.Time
	UpdatedAt       time.Time
	DeletedAt       gorm.DeletedAt
}

// Patient states.
const (
	StateUntreated int8 = 0 // 未处理
	StateWaiting   int8 = 1 // 等待/已预约
	StateArrived   int8 = 2 // 确认已到
	StateLost      int8 = 3 // 流失
)

// PatientFields are the writable fields, already checked for format by the
// binding; the rules that need the database are checked here.
type PatientFields struct {
	Name            string
	Sex             int8
	Age             *int16
	Tel             *string
	Wechat          *string
	QQ              *string
	AddTime         int64
	OrderTime       *int64
	ReachTime       *int64
	DiseaseID       *uint64
	State           int8
	MediaFromID     *uint64
	DoctorID        *uint64
	AdvisoryWay     *string
	AdvisoryContent *string
	Area            *string
	Remarks         *string
}

// maxDuplicates bounds the ids returned with a new patient.
const maxDuplicates = 20

// CreatePatient registers a patient authored by the viewer and reports the
// existing patients sharing its phone number, WeChat or QQ. A duplicate
// does not block registration: the consultant decides. Duplicates are
// looked up across the whole pool (only their ids are returned), since
// "someone already registered this person" is exactly what must be seen.
func CreatePatient(ctx context.Context, db *gorm.DB, v Viewer, in PatientFields) (Patient, []uint64, error) {
	p := Patient{
		Name: in.Name, Sex: in.Sex, Age: in.Age, Tel: in.Tel, TelDigits: PhoneDigits(in.Tel),
		Wechat: in.Wechat, QQ: in.QQ, AddTime: in.AddTime, OrderTime: in.OrderTime,
		ReachTime: in.ReachTime, DiseaseID: in.DiseaseID, AuthorID: v.UserID, State: in.State,
		MediaFromID: in.MediaFromID, DoctorID: in.DoctorID, AdvisoryWay: in.AdvisoryWay,
		AdvisoryContent: in.AdvisoryContent, Area: in.Area, Remarks: in.Remarks,
	}
	var duplicates []uint64
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := checkReferences(tx,
			dictionaryRef{field: "disease_id", model: &Disease{}, id: p.DiseaseID},
			dictionaryRef{field: "media_from_id", model: &MediaChannel{}, id: p.MediaFromID},
			dictionaryRef{field: "doctor_id", model: &Doctor{}, id: p.DoctorID},
		); err != nil {
			return err
		}
		if err := tx.Create(&p).Error; err != nil {
			return err
		}
		var err error
		duplicates, err = duplicatesOf(tx, p)
		return err
	})
	if err != nil {
		return Patient{}, nil, err
	}
	return p, duplicates, nil
}

func duplicatesOf(db *gorm.DB, p Patient) ([]uint64, error) {
	var same []clause.Expression
	if p.TelDigits != "" {
		same = append(same, clause.Eq{Column: "tel_digits", Value: p.TelDigits})
	}
	if p.Wechat != nil {
		same = append(same, clause.Eq{Column: "wechat", Value: *p.Wechat})
	}
	if p.QQ != nil {
		same = append(same, clause.Eq{Column: "qq", Value: *p.QQ})
	}
	if len(same) == 0 {
		return nil, nil
	}
	var ids []uint64
	err := db.Model(&Patient{}).
		Where(clause.Neq{Column: "id", Value: p.ID}).
		Where(clause.Or(same...)).
		Order("id").Limit(maxDuplicates).
		Pluck("id", &ids).Error
	return ids, err
}

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
	var n int64
	err := visiblePatients(db.WithContext(ctx), v, f).Count(&n).Error
	return n, err
}

// visiblePatients applies the viewer's data scope, then the filter. An
// unknown scope matches nothing.
func visiblePatients(db *gorm.DB, v Viewer, f PatientFilter) *gorm.DB {
	q := db.Model(&Patient{})
	switch v.patientScope() {
	case scopeAll:
	case scopeOwn:
		q = q.Where(clause.Eq{Column: "author_id", Value: v.UserID})
	default:
		q = q.Where("1 = 0")
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

func like(column, pattern string) clause.Expression {
	return clause.Expr{SQL: "? LIKE ? ESCAPE '!'", Vars: []any{clause.Column{Name: column}, pattern}}
}

// escapeLike neutralises LIKE wildcards; '!' is the escape character on
// both databases because MySQL treats a backslash in a literal specially.
func escapeLike(s string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s)
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

// PhoneDigits keeps the digits of a phone number.
func PhoneDigits(tel *string) string {
	if tel == nil {
		return ""
	}
	var b strings.Builder
	for _, r := range *tel {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TelFor is the phone number as this viewer may see it: whole for the
// patient's author and for roles with the full-phone permission, masked
// otherwise.
func (p Patient) TelFor(v Viewer) *string {
	if p.Tel == nil || p.AuthorID == v.UserID || v.Can(PermPatientFullPhone) {
		return p.Tel
	}
	masked := MaskPhone(p.TelDigits)
	return &masked
}

// MaskPhone keeps the first 3 and last 4 digits of a mobile number
// (135****6666). Shorter numbers keep only their last 4 digits, and numbers
// of fewer than 8 digits are hidden whole, so at least 4 digits are always
// hidden.
func MaskPhone(digits string) string {
	n := len(digits)
	switch {
	case n >= 11:
		return digits[:3] + strings.Repeat("*", n-7) + digits[n-4:]
	case n >= 8:
		return strings.Repeat("*", n-4) + digits[n-4:]
	default:
		return strings.Repeat("*", n)
	}
}
