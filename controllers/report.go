package controllers

import (
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"crm/middleware"
	"crm/models/calendar"
	"crm/models/patient"
	"crm/models/report"
)

// ReportController serves the dashboard, the reports and the ranking, all
// counted in the clinic's calendar.
type ReportController struct {
	DB     *gorm.DB
	Now    func() time.Time
	Clinic *Clinic // the time zone its calendar is in
}

type countsJSON struct {
	Registered  int64   `json:"registered"`
	Booked      int64   `json:"booked"`
	Arrived     int64   `json:"arrived"`
	Lost        int64   `json:"lost"`
	ArrivalRate float64 `json:"arrivalRate"`
}

func presentCounts(c report.Counts) countsJSON {
	return countsJSON{c.Registered, c.Booked, c.Arrived, c.Lost, c.ArrivalRate()}
}

type periodJSON struct {
	Key   string `json:"key"`
	Start string `json:"start"`
	End   string `json:"end"`
}

func presentPeriod(p calendar.Period) periodJSON {
	return periodJSON{Key: p.Key, Start: strconv.FormatInt(p.Start.Unix(), 10), End: strconv.FormatInt(p.End.Unix(), 10)}
}

type groupLabelJSON struct {
	ID   *string `json:"id"`
	Name string  `json:"name"`
}

type groupCountsJSON struct {
	groupLabelJSON
	countsJSON
}

type reportPeriodJSON struct {
	periodJSON
	Total  countsJSON        `json:"total"`
	Groups []groupCountsJSON `json:"groups"`
}

type reportJSON struct {
	From      string             `json:"from"`
	To        string             `json:"to"`
	Group     string             `json:"group"`
	By        *string            `json:"by"`
	DateField string             `json:"dateField"`
	TimeZone  string             `json:"timezone"`
	Groups    []groupLabelJSON   `json:"groups"`
	Periods   []reportPeriodJSON `json:"periods"`
}

type reportEnvelope struct {
	Report reportJSON `json:"report"`
}

// Report is GET /report: from and to (dates, inclusive), group
// (day|week|month|year), by (optional), date_field, and the list's filters.
func (rc ReportController) Report(c *gin.Context) (any, error) {
	viewer, err := middleware.CurrentUser(c)
	if err != nil {
		return nil, err
	}
	b := newBinder(c)
	loc := rc.Clinic.Location(c)
	from, to := dateRange(b, loc)
	group := bindGroup(b)
	by := ""
	if name, v, ok := b.value("by"); ok {
		if _, _, known := report.ReportByColumn(v); !known {
			b.invalid(name)
		}
		by = v
	}
	dateColumn := "add_time"
	if name, v, ok := b.value("date_field"); ok {
		column, known := report.ReportDateColumn(v)
		if !known {
			b.invalid(name)
		}
		dateColumn = column
	}
	filter := bindPatientFilter(b)
	if b.err != nil {
		return nil, b.err
	}
	q, err := report.NewReportQuery(from, to, group, by, dateColumn, filter)
	if err != nil {
		return nil, err
	}
	periods, err := report.Report(c.Request.Context(), rc.DB, viewer, q)
	if err != nil {
		return nil, err
	}
	out := reportJSON{From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), Group: string(group),
		DateField: dateColumn, TimeZone: loc.String(), Groups: []groupLabelJSON{}, Periods: make([]reportPeriodJSON, len(periods))}
	if by != "" {
		out.By = &by
	}
	for i, p := range periods {
		rp := reportPeriodJSON{periodJSON: presentPeriod(p.Period), Total: presentCounts(p.Total), Groups: make([]groupCountsJSON, len(p.Groups))}
		for j, g := range p.Groups {
			label := groupLabelJSON{ID: g.Label.ID, Name: g.Label.Name}
			rp.Groups[j] = groupCountsJSON{label, presentCounts(g.Counts)}
			if i == 0 {
				out.Groups = append(out.Groups, label)
			}
		}
		out.Periods[i] = rp
	}
	return reportEnvelope{Report: out}, nil
}

type figuresJSON struct {
	periodJSON
	Registered  int64   `json:"registered"`
	Booked      int64   `json:"booked"`
	Arrived     int64   `json:"arrived"`
	Lost        int64   `json:"lost"`
	ArrivalRate float64 `json:"arrivalRate"`
}

type windowJSON struct {
	figuresJSON
	Previous figuresJSON `json:"previous"`
}

type dashboardJSON struct {
	TimeZone string       `json:"timezone"`
	Now      string       `json:"now"`
	Today    windowJSON   `json:"today"`
	Week     windowJSON   `json:"week"`
	Month    windowJSON   `json:"month"`
	Book     outcomesJSON `json:"book"`
}

// outcomesJSON is what became of a set of appointments.
type outcomesJSON struct {
	Booked      int64   `json:"booked"`
	Arrived     int64   `json:"arrived"`
	NoShow      int64   `json:"noShow"`
	Open        int64   `json:"open"`
	Cancelled   int64   `json:"cancelled"`
	ArrivalRate float64 `json:"arrivalRate"`
}

func presentOutcomes(o report.Outcomes) outcomesJSON {
	return outcomesJSON{o.Booked, o.Arrived, o.NoShow, o.Open, o.Cancelled, o.ArrivalRate()}
}

type dashboardEnvelope struct {
	Dashboard dashboardJSON `json:"dashboard"`
}

// Dashboard is GET /dashboard: today, this week, this month, each with
// the whole period before, in the caller's data scope.
func (rc ReportController) Dashboard(c *gin.Context) (any, error) {
	viewer, err := middleware.CurrentUser(c)
	if err != nil {
		return nil, err
	}
	now := rc.Now().In(rc.Clinic.Location(c))
	d, err := report.BuildDashboard(c.Request.Context(), rc.DB, viewer, now)
	if err != nil {
		return nil, err
	}
	figures := func(p calendar.Period, f report.DashboardFigures) figuresJSON {
		return figuresJSON{presentPeriod(p), f.Registered, f.Booked, f.Arrived, f.Lost, f.ArrivalRate()}
	}
	window := func(w report.DashboardWindow) windowJSON {
		return windowJSON{figures(w.Current, w.Figures), figures(w.Previous, w.PrevFigure)}
	}
	return dashboardEnvelope{Dashboard: dashboardJSON{TimeZone: now.Location().String(), Now: strconv.FormatInt(now.Unix(), 10),
		Today: window(d.Today), Week: window(d.Week), Month: window(d.Month), Book: presentOutcomes(d.Book)}}, nil
}

type rankEntryJSON struct {
	Rank        int     `json:"rank"`
	UserID      string  `json:"userId"`
	Username    string  `json:"username"`
	DisplayName string  `json:"displayName"`
	Registered  int64   `json:"registered"`
	Booked      int64   `json:"booked"`
	Arrived     int64   `json:"arrived"`
	Lost        int64   `json:"lost"`
	ArrivalRate float64 `json:"arrivalRate"`
	Revenue     int64   `json:"revenue"`
	RevenueYuan string  `json:"revenueYuan"`
}

type rankJSON struct {
	Type     string          `json:"type"`
	Period   string          `json:"period"`
	Range    periodJSON      `json:"range"`
	RankData []rankEntryJSON `json:"rank_data"`
}

// Rank is GET /rank: type (registered|arrived|lost|rate), period
// (day|week|month|year), date (2026-11-24, 2026-W48, 2026-11 or 2026; a
// date within the period also works; default today).
func (rc ReportController) Rank(c *gin.Context) (any, error) {
	viewer, err := middleware.CurrentUser(c)
	if err != nil {
		return nil, err
	}
	b := newBinder(c)
	by := report.RankRegistered
	if name, v, ok := b.value("type"); ok {
		parsed, known := report.ParseRankBy(v)
		if !known {
			b.invalid(name)
		}
		by = parsed
	}
	g := calendar.GroupMonth
	if p, ok := b.optionalChoice([]string{"day", "week", "month", "year"}, "period"); ok {
		g = calendar.Granularity(p)
	}
	loc := rc.Clinic.Location(c)
	day := rc.Now().In(loc)
	if name, v, ok := b.value("date"); ok {
		parsed, valid := calendar.ParsePeriod(v, g, loc)
		if !valid {
			b.invalid(name)
		}
		day = parsed
	}
	if b.err != nil {
		return nil, b.err
	}
	period := calendar.PeriodOf(day, g)
	entries, err := report.Ranking(c.Request.Context(), rc.DB, viewer, period, by)
	if err != nil {
		return nil, err
	}
	out := rankJSON{Type: string(by), Period: string(g), Range: presentPeriod(period), RankData: make([]rankEntryJSON, len(entries))}
	for i, e := range entries {
		out.RankData[i] = rankEntryJSON{Rank: e.Rank, UserID: strconv.FormatUint(e.User.ID, 10), Username: e.User.Username,
			DisplayName: e.User.DisplayName, Registered: e.Registered, Booked: e.Booked, Arrived: e.Arrived, Lost: e.Lost,
			ArrivalRate: e.ArrivalRate(), Revenue: e.Revenue, RevenueYuan: patient.Yuan(e.Revenue)}
	}
	return out, nil
}

// requiredDate reads a calendar date in the clinic's zone: 2026-11-24, or
// unix seconds (the date they fall on).
func (b *binder) requiredDate(loc *time.Location, names ...string) time.Time {
	name, v, ok := b.value(names...)
	if !ok {
		b.missing(name)
		return time.Time{}
	}
	if d, err := time.ParseInLocation(time.DateOnly, v, loc); err == nil && d.Year() >= 1970 && d.Year() <= 9999 {
		return d
	}
	if n, valid := parseInt(v, minUnixTime, maxUnixTime); valid {
		t := time.Unix(n, 0).In(loc)
		return calendar.Date(t.Year(), t.Month(), t.Day(), loc)
	}
	b.invalid(name)
	return time.Time{}
}

type appointmentGroupJSON struct {
	groupLabelJSON
	outcomesJSON
}

type appointmentReportJSON struct {
	From     string                 `json:"from"`
	To       string                 `json:"to"`
	TimeZone string                 `json:"timezone"`
	By       string                 `json:"by"`
	Total    outcomesJSON           `json:"total"`
	Groups   []appointmentGroupJSON `json:"groups"`
}

type appointmentReportEnvelope struct {
	Appointments appointmentReportJSON `json:"appointments"`
}

// Appointments is GET /report/appointments: the appointments starting
// from, to (dates, inclusive) by doctor (default), media or author —
// booked, arrived, no-show, still open, cancelled, and the arrival rate.
func (rc ReportController) Appointments(c *gin.Context) (any, error) {
	viewer, err := middleware.CurrentUser(c)
	if err != nil {
		return nil, err
	}
	b := newBinder(c)
	loc := rc.Clinic.Location(c)
	from, to := dateRange(b, loc)
	by, ok := b.optionalChoice(report.AppointmentGroupings, "by")
	if b.err != nil {
		return nil, b.err
	}
	if !ok {
		by = report.AppointmentGroupings[0]
	}
	period, err := calendar.DateSpan(from, to)
	if err != nil {
		return nil, err
	}
	total, groups, err := report.AppointmentOutcomes(c.Request.Context(), rc.DB, viewer, period, by)
	if err != nil {
		return nil, err
	}
	out := appointmentReportJSON{From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), TimeZone: loc.String(), By: by,
		Total: presentOutcomes(total), Groups: make([]appointmentGroupJSON, len(groups))}
	for i, g := range groups {
		out.Groups[i] = appointmentGroupJSON{groupLabelJSON{ID: g.Label.ID, Name: g.Label.Name}, presentOutcomes(g.Outcomes)}
	}
	return appointmentReportEnvelope{Appointments: out}, nil
}
