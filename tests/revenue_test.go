package tests

import (
	"fmt"
	"testing"
	"time"

	"crm/models/access"
)

// The CRM reports on a known set (newReportData, then visits and
// follow-ups): revenue by period and channel, the funnel, follow-ups per
// consultant, the ranking by revenue; each in the caller's scope.

type revenueData struct {
	reportData
}

func newRevenueData(t *testing.T, e *env) revenueData {
	t.Helper()
	e.clock.Set(time.Date(2026, 12, 2, 12, 0, 0, 0, shanghai))
	d := revenueData{newReportData(t, e, shanghai)}
	m := d.manager.token
	visit := func(patient string, kv ...string) {
		t.Helper()
		resp := e.call(t, "POST", api+"/patient/"+patient+"/visits/", form(append([]string{"token", m}, kv...)...))
		if _, ok := field(t, resp, "visit").(map[string]any); !ok {
			t.Fatalf("visit: %s", resp.body)
		}
	}
	// P1 (alice, 百度): arrives five past midnight on November 1st, local.
	visit("1", "order_time", at(shanghai, 2026, 11, 1, 0, 0), "reach_time", at(shanghai, 2026, 11, 1, 0, 5), "amount", "2000")
	// P2 (alice, 百度): booked, not arrived: no revenue.
	visit("2", "order_time", at(shanghai, 2026, 11, 3, 10, 0))
	// P3 (bob, 搜狗): a first visit and a return in November.
	visit("3", "order_time", at(shanghai, 2026, 11, 2, 14, 0), "reach_time", at(shanghai, 2026, 11, 2, 15, 0), "amount", "100000")
	visit("3", "order_time", at(shanghai, 2026, 11, 20, 9, 0), "reach_time", at(shanghai, 2026, 11, 20, 9, 30), "amount", "30000")
	// P5 (alice, 搜狗): arrives in December.
	visit("5", "order_time", at(shanghai, 2026, 12, 1, 9, 0), "reach_time", at(shanghai, 2026, 12, 1, 10, 0), "amount", "50000")
	followup := func(token, patient, way, when string) {
		t.Helper()
		resp := e.call(t, "POST", api+"/patient/"+patient+"/followups/", form("token", token, "way", way, "content", "回访", "time", when))
		if _, ok := field(t, resp, "followup").(map[string]any); !ok {
			t.Fatalf("follow-up: %s", resp.body)
		}
	}
	followup(d.alice.token, "1", "phone", at(shanghai, 2026, 11, 5, 10, 0))
	followup(d.alice.token, "2", "wechat", at(shanghai, 2026, 11, 30, 23, 59))
	followup(d.alice.token, "2", "wechat", at(shanghai, 2026, 12, 1, 0, 1)) // December
	followup(d.bob.token, "3", "sms", at(shanghai, 2026, 11, 6, 10, 0))
	followup(m, "2", "visit", at(shanghai, 2026, 11, 7, 10, 0))
	return d
}

func revenueFigures(visits, first, returns int, amount int64) string {
	return fmt.Sprintf(`"visits": %d, "first": %d, "returns": %d, "amount": %d, "amountYuan": "%d.%02d"`,
		visits, first, returns, amount, amount/100, amount%100)
}

func TestRevenueReport(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		d := newRevenueData(t, e)
		resp := e.call(t, "GET", api+"/report/revenue/", query("token", d.manager.token, "from", "2026-11-01", "to", "2026-12-31",
			"group", "month", "by", "media"))
		nov, dec := at(shanghai, 2026, 11, 1, 0, 0), at(shanghai, 2026, 12, 1, 0, 0)
		jan := at(shanghai, 2027, 1, 1, 0, 0)
		wantJSON(t, resp, `{"revenue": {"from": "2026-11-01", "to": "2026-12-31", "group": "month", "by": "media", "timezone": "Asia/Shanghai",
			"groups": [{"id": "1", "name": "百度"}, {"id": "2", "name": "搜狗"}],
			"periods": [
				{"key": "2026-11", "start": "`+nov+`", "end": "`+dec+`", "total": {`+revenueFigures(3, 2, 1, 132000)+`},
				 "groups": [{"id": "1", "name": "百度", `+revenueFigures(1, 1, 0, 2000)+`}, {"id": "2", "name": "搜狗", `+revenueFigures(2, 1, 1, 130000)+`}]},
				{"key": "2026-12", "start": "`+dec+`", "end": "`+jan+`", "total": {`+revenueFigures(1, 1, 0, 50000)+`},
				 "groups": [{"id": "1", "name": "百度", `+revenueFigures(0, 0, 0, 0)+`}, {"id": "2", "name": "搜狗", `+revenueFigures(1, 1, 0, 50000)+`}]}]}}`)

		// A consultant who may read reports sees the visits of her own patients.
		e.customRole(t, "reading_consultant", access.PermPatientList, access.PermReportView)
		if resp := e.call(t, "PATCH", fmt.Sprintf("%s/user/%d/", api, d.alice.id), form("token", e.admin(t).token, "role", "reading_consultant")); field(t, resp, "user") == nil {
			t.Fatalf("role change: %s", resp.body)
		}
		resp = e.call(t, "GET", api+"/report/revenue/", query("token", d.alice.token, "from", "2026-11-01", "to", "2026-11-30", "group", "year"))
		if got := field(t, resp, "revenue").(map[string]any)["periods"].([]any)[0].(map[string]any)["total"]; !sameJSON(t, got, `{`+revenueFigures(1, 1, 0, 2000)+`}`) {
			t.Errorf("alice's revenue: %v", got)
		}
		// By consultant, narrowed to a channel.
		resp = e.call(t, "GET", api+"/report/revenue/", query("token", d.manager.token, "from", "2026-11-01", "to", "2026-11-30",
			"group", "month", "by", "author", "media_from_id", "2"))
		groups := field(t, resp, "revenue").(map[string]any)["groups"]
		if !sameJSON(t, groups, fmt.Sprintf(`[{"id": "%d", "name": %q}]`, d.bob.id, d.bob.username)) {
			t.Errorf("groups: %v", groups)
		}

		for _, c := range []struct {
			kv      []string
			code    int
			message string
		}{
			{[]string{"to", "2026-11-30"}, 44001, "缺少参数: from"},
			{[]string{"from", "2026-11-30", "to", "2026-11-01"}, 40035, "参数不合法: to"},
			{[]string{"from", "2026-11-01", "to", "2026-11-30", "by", "state"}, 40035, "参数不合法: by"},
			{[]string{"from", "2026-11-01", "to", "2026-11-30", "group", "hour"}, 40035, "参数不合法: group"},
			{[]string{"from", "2026-11-01", "to", "2030-11-30"}, 40035, "参数不合法: to"},
		} {
			wantError(t, e.call(t, "GET", api+"/report/revenue/", query(append([]string{"token", d.manager.token}, c.kv...)...)), c.code, c.message)
		}
	})
}

func TestFunnelAndFollowupReports(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		d := newRevenueData(t, e)
		wantJSON(t, e.call(t, "GET", api+"/report/funnel/", query("token", d.manager.token, "from", "2026-11-01", "to", "2026-11-30")),
			`{"funnel": {"from": "2026-11-01", "to": "2026-11-30", "timezone": "Asia/Shanghai", "registered": 4, "untreated": 0,
			"booked": 3, "arrived": 2, "paid": 2, "lost": 1, "revenue": 180000, "revenueYuan": "1800.00", "arrivalRate": 0.6667}}`)
		wantJSON(t, e.call(t, "GET", api+"/report/funnel/", query("token", d.manager.token, "from", "2026-10-01", "to", "2026-10-31",
			"media_from_id", "1")),
			`{"funnel": {"from": "2026-10-01", "to": "2026-10-31", "timezone": "Asia/Shanghai", "registered": 1, "untreated": 0,
			"booked": 1, "arrived": 1, "paid": 1, "lost": 0, "revenue": 2000, "revenueYuan": "20.00", "arrivalRate": 1}}`)

		ways := func(phone, wechat, sms, visit int) string {
			return fmt.Sprintf(`{"phone": %d, "wechat": %d, "qq": 0, "sms": %d, "visit": %d, "other": 0}`, phone, wechat, sms, visit)
		}
		user := func(a account, total int, byWay string) string {
			return fmt.Sprintf(`{"userId": "%d", "name": %q, "total": %d, "byWay": %s}`, a.id, a.username, total, byWay)
		}
		wantJSON(t, e.call(t, "GET", api+"/report/followups/", query("token", d.manager.token, "from", "2026-11-01", "to", "2026-11-30")),
			`{"followups": {"from": "2026-11-01", "to": "2026-11-30", "timezone": "Asia/Shanghai", "users": [`+
				user(d.alice, 2, ways(1, 1, 0, 0))+`, `+user(d.bob, 1, ways(0, 0, 1, 0))+`, `+user(d.manager, 1, ways(0, 0, 0, 1))+`]}}`)

		// The ranking by revenue credits the patients' consultants.
		resp := e.call(t, "GET", api+"/rank/", query("token", d.manager.token, "type", "revenue", "period", "month", "date", "2026-11"))
		var got []string
		for _, r := range field(t, resp, "rank_data").([]any) {
			entry := r.(map[string]any)
			got = append(got, fmt.Sprintf("%v %v %v %v", entry["rank"], entry["username"], entry["revenue"], entry["revenueYuan"]))
		}
		want := []string{fmt.Sprintf("1 %s 130000 1300.00", d.bob.username), fmt.Sprintf("2 %s 2000 20.00", d.alice.username)}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("ranking %v, want %v", got, want)
		}
		wantError(t, e.call(t, "GET", api+"/report/followups/", query("token", d.alice.token, "from", "2026-11-01", "to", "2026-11-30")), 48001, "用户没有权限")
	})
}
