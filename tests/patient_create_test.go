package tests

import (
	"fmt"
	"strings"
	"testing"

	"crm/models/access"
	"crm/models/dict"
	"crm/models/patient"
)

// createPatient registers a patient through the API and returns its id.
func (e *env) createPatient(t *testing.T, token string, kv ...string) string {
	t.Helper()
	resp := e.call(t, "POST", api+"/patient/", form(append([]string{"token", token}, kv...)...))
	created, ok := field(t, resp, "newPatient").(map[string]any)
	if !ok {
		t.Fatalf("create: %s", resp.body)
	}
	return created["id"].(string)
}

func (e *env) patientCount(t *testing.T) int64 {
	t.Helper()
	var n int64
	if err := e.db.Model(&patient.Patient{}).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCreatePatientAllFieldsForm(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		admin := e.admin(t)
		resp := e.call(t, "POST", api+"/patient/", form(
			"token", admin.token,
			"name", "patient1", "sex", "1", "tel", "13566666666", "age", "20",
			"wechat", "patient1-13566666666", "qq", "666666", "add_time", "1491983355",
			"order_time", "1492000000", "reach_time", "1492100000", "disease_id", "2",
			"state", "2", "media_from_id", "1", "doctor_id", "3",
			"advisory_way", "商务通", "advisory_content", "咨询内容\n第二行", "area", "温州", "remarks", "苟...",
			"id", "5000", "created_at", "1", "deleted_at", "1", "unknown", "ignored",
		))
		wantJSON(t, resp, `{"newPatient": {"id": "1", "name": "patient1", "sex": "1", "tel": "13566666666", "age": "20",
			"wechat": "patient1-13566666666", "qq": "666666", "addTime": "1491983355", "orderTime": "1492000000",
			"reachTime": "1492100000", "diseaseId": "2", "authorId": "1", "state": "2", "mediaFromId": "1",
			"doctorId": "3", "advisoryWay": "商务通", "advisoryContent": "咨询内容\n第二行", "area": "温州", "remarks": "苟...", "keyword": null, "landingPage": null, "nextFollowupTime": null, "revenue": "0", "smsConsent": "0"}}`)
	})
}

func TestCreatePatientMinimalJSONCamelCase(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		consultant := e.newAccount(t, access.RoleConsultant)
		resp := e.call(t, "POST", api+"/patient", bearer(consultant.token), jsonBody(map[string]any{
			"name": "  李四  ", "addTime": 1491983355, "state": 0, "diseaseId": 0, "mediaFromId": "", "doctorId": nil,
			"orderTime": 0, "reachTime": "", "advisoryWay": "电话", "advisoryContent": "想预约",
		}))
		wantJSON(t, resp, fmt.Sprintf(`{"newPatient": {"id": "1", "name": "李四", "sex": "0", "tel": null, "age": null,
			"wechat": null, "qq": null, "addTime": "1491983355", "orderTime": null, "reachTime": null, "diseaseId": null,
			"authorId": "%d", "state": "0", "mediaFromId": null, "doctorId": null, "advisoryWay": "电话",
			"advisoryContent": "想预约", "area": null, "remarks": null, "keyword": null, "landingPage": null, "nextFollowupTime": null, "revenue": "0", "smsConsent": "0"}}`, consultant.id))
	})
}

func TestCreatePatientMultipartSnakeWinsOverCamel(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		admin := e.admin(t)
		resp := e.call(t, "POST", api+"/patient/", multipartBody("token", admin.token, "name", "王五",
			"add_time", "1500000000", "addTime", "1600000000", "state", "1", "order_time", "1500003600"))
		created := field(t, resp, "newPatient").(map[string]any)
		if created["addTime"] != "1500000000" || created["orderTime"] != "1500003600" || created["state"] != "1" {
			t.Fatalf("multipart: %s", resp.body)
		}
	})
}

// Chinese and 4-byte characters (utf8mb4) round-trip byte for byte.
func TestCreatePatientTextRoundTrip(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		admin := e.admin(t)
		name := "欧阳𠮷😀"
		remarks := "第一行\r\n第二行\t制表 😀 «ñ» 'quote' \"dq\" \\ back <b>"
		id := e.createPatient(t, admin.token, "name", name, "add_time", "1491983355", "state", "0",
			"remarks", remarks, "area", "浙江·温州", "wechat", "微信号_abc")
		resp := e.call(t, "GET", api+"/patient/", query("token", admin.token))
		row := field(t, resp, "patient_data").([]any)[0].(map[string]any)
		if row["id"] != id || row["name"] != name || row["remarks"] != remarks || row["area"] != "浙江·温州" || row["wechat"] != "微信号_abc" {
			t.Fatalf("text changed on the way: %s", resp.body)
		}
		if !strings.Contains(string(resp.body), name) {
			t.Errorf("non-ASCII text must be returned unescaped: %s", resp.body)
		}
	})
}

func TestCreatePatientDuplicates(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		owner := e.newAccount(t, access.RoleConsultant)
		other := e.newAccount(t, access.RoleConsultant)
		first := e.createPatient(t, owner.token, "name", "甲", "add_time", "1491983355", "state", "0", "tel", "135-6666-6666")
		second := e.createPatient(t, owner.token, "name", "乙", "add_time", "1491983355", "state", "0", "wechat", "wx_dup")
		third := e.createPatient(t, owner.token, "name", "丙", "add_time", "1491983355", "state", "0", "qq", "123456")

		// Phone numbers compare on digits; duplicates come from anyone's patients.
		resp := e.call(t, "POST", api+"/patient/", form("token", other.token, "name", "丁", "add_time", "1491983356",
			"state", "0", "tel", "135 6666 6666", "wechat", "wx_dup", "qq", "123456"))
		if got := field(t, resp, "duplicates"); fmt.Sprint(got) != fmt.Sprint([]any{first, second, third}) {
			t.Errorf("duplicates %v, want [%s %s %s]", got, first, second, third)
		}
		// No duplicate: no key.
		resp = e.call(t, "POST", api+"/patient/", form("token", other.token, "name", "戊", "add_time", "1491983356",
			"state", "0", "tel", "13700000000"))
		if strings.Contains(string(resp.body), "duplicates") || !strings.Contains(string(resp.body), "newPatient") {
			t.Errorf("unexpected body: %s", resp.body)
		}
		if n := e.patientCount(t); n != 5 {
			t.Errorf("duplicates are still created: %d patients", n)
		}
	})
}

func TestCreatePatientMissing(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		token := e.admin(t).token
		cases := []struct {
			name  string
			body  option
			field string
		}{
			{"no name", form("token", token, "add_time", "1491983355", "state", "0"), "name"},
			{"blank name", form("token", token, "name", "   ", "add_time", "1491983355", "state", "0"), "name"},
			{"null name", jsonBody(map[string]any{"token": token, "name": nil, "add_time": 1491983355, "state": 0}), "name"},
			{"no add_time", form("token", token, "name", "张三", "state", "0"), "add_time"},
			{"blank addTime", form("token", token, "name", "张三", "addTime", "", "state", "0"), "addTime"},
			{"no state", form("token", token, "name", "张三", "add_time", "1491983355"), "state"},
			{"nothing at all: name first", form("token", token), "name"},
			{"empty JSON body", rawBody("application/json", ""), ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if c.field == "" {
					wantError(t, e.call(t, "POST", api+"/patient/", c.body, bearer(token)), 44001, "缺少参数: name")
					return
				}
				wantError(t, e.call(t, "POST", api+"/patient/", c.body), 44001, "缺少参数: "+c.field)
			})
		}
		if n := e.patientCount(t); n != 0 {
			t.Errorf("bad input created %d patients", n)
		}
	})
}

func TestCreatePatientInvalid(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		token := e.admin(t).token
		var disabledDoctor dict.Doctor
		e.db.Where("id = ?", 2).Take(&disabledDoctor)
		e.db.Model(&disabledDoctor).Update("enabled", false)
		ok := []string{"name", "张三", "add_time", "1491983355", "state", "0"}
		with := func(kv ...string) option {
			return form(append(append([]string{"token", token}, ok...), kv...)...)
		}
		cases := []struct {
			name  string
			body  option
			field string
		}{
			{"name too long", form("token", token, "name", strings.Repeat("张", 31), "add_time", "1491983355", "state", "0"), "name"},
			{"name control char", form("token", token, "name", "张\x00三", "add_time", "1491983355", "state", "0"), "name"},
			{"name line break", form("token", token, "name", "张\n三", "add_time", "1491983355", "state", "0"), "name"},
			{"name invalid UTF-8", form("token", token, "name", "\xff\xfe", "add_time", "1491983355", "state", "0"), "name"},
			{"name right-to-left override", form("token", token, "name", "张\u202e三", "add_time", "1491983355", "state", "0"), "name"},
			{"name isolate", form("token", token, "name", "\u2066张三\u2069", "add_time", "1491983355", "state", "0"), "name"},
			{"name right-to-left mark", form("token", token, "name", "张三\u200f", "add_time", "1491983355", "state", "0"), "name"},
			{"name line separator", form("token", token, "name", "张\u2028三", "add_time", "1491983355", "state", "0"), "name"},
			{"area embedding", with("area", "\u202b温州"), "area"},
			{"remarks override", with("remarks", "第一行\n\u202e第二行"), "remarks"},
			{"name object", jsonBody(map[string]any{"token": token, "name": map[string]any{"x": 1}, "add_time": 1, "state": 0}), "name"},
			{"add_time text", form("token", token, "name", "张三", "add_time", "yesterday", "state", "0"), "add_time"},
			{"add_time zero", form("token", token, "name", "张三", "add_time", "0", "state", "0"), "add_time"},
			{"add_time negative", form("token", token, "name", "张三", "add_time", "-5", "state", "0"), "add_time"},
			{"addTime fraction", form("token", token, "name", "张三", "addTime", "1491983355.5", "state", "0"), "addTime"},
			{"add_time year 10000", form("token", token, "name", "张三", "add_time", "253402300800", "state", "0"), "add_time"},
			{"state 4", form("token", token, "name", "张三", "add_time", "1491983355", "state", "4"), "state"},
			{"state -1", form("token", token, "name", "张三", "add_time", "1491983355", "state", "-1"), "state"},
			{"state bool", jsonBody(map[string]any{"token": token, "name": "张三", "add_time": 1491983355, "state": true}), "state"},
			{"state float", jsonBody(map[string]any{"token": token, "name": "张三", "add_time": 1491983355, "state": 1.5}), "state"},
			{"sex 2", with("sex", "2"), "sex"},
			{"age 151", with("age", "151"), "age"},
			{"age -1", with("age", "-1"), "age"},
			{"age text", with("age", "twenty"), "age"},
			{"tel letters", with("tel", "135abc"), "tel"},
			{"tel too long", with("tel", strings.Repeat("1", 21)), "tel"},
			{"tel no digits", with("tel", "+- -"), "tel"},
			{"qq letters", with("qq", "12a45"), "qq"},
			{"qq too long", with("qq", strings.Repeat("1", 16)), "qq"},
			{"wechat too long", with("wechat", strings.Repeat("w", 65)), "wechat"},
			{"area too long", with("area", strings.Repeat("区", 65)), "area"},
			{"advisoryWay too long", with("advisoryWay", strings.Repeat("方", 33)), "advisoryWay"},
			{"remarks too long", with("remarks", strings.Repeat("备", 2001)), "remarks"},
			{"advisory_content too long", with("advisory_content", strings.Repeat("内", 5001)), "advisory_content"},
			{"order_time text", with("order_time", "soon"), "order_time"},
			{"reachTime negative", with("reachTime", "-1"), "reachTime"},
			{"disease_id unknown", with("disease_id", "999"), "disease_id"},
			{"diseaseId negative", with("diseaseId", "-1"), "diseaseId"},
			{"media_from_id unknown", with("media_from_id", "999"), "media_from_id"},
			{"doctor_id disabled", with("doctor_id", "2"), "doctor_id"},
			{"doctorId text", with("doctorId", "张医生"), "doctorId"},
			{"doctor_id huge", with("doctor_id", "99999999999999999999"), "doctor_id"},
			{"keyword too long", with("keyword", strings.Repeat("词", 101)), "keyword"},
			{"keyword line break", with("keyword", "温州\n医院"), "keyword"},
			{"landing_page not a URL", with("landing_page", "首页"), "landing_page"},
			{"landingPage relative", with("landingPage", "/a/b.html"), "landingPage"},
			{"landing_page ftp", with("landing_page", "ftp://example.com/"), "landing_page"},
			{"landing_page script", with("landing_page", "javascript:alert(1)"), "landing_page"},
			{"landing_page too long", with("landing_page", "https://example.com/"+strings.Repeat("a", 481)), "landing_page"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				wantError(t, e.call(t, "POST", api+"/patient/", c.body), 40035, "参数不合法: "+c.field)
			})
		}
		if n := e.patientCount(t); n != 0 {
			t.Errorf("bad input created %d patients", n)
		}
	})
}

func TestCreatePatientBodyProblems(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		token := e.admin(t).token
		wantError(t, e.call(t, "POST", api+"/patient/", bearer(token), rawBody("application/json", `{"name": "x",`)), 40035, "参数不合法: 请求体格式错误")
		wantError(t, e.call(t, "POST", api+"/patient/", bearer(token), rawBody("application/json", `["name"]`)), 40035, "参数不合法: 请求体格式错误")
		wantError(t, e.call(t, "POST", api+"/patient/", bearer(token), rawBody("application/json", `{"name":"a"} {"name":"b"}`)), 40035, "参数不合法: 请求体格式错误")
		wantError(t, e.call(t, "POST", api+"/patient/", bearer(token), rawBody("application/x-www-form-urlencoded", "name=%zz")), 40035, "参数不合法: 请求体格式错误")
		huge := strings.Repeat("x", 1<<20)
		wantError(t, e.call(t, "POST", api+"/patient/", bearer(token), form("name", "张三", "remarks", huge)), 45002, "请求体过大")
		wantError(t, e.call(t, "POST", api+"/patient/", bearer(token), multipartBody("name", "张三", "remarks", huge)), 45002, "请求体过大")
		if n := e.patientCount(t); n != 0 {
			t.Errorf("bad input created %d patients", n)
		}
	})
}

func TestCreatePatientUnauthenticatedAndForbidden(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		e.customRole(t, "viewer", access.PermPatientList)
		viewer := e.newAccount(t, "viewer")
		body := []string{"name", "张三", "add_time", "1491983355", "state", "0"}
		wantError(t, e.call(t, "POST", api+"/patient/", form(body...)), 41001, "缺少token参数")
		wantError(t, e.call(t, "POST", api+"/patient/", form(append(body, "token", "garbage")...)), 40014, "无效的token")
		wantError(t, e.call(t, "POST", api+"/patient/", form(append(body, "token", viewer.token)...)), 48001, "用户没有权限")
		if n := e.patientCount(t); n != 0 {
			t.Errorf("refused requests created %d patients", n)
		}
	})
}
