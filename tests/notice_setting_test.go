package tests

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"crm/models/access"
	"crm/models/settings"
)

// Notices (通知管理) managers publish to staff by role, read per user; and
// the clinic's settings (参数设置) the superadmin changes at runtime.

func TestNoticesByAudienceAndRead(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		manager := e.newAccount(t, access.RoleManager)
		alice := e.newAccount(t, access.RoleConsultant)
		now := e.clock.Now().Unix()
		notice := func(id, title, body, audience string, pinned bool, read bool) string {
			return fmt.Sprintf(`{"id": %q, "title": %q, "body": %q, "audience": %s, "pinned": %v, "read": %v, "userId": "%d", "username": %q, "createdAt": "%d", "updatedAt": "%d"}`,
				id, title, body, audience, pinned, read, manager.id, manager.username, now, now)
		}
		wantJSON(t, e.call(t, "POST", api+"/notice/", form("token", manager.token, "title", "全员会议", "body", "周五下午三点\n三楼")),
			`{"notice": `+notice("1", "全员会议", "周五下午三点\n三楼", "[]", false, false)+`}`)
		wantJSON(t, e.call(t, "POST", api+"/notice/", jsonBody(map[string]any{"token": manager.token, "title": "管理层", "body": "预算",
			"audience": "manager, superadmin", "pinned": 1})),
			`{"notice": `+notice("2", "管理层", "预算", `["manager", "superadmin"]`, true, false)+`}`)
		e.call(t, "POST", api+"/notice/", form("token", manager.token, "title", "客服排班", "body", "见附件", "audience", "consultant", "pinned", "1"))

		// Alice sees the notices for everyone and for consultants, pinned first.
		wantJSON(t, e.call(t, "GET", api+"/notice/", query("token", alice.token)), `{"notice_data": [`+
			notice("3", "客服排班", "见附件", `["consultant"]`, true, false)+`, `+notice("1", "全员会议", "周五下午三点\n三楼", "[]", false, false)+
			`], "count": 2, "unread": 2, "page": 1, "per_page": 30}`)
		wantJSON(t, e.call(t, "POST", api+"/notice/3/read/", form("token", alice.token)), `{"read": true}`)
		wantJSON(t, e.call(t, "POST", api+"/notice/3/read/", form("token", alice.token)), `{"read": true}`) // again: the same
		list := e.call(t, "GET", api+"/notice/", query("token", alice.token))
		if fmt.Sprint(field(t, list, "unread")) != "1" || field(t, list, "notice_data").([]any)[0].(map[string]any)["read"] != true {
			t.Errorf("after reading: %s", list.body)
		}
		// Not addressed to her: as if it did not exist.
		wantError(t, e.call(t, "POST", api+"/notice/2/read/", form("token", alice.token)), 46001, "记录不存在")
		if fmt.Sprint(field(t, e.call(t, "GET", api+"/notice/", query("token", manager.token)), "count")) != "2" {
			t.Errorf("the manager sees the notices for everyone and for managers")
		}

		e.clock.Advance(time.Minute)
		resp := e.call(t, "PATCH", api+"/notice/1/", form("token", manager.token, "pinned", "1", "audience", ""))
		if got := field(t, resp, "notice").(map[string]any); got["pinned"] != true || got["updatedAt"] != strconv.FormatInt(now+60, 10) {
			t.Errorf("edited: %s", resp.body)
		}
		wantJSON(t, e.call(t, "DELETE", api+"/notice/3/", form("token", manager.token)), `{"deleted": true}`)
		if n := count(t, e.db, "notice_reads"); n != 0 {
			t.Errorf("%d reads of a deleted notice", n)
		}
		entries := readLog(t, e, e.admin(t).token, "target_type", "notice")
		if len(entries) != 5 {
			t.Errorf("%d notice log entries, want 5 (3 created, 1 updated, 1 deleted)", len(entries))
		}

		for _, c := range []struct {
			name, token string
			kv          []string
			code        int
			message     string
		}{
			{"no title", manager.token, []string{"body", "x"}, 44001, "缺少参数: title"},
			{"no body", manager.token, []string{"title", "x"}, 44001, "缺少参数: body"},
			{"title too long", manager.token, []string{"title", repeatRune('题', 101), "body", "x"}, 40035, "参数不合法: title"},
			{"unknown role", manager.token, []string{"title", "x", "body", "x", "audience", "consultant,nobody"}, 40035, "参数不合法: audience"},
			{"wildcard role", manager.token, []string{"title", "x", "body", "x", "audience", "%"}, 40035, "参数不合法: audience"},
			{"pinned maybe", manager.token, []string{"title", "x", "body", "x", "pinned", "maybe"}, 40035, "参数不合法: pinned"},
			{"a consultant", alice.token, []string{"title", "x", "body", "x"}, 48001, "用户没有权限"},
		} {
			t.Run(c.name, func(t *testing.T) {
				wantError(t, e.call(t, "POST", api+"/notice/", form(append([]string{"token", c.token}, c.kv...)...)), c.code, c.message)
			})
		}
		wantError(t, e.call(t, "PATCH", api+"/notice/99/", form("token", manager.token, "title", "x")), 46001, "记录不存在")
		wantError(t, e.call(t, "DELETE", api+"/notice/1/", form("token", alice.token)), 48001, "用户没有权限")
	})
}

func TestSettingsAtRuntime(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		admin := e.admin(t)
		manager := e.newAccount(t, access.RoleManager)
		wantJSON(t, e.call(t, "GET", api+"/setting/", query("token", manager.token)),
			`{"settings": {"clinicName": "诊所", "timezone": "Asia/Shanghai", "logRetentionDays": 365, "defaultPageSize": 30}}`)
		for i := range 12 {
			e.createPatient(t, admin.token, "name", "p"+strconv.Itoa(i), "add_time", "1700000000", "state", "0")
		}
		wantJSON(t, e.call(t, "PATCH", api+"/setting/", form("token", admin.token, "clinic_name", "温州某某医院", "timezone", "Asia/Urumqi",
			"default_page_size", "10", "log_retention_days", "0")),
			`{"settings": {"clinicName": "温州某某医院", "timezone": "Asia/Urumqi", "logRetentionDays": 0, "defaultPageSize": 10}}`)
		// Applied on the next request: the list's page size, the reports' zone.
		list := e.call(t, "GET", api+"/patient/", query("token", manager.token))
		if fmt.Sprintf("%v %v", field(t, list, "per_page"), len(field(t, list, "patient_data").([]any))) != "10 10" {
			t.Errorf("default page size not applied: per_page %v", field(t, list, "per_page"))
		}
		dash := field(t, e.call(t, "GET", api+"/dashboard/", query("token", manager.token)), "dashboard").(map[string]any)
		if dash["timezone"] != "Asia/Urumqi" {
			t.Errorf("dashboard zone %v", dash["timezone"])
		}
		entries := readLog(t, e, admin.token, "action", "setting.update")
		if len(entries) != 1 || len(entries[0].Summary["changes"].([]any)) != 4 {
			t.Errorf("log: %+v", entries)
		}
		// Nothing changed: nothing logged.
		e.call(t, "PATCH", api+"/setting/", form("token", admin.token, "default_page_size", "10"))
		if n := len(readLog(t, e, admin.token, "action", "setting.update")); n != 1 {
			t.Errorf("%d entries after a change to the same value", n)
		}
		for _, c := range []struct {
			kv      []string
			code    int
			message string
		}{
			{[]string{"timezone", "Mars/Olympus"}, 40035, "参数不合法: timezone"},
			{[]string{"timezone", "Local"}, 40035, "参数不合法: timezone"},
			{[]string{"default_page_size", "0"}, 40035, "参数不合法: default_page_size"},
			{[]string{"default_page_size", "101"}, 40035, "参数不合法: default_page_size"},
			{[]string{"log_retention_days", "-1"}, 40035, "参数不合法: log_retention_days"},
			{[]string{"clinic_name", repeatRune('院', 65)}, 40035, "参数不合法: clinic_name"},
		} {
			wantError(t, e.call(t, "PATCH", api+"/setting/", form(append([]string{"token", admin.token}, c.kv...)...)), c.code, c.message)
		}
		wantError(t, e.call(t, "PATCH", api+"/setting/", form("token", manager.token, "clinic_name", "x")), 48001, "用户没有权限")
		// The generated JWT secret is no setting of this API.
		if n := count(t, e.db, "settings", "name = ?", settings.SettingJWTSecret); n > 1 {
			t.Errorf("jwt secret rows %d", n)
		}
		wantJSON(t, e.call(t, "GET", api+"/setting/", query("token", manager.token)),
			`{"settings": {"clinicName": "温州某某医院", "timezone": "Asia/Urumqi", "logRetentionDays": 0, "defaultPageSize": 10}}`)
	})
}
