package tests

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"crm/models/access"
)

// The frontend's real journey, in order, as axios + qs send it: log in,
// load the menu, wait out the token, get 42001, refresh, retry, register a
// patient, list it.
func TestFrontendFlow(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		consultant := e.newAccount(t, access.RoleConsultant)

		resp := e.call(t, "POST", api+"/token/", form("username", consultant.username, "password", consultant.password))
		token := field(t, resp, "token").(string)

		wantJSON(t, e.call(t, "GET", api+"/menu/", query("token", token)), `{"menu_data": [
			{"title": "仪表盘", "name": "1", "url": "dashboard", "child": []},
			{"title": "客户池", "name": "2", "url": "patients", "child": [{"id": "3", "title": "登记用户", "name": "2-1", "url": "regsiter"}]}]}`)

		e.clock.Advance(2*time.Hour + time.Minute)
		wantError(t, e.call(t, "GET", api+"/menu/", query("token", token)), 42001, "token超时")
		token = field(t, e.call(t, "PATCH", api+"/token/", form("token", token)), "token").(string)
		if resp := e.call(t, "GET", api+"/menu/", query("token", token)); strings.Contains(string(resp.body), "stateCode") {
			t.Fatalf("retry after refresh: %s", resp.body)
		}

		addTime := fmt.Sprint(e.clock.Now().Unix())
		resp = e.call(t, "POST", api+"/patient/", form("token", token, "name", "王小明", "sex", "1", "age", "32",
			"tel", "13812345678", "add_time", addTime, "state", "1", "order_time", fmt.Sprint(e.clock.Now().Add(24*time.Hour).Unix()),
			"disease_id", "2", "media_from_id", "7", "doctor_id", "1", "advisory_way", "商务通", "area", "温州"))
		created := field(t, resp, "newPatient").(map[string]any)
		want := fmt.Sprintf(`{"id": %q, "name": "王小明", "sex": "1", "tel": "13812345678", "age": "32",
			"wechat": null, "qq": null, "addTime": %q, "orderTime": %q, "reachTime": null, "diseaseId": "2",
			"authorId": "%d", "state": "1", "mediaFromId": "7", "doctorId": "1", "advisoryWay": "商务通",
			"advisoryContent": null, "area": "温州", "remarks": null, "keyword": null, "landingPage": null, "nextFollowupTime": null, "revenue": "0", "smsConsent": "0"}`,
			created["id"], addTime, fmt.Sprint(e.clock.Now().Add(24*time.Hour).Unix()), consultant.id)
		wantJSON(t, resp, `{"newPatient": `+want+`}`)
		wantJSON(t, e.call(t, "GET", api+"/patient/", query("token", token, "page", "1", "per_page", "30")),
			`{"patient_data": [`+want+`], "count": 1, "page": 1, "per_page": 30}`)
	})
}
