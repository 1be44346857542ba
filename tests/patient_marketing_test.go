package tests

import (
	"fmt"
	"reflect"
	"slices"
	"testing"

	"crm/models/access"
)

// The paid-search attribution of a patient: keyword (关键词) and landing
// page (页面url), written in either spelling, shown, recorded in history,
// filtered (the keyword exactly, the page by its beginning) and exported.

func TestMarketingFieldsRoundTrip(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		alice := e.newAccount(t, access.RoleConsultant)
		resp := e.call(t, "POST", api+"/patient/", jsonBody(map[string]any{"token": alice.token, "name": "张三",
			"add_time": 1_700_000_000, "state": 0, "keyword": "温州 男科医院", "landingPage": "https://m.example.com/nk/?from=baidu"}))
		wantPatient(t, resp, "newPatient", map[string]any{"id": "1", "name": "张三", "addTime": 1_700_000_000,
			"authorId": alice.id, "state": 0, "keyword": "温州 男科医院", "landingPage": "https://m.example.com/nk/?from=baidu"})

		// Edited in the other spelling, cleared by a blank value.
		resp = e.call(t, "PATCH", api+"/patient/1", form("token", alice.token, "keyword", "温州前列腺", "landing_page", ""))
		wantPatient(t, resp, "patient", map[string]any{"id": "1", "name": "张三", "addTime": 1_700_000_000,
			"authorId": alice.id, "state": 0, "keyword": "温州前列腺"})
		history := e.call(t, "GET", api+"/patient/1/history/", query("token", alice.token))
		entries := field(t, history, "history").([]any)
		wantChanges := `[{"field": "keyword", "from": "温州 男科医院", "to": "温州前列腺"},` +
			`{"field": "landingPage", "from": "https://m.example.com/nk/?from=baidu", "to": null}]`
		if got := entries[0].(map[string]any)["changes"]; !sameJSON(t, got, wantChanges) {
			t.Errorf("history changes %v, want %s", got, wantChanges)
		}
	})
}

func TestMarketingFilters(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		alice := e.newAccount(t, access.RoleConsultant)
		bob := e.newAccount(t, access.RoleConsultant)
		manager := e.newAccount(t, access.RoleManager)
		mk := func(token, keyword, page string) string {
			kv := []string{"name", "p", "add_time", "1700000000", "state", "0"}
			if keyword != "" {
				kv = append(kv, "keyword", keyword)
			}
			if page != "" {
				kv = append(kv, "landing_page", page)
			}
			return e.createPatient(t, token, kv...)
		}
		a1 := mk(alice.token, "男科", "https://a.example.com/nk/1.html")
		a2 := mk(alice.token, "男科医院", "https://a.example.com/fk/")
		b1 := mk(bob.token, "男科", "https://a.example.com/nk/2.html")
		mk(alice.token, "", "")
		ids := func(token string, kv ...string) []string {
			t.Helper()
			resp := e.call(t, "GET", api+"/patient/", query(append([]string{"token", token, "sort_by", "id", "order", "asc"}, kv...)...))
			var out []string
			for _, p := range field(t, resp, "patient_data").([]any) {
				out = append(out, p.(map[string]any)["id"].(string))
			}
			return out
		}
		cases := []struct {
			who   account
			query []string
			want  []string
		}{
			{manager, []string{"keyword", "男科"}, []string{a1, b1}}, // exactly: not 男科医院
			{alice, []string{"keyword", "男科"}, []string{a1}},       // her own only
			{manager, []string{"landing_page", "https://a.example.com/nk/"}, []string{a1, b1}},
			{manager, []string{"landingPage", "https://a.example.com/"}, []string{a1, a2, b1}},
			{manager, []string{"landing_page", "https://a.example.com/n_"}, nil}, // no wildcards
			{manager, []string{"landing_page", "%"}, nil},
			{bob, []string{"keyword", "男科医院"}, nil},
			{manager, []string{"keyword", "男科", "landing_page", "https://a.example.com/nk/2"}, []string{b1}},
		}
		for _, c := range cases {
			if got := ids(c.who.token, c.query...); !slices.Equal(got, c.want) {
				t.Errorf("%s %v: %v, want %v", c.who.username, c.query, got, c.want)
			}
			count := e.call(t, "GET", api+"/patient/", query(append([]string{"token", c.who.token, "count", "1"}, c.query...)...))
			if got := fmt.Sprint(field(t, count, "count")); got != fmt.Sprint(len(c.want)) {
				t.Errorf("%s %v: count %v, want %d", c.who.username, c.query, got, len(c.want))
			}
		}
		wantError(t, e.call(t, "GET", api+"/patient/", query("token", manager.token, "keyword", "温州\n男科")), 40035, "参数不合法: keyword")
		rows := readCSV(t, e.call(t, "GET", api+"/patient/export/", query("token", manager.token, "keyword", "男科医院")))
		if len(rows) != 2 || rows[1][19] != "男科医院" || rows[1][20] != "https://a.example.com/fk/" {
			t.Errorf("export: %v", rows)
		}
	})
}

// sameJSON reports whether got (decoded JSON) is the JSON text want.
func sameJSON(t *testing.T, got any, want string) bool {
	t.Helper()
	return reflect.DeepEqual(got, decodeJSON(t, []byte(want)))
}
