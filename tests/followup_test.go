package tests

import (
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	"crm/models/access"
)

// Follow-ups (回访/跟进): recorded on a patient, listed newest first, and
// the due lists of who to follow up today, overdue or upcoming.

func followupJSON(id, patient string, user account, way, content string, at int64, next string, created int64) string {
	return fmt.Sprintf(`{"id": %q, "patientId": %q, "userId": "%d", "username": %q, "way": %q, "content": %q, "time": "%d", "nextTime": %s, "createdAt": "%d"}`,
		id, patient, user.id, user.username, way, content, at, next, created)
}

func TestFollowupRecordAndList(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		w := newWorkflow(t, e)
		now := e.clock.Now().Unix()
		path := api + "/patient/" + w.patient + "/followups/"
		// Phone call now, next contact planned.
		next := now + 3*day
		resp := e.call(t, "POST", path, form("token", w.alice.token, "way", "phone", "content", "问了价格\n约下周",
			"next_time", strconv.FormatInt(next, 10)))
		wantJSON(t, resp, `{"followup": `+followupJSON("1", w.patient, w.alice, "phone", "问了价格\n约下周", now, fmt.Sprintf(`"%d"`, next), now)+
			`, "patient": `+mustJSON(t, patientObject(w.alicePatient(w.patient, map[string]any{"nextFollowupTime": next})))+`}`)
		// A WeChat message at a given time, camelCase, nothing planned: the next time clears.
		resp = e.call(t, "POST", path, jsonBody(map[string]any{"token": w.manager.token, "way": "wechat", "content": "发了地址",
			"time": now - 60}))
		if got := field(t, resp, "patient").(map[string]any)["nextFollowupTime"]; got != nil {
			t.Errorf("next time after a follow-up without one: %v", got)
		}
		wantJSON(t, e.call(t, "GET", path, query("token", w.alice.token)), `{"followup_data": [`+
			followupJSON("1", w.patient, w.alice, "phone", "问了价格\n约下周", now, fmt.Sprintf(`"%d"`, next), now)+`, `+
			followupJSON("2", w.patient, w.manager, "wechat", "发了地址", now-60, "null", now)+
			`], "count": 2, "page": 1, "per_page": 30}`)

		// The history and the log tell.
		history := field(t, e.call(t, "GET", api+"/patient/"+w.patient+"/history/", query("token", w.alice.token)), "history").([]any)
		latest := history[0].(map[string]any)
		want := fmt.Sprintf(`{"action": "followup", "changes": [{"field": "nextFollowupTime", "from": "%d", "to": null}]}`, next)
		if got := map[string]any{"action": latest["action"], "changes": latest["changes"]}; !sameJSON(t, got, want) {
			t.Errorf("history %v, want %s", got, want)
		}
		entries := readLog(t, e, w.admin.token, "action", "patient.followup")
		if len(entries) != 2 || entries[0].TargetID != w.patient || entries[0].Summary["way"] != "wechat" {
			t.Errorf("log: %+v", entries)
		}
		// An edit may set the next time too.
		resp = e.call(t, "PATCH", api+"/patient/"+w.patient, form("token", w.alice.token, "nextFollowupTime", strconv.FormatInt(next, 10)))
		if got := field(t, resp, "patient").(map[string]any)["nextFollowupTime"]; got != strconv.FormatInt(next, 10) {
			t.Errorf("edited next time: %v", got)
		}
	})
}

func TestFollowupRefusals(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		w := newWorkflow(t, e)
		path := api + "/patient/" + w.patient + "/followups/"
		ok := []string{"way", "phone", "content", "打过电话"}
		with := func(token string, kv ...string) option {
			return form(append(append([]string{"token", token}, kv...), ok...)...) // the first value counts
		}
		now := e.clock.Now().Unix()
		cases := []struct {
			name    string
			path    string
			body    option
			code    int
			message string
		}{
			{"no way", path, form("token", w.alice.token, "content", "x"), 44001, "缺少参数: way"},
			{"unknown way", path, with(w.alice.token, "way", "email"), 40035, "参数不合法: way"},
			{"no content", path, form("token", w.alice.token, "way", "sms"), 44001, "缺少参数: content"},
			{"blank content", path, with(w.alice.token, "content", "  "), 44001, "缺少参数: content"},
			{"content too long", path, with(w.alice.token, "content", repeatRune('话', 2001)), 40035, "参数不合法: content"},
			{"content control char", path, with(w.alice.token, "content", "a\x07b"), 40035, "参数不合法: content"},
			{"time text", path, with(w.alice.token, "time", "yesterday"), 40035, "参数不合法: time"},
			{"next before time", path, with(w.alice.token, "time", strconv.FormatInt(now, 10), "next_time", strconv.FormatInt(now-1, 10)), 40035, "参数不合法: next_time"},
			{"nextTime negative", path, with(w.alice.token, "nextTime", "-5"), 40035, "参数不合法: nextTime"},
			{"bob: not his patient", path, with(w.bob.token), 46001, "记录不存在"},
			{"supervisor: sees, may not edit", path, with(w.supervisor.token), 48001, "用户没有权限"},
			{"unknown patient", api + "/patient/999/followups/", with(w.admin.token), 46001, "记录不存在"},
			{"bad id", api + "/patient/x/followups/", with(w.admin.token), 40035, "参数不合法: id"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				wantError(t, e.call(t, "POST", c.path, c.body), c.code, c.message)
			})
		}
		wantError(t, e.call(t, "GET", path, query("token", w.bob.token)), 46001, "记录不存在")
		wantError(t, e.call(t, "GET", path), 41001, "缺少token参数")
		if n := count(t, e.db, "patient_followups"); n != 0 {
			t.Errorf("refused follow-ups stored %d rows", n)
		}
	})
}

func repeatRune(r rune, n int) string {
	out := make([]rune, n)
	for i := range out {
		out[i] = r
	}
	return string(out)
}

// The due lists cut at the clinic's midnight: overdue before today, today,
// upcoming after; a consultant's own, a manager's everyone's.
func TestFollowupDueLists(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		e.clock.Set(time.Date(2026, 11, 24, 15, 30, 0, 0, shanghai))
		alice := e.newAccount(t, access.RoleConsultant)
		bob := e.newAccount(t, access.RoleConsultant)
		manager := e.newAccount(t, access.RoleManager)
		midnight := time.Date(2026, 11, 24, 0, 0, 0, 0, shanghai).Unix()
		mk := func(who account, next int64) string {
			return e.createPatient(t, who.token, "name", "p", "add_time", "1700000000", "state", "0",
				"next_followup_time", strconv.FormatInt(next, 10))
		}
		aOverdue := mk(alice, midnight-1)
		aToday2 := mk(alice, midnight+day-1)
		aToday1 := mk(alice, midnight)
		aLater := mk(alice, midnight+day)
		bOverdue := mk(bob, midnight-day)
		e.createPatient(t, alice.token, "name", "none", "add_time", "1700000000", "state", "0")
		list := func(token string, kv ...string) string {
			t.Helper()
			resp := e.call(t, "GET", api+"/followup/due/", query(append([]string{"token", token}, kv...)...))
			out := fmt.Sprint(field(t, resp, "count")) + ":"
			for _, p := range field(t, resp, "patient_data").([]any) {
				out += " " + p.(map[string]any)["id"].(string)
			}
			return out
		}
		cases := []struct {
			who  account
			kv   []string
			want string
		}{
			{alice, nil, "2: " + aToday1 + " " + aToday2},
			{alice, []string{"due", "today"}, "2: " + aToday1 + " " + aToday2},
			{alice, []string{"due", "overdue"}, "1: " + aOverdue},
			{alice, []string{"due", "upcoming"}, "1: " + aLater},
			{bob, []string{"due", "overdue"}, "1: " + bOverdue},
			{manager, []string{"due", "overdue"}, "2: " + bOverdue + " " + aOverdue},
			{manager, []string{"due", "overdue", "author_id", strconv.FormatUint(alice.id, 10)}, "1: " + aOverdue},
			{alice, []string{"due", "overdue", "author_id", strconv.FormatUint(bob.id, 10)}, "0:"},
			{manager, []string{"due", "today", "per_page", "1", "page", "2"}, "2: " + aToday2},
		}
		for _, c := range cases {
			if got := list(c.who.token, c.kv...); got != c.want {
				t.Errorf("%s %v: %s, want %s", c.who.username, c.kv, got, c.want)
			}
		}
		wantError(t, e.call(t, "GET", api+"/followup/due/", query("token", alice.token, "due", "tomorrow")), 40035, "参数不合法: due")
		wantError(t, e.call(t, "GET", api+"/followup/due/", query("token", alice.token, "author_id", "x")), 40035, "参数不合法: author_id")
		// The pool sorts and filters by the next time too.
		resp := e.call(t, "GET", api+"/patient/", query("token", manager.token, "sort_by", "nextFollowupTime", "order", "asc",
			"next_followup_time_from", strconv.FormatInt(midnight-day, 10), "count", "1"))
		wantJSON(t, resp, `{"count": 5}`)
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}
