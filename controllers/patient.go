package controllers

import (
	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"crm/middleware"
	"crm/models"
)

type PatientController struct {
	DB *gorm.DB
}

type patientListJSON struct {
	PatientData []patientJSON `json:"patient_data"`
	Count       int64         `json:"count"`
	Page        int           `json:"page"`
	PerPage     int           `json:"per_page"`
}

type countJSON struct {
	Count int64 `json:"count"`
}

// List is GET /patient: a page of the caller's visible patients, or with
// count=1 only their number.
func (pc PatientController) List(c *gin.Context) (any, error) {
	viewer, err := middleware.CurrentUser(c)
	if err != nil {
		return nil, err
	}
	q, err := bindPatientList(c)
	if err != nil {
		return nil, err
	}
	if q.countOnly {
		n, err := models.CountPatients(c.Request.Context(), pc.DB, viewer, q.filter)
		if err != nil {
			return nil, err
		}
		return countJSON{Count: n}, nil
	}
	rows, total, err := models.ListPatients(c.Request.Context(), pc.DB, viewer, q.filter, q.page)
	if err != nil {
		return nil, err
	}
	return patientListJSON{PatientData: presentPatients(rows, viewer), Count: total, Page: q.page.Page, PerPage: q.page.PerPage}, nil
}

type newPatientJSON struct {
	NewPatient patientJSON `json:"newPatient"`
	Duplicates []string    `json:"duplicates,omitempty"`
}

// Create is POST /patient: registers a patient authored by the caller.
func (pc PatientController) Create(c *gin.Context) (any, error) {
	viewer, err := middleware.CurrentUser(c)
	if err != nil {
		return nil, err
	}
	fields, err := bindNewPatient(c)
	if err != nil {
		return nil, err
	}
	p, duplicates, err := models.CreatePatient(c.Request.Context(), pc.DB, viewer, fields)
	if err != nil {
		return nil, err
	}
	return newPatientJSON{NewPatient: presentPatient(p, viewer), Duplicates: presentIDs(duplicates)}, nil
}
