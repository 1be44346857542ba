package tests

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"crm/models/access"
	"crm/models/staff"
)

func userObject(id uint64, username, display, role, roleName, enabled string, created int64) string {
	return fmt.Sprintf(`{"id": "%d", "username": %q, "displayName": %q, "role": %q, "roleName": %q, "enabled": %q, "createdAt": "%d"}`,
		id, username, display, role, roleName, enabled, created)
}

func TestUserCreate(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		manager := e.newAccount(t, access.RoleManager)
		resp := e.call(t, "POST", api+"/user/", form("token", manager.token, "username", "kefu_01", "password", "kefu-password",
			"role", "consultant", "display_name", "客服小王"))
		created := field(t, resp, "user").(map[string]any)
		createdAt, _ := strconv.ParseInt(created["createdAt"].(string), 10, 64)
		id, _ := strconv.ParseUint(created["id"].(string), 10, 64)
		wantJSON(t, resp, `{"user": `+userObject(id, "kefu_01", "客服小王", "consultant", "客服", "1", createdAt)+`}`)
		if d := time.Since(time.Unix(createdAt, 0)); d < 0 || d > time.Minute {
			t.Errorf("createdAt %d", createdAt)
		}
		e.login(t, "kefu_01", "kefu-password")
		// The display name defaults to the username; JSON works.
		resp = e.call(t, "POST", api+"/user", bearer(manager.token), jsonBody(map[string]any{"username": "kefu_02", "password": "kefu-password", "role": "manager"}))
		if got := field(t, resp, "user").(map[string]any); got["displayName"] != "kefu_02" || got["role"] != "manager" {
			t.Errorf("defaults: %s", resp.body)
		}
		for _, c := range []struct {
			kv      []string
			code    int
			message string
		}{
			{[]string{"username", "kefu_01", "password", "kefu-password", "role", "consultant"}, 46002, "用户名已存在"},
			{[]string{"password", "kefu-password", "role", "consultant"}, 44001, "缺少参数: username"},
			{[]string{"username", "kefu_03", "role", "consultant"}, 44001, "缺少参数: password"},
			{[]string{"username", "kefu_03", "password", "kefu-password"}, 44001, "缺少参数: role"},
			{[]string{"username", "客服", "password", "kefu-password", "role", "consultant"}, 40035, "参数不合法: username"},
			{[]string{"username", "kefu_03", "password", "short", "role", "consultant"}, 40035, "参数不合法: password"},
			{[]string{"username", "kefu_03", "password", strings.Repeat("p", 73), "role", "consultant"}, 40035, "参数不合法: password"},
			{[]string{"username", "kefu_03", "password", "kefu-password", "role", "king"}, 40035, "参数不合法: role"},
			// Nobody creates a user above itself.
			{[]string{"username", "kefu_03", "password", "kefu-password", "role", "superadmin"}, 48001, "用户没有权限"},
		} {
			wantError(t, e.call(t, "POST", api+"/user/", form(append([]string{"token", manager.token}, c.kv...)...)), c.code, c.message)
		}
		wantError(t, e.call(t, "POST", api+"/user/", form("token", e.newAccount(t, access.RoleConsultant).token,
			"username", "x_y_z", "password", "kefu-password", "role", "consultant")), 48001, "用户没有权限")
		if got := count(t, e.db, "users", "username = ?", "kefu_03"); got != 0 {
			t.Error("a refused creation created a user")
		}
	})
}

func TestUserList(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		manager := e.newAccount(t, access.RoleManager)
		alice := e.newAccount(t, access.RoleConsultant)
		e.db.Model(&staff.User{}).Where("id = ?", alice.id).Updates(map[string]any{"display_name": "小爱", "enabled": false})
		var created time.Time
		e.db.Model(&staff.User{}).Where("id = ?", alice.id).Pluck("created_at", &created)
		list := func(kv ...string) response {
			return e.call(t, "GET", api+"/user/", query(append([]string{"token", manager.token}, kv...)...))
		}
		wantJSON(t, list("role", "consultant"), `{"user_data": [`+userObject(alice.id, alice.username, "小爱", "consultant", "客服", "0", created.Unix())+
			`], "count": 1, "page": 1, "per_page": 30}`)
		if got := field(t, list(), "count"); fmt.Sprint(got) != "3" {
			t.Errorf("all users: %v", got)
		}
		if got := field(t, list("enabled", "0"), "count"); fmt.Sprint(got) != "1" {
			t.Errorf("disabled users: %v", got)
		}
		if got := field(t, list("q", "小爱"), "count"); fmt.Sprint(got) != "1" {
			t.Errorf("search by display name: %v", got)
		}
		if got := field(t, list("q", "ADM"), "count"); fmt.Sprint(got) != "1" {
			t.Errorf("search by username: %v", got)
		}
		if got := field(t, list("per_page", "1", "page", "2"), "user_data").([]any); len(got) != 1 {
			t.Errorf("paging: %v", got)
		}
		wantError(t, list("enabled", "yes"), 40035, "参数不合法: enabled")
		wantError(t, e.call(t, "GET", api+"/user/", query("token", alice.token)), 40014, "无效的token") // disabled
	})
}

// Role changes apply on the next request; disabling ends sessions at once.
func TestUserEditTakesEffectAtOnce(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		manager := e.newAccount(t, access.RoleManager)
		alice := e.newAccount(t, access.RoleConsultant)
		other := e.newAccount(t, access.RoleConsultant)
		e.createPatient(t, other.token, "name", "别人的", "add_time", "1", "state", "0")
		wantIDs(t, e.call(t, "GET", api+"/patient/", query("token", alice.token)))
		path := api + "/user/" + strconv.FormatUint(alice.id, 10) + "/"

		resp := e.call(t, "PATCH", path, form("token", manager.token, "role", "manager", "displayName", "爱丽丝"))
		if got := field(t, resp, "user").(map[string]any); got["role"] != "manager" || got["displayName"] != "爱丽丝" || got["roleName"] != "管理员" {
			t.Fatalf("edit: %s", resp.body)
		}
		// Same token, new powers.
		wantIDs(t, e.call(t, "GET", api+"/patient/", query("token", alice.token)), "1")
		if menu := e.call(t, "GET", api+"/menu/", query("token", alice.token)); !strings.Contains(string(menu.body), "信息管理") {
			t.Errorf("the manager menu should show at once: %s", menu.body)
		}
		// Disabled: every session ends now, login says so, and enabling
		// again does not revive the old tokens.
		wantJSON(t, e.call(t, "PATCH", path, form("token", manager.token, "enabled", "0")), `{"user": `+
			userObjectOf(t, e, alice.id)+`}`)
		wantError(t, e.call(t, "GET", api+"/menu/", query("token", alice.token)), 40014, "无效的token")
		wantError(t, e.call(t, "POST", api+"/token/", form("username", alice.username, "password", alice.password)), 46006, "账号已停用")
		e.call(t, "PATCH", path, form("token", manager.token, "enabled", "1"))
		wantError(t, e.call(t, "GET", api+"/menu/", query("token", alice.token)), 40014, "无效的token")
		e.login(t, alice.username, alice.password)

		wantError(t, e.call(t, "PATCH", path, form("token", manager.token, "enabled", "")), 44001, "缺少参数: enabled")
		wantError(t, e.call(t, "PATCH", path, form("token", manager.token, "displayName", "")), 44001, "缺少参数: displayName")
		wantError(t, e.call(t, "PATCH", path, form("token", manager.token, "role", "king")), 40035, "参数不合法: role")
		wantError(t, e.call(t, "PATCH", api+"/user/999/", form("token", manager.token, "enabled", "0")), 46001, "记录不存在")
	})
}

// userObjectOf reads the user as the API shows it, for exact comparisons.
func userObjectOf(t *testing.T, e *env, id uint64) string {
	t.Helper()
	var u staff.User
	if err := e.db.Joins("Role").Where("users.id = ?", id).Take(&u).Error; err != nil {
		t.Fatal(err)
	}
	return userObject(u.ID, u.Username, u.DisplayName, u.Role.Key, u.Role.Name, flagOf(u.Enabled), u.CreatedAt.Unix())
}

func flagOf(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func TestUserGuardRails(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		admin := e.admin(t)
		manager := e.newAccount(t, access.RoleManager)
		adminPath := api + "/user/1/"
		// Not oneself.
		wantError(t, e.call(t, "PATCH", adminPath, form("token", admin.token, "enabled", "0")), 46002, "不能停用或删除自己，也不能修改自己的角色")
		wantError(t, e.call(t, "PATCH", adminPath, form("token", admin.token, "role", "manager")), 46002, "不能停用或删除自己，也不能修改自己的角色")
		wantError(t, e.call(t, "DELETE", adminPath, form("token", admin.token)), 46002, "不能停用或删除自己，也不能修改自己的角色")
		// Renaming oneself is fine.
		if resp := e.call(t, "PATCH", adminPath, form("token", admin.token, "display_name", "老板")); !strings.Contains(string(resp.body), "老板") {
			t.Errorf("rename self: %s", resp.body)
		}
		// A manager cannot touch a superadmin.
		for _, c := range []struct {
			method, path string
			kv           []string
		}{
			{"PATCH", adminPath, []string{"enabled", "0"}},
			{"PATCH", adminPath, []string{"display_name", "x"}},
			{"DELETE", adminPath, nil},
			{"POST", adminPath + "password/", []string{"password", "new-password-1"}},
		} {
			wantError(t, e.call(t, c.method, c.path, form(append([]string{"token", manager.token}, c.kv...)...)), 48001, "用户没有权限")
		}
		// A manager cannot promote anyone to superadmin either.
		consultant := e.newAccount(t, access.RoleConsultant)
		wantError(t, e.call(t, "PATCH", api+"/user/"+strconv.FormatUint(consultant.id, 10)+"/", form("token", manager.token, "role", "superadmin")),
			48001, "用户没有权限")

		// The last enabled superadmin stays, whoever asks (here a role that
		// holds every permission without being the superadmin role).
		e.customRole(t, "root_like", access.AllPermissions()...)
		rootLike := e.newAccount(t, "root_like")
		wantError(t, e.call(t, "PATCH", adminPath, form("token", rootLike.token, "enabled", "0")), 46002, "至少需要保留一个启用的超级管理员")
		wantError(t, e.call(t, "PATCH", adminPath, form("token", rootLike.token, "role", "manager")), 46002, "至少需要保留一个启用的超级管理员")
		wantError(t, e.call(t, "DELETE", adminPath, form("token", rootLike.token)), 46002, "至少需要保留一个启用的超级管理员")
		// With a second superadmin, the first may go.
		second := e.call(t, "POST", api+"/user/", form("token", admin.token, "username", "root2", "password", "root2-password", "role", "superadmin"))
		secondID := field(t, second, "user").(map[string]any)["id"].(string)
		wantJSON(t, e.call(t, "PATCH", adminPath, form("token", rootLike.token, "enabled", "0")), `{"user": `+userObjectOf(t, e, 1)+`}`)
		wantError(t, e.call(t, "PATCH", api+"/user/"+secondID+"/", form("token", rootLike.token, "enabled", "0")), 46002, "至少需要保留一个启用的超级管理员")
		var enabled int64
		e.db.Model(&staff.User{}).Joins("JOIN roles ON roles.id = users.role_id").
			Where("roles.role_key = ? AND users.enabled = ?", "superadmin", true).Count(&enabled)
		if enabled != 1 {
			t.Errorf("%d enabled superadmins, want 1", enabled)
		}
	}, unthrottled)
}

func TestUserPasswords(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		manager := e.newAccount(t, access.RoleManager)
		alice := e.newAccount(t, access.RoleConsultant)
		aliceSecond := e.login(t, alice.username, alice.password)
		path := api + "/user/" + strconv.FormatUint(alice.id, 10) + "/password/"

		// A reset ends all the user's sessions.
		wantJSON(t, e.call(t, "POST", path, form("token", manager.token, "password", "reset-password-1")), `{"done": true}`)
		for _, token := range []string{alice.token, aliceSecond} {
			wantError(t, e.call(t, "GET", api+"/menu/", query("token", token)), 40014, "无效的token")
		}
		wantError(t, e.call(t, "POST", api+"/token/", form("username", alice.username, "password", alice.password)), 46005, "密码错误")
		fresh := e.login(t, alice.username, "reset-password-1")
		wantError(t, e.call(t, "POST", path, form("token", manager.token, "password", "short")), 40035, "参数不合法: password")
		wantError(t, e.call(t, "POST", path, form("token", manager.token)), 44001, "缺少参数: password")
		wantError(t, e.call(t, "POST", api+"/user/"+strconv.FormatUint(manager.id, 10)+"/password/", form("token", manager.token, "password", "reset-password-2")),
			46002, "修改自己的密码请使用“修改密码”，需要原密码")

		// Changing one's own: the old password is needed; the other sessions end.
		other := e.login(t, alice.username, "reset-password-1")
		wantError(t, e.call(t, "POST", api+"/me/password/", form("token", fresh, "old_password", "not-it-at-all", "new_password", "own-password-1")),
			46005, "密码错误")
		wantError(t, e.call(t, "POST", api+"/me/password/", form("token", fresh, "old_password", "reset-password-1", "new_password", "short")),
			40035, "参数不合法: new_password")
		wantError(t, e.call(t, "POST", api+"/me/password/", form("token", fresh, "new_password", "own-password-1")), 44001, "缺少参数: old_password")
		wantJSON(t, e.call(t, "POST", api+"/me/password", bearer(fresh), jsonBody(map[string]string{"oldPassword": "reset-password-1", "newPassword": "own-password-1"})),
			`{"done": true}`)
		wantError(t, e.call(t, "GET", api+"/menu/", query("token", other)), 40014, "无效的token")
		if resp := e.call(t, "GET", api+"/menu/", query("token", fresh)); strings.Contains(string(resp.body), "stateCode") {
			t.Errorf("the current session goes on: %s", resp.body)
		}
		e.login(t, alice.username, "own-password-1")
		// Guessing the old password is throttled like logins.
		for i := 0; i < 5; i++ {
			e.call(t, "POST", api+"/me/password/", form("token", fresh, "old_password", "guess-"+strconv.Itoa(i), "new_password", "own-password-2"))
		}
		wantError(t, e.call(t, "POST", api+"/me/password/", form("token", fresh, "old_password", "own-password-1", "new_password", "own-password-2")),
			45011, "请求过于频繁，请稍后再试")
		// Nothing secret reached the log or the operation log.
		var summaries []string
		e.db.Table("op_log").Pluck("summary", &summaries)
		for _, secret := range []string{"reset-password-1", "own-password-1", "own-password-2", alice.password} {
			if strings.Contains(e.logs.String(), secret) || strings.Contains(strings.Join(summaries, " "), secret) {
				t.Errorf("a password reached a log")
			}
		}
	})
}

func TestUserDelete(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		manager := e.newAccount(t, access.RoleManager)
		busy := e.newAccount(t, access.RoleConsultant)
		idle := e.newAccount(t, access.RoleConsultant)
		binned := e.createPatient(t, busy.token, "name", "p", "add_time", "1", "state", "0")
		e.call(t, "DELETE", api+"/patient/"+binned, form("token", manager.token))
		wantError(t, e.call(t, "DELETE", api+"/user/"+strconv.FormatUint(busy.id, 10)+"/", form("token", manager.token)),
			46002, "该人员登记过 1 位患者，不能删除，请改为停用")
		wantJSON(t, e.call(t, "DELETE", api+"/user/"+strconv.FormatUint(idle.id, 10), bearer(manager.token)), `{"deleted": true}`)
		wantError(t, e.call(t, "GET", api+"/menu/", query("token", idle.token)), 40014, "无效的token")
		wantError(t, e.call(t, "POST", api+"/token/", form("username", idle.username, "password", idle.password)), 46004, "用户名错误或无此用户")
		wantError(t, e.call(t, "DELETE", api+"/user/"+strconv.FormatUint(idle.id, 10)+"/", form("token", manager.token)), 46001, "记录不存在")
		wantError(t, e.call(t, "DELETE", api+"/user/abc/", form("token", manager.token)), 40035, "参数不合法: id")
	})
}

func TestMe(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		consultant := e.newAccount(t, access.RoleConsultant)
		wantJSON(t, e.call(t, "GET", api+"/me/", query("token", consultant.token)), fmt.Sprintf(`{"id": "%d", "username": %q,
			"displayName": %q, "role": "consultant", "roleName": "客服",
			"permissions": ["patient.create", "patient.edit", "patient.list"]}`, consultant.id, consultant.username, consultant.username))
		resp := e.call(t, "GET", api+"/me", bearer(e.admin(t).token))
		perms := field(t, resp, "permissions").([]any)
		if len(perms) != len(access.Permissions()) {
			t.Errorf("the superadmin holds every permission: %s", resp.body)
		}
		wantError(t, e.call(t, "GET", api+"/me/"), 41001, "缺少token参数")
	})
}
