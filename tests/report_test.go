package tests

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"crm/config"
	"crm/models/access"
)

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

var shanghai = mustLocation("Asia/Shanghai")

func mustLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// at is unix seconds of a local time in loc, as a parameter.
func at(loc *time.Location, y int, m time.Month, d, hh, mm int) string {
	return strconv.FormatInt(time.Date(y, m, d, hh, mm, 0, 0, loc).Unix(), 10)
}

// reportData registers the known set: alice and bob, consultants, and
// their patients around the end of October and November (clinic time).
type reportData struct {
	alice, bob, manager account
	binned              string
}

func newReportData(t *testing.T, e *env, loc *time.Location) reportData {
	t.Helper()
	d := reportData{
		alice:   e.newAccount(t, access.RoleConsultant),
		bob:     e.newAccount(t, access.RoleConsultant),
		manager: e.newAccount(t, access.RoleManager),
	}
	add := func(author account, kv ...string) string {
		kv = append(kv, "author_id", strconv.FormatUint(author.id, 10))
		return e.createPatient(t, d.manager.token, append([]string{"name", "p"}, kv...)...)
	}
	// P1: 23:30 on the last day of October, local time.
	add(d.alice, "add_time", at(loc, 2026, 10, 31, 23, 30), "state", "0", "media_from_id", "1", "area", "温州")
	// P2: ten past midnight on November 1st: still October 31st in UTC.
	add(d.alice, "add_time", at(loc, 2026, 11, 1, 0, 10), "state", "1", "order_time", at(loc, 2026, 11, 3, 10, 0), "media_from_id", "1", "area", "温州")
	// P3: booked and arrived.
	add(d.bob, "add_time", at(loc, 2026, 11, 1, 9, 0), "state", "2", "order_time", at(loc, 2026, 11, 2, 14, 0),
		"reach_time", at(loc, 2026, 11, 2, 15, 0), "media_from_id", "2", "doctor_id", "1")
	// P4: lost, no channel.
	add(d.bob, "add_time", at(loc, 2026, 11, 15, 12, 0), "state", "3")
	// P5: 23:30 on the last day of November; arrives in December.
	add(d.alice, "add_time", at(loc, 2026, 11, 30, 23, 30), "state", "2", "order_time", at(loc, 2026, 12, 1, 9, 0),
		"reach_time", at(loc, 2026, 12, 1, 10, 0), "media_from_id", "2", "doctor_id", "1")
	// P6: half past midnight on December 1st.
	add(d.bob, "add_time", at(loc, 2026, 12, 1, 0, 30), "state", "0", "media_from_id", "3")
	// P7: in the recycle bin: counted nowhere.
	d.binned = add(d.alice, "add_time", at(loc, 2026, 11, 10, 10, 0), "state", "2", "media_from_id", "1")
	e.call(t, "DELETE", api+"/patient/"+d.binned, form("token", d.manager.token))
	return d
}

type reportBody struct {
	Report struct {
		From, To, Group, DateField, Timezone string
		By                                   *string
		Groups                               []struct {
			ID   *string
			Name string
		}
		Periods []struct {
			Key, Start, End string
			Total           funnel
			Groups          []struct {
				ID   *string
				Name string
				funnel
			}
		}
	}
}

type funnel struct {
	Registered, Booked, Arrived, Lost int64
	ArrivalRate                       float64
}

func (f funnel) String() string {
	return fmt.Sprintf("%d/%d/%d/%d/%g", f.Registered, f.Booked, f.Arrived, f.Lost, f.ArrivalRate)
}

func readReport(t *testing.T, e *env, token string, kv ...string) reportBody {
	t.Helper()
	resp := e.call(t, "GET", api+"/report/", query(append([]string{"token", token}, kv...)...))
	var body reportBody
	if err := json.Unmarshal(resp.body, &body); err != nil || strings.Contains(string(resp.body), "stateCode") {
		t.Fatalf("report: %s", resp.body)
	}
	return body
}

// The exact report for a whole quarter, by month and author.
func TestReportByMonthAndAuthorExact(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		d := newReportData(t, e, shanghai)
		resp := e.call(t, "GET", api+"/report/", query("token", d.manager.token, "from", "2026-10-01", "to", "2026-12-31",
			"group", "month", "by", "author"))
		alice, bob := strconv.FormatUint(d.alice.id, 10), strconv.FormatUint(d.bob.id, 10)
		cell := func(id, name string, r, b, a, l int, rate float64) string {
			return fmt.Sprintf(`{"id": %q, "name": %q, "registered": %d, "booked": %d, "arrived": %d, "lost": %d, "arrivalRate": %g}`, id, name, r, b, a, l, rate)
		}
		total := func(r, b, a, l int, rate float64) string {
			return fmt.Sprintf(`{"registered": %d, "booked": %d, "arrived": %d, "lost": %d, "arrivalRate": %g}`, r, b, a, l, rate)
		}
		period := func(key string, start, end time.Time, tot string, cells ...string) string {
			return fmt.Sprintf(`{"key": %q, "start": "%d", "end": "%d", "total": %s, "groups": [%s]}`,
				key, start.Unix(), end.Unix(), tot, strings.Join(cells, ","))
		}
		day := func(m time.Month, dd int) time.Time { return time.Date(2026, m, dd, 0, 0, 0, 0, shanghai) }
		want := fmt.Sprintf(`{"report": {"from": "2026-10-01", "to": "2026-12-31", "group": "month", "by": "author",
			"dateField": "add_time", "timezone": "Asia/Shanghai",
			"groups": [{"id": %q, "name": %q}, {"id": %q, "name": %q}],
			"periods": [%s, %s, %s]}}`,
			alice, d.alice.username, bob, d.bob.username,
			period("2026-10", day(10, 1), day(11, 1), total(1, 0, 0, 0, 0),
				cell(alice, d.alice.username, 1, 0, 0, 0, 0), cell(bob, d.bob.username, 0, 0, 0, 0, 0)),
			period("2026-11", day(11, 1), day(12, 1), total(4, 3, 2, 1, 0.6667),
				cell(alice, d.alice.username, 2, 2, 1, 0, 0.5), cell(bob, d.bob.username, 2, 1, 1, 1, 1)),
			period("2026-12", day(12, 1), time.Date(2027, 1, 1, 0, 0, 0, 0, shanghai), total(1, 0, 0, 0, 0),
				cell(alice, d.alice.username, 0, 0, 0, 0, 0), cell(bob, d.bob.username, 1, 0, 0, 0, 0)))
		wantJSON(t, resp, want)
	})
}

func TestReportByDayAndMediaWithTimeZoneEdges(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		d := newReportData(t, e, shanghai)
		r := readReport(t, e, d.manager.token, "from", "2026-11-01", "to", "2026-11-30", "by", "media")
		if len(r.Report.Periods) != 30 || r.Report.Periods[0].Key != "2026-11-01" || r.Report.Periods[29].Key != "2026-11-30" {
			t.Fatalf("periods: %d", len(r.Report.Periods))
		}
		groups := ""
		for _, g := range r.Report.Groups {
			id := "null"
			if g.ID != nil {
				id = *g.ID
			}
			groups += id + ":" + g.Name + " "
		}
		if groups != "1:百度 2:搜狗 null:未指定 " {
			t.Errorf("groups %q", groups)
		}
		byDay := map[string]string{}
		for _, p := range r.Report.Periods {
			cells := p.Total.String()
			for _, g := range p.Groups {
				cells += " " + g.funnel.String()
			}
			byDay[p.Key] = cells
		}
		// Ten past midnight on the 1st is the 1st here, whatever UTC says;
		// 23:30 on the 30th is the 30th; empty days are zeros.
		for key, want := range map[string]string{
			"2026-11-01": "2/2/1/0/0.5 1/1/0/0/0 1/1/1/0/1 0/0/0/0/0",
			"2026-11-15": "1/0/0/1/0 0/0/0/0/0 0/0/0/0/0 1/0/0/1/0",
			"2026-11-30": "1/1/1/0/1 0/0/0/0/0 1/1/1/0/1 0/0/0/0/0",
			"2026-11-10": "0/0/0/0/0 0/0/0/0/0 0/0/0/0/0 0/0/0/0/0", // the binned patient is not counted
			"2026-11-02": "0/0/0/0/0 0/0/0/0/0 0/0/0/0/0 0/0/0/0/0",
		} {
			if byDay[key] != want {
				t.Errorf("%s: %s, want %s", key, byDay[key], want)
			}
		}
		// Totals only, by arrival date.
		r = readReport(t, e, d.manager.token, "from", "2026-11-01", "to", "2026-12-31", "group", "month", "date_field", "reach_time")
		if got := r.Report.Periods[0].Total.String() + " " + r.Report.Periods[1].Total.String(); got != "1/1/1/0/1 1/1/1/0/1" {
			t.Errorf("by reach time: %s", got)
		}
		if r.Report.By != nil || len(r.Report.Groups) != 0 || len(r.Report.Periods[0].Groups) != 0 {
			t.Errorf("without by there are no groups")
		}
		// ISO weeks, clipped to the range: Sunday the 1st is in week 44.
		r = readReport(t, e, d.manager.token, "from", "2026-11-01", "to", "2026-11-30", "group", "week")
		var keys []string
		for _, p := range r.Report.Periods {
			keys = append(keys, p.Key+"="+p.Total.String())
		}
		if got := strings.Join(keys, " "); got != "2026-W44=2/2/1/0/0.5 2026-W45=0/0/0/0/0 2026-W46=1/0/0/1/0 2026-W47=0/0/0/0/0 2026-W48=0/0/0/0/0 2026-W49=1/1/1/0/1" {
			t.Errorf("weeks: %s", got)
		}
		// The list's filters apply.
		r = readReport(t, e, d.manager.token, "from", "2026-11-01", "to", "2026-11-30", "group", "year", "state", "2", "by", "doctor")
		if got := r.Report.Periods[0].Key + " " + r.Report.Periods[0].Total.String() + " " + r.Report.Groups[0].Name; got != "2026 2/2/2/0/1 张明" {
			t.Errorf("filtered: %s", got)
		}
	})
}

// The same data in a UTC clinic: the patient added just after midnight in
// Shanghai is on October 31st there.
func TestReportFollowsTheClinicTimeZone(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		d := newReportData(t, e, shanghai)
		r := readReport(t, e, d.manager.token, "from", "2026-10-31", "to", "2026-11-01")
		if r.Report.Timezone != "UTC" || r.Report.Periods[0].Total.Registered != 2 || r.Report.Periods[1].Total.Registered != 1 {
			t.Errorf("UTC: %+v", r.Report.Periods)
		}
	}, func(c *config.Config) { c.Clinic.TimeZone = "UTC" })
}

// A zone with daylight saving: New York leaves it on 2026-11-01, a 25-hour
// day. Days are still its calendar days.
func TestReportAcrossDaylightSaving(t *testing.T) {
	t.Parallel()
	ny := mustLocation("America/New_York")
	eachDB(t, func(t *testing.T, e *env) {
		manager := e.newAccount(t, access.RoleManager)
		for _, when := range []string{
			at(ny, 2026, 10, 31, 23, 30), // before the change
			at(ny, 2026, 11, 1, 0, 30),   // the long day starts
			at(ny, 2026, 11, 1, 23, 30),  // and ends after 25 hours
			at(ny, 2026, 11, 2, 0, 15),
		} {
			e.createPatient(t, manager.token, "name", "p", "add_time", when, "state", "0")
		}
		r := readReport(t, e, manager.token, "from", "2026-10-31", "to", "2026-11-02")
		var got []string
		for _, p := range r.Report.Periods {
			start, _ := strconv.ParseInt(p.Start, 10, 64)
			end, _ := strconv.ParseInt(p.End, 10, 64)
			got = append(got, fmt.Sprintf("%s:%d:%dh", p.Key, p.Total.Registered, (end-start)/3600))
		}
		if strings.Join(got, " ") != "2026-10-31:1:24h 2026-11-01:2:25h 2026-11-02:1:24h" {
			t.Errorf("days: %v", got)
		}
	}, func(c *config.Config) { c.Clinic.TimeZone = "America/New_York" })
}

func TestReportScopeAndPermissions(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		d := newReportData(t, e, shanghai)
		// A role with reports but only its own patients counts only those.
		e.customRole(t, "own_reports", access.PermPatientList, access.PermReportView)
		own := e.newAccount(t, "own_reports")
		r := readReport(t, e, own.token, "from", "2026-11-01", "to", "2026-11-30", "group", "month")
		if r.Report.Periods[0].Total.Registered != 0 {
			t.Errorf("own scope: %v", r.Report.Periods[0].Total)
		}
		wantError(t, e.call(t, "GET", api+"/report/", query("token", d.alice.token, "from", "2026-11-01", "to", "2026-11-30")), 48001, "用户没有权限")
		wantError(t, e.call(t, "GET", api+"/report/", query("from", "2026-11-01", "to", "2026-11-30")), 41001, "缺少token参数")
		m := d.manager.token
		for _, c := range []struct {
			kv      []string
			code    int
			message string
		}{
			{[]string{"to", "2026-11-30"}, 44001, "缺少参数: from"},
			{[]string{"from", "2026-11-01"}, 44001, "缺少参数: to"},
			{[]string{"from", "2026-13-01", "to", "2026-11-30"}, 40035, "参数不合法: from"},
			{[]string{"from", "yesterday", "to", "2026-11-30"}, 40035, "参数不合法: from"},
			{[]string{"from", "2026-11-30", "to", "2026-11-01"}, 40035, "参数不合法: to"},
			{[]string{"from", "2025-01-01", "to", "2026-11-30"}, 40035, "参数不合法: to"}, // 699 days
			{[]string{"from", "2026-11-01", "to", "2026-11-30", "group", "hour"}, 40035, "参数不合法: group"},
			{[]string{"from", "2026-11-01", "to", "2026-11-30", "by", "tel"}, 40035, "参数不合法: by"},
			{[]string{"from", "2026-11-01", "to", "2026-11-30", "date_field", "created_at"}, 40035, "参数不合法: date_field"},
			{[]string{"from", "2026-11-01", "to", "2026-11-30", "state", "7"}, 40035, "参数不合法: state"},
		} {
			wantError(t, e.call(t, "GET", api+"/report/", query(append([]string{"token", m}, c.kv...)...)), c.code, c.message)
		}
		// Unix seconds are dates too.
		r = readReport(t, e, m, "from", at(shanghai, 2026, 11, 1, 12, 0), "to", at(shanghai, 2026, 11, 1, 13, 0))
		if r.Report.From != "2026-11-01" || r.Report.To != "2026-11-01" || r.Report.Periods[0].Total.Registered != 2 {
			t.Errorf("unix dates: %+v", r.Report)
		}
	})
}

func TestDashboard(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		// Tuesday 2026-11-24, 15:00 in Shanghai.
		e.clock.Set(time.Date(2026, 11, 24, 15, 0, 0, 0, shanghai))
		alice := e.newAccount(t, access.RoleConsultant)
		manager := e.newAccount(t, access.RoleManager)
		mine := func(kv ...string) {
			e.createPatient(t, manager.token, append([]string{"name", "p", "author_id", strconv.FormatUint(alice.id, 10)}, kv...)...)
		}
		mine("add_time", at(shanghai, 2026, 11, 24, 9, 0), "state", "1", "order_time", at(shanghai, 2026, 11, 24, 16, 0))   // today, booked for today
		mine("add_time", at(shanghai, 2026, 11, 24, 0, 5), "state", "3")                                                    // today, lost
		mine("add_time", at(shanghai, 2026, 11, 23, 23, 59), "state", "2", "order_time", at(shanghai, 2026, 11, 24, 10, 0), // Monday; booked for today
			"reach_time", at(shanghai, 2026, 11, 24, 10, 30)) // arrived today
		mine("add_time", at(shanghai, 2026, 11, 20, 10, 0), "state", "2", "order_time", at(shanghai, 2026, 11, 21, 9, 0), // last week
			"reach_time", at(shanghai, 2026, 11, 21, 9, 30))
		mine("add_time", at(shanghai, 2026, 11, 2, 10, 0), "state", "0")   // this month
		mine("add_time", at(shanghai, 2026, 10, 31, 23, 30), "state", "3") // last month, lost
		e.createPatient(t, manager.token, "name", "manager's own", "add_time", at(shanghai, 2026, 11, 24, 11, 0), "state", "0")

		window := func(key string, start, end time.Time, r, b, a, l int, rate float64) string {
			return fmt.Sprintf(`"key": %q, "start": "%d", "end": "%d", "registered": %d, "booked": %d, "arrived": %d, "lost": %d, "arrivalRate": %g`,
				key, start.Unix(), end.Unix(), r, b, a, l, rate)
		}
		day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, shanghai) }
		want := fmt.Sprintf(`{"dashboard": {"timezone": "Asia/Shanghai", "now": "%d",
			"today": {%s, "previous": {%s}},
			"week": {%s, "previous": {%s}},
			"month": {%s, "previous": {%s}},
			"book": {"booked": 1, "arrived": 0, "noShow": 0, "open": 1, "cancelled": 0, "arrivalRate": 0}}}`, e.clock.Now().Unix(),
			window("2026-11-24", day(11, 24), day(11, 25), 2, 2, 1, 1, 0.5), window("2026-11-23", day(11, 23), day(11, 24), 1, 0, 0, 0, 0),
			window("2026-W48", day(11, 23), day(11, 30), 3, 2, 1, 1, 0.5), window("2026-W47", day(11, 16), day(11, 23), 1, 1, 1, 0, 1),
			window("2026-11", day(11, 1), day(12, 1), 5, 3, 2, 1, 0.6667), window("2026-10", day(10, 1), day(11, 1), 1, 0, 0, 1, 0))
		// A consultant's dashboard covers its own patients only.
		wantJSON(t, e.call(t, "GET", api+"/dashboard/", query("token", alice.token)), want)
		resp := e.call(t, "GET", api+"/dashboard", bearer(manager.token))
		var body struct{ Dashboard struct{ Today funnel } }
		_ = json.Unmarshal(resp.body, &body)
		if body.Dashboard.Today.Registered != 3 {
			t.Errorf("the manager sees everyone: %s", resp.body)
		}
		e.customRole(t, "registrar", access.PermPatientCreate)
		wantError(t, e.call(t, "GET", api+"/dashboard/", query("token", e.newAccount(t, "registrar").token)), 48001, "用户没有权限")
	})
}

func TestRanking(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		d := newReportData(t, e, shanghai)
		carol := e.newAccount(t, access.RoleConsultant) // no patients: still ranked
		ranks := func(kv ...string) string {
			resp := e.call(t, "GET", api+"/rank/", query(append([]string{"token", d.manager.token}, kv...)...))
			var body struct {
				Type, Period string
				Range        struct{ Key string }
				RankData     []struct {
					Rank     int
					Username string
					funnel
				} `json:"rank_data"`
			}
			if err := json.Unmarshal(resp.body, &body); err != nil || strings.Contains(string(resp.body), "stateCode") {
				t.Fatalf("rank: %s", resp.body)
			}
			out := body.Type + " " + body.Period + " " + body.Range.Key + ":"
			for _, r := range body.RankData {
				out += fmt.Sprintf(" %d.%s=%s", r.Rank, r.Username, r.funnel)
			}
			return out
		}
		a, b, c := d.alice.username, d.bob.username, carol.username
		for _, tc := range []struct {
			kv   []string
			want string
		}{
			{[]string{"date", "2026-11"}, fmt.Sprintf("registered month 2026-11: 1.%s=2/2/1/0/0.5 1.%s=2/1/1/1/1 3.%s=0/0/0/0/0", a, b, c)},
			{[]string{"type", "rate", "date", "2026-11-15"}, fmt.Sprintf("rate month 2026-11: 1.%s=2/1/1/1/1 2.%s=2/2/1/0/0.5 3.%s=0/0/0/0/0", b, a, c)},
			{[]string{"type", "lost", "period", "week", "date", "2026-W46"}, fmt.Sprintf("lost week 2026-W46: 1.%s=1/0/0/1/0 2.%s=0/0/0/0/0 2.%s=0/0/0/0/0", b, a, c)},
			{[]string{"type", "arrived", "period", "year", "date", "2026"}, fmt.Sprintf("arrived year 2026: 1.%s=3/2/1/0/0.5 1.%s=3/1/1/1/1 3.%s=0/0/0/0/0", a, b, c)},
			{[]string{"period", "day", "date", "2026-12-01"}, fmt.Sprintf("registered day 2026-12-01: 1.%s=1/0/0/0/0 2.%s=0/0/0/0/0 2.%s=0/0/0/0/0", b, a, c)},
		} {
			if got := ranks(tc.kv...); got != tc.want {
				t.Errorf("%v:\n got %s\nwant %s", tc.kv, got, tc.want)
			}
		}
		for _, c := range []struct {
			kv    []string
			field string
		}{
			{[]string{"type", "speed"}, "type"},
			{[]string{"period", "decade"}, "period"},
			{[]string{"period", "month", "date", "2026-W46"}, "date"},
			{[]string{"period", "week", "date", "2026-W54"}, "date"},
		} {
			wantError(t, e.call(t, "GET", api+"/rank/", query(append([]string{"token", d.manager.token}, c.kv...)...)), 40035, "参数不合法: "+c.field)
		}
		wantError(t, e.call(t, "GET", api+"/rank/", query("token", d.alice.token)), 48001, "用户没有权限")
	})
}
