package controllers

import (
	"strconv"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"crm/auth"
	"crm/middleware"
	"crm/models/patient"
	"crm/models/staff"
)

// UserController is the staff administration (人员管理) and the caller's
// own account (/me).
type UserController struct {
	DB   *gorm.DB
	Auth *auth.Service
}

var displayNameRule = textRule{maxRunes: 32}

type userJSON struct {
	ID          string `json:"id"`
	Username    string `json:"username"`
	DisplayName string `json:"displayName"`
	Role        string `json:"role"`
	RoleName    string `json:"roleName"`
	Enabled     string `json:"enabled"`
	CreatedAt   string `json:"createdAt"`
}

func presentUser(u staff.User) userJSON {
	return userJSON{
		ID: strconv.FormatUint(u.ID, 10), Username: u.Username, DisplayName: u.DisplayName,
		Role: u.Role.Key, RoleName: u.Role.Name, Enabled: flag(u.Enabled),
		CreatedAt: strconv.FormatInt(u.CreatedAt.Unix(), 10),
	}
}

type userListJSON struct {
	UserData []userJSON `json:"user_data"`
	pageJSON
}

type userEnvelope struct {
	User userJSON `json:"user"`
}

// List is GET /user: filters role (key), enabled, q (part of the username
// or display name).
func (uc UserController) List(c *gin.Context) (any, error) {
	b := newBinder(c)
	var f staff.UserFilter
	if role := b.optionalText(textRule{maxRunes: 32}, "role"); role != nil {
		f.RoleKey = *role
	}
	f.Enabled = b.optionalBool("enabled")
	if q := b.optionalText(textRule{maxRunes: maxQueryRunes}, "q"); q != nil {
		f.Q = *q
	}
	page, perPage := bindPage(b)
	if b.err != nil {
		return nil, b.err
	}
	users, total, err := staff.ListUsers(c.Request.Context(), uc.DB, f, page, perPage)
	if err != nil {
		return nil, err
	}
	out := make([]userJSON, len(users))
	for i, u := range users {
		out[i] = presentUser(u)
	}
	return userListJSON{UserData: out, pageJSON: pageOf(total, page, perPage)}, nil
}

// Create is POST /user: username (login's rules), password (8-72 bytes),
// role (key), display name (defaults to the username).
func (uc UserController) Create(c *gin.Context) (any, error) {
	viewer, err := middleware.CurrentUser(c)
	if err != nil {
		return nil, err
	}
	b := newBinder(c)
	in := auth.NewAccount{
		Username: b.requiredText(textRule{maxRunes: 32}, "username"),
		Password: b.newPassword("password"),
		RoleKey:  b.requiredText(textRule{maxRunes: 32}, "role"),
	}
	if b.err == nil && !staff.ValidUsername(in.Username) {
		b.invalid("username")
	}
	in.DisplayName = in.Username
	if name := b.optionalText(displayNameRule, "display_name"); name != nil {
		in.DisplayName = *name
	}
	if b.err != nil {
		return nil, b.err
	}
	u, err := uc.Auth.CreateAccount(c.Request.Context(), viewer, in)
	if err != nil {
		return nil, err
	}
	return userEnvelope{User: presentUser(u)}, nil
}

// Update is PATCH /user/{id}: display name, role, enabled.
func (uc UserController) Update(c *gin.Context) (any, error) {
	viewer, id, err := viewerAndID(c)
	if err != nil {
		return nil, err
	}
	b := newBinder(c)
	var edit staff.UserEdit
	if b.sent("display_name") {
		name := b.requiredText(displayNameRule, "display_name")
		edit.DisplayName = &name
	}
	if b.sent("role") {
		role := b.requiredText(textRule{maxRunes: 32}, "role")
		edit.RoleKey = &role
	}
	if b.sent("enabled") {
		enabled := b.optionalBool("enabled")
		if enabled == nil && b.err == nil {
			b.missing("enabled")
		}
		edit.Enabled = enabled
	}
	if b.err != nil {
		return nil, b.err
	}
	u, err := staff.UpdateAccount(c.Request.Context(), uc.DB, viewer, id, edit, uc.Auth.Now())
	if err != nil {
		return nil, err
	}
	return userEnvelope{User: presentUser(u)}, nil
}

type doneJSON struct {
	Done bool `json:"done"`
}

// ResetPassword is POST /user/{id}/password: a new password for another
// user, whose sessions end.
func (uc UserController) ResetPassword(c *gin.Context) (any, error) {
	viewer, id, err := viewerAndID(c)
	if err != nil {
		return nil, err
	}
	b := newBinder(c)
	password := b.newPassword("password")
	if b.err != nil {
		return nil, b.err
	}
	if err := uc.Auth.ResetPassword(c.Request.Context(), viewer, id, password); err != nil {
		return nil, err
	}
	return doneJSON{Done: true}, nil
}

// Delete is DELETE /user/{id}: only users who never registered a patient.
func (uc UserController) Delete(c *gin.Context) (any, error) {
	viewer, id, err := viewerAndID(c)
	if err != nil {
		return nil, err
	}
	if err := patient.DeleteAccount(c.Request.Context(), uc.DB, viewer, id, uc.Auth.Now()); err != nil {
		return nil, err
	}
	return deletedJSON{Deleted: true}, nil
}

type meJSON struct {
	ID          string   `json:"id"`
	Username    string   `json:"username"`
	DisplayName string   `json:"displayName"`
	Role        string   `json:"role"`
	RoleName    string   `json:"roleName"`
	Permissions []string `json:"permissions"`
}

// Me is GET /me: who the caller is and what it may do, so the frontend
// can hide what it cannot.
func (uc UserController) Me(c *gin.Context) (any, error) {
	viewer, err := middleware.CurrentUser(c)
	if err != nil {
		return nil, err
	}
	roleName, err := staff.RoleName(c.Request.Context(), uc.DB, viewer.RoleID)
	if err != nil {
		return nil, err
	}
	perms := make([]string, len(viewer.Permissions))
	for i, p := range viewer.Permissions {
		perms[i] = string(p)
	}
	return meJSON{ID: strconv.FormatUint(viewer.UserID, 10), Username: viewer.Username, DisplayName: viewer.DisplayName,
		Role: viewer.RoleKey, RoleName: roleName, Permissions: perms}, nil
}

// ChangeOwnPassword is POST /me/password: old_password and new_password;
// the caller's other sessions end, this one goes on.
func (uc UserController) ChangeOwnPassword(c *gin.Context) (any, error) {
	viewer, err := middleware.CurrentUser(c)
	if err != nil {
		return nil, err
	}
	b := newBinder(c)
	old := b.requiredText(textRule{maxRunes: staff.MaxPasswordBytes}, "old_password")
	fresh := b.newPassword("new_password")
	if b.err != nil {
		return nil, b.err
	}
	if err := uc.Auth.ChangeOwnPassword(c.Request.Context(), viewer, old, fresh); err != nil {
		return nil, err
	}
	return doneJSON{Done: true}, nil
}

// newPassword reads a new password: required, 8-72 bytes (bcrypt's limit).
func (b *binder) newPassword(names ...string) string {
	return b.requiredMatch(staff.ValidNewPassword, names...)
}
