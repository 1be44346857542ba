package tests

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"crm/models/access"
)

// listIDs returns the ids of a list response, in order.
func listIDs(t *testing.T, resp response) []string {
	t.Helper()
	rows, ok := field(t, resp, "patient_data").([]any)
	if !ok {
		t.Fatalf("no patient_data: %s", resp.body)
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.(map[string]any)["id"].(string)
	}
	return ids
}

func wantIDs(t *testing.T, resp response, want ...string) {
	t.Helper()
	if got := listIDs(t, resp); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("ids %v, want %v", got, want)
	}
}

func TestListPatientsEmpty(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		token := e.admin(t).token
		wantJSON(t, e.call(t, "GET", api+"/patient/", query("token", token)), `{"patient_data": [], "count": 0, "page": 1, "per_page": 30}`)
		wantJSON(t, e.call(t, "GET", api+"/patient", query("token", token, "count", "1")), `{"count": 0}`)
	})
}

func TestListPatientsExactObject(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		admin := e.admin(t)
		e.createPatient(t, admin.token, "name", "patient1", "tel", "13566666666", "age", "20", "wechat", "patient1-13566666666",
			"qq", "666666", "add_time", "1491983355", "state", "0", "area", "温州", "remarks", "苟...")
		wantJSON(t, e.call(t, "GET", api+"/patient/", query("token", admin.token)), `{"patient_data": [
			{"id": "1", "name": "patient1", "sex": "0", "tel": "13566666666", "age": "20",
			"wechat": "patient1-13566666666", "qq": "666666", "addTime": "1491983355", "orderTime": null,
			"reachTime": null, "diseaseId": null, "authorId": "1", "state": "0", "mediaFromId": null,
			"doctorId": null, "advisoryWay": null, "advisoryContent": null, "area": "温州", "remarks": "苟...", "keyword": null, "landingPage": null, "nextFollowupTime": null, "revenue": "0", "smsConsent": "0"}
		], "count": 1, "page": 1, "per_page": 30}`)
	})
}

func TestListPatientsPagingAndDefaultOrder(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		token := e.admin(t).token
		// add_time out of id order; two share a time, so the id breaks the tie.
		times := []string{"1000", "3000", "2000", "3000", "500"}
		for i, at := range times {
			e.createPatient(t, token, "name", fmt.Sprintf("p%d", i+1), "add_time", at, "state", "0")
		}
		// Default: add_time desc, then id desc.
		wantIDs(t, e.call(t, "GET", api+"/patient/", query("token", token)), "4", "2", "3", "1", "5")
		page2 := e.call(t, "GET", api+"/patient/", query("token", token, "page", "2", "per_page", "2"))
		wantIDs(t, page2, "3", "1")
		if field(t, page2, "count").(interface{ String() string }).String() != "5" || fmt.Sprint(field(t, page2, "page")) != "2" || fmt.Sprint(field(t, page2, "per_page")) != "2" {
			t.Errorf("paging fields: %s", page2.body)
		}
		wantIDs(t, e.call(t, "GET", api+"/patient/", query("token", token, "page", "3", "perPage", "2")), "5")
		wantIDs(t, e.call(t, "GET", api+"/patient/", query("token", token, "page", "9", "per_page", "2")))
		wantIDs(t, e.call(t, "GET", api+"/patient/", query("token", token, "order", "ASC")), "5", "1", "3", "2", "4")
	})
}

func TestListPatientsSortWhitelist(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		token := e.admin(t).token
		e.createPatient(t, token, "name", "b", "sex", "1", "age", "30", "add_time", "200", "order_time", "20", "state", "1", "doctor_id", "1", "disease_id", "2", "media_from_id", "3")
		e.createPatient(t, token, "name", "a", "sex", "0", "age", "40", "add_time", "100", "reach_time", "10", "state", "2", "doctor_id", "2", "disease_id", "1", "media_from_id", "1")
		e.createPatient(t, token, "name", "c", "sex", "1", "age", "20", "add_time", "300", "order_time", "30", "reach_time", "30", "state", "0", "doctor_id", "3", "disease_id", "3", "media_from_id", "2")
		// Ascending order for each column; NULLs first on both databases.
		want := map[string]string{
			"id": "1,2,3", "name": "2,1,3", "sex": "2,1,3", "age": "3,1,2", "add_time": "2,1,3", "addTime": "2,1,3",
			"order_time": "2,1,3", "orderTime": "2,1,3", "reach_time": "1,2,3", "reachTime": "1,2,3",
			"state": "3,1,2", "author_id": "2,1,3", "authorId": "2,1,3", // one author: ties go by add_time "doctor_id": "1,2,3", "doctorId": "1,2,3",
			"disease_id": "2,1,3", "diseaseId": "2,1,3", "media_from_id": "2,3,1", "mediaFromId": "2,3,1",
		}
		for column, order := range want {
			for _, name := range []string{"sort_by", "sortBy"} {
				got := listIDs(t, e.call(t, "GET", api+"/patient/", query("token", token, name, column, "order", "asc")))
				if strings.Join(got, ",") != order {
					t.Errorf("%s=%s asc: %v, want %s", name, column, got, order)
				}
			}
			desc := listIDs(t, e.call(t, "GET", api+"/patient/", query("token", token, "sort_by", column, "order", "desc")))
			if column == "id" && strings.Join(desc, ",") != "3,2,1" {
				t.Errorf("id desc: %v", desc)
			}
		}
	})
}

func TestListPatientsInvalid(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		token := e.admin(t).token
		e.createPatient(t, token, "name", "a", "add_time", "100", "state", "0")
		cases := []struct {
			params []string
			field  string
		}{
			{[]string{"page", "0"}, "page"},
			{[]string{"page", "-1"}, "page"},
			{[]string{"page", "two"}, "page"},
			{[]string{"page", "10000001"}, "page"},
			{[]string{"per_page", "0"}, "per_page"},
			{[]string{"per_page", "101"}, "per_page"},
			{[]string{"perPage", "1.5"}, "perPage"},
			{[]string{"sort_by", "tel"}, "sort_by"},
			{[]string{"sort_by", "created_at"}, "sort_by"},
			{[]string{"sort_by", "name desc"}, "sort_by"},
			{[]string{"sort_by", "id; DROP TABLE patients"}, "sort_by"},
			{[]string{"sortBy", "(SELECT 1)"}, "sortBy"},
			{[]string{"sort_by", "Name"}, "sort_by"},
			{[]string{"order", "up"}, "order"},
			{[]string{"order", "desc, id"}, "order"},
			{[]string{"count", "2"}, "count"},
			{[]string{"count", "yes"}, "count"},
			{[]string{"state", "5"}, "state"},
			{[]string{"author_id", "0"}, "author_id"},
			{[]string{"authorId", "x"}, "authorId"},
			{[]string{"doctor_id", "-1"}, "doctor_id"},
			{[]string{"diseaseId", "1 OR 1=1"}, "diseaseId"},
			{[]string{"media_from_id", "abc"}, "media_from_id"},
			{[]string{"add_time_from", "yesterday"}, "add_time_from"},
			{[]string{"addTimeTo", "-1"}, "addTimeTo"},
			{[]string{"order_time_from", "1e9"}, "order_time_from"},
			{[]string{"reach_time_to", "253402300800"}, "reach_time_to"},
			{[]string{"q", strings.Repeat("张", 65)}, "q"},
			{[]string{"q", "a\x01b"}, "q"},
		}
		for _, c := range cases {
			t.Run(strings.Join(c.params, "="), func(t *testing.T) {
				wantError(t, e.call(t, "GET", api+"/patient/", query(append([]string{"token", token}, c.params...)...)), 40035, "参数不合法: "+c.field)
			})
		}
		// A query string Go cannot parse is refused as a whole.
		resp := e.call(t, "GET", api+"/patient/?token="+token+"&sort_by=id;drop")
		wantError(t, resp, 40035, "参数不合法: 查询字符串格式错误")
		// The table is still there.
		wantIDs(t, e.call(t, "GET", api+"/patient/", query("token", token)), "1")
	})
}

func TestListPatientsFilters(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		admin := e.admin(t)
		manager := e.newAccount(t, access.RoleManager)
		p1 := e.createPatient(t, admin.token, "name", "张三", "add_time", "1000", "state", "0", "doctor_id", "1", "disease_id", "2", "media_from_id", "1", "tel", "13511112222")
		p2 := e.createPatient(t, admin.token, "name", "张三丰", "add_time", "2000", "state", "1", "order_time", "2500", "doctor_id", "2", "media_from_id", "2", "wechat", "wx_zsf")
		p3 := e.createPatient(t, manager.token, "name", "李四", "add_time", "3000", "state", "2", "order_time", "3500", "reach_time", "3600", "disease_id", "2", "qq", "88886666")
		p4 := e.createPatient(t, manager.token, "name", "王五100%_", "add_time", "4000", "state", "3", "media_from_id", "1")
		asc := []string{"token", admin.token, "order", "asc"}
		list := func(kv ...string) response {
			return e.call(t, "GET", api+"/patient/", query(append(append([]string{}, asc...), kv...)...))
		}
		wantIDs(t, list("state", "0"), p1)
		wantIDs(t, list("state", "3"), p4)
		wantIDs(t, list("author_id", strconv.FormatUint(manager.id, 10)), p3, p4)
		wantIDs(t, list("authorId", "1"), p1, p2)
		wantIDs(t, list("doctor_id", "2"), p2)
		wantIDs(t, list("doctor_id", "0"), p3, p4) // patients without a doctor
		wantIDs(t, list("disease_id", "2"), p1, p3)
		wantIDs(t, list("diseaseId", "0"), p2, p4)
		wantIDs(t, list("media_from_id", "1"), p1, p4)
		wantIDs(t, list("mediaFromId", "0"), p3)
		wantIDs(t, list("add_time_from", "2000", "add_time_to", "3000"), p2, p3) // inclusive
		wantIDs(t, list("addTimeFrom", "3001"), p4)
		wantIDs(t, list("add_time_from", "0", "add_time_to", "1000"), p1)
		wantIDs(t, list("order_time_from", "2600"), p3)
		wantIDs(t, list("orderTimeTo", "3000"), p2)
		wantIDs(t, list("reach_time_from", "1"), p3)
		wantIDs(t, list("reachTimeTo", "3599"))
		wantIDs(t, list("state", "1", "doctor_id", "2", "add_time_to", "2000"), p2)
		wantIDs(t, list("state", "1", "doctor_id", "1"))
		// q: any part of a name; a WeChat id or QQ number whole; a phone
		// number whole or by its last 4 or more digits (a manager sees them all).
		wantIDs(t, list("q", "张三"), p1, p2)
		wantIDs(t, list("q", "三丰"), p2)
		wantIDs(t, list("q", "张三丰"), p2)
		wantIDs(t, list("q", "WX_ZSF"), p2)
		wantIDs(t, list("q", "wx_zs"))
		wantIDs(t, list("q", "88886666"), p3)
		wantIDs(t, list("q", "8866"))
		wantIDs(t, list("q", "2222"), p1)
		wantIDs(t, list("q", "12222"), p1)
		wantIDs(t, list("q", "1111"))
		wantIDs(t, list("q", "222"))
		wantIDs(t, list("q", "135-1111-2222"), p1)
		// Wildcards are literal.
		wantIDs(t, list("q", "%"), p4)
		wantIDs(t, list("q", "0%_"), p4)
		wantIDs(t, list("q", "五100%_"), p4) // longer than a term: checked against the name
		wantIDs(t, list("q", "五100%x"))
		wantIDs(t, list("q", "_"), p4)
		// count=1 honours the filters and returns nothing else.
		wantJSON(t, list("count", "1", "q", "张"), `{"count": 2}`)
		wantJSON(t, list("count", "0", "state", "2", "per_page", "1"), fmt.Sprintf(`{"patient_data": [%s], "count": 1, "page": 1, "per_page": 1}`,
			string(mustRow(t, e, admin.token, p3))))
	})
}

// mustRow returns the JSON of one patient as the list shows it to token.
func mustRow(t *testing.T, e *env, token, id string) []byte {
	t.Helper()
	resp := e.call(t, "GET", api+"/patient/", query("token", token, "per_page", "100"))
	body := string(resp.body)
	start := strings.Index(body, `{"id":"`+id+`"`)
	if start < 0 {
		t.Fatalf("patient %s not listed", id)
	}
	end := strings.Index(body[start:], "}")
	return []byte(body[start : start+end+1])
}

func TestListPatientsDataScope(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		alice := e.newAccount(t, access.RoleConsultant)
		bob := e.newAccount(t, access.RoleConsultant)
		manager := e.newAccount(t, access.RoleManager)
		a1 := e.createPatient(t, alice.token, "name", "A1", "add_time", "100", "state", "0")
		b1 := e.createPatient(t, bob.token, "name", "B1", "add_time", "200", "state", "0")
		a2 := e.createPatient(t, alice.token, "name", "A2", "add_time", "300", "state", "0")
		m1 := e.createPatient(t, manager.token, "name", "M1", "add_time", "400", "state", "0")

		wantIDs(t, e.call(t, "GET", api+"/patient/", query("token", alice.token)), a2, a1)
		wantJSON(t, e.call(t, "GET", api+"/patient/", query("token", alice.token, "count", "1")), `{"count": 2}`)
		wantIDs(t, e.call(t, "GET", api+"/patient/", query("token", bob.token)), b1)
		// Asking for someone else's patients yields nothing, not an error.
		wantIDs(t, e.call(t, "GET", api+"/patient/", query("token", alice.token, "author_id", strconv.FormatUint(bob.id, 10))))
		wantIDs(t, e.call(t, "GET", api+"/patient/", query("token", alice.token, "q", "B1")))
		wantIDs(t, e.call(t, "GET", api+"/patient/", query("token", manager.token)), m1, a2, b1, a1)

		// Without patient.list the list is refused.
		e.customRole(t, "registrar", access.PermPatientCreate)
		registrar := e.newAccount(t, "registrar")
		wantError(t, e.call(t, "GET", api+"/patient/", query("token", registrar.token)), 48001, "用户没有权限")
		wantError(t, e.call(t, "GET", api+"/patient/"), 41001, "缺少token参数")

		// Patients in the recycle bin are not listed or counted.
		wantJSON(t, e.call(t, "DELETE", api+"/patient/"+a1+"/", form("token", manager.token)), `{"deleted": true}`)
		wantIDs(t, e.call(t, "GET", api+"/patient/", query("token", alice.token)), a2)
		wantJSON(t, e.call(t, "GET", api+"/patient/", query("token", manager.token, "count", "1")), `{"count": 3}`)
	})
}

func TestListPatientsPhoneMasking(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		e.customRole(t, "supervisor", access.PermPatientList, access.PermPatientViewAll, access.PermPatientCreate)
		supervisor := e.newAccount(t, "supervisor")
		alice := e.newAccount(t, access.RoleConsultant)
		manager := e.newAccount(t, access.RoleManager)
		mobile := e.createPatient(t, alice.token, "name", "mobile", "add_time", "100", "state", "0", "tel", "135 1234 6666")
		landline := e.createPatient(t, alice.token, "name", "landline", "add_time", "200", "state", "0", "tel", "0577-8888-9999")
		short := e.createPatient(t, alice.token, "name", "short", "add_time", "300", "state", "0", "tel", "88889999")
		tiny := e.createPatient(t, alice.token, "name", "tiny", "add_time", "400", "state", "0", "tel", "110")
		own := e.createPatient(t, supervisor.token, "name", "own", "add_time", "500", "state", "0", "tel", "13900001111")
		none := e.createPatient(t, alice.token, "name", "none", "add_time", "600", "state", "0")

		tels := func(token string) map[string]any {
			out := map[string]any{}
			for _, row := range field(t, e.call(t, "GET", api+"/patient/", query("token", token)), "patient_data").([]any) {
				r := row.(map[string]any)
				out[r["id"].(string)] = r["tel"]
			}
			return out
		}
		// The supervisor sees everyone's patients but not their full numbers.
		got := tels(supervisor.token)
		want := map[string]any{mobile: "135****6666", landline: "057*****9999", short: "****9999", tiny: "***", own: "13900001111", none: nil}
		for id, tel := range want {
			if got[id] != tel {
				t.Errorf("supervisor sees tel of %s as %v, want %v", id, got[id], tel)
			}
		}
		// The author sees its own numbers whole, as entered; a manager sees all.
		for _, token := range []string{alice.token, manager.token} {
			if got := tels(token); got[mobile] != "135 1234 6666" || got[landline] != "0577-8888-9999" {
				t.Errorf("numbers must be whole: %v", got)
			}
		}
		// Searching: masked numbers match only in full.
		search := func(token, q string) []string {
			return listIDs(t, e.call(t, "GET", api+"/patient/", query("token", token, "q", q)))
		}
		for _, partial := range []string{"1351234", "1234", "135", "6666", "1351234666"} {
			if ids := search(supervisor.token, partial); len(ids) != 0 {
				t.Errorf("partial %q found masked numbers: %v", partial, ids)
			}
		}
		if ids := search(supervisor.token, "13512346666"); strings.Join(ids, ",") != mobile {
			t.Errorf("the full number finds the patient: %v", ids)
		}
		if ids := search(supervisor.token, "+135-1234-6666"); strings.Join(ids, ",") != mobile {
			t.Errorf("formatting does not matter: %v", ids)
		}
		if ids := search(supervisor.token, "0001111"); strings.Join(ids, ",") != own {
			t.Errorf("own numbers match by their last digits: %v", ids)
		}
		if ids := search(alice.token, "6666"); strings.Join(ids, ",") != mobile {
			t.Errorf("the author searches its own numbers by their last digits: %v", ids)
		}
		if ids := search(alice.token, "1234"); len(ids) != 0 {
			t.Errorf("digits from the middle of a number match nothing: %v", ids)
		}
		if ids := search(manager.token, "9999"); strings.Join(ids, ",") != short+","+landline {
			t.Errorf("a manager searches all numbers by their last digits: %v", ids)
		}
	})
}
