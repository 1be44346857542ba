package models

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
	scopeNone patientScope = iota // the zero value matches no rows
	scopeOwn
	scopeAll
)

func (v Viewer) patientScope() patientScope {
	switch {
	case v.Can(PermPatientViewAll):
		return scopeAll
	case v.Can(PermPatientList):
		return scopeOwn
	default:
		return scopeNone
	}
}

// scoped restricts q to the viewer's data scope. An unknown scope matches
// nothing.
func scoped(q *gorm.DB, v Viewer) *gorm.DB {
	switch v.patientScope() {
	case scopeAll:
		return q
	case scopeOwn:
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
