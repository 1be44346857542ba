package migrations

import "gorm.io/gorm"

// grantReports gives the manager (and, for display, the superadmin) the
// reports, the ranking and the export. A consultant's dashboard needs none.
func grantReports(tx *gorm.DB) error {
	return addRolePermissions(tx, map[string][]string{
		"manager":    {"report.view", "patient.export"},
		"superadmin": {"report.view", "patient.export"},
	})
}
