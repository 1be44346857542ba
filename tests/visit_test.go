package tests

import (
	"fmt"
	"strconv"
	"testing"
)

// Visits (就诊): a patient books and arrives more than once; the patient's
// v1 fields follow (the current booking, the first arrival, the state),
// and its revenue is the sum of the amounts.

func visitJSON(id, patient string, order int64, reach, doctor, disease string, first int, amount int64, user account, created, updated int64) string {
	return fmt.Sprintf(`{"id": %q, "patientId": %q, "orderTime": "%d", "reachTime": %s, "doctorId": %s, "diseaseId": %s, "first": "%d", `+
		`"amount": "%d", "amountYuan": "%d.%02d", "userId": "%d", "username": %q, "createdAt": "%d", "updatedAt": "%d"}`,
		id, patient, order, reach, doctor, disease, first, amount, amount/100, amount%100, user.id, user.username, created, updated)
}

func TestVisitsBookArriveCharge(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		w := newWorkflow(t, e)
		now := e.clock.Now().Unix()
		path := api + "/patient/" + w.patient + "/visits/"
		// Alice books the first visit: the patient is booked for it.
		order := int64(1_700_086_400)
		resp := e.call(t, "POST", path, form("token", w.alice.token, "order_time", strconv.FormatInt(order, 10), "doctor_id", "1"))
		wantJSON(t, resp, `{"visit": `+visitJSON("1", w.patient, order, "null", `"1"`, "null", 1, 0, w.alice, now, now)+
			`, "patient": `+mustJSON(t, patientObject(w.alicePatient(w.patient, map[string]any{"state": 1, "orderTime": order, "doctorId": 1})))+`}`)
		// She may not confirm the arrival nor charge: the manager does both.
		reach := order + 600
		wantError(t, e.call(t, "PATCH", api+"/visit/1", form("token", w.alice.token, "reach_time", strconv.FormatInt(reach, 10))), 48001, "用户没有权限")
		wantError(t, e.call(t, "PATCH", api+"/visit/1", form("token", w.alice.token, "amount", "100")), 48001, "用户没有权限")
		e.clock.Advance(60 * 1e9)
		later := now + 60
		resp = e.call(t, "PATCH", api+"/visit/1", jsonBody(map[string]any{"token": w.manager.token, "reachTime": reach, "amount": 128050}))
		wantJSON(t, resp, `{"visit": `+visitJSON("1", w.patient, order, fmt.Sprintf(`"%d"`, reach), `"1"`, "null", 1, 128050, w.alice, now, later)+
			`, "patient": `+mustJSON(t, patientObject(w.alicePatient(w.patient, map[string]any{"state": 2, "orderTime": order,
			"reachTime": reach, "doctorId": 1, "revenue": 128050})))+`}`)
		// A return visit, booked and paid at once by the manager: the
		// current booking moves, the first arrival stays.
		order2 := order + 30*day
		resp = e.call(t, "POST", path, form("token", w.manager.token, "order_time", strconv.FormatInt(order2, 10),
			"reach_time", strconv.FormatInt(order2, 10), "amount", "50000", "disease_id", "2"))
		if got := field(t, resp, "visit").(map[string]any)["first"]; got != "0" {
			t.Errorf("a second visit is a return visit; first = %v", got)
		}
		wantPatient(t, e.call(t, "GET", api+"/patient/"+w.patient, query("token", w.alice.token)), "patient",
			w.alicePatient(w.patient, map[string]any{"state": 2, "orderTime": order2, "reachTime": reach, "doctorId": 1,
				"diseaseId": 2, "revenue": 178050}))
		list := e.call(t, "GET", path, query("token", w.alice.token))
		if n := len(field(t, list, "visit_data").([]any)); n != 2 {
			t.Errorf("%d visits", n)
		}
		history := field(t, e.call(t, "GET", api+"/patient/"+w.patient+"/history/", query("token", w.alice.token)), "history").([]any)
		if got := history[0].(map[string]any)["action"]; got != "visit" {
			t.Errorf("history action %v", got)
		}
	})
}

func TestVisitRefusals(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		w := newWorkflow(t, e)
		path := api + "/patient/" + w.patient + "/visits/"
		order := "1700086400"
		cases := []struct {
			name    string
			path    string
			kv      []string
			code    int
			message string
		}{
			{"no order time", path, []string{"token", w.alice.token}, 44001, "缺少参数: order_time"},
			{"order time text", path, []string{"token", w.alice.token, "order_time", "soon"}, 40035, "参数不合法: order_time"},
			{"reach days before", path, []string{"token", w.manager.token, "order_time", order, "reach_time", "1600000000"}, 40035, "参数不合法: reach_time"},
			{"unknown doctor", path, []string{"token", w.alice.token, "order_time", order, "doctor_id", "999"}, 40035, "参数不合法: doctor_id"},
			{"negative amount", path, []string{"token", w.manager.token, "order_time", order, "amount", "-1"}, 40035, "参数不合法: amount"},
			{"amount with a point", path, []string{"token", w.manager.token, "order_time", order, "amount", "12.5"}, 40035, "参数不合法: amount"},
			{"first maybe", path, []string{"token", w.alice.token, "order_time", order, "first", "maybe"}, 40035, "参数不合法: first"},
			{"consultant charges", path, []string{"token", w.alice.token, "order_time", order, "amount", "100"}, 48001, "用户没有权限"},
			{"bob: not his patient", path, []string{"token", w.bob.token, "order_time", order}, 46001, "记录不存在"},
			{"supervisor: sees, may not edit", path, []string{"token", w.supervisor.token, "order_time", order}, 48001, "用户没有权限"},
			{"unknown visit", api + "/visit/999", []string{"token", w.admin.token, "amount", "1"}, 46001, "记录不存在"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				method := "POST"
				if c.path != path {
					method = "PATCH"
				}
				wantError(t, e.call(t, method, c.path, form(c.kv...)), c.code, c.message)
			})
		}
		if n := count(t, e.db, "patient_visits"); n != 0 {
			t.Errorf("refused visits stored %d rows", n)
		}
		wantPatient(t, e.call(t, "GET", api+"/patient/"+w.patient, query("token", w.alice.token)), "patient", w.alicePatient(w.patient, nil))
		wantError(t, e.call(t, "GET", path, query("token", w.bob.token)), 46001, "记录不存在")
	})
}
