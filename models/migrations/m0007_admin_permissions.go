package migrations

import "gorm.io/gorm"

// grantAdministration gives the manager the dictionaries, the staff below
// it and the operation log. Roles and menus stay the superadmin's, whose
// role holds every permission in code; its row lists them for display.
func grantAdministration(tx *gorm.DB) error {
	return addRolePermissions(tx, map[string][]string{
		"manager":    {"dict.manage", "user.manage", "log.view"},
		"superadmin": {"dict.manage", "user.manage", "role.manage", "menu.manage", "log.view"},
	})
}
