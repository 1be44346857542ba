package report

import (
	"context"
	"crm/apierr"
	"crm/internal/casing"
	"crm/models/access"
	"crm/models/calendar"
	"crm/models/dict"
	"crm/models/patient"
	"crm/models/staff"
	"crm/models/store"
	"fmt"
	"sort"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Counts is the funnel of a set of patients: registered; booked (they have
// an appointment: an order time, or the state waiting or arrived); arrived;
// lost.
type Counts struct {
	Registered int64
	Booked     int64
	Arrived    int64
	Lost       int64
}

// ArrivalRate is arrived / booked (0 when nobody was booked), to 4 places.
func (c Counts) ArrivalRate() float64 {
	if c.Booked == 0 {
		return 0
	}
	return float64(int64(float64(c.Arrived)/float64(c.Booked)*10000+0.5)) / 10000
}

func (c *Counts) add(o Counts) {
	c.Registered += o.Registered
	c.Booked += o.Booked
	c.Arrived += o.Arrived
	c.Lost += o.Lost
}

// The funnel in SQL, summed per group by the report, the dashboard and the
// ranking alike.
const funnelColumns = "COUNT(*) AS registered, " +
	"SUM(CASE WHEN order_time IS NOT NULL OR state IN (1, 2) THEN 1 ELSE 0 END) AS booked, " +
	"SUM(CASE WHEN state = 2 THEN 1 ELSE 0 END) AS arrived, " +
	"SUM(CASE WHEN state = 3 THEN 1 ELSE 0 END) AS lost"

// ReportBy is what a report groups patients by.
type ReportBy string

const (
	ByAuthor      ReportBy = "author"
	ByMedia       ReportBy = "media"
	ByDoctor      ReportBy = "doctor"
	ByDisease     ReportBy = "disease"
	ByAdvisoryWay ReportBy = "advisory_way"
	ByArea        ReportBy = "area"
	ByState       ReportBy = "state"
)

// ReportByColumn maps a client's by to its column; anything else is refused.
func ReportByColumn(by string) (ReportBy, string, bool) {
	switch ReportBy(by) {
	case ByAuthor:
		return ByAuthor, "author_id", true
	case ByMedia:
		return ByMedia, "media_from_id", true
	case ByDoctor:
		return ByDoctor, "doctor_id", true
	case ByDisease:
		return ByDisease, "disease_id", true
	case ByAdvisoryWay:
		return ByAdvisoryWay, "advisory_way", true
	case ByArea:
		return ByArea, "area", true
	case ByState:
		return ByState, "state", true
	}
	return "", "", false
}

// ReportDateColumn maps a client's date_field to its column.
func ReportDateColumn(field string) (string, bool) {
	for _, column := range []string{"add_time", "order_time", "reach_time"} {
		if casing.Either(field, column) {
			return column, true
		}
	}
	return "", false
}

type ReportQuery struct {
	From, To   time.Time // local dates, inclusive
	Group      calendar.Granularity
	By         ReportBy
	byColumn   string
	DateColumn string
	Filter     patient.PatientFilter
}

// NewReportQuery checks a report's shape; by "" asks for totals only.
func NewReportQuery(from, to time.Time, g calendar.Granularity, by string, dateColumn string, f patient.PatientFilter) (ReportQuery, error) {
	b, column, ok := ReportByColumn(by)
	if !ok && by != "" {
		return ReportQuery{}, apierr.Invalid("by")
	}
	if to.Before(from) {
		return ReportQuery{}, apierr.Invalid("to")
	}
	q := ReportQuery{From: from, To: to, Group: g, By: b, byColumn: column, DateColumn: dateColumn, Filter: f}
	if len(calendar.CalendarPeriods(from, to, g)) > g.MaxPeriods() {
		return ReportQuery{}, apierr.Invalid("to")
	}
	return q, nil
}

// GroupLabel names a group: the id the patients hold (a dictionary or
// user id, the text itself for area and advisory way, the state number)
// and its current name. ID nil is the group of patients without one.
type GroupLabel struct {
	ID   *string
	Name string
}

type GroupCounts struct {
	Label GroupLabel
	Counts
}

type ReportPeriod struct {
	calendar.Period
	Total  Counts
	Groups []GroupCounts // every group of the report, zeros included
}

// Report counts the patients the viewer may see, by calendar period of
// the date column and by group. Every period of the range is present,
// empty ones as zeros, and every period lists the same groups.
func Report(ctx context.Context, db *gorm.DB, v access.Viewer, q ReportQuery) ([]ReportPeriod, error) {
	db = db.WithContext(ctx)
	t, err := byPeriod(db, patient.VisiblePatients(db, v, q.Filter), q, q.DateColumn, func(bucket clause.Expression, group any) clause.Expression {
		if group == nil {
			return clause.Expr{SQL: "? AS bucket, NULL AS group_key, " + funnelColumns, Vars: []any{bucket}}
		}
		return clause.Expr{SQL: "? AS bucket, ? AS group_key, " + funnelColumns, Vars: []any{bucket, group}}
	}, (*Counts).add)
	if err != nil {
		return nil, err
	}
	out := make([]ReportPeriod, len(t.periods))
	for i, p := range t.periods {
		out[i] = ReportPeriod{Period: p, Total: t.totals[i], Groups: make([]GroupCounts, len(t.labels))}
		for j, l := range t.labels {
			out[i].Groups[j] = GroupCounts{Label: l, Counts: t.cells[i][j]}
		}
	}
	return out, nil
}

// periodTable is a report's figures by calendar period, in total and per
// group (cells[period][label]).
type periodTable[T any] struct {
	periods []calendar.Period
	labels  []GroupLabel
	totals  []T
	cells   [][]T
}

// selectFigures selects a report's columns: the day bucket, the group
// (nil: none) and the figures; each report writes its own, so that its SQL
// text stays constant.
type selectFigures func(bucket clause.Expression, group any) clause.Expression

// bucketRow is a row of a report's query: a day, a group, its figures.
type bucketRow[T any] struct {
	Bucket   int64
	GroupKey *string
	Figures  T `gorm:"embedded"`
}

// byPeriod sums the figures (SQL columns) of query's rows whose date
// column falls in q's range, by day and q's group, then folds the days
// into q's periods: the reports of patients and of visits alike.
func byPeriod[T any](db, query *gorm.DB, q ReportQuery, dateColumn string, figures selectFigures, add func(*T, T)) (periodTable[T], error) {
	periods := calendar.CalendarPeriods(q.From, q.To, q.Group)
	end := periods[len(periods)-1].End
	buckets := calendar.NewDayBuckets(q.From, end)
	var group any // nil: no group
	if q.By != "" {
		group = clause.Column{Name: q.byColumn}
	}
	selection := figures(buckets.Expression(db, dateColumn), group)
	var rows []bucketRow[T]
	err := query.
		Clauses(clause.Select{Expression: selection}).
		Where(clause.Gte{Column: dateColumn, Value: q.From.Unix()}).
		Where(clause.Lt{Column: dateColumn, Value: end.Unix()}).
		Clauses(clause.GroupBy{Columns: []clause.Column{{Name: "bucket"}, {Name: "group_key"}}}).
		Scan(&rows).Error
	if err != nil {
		return periodTable[T]{}, err
	}
	periodOfDay := buckets.PeriodOfDay(periods)
	type cell struct {
		period int
		group  string
	}
	sums := map[cell]T{}
	t := periodTable[T]{periods: periods, totals: make([]T, len(periods))}
	groups := map[string]*string{}
	for _, r := range rows {
		day := buckets.DayIndex(r.Bucket)
		if day < 0 {
			continue
		}
		p, key := periodOfDay[day], groupKey(r.GroupKey)
		add(&t.totals[p], r.Figures)
		if q.By == "" {
			continue
		}
		groups[key] = r.GroupKey
		sum := sums[cell{p, key}]
		add(&sum, r.Figures)
		sums[cell{p, key}] = sum
	}
	if t.labels, err = groupLabels(db, q.By, groups); err != nil {
		return t, err
	}
	t.cells = make([][]T, len(periods))
	for i := range periods {
		t.cells[i] = make([]T, len(t.labels))
		for j, l := range t.labels {
			t.cells[i][j] = sums[cell{i, groupKey(l.ID)}]
		}
	}
	return t, nil
}

func groupKey(id *string) string {
	if id == nil {
		return "\x00none"
	}
	return *id
}

// groupLabels names the groups, ordered by id (numerically for ids), the
// group without one last.
func groupLabels(db *gorm.DB, by ReportBy, groups map[string]*string) ([]GroupLabel, error) {
	var ids []uint64
	for _, id := range groups {
		if id != nil {
			if n, err := strconv.ParseUint(*id, 10, 64); err == nil {
				ids = append(ids, n)
			}
		}
	}
	names := map[string]string{}
	load := func(model any) error {
		if len(ids) == 0 {
			return nil
		}
		var rows []struct {
			ID   uint64
			Name string
		}
		err := db.Model(model).Select("id", "name").
			Where(clause.IN{Column: "id", Values: store.ToAny(ids)}).Scan(&rows).Error
		for _, r := range rows {
			names[strconv.FormatUint(r.ID, 10)] = r.Name
		}
		return err
	}
	var err error
	switch by {
	case ByAuthor:
		var users []staff.User
		if len(ids) > 0 {
			err = db.Select("id", "username", "display_name").Where(clause.IN{Column: "id", Values: store.ToAny(ids)}).Find(&users).Error
		}
		for _, u := range users {
			names[strconv.FormatUint(u.ID, 10)] = u.Shown()
		}
	case ByMedia:
		err = load(&dict.MediaChannel{})
	case ByDoctor:
		err = load(&dict.Doctor{})
	case ByDisease:
		err = load(&dict.Disease{})
	}
	if err != nil {
		return nil, err
	}
	labels := make([]GroupLabel, 0, len(groups))
	for key, id := range groups {
		label := GroupLabel{ID: id, Name: "未指定"}
		switch {
		case id == nil:
		case by == ByState:
			if n, err := strconv.Atoi(*id); err == nil && n >= 0 && n < len(patient.StateNames) {
				label.Name = patient.StateNames[n]
			}
		case by == ByArea || by == ByAdvisoryWay:
			label.Name = *id
		default:
			label.Name = names[key]
			if label.Name == "" {
				label.Name = "已删除 #" + key
			}
		}
		labels = append(labels, label)
	}
	sort.Slice(labels, func(i, j int) bool { return labelLess(labels[i].ID, labels[j].ID) })
	return labels, nil
}

func labelLess(a, b *string) bool {
	switch {
	case a == nil:
		return false
	case b == nil:
		return true
	}
	na, errA := strconv.ParseUint(*a, 10, 64)
	nb, errB := strconv.ParseUint(*b, 10, 64)
	if errA == nil && errB == nil {
		return na < nb
	}
	return *a < *b
}

// String helps tests and logs.
func (c Counts) String() string {
	return fmt.Sprintf("%d/%d/%d/%d", c.Registered, c.Booked, c.Arrived, c.Lost)
}
