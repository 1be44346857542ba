package report

import (
	"context"
	"crm/apierr"
	"crm/models/access"
	"crm/models/appointment"
	"crm/models/calendar"
	"strconv"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Outcomes are what became of the appointments of a period: booked (all
// but the cancelled), arrived, no-show, still booked, cancelled.
type Outcomes struct {
	Booked, Arrived, NoShow, Open, Cancelled int64
}

// ArrivalRate (到院率) is arrived / booked, to 4 places (0 when none).
func (o Outcomes) ArrivalRate() float64 {
	return Counts{Booked: o.Booked, Arrived: o.Arrived}.ArrivalRate()
}

// GroupOutcomes is one group's outcomes.
type GroupOutcomes struct {
	Label GroupLabel
	Outcomes
}

// AppointmentGroupings are what the appointment report groups by, the
// first by default: the appointment's doctor, its patient's channel or
// registering consultant.
var AppointmentGroupings = []string{string(ByDoctor), string(ByMedia), string(ByAuthor)}

var appointmentGroupColumns = map[ReportBy]clause.Column{
	ByDoctor: {Table: "appointments", Name: "doctor_id"},
	ByMedia:  {Table: "patients", Name: "media_from_id"},
	ByAuthor: {Table: "patients", Name: "author_id"},
}

// ErrAppointmentsBy: the appointment report groups by AppointmentGroupings only.
var ErrAppointmentsBy = apierr.Invalid("by")

// add counts n appointments of a status.
func (o *Outcomes) add(status string, n int64) {
	switch status {
	case appointment.StatusArrived:
		o.Arrived += n
	case appointment.StatusNoShow:
		o.NoShow += n
	case appointment.StatusBooked:
		o.Open += n
	case appointment.StatusCancelled:
		o.Cancelled += n
		return
	}
	o.Booked += n
}

// outcomeCount is a count of one status (in one group).
type outcomeCount struct {
	GroupID *uint64
	Status  string
	N       int64
}

// countOutcomes counts the appointments starting in the period of the
// patients the viewer may see, by status and, unless group is nil, by
// group.
func countOutcomes(db *gorm.DB, v access.Viewer, p calendar.Period, group *clause.Column) ([]outcomeCount, error) {
	q := db.Table("appointments").Joins("JOIN patients ON patients.id = appointments.patient_id").
		Where("patients.deleted_at IS NULL").
		Where(clause.Gte{Column: "appointments.start_time", Value: p.Start.Unix()}).
		Where(clause.Lt{Column: "appointments.start_time", Value: p.End.Unix()})
	switch v.PatientScope() {
	case access.ScopeAll:
	case access.ScopeOwn:
		q = q.Where(clause.Eq{Column: "patients.author_id", Value: v.UserID})
	default:
		return nil, apierr.ErrForbidden
	}
	status := clause.Column{Table: "appointments", Name: "status"}
	var rows []outcomeCount
	if group == nil {
		err := q.Select("appointments.status AS status, COUNT(*) AS n").Clauses(clause.GroupBy{Columns: []clause.Column{status}}).Scan(&rows).Error
		return rows, err
	}
	err := q.Select("? AS group_id, appointments.status AS status, COUNT(*) AS n", *group).
		Clauses(clause.GroupBy{Columns: []clause.Column{*group, status}}).Scan(&rows).Error
	return rows, err
}

// AppointmentOutcomes counts the appointments starting in the period of
// the patients the viewer may see, per group of by, and in total.
func AppointmentOutcomes(ctx context.Context, db *gorm.DB, v access.Viewer, p calendar.Period, by string) (Outcomes, []GroupOutcomes, error) {
	column, ok := appointmentGroupColumns[ReportBy(by)]
	if !ok {
		return Outcomes{}, nil, ErrAppointmentsBy
	}
	db = db.WithContext(ctx)
	rows, err := countOutcomes(db, v, p, &column)
	if err != nil {
		return Outcomes{}, nil, err
	}
	var total Outcomes
	byGroup := map[string]*Outcomes{}
	ids := map[string]*string{}
	for _, r := range rows {
		var id *string
		if r.GroupID != nil {
			s := strconv.FormatUint(*r.GroupID, 10)
			id = &s
		}
		key := groupKey(id)
		if byGroup[key] == nil {
			byGroup[key], ids[key] = &Outcomes{}, id
		}
		total.add(r.Status, r.N)
		byGroup[key].add(r.Status, r.N)
	}
	labels, err := groupLabels(db, ReportBy(by), ids)
	if err != nil {
		return Outcomes{}, nil, err
	}
	groups := make([]GroupOutcomes, len(labels))
	for i, l := range labels {
		groups[i] = GroupOutcomes{Label: l, Outcomes: *byGroup[groupKey(l.ID)]}
	}
	return total, groups, nil
}

// TodaysBook is the day's appointments for the dashboard: how many are
// booked for today and how they stand (one grouped count, no labels).
func TodaysBook(ctx context.Context, db *gorm.DB, v access.Viewer, day calendar.Period) (Outcomes, error) {
	rows, err := countOutcomes(db.WithContext(ctx), v, day, nil)
	var total Outcomes
	for _, r := range rows {
		total.add(r.Status, r.N)
	}
	return total, err
}
