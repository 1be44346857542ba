package migrations

import "gorm.io/gorm"

// grantReassign gives managers (and the superadmin) the bulk reassignment
// of patients, for when a consultant leaves or a workload is rebalanced.
func grantReassign(tx *gorm.DB) error {
	return addRolePermissions(tx, map[string][]string{
		"manager":    {"patient.reassign"},
		"superadmin": {"patient.reassign"},
	})
}
