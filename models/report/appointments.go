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

// appointmentGroupColumns are what the appointment report groups by: the
// appointment's doctor, its patient's channel or registering consultant.
var appointmentGroupColumns = map[ReportBy]clause.Column{
	ByDoctor: {Table: "appointments", Name: "doctor_id"},
	ByMedia:  {Table: "patients", Name: "media_from_id"},
	ByAuthor: {Table: "patients", Name: "author_id"},
}

// ErrAppointmentsBy: the appointment report groups by doctor, media or
// author only.
var ErrAppointmentsBy = apierr.Invalid("by")

// AppointmentOutcomes counts the appointments starting in the period of
// the patients the viewer may see, per group of by, and in total.
func AppointmentOutcomes(ctx context.Context, db *gorm.DB, v access.Viewer, p calendar.Period, by string) (Outcomes, []GroupOutcomes, error) {
	column, ok := appointmentGroupColumns[ReportBy(by)]
	if !ok {
		return Outcomes{}, nil, ErrAppointmentsBy
	}
	db = db.WithContext(ctx)
	q := db.Table("appointments").Joins("JOIN patients ON patients.id = appointments.patient_id").
		Where("patients.deleted_at IS NULL").
		Where(clause.Gte{Column: "appointments.start_time", Value: p.Start.Unix()}).
		Where(clause.Lt{Column: "appointments.start_time", Value: p.End.Unix()})
	switch v.PatientScope() {
	case access.ScopeAll:
	case access.ScopeOwn:
		q = q.Where(clause.Eq{Column: "patients.author_id", Value: v.UserID})
	default:
		return Outcomes{}, nil, apierr.ErrForbidden
	}
	var rows []struct {
		GroupID *uint64
		Status  string
		N       int64
	}
	if err := q.Select("? AS group_id, appointments.status AS status, COUNT(*) AS n", column).
		Clauses(clause.GroupBy{Columns: []clause.Column{column, {Table: "appointments", Name: "status"}}}).
		Scan(&rows).Error; err != nil {
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
		for _, o := range []*Outcomes{&total, byGroup[key]} {
			switch r.Status {
			case appointment.StatusArrived:
				o.Arrived += r.N
			case appointment.StatusNoShow:
				o.NoShow += r.N
			case appointment.StatusBooked:
				o.Open += r.N
			case appointment.StatusCancelled:
				o.Cancelled += r.N
				continue
			}
			o.Booked += r.N
		}
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
// booked for today and how they stand.
func TodaysBook(ctx context.Context, db *gorm.DB, v access.Viewer, day calendar.Period) (Outcomes, error) {
	total, _, err := AppointmentOutcomes(ctx, db, v, day, string(ByDoctor))
	return total, err
}
