package controllers

import (
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"crm/middleware"
	"crm/models/appointment"
	"crm/models/patient"
)

type PatientController struct {
	DB        *gorm.DB
	Now       func() time.Time
	Registrar *patient.Registrar
	Clinic    *Clinic // the list's default page size
}

type patientListJSON struct {
	PatientData presentedPatient `json:"patient_data"`
	pageJSON
}

type countJSON struct {
	Count int64 `json:"count"`
}

// List is GET /patient: a page of the caller's visible patients (or of
// its recycle bin with deleted=1), or with count=1 only their number.
func (pc PatientController) List(c *gin.Context) (any, error) {
	viewer, err := middleware.CurrentUser(c)
	if err != nil {
		return nil, err
	}
	q, err := bindPatientList(c, pc.Clinic.Settings(c).DefaultPageSize)
	if err != nil {
		return nil, err
	}
	if q.countOnly {
		n, err := patient.CountPatients(c.Request.Context(), pc.DB, viewer, q.filter)
		if err != nil {
			return nil, err
		}
		return countJSON{Count: n}, nil
	}
	rows, total, err := patient.ListPatients(c.Request.Context(), pc.DB, viewer, q.filter, q.page)
	if err != nil {
		return nil, err
	}
	return patientListJSON{PatientData: presentPatients(rows, viewer), pageJSON: pageOf(total, q.page.Page, q.page.PerPage)}, nil
}

type newPatientJSON struct {
	NewPatient presentedPatient `json:"newPatient"`
	Duplicates []string         `json:"duplicates,omitempty"`
}

// Create is POST /patient: registers a patient authored by the caller.
func (pc PatientController) Create(c *gin.Context) (any, error) {
	viewer, err := middleware.CurrentUser(c)
	if err != nil {
		return nil, err
	}
	in, err := bindNewPatient(c)
	if err != nil {
		return nil, err
	}
	p, duplicates, err := pc.Registrar.Register(c.Request.Context(), viewer, in.fields, in.authorID, pc.Now())
	if err != nil {
		return nil, err
	}
	return newPatientJSON{NewPatient: presentPatient(p, viewer), Duplicates: presentIDs(duplicates)}, nil
}

type onePatientJSON struct {
	Patient presentedPatient `json:"patient"`
}

// Replay answers a retried registration whose first answer was lost after
// it committed: the patient it registered, as it is now.
func (pc PatientController) Replay(c *gin.Context, id uint64) (any, error) {
	viewer, err := middleware.CurrentUser(c)
	if err != nil {
		return nil, err
	}
	p, err := patient.FindPatient(c.Request.Context(), pc.DB, viewer, id)
	if err != nil {
		return nil, err
	}
	return newPatientJSON{NewPatient: presentPatient(p, viewer)}, nil
}

// Get is GET /patient/{id}.
func (pc PatientController) Get(c *gin.Context) (any, error) {
	viewer, id, err := viewerAndID(c)
	if err != nil {
		return nil, err
	}
	p, err := patient.FindPatient(c.Request.Context(), pc.DB, viewer, id)
	if err != nil {
		return nil, err
	}
	return onePatientJSON{Patient: presentPatient(p, viewer)}, nil
}

// Update is PATCH /patient/{id}: the fields sent change, the others stay.
func (pc PatientController) Update(c *gin.Context) (any, error) {
	viewer, id, err := viewerAndID(c)
	if err != nil {
		return nil, err
	}
	in, err := bindPatientEdit(c)
	if err != nil {
		return nil, err
	}
	// The appointment book follows the edit (the 2017 frontend books by
	// setting order_time and state 1).
	p, err := appointment.EditPatient(c.Request.Context(), pc.DB, viewer, id, in.fields, in.set, in.authorID, pc.Clinic.Location(c), pc.Now())
	if err != nil {
		return nil, err
	}
	return onePatientJSON{Patient: presentPatient(p, viewer)}, nil
}

// Delete is DELETE /patient/{id}: into the recycle bin.
func (pc PatientController) Delete(c *gin.Context) (any, error) {
	viewer, id, err := viewerAndID(c)
	if err != nil {
		return nil, err
	}
	if err := patient.DeletePatient(c.Request.Context(), pc.DB, viewer, id, pc.Now()); err != nil {
		return nil, err
	}
	return deletedJSON{Deleted: true}, nil
}

// Restore is POST /patient/{id}/restore: out of the recycle bin.
func (pc PatientController) Restore(c *gin.Context) (any, error) {
	viewer, id, err := viewerAndID(c)
	if err != nil {
		return nil, err
	}
	p, err := patient.RestorePatient(c.Request.Context(), pc.DB, viewer, id, pc.Now())
	if err != nil {
		return nil, err
	}
	return onePatientJSON{Patient: presentPatient(p, viewer)}, nil
}

type purgedJSON struct {
	Purged bool `json:"purged"`
}

// Purge is DELETE /patient/{id}/purge: gone for good, from the bin only.
func (pc PatientController) Purge(c *gin.Context) (any, error) {
	viewer, id, err := viewerAndID(c)
	if err != nil {
		return nil, err
	}
	if err := patient.PurgePatient(c.Request.Context(), pc.DB, viewer, id, pc.Now()); err != nil {
		return nil, err
	}
	return purgedJSON{Purged: true}, nil
}

type historyJSON struct {
	History []historyEntryJSON `json:"history"`
	pageJSON
}

// History is GET /patient/{id}/history, newest first.
func (pc PatientController) History(c *gin.Context) (any, error) {
	viewer, id, err := viewerAndID(c)
	if err != nil {
		return nil, err
	}
	b := newBinder(c)
	page, perPage := bindPage(b)
	if b.err != nil {
		return nil, b.err
	}
	entries, total, err := patient.PatientHistory(c.Request.Context(), pc.DB, viewer, id, page, perPage)
	if err != nil {
		return nil, err
	}
	return historyJSON{History: presentHistory(entries), pageJSON: pageOf(total, page, perPage)}, nil
}

type duplicatesJSON struct {
	PatientData presentedPatient `json:"patient_data"`
	Hidden      int64            `json:"hidden"`
}

// Duplicates is GET /patient/duplicates?tel=|wechat=|qq=.
func (pc PatientController) Duplicates(c *gin.Context) (any, error) {
	viewer, err := middleware.CurrentUser(c)
	if err != nil {
		return nil, err
	}
	q, err := bindDuplicateQuery(c)
	if err != nil {
		return nil, err
	}
	visible, hidden, err := patient.FindDuplicates(c.Request.Context(), pc.DB, viewer, q)
	if err != nil {
		return nil, err
	}
	return duplicatesJSON{PatientData: presentPatients(visible, viewer), Hidden: hidden}, nil
}

type reassignedJSON struct {
	Moved int `json:"moved"`
}

// Reassign is POST /patient/reassign: moves the listed patients (ids), or
// those the list's filters select from one author (author_id), to
// to_author_id.
func (pc PatientController) Reassign(c *gin.Context) (any, error) {
	viewer, err := middleware.CurrentUser(c)
	if err != nil {
		return nil, err
	}
	r, err := bindReassignment(c)
	if err != nil {
		return nil, err
	}
	moved, err := patient.ReassignPatients(c.Request.Context(), pc.DB, viewer, r, pc.Now())
	if err != nil {
		return nil, err
	}
	return reassignedJSON{Moved: moved}, nil
}
