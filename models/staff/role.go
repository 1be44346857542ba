package staff

import (
	"context"
	"crm/apierr"
	"crm/models/access"
	"crm/models/oplog"
	"crm/models/store"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

type RoleMenu struct {
	RoleID uint64
	MenuID uint64
}

// RoleInfo is a role as its administration shows it.
type RoleInfo struct {
	Role
	MenuIDs   []uint64
	UserCount int64
}

var (
	rolePattern          = regexp.MustCompile(`^[a-z][a-z0-9_]{1,31}$`)
	ErrRoleTaken         = apierr.Conflict("角色标识或名称已存在")
	ErrSuperadminAllPerm = apierr.Conflict("超级管理员角色始终拥有全部权限，不能修改其权限")
)

// ValidRoleKey: lower-case letters, digits and '_', 2-32, starting with a letter.
func ValidRoleKey(key string) bool { return rolePattern.MatchString(key) }

func ListRoles(ctx context.Context, db *gorm.DB) ([]RoleInfo, error) {
	db = db.WithContext(ctx)
	var roles []Role
	if err := db.Order("id").Find(&roles).Error; err != nil {
		return nil, err
	}
	var links []RoleMenu
	if err := db.Order("menu_id").Find(&links).Error; err != nil {
		return nil, err
	}
	var counts []struct {
		RoleID uint64
		Total  int64
	}
	if err := db.Model(&User{}).Select("role_id, COUNT(*) AS total").Group("role_id").Scan(&counts).Error; err != nil {
		return nil, err
	}
	out := make([]RoleInfo, len(roles))
	for i, r := range roles {
		out[i] = RoleInfo{Role: r, MenuIDs: []uint64{}}
		out[i].Permissions = r.Effective()
		for _, l := range links {
			if l.RoleID == r.ID {
				out[i].MenuIDs = append(out[i].MenuIDs, l.MenuID)
			}
		}
		for _, c := range counts {
			if c.RoleID == r.ID {
				out[i].UserCount = c.Total
			}
		}
	}
	return out, nil
}

// RoleFields: nil fields stay as they are on an edit.
type RoleFields struct {
	Key         string // creation only: the key is what code and migrations refer to
	Name        *string
	Permissions *access.PermissionSet
	MenuIDs     *[]uint64
}

// CreateRole adds a role. Nobody grants permissions it does not hold.
func CreateRole(ctx context.Context, db *gorm.DB, v access.Viewer, f RoleFields, now time.Time) (RoleInfo, error) {
	var info RoleInfo
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		perms := access.PermissionSet{}
		if f.Permissions != nil {
			perms = *f.Permissions
		}
		if !v.Permissions.Covers(perms) {
			return apierr.ErrForbidden
		}
		role := Role{Key: f.Key, Name: *f.Name, Permissions: perms, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&role).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return ErrRoleTaken
			}
			return err
		}
		menus := []uint64{}
		if f.MenuIDs != nil {
			menus = *f.MenuIDs
		}
		linked, err := setRoleMenus(tx, role.ID, menus)
		if err != nil {
			return err
		}
		info = RoleInfo{Role: role, MenuIDs: linked}
		return oplog.RecordOp(tx, v, oplog.OpRoleCreate, oplog.TargetRole, role.ID,
			map[string]any{"key": role.Key, "name": role.Name, "permissions": joinPermissions(perms)}, now)
	})
	return info, err
}

// UpdateRole renames a role, sets its permissions or its menus. Its users
// see the change on their next request: the role is loaded with the user
// every time. The superadmin role's permissions are all of them, always.
func UpdateRole(ctx context.Context, db *gorm.DB, v access.Viewer, id uint64, f RoleFields, now time.Time) (RoleInfo, error) {
	var info RoleInfo
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		role, err := managedRole(tx, v, id)
		if err != nil {
			return err
		}
		var changes []oplog.Change
		updates := map[string]any{}
		if f.Name != nil && *f.Name != role.Name {
			changes = append(changes, oplog.Change{Field: "name", From: &role.Name, To: f.Name})
			role.Name, updates["name"] = *f.Name, *f.Name
		}
		if f.Permissions != nil && !slices.Equal(*f.Permissions, role.Permissions) {
			if role.Key == access.RoleSuperadmin {
				return ErrSuperadminAllPerm
			}
			if !v.Permissions.Covers(*f.Permissions) {
				return apierr.ErrForbidden
			}
			from, to := joinPermissions(role.Permissions), joinPermissions(*f.Permissions)
			changes = append(changes, oplog.Change{Field: "permissions", From: &from, To: &to})
			role.Permissions, updates["permissions"] = *f.Permissions, *f.Permissions
		}
		var links []RoleMenu
		if err := tx.Where(clause.Eq{Column: "role_id", Value: id}).Order("menu_id").Find(&links).Error; err != nil {
			return err
		}
		menus := make([]uint64, len(links))
		for i, l := range links {
			menus[i] = l.MenuID
		}
		if f.MenuIDs != nil {
			linked, err := setRoleMenus(tx, id, *f.MenuIDs)
			if err != nil {
				return err
			}
			if !slices.Equal(linked, menus) {
				from, to := joinIDs(menus), joinIDs(linked)
				changes = append(changes, oplog.Change{Field: "menus", From: &from, To: &to})
			}
			menus = linked
		}
		info = RoleInfo{Role: role, MenuIDs: menus}
		info.Permissions = role.Effective()
		if len(changes) == 0 {
			return nil
		}
		updates["updated_at"] = now
		if err := tx.Model(&Role{}).Where(clause.Eq{Column: "id", Value: id}).Updates(updates).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return ErrRoleTaken
			}
			return err
		}
		return oplog.RecordOp(tx, v, oplog.OpRoleUpdate, oplog.TargetRole, id, oplog.ChangesSummary(changes), now)
	})
	return info, err
}

// setRoleMenus replaces the role's menus. A child's parent is added with
// it: the menu tree shows no child without its parent.
func setRoleMenus(tx *gorm.DB, roleID uint64, menuIDs []uint64) ([]uint64, error) {
	var menus []Menu
	if len(menuIDs) > 0 {
		if err := tx.Where(clause.IN{Column: "id", Values: store.ToAny(menuIDs)}).Find(&menus).Error; err != nil {
			return nil, err
		}
	}
	if len(menus) != len(slices.Compact(slices.Sorted(slices.Values(menuIDs)))) {
		return nil, apierr.Invalid("menus")
	}
	ids := []uint64{}
	for _, m := range menus {
		ids = append(ids, m.ID)
		if m.ParentID != 0 {
			ids = append(ids, m.ParentID)
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if err := tx.Where(clause.Eq{Column: "role_id", Value: roleID}).Delete(&RoleMenu{}).Error; err != nil {
		return nil, err
	}
	for _, id := range ids {
		if err := tx.Create(&RoleMenu{RoleID: roleID, MenuID: id}).Error; err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// managedRole locks role id for a change by v: 46001 if there is none,
// 48001 if it holds more than v's own permissions.
func managedRole(tx *gorm.DB, v access.Viewer, id uint64) (Role, error) {
	var role Role
	err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where(clause.Eq{Column: "id", Value: id}).Take(&role).Error
	if err != nil {
		return Role{}, store.NotFound(err)
	}
	if !v.Permissions.Covers(role.Effective()) {
		return Role{}, apierr.ErrForbidden
	}
	return role, nil
}

// DeleteRole removes a role no user has.
func DeleteRole(ctx context.Context, db *gorm.DB, v access.Viewer, id uint64, now time.Time) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		role, err := managedRole(tx, v, id)
		if err != nil {
			return err
		}
		var users int64
		if err := tx.Model(&User{}).Where(clause.Eq{Column: "role_id", Value: id}).Count(&users).Error; err != nil {
			return err
		}
		if users > 0 {
			return apierr.Conflict(fmt.Sprintf("有 %d 位人员使用该角色，不能删除", users))
		}
		if role.Key == access.RoleSuperadmin {
			return apierr.Conflict("超级管理员角色不能删除")
		}
		if err := tx.Where(clause.Eq{Column: "role_id", Value: id}).Delete(&RoleMenu{}).Error; err != nil {
			return err
		}
		if err := tx.Delete(&Role{}, id).Error; err != nil {
			if errors.Is(err, gorm.ErrForeignKeyViolated) {
				return apierr.Conflict("有人员使用该角色，不能删除")
			}
			return err
		}
		return oplog.RecordOp(tx, v, oplog.OpRoleDelete, oplog.TargetRole, id, map[string]any{"key": role.Key, "name": role.Name}, now)
	})
}

func joinPermissions(s access.PermissionSet) string {
	parts := make([]string, len(s))
	for i, p := range s {
		parts[i] = string(p)
	}
	return strings.Join(parts, " ")
}

func joinIDs(ids []uint64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprint(id)
	}
	return strings.Join(parts, ",")
}

func RoleName(ctx context.Context, db *gorm.DB, id uint64) (string, error) {
	var name string
	err := db.WithContext(ctx).Model(&Role{}).Where(clause.Eq{Column: "id", Value: id}).Pluck("name", &name).Error
	return name, err
}
