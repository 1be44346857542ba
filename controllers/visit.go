package controllers

import (
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"crm/models/patient"
	"crm/models/visit"
)

// VisitController books and records the visits (就诊) of patients.
type VisitController struct {
	DB     *gorm.DB
	Now    func() time.Time
	Booked visit.Booked // the appointment book follows the visits
}

type visitJSON struct {
	ID         string  `json:"id"`
	PatientID  string  `json:"patientId"`
	OrderTime  string  `json:"orderTime"`
	ReachTime  *string `json:"reachTime"`
	DoctorID   *string `json:"doctorId"`
	DiseaseID  *string `json:"diseaseId"`
	First      string  `json:"first"`
	Amount     string  `json:"amount"`
	AmountYuan string  `json:"amountYuan"`
	UserID     *string `json:"userId"`
	Username   string  `json:"username"`
	CreatedAt  string  `json:"createdAt"`
	UpdatedAt  string  `json:"updatedAt"`
}

func presentVisit(v visit.Visit) visitJSON {
	first := "0"
	if v.First {
		first = "1"
	}
	return visitJSON{
		ID: strconv.FormatUint(v.ID, 10), PatientID: strconv.FormatUint(v.PatientID, 10),
		OrderTime: strconv.FormatInt(v.OrderTime, 10), ReachTime: optionalInt(v.ReachTime),
		DoctorID: optionalID(v.DoctorID), DiseaseID: optionalID(v.DiseaseID), First: first,
		Amount: strconv.FormatInt(v.Amount, 10), AmountYuan: patient.Yuan(v.Amount),
		UserID: optionalID(v.UserID), Username: v.Username,
		CreatedAt: strconv.FormatInt(v.CreatedAt.Unix(), 10), UpdatedAt: strconv.FormatInt(v.UpdatedAt.Unix(), 10),
	}
}

type visitWithPatientJSON struct {
	Visit   visitJSON        `json:"visit"`
	Patient presentedPatient `json:"patient"`
}

// bindVisit reads a visit's fields that include selects: order_time
// (required when booking), reach_time, doctor_id, disease_id, first (0 or
// 1), amount (fen).
func bindVisit(b *binder, include func(names ...string) bool, booking bool) visit.VisitInput {
	var in visit.VisitInput
	if booking || include("order_time") {
		in.OrderTime = b.requiredInt(minUnixTime, maxUnixTime, "order_time")
		in.Set |= visit.VisitOrderTime
	}
	if include("reach_time") {
		in.ReachTime = b.optionalTime("reach_time")
		in.Set |= visit.VisitReachTime
	}
	if include("doctor_id") {
		in.DoctorID = b.optionalRef("doctor_id")
		in.Set |= visit.VisitDoctor
	}
	if include("disease_id") {
		in.DiseaseID = b.optionalRef("disease_id")
		in.Set |= visit.VisitDisease
	}
	if first := b.optionalBool("first"); first != nil {
		in.First = *first
		in.Set |= visit.VisitFirst
	}
	if amount := b.optionalInt(0, visit.MaxAmount, "amount"); amount != nil {
		in.Amount = *amount
		in.Set |= visit.VisitAmount
	}
	return in
}

// Create is POST /patient/{id}/visits: books a visit (and records its
// arrival and amount when sent).
func (vc VisitController) Create(c *gin.Context) (any, error) {
	viewer, id, err := viewerAndID(c)
	if err != nil {
		return nil, err
	}
	b := newBinder(c)
	in := bindVisit(b, b.sent, true)
	if b.err != nil {
		return nil, b.err
	}
	visit, p, err := visit.AddVisit(c.Request.Context(), vc.DB, viewer, id, in, vc.Booked, vc.Now())
	if err != nil {
		return nil, err
	}
	return visitWithPatientJSON{Visit: presentVisit(visit), Patient: presentPatient(p, viewer)}, nil
}

// Update is PATCH /visit/{id}: the fields sent change.
func (vc VisitController) Update(c *gin.Context) (any, error) {
	viewer, id, err := viewerAndID(c)
	if err != nil {
		return nil, err
	}
	b := newBinder(c)
	in := bindVisit(b, b.sent, false)
	if b.err != nil {
		return nil, b.err
	}
	visit, p, err := visit.UpdateVisit(c.Request.Context(), vc.DB, viewer, id, in, vc.Booked, vc.Now())
	if err != nil {
		return nil, err
	}
	return visitWithPatientJSON{Visit: presentVisit(visit), Patient: presentPatient(p, viewer)}, nil
}

// Replay answers a retried booking whose first answer was lost after it
// committed.
func (vc VisitController) Replay(c *gin.Context, id uint64) (any, error) {
	return replayWithPatient(c, vc.DB, id, visit.FindVisit, func(v visit.Visit) uint64 { return v.PatientID },
		func(v visit.Visit, p presentedPatient) any {
			return visitWithPatientJSON{Visit: presentVisit(v), Patient: p}
		})
}

type visitListJSON struct {
	VisitData []visitJSON `json:"visit_data"`
}

// List is GET /patient/{id}/visits, by order time.
func (vc VisitController) List(c *gin.Context) (any, error) {
	viewer, id, err := viewerAndID(c)
	if err != nil {
		return nil, err
	}
	rows, err := visit.PatientVisits(c.Request.Context(), vc.DB, viewer, id)
	if err != nil {
		return nil, err
	}
	out := make([]visitJSON, len(rows))
	for i, v := range rows {
		out[i] = presentVisit(v)
	}
	return visitListJSON{VisitData: out}, nil
}
