package controllers

import (
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"crm/apierr"
	"crm/middleware"
	"crm/models/appointment"
)

// AppointmentController is the appointment book: doctors' schedules, the
// day's slots, bookings and the calendar.
type AppointmentController struct {
	DB     *gorm.DB
	Now    func() time.Time
	Clinic *Clinic // the time zone schedules are kept in
}

type blockJSON struct {
	Weekday     string `json:"weekday"`
	Start       string `json:"start"`
	End         string `json:"end"`
	SlotMinutes string `json:"slotMinutes"`
	Capacity    string `json:"capacity"`
}

type exceptionJSON struct {
	Date        string `json:"date"`
	Kind        string `json:"kind"`
	Start       string `json:"start"`
	End         string `json:"end"`
	SlotMinutes string `json:"slotMinutes"`
	Capacity    string `json:"capacity"`
}

type scheduleJSON struct {
	DoctorID       string          `json:"doctorId"`
	Scheduled      string          `json:"scheduled"`
	Weekly         []blockJSON     `json:"weekly"`
	Exceptions     []exceptionJSON `json:"exceptions"`
	WeeklyText     string          `json:"weeklyText"`
	ExceptionsText string          `json:"exceptionsText"`
}

type scheduleEnvelope struct {
	Schedule scheduleJSON `json:"schedule"`
}

func itoa[N int8 | int16 | int](n N) string { return strconv.Itoa(int(n)) }

func presentSchedule(s appointment.Schedule) scheduleEnvelope {
	out := scheduleJSON{DoctorID: strconv.FormatUint(s.DoctorID, 10), Scheduled: flag(s.Scheduled()),
		Weekly: make([]blockJSON, len(s.Weekly)), Exceptions: make([]exceptionJSON, len(s.Exceptions)),
		WeeklyText: s.WeeklyText(), ExceptionsText: s.ExceptionsText()}
	for i, b := range s.Weekly {
		out.Weekly[i] = blockJSON{Weekday: itoa(b.Weekday), Start: appointment.Clock(b.StartMinute), End: appointment.Clock(b.EndMinute),
			SlotMinutes: itoa(b.SlotMinutes), Capacity: itoa(b.Capacity)}
	}
	for i, e := range s.Exceptions {
		out.Exceptions[i] = exceptionJSON{Date: e.Date, Kind: e.Kind, Start: appointment.Clock(e.StartMinute), End: appointment.Clock(e.EndMinute),
			SlotMinutes: itoa(e.SlotMinutes), Capacity: itoa(e.Capacity)}
	}
	return scheduleEnvelope{Schedule: out}
}

// Schedule is GET /schedule/{doctor_id}.
func (ac AppointmentController) Schedule(c *gin.Context) (any, error) {
	_, id, err := viewerAndID(c)
	if err != nil {
		return nil, err
	}
	s, err := appointment.LoadSchedule(c.Request.Context(), ac.DB, id)
	if err != nil {
		return nil, err
	}
	return presentSchedule(s), nil
}

// SaveSchedule is PUT /schedule/{doctor_id}: weekly and exceptions, in
// their text forms, replace the doctor's schedule (blank: none).
func (ac AppointmentController) SaveSchedule(c *gin.Context) (any, error) {
	viewer, id, err := viewerAndID(c)
	if err != nil {
		return nil, err
	}
	b := newBinder(c)
	if !b.sent("weekly") && !b.sent("exceptions") {
		return nil, apierr.Missing("weekly")
	}
	weeklyText := b.optionalText(scheduleTextRule, "weekly")
	exceptionsText := b.optionalText(scheduleTextRule, "exceptions")
	if b.err != nil {
		return nil, b.err
	}
	s := appointment.Schedule{DoctorID: id}
	if s.Weekly, err = appointment.ParseWeekly(deref(weeklyText)); err != nil {
		return nil, err
	}
	if s.Exceptions, err = appointment.ParseExceptions(deref(exceptionsText)); err != nil {
		return nil, err
	}
	saved, err := appointment.SaveSchedule(c.Request.Context(), ac.DB, viewer, s, ac.Now())
	if err != nil {
		return nil, err
	}
	return presentSchedule(saved), nil
}

// scheduleTextRule bounds the text forms: MaxExceptions lines of ~40.
var scheduleTextRule = textRule{maxRunes: 20000, multiline: true}

type slotJSON struct {
	Start    string `json:"start"`
	End      string `json:"end"`
	Time     string `json:"time"`
	Capacity string `json:"capacity"`
	Booked   string `json:"booked"`
	Free     string `json:"free"`
}

type slotsJSON struct {
	DoctorID  string     `json:"doctorId"`
	Date      string     `json:"date"`
	TimeZone  string     `json:"timeZone"`
	Scheduled string     `json:"scheduled"`
	Slots     []slotJSON `json:"slots"`
}

type slotsEnvelope struct {
	Slots slotsJSON `json:"slots"`
}

// Slots is GET /slots?doctor_id=&date=YYYY-MM-DD: the doctor's slots that
// day with capacity, booked and free.
func (ac AppointmentController) Slots(c *gin.Context) (any, error) {
	b := newBinder(c)
	doctor := b.requiredInt(1, maxID, "doctor_id")
	date := b.requiredMatch(isDate, "date")
	if b.err != nil {
		return nil, b.err
	}
	loc := ac.Clinic.Location(c)
	day, _ := time.ParseInLocation(time.DateOnly, date, loc)
	slots, scheduled, err := appointment.DaySlots(c.Request.Context(), ac.DB, uint64(doctor), day, loc)
	if err != nil {
		return nil, err
	}
	out := slotsJSON{DoctorID: strconv.FormatInt(doctor, 10), Date: date, TimeZone: loc.String(), Scheduled: flag(scheduled),
		Slots: make([]slotJSON, len(slots))}
	for i, s := range slots {
		out.Slots[i] = slotJSON{Start: strconv.FormatInt(s.Start, 10), End: strconv.FormatInt(s.End, 10),
			Time: time.Unix(s.Start, 0).In(loc).Format("15:04"), Capacity: strconv.Itoa(s.Capacity),
			Booked: strconv.Itoa(s.Booked), Free: strconv.Itoa(s.Free())}
	}
	return slotsEnvelope{Slots: out}, nil
}

func isDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

type appointmentJSON struct {
	ID            string  `json:"id"`
	PatientID     string  `json:"patientId"`
	DoctorID      *string `json:"doctorId"`
	StartTime     string  `json:"startTime"`
	EndTime       string  `json:"endTime"`
	Status        string  `json:"status"`
	PreviousStart *string `json:"previousStart"`
	BookedBy      *string `json:"bookedBy"`
	BookedByName  string  `json:"bookedByName"`
	CreatedAt     string  `json:"createdAt"`
	UpdatedAt     string  `json:"updatedAt"`
}

func presentAppointment(a appointment.Appointment) appointmentJSON {
	return appointmentJSON{ID: strconv.FormatUint(a.ID, 10), PatientID: strconv.FormatUint(a.PatientID, 10),
		DoctorID: optionalID(a.DoctorID), StartTime: strconv.FormatInt(a.StartTime, 10), EndTime: strconv.FormatInt(a.EndTime, 10),
		Status: a.Status, PreviousStart: optionalInt(a.PreviousStart), BookedBy: optionalID(a.BookedBy), BookedByName: a.BookedByName,
		CreatedAt: strconv.FormatInt(a.CreatedAt.Unix(), 10), UpdatedAt: strconv.FormatInt(a.UpdatedAt.Unix(), 10)}
}

type appointmentWithPatientJSON struct {
	Appointment appointmentJSON  `json:"appointment"`
	Patient     presentedPatient `json:"patient"`
}

// Book is POST /patient/{id}/appointments: start_time (unix seconds, a
// slot's start when the doctor keeps a schedule) and doctor_id (optional).
func (ac AppointmentController) Book(c *gin.Context) (any, error) {
	viewer, id, err := viewerAndID(c)
	if err != nil {
		return nil, err
	}
	b := newBinder(c)
	booking := appointment.Booking{Start: b.requiredInt(minUnixTime, maxUnixTime, "start_time"), DoctorID: b.optionalRef("doctor_id")}
	if b.err != nil {
		return nil, b.err
	}
	a, p, err := appointment.Book(c.Request.Context(), ac.DB, viewer, id, booking, ac.Clinic.Location(c), ac.Now())
	if err != nil {
		return nil, err
	}
	return appointmentWithPatientJSON{Appointment: presentAppointment(a), Patient: presentPatient(p, viewer)}, nil
}

// Replay answers a retried booking whose first answer was lost after it
// committed.
func (ac AppointmentController) Replay(c *gin.Context, id uint64) (any, error) {
	return replayWithPatient(c, ac.DB, id, appointment.Find, func(a appointment.Appointment) uint64 { return a.PatientID },
		func(a appointment.Appointment, p presentedPatient) any {
			return appointmentWithPatientJSON{Appointment: presentAppointment(a), Patient: p}
		})
}

// Update is PATCH /appointment/{id}: start_time and doctor_id move it,
// status ends it (arrived, cancelled, no_show).
func (ac AppointmentController) Update(c *gin.Context) (any, error) {
	viewer, id, err := viewerAndID(c)
	if err != nil {
		return nil, err
	}
	b := newBinder(c)
	ch := appointment.Change{Start: b.optionalInt(minUnixTime, maxUnixTime, "start_time")}
	if b.sent("doctor_id") {
		ch.DoctorID, ch.DoctorSet = b.optionalRef("doctor_id"), true
	}
	ch.Status, _ = b.optionalChoice(appointment.Statuses, "status")
	if b.err != nil {
		return nil, b.err
	}
	if ch.Start == nil && !ch.DoctorSet && ch.Status == "" {
		return nil, apierr.Missing("start_time")
	}
	a, p, err := appointment.Update(c.Request.Context(), ac.DB, viewer, id, ch, ac.Clinic.Location(c), ac.Now())
	if err != nil {
		return nil, err
	}
	return appointmentWithPatientJSON{Appointment: presentAppointment(a), Patient: presentPatient(p, viewer)}, nil
}

type calendarEntryJSON struct {
	appointmentJSON
	PatientName string `json:"patientName"`
}

type appointmentListJSON struct {
	AppointmentData []calendarEntryJSON `json:"appointment_data"`
	Count           int                 `json:"count"`
}

// maxCalendarSpan: the calendar shows a day or a week; a month at most.
const maxCalendarSpan = 31 * 24 * 60 * 60

// List is GET /appointment?doctor_id=&from=&to=&status=: the calendar.
func (ac AppointmentController) List(c *gin.Context) (any, error) {
	viewer, err := middleware.CurrentUser(c)
	if err != nil {
		return nil, err
	}
	b := newBinder(c)
	f := appointment.Filter{DoctorID: b.optionalRef("doctor_id"),
		From: b.requiredInt(minUnixTime, maxUnixTime, "from"), To: b.requiredInt(minUnixTime, maxUnixTime, "to")}
	f.Status, _ = b.optionalChoice(appointment.Statuses, "status")
	if b.err != nil {
		return nil, b.err
	}
	if f.To < f.From || f.To-f.From > maxCalendarSpan {
		return nil, apierr.Invalid("to")
	}
	rows, err := appointment.List(c.Request.Context(), ac.DB, viewer, f)
	if err != nil {
		return nil, err
	}
	out := make([]calendarEntryJSON, len(rows))
	for i, a := range rows {
		out[i] = calendarEntryJSON{presentAppointment(a.Appointment), a.PatientName}
	}
	return appointmentListJSON{AppointmentData: out, Count: len(out)}, nil
}

type patientAppointmentsJSON struct {
	AppointmentData []appointmentJSON `json:"appointment_data"`
	NoShows         string            `json:"noShows"`
}

// OfPatient is GET /patient/{id}/appointments: latest first, with the
// number the patient missed.
func (ac AppointmentController) OfPatient(c *gin.Context) (any, error) {
	viewer, id, err := viewerAndID(c)
	if err != nil {
		return nil, err
	}
	rows, missed, err := appointment.OfPatient(c.Request.Context(), ac.DB, viewer, id)
	if err != nil {
		return nil, err
	}
	out := make([]appointmentJSON, len(rows))
	for i, a := range rows {
		out[i] = presentAppointment(a)
	}
	return patientAppointmentsJSON{AppointmentData: out, NoShows: strconv.FormatInt(missed, 10)}, nil
}
