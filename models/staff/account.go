package staff

import (
	"context"
	"crm/apierr"
	"crm/models/access"
	"crm/models/oplog"
	"crm/models/store"
	"errors"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Accounts as administrators manage them (人员管理). The guard rails: a
// viewer manages only users whose role it could hold itself and assigns
// only such roles (a manager cannot touch a superadmin); nobody disables,
// demotes or deletes itself; the last enabled superadmin stays.

var (
	ErrSelfProtected  = apierr.Conflict("不能停用或删除自己，也不能修改自己的角色")
	ErrLastSuperadmin = apierr.Conflict("至少需要保留一个启用的超级管理员")
	ErrUseOwnPassword = apierr.Conflict("修改自己的密码请使用“修改密码”，需要原密码")
)

// canManage: the viewer holds every permission of the role.
func canManage(v access.Viewer, r Role) bool { return v.Permissions.Covers(r.Effective()) }

type UserFilter struct {
	RoleKey string
	Enabled *bool
	Q       string // part of the username or display name
}

func ListUsers(ctx context.Context, db *gorm.DB, f UserFilter, page, perPage int) ([]User, int64, error) {
	q := db.WithContext(ctx).Model(&User{}).Joins("Role")
	if f.RoleKey != "" {
		q = q.Where(clause.Eq{Column: clause.Column{Table: "Role", Name: "role_key"}, Value: f.RoleKey})
	}
	if f.Enabled != nil {
		q = q.Where(clause.Eq{Column: clause.Column{Table: "users", Name: "enabled"}, Value: *f.Enabled})
	}
	if f.Q != "" {
		pattern := "%" + store.EscapeLike(f.Q) + "%"
		q = q.Where(clause.Or(store.LikeFold("users.username", pattern), store.Like("users.display_name", pattern)))
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var users []User
	err := q.Order("users.id").Offset((page - 1) * perPage).Limit(perPage).Find(&users).Error
	return users, total, err
}

// CreateAccount adds a user with a role the viewer could hold itself.
func CreateAccount(ctx context.Context, db *gorm.DB, v access.Viewer, in NewUser, now time.Time) (User, error) {
	var u User
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		role, err := roleByKey(tx, in.RoleKey)
		if err != nil {
			return err
		}
		if !canManage(v, role) {
			return apierr.ErrForbidden
		}
		if u, err = createUserWithRole(tx, in, role); err != nil {
			return err
		}
		return oplog.RecordOp(tx, v, oplog.OpUserCreate, oplog.TargetUser, u.ID,
			map[string]any{"username": u.Username, "role": role.Key, "displayName": u.DisplayName}, now)
	})
	return u, err
}

func roleByKey(tx *gorm.DB, key string) (Role, error) {
	var role Role
	err := tx.Where(clause.Eq{Column: "role_key", Value: key}).Take(&role).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Role{}, ErrUnknownRole
	}
	return role, err
}

// managedUser locks a user the viewer may manage: 46001 if it does not
// exist, 48001 if its role is above the viewer's.
func managedUser(tx *gorm.DB, v access.Viewer, id uint64) (User, error) {
	var u User
	err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).
		Joins("Role").Where(clause.Eq{Column: clause.Column{Table: "users", Name: "id"}, Value: id}).Take(&u).Error
	if err != nil {
		return User{}, store.NotFound(err)
	}
	if !canManage(v, u.Role) {
		return User{}, apierr.ErrForbidden
	}
	return u, nil
}

// keepASuperadmin refuses a change that would leave no enabled superadmin
// but u. The other superadmins' rows are locked, so two administrators
// disabling each other at once cannot both succeed.
func keepASuperadmin(tx *gorm.DB, u User) error {
	if u.Role.Key != access.RoleSuperadmin || !u.Enabled {
		return nil
	}
	var others []uint64
	err := tx.Model(&User{}).Clauses(clause.Locking{Strength: "UPDATE"}).
		Joins("JOIN roles ON roles.id = users.role_id").
		Where("roles.role_key = ? AND users.enabled = ? AND users.id <> ?", access.RoleSuperadmin, true, u.ID).
		Pluck("users.id", &others).Error
	if err != nil {
		return err
	}
	if len(others) == 0 {
		return ErrLastSuperadmin
	}
	return nil
}

// UserEdit: nil fields stay as they are.
type UserEdit struct {
	DisplayName *string
	RoleKey     *string
	Enabled     *bool
}

// UpdateAccount renames, re-roles, disables or enables a user. Disabling
// also ends the user's sessions, so enabling it later does not revive
// tokens issued before.
func UpdateAccount(ctx context.Context, db *gorm.DB, v access.Viewer, id uint64, edit UserEdit, now time.Time) (User, error) {
	var u User
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		before, err := managedUser(tx, v, id)
		if err != nil {
			return err
		}
		u = before
		var changes []oplog.Change
		updates := map[string]any{}
		if edit.DisplayName != nil && *edit.DisplayName != before.DisplayName {
			changes = append(changes, oplog.Change{Field: "displayName", From: &before.DisplayName, To: edit.DisplayName})
			u.DisplayName, updates["display_name"] = *edit.DisplayName, *edit.DisplayName
		}
		if edit.RoleKey != nil && *edit.RoleKey != before.Role.Key {
			role, err := roleByKey(tx, *edit.RoleKey)
			if err != nil {
				return err
			}
			if !canManage(v, role) {
				return apierr.ErrForbidden
			}
			if before.ID == v.UserID {
				return ErrSelfProtected
			}
			if err := keepASuperadmin(tx, before); err != nil {
				return err
			}
			changes = append(changes, oplog.Change{Field: "role", From: &before.Role.Key, To: &role.Key})
			u.RoleID, u.Role, updates["role_id"] = role.ID, role, role.ID
		}
		if edit.Enabled != nil && *edit.Enabled != before.Enabled {
			if !*edit.Enabled {
				if before.ID == v.UserID {
					return ErrSelfProtected
				}
				if err := keepASuperadmin(tx, before); err != nil {
					return err
				}
				if err := revokeUserSessions(tx, before.ID, 0, now); err != nil {
					return err
				}
			}
			from, to := flagText(before.Enabled), flagText(*edit.Enabled)
			changes = append(changes, oplog.Change{Field: "enabled", From: &from, To: &to})
			u.Enabled, updates["enabled"] = *edit.Enabled, *edit.Enabled
		}
		if len(changes) == 0 {
			return nil
		}
		updates["updated_at"] = now
		if err := tx.Model(&User{}).Where(clause.Eq{Column: "id", Value: id}).Updates(updates).Error; err != nil {
			return err
		}
		return oplog.RecordOp(tx, v, oplog.OpUserUpdate, oplog.TargetUser, id, oplog.ChangesSummary(changes), now)
	})
	return u, err
}

func flagText(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// revokeUserSessions ends every session of the user but keep (0: none).
func revokeUserSessions(tx *gorm.DB, userID, keep uint64, now time.Time) error {
	return tx.Model(&Session{}).
		Where("user_id = ? AND id <> ? AND revoked_at IS NULL", userID, keep).
		Updates(map[string]any{"revoked_at": now, "revoke_reason": RevokedByPasswordOrAccount}).Error
}

// RevokedByPasswordOrAccount marks sessions ended by a password change, a
// password reset or disabling the account.
const RevokedByPasswordOrAccount = "account_change"

// ResetPassword sets another user's password (hash is bcrypt) and ends all
// of that user's sessions.
func ResetPassword(ctx context.Context, db *gorm.DB, v access.Viewer, id uint64, hash string, now time.Time) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		u, err := managedUser(tx, v, id)
		if err != nil {
			return err
		}
		if u.ID == v.UserID {
			return ErrUseOwnPassword
		}
		if err := setPasswordHash(tx, u.ID, hash, now); err != nil {
			return err
		}
		if err := revokeUserSessions(tx, u.ID, 0, now); err != nil {
			return err
		}
		return oplog.RecordOp(tx, v, oplog.OpUserPassword, oplog.TargetUser, u.ID, map[string]any{"username": u.Username}, now)
	})
}

// ChangeOwnPassword sets the viewer's password (the old one was checked by
// the caller) and ends its other sessions; the current one goes on.
func ChangeOwnPassword(ctx context.Context, db *gorm.DB, v access.Viewer, hash string, now time.Time) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := setPasswordHash(tx, v.UserID, hash, now); err != nil {
			return err
		}
		if err := revokeUserSessions(tx, v.UserID, v.SessionID, now); err != nil {
			return err
		}
		return oplog.RecordOp(tx, v, oplog.OpOwnPassword, oplog.TargetUser, v.UserID, nil, now)
	})
}

func setPasswordHash(tx *gorm.DB, userID uint64, hash string, now time.Time) error {
	return tx.Model(&User{}).Where(clause.Eq{Column: "id", Value: userID}).
		Updates(map[string]any{"password_hash": hash, "password_scheme": SchemeBcrypt, "updated_at": now}).Error
}

// deletableAccount locks a user the viewer may delete, within tx: one it
// manages, not itself, not the last superadmin.
func DeletableAccount(tx *gorm.DB, v access.Viewer, id uint64) (User, error) {
	u, err := managedUser(tx, v, id)
	if err != nil {
		return User{}, err
	}
	if u.ID == v.UserID {
		return User{}, ErrSelfProtected
	}
	return u, keepASuperadmin(tx, u)
}

// deleteAccount removes a user locked by deletableAccount, within tx.
func DeleteAccount(tx *gorm.DB, v access.Viewer, u User, now time.Time) error {
	if err := tx.Delete(&User{}, u.ID).Error; err != nil {
		if errors.Is(err, gorm.ErrForeignKeyViolated) {
			return apierr.Conflict("该人员登记过患者，不能删除，请改为停用")
		}
		return err
	}
	return oplog.RecordOp(tx, v, oplog.OpUserDelete, oplog.TargetUser, u.ID,
		map[string]any{"username": u.Username, "id": strconv.FormatUint(u.ID, 10)}, now)
}
