package report

import (
	"context"
	"crm/models/access"
	"crm/models/calendar"
	"crm/models/patient"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// DashboardFigures are one window's numbers: patients registered in it,
// appointments in it (booked for today), arrivals in it, and of those
// registered in it, how many are lost. The arrival rate is arrivals in the
// window over appointments in it.
type DashboardFigures struct {
	Registered int64
	Booked     int64
	Arrived    int64
	Lost       int64
}

func (f DashboardFigures) ArrivalRate() float64 {
	return Counts{Booked: f.Booked, Arrived: f.Arrived}.ArrivalRate()
}

// DashboardWindow is a calendar period and the whole one before it.
type DashboardWindow struct {
	Current, Previous   calendar.Period
	Figures, PrevFigure DashboardFigures
}

type Dashboard struct {
	Today, Week, Month DashboardWindow
	Book               Outcomes // today's appointments
}

// BuildDashboard counts the viewer's scope for today, this week and this
// month in the clinic's zone, each with the previous whole period. Three
// queries, one per date column, each scanning about two months of that
// column's index.
func BuildDashboard(ctx context.Context, db *gorm.DB, v access.Viewer, now time.Time) (Dashboard, error) {
	db = db.WithContext(ctx)
	windows := func(g calendar.Granularity) DashboardWindow {
		current := calendar.PeriodOf(now, g)
		return DashboardWindow{Current: current, Previous: calendar.PeriodOf(current.Start.AddDate(0, 0, -1), g)}
	}
	d := Dashboard{Today: windows(calendar.GroupDay), Week: windows(calendar.GroupWeek), Month: windows(calendar.GroupMonth)}
	all := []*DashboardWindow{&d.Today, &d.Week, &d.Month}
	periods := make([]calendar.Period, 0, 6)
	for _, w := range all {
		periods = append(periods, w.Current, w.Previous)
	}
	from, to := periods[0].Start, periods[0].End
	for _, p := range periods {
		if p.Start.Before(from) {
			from = p.Start
		}
		if p.End.After(to) {
			to = p.End
		}
	}

	// One SUM per period and state filter (nil: any state) over one date
	// column; the date range keeps the scan on that column's index.
	sums := func(column string, states ...*int8) ([][]int64, error) {
		var exprs []clause.Expression
		for _, state := range states {
			for _, p := range periods {
				col := clause.Column{Name: column}
				if state == nil {
					exprs = append(exprs, clause.Expr{SQL: "SUM(CASE WHEN ? >= ? AND ? < ? THEN 1 ELSE 0 END)",
						Vars: []any{col, p.Start.Unix(), col, p.End.Unix()}})
				} else {
					exprs = append(exprs, clause.Expr{SQL: "SUM(CASE WHEN ? >= ? AND ? < ? AND state = ? THEN 1 ELSE 0 END)",
						Vars: []any{col, p.Start.Unix(), col, p.End.Unix(), *state}})
				}
			}
		}
		values := make([]*int64, len(exprs))
		dest := make([]any, len(exprs))
		for i := range values {
			dest[i] = &values[i]
		}
		row := patient.VisiblePatients(db, v, patient.PatientFilter{}).
			Clauses(clause.Select{Expression: clause.CommaExpression{Exprs: exprs}}).
			Where(clause.Gte{Column: column, Value: from.Unix()}).
			Where(clause.Lt{Column: column, Value: to.Unix()}).Row()
		if err := row.Scan(dest...); err != nil {
			return nil, err
		}
		out := make([][]int64, len(states))
		for i := range states {
			out[i] = make([]int64, len(periods))
			for j := range periods {
				if v := values[i*len(periods)+j]; v != nil {
					out[i][j] = *v
				}
			}
		}
		return out, nil
	}
	lostState, arrivedState := patient.StateLost, patient.StateArrived
	added, err := sums("add_time", nil, &lostState)
	if err != nil {
		return Dashboard{}, err
	}
	booked, err := sums("order_time", nil)
	if err != nil {
		return Dashboard{}, err
	}
	arrived, err := sums("reach_time", &arrivedState)
	if err != nil {
		return Dashboard{}, err
	}
	registered, lost := added[0], added[1]
	for i, w := range all {
		w.Figures = DashboardFigures{registered[2*i], booked[0][2*i], arrived[0][2*i], lost[2*i]}
		w.PrevFigure = DashboardFigures{registered[2*i+1], booked[0][2*i+1], arrived[0][2*i+1], lost[2*i+1]}
	}
	book, err := TodaysBook(ctx, db, v, d.Today.Current)
	d.Book = book
	return d, err
}
