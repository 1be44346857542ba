package controllers

import (
	"time"

	"github.com/gin-gonic/gin"

	"crm/middleware"
	"crm/models/calendar"
	"crm/models/followup"
	"crm/models/patient"
	"crm/models/report"
)

// The CRM reports: revenue by period and dimension, the funnel of the
// patients registered in a range, and the follow-ups per consultant.

type revenueJSON struct {
	Visits     int64  `json:"visits"`
	First      int64  `json:"first"`
	Returns    int64  `json:"returns"`
	Amount     int64  `json:"amount"`
	AmountYuan string `json:"amountYuan"`
}

func presentRevenue(r report.Revenue) revenueJSON {
	return revenueJSON{r.Visits, r.First, r.Returns(), r.Amount, patient.Yuan(r.Amount)}
}

type groupRevenueJSON struct {
	groupLabelJSON
	revenueJSON
}

type revenuePeriodJSON struct {
	periodJSON
	Total  revenueJSON        `json:"total"`
	Groups []groupRevenueJSON `json:"groups"`
}

type revenueReportJSON struct {
	From     string              `json:"from"`
	To       string              `json:"to"`
	Group    string              `json:"group"`
	By       *string             `json:"by"`
	TimeZone string              `json:"timezone"`
	Groups   []groupLabelJSON    `json:"groups"`
	Periods  []revenuePeriodJSON `json:"periods"`
}

type revenueEnvelope struct {
	Revenue revenueReportJSON `json:"revenue"`
}

// dateRange reads from and to, dates inclusive in the clinic's zone.
func dateRange(b *binder, loc *time.Location) (from, to time.Time) {
	return b.requiredDate(loc, "from"), b.requiredDate(loc, "to")
}

func bindGroup(b *binder) calendar.Granularity {
	if g, ok := b.optionalChoice([]string{"day", "week", "month", "year"}, "group"); ok {
		return calendar.Granularity(g)
	}
	return calendar.GroupDay
}

// Revenue is GET /report/revenue: the visits that arrived from, to (dates,
// inclusive), by group (day|week|month|year) and by (author|media|doctor|
// disease, optional); author_id, media_from_id, doctor_id, disease_id
// narrow it.
func (rc ReportController) Revenue(c *gin.Context) (any, error) {
	viewer, err := middleware.CurrentUser(c)
	if err != nil {
		return nil, err
	}
	b := newBinder(c)
	from, to := dateRange(b, rc.Clinic.Location(c))
	group := bindGroup(b)
	by, _ := b.optionalChoice([]string{"author", "media", "doctor", "disease"}, "by")
	filter := bindPatientFilter(b)
	if b.err != nil {
		return nil, b.err
	}
	shape, err := report.NewReportQuery(from, to, group, by, "", filter)
	if err != nil {
		return nil, err
	}
	q, err := report.NewRevenueQuery(shape)
	if err != nil {
		return nil, err
	}
	periods, err := report.RevenueReport(c.Request.Context(), rc.DB, viewer, q)
	if err != nil {
		return nil, err
	}
	out := revenueReportJSON{From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), Group: string(group),
		TimeZone: rc.Clinic.Location(c).String(), Groups: []groupLabelJSON{}, Periods: make([]revenuePeriodJSON, len(periods))}
	if by != "" {
		out.By = &by
	}
	for i, p := range periods {
		rp := revenuePeriodJSON{periodJSON: presentPeriod(p.Period), Total: presentRevenue(p.Total), Groups: make([]groupRevenueJSON, len(p.Groups))}
		for j, g := range p.Groups {
			label := groupLabelJSON{ID: g.Label.ID, Name: g.Label.Name}
			rp.Groups[j] = groupRevenueJSON{label, presentRevenue(g.Revenue)}
			if i == 0 {
				out.Groups = append(out.Groups, label)
			}
		}
		out.Periods[i] = rp
	}
	return revenueEnvelope{Revenue: out}, nil
}

type funnelJSON struct {
	From        string  `json:"from"`
	To          string  `json:"to"`
	TimeZone    string  `json:"timezone"`
	Registered  int64   `json:"registered"`
	Untreated   int64   `json:"untreated"`
	Booked      int64   `json:"booked"`
	Arrived     int64   `json:"arrived"`
	Paid        int64   `json:"paid"`
	Lost        int64   `json:"lost"`
	Revenue     int64   `json:"revenue"`
	RevenueYuan string  `json:"revenueYuan"`
	ArrivalRate float64 `json:"arrivalRate"`
}

type funnelEnvelope struct {
	Funnel funnelJSON `json:"funnel"`
}

// Funnel is GET /report/funnel: the patients registered from, to (dates,
// inclusive; the list's filters apply) — registered, still untreated,
// booked, arrived, paid, lost — and what they paid.
func (rc ReportController) Funnel(c *gin.Context) (any, error) {
	viewer, err := middleware.CurrentUser(c)
	if err != nil {
		return nil, err
	}
	b := newBinder(c)
	from, to := dateRange(b, rc.Clinic.Location(c))
	filter := bindPatientFilter(b)
	if b.err != nil {
		return nil, b.err
	}
	period, err := calendar.DateSpan(from, to)
	if err != nil {
		return nil, err
	}
	f, err := report.PatientFunnel(c.Request.Context(), rc.DB, viewer, period, filter)
	if err != nil {
		return nil, err
	}
	return funnelEnvelope{Funnel: funnelJSON{From: from.Format(time.DateOnly), To: to.Format(time.DateOnly),
		TimeZone: rc.Clinic.Location(c).String(), Registered: f.Registered, Untreated: f.Untreated, Booked: f.Booked,
		Arrived: f.Arrived, Paid: f.Paid, Lost: f.Lost, Revenue: f.Revenue, RevenueYuan: patient.Yuan(f.Revenue),
		ArrivalRate: f.ArrivalRate()}}, nil
}

type followupCountJSON struct {
	UserID *string          `json:"userId"`
	Name   string           `json:"name"`
	Total  int64            `json:"total"`
	ByWay  map[string]int64 `json:"byWay"`
}

type followupReportJSON struct {
	From     string              `json:"from"`
	To       string              `json:"to"`
	TimeZone string              `json:"timezone"`
	Users    []followupCountJSON `json:"users"`
}

type followupReportEnvelope struct {
	Followups followupReportJSON `json:"followups"`
}

// Followups is GET /report/followups: the follow-ups recorded from, to
// (dates, inclusive) per consultant and way, most first.
func (rc ReportController) Followups(c *gin.Context) (any, error) {
	viewer, err := middleware.CurrentUser(c)
	if err != nil {
		return nil, err
	}
	b := newBinder(c)
	from, to := dateRange(b, rc.Clinic.Location(c))
	if b.err != nil {
		return nil, b.err
	}
	period, err := calendar.DateSpan(from, to)
	if err != nil {
		return nil, err
	}
	counts, err := report.FollowupCounts(c.Request.Context(), rc.DB, viewer, period)
	if err != nil {
		return nil, err
	}
	out := followupReportJSON{From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), TimeZone: rc.Clinic.Location(c).String(),
		Users: make([]followupCountJSON, len(counts))}
	for i, fc := range counts {
		byWay := map[string]int64{}
		for _, way := range followup.FollowupWays {
			byWay[way] = fc.ByWay[way]
		}
		out.Users[i] = followupCountJSON{UserID: optionalID(fc.UserID), Name: fc.Username, Total: fc.Total, ByWay: byWay}
	}
	return followupReportEnvelope{Followups: out}, nil
}
