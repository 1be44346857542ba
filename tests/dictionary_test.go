package tests

import (
	"encoding/json"
	"strings"
	"testing"

	"crm/models/access"
	"crm/models/dict"
)

func TestAllDictionariesForEveryone(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		consultant := e.newAccount(t, access.RoleConsultant)
		e.db.Model(&dict.MediaChannel{}).Where("id = ?", 7).Update("enabled", false)
		wantJSON(t, e.call(t, "GET", api+"/dict/", query("token", consultant.token)), `{
			"doctors": [
				{"id": "1", "name": "张明", "title": "主任医师", "introduction": "", "enabled": "1", "sortOrder": "10"},
				{"id": "2", "name": "李华", "title": "副主任医师", "introduction": "", "enabled": "1", "sortOrder": "20"},
				{"id": "3", "name": "王芳", "title": "主治医师", "introduction": "", "enabled": "1", "sortOrder": "30"}],
			"diseases": [
				{"id": "1", "name": "男科", "parentId": "0", "enabled": "1", "sortOrder": "10"},
				{"id": "2", "name": "前列腺炎", "parentId": "1", "enabled": "1", "sortOrder": "20"},
				{"id": "3", "name": "男性不育", "parentId": "1", "enabled": "1", "sortOrder": "30"},
				{"id": "4", "name": "妇科", "parentId": "0", "enabled": "1", "sortOrder": "40"},
				{"id": "5", "name": "月经不调", "parentId": "4", "enabled": "1", "sortOrder": "50"},
				{"id": "6", "name": "妇科炎症", "parentId": "4", "enabled": "1", "sortOrder": "60"},
				{"id": "7", "name": "皮肤科", "parentId": "0", "enabled": "1", "sortOrder": "70"},
				{"id": "8", "name": "湿疹", "parentId": "7", "enabled": "1", "sortOrder": "80"},
				{"id": "9", "name": "痤疮", "parentId": "7", "enabled": "1", "sortOrder": "90"}],
			"media": [
				{"id": "1", "name": "百度", "enabled": "1", "sortOrder": "10"},
				{"id": "2", "name": "搜狗", "enabled": "1", "sortOrder": "20"},
				{"id": "3", "name": "360", "enabled": "1", "sortOrder": "30"},
				{"id": "4", "name": "微信", "enabled": "1", "sortOrder": "40"},
				{"id": "5", "name": "QQ", "enabled": "1", "sortOrder": "50"},
				{"id": "6", "name": "电话", "enabled": "1", "sortOrder": "60"},
				{"id": "7", "name": "商务通", "enabled": "0", "sortOrder": "70"}],
			"ways": [
				{"id": "1", "name": "商务通", "enabled": "1", "sortOrder": "10"},
				{"id": "2", "name": "电话", "enabled": "1", "sortOrder": "20"},
				{"id": "3", "name": "微信", "enabled": "1", "sortOrder": "30"},
				{"id": "4", "name": "QQ", "enabled": "1", "sortOrder": "40"},
				{"id": "5", "name": "到院咨询", "enabled": "1", "sortOrder": "50"}]}`)
		wantError(t, e.call(t, "GET", api+"/dict/"), 41001, "缺少token参数")
	})
}

func TestDictionaryListWithCounts(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		manager := e.newAccount(t, access.RoleManager)
		first := e.createPatient(t, manager.token, "name", "a", "add_time", "1", "state", "0", "doctor_id", "2", "advisory_way", "电话")
		e.createPatient(t, manager.token, "name", "b", "add_time", "1", "state", "0", "doctor_id", "2", "advisory_way", "电话")
		e.call(t, "DELETE", api+"/patient/"+first, form("token", manager.token)) // the bin still counts
		wantJSON(t, e.call(t, "GET", api+"/dict/doctor/", query("token", manager.token)), `{"dict_data": [
			{"id": "1", "name": "张明", "title": "主任医师", "introduction": "", "enabled": "1", "sortOrder": "10", "patientCount": "0"},
			{"id": "2", "name": "李华", "title": "副主任医师", "introduction": "", "enabled": "1", "sortOrder": "20", "patientCount": "2"},
			{"id": "3", "name": "王芳", "title": "主治医师", "introduction": "", "enabled": "1", "sortOrder": "30", "patientCount": "0"}]}`)
		resp := e.call(t, "GET", api+"/dict/way", query("token", manager.token))
		if !strings.Contains(string(resp.body), `{"id":"2","name":"电话","enabled":"1","sortOrder":"20","patientCount":"2"}`) {
			t.Errorf("advisory ways count by name: %s", resp.body)
		}
		e.call(t, "PATCH", api+"/dict/media/3/", form("token", manager.token, "enabled", "0"))
		wantJSON(t, e.call(t, "GET", api+"/dict/media/", query("token", manager.token, "enabled", "false")),
			`{"dict_data": [{"id": "3", "name": "360", "enabled": "0", "sortOrder": "30", "patientCount": "0"}]}`)
		wantError(t, e.call(t, "GET", api+"/dict/media/", query("token", manager.token, "enabled", "maybe")), 40035, "参数不合法: enabled")
	})
}

func TestDictionaryCreate(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		token := e.newAccount(t, access.RoleManager).token
		wantJSON(t, e.call(t, "POST", api+"/dict/doctor/", form("token", token, "name", " 赵医生 ", "title", "主任医师", "introduction", "从医二十年\n擅长男科")),
			`{"entry": {"id": "4", "name": "赵医生", "title": "主任医师", "introduction": "从医二十年\n擅长男科", "enabled": "1", "sortOrder": "40"}}`)
		wantJSON(t, e.call(t, "POST", api+"/dict/media", jsonBody(map[string]any{"token": token, "name": "抖音", "enabled": false, "sortOrder": 5})),
			`{"entry": {"id": "8", "name": "抖音", "enabled": "0", "sortOrder": "5"}}`)
		wantJSON(t, e.call(t, "POST", api+"/dict/disease/", form("token", token, "name", "阳痿", "parent_id", "1")),
			`{"entry": {"id": "10", "name": "阳痿", "parentId": "1", "enabled": "1", "sortOrder": "100"}}`)
		wantJSON(t, e.call(t, "POST", api+"/dict/disease/", form("token", token, "name", "眼科")),
			`{"entry": {"id": "11", "name": "眼科", "parentId": "0", "enabled": "1", "sortOrder": "110"}}`)
		wantJSON(t, e.call(t, "POST", api+"/dict/way/", form("token", token, "name", "抖音私信")),
			`{"entry": {"id": "6", "name": "抖音私信", "enabled": "1", "sortOrder": "60"}}`)

		wantError(t, e.call(t, "POST", api+"/dict/doctor/", form("token", token, "name", "赵医生")), 46002, "名称已存在")
		wantError(t, e.call(t, "POST", api+"/dict/doctor/", form("token", token)), 44001, "缺少参数: name")
		wantError(t, e.call(t, "POST", api+"/dict/doctor/", form("token", token, "name", strings.Repeat("名", 33))), 40035, "参数不合法: name")
		wantError(t, e.call(t, "POST", api+"/dict/doctor/", form("token", token, "name", "x", "title", strings.Repeat("职", 33))), 40035, "参数不合法: title")
		wantError(t, e.call(t, "POST", api+"/dict/doctor/", form("token", token, "name", "x", "enabled", "2")), 40035, "参数不合法: enabled")
		wantError(t, e.call(t, "POST", api+"/dict/doctor/", form("token", token, "name", "x", "sort_order", "-1")), 40035, "参数不合法: sort_order")
		// A disease's parent must be a department.
		wantError(t, e.call(t, "POST", api+"/dict/disease/", form("token", token, "name", "x", "parent_id", "2")), 40035, "参数不合法: parent_id")
		wantError(t, e.call(t, "POST", api+"/dict/disease/", form("token", token, "name", "x", "parentId", "99")), 40035, "参数不合法: parent_id")
		wantError(t, e.call(t, "POST", api+"/dict/nurse/", form("token", token, "name", "x")), 46001, "接口不存在")
	})
}

func TestDictionaryEditAndDisable(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		manager := e.newAccount(t, access.RoleManager)
		old := e.createPatient(t, manager.token, "name", "old", "add_time", "1", "state", "0", "doctor_id", "1", "advisory_way", "电话")
		wantJSON(t, e.call(t, "PATCH", api+"/dict/doctor/1/", form("token", manager.token, "name", "张明远", "enabled", "0")),
			`{"entry": {"id": "1", "name": "张明远", "title": "主任医师", "introduction": "", "enabled": "0", "sortOrder": "10"}}`)
		// Disabled: refused for new patients and new choices, kept on old ones.
		wantError(t, e.call(t, "POST", api+"/patient/", form("token", manager.token, "name", "new", "add_time", "1", "state", "0", "doctor_id", "1")),
			40035, "参数不合法: doctor_id")
		resp := e.call(t, "PATCH", api+"/patient/"+old, form("token", manager.token, "remarks", "ok", "doctor_id", "1"))
		if field(t, resp, "patient").(map[string]any)["doctorId"] != "1" {
			t.Errorf("old patient keeps its disabled doctor: %s", resp.body)
		}
		// Renaming an advisory way renames it on its patients.
		e.call(t, "PATCH", api+"/dict/way/2/", form("token", manager.token, "name", "电话咨询"))
		if got := field(t, e.call(t, "GET", api+"/patient/"+old, query("token", manager.token)), "patient").(map[string]any); got["advisoryWay"] != "电话咨询" {
			t.Errorf("advisory way not renamed on the patient: %v", got["advisoryWay"])
		}
		// A disabled advisory way is refused for new values; free text passes.
		e.call(t, "PATCH", api+"/dict/way/3/", form("token", manager.token, "enabled", "false"))
		wantError(t, e.call(t, "POST", api+"/patient/", form("token", manager.token, "name", "n", "add_time", "1", "state", "0", "advisory_way", "微信")),
			40035, "参数不合法: advisory_way")
		e.createPatient(t, manager.token, "name", "n", "add_time", "1", "state", "0", "advisory_way", "朋友介绍")
		// Names stay unique; departments with diseases stay departments.
		wantError(t, e.call(t, "PATCH", api+"/dict/doctor/2/", form("token", manager.token, "name", "张明远")), 46002, "名称已存在")
		wantError(t, e.call(t, "PATCH", api+"/dict/disease/1/", form("token", manager.token, "parent_id", "4")), 46002, "该科室下还有病种，不能删除或移入其他科室")
		wantJSON(t, e.call(t, "PATCH", api+"/dict/disease/2/", form("token", manager.token, "parentId", "4")),
			`{"entry": {"id": "2", "name": "前列腺炎", "parentId": "4", "enabled": "1", "sortOrder": "20"}}`)
		wantError(t, e.call(t, "PATCH", api+"/dict/disease/2/", form("token", manager.token, "parent_id", "2")), 40035, "参数不合法: parent_id")
		wantError(t, e.call(t, "PATCH", api+"/dict/doctor/99/", form("token", manager.token, "name", "x")), 46001, "记录不存在")
		wantError(t, e.call(t, "PATCH", api+"/dict/doctor/1/", form("token", manager.token, "name", "")), 44001, "缺少参数: name")
	})
}

func TestDictionaryDeleteOnlyUnused(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		manager := e.newAccount(t, access.RoleManager)
		binned := e.createPatient(t, manager.token, "name", "a", "add_time", "1", "state", "0", "media_from_id", "1", "disease_id", "2", "advisory_way", "QQ")
		e.createPatient(t, manager.token, "name", "b", "add_time", "1", "state", "0", "media_from_id", "1")
		e.call(t, "DELETE", api+"/patient/"+binned, form("token", manager.token))
		wantError(t, e.call(t, "DELETE", api+"/dict/media/1/", form("token", manager.token)), 46002, "有 2 位患者使用该项，不能删除，请改为停用")
		wantError(t, e.call(t, "DELETE", api+"/dict/disease/2/", form("token", manager.token)), 46002, "有 1 位患者使用该项，不能删除，请改为停用")
		wantError(t, e.call(t, "DELETE", api+"/dict/way/4/", form("token", manager.token)), 46002, "有 1 位患者使用该项，不能删除，请改为停用")
		wantError(t, e.call(t, "DELETE", api+"/dict/disease/7/", form("token", manager.token)), 46002, "该科室下还有病种，不能删除或移入其他科室")
		wantJSON(t, e.call(t, "DELETE", api+"/dict/media/2/", form("token", manager.token)), `{"deleted": true}`)
		wantJSON(t, e.call(t, "DELETE", api+"/dict/disease/9", bearer(manager.token)), `{"deleted": true}`)
		wantError(t, e.call(t, "DELETE", api+"/dict/media/2/", form("token", manager.token)), 46001, "记录不存在")
		// Purging the last patients frees the entry.
		admin := e.admin(t)
		e.call(t, "DELETE", api+"/patient/"+binned+"/purge/", form("token", admin.token))
		wantJSON(t, e.call(t, "DELETE", api+"/dict/way/4/", form("token", manager.token)), `{"deleted": true}`)
	})
}

func TestDictionaryReorder(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		token := e.newAccount(t, access.RoleManager).token
		resp := e.call(t, "PUT", api+"/dict/doctor/order/", form("token", token, "ids", "3, 1,2"))
		var list struct {
			DictData []struct{ ID, SortOrder string } `json:"dict_data"`
		}
		_ = json.Unmarshal(resp.body, &list)
		got := ""
		for _, d := range list.DictData {
			got += d.ID + ":" + d.SortOrder + " "
		}
		if got != "3:10 1:20 2:30 " {
			t.Errorf("order %q: %s", got, resp.body)
		}
		wantError(t, e.call(t, "PUT", api+"/dict/doctor/order/", form("token", token)), 44001, "缺少参数: ids")
		wantError(t, e.call(t, "PUT", api+"/dict/doctor/order/", form("token", token, "ids", "1,1")), 40035, "参数不合法: ids")
		wantError(t, e.call(t, "PUT", api+"/dict/doctor/order/", form("token", token, "ids", "1,99")), 40035, "参数不合法: ids")
		wantError(t, e.call(t, "PUT", api+"/dict/doctor/order/", form("token", token, "ids", "1,x")), 40035, "参数不合法: ids")
	})
}

func TestDictionaryPermissions(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		consultant := e.newAccount(t, access.RoleConsultant)
		for _, c := range []struct{ method, path string }{
			{"GET", "/dict/doctor/"}, {"POST", "/dict/doctor/"}, {"PATCH", "/dict/doctor/1/"},
			{"DELETE", "/dict/media/1/"}, {"PUT", "/dict/way/order/"},
		} {
			wantError(t, e.call(t, c.method, api+c.path, query("token", consultant.token), form("name", "x", "ids", "1")), 48001, "用户没有权限")
		}
		if got := count(t, e.db, "doctors"); got != 3 {
			t.Errorf("refused writes changed the doctors: %d", got)
		}
	})
}
