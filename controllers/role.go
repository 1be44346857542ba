package controllers

import (
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"crm/middleware"
	"crm/models/access"
	"crm/models/staff"
)

type RoleController struct {
	DB  *gorm.DB
	Now func() time.Time
}

type permissionJSON struct {
	Key         string `json:"key"`
	Description string `json:"description"`
}

type permissionListJSON struct {
	PermissionData []permissionJSON `json:"permission_data"`
}

// Permissions is GET /permission: every key the code defines.
func (RoleController) Permissions(*gin.Context) (any, error) {
	all := access.Permissions()
	out := make([]permissionJSON, len(all))
	for i, p := range all {
		out[i] = permissionJSON{Key: string(p.Key), Description: p.Description}
	}
	return permissionListJSON{PermissionData: out}, nil
}

type roleJSON struct {
	ID          string   `json:"id"`
	Key         string   `json:"key"`
	Name        string   `json:"name"`
	Permissions []string `json:"permissions"`
	Menus       []string `json:"menus"`
	UserCount   string   `json:"userCount"`
}

func presentRole(r staff.RoleInfo) roleJSON {
	perms := make([]string, len(r.Permissions))
	for i, p := range r.Permissions {
		perms[i] = string(p)
	}
	return roleJSON{ID: strconv.FormatUint(r.ID, 10), Key: r.Key, Name: r.Name, Permissions: perms,
		Menus: presentIDs(r.MenuIDs), UserCount: strconv.FormatInt(r.UserCount, 10)}
}

type roleListJSON struct {
	RoleData []roleJSON `json:"role_data"`
}

type roleEnvelope struct {
	Role roleJSON `json:"role"`
}

func (rc RoleController) List(c *gin.Context) (any, error) {
	roles, err := staff.ListRoles(c.Request.Context(), rc.DB)
	if err != nil {
		return nil, err
	}
	out := make([]roleJSON, len(roles))
	for i, r := range roles {
		out[i] = presentRole(r)
	}
	return roleListJSON{RoleData: out}, nil
}

// Create is POST /role: key, name, permissions (space- or comma-separated
// keys), menus (comma-separated ids).
func (rc RoleController) Create(c *gin.Context) (any, error) {
	viewer, err := middleware.CurrentUser(c)
	if err != nil {
		return nil, err
	}
	f, err := bindRole(c, true)
	if err != nil {
		return nil, err
	}
	role, err := staff.CreateRole(c.Request.Context(), rc.DB, viewer, f, rc.Now())
	if err != nil {
		return nil, err
	}
	return roleEnvelope{Role: presentRole(role)}, nil
}

// Update is PATCH /role/{id}: name, permissions, menus.
func (rc RoleController) Update(c *gin.Context) (any, error) {
	viewer, id, err := viewerAndID(c)
	if err != nil {
		return nil, err
	}
	f, err := bindRole(c, false)
	if err != nil {
		return nil, err
	}
	role, err := staff.UpdateRole(c.Request.Context(), rc.DB, viewer, id, f, rc.Now())
	if err != nil {
		return nil, err
	}
	return roleEnvelope{Role: presentRole(role)}, nil
}

func (rc RoleController) Delete(c *gin.Context) (any, error) {
	viewer, id, err := viewerAndID(c)
	if err != nil {
		return nil, err
	}
	if err := staff.DeleteRole(c.Request.Context(), rc.DB, viewer, id, rc.Now()); err != nil {
		return nil, err
	}
	return deletedJSON{Deleted: true}, nil
}

func bindRole(c *gin.Context, creating bool) (staff.RoleFields, error) {
	b := newBinder(c)
	var f staff.RoleFields
	if creating {
		f.Key = b.requiredText(textRule{maxRunes: 32}, "key")
		if b.err == nil && !staff.ValidRoleKey(f.Key) {
			b.invalid("key")
		}
	}
	if creating || b.sent("name") {
		name := b.requiredText(textRule{maxRunes: 32}, "name")
		f.Name = &name
	}
	if b.sent("permissions") {
		_, raw, _ := b.value("permissions")
		var keys []access.Permission
		for _, k := range strings.FieldsFunc(raw, func(r rune) bool { return r == ',' || r == ' ' }) {
			keys = append(keys, access.Permission(k))
		}
		set := access.NewPermissionSet(keys...)
		if !set.Known() {
			b.invalid("permissions")
		}
		f.Permissions = &set
	}
	if b.sent("menus") {
		ids := []uint64{} // blank: no menus
		if _, _, ok := b.value("menus"); ok {
			ids = b.idList("menus")
		}
		f.MenuIDs = &ids
	}
	return f, b.err
}
