package tests

import (
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"crm/models/access"
	"crm/models/dict"
	"crm/models/oplog"
	"crm/models/patient"
	"crm/models/staff"
)

// patientObject is the contract's patient with every key null but those
// given; numbers given as ints become decimal strings.
func patientObject(fields map[string]any) map[string]any {
	obj := map[string]any{}
	for _, key := range []string{"id", "name", "sex", "tel", "age", "wechat", "qq", "addTime", "orderTime",
		"reachTime", "diseaseId", "authorId", "state", "mediaFromId", "doctorId", "advisoryWay",
		"advisoryContent", "area", "remarks", "keyword", "landingPage", "nextFollowupTime", "revenue", "smsConsent"} {
		obj[key] = nil
	}
	obj["sex"] = "0"
	obj["revenue"] = "0"
	obj["smsConsent"] = "0"
	for k, v := range fields {
		switch v := v.(type) {
		case int:
			obj[k] = strconv.Itoa(v)
		case int64:
			obj[k] = strconv.FormatInt(v, 10)
		case uint64:
			obj[k] = strconv.FormatUint(v, 10)
		default:
			obj[k] = v
		}
	}
	return obj
}

// wantPatient compares body[key] (or the body itself when key is "") with
// the patient object exactly.
func wantPatient(t *testing.T, resp response, key string, fields map[string]any) {
	t.Helper()
	want := patientObject(fields)
	var wantBody any = want
	if key != "" {
		wantBody = map[string]any{key: want}
	}
	raw, _ := json.Marshal(wantBody)
	wantJSON(t, resp, string(raw))
}

// setup: two consultants, a manager, a supervisor who sees everyone's
// patients but neither full numbers nor may edit them, and one patient of
// alice's.
type workflow struct {
	alice, bob, manager, supervisor, admin account
	patient                                string // alice's
}

func newWorkflow(t *testing.T, e *env) workflow {
	t.Helper()
	e.customRole(t, "supervisor", access.PermPatientList, access.PermPatientViewAll, access.PermPatientEdit)
	w := workflow{
		alice:      e.newAccount(t, access.RoleConsultant),
		bob:        e.newAccount(t, access.RoleConsultant),
		manager:    e.newAccount(t, access.RoleManager),
		supervisor: e.newAccount(t, "supervisor"),
		admin:      e.admin(t),
	}
	w.patient = e.createPatient(t, w.alice.token, "name", "张三", "add_time", "1700000000", "state", "0",
		"tel", "13512346666", "wechat", "wx_zs", "area", "温州")
	return w
}

func (w workflow) alicePatient(id string, fields map[string]any) map[string]any {
	base := map[string]any{"id": id, "name": "张三", "tel": "13512346666", "wechat": "wx_zs", "addTime": 1700000000,
		"state": 0, "area": "温州", "authorId": w.alice.id}
	for k, v := range fields {
		base[k] = v
	}
	return base
}

func TestGetPatient(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		w := newWorkflow(t, e)
		path := api + "/patient/" + w.patient + "/"
		wantPatient(t, e.call(t, "GET", path, query("token", w.alice.token)), "patient", w.alicePatient(w.patient, nil))
		wantPatient(t, e.call(t, "GET", api+"/patient/"+w.patient, bearer(w.manager.token)), "patient", w.alicePatient(w.patient, nil))
		wantPatient(t, e.call(t, "GET", path, query("token", w.supervisor.token)), "patient",
			w.alicePatient(w.patient, map[string]any{"tel": "135****6666"}))

		// Someone else's patient, one that does not exist: the same answer.
		wantError(t, e.call(t, "GET", path, query("token", w.bob.token)), 46001, "记录不存在")
		wantError(t, e.call(t, "GET", api+"/patient/999/", query("token", w.manager.token)), 46001, "记录不存在")
		for _, bad := range []string{"abc", "0", "-1", "1.5", "99999999999999999999"} {
			wantError(t, e.call(t, "GET", api+"/patient/"+bad+"/", query("token", w.manager.token)), 40035, "参数不合法: id")
		}
		wantError(t, e.call(t, "GET", path), 41001, "缺少token参数")
		e.customRole(t, "nobody")
		wantError(t, e.call(t, "GET", path, query("token", e.newAccount(t, "nobody").token)), 48001, "用户没有权限")
	})
}

func TestEditPatientFields(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		w := newWorkflow(t, e)
		path := api + "/patient/" + w.patient + "/"
		// A subset: the rest stays.
		resp := e.call(t, "PATCH", path, form("token", w.alice.token, "remarks", "回访：下周", "advisoryWay", "电话", "age", "33"))
		wantPatient(t, resp, "patient", w.alicePatient(w.patient, map[string]any{"remarks": "回访：下周", "advisoryWay": "电话", "age": 33}))
		// JSON, camelCase, numbers as numbers; blank optional fields clear.
		resp = e.call(t, "PATCH", path, bearer(w.alice.token), jsonBody(map[string]any{
			"tel": "", "age": nil, "sex": 1, "diseaseId": 2, "mediaFromId": 3, "addTime": 1700000500, "name": " 张三丰 ",
		}))
		wantPatient(t, resp, "patient", w.alicePatient(w.patient, map[string]any{"tel": nil, "remarks": "回访：下周",
			"advisoryWay": "电话", "sex": "1", "diseaseId": 2, "mediaFromId": 3, "addTime": 1700000500, "name": "张三丰"}))
		// Nothing sent, nothing changes.
		wantPatient(t, e.call(t, "PATCH", path, form("token", w.alice.token)), "patient", w.alicePatient(w.patient, map[string]any{
			"tel": nil, "remarks": "回访：下周", "advisoryWay": "电话", "sex": "1", "diseaseId": 2, "mediaFromId": 3,
			"addTime": 1700000500, "name": "张三丰"}))
		// A manager edits anyone's patient.
		resp = e.call(t, "PATCH", path, form("token", w.manager.token, "doctor_id", "1", "disease_id", "0"))
		if got := field(t, resp, "patient").(map[string]any); got["doctorId"] != "1" || got["diseaseId"] != nil {
			t.Errorf("manager edit: %s", resp.body)
		}
	})
}

func TestEditPatientInvalidChangesNothing(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		w := newWorkflow(t, e)
		path := api + "/patient/" + w.patient + "/"
		cases := []struct {
			body        option
			code        int
			message     string
			description string
		}{
			{form("token", w.alice.token, "name", ""), 44001, "缺少参数: name", "blank required name"},
			{form("token", w.alice.token, "addTime", " "), 44001, "缺少参数: addTime", "blank required addTime"},
			{form("token", w.alice.token, "state", ""), 44001, "缺少参数: state", "blank required state"},
			{form("token", w.alice.token, "age", "200"), 40035, "参数不合法: age", "age out of range"},
			{form("token", w.alice.token, "qq", "qq123"), 40035, "参数不合法: qq", "qq letters"},
			// Reference checks happen in the model, which names the field in snake_case.
			{form("token", w.alice.token, "doctorId", "999"), 40035, "参数不合法: doctor_id", "unknown doctor"},
			{form("token", w.alice.token, "tel", "13500000000", "state", "9"), 40035, "参数不合法: state", "one bad field spoils the rest"},
			{jsonBody(map[string]any{"token": w.alice.token, "remarks": []string{"x"}}), 40035, "参数不合法: remarks", "array"},
			{rawBody("application/json", "{"), 40035, "参数不合法: 请求体格式错误", "malformed body"},
		}
		for _, c := range cases {
			t.Run(c.description, func(t *testing.T) {
				wantError(t, e.call(t, "PATCH", path, c.body, bearer(w.alice.token)), c.code, c.message)
			})
		}
		wantPatient(t, e.call(t, "GET", path, query("token", w.alice.token)), "patient", w.alicePatient(w.patient, nil))
	})
}

// id, the author (without the permission), timestamps and the deleted flag
// cannot be set through parameters.
func TestEditPatientNoMassAssignment(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		w := newWorkflow(t, e)
		path := api + "/patient/" + w.patient + "/"
		var before patient.Patient
		e.db.Take(&before, w.patient)
		e.clock.Advance(time.Minute)
		resp := e.call(t, "PATCH", path, form("token", w.alice.token, "id", "777", "created_at", "1", "createdAt", "1",
			"updated_at", "1", "deleted_at", "1700000000", "deletedAt", "1700000000", "deleted", "1", "tel_digits", "1",
			"remarks", "ok"))
		wantPatient(t, resp, "patient", w.alicePatient(w.patient, map[string]any{"remarks": "ok"}))
		var after patient.Patient
		e.db.Take(&after, w.patient)
		if after.ID != before.ID || !after.CreatedAt.Equal(before.CreatedAt) || after.DeletedAt.Valid || after.TelDigits != "13512346666" {
			t.Errorf("protected columns changed: %+v", after)
		}
		// author_id without patient.register_for_others: refused, not ignored.
		wantError(t, e.call(t, "PATCH", path, form("token", w.alice.token, "author_id", strconv.FormatUint(w.bob.id, 10), "remarks", "moved")),
			48001, "用户没有权限")
		wantPatient(t, e.call(t, "GET", path, query("token", w.alice.token)), "patient", w.alicePatient(w.patient, map[string]any{"remarks": "ok"}))
		// Naming oneself is no change of author.
		wantPatient(t, e.call(t, "PATCH", path, form("token", w.alice.token, "authorId", strconv.FormatUint(w.alice.id, 10))),
			"patient", w.alicePatient(w.patient, map[string]any{"remarks": "ok"}))
	})
}

func TestEditPatientPermissions(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		w := newWorkflow(t, e)
		path := api + "/patient/" + w.patient + "/"
		// Another consultant cannot see it: as if it did not exist.
		wantError(t, e.call(t, "PATCH", path, form("token", w.bob.token, "remarks", "x")), 46001, "记录不存在")
		// The supervisor sees it but may not edit others' patients.
		wantError(t, e.call(t, "PATCH", path, form("token", w.supervisor.token, "remarks", "x")), 48001, "用户没有权限")
		// Without patient.edit at all.
		e.customRole(t, "reader", access.PermPatientList, access.PermPatientViewAll)
		wantError(t, e.call(t, "PATCH", path, form("token", e.newAccount(t, "reader").token, "remarks", "x")), 48001, "用户没有权限")
		wantError(t, e.call(t, "PATCH", path, form("remarks", "x")), 41001, "缺少token参数")
		wantPatient(t, e.call(t, "GET", path, query("token", w.alice.token)), "patient", w.alicePatient(w.patient, nil))
		// With patient.edit_all the supervisor may.
		e.customRole(t, "editor", access.PermPatientList, access.PermPatientViewAll, access.PermPatientEdit, access.PermPatientEditAll)
		resp := e.call(t, "PATCH", path, form("token", e.newAccount(t, "editor").token, "remarks", "x"))
		wantPatient(t, resp, "patient", w.alicePatient(w.patient, map[string]any{"remarks": "x", "tel": "135****6666"}))
	})
}

func TestEditKeepsDisabledDictionaryEntries(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		w := newWorkflow(t, e)
		path := api + "/patient/" + w.patient + "/"
		e.call(t, "PATCH", path, form("token", w.alice.token, "doctor_id", "2"))
		e.db.Model(&dict.Doctor{}).Where("id = ?", 2).Update("enabled", false)
		// Still valid on the patient that has it, also when sent again.
		resp := e.call(t, "PATCH", path, form("token", w.alice.token, "doctor_id", "2", "remarks", "still"))
		wantPatient(t, resp, "patient", w.alicePatient(w.patient, map[string]any{"doctorId": 2, "remarks": "still"}))
		// Not for new choices.
		other := e.createPatient(t, w.alice.token, "name", "李四", "add_time", "1700000000", "state", "0")
		wantError(t, e.call(t, "PATCH", api+"/patient/"+other, form("token", w.alice.token, "doctor_id", "2")), 40035, "参数不合法: doctor_id")
	})
}

func TestStateWorkflow(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		w := newWorkflow(t, e)
		path := api + "/patient/" + w.patient + "/"
		// Booking needs an order time: refused alone, accepted with it.
		wantError(t, e.call(t, "PATCH", path, form("token", w.alice.token, "state", "1")), 44001, "缺少参数: order_time")
		wantPatient(t, e.call(t, "PATCH", path, form("token", w.alice.token, "state", "1", "order_time", "1700086400")),
			"patient", w.alicePatient(w.patient, map[string]any{"state": 1, "orderTime": 1700086400}))
		// Clearing the time of a booking is refused too.
		wantError(t, e.call(t, "PATCH", path, form("token", w.alice.token, "orderTime", "")), 44001, "缺少参数: order_time")
		// Arrival is the front desk's: a consultant may not confirm it.
		wantError(t, e.call(t, "PATCH", path, form("token", w.alice.token, "state", "2")), 48001, "用户没有权限")
		// The manager may; without a reach time it is now.
		now := e.clock.Now().Unix()
		wantPatient(t, e.call(t, "PATCH", path, form("token", w.manager.token, "state", "2")), "patient",
			w.alicePatient(w.patient, map[string]any{"state": 2, "orderTime": 1700086400, "reachTime": now}))
		// Once arrived, only that permission changes the state...
		wantError(t, e.call(t, "PATCH", path, form("token", w.alice.token, "state", "3")), 48001, "用户没有权限")
		// ...but the consultant still edits the rest.
		wantPatient(t, e.call(t, "PATCH", path, form("token", w.alice.token, "remarks", "已到院")), "patient",
			w.alicePatient(w.patient, map[string]any{"state": 2, "orderTime": 1700086400, "reachTime": now, "remarks": "已到院"}))
		wantPatient(t, e.call(t, "PATCH", path, form("token", w.manager.token, "state", "3")), "patient",
			w.alicePatient(w.patient, map[string]any{"state": 3, "orderTime": 1700086400, "reachTime": now, "remarks": "已到院"}))
		// A lost patient may book again.
		wantPatient(t, e.call(t, "PATCH", path, form("token", w.alice.token, "state", "1")), "patient",
			w.alicePatient(w.patient, map[string]any{"state": 1, "orderTime": 1700086400, "reachTime": now, "remarks": "已到院"}))
		// An explicit reach time is kept.
		other := e.createPatient(t, w.alice.token, "name", "李四", "add_time", "1700000000", "state", "0")
		resp := e.call(t, "PATCH", api+"/patient/"+other, form("token", w.manager.token, "state", "2", "reach_time", "1700003600"))
		if got := field(t, resp, "patient").(map[string]any); got["reachTime"] != "1700003600" || got["state"] != "2" {
			t.Errorf("explicit reach time: %s", resp.body)
		}
	})
}

func TestStateRulesOnRegistration(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		w := newWorkflow(t, e)
		base := []string{"name", "王五", "add_time", "1700000000"}
		with := func(token string, kv ...string) option {
			return form(append(append([]string{"token", token}, base...), kv...)...)
		}
		wantError(t, e.call(t, "POST", api+"/patient/", with(w.alice.token, "state", "1")), 44001, "缺少参数: order_time")
		wantError(t, e.call(t, "POST", api+"/patient/", with(w.alice.token, "state", "2")), 48001, "用户没有权限")
		resp := e.call(t, "POST", api+"/patient/", with(w.manager.token, "state", "2"))
		if got := field(t, resp, "newPatient").(map[string]any); got["reachTime"] != strconv.FormatInt(e.clock.Now().Unix(), 10) {
			t.Errorf("arrived on registration gets reach time now: %s", resp.body)
		}
		if n := e.patientCount(t); n != 2 {
			t.Errorf("%d patients, want 2", n)
		}
	})
}

func TestRegisterOnBehalf(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		w := newWorkflow(t, e)
		bobID := strconv.FormatUint(w.bob.id, 10)
		base := []string{"name", "代登记", "add_time", "1700000000", "state", "0"}
		// Without the permission: refused, and nothing is created.
		wantError(t, e.call(t, "POST", api+"/patient/", form(append([]string{"token", w.alice.token, "author_id", bobID}, base...)...)), 48001, "用户没有权限")
		wantError(t, e.call(t, "POST", api+"/patient/", form(append([]string{"token", w.alice.token, "authorId", bobID}, base...)...)), 48001, "用户没有权限")
		if n := e.patientCount(t); n != 1 {
			t.Fatalf("%d patients, want 1", n)
		}
		// Oneself, 0 or blank: the caller.
		for _, self := range []string{strconv.FormatUint(w.alice.id, 10), "0", ""} {
			resp := e.call(t, "POST", api+"/patient/", form(append([]string{"token", w.alice.token, "author_id", self}, base...)...))
			if got := field(t, resp, "newPatient").(map[string]any); got["authorId"] != strconv.FormatUint(w.alice.id, 10) {
				t.Errorf("author_id=%q: %s", self, resp.body)
			}
		}
		// A manager registers for bob; bob sees it as his own.
		resp := e.call(t, "POST", api+"/patient/", form(append([]string{"token", w.manager.token, "author_id", bobID, "tel", "13900000000"}, base...)...))
		created := field(t, resp, "newPatient").(map[string]any)
		if created["authorId"] != bobID {
			t.Fatalf("on behalf: %s", resp.body)
		}
		wantIDs(t, e.call(t, "GET", api+"/patient/", query("token", w.bob.token)), created["id"].(string))
		// The author must be an enabled user.
		wantError(t, e.call(t, "POST", api+"/patient/", form(append([]string{"token", w.manager.token, "author_id", "999"}, base...)...)), 40035, "参数不合法: author_id")
		e.db.Model(&staff.User{}).Where("id = ?", w.bob.id).Update("enabled", false)
		wantError(t, e.call(t, "POST", api+"/patient/", form(append([]string{"token", w.manager.token, "author_id", bobID}, base...)...)), 40035, "参数不合法: author_id")
		wantError(t, e.call(t, "POST", api+"/patient/", form(append([]string{"token", w.manager.token, "author_id", "x"}, base...)...)), 40035, "参数不合法: author_id")

		// Reassigning an existing patient is the same permission.
		path := api + "/patient/" + w.patient + "/"
		managerID := strconv.FormatUint(w.manager.id, 10)
		wantPatient(t, e.call(t, "PATCH", path, form("token", w.manager.token, "author_id", managerID)), "patient",
			w.alicePatient(w.patient, map[string]any{"authorId": managerID}))
		wantError(t, e.call(t, "GET", path, query("token", w.alice.token)), 46001, "记录不存在")
	})
}

func TestRecycleBinRoundTrip(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		w := newWorkflow(t, e)
		path := api + "/patient/" + w.patient + "/"
		// A consultant may not delete, restore or purge; a stranger's patient
		// does not exist for a role scoped to its own.
		wantError(t, e.call(t, "DELETE", path, form("token", w.alice.token)), 48001, "用户没有权限")
		e.customRole(t, "cleaner", access.PermPatientList, access.PermPatientDelete, access.PermPatientRestore)
		cleaner := e.newAccount(t, "cleaner")
		wantError(t, e.call(t, "DELETE", path, form("token", cleaner.token)), 46001, "记录不存在")

		wantJSON(t, e.call(t, "DELETE", path, form("token", w.manager.token)), `{"deleted": true}`)
		wantError(t, e.call(t, "DELETE", path, form("token", w.manager.token)), 46001, "记录不存在")
		// Gone from everything that lists patients.
		wantError(t, e.call(t, "GET", path, query("token", w.alice.token)), 46001, "记录不存在")
		wantError(t, e.call(t, "PATCH", path, form("token", w.manager.token, "remarks", "x")), 46001, "记录不存在")
		wantIDs(t, e.call(t, "GET", api+"/patient/", query("token", w.alice.token)))
		wantJSON(t, e.call(t, "GET", api+"/patient/", query("token", w.manager.token, "count", "1")), `{"count": 0}`)
		wantJSON(t, e.call(t, "GET", api+"/patient/duplicates/", query("token", w.manager.token, "tel", "13512346666")), `{"patient_data": [], "hidden": 0}`)
		// In the bin, for those who may restore.
		wantIDs(t, e.call(t, "GET", api+"/patient/", query("token", w.manager.token, "deleted", "1")), w.patient)
		wantJSON(t, e.call(t, "GET", api+"/patient/", query("token", w.manager.token, "deleted", "1", "count", "1")), `{"count": 1}`)
		wantError(t, e.call(t, "GET", api+"/patient/", query("token", w.alice.token, "deleted", "1")), 48001, "用户没有权限")
		wantError(t, e.call(t, "GET", api+"/patient/", query("token", w.manager.token, "deleted", "2")), 40035, "参数不合法: deleted")
		wantIDs(t, e.call(t, "GET", api+"/patient/", query("token", cleaner.token, "deleted", "1"))) // scope still applies

		// Restore.
		wantError(t, e.call(t, "POST", path+"restore/", form("token", w.alice.token)), 48001, "用户没有权限")
		wantError(t, e.call(t, "POST", path+"restore/", form("token", cleaner.token)), 46001, "记录不存在")
		wantPatient(t, e.call(t, "POST", path+"restore", form("token", w.manager.token)), "patient", w.alicePatient(w.patient, nil))
		wantError(t, e.call(t, "POST", path+"restore/", form("token", w.manager.token)), 46002, "患者不在回收站中")
		wantIDs(t, e.call(t, "GET", api+"/patient/", query("token", w.alice.token)), w.patient)
		wantIDs(t, e.call(t, "GET", api+"/patient/", query("token", w.manager.token, "deleted", "1")))

		// Purge: only from the bin, only with its permission.
		wantError(t, e.call(t, "DELETE", path+"purge/", form("token", w.admin.token)), 46002, "只能彻底删除回收站中的患者")
		wantJSON(t, e.call(t, "DELETE", path, bearer(w.manager.token)), `{"deleted": true}`)
		wantError(t, e.call(t, "DELETE", path+"purge/", form("token", w.manager.token)), 48001, "用户没有权限")
		wantJSON(t, e.call(t, "DELETE", path+"purge", form("token", w.admin.token)), `{"purged": true}`)
		wantError(t, e.call(t, "POST", path+"restore/", form("token", w.admin.token)), 46001, "记录不存在")
		wantError(t, e.call(t, "DELETE", path+"purge/", form("token", w.admin.token)), 46001, "记录不存在")
		var left int64
		e.db.Unscoped().Model(&patient.Patient{}).Count(&left)
		if left != 0 || count(t, e.db, "patient_history") != 0 {
			t.Errorf("purge left %d patients, %d history rows", left, count(t, e.db, "patient_history"))
		}
		// Wrong methods on the new paths.
		wantError(t, e.call(t, "GET", path+"restore/", query("token", w.admin.token)), 43002, "需要POST请求")
		wantError(t, e.call(t, "POST", path+"history/", form("token", w.admin.token)), 43001, "需要GET请求")
		wantError(t, e.call(t, "GET", path+"purge/", query("token", w.admin.token)), 43003, "请求方法错误")
	})
}

func TestPatientHistory(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		w := newWorkflow(t, e)
		path := api + "/patient/" + w.patient + "/"
		created := e.clock.Now().Unix()
		e.clock.Advance(10 * time.Minute)
		e.call(t, "PATCH", path, form("token", w.alice.token, "remarks", "第一次回访", "tel", "13700001111"), from("198.51.100.20:3000"))
		e.clock.Advance(10 * time.Minute)
		e.call(t, "PATCH", path, form("token", w.alice.token, "state", "1", "order_time", "1700086400"))
		e.call(t, "PATCH", path, form("token", w.alice.token, "remarks", "第一次回访")) // no change, no entry
		e.clock.Advance(10 * time.Minute)
		e.call(t, "DELETE", path, form("token", w.manager.token))
		e.call(t, "POST", path+"restore/", form("token", w.manager.token))

		alice, manager := strconv.FormatUint(w.alice.id, 10), strconv.FormatUint(w.manager.id, 10)
		at := func(steps int) string { return strconv.FormatInt(created+int64(steps)*600, 10) }
		entries := fmt.Sprintf(`[
			{"id": "5", "action": "restore", "userId": %[1]q, "username": %[2]q, "address": "192.0.2.1", "time": %[3]q, "changes": []},
			{"id": "4", "action": "delete", "userId": %[1]q, "username": %[2]q, "address": "192.0.2.1", "time": %[3]q, "changes": []},
			{"id": "3", "action": "state", "userId": %[4]q, "username": %[5]q, "address": "192.0.2.1", "time": %[6]q, "changes": [
				{"field": "orderTime", "from": null, "to": "1700086400"},
				{"field": "state", "from": "0", "to": "1"}]},
			{"id": "2", "action": "update", "userId": %[4]q, "username": %[5]q, "address": "198.51.100.20", "time": %[7]q, "changes": [
				{"field": "tel", "from": "13512346666", "to": "13700001111"},
				{"field": "remarks", "from": null, "to": "第一次回访"}]},
			{"id": "1", "action": "create", "userId": %[4]q, "username": %[5]q, "address": "192.0.2.1", "time": %[8]q, "changes": [
				{"field": "name", "from": null, "to": "张三"},
				{"field": "sex", "from": null, "to": "0"},
				{"field": "tel", "from": null, "to": "13512346666"},
				{"field": "wechat", "from": null, "to": "wx_zs"},
				{"field": "addTime", "from": null, "to": "1700000000"},
				{"field": "authorId", "from": null, "to": %[4]q},
				{"field": "state", "from": null, "to": "0"},
				{"field": "area", "from": null, "to": "温州"},
				{"field": "smsConsent", "from": null, "to": "0"}]}
		]`, manager, w.manager.username, at(3), alice, w.alice.username, at(2), at(1), at(0))
		wantJSON(t, e.call(t, "GET", path+"history/", query("token", w.alice.token)),
			`{"history": `+entries+`, "count": 5, "page": 1, "per_page": 30}`)

		// Paging, newest first.
		resp := e.call(t, "GET", path+"history", query("token", w.manager.token, "page", "2", "per_page", "2"))
		var page struct {
			History []struct{ ID string } `json:"history"`
		}
		_ = json.Unmarshal(resp.body, &page)
		if len(page.History) != 2 || page.History[0].ID != "3" || page.History[1].ID != "2" {
			t.Errorf("page 2: %s", resp.body)
		}
		wantError(t, e.call(t, "GET", path+"history/", query("token", w.alice.token, "per_page", "0")), 40035, "参数不合法: per_page")

		// Masked for those who may not see the numbers.
		resp = e.call(t, "GET", path+"history/", query("token", w.supervisor.token, "per_page", "100"))
		var masked struct {
			History []struct {
				Changes []oplog.Change `json:"changes"`
			} `json:"history"`
		}
		_ = json.Unmarshal(resp.body, &masked)
		if len(masked.History) != 5 || len(masked.History[3].Changes) == 0 {
			t.Fatalf("supervisor's history: %s", resp.body)
		}
		tel := masked.History[3].Changes[0]
		if tel.Field != "tel" || *tel.From != "135****6666" || *tel.To != "137****1111" {
			t.Errorf("tel in history must be masked: %+v", tel)
		}
		// Another consultant: as if it did not exist.
		wantError(t, e.call(t, "GET", path+"history/", query("token", w.bob.token)), 46001, "记录不存在")

		// In the bin: only for those who may restore.
		e.call(t, "DELETE", path, form("token", w.manager.token))
		wantError(t, e.call(t, "GET", path+"history/", query("token", w.alice.token)), 46001, "记录不存在")
		if got := field(t, e.call(t, "GET", path+"history/", query("token", w.manager.token)), "count"); fmt.Sprint(got) != "6" {
			t.Errorf("history of a binned patient: count %v", got)
		}
	})
}

// The history row is written in the same transaction as the change: when
// the history cannot be written, the change does not happen either.
func TestHistoryIsWrittenWithTheChange(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		w := newWorkflow(t, e)
		if err := e.db.Exec("DROP TABLE patient_history").Error; err != nil {
			t.Fatal(err)
		}
		wantCode(t, e.call(t, "PATCH", api+"/patient/"+w.patient, form("token", w.alice.token, "remarks", "lost")), 50001)
		wantCode(t, e.call(t, "POST", api+"/patient/", form("token", w.alice.token, "name", "x", "add_time", "1", "state", "0")), 50001)
		var p patient.Patient
		e.db.Take(&p, w.patient)
		if p.Remarks != nil || e.patientCount(t) != 1 {
			t.Errorf("a change without its history was committed: %+v", p)
		}
	})
}

func TestDuplicatesEndpoint(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		w := newWorkflow(t, e)
		qqOwner := e.createPatient(t, w.bob.token, "name", "李四", "add_time", "1700000100", "state", "0", "qq", "88886666", "tel", "13512346666")
		dupes := func(token string, kv ...string) response {
			return e.call(t, "GET", api+"/patient/duplicates/", query(append([]string{"token", token}, kv...)...))
		}
		alicePatient := w.alicePatient(w.patient, nil)
		bobPatient := map[string]any{"id": qqOwner, "name": "李四", "addTime": 1700000100, "state": 0, "qq": "88886666",
			"tel": "13512346666", "authorId": w.bob.id}
		list := func(hidden int, patients ...map[string]any) string {
			objs := make([]any, len(patients))
			for i, p := range patients {
				objs[i] = patientObject(p)
			}
			raw, _ := json.Marshal(map[string]any{"patient_data": objs, "hidden": hidden})
			return string(raw)
		}
		// Alice sees her own match; bob's is counted, not shown.
		wantJSON(t, dupes(w.alice.token, "tel", "135-1234-6666"), list(1, alicePatient))
		wantJSON(t, dupes(w.bob.token, "tel", "13512346666"), list(1, bobPatient))
		wantJSON(t, dupes(w.manager.token, "tel", "+135 1234 6666"), list(0, alicePatient, bobPatient))
		wantJSON(t, dupes(w.manager.token, "wechat", "wx_zs"), list(0, alicePatient))
		wantJSON(t, dupes(w.manager.token, "qq", "88886666", "wechat", "none"), list(0, bobPatient))
		// Masked like the list.
		maskedA, maskedB := w.alicePatient(w.patient, map[string]any{"tel": "135****6666"}), map[string]any{}
		for k, v := range bobPatient {
			maskedB[k] = v
		}
		maskedB["tel"] = "135****6666"
		wantJSON(t, dupes(w.supervisor.token, "tel", "13512346666"), list(0, maskedA, maskedB))
		// Phone numbers match only in full.
		wantJSON(t, dupes(w.manager.token, "tel", "1351234"), list(0))
		wantJSON(t, dupes(w.manager.token, "qq", "8888"), list(0))
		// Bad input.
		wantError(t, dupes(w.alice.token), 44001, "缺少参数: tel/wechat/qq")
		wantError(t, dupes(w.alice.token, "tel", " "), 44001, "缺少参数: tel/wechat/qq")
		wantError(t, dupes(w.alice.token, "tel", "abc"), 40035, "参数不合法: tel")
		wantError(t, dupes(w.alice.token, "qq", "q1"), 40035, "参数不合法: qq")
		wantError(t, e.call(t, "GET", api+"/patient/duplicates/", query("tel", "13512346666")), 41001, "缺少token参数")
		e.customRole(t, "registrar", access.PermPatientCreate)
		wantError(t, dupes(e.newAccount(t, "registrar").token, "tel", "13512346666"), 48001, "用户没有权限")
	})
}

// Every role against every patient route, allowed or refused, on a
// patient of its own: the permissions the default roles were given.
func TestDefaultRolePermissions(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		roles := map[string]map[string]bool{
			access.RoleConsultant: {"edit": true, "arrive": false, "delete": false, "restore": false, "purge": false, "behalf": false, "bin": false},
			access.RoleManager:    {"edit": true, "arrive": true, "delete": true, "restore": true, "purge": false, "behalf": true, "bin": true},
			access.RoleSuperadmin: {"edit": true, "arrive": true, "delete": true, "restore": true, "purge": true, "behalf": true, "bin": true},
		}
		other := e.newAccount(t, access.RoleConsultant)
		for role, allowed := range roles {
			t.Run(role, func(t *testing.T) {
				a := e.newAccount(t, role)
				id := e.createPatient(t, a.token, "name", "p", "add_time", "1700000000", "state", "0")
				path := api + "/patient/" + id + "/"
				outcome := func(resp response) bool {
					var body map[string]any
					_ = json.Unmarshal(resp.body, &body)
					if code, failed := body["stateCode"]; failed {
						if code != float64(48001) {
							t.Errorf("%s: unexpected %s", role, resp.body)
						}
						return false
					}
					return true
				}
				got := map[string]bool{
					"edit":   outcome(e.call(t, "PATCH", path, form("token", a.token, "remarks", "r"))),
					"arrive": outcome(e.call(t, "PATCH", path, form("token", a.token, "state", "2"))),
					"behalf": outcome(e.call(t, "POST", api+"/patient/", form("token", a.token, "name", "q", "add_time", "1", "state", "0",
						"author_id", strconv.FormatUint(other.id, 10)))),
					"delete":  outcome(e.call(t, "DELETE", path, form("token", a.token))),
					"bin":     outcome(e.call(t, "GET", api+"/patient/", query("token", a.token, "deleted", "1"))),
					"restore": outcome(e.call(t, "POST", path+"restore/", form("token", a.token))),
				}
				e.call(t, "DELETE", path, form("token", e.admin(t).token))
				got["purge"] = outcome(e.call(t, "DELETE", path+"purge/", form("token", a.token)))
				if diff := cmp.Diff(allowed, got); diff != "" {
					t.Errorf("%s (-want +got):\n%s", role, diff)
				}
			})
		}
	}, unthrottled)
}

// Edits send only their fields, under a row lock: two people editing
// different fields at once both keep their change.
func TestConcurrentEditsOfDifferentFields(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		w := newWorkflow(t, e)
		path := api + "/patient/" + w.patient + "/"
		const rounds = 10
		done := make(chan struct{})
		for _, edit := range []struct {
			token, key string
		}{{w.alice.token, "remarks"}, {w.manager.token, "area"}} {
			go func() {
				defer func() { done <- struct{}{} }()
				for i := range rounds {
					e.call(t, "PATCH", path, form("token", edit.token, edit.key, fmt.Sprintf("%s-%d", edit.key, i)))
				}
			}()
		}
		<-done
		<-done
		wantPatient(t, e.call(t, "GET", path, query("token", w.alice.token)), "patient",
			w.alicePatient(w.patient, map[string]any{"remarks": "remarks-9", "area": "area-9"}))
		if got := count(t, e.db, "patient_history"); got != 1+2*rounds {
			t.Errorf("%d history rows, want %d", got, 1+2*rounds)
		}
	})
}
