package patient

import (
	"context"
	"crm/apierr"
	"crm/models/access"
	"crm/models/staff"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// DeleteAccount removes a user who never registered a patient (the bin
// included); one who did is refused with the count: disable it instead.
// The pool answers for its patients, so the question is asked here.
func DeleteAccount(ctx context.Context, db *gorm.DB, v access.Viewer, id uint64, now time.Time) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		u, err := staff.DeletableAccount(tx, v, id)
		if err != nil {
			return err
		}
		var patients int64
		if err := tx.Unscoped().Model(&Patient{}).Where(clause.Eq{Column: "author_id", Value: u.ID}).Count(&patients).Error; err != nil {
			return err
		}
		if patients > 0 {
			return apierr.Conflict(fmt.Sprintf("该人员登记过 %d 位患者，不能删除，请改为停用", patients))
		}
		return staff.DeleteAccount(tx, v, u, now)
	})
}
