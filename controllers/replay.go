package controllers

import (
	"context"
	"crm/middleware"
	"crm/models/access"
	"crm/models/patient"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"
)

// replayWithPatient answers a retried create of a patient's row (a
// follow-up, a visit) whose first answer was lost after it committed: the
// row and its patient, as they are now, presented as the create presents
// them.
func replayWithPatient[T any](c *gin.Context, db *gorm.DB, id uint64,
	find func(context.Context, *gorm.DB, access.Viewer, uint64) (T, error),
	patientOf func(T) uint64, present func(T, presentedPatient) any) (any, error) {
	viewer, err := middleware.CurrentUser(c)
	if err != nil {
		return nil, err
	}
	row, err := find(c.Request.Context(), db, viewer, id)
	if err != nil {
		return nil, err
	}
	p, err := patient.FindPatient(c.Request.Context(), db, viewer, patientOf(row))
	if err != nil {
		return nil, err
	}
	return present(row, presentPatient(p, viewer)), nil
}
