package tests

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"crm/models/access"
)

func TestPermissionList(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		var want []map[string]string
		for _, p := range access.Permissions() {
			want = append(want, map[string]string{"key": string(p.Key), "description": p.Description})
		}
		raw, _ := json.Marshal(map[string]any{"permission_data": want})
		wantJSON(t, e.call(t, "GET", api+"/permission/", query("token", e.newAccount(t, access.RoleConsultant).token)), string(raw))
		if len(want) != 24 || !strings.Contains(string(raw), `{"description":"彻底删除回收站中的患者","key":"patient.purge"}`) {
			t.Errorf("permissions: %s", raw)
		}
	})
}

func TestRoleList(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		e.newAccount(t, access.RoleConsultant)
		resp := e.call(t, "GET", api+"/role/", query("token", e.admin(t).token))
		var roles struct {
			RoleData []struct {
				ID, Key, Name, UserCount string
				Permissions, Menus       []string
			} `json:"role_data"`
		}
		_ = json.Unmarshal(resp.body, &roles)
		got := ""
		for _, r := range roles.RoleData {
			got += fmt.Sprintf("%s/%s/%s/users=%s/perms=%d/menus=%s\n", r.ID, r.Key, r.Name, r.UserCount, len(r.Permissions), strings.Join(r.Menus, ","))
		}
		want := "1/consultant/客服/users=1/perms=3/menus=1,2,3\n" +
			"2/manager/管理员/users=0/perms=20/menus=1,2,3,4,5,6,7,8,9,10,11,12,15,16\n" +
			"3/superadmin/超级管理员/users=1/perms=24/menus=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17\n"
		if got != want {
			t.Errorf("roles:\n%s\nwant:\n%s", got, want)
		}
		wantError(t, e.call(t, "GET", api+"/role/", query("token", e.newAccount(t, access.RoleManager).token)), 48001, "用户没有权限")
	})
}

// A new role, given to a user: its menus and permissions apply to that
// user's very next request, without logging in again.
func TestRoleLifecycle(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		admin := e.admin(t)
		resp := e.call(t, "POST", api+"/role/", form("token", admin.token, "key", "front_desk", "name", "前台",
			"permissions", "patient.list, patient.confirm_arrival patient.edit", "menus", "3"))
		wantJSON(t, resp, `{"role": {"id": "4", "key": "front_desk", "name": "前台",
			"permissions": ["patient.confirm_arrival", "patient.edit", "patient.list"], "menus": ["2", "3"], "userCount": "0"}}`)
		desk := e.newAccount(t, "front_desk")
		wantJSON(t, e.call(t, "GET", api+"/menu/", query("token", desk.token)), `{"menu_data": [
			{"title": "客户池", "name": "2", "url": "patients", "child": [{"id": "3", "title": "登记用户", "name": "2-1", "url": "regsiter"}]}]}`)
		wantJSON(t, e.call(t, "GET", api+"/patient/duplicates/", query("token", desk.token, "tel", "1")), `{"patient_data": [], "hidden": 0}`)

		// Edit: permissions and menus change for the next request.
		wantError(t, e.call(t, "POST", api+"/patient/", form("token", desk.token, "name", "x", "add_time", "1", "state", "0")), 48001, "用户没有权限")
		resp = e.call(t, "PATCH", api+"/role/4/", form("token", admin.token, "name", "前台接待",
			"permissions", "patient.list patient.create patient.view_all", "menus", "1"))
		wantJSON(t, resp, `{"role": {"id": "4", "key": "front_desk", "name": "前台接待",
			"permissions": ["patient.create", "patient.list", "patient.view_all"], "menus": ["1"], "userCount": "0"}}`)
		e.createPatient(t, desk.token, "name", "x", "add_time", "1", "state", "0")
		wantJSON(t, e.call(t, "GET", api+"/menu/", query("token", desk.token)), `{"menu_data": [
			{"title": "仪表盘", "name": "1", "url": "dashboard", "child": []}]}`)
		// Clearing the menus.
		resp = e.call(t, "PATCH", api+"/role/4/", form("token", admin.token, "menus", ""))
		if got := field(t, resp, "role").(map[string]any)["menus"]; fmt.Sprint(got) != "[]" {
			t.Errorf("menus cleared: %v", got)
		}
		wantJSON(t, e.call(t, "GET", api+"/menu/", query("token", desk.token)), `{"menu_data": []}`)

		// Delete: only without users.
		wantError(t, e.call(t, "DELETE", api+"/role/4/", form("token", admin.token)), 46002, "有 1 位人员使用该角色，不能删除")
		e.call(t, "PATCH", api+"/user/"+strconv.FormatUint(desk.id, 10)+"/", form("token", admin.token, "role", "consultant"))
		wantJSON(t, e.call(t, "DELETE", api+"/role/4", bearer(admin.token)), `{"deleted": true}`)
		wantError(t, e.call(t, "PATCH", api+"/role/4/", form("token", admin.token, "name", "x")), 46001, "记录不存在")
	})
}

func TestRoleValidation(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		admin := e.admin(t)
		for _, c := range []struct {
			kv      []string
			code    int
			message string
		}{
			{[]string{"name", "x"}, 44001, "缺少参数: key"},
			{[]string{"key", "x_role"}, 44001, "缺少参数: name"},
			{[]string{"key", "Bad-Key", "name", "x"}, 40035, "参数不合法: key"},
			{[]string{"key", "x_role", "name", "x", "permissions", "patient.list, patient.fly"}, 40035, "参数不合法: permissions"},
			{[]string{"key", "x_role", "name", "x", "menus", "1,99"}, 40035, "参数不合法: menus"},
			{[]string{"key", "x_role", "name", "x", "menus", "one"}, 40035, "参数不合法: menus"},
			{[]string{"key", "consultant", "name", "另一个"}, 46002, "角色标识或名称已存在"},
			{[]string{"key", "x_role", "name", "客服"}, 46002, "角色标识或名称已存在"},
		} {
			wantError(t, e.call(t, "POST", api+"/role/", form(append([]string{"token", admin.token}, c.kv...)...)), c.code, c.message)
		}
		// The superadmin role holds every permission, always.
		wantError(t, e.call(t, "PATCH", api+"/role/3/", form("token", admin.token, "permissions", "patient.list")), 46002, "超级管理员角色始终拥有全部权限，不能修改其权限")
		if resp := e.call(t, "PATCH", api+"/role/3/", form("token", admin.token, "name", "总管理员")); !strings.Contains(string(resp.body), "总管理员") {
			t.Errorf("the superadmin role may be renamed: %s", resp.body)
		}
		wantError(t, e.call(t, "DELETE", api+"/role/3/", form("token", admin.token)), 46002, "有 1 位人员使用该角色，不能删除")
		// Nobody grants what it does not hold.
		e.customRole(t, "role_admin", access.PermRoleManage, access.PermPatientList)
		roleAdmin := e.newAccount(t, "role_admin")
		wantError(t, e.call(t, "POST", api+"/role/", form("token", roleAdmin.token, "key", "mine", "name", "mine", "permissions", "patient.purge")),
			48001, "用户没有权限")
		wantError(t, e.call(t, "PATCH", api+"/role/2/", form("token", roleAdmin.token, "name", "x")), 48001, "用户没有权限")
		if resp := e.call(t, "POST", api+"/role/", form("token", roleAdmin.token, "key", "mine", "name", "mine", "permissions", "patient.list")); !strings.Contains(string(resp.body), `"key":"mine"`) {
			t.Errorf("granting what one holds is fine: %s", resp.body)
		}
	})
}

func TestMenuAdministration(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		admin := e.admin(t)
		consultant := e.newAccount(t, access.RoleConsultant)
		resp := e.call(t, "GET", api+"/menus/", query("token", admin.token))
		var tree struct {
			Menus []struct {
				ID, Name string
				Children []struct{ ID, ParentID string } `json:"children"`
			} `json:"menus"`
		}
		_ = json.Unmarshal(resp.body, &tree)
		if len(tree.Menus) != 5 || tree.Menus[4].Name != "5" || len(tree.Menus[4].Children) != 5 || tree.Menus[4].Children[0].ParentID != "12" {
			t.Fatalf("tree: %s", resp.body)
		}
		if !strings.HasPrefix(string(resp.body), `{"menus":[{"id":"1","parentId":"0","title":"仪表盘","name":"1","url":"dashboard","sortOrder":"10","children":[]},`) {
			t.Errorf("first node: %.200s", resp.body)
		}

		wantJSON(t, e.call(t, "POST", api+"/menus/", form("token", admin.token, "title", "随访管理", "name", "6", "url", "followup")),
			`{"menu": {"id": "18", "parentId": "0", "title": "随访管理", "name": "6", "url": "followup", "sortOrder": "180"}}`)
		wantJSON(t, e.call(t, "POST", api+"/menus/", form("token", admin.token, "title", "今日随访", "name", "6-1", "url", "followup/today", "parent_id", "18", "sort_order", "5")),
			`{"menu": {"id": "19", "parentId": "18", "title": "今日随访", "name": "6-1", "url": "followup/today", "sortOrder": "5"}}`)
		// The superadmin sees it at once; the consultant's role was not given it.
		if resp := e.call(t, "GET", api+"/menu/", query("token", admin.token)); !strings.Contains(string(resp.body),
			`{"title":"随访管理","name":"6","url":"followup","child":[{"id":"19","title":"今日随访","name":"6-1","url":"followup/today"}]}`) {
			t.Errorf("superadmin menu: %s", resp.body)
		}
		if resp := e.call(t, "GET", api+"/menu/", query("token", consultant.token)); strings.Contains(string(resp.body), "随访") {
			t.Errorf("consultant menu: %s", resp.body)
		}
		for _, c := range []struct {
			kv      []string
			code    int
			message string
		}{
			{[]string{"title", "x", "name", "6"}, 46002, "菜单name已存在"},
			{[]string{"name", "7"}, 44001, "缺少参数: title"},
			{[]string{"title", "x"}, 44001, "缺少参数: name"},
			{[]string{"title", "x", "name", "7 1"}, 40035, "参数不合法: name"},
			{[]string{"title", "x", "name", "7", "url", "<script>"}, 40035, "参数不合法: url"},
			{[]string{"title", "x", "name", "7", "parent_id", "19"}, 40035, "参数不合法: parent_id"},
			{[]string{"title", "x", "name", "7", "parent_id", "99"}, 40035, "参数不合法: parent_id"},
		} {
			wantError(t, e.call(t, "POST", api+"/menus/", form(append([]string{"token", admin.token}, c.kv...)...)), c.code, c.message)
		}
		// Moving: a child to another parent; a parent with children nowhere.
		wantJSON(t, e.call(t, "PATCH", api+"/menus/19/", form("token", admin.token, "parentId", "12", "title", "随访")),
			`{"menu": {"id": "19", "parentId": "12", "title": "随访", "name": "6-1", "url": "followup/today", "sortOrder": "5"}}`)
		wantError(t, e.call(t, "PATCH", api+"/menus/2/", form("token", admin.token, "parent_id", "18")), 46002, "该菜单下还有子菜单")
		wantError(t, e.call(t, "PATCH", api+"/menus/18/", form("token", admin.token, "parent_id", "18")), 40035, "参数不合法: parent_id")
		wantError(t, e.call(t, "PATCH", api+"/menus/18/", form("token", admin.token, "name", "1")), 46002, "菜单name已存在")
		// Deleting: not with children; roles stop seeing it.
		wantError(t, e.call(t, "DELETE", api+"/menus/12/", form("token", admin.token)), 46002, "该菜单下还有子菜单")
		wantJSON(t, e.call(t, "DELETE", api+"/menus/19/", form("token", admin.token)), `{"deleted": true}`)
		if got := count(t, e.db, "role_menus", "menu_id = ?", 19); got != 0 {
			t.Errorf("role links left: %d", got)
		}
		wantError(t, e.call(t, "DELETE", api+"/menus/19/", form("token", admin.token)), 46001, "记录不存在")
		// Only with menu.manage; the contract's GET /menu/ stays GET-only.
		manager := e.newAccount(t, access.RoleManager)
		wantError(t, e.call(t, "GET", api+"/menus/", query("token", manager.token)), 48001, "用户没有权限")
		wantError(t, e.call(t, "POST", api+"/menus/", form("token", manager.token, "title", "x", "name", "9")), 48001, "用户没有权限")
		wantError(t, e.call(t, "POST", api+"/menu/", form("token", admin.token)), 43001, "需要GET请求")
	})
}
