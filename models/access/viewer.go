package access

import (
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Viewer is the authenticated caller. Every model function that reads or
// writes scoped rows takes one, so the scope cannot be forgotten.
type Viewer struct {
	UserID      uint64
	Username    string
	DisplayName string
	RoleID      uint64
	RoleKey     string
	Permissions PermissionSet
	SessionID   uint64
	Address     string // the client's address, recorded with what it changes
}

func (v Viewer) Can(p Permission) bool { return v.UserID != 0 && v.Permissions.Has(p) }

// IsSuperadmin: the superadmin role.
func (v Viewer) IsSuperadmin() bool { return v.UserID != 0 && v.RoleKey == RoleSuperadmin }

type patientScope int

const (
	ScopeNone patientScope = iota // the zero value matches no rows
	ScopeOwn
	ScopeAll
)

func (v Viewer) PatientScope() patientScope {
	switch {
	case v.Can(PermPatientViewAll):
		return ScopeAll
	case v.Can(PermPatientList):
		return ScopeOwn
	default:
		return ScopeNone
	}
}

// scoped restricts q to the viewer's data scope. An unknown scope matches
// nothing.
func Scoped(q *gorm.DB, v Viewer) *gorm.DB {
	switch v.PatientScope() {
	case ScopeAll:
		return q
	case ScopeOwn:
		return q.Where(clause.Eq{Column: "author_id", Value: v.UserID})
	default:
		return q.Where("1 = 0")
	}
}

// The three roles the installation seeds; their keys are stable.
const (
	RoleConsultant = "consultant"
	RoleManager    = "manager"
	RoleSuperadmin = "superadmin"
)
