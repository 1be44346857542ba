package migrations

import (
	"errors"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// grantPatientWorkflow adds the patient workflow's permissions to the three
// seeded roles, keeping whatever an administrator granted them since. A
// consultant edits its own patients; deleting, restoring, confirming
// arrivals and reassigning are for managers (consultants could otherwise
// hide lost patients from their figures); only the superadmin purges.
func grantPatientWorkflow(tx *gorm.DB) error {
	grants := map[string][]string{
		"consultant": {"patient.edit"},
		"manager": {"patient.edit", "patient.edit_all", "patient.confirm_arrival", "patient.delete",
			"patient.restore", "patient.register_for_others"},
		"superadmin": {"patient.edit", "patient.edit_all", "patient.confirm_arrival", "patient.delete",
			"patient.restore", "patient.purge", "patient.register_for_others"},
	}
	return addRolePermissions(tx, grants)
}

// addRolePermissions adds keys to seeded roles, keeping whatever an
// administrator granted them since; a role that was removed is skipped.
func addRolePermissions(tx *gorm.DB, grants map[string][]string) error {
	for _, key := range []string{"consultant", "manager", "superadmin"} {
		if len(grants[key]) == 0 {
			continue
		}
		var role role0001
		err := tx.Where("role_key = ?", key).Take(&role).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		keys := append(strings.Fields(role.Permissions), grants[key]...)
		slices.Sort(keys)
		keys = slices.Compact(keys)
		err = tx.Model(&role0001{}).Where("id = ?", role.ID).
			Updates(map[string]any{"permissions": strings.Join(keys, " "), "updated_at": time.Now().UTC()}).Error
		if err != nil {
			return err
		}
	}
	return nil
}
