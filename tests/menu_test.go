package tests

import (
	"testing"

	"crm/models/access"
	"crm/models/staff"
)

func TestMenuByRole(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		consultant := e.newAccount(t, access.RoleConsultant)
		manager := e.newAccount(t, access.RoleManager)

		// Exactly the contract's example: level-0 rows only.
		wantJSON(t, e.call(t, "GET", api+"/menu/", query("token", consultant.token)), `{"menu_data": [
			{"title": "仪表盘", "name": "1", "url": "dashboard", "child": []},
			{"title": "客户池", "name": "2", "url": "patients", "child": [
				{"id": "3", "title": "登记用户", "name": "2-1", "url": "regsiter"}
			]}
		]}`)

		// Levels 0-1: no 菜单管理, 人员管理, 参数设置.
		wantJSON(t, e.call(t, "GET", api+"/menu", bearer(manager.token)), `{"menu_data": [
			{"title": "仪表盘", "name": "1", "url": "dashboard", "child": []},
			{"title": "客户池", "name": "2", "url": "patients", "child": [
				{"id": "3", "title": "登记用户", "name": "2-1", "url": "regsiter"}]},
			{"title": "数据报表", "name": "3", "url": "data", "child": [
				{"id": "5", "title": "绩效数据", "name": "3-1", "url": "effect"},
				{"id": "6", "title": "业绩报表", "name": "3-2", "url": "performance"}]},
			{"title": "信息管理", "name": "4", "url": "info", "child": [
				{"id": "8", "title": "医生管理", "name": "4-1", "url": "doctor"},
				{"id": "9", "title": "病种科室", "name": "4-2", "url": "disease"},
				{"id": "10", "title": "来源渠道", "name": "4-3", "url": "media"},
				{"id": "11", "title": "咨询方式", "name": "4-4", "url": "way"}]},
			{"title": "系统设置", "name": "5", "url": "system", "child": [
				{"id": "15", "title": "行为日志", "name": "5-3", "url": "log"},
				{"id": "16", "title": "通知管理", "name": "5-4", "url": "notice"}]}
		]}`)

		wantJSON(t, e.call(t, "GET", api+"/menu/", query("token", e.admin(t).token)), `{"menu_data": [
			{"title": "仪表盘", "name": "1", "url": "dashboard", "child": []},
			{"title": "客户池", "name": "2", "url": "patients", "child": [
				{"id": "3", "title": "登记用户", "name": "2-1", "url": "regsiter"}]},
			{"title": "数据报表", "name": "3", "url": "data", "child": [
				{"id": "5", "title": "绩效数据", "name": "3-1", "url": "effect"},
				{"id": "6", "title": "业绩报表", "name": "3-2", "url": "performance"}]},
			{"title": "信息管理", "name": "4", "url": "info", "child": [
				{"id": "8", "title": "医生管理", "name": "4-1", "url": "doctor"},
				{"id": "9", "title": "病种科室", "name": "4-2", "url": "disease"},
				{"id": "10", "title": "来源渠道", "name": "4-3", "url": "media"},
				{"id": "11", "title": "咨询方式", "name": "4-4", "url": "way"}]},
			{"title": "系统设置", "name": "5", "url": "system", "child": [
				{"id": "13", "title": "菜单管理", "name": "5-1", "url": "menu"},
				{"id": "14", "title": "人员管理", "name": "5-2", "url": "admin"},
				{"id": "15", "title": "行为日志", "name": "5-3", "url": "log"},
				{"id": "16", "title": "通知管理", "name": "5-4", "url": "notice"},
				{"id": "17", "title": "参数设置", "name": "5-5", "url": "config"}]}
		]}`)
	})
}

func TestMenuFollowsConfiguredOrder(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		consultant := e.newAccount(t, access.RoleConsultant)
		// Reorder: 客户池 before 仪表盘.
		e.db.Model(&staff.Menu{}).Where("id = ?", 2).Update("sort_order", 1)
		wantJSON(t, e.call(t, "GET", api+"/menu/", query("token", consultant.token)), `{"menu_data": [
			{"title": "客户池", "name": "2", "url": "patients", "child": [
				{"id": "3", "title": "登记用户", "name": "2-1", "url": "regsiter"}]},
			{"title": "仪表盘", "name": "1", "url": "dashboard", "child": []}
		]}`)
	})
}

func TestMenuWrongMethod(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		token := e.admin(t).token
		for _, method := range []string{"POST", "PUT", "PATCH", "DELETE"} {
			wantError(t, e.call(t, method, api+"/menu/", form("token", token)), 43001, "需要GET请求")
		}
	})
}
