package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"crm/models/access"
	"crm/models/dict"
	"crm/models/oplog"
	"crm/models/staff"
)

type logEntry struct {
	ID, Username, Action, TargetType, TargetID, Address, Time string
	UserID                                                    *string
	Summary                                                   map[string]any
}

func readLog(t *testing.T, e *env, token string, kv ...string) []logEntry {
	t.Helper()
	resp := e.call(t, "GET", api+"/log/", query(append([]string{"token", token, "per_page", "100"}, kv...)...))
	var body struct {
		LogData []logEntry `json:"log_data"`
	}
	if err := json.Unmarshal(resp.body, &body); err != nil || strings.Contains(string(resp.body), "stateCode") {
		t.Fatalf("log: %s", resp.body)
	}
	return body.LogData
}

func TestOperationLogRecordsWhoDidWhat(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		admin := e.admin(t) // session.login, entry 1
		e.call(t, "POST", api+"/token/", form("username", adminUsername, "password", "wrong-password"), from("198.51.100.9:1"))
		e.call(t, "POST", api+"/token/", form("username", "ghost", "password", "whatever"), from("198.51.100.9:1"))
		id := e.createPatient(t, admin.token, "name", "张三", "add_time", "1", "state", "0", "tel", "13512346666")
		e.call(t, "PATCH", api+"/patient/"+id, form("token", admin.token, "tel", "13700001111", "remarks", strings.Repeat("长", 150)))
		e.call(t, "PATCH", api+"/patient/"+id, form("token", admin.token, "state", "2"))
		e.call(t, "DELETE", api+"/patient/"+id, form("token", admin.token))
		e.call(t, "POST", api+"/user/", form("token", admin.token, "username", "kefu9", "password", "kefu-password", "role", "consultant"))
		e.call(t, "PATCH", api+"/dict/doctor/1/", form("token", admin.token, "enabled", "0"))
		stolen := e.login(t, adminUsername, adminPassword)
		e.call(t, "PATCH", api+"/token/", form("token", stolen))
		e.clock.Advance(time.Minute)
		e.call(t, "PATCH", api+"/token/", form("token", stolen)) // replay
		e.call(t, "DELETE", api+"/token/", form("token", admin.token))

		reader := e.admin(t)
		entries := readLog(t, e, reader.token)
		var lines []string
		for _, en := range entries {
			user := "null"
			if en.UserID != nil {
				user = *en.UserID
			}
			summary, _ := json.Marshal(en.Summary)
			lines = append(lines, fmt.Sprintf("%s %s %s %s/%s %s %s", en.Action, user, en.Username, en.TargetType, en.TargetID, en.Address, summary))
		}
		long := strings.Repeat("长", 100) + "…"
		want := []string{
			"session.login 1 admin session/3 192.0.2.1 {}",
			"session.logout 1 admin session/1 192.0.2.1 {}",
			"session.refresh_reused 1 admin session/2 192.0.2.1 {}",
			"session.login 1 admin session/2 192.0.2.1 {}",
			`dict.update 1 admin doctor/1 192.0.2.1 {"changes":[{"field":"enabled","from":"1","to":"0"}]}`,
			`user.create 1 admin user/2 192.0.2.1 {"displayName":"kefu9","role":"consultant","username":"kefu9"}`,
			`patient.delete 1 admin patient/1 192.0.2.1 {"name":"张三"}`,
			fmt.Sprintf(`patient.state 1 admin patient/1 192.0.2.1 {"changes":[{"field":"reachTime","from":null,"to":"%d"},{"field":"state","from":"0","to":"2"}]}`, e.clock.Now().Add(-time.Minute).Unix()),
			`patient.update 1 admin patient/1 192.0.2.1 {"changes":[{"field":"tel","from":"135****6666","to":"137****1111"},{"field":"remarks","from":null,"to":"` + long + `"}]}`,
			`patient.create 1 admin patient/1 192.0.2.1 {"name":"张三"}`,
			`session.login_failed null ghost session/ 198.51.100.9 {"reason":"no_such_user"}`,
			`session.login_failed 1 admin session/ 198.51.100.9 {"reason":"wrong_password"}`,
			"session.login 1 admin session/1 192.0.2.1 {}",
		}
		if strings.Join(lines, "\n") != strings.Join(want, "\n") {
			t.Errorf("log:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
		}
		// Times are the server clock's; ids descend.
		if entries[0].Time != strconv.FormatInt(e.clock.Now().Unix(), 10) {
			t.Errorf("time %s", entries[0].Time)
		}
		// Neither passwords nor tokens.
		var summaries []string
		e.db.Table("op_log").Pluck("summary", &summaries)
		all := strings.Join(summaries, "\n")
		for _, secret := range []string{adminPassword, "wrong-password", "whatever", "kefu-password", admin.token, stolen} {
			if strings.Contains(all, secret) {
				t.Errorf("a secret in the operation log")
			}
		}
	})
}

func TestOperationLogFilters(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		admin := e.admin(t)
		manager := e.newAccount(t, access.RoleManager)
		start := e.clock.Now()
		e.clock.Advance(time.Hour)
		e.createPatient(t, manager.token, "name", "a", "add_time", "1", "state", "0")
		e.clock.Advance(time.Hour)
		e.call(t, "PATCH", api+"/dict/media/1/", form("token", admin.token, "name", "百度推广"))
		actions := func(kv ...string) string {
			var out []string
			for _, en := range readLog(t, e, manager.token, kv...) {
				out = append(out, en.Action)
			}
			return strings.Join(out, ",")
		}
		if got := actions("user_id", strconv.FormatUint(manager.id, 10)); got != "patient.create,session.login" {
			t.Errorf("by user: %s", got)
		}
		if got := actions("action", "patient.create"); got != "patient.create" {
			t.Errorf("by action: %s", got)
		}
		if got := actions("targetType", "media"); got != "dict.update" {
			t.Errorf("by target type: %s", got)
		}
		hour := func(h int) string { return strconv.FormatInt(start.Add(time.Duration(h)*time.Hour).Unix(), 10) }
		if got := actions("from", hour(1), "to", hour(1)); got != "patient.create" {
			t.Errorf("by time (inclusive): %s", got)
		}
		if got := actions("to", hour(0)); got != "session.login,session.login" {
			t.Errorf("until the start: %s", got)
		}
		resp := e.call(t, "GET", api+"/log/", query("token", manager.token, "per_page", "1", "page", "2"))
		if fmt.Sprint(field(t, resp, "count")) != "4" || len(field(t, resp, "log_data").([]any)) != 1 {
			t.Errorf("paging: %s", resp.body)
		}
		wantError(t, e.call(t, "GET", api+"/log/", query("token", manager.token, "from", "soon")), 40035, "参数不合法: from")
		wantError(t, e.call(t, "GET", api+"/log/", query("token", manager.token, "user_id", "0")), 40035, "参数不合法: user_id")
		// Read-only, and only with log.view.
		for _, method := range []string{"POST", "PATCH", "DELETE", "PUT"} {
			wantError(t, e.call(t, method, api+"/log/", form("token", admin.token)), 43001, "需要GET请求")
		}
		wantError(t, e.call(t, "GET", api+"/log/", query("token", e.newAccount(t, access.RoleConsultant).token)), 48001, "用户没有权限")
	})
}

// The entry is part of the change's transaction: no entry, no change.
func TestOperationLogIsWrittenWithTheChange(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		admin := e.admin(t)
		if err := e.db.Exec("DROP TABLE op_log").Error; err != nil {
			t.Fatal(err)
		}
		wantCode(t, e.call(t, "POST", api+"/patient/", form("token", admin.token, "name", "x", "add_time", "1", "state", "0")), 50001)
		wantCode(t, e.call(t, "PATCH", api+"/dict/doctor/1/", form("token", admin.token, "enabled", "0")), 50001)
		wantCode(t, e.call(t, "POST", api+"/token/", form("username", adminUsername, "password", adminPassword)), 50001)
		var enabled bool
		e.db.Model(&dict.Doctor{}).Where("id = 1").Pluck("enabled", &enabled)
		if e.patientCount(t) != 0 || !enabled || count(t, e.db, "sessions") != 1 {
			t.Error("a change was committed without its log entry")
		}
	})
}

func TestPruning(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		now := time.Now().UTC()
		for i := 0; i < 7; i++ {
			old := oplog.OpLogEntry{Action: "test.old", Summary: "{}", CreatedAt: now.AddDate(0, 0, -400-i)}
			if err := e.db.Create(&old).Error; err != nil {
				t.Fatal(err)
			}
		}
		e.db.Create(&oplog.OpLogEntry{Action: "test.recent", Summary: "{}", CreatedAt: now.AddDate(0, 0, -10)})
		n, err := oplog.PruneOpLog(context.Background(), e.db, now.AddDate(0, 0, -365), 3)
		if err != nil || n != 7 {
			t.Fatalf("pruned %d (%v), want 7", n, err)
		}
		if got := count(t, e.db, "op_log", "action LIKE ?", "test.%"); got != 1 {
			t.Errorf("%d test entries left, want the recent one", got)
		}
		// Sessions past their refresh window go too.
		e.db.Create(&staff.Session{UserID: 1, CurrentJTI: "old", CreatedAt: now.AddDate(0, 0, -30)})
		e.db.Create(&staff.Session{UserID: 1, CurrentJTI: "new", CreatedAt: now})
		n, err = staff.PruneSessions(context.Background(), e.db, now.AddDate(0, 0, -8), 1000)
		if err != nil || n != 1 || count(t, e.db, "sessions", "current_jti = ?", "new") != 1 {
			t.Errorf("sessions pruned %d (%v)", n, err)
		}
	})
}
