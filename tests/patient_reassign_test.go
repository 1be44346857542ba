package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"crm/models/access"
	"crm/models/patient"
	"crm/models/staff"
)

// Bulk reassignment (POST /patient/reassign): a departing consultant's
// patients, or a list of them, move to another in one transaction, with a
// history entry each and one operation-log entry.

type reassignSetup struct {
	alice, bob, carol, manager account // carol is disabled
	alicePatients              []string
	bobPatient                 string
}

func newReassignSetup(t *testing.T, e *env) reassignSetup {
	t.Helper()
	s := reassignSetup{
		alice: e.newAccount(t, access.RoleConsultant), bob: e.newAccount(t, access.RoleConsultant),
		carol: e.newAccount(t, access.RoleConsultant), manager: e.newAccount(t, access.RoleManager),
	}
	for i := range 3 {
		s.alicePatients = append(s.alicePatients, e.createPatient(t, s.alice.token, "name", "甲"+strconv.Itoa(i),
			"add_time", strconv.Itoa(1_700_000_000+i*day), "state", strconv.Itoa(i%2*3), "doctor_id", "1"))
	}
	s.bobPatient = e.createPatient(t, s.bob.token, "name", "乙", "add_time", "1700000000", "state", "0")
	if err := e.db.Model(&staff.User{}).Where("id = ?", s.carol.id).Update("enabled", false).Error; err != nil {
		t.Fatal(err)
	}
	return s
}

func id(a account) string { return strconv.FormatUint(a.id, 10) }

func TestReassignByFilter(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		s := newReassignSetup(t, e)
		// Counted totals must follow: seal the counters over every patient.
		if err := patient.SealCounts(context.Background(), e.db, 1_800_000_000); err != nil {
			t.Fatal(err)
		}
		// Only alice's lost patients (state 3): the filter narrows the move.
		wantJSON(t, e.call(t, "POST", api+"/patient/reassign/", form("token", s.manager.token,
			"author_id", id(s.alice), "state", "3", "to_author_id", id(s.bob))), `{"moved": 1}`)
		// The rest of hers, in the camelCase spelling.
		wantJSON(t, e.call(t, "POST", api+"/patient/reassign/", jsonBody(map[string]any{"token": s.manager.token,
			"authorId": s.alice.id, "toAuthorId": s.bob.id})), `{"moved": 2}`)
		// Nothing left to move is not an error.
		wantJSON(t, e.call(t, "POST", api+"/patient/reassign/", form("token", s.manager.token,
			"author_id", id(s.alice), "to_author_id", id(s.bob))), `{"moved": 0}`)

		checkTotals(t, e, s.manager.token, []totalsCase{
			{[]string{"author_id", id(s.alice)}, "deleted_at IS NULL AND author_id = ?", []any{s.alice.id}},
			{[]string{"author_id", id(s.bob)}, "deleted_at IS NULL AND author_id = ?", []any{s.bob.id}},
			{[]string{"author_id", id(s.bob), "state", "3"}, "deleted_at IS NULL AND author_id = ? AND state = 3", []any{s.bob.id}},
			{[]string{"doctor_id", "1", "author_id", id(s.bob)}, "deleted_at IS NULL AND doctor_id = 1 AND author_id = ?", []any{s.bob.id}},
		})
		checkTotals(t, e, s.bob.token, []totalsCase{
			{nil, "deleted_at IS NULL AND author_id = ?", []any{s.bob.id}},
			{[]string{"q", "甲"}, "deleted_at IS NULL AND author_id = ? AND name LIKE '甲%'", []any{s.bob.id}},
		})
		checkTotals(t, e, s.alice.token, []totalsCase{
			{[]string{"q", "甲"}, "1 = 0", nil},
		})

		// Each patient's history says who moved it from whom.
		history := e.call(t, "GET", api+"/patient/"+s.alicePatients[0]+"/history/", query("token", s.manager.token))
		newest := field(t, history, "history").([]any)[0].(map[string]any)
		want := fmt.Sprintf(`{"action": "reassign", "username": %q, "changes": [{"field": "authorId", "from": "%d", "to": "%d"}]}`,
			s.manager.username, s.alice.id, s.bob.id)
		got := map[string]any{"action": newest["action"], "username": newest["username"], "changes": newest["changes"]}
		if !sameJSON(t, got, want) {
			t.Errorf("history %v, want %s", got, want)
		}
		// One log entry a reassignment that moved any.
		var lines []string
		for _, en := range readLog(t, e, e.admin(t).token, "action", "patient.reassign") {
			summary, _ := json.Marshal(en.Summary)
			lines = append(lines, en.Username+" "+string(summary))
		}
		m := s.manager.username
		wantLines := []string{
			fmt.Sprintf(`%s {"count":2,"filter":{"author_id":%d},"to":%d}`, m, s.alice.id, s.bob.id),
			fmt.Sprintf(`%s {"count":1,"filter":{"author_id":%d,"state":3},"to":%d}`, m, s.alice.id, s.bob.id),
		}
		if strings.Join(lines, "\n") != strings.Join(wantLines, "\n") {
			t.Errorf("log:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(wantLines, "\n"))
		}
	})
}

func TestReassignByIDs(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		s := newReassignSetup(t, e)
		ids := s.alicePatients[0] + "," + s.bobPatient
		wantJSON(t, e.call(t, "POST", api+"/patient/reassign/", form("token", s.manager.token, "ids", ids,
			"to_author_id", id(s.alice))), `{"moved": 1}`) // alice already has the first
		wantJSON(t, e.call(t, "GET", api+"/patient/", query("token", s.alice.token, "count", "1")), `{"count": 4}`)
		wantJSON(t, e.call(t, "GET", api+"/patient/", query("token", s.bob.token, "count", "1")), `{"count": 0}`)
	})
}

func TestReassignRefusals(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		s := newReassignSetup(t, e)
		e.customRole(t, "own_mover", access.PermPatientList, access.PermPatientReassign)
		mover := e.newAccount(t, "own_mover")
		m := s.manager.token
		path := api + "/patient/reassign/"
		cases := []struct {
			name    string
			token   string
			kv      []string
			code    int
			message string
		}{
			{"no target", m, []string{"author_id", id(s.alice)}, 44001, "缺少参数: to_author_id"},
			{"target text", m, []string{"author_id", id(s.alice), "to_author_id", "bob"}, 40035, "参数不合法: to_author_id"},
			{"unknown target", m, []string{"author_id", id(s.alice), "to_author_id", "999"}, 40035, "参数不合法: to_author_id"},
			{"disabled target", m, []string{"author_id", id(s.alice), "to_author_id", id(s.carol)}, 40035, "参数不合法: to_author_id"},
			{"no source", m, []string{"to_author_id", id(s.bob)}, 44001, "缺少参数: author_id"},
			{"bad ids", m, []string{"ids", "1,x", "to_author_id", id(s.bob)}, 40035, "参数不合法: ids"},
			{"blank ids", m, []string{"ids", "", "to_author_id", id(s.bob)}, 44001, "缺少参数: ids"},
			{"unknown id", m, []string{"ids", s.alicePatients[0] + ",999", "to_author_id", id(s.bob)}, 46001, ""},
			{"a consultant", s.alice.token, []string{"author_id", id(s.alice), "to_author_id", id(s.bob)}, 48001, ""},
			// Someone who may reassign only what it sees cannot take bob's.
			{"someone else's", mover.token, []string{"ids", s.bobPatient, "to_author_id", id(s.alice)}, 46001, ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				resp := e.call(t, "POST", path, form(append([]string{"token", c.token}, c.kv...)...))
				if c.message != "" {
					wantError(t, resp, c.code, c.message)
				} else {
					wantCode(t, resp, c.code)
				}
			})
		}
		// Nothing moved.
		wantJSON(t, e.call(t, "GET", api+"/patient/", query("token", s.alice.token, "count", "1")), `{"count": 3}`)
		wantJSON(t, e.call(t, "GET", api+"/patient/", query("token", s.bob.token, "count", "1")), `{"count": 1}`)
		if n := count(t, e.db, "op_log", "action = ?", "patient.reassign"); n != 0 {
			t.Errorf("%d log entries", n)
		}
	})
}
