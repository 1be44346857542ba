package report

import (
	"cmp"
	"context"
	"crm/apierr"
	"crm/models/access"
	"crm/models/calendar"
	"crm/models/followup"
	"crm/models/patient"
	"crm/models/staff"
	"crm/models/store"
	"crm/models/visit"
	"slices"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Revenue is what a set of visits that happened (arrived) brought: how
// many, how many first visits (初诊), and the amount in fen.
type Revenue struct {
	Visits int64
	First  int64
	Amount int64
}

// Returns are the visits that were not first visits (复诊).
func (r Revenue) Returns() int64 { return r.Visits - r.First }

func (r *Revenue) add(o Revenue) {
	r.Visits += o.Visits
	r.First += o.First
	r.Amount += o.Amount
}

// The fewest aggregates over the plainest expressions: a year's report
// sums some 150,000 visits, and each CASE or extra SUM costs there
// (returns are visits less first visits; a group has at least one visit,
// so SUM(amount) is never NULL).
const revenueColumns = "COUNT(*) AS visits, SUM(first) AS first, SUM(amount) AS amount"

// RevenueBy names the dimensions of the revenue report: the visit's
// patient's consultant and channel, the visit's doctor and disease.
var revenueBy = map[ReportBy]string{ByAuthor: "author_id", ByMedia: "media_from_id", ByDoctor: "doctor_id", ByDisease: "disease_id"}

// RevenueQuery is a revenue report: visits by the calendar period of their
// reach time, grouped by one dimension or none; the filters narrow by the
// same dimensions.
type RevenueQuery struct {
	ReportQuery
}

// NewRevenueQuery checks a revenue report's shape.
func NewRevenueQuery(q ReportQuery) (RevenueQuery, error) {
	if q.By != "" {
		column, ok := revenueBy[q.By]
		if !ok {
			return RevenueQuery{}, apierr.Invalid("by")
		}
		q.byColumn = column
	}
	return RevenueQuery{q}, nil
}

type GroupRevenue struct {
	Label GroupLabel
	Revenue
}

type RevenuePeriod struct {
	calendar.Period
	Total  Revenue
	Groups []GroupRevenue
}

// visibleVisits are the visits of the patients the viewer may see (their
// author is the patient's), filtered by author, channel, doctor, disease.
func visibleVisits(db *gorm.DB, v access.Viewer, f patient.PatientFilter) *gorm.DB {
	q := db.Model(&visit.Visit{})
	switch v.PatientScope() {
	case access.ScopeAll:
	case access.ScopeOwn:
		q = q.Where(clause.Eq{Column: "author_id", Value: v.UserID})
	default:
		return q.Where("1 = 0")
	}
	for _, ref := range []struct {
		column string
		id     *uint64
	}{{"author_id", f.AuthorID}, {"media_from_id", f.MediaFromID}, {"doctor_id", f.DoctorID}, {"disease_id", f.DiseaseID}} {
		switch {
		case ref.id == nil:
		case *ref.id == 0:
			q = q.Where(clause.Eq{Column: ref.column, Value: nil})
		default:
			q = q.Where(clause.Eq{Column: ref.column, Value: *ref.id})
		}
	}
	return q
}

// RevenueReport sums the visits that arrived in each calendar period,
// by group. Visits of patients in the recycle bin count (the money came
// in); a purged patient's are gone with it.
func RevenueReport(ctx context.Context, db *gorm.DB, v access.Viewer, q RevenueQuery) ([]RevenuePeriod, error) {
	db = db.WithContext(ctx)
	t, err := byPeriod(db, visibleVisits(db, v, q.Filter), q.ReportQuery, "reach_time", func(bucket clause.Expression, group any) clause.Expression {
		if group == nil {
			return clause.Expr{SQL: "? AS bucket, NULL AS group_key, " + revenueColumns, Vars: []any{bucket}}
		}
		return clause.Expr{SQL: "? AS bucket, ? AS group_key, " + revenueColumns, Vars: []any{bucket, group}}
	}, (*Revenue).add)
	if err != nil {
		return nil, err
	}
	out := make([]RevenuePeriod, len(t.periods))
	for i, p := range t.periods {
		out[i] = RevenuePeriod{Period: p, Total: t.totals[i], Groups: make([]GroupRevenue, len(t.labels))}
		for j, l := range t.labels {
			out[i].Groups[j] = GroupRevenue{Label: l, Revenue: t.cells[i][j]}
		}
	}
	return out, nil
}

// Funnel is the way of the patients registered in a period: registered,
// still untreated, booked, arrived, paid (a visit with an amount), lost,
// and what they paid, in fen.
type Funnel struct {
	Counts
	Untreated int64
	Paid      int64
	Revenue   int64
}

// PatientFunnel follows the patients the viewer may see registered in
// [from, end) (the list's filters apply).
func PatientFunnel(ctx context.Context, db *gorm.DB, v access.Viewer, p calendar.Period, f patient.PatientFilter) (Funnel, error) {
	var out Funnel
	err := patient.VisiblePatients(db.WithContext(ctx), v, f).
		Clauses(clause.Select{Expression: clause.Expr{SQL: funnelColumns + ", " +
			"SUM(CASE WHEN state = 0 THEN 1 ELSE 0 END) AS untreated, " +
			"SUM(CASE WHEN revenue > 0 THEN 1 ELSE 0 END) AS paid, COALESCE(SUM(revenue), 0) AS revenue"}}).
		Where(clause.Gte{Column: "add_time", Value: p.Start.Unix()}).
		Where(clause.Lt{Column: "add_time", Value: p.End.Unix()}).
		Scan(&out).Error
	return out, err
}

// FollowupCount is how many follow-ups a user recorded, by way.
type FollowupCount struct {
	UserID   *uint64
	Username string
	Total    int64
	ByWay    map[string]int64
}

// FollowupCounts counts the follow-ups recorded in [start, end) per user
// and way: everyone's for a viewer who sees every patient, else its own.
func FollowupCounts(ctx context.Context, db *gorm.DB, v access.Viewer, p calendar.Period) ([]FollowupCount, error) {
	db = db.WithContext(ctx)
	q := db.Model(&followup.Followup{}).
		Where(clause.Gte{Column: "time", Value: p.Start.Unix()}).
		Where(clause.Lt{Column: "time", Value: p.End.Unix()})
	switch v.PatientScope() {
	case access.ScopeAll:
	case access.ScopeOwn:
		q = q.Where(clause.Eq{Column: "user_id", Value: v.UserID})
	default:
		return nil, apierr.ErrForbidden
	}
	var rows []struct {
		UserID *uint64
		Way    string
		N      int64
	}
	if err := q.Select("user_id, way, COUNT(*) AS n").Group("user_id, way").Scan(&rows).Error; err != nil {
		return nil, err
	}
	byUser := map[uint64]*FollowupCount{}
	var order []uint64
	for _, r := range rows {
		key := patient.Ref(r.UserID)
		c, ok := byUser[key]
		if !ok {
			c = &FollowupCount{UserID: r.UserID, ByWay: map[string]int64{}}
			byUser[key] = c
			order = append(order, key)
		}
		c.ByWay[r.Way] += r.N
		c.Total += r.N
	}
	names, err := userNames(db, order)
	if err != nil {
		return nil, err
	}
	out := make([]FollowupCount, 0, len(order))
	for _, key := range order {
		c := *byUser[key]
		c.Username = names[key]
		out = append(out, c)
	}
	sortFollowupCounts(out)
	return out, nil
}

// userNames are the display names of users by id ("已删除" for none).
func userNames(db *gorm.DB, ids []uint64) (map[uint64]string, error) {
	names := map[uint64]string{0: "已删除"}
	if len(ids) == 0 {
		return names, nil
	}
	var users []staff.User
	err := db.Select("id", "username", "display_name").Where(clause.IN{Column: "id", Values: store.ToAny(ids)}).Find(&users).Error
	for _, u := range users {
		names[u.ID] = u.Shown()
	}
	return names, err
}

// sortFollowupCounts: most first, then by user id (deleted users last).
func sortFollowupCounts(counts []FollowupCount) {
	slices.SortFunc(counts, func(a, b FollowupCount) int {
		if a.Total != b.Total {
			return cmp.Compare(b.Total, a.Total)
		}
		ua, ub := patient.Ref(a.UserID), patient.Ref(b.UserID)
		if ua == 0 || ub == 0 {
			return cmp.Compare(ub, ua)
		}
		return cmp.Compare(ua, ub)
	})
}
