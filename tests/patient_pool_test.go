package tests

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"crm/models/access"
	"crm/models/dict"
	"crm/models/oplog"
	"crm/models/patient"
)

// The totals, deep pages and searches the derived rows of migration 0012
// answer, checked against what the patients table itself says.

const day = 86400

// sqlIDs lists patient ids straight from the table: the truth the API's
// answers are compared with.
func sqlIDs(t *testing.T, e *env, where string, order string, limit, offset int, args ...any) []string {
	t.Helper()
	var ids []uint64
	err := e.db.Unscoped().Model(&patient.Patient{}).Where(where, args...).Order(order).
		Limit(limit).Offset(offset).Pluck("id", &ids).Error
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strconv.FormatUint(id, 10)
	}
	return out
}

func sqlCount(t *testing.T, e *env, where string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := e.db.Unscoped().Model(&patient.Patient{}).Where(where, args...).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// totalsCase is a filter and the SQL condition that selects the same rows.
type totalsCase struct {
	params []string
	where  string
	args   []any
}

func checkTotals(t *testing.T, e *env, token string, cases []totalsCase) {
	t.Helper()
	for _, c := range cases {
		want := sqlCount(t, e, c.where, c.args...)
		resp := e.call(t, "GET", api+"/patient/", query(append([]string{"token", token, "count", "1"}, c.params...)...))
		wantJSON(t, resp, fmt.Sprintf(`{"count": %d}`, want))
		list := e.call(t, "GET", api+"/patient/", query(append([]string{"token", token}, c.params...)...))
		if got := fmt.Sprint(field(t, list, "count")); got != fmt.Sprint(want) {
			t.Errorf("%v: list count %s, want %d", c.params, got, want)
		}
	}
}

func TestPoolTotalsFollowEveryWrite(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		admin := e.admin(t)
		alice := e.newAccount(t, access.RoleConsultant)
		bob := e.newAccount(t, access.RoleConsultant)
		manager := e.newAccount(t, access.RoleManager)
		base := int64(1_700_000_000) // a day boundary is at 1699920000 + k·86400
		var ids []string
		for i := range 12 {
			author := []uint64{alice.id, bob.id, manager.id}[i%3]
			state := strconv.Itoa(i % 4)
			kv := []string{"name", "患者" + strconv.Itoa(i), "add_time", strconv.FormatInt(base+int64(i)*day/3, 10), "state", state,
				"author_id", strconv.FormatUint(author, 10), "doctor_id", strconv.Itoa(i % 3), "media_from_id", strconv.Itoa(1 + i%2)}
			if i%4 != 0 {
				kv = append(kv, "disease_id", strconv.Itoa(2+i%2))
			}
			if state == "1" || state == "2" {
				kv = append(kv, "order_time", strconv.FormatInt(base, 10))
			}
			ids = append(ids, e.createPatient(t, manager.token, kv...))
		}
		aliceID, bobID := strconv.FormatUint(alice.id, 10), strconv.FormatUint(bob.id, 10)
		from, to := strconv.FormatInt(base+day/2, 10), strconv.FormatInt(base+2*day+day/4, 10)
		managerCases := []totalsCase{
			{nil, "deleted_at IS NULL", nil},
			{[]string{"deleted", "1"}, "deleted_at IS NOT NULL", nil},
			{[]string{"state", "1"}, "deleted_at IS NULL AND state = 1", nil},
			{[]string{"state", "2", "deleted", "1"}, "deleted_at IS NOT NULL AND state = 2", nil},
			{[]string{"author_id", aliceID}, "deleted_at IS NULL AND author_id = ?", []any{alice.id}},
			{[]string{"author_id", bobID, "state", "0"}, "deleted_at IS NULL AND author_id = ? AND state = 0", []any{bob.id}},
			// Ranges that start and end inside a day.
			{[]string{"add_time_from", from}, "deleted_at IS NULL AND add_time >= ?", []any{from}},
			{[]string{"add_time_to", to}, "deleted_at IS NULL AND add_time <= ?", []any{to}},
			{[]string{"add_time_from", from, "add_time_to", to, "state", "3"}, "deleted_at IS NULL AND add_time BETWEEN ? AND ? AND state = 3", []any{from, to}},
			{[]string{"add_time_from", from, "add_time_to", from}, "deleted_at IS NULL AND add_time = ?", []any{from}},
			// A lone dictionary filter: totals from patient_facets.
			{[]string{"doctor_id", "1"}, "deleted_at IS NULL AND doctor_id = 1", nil},
			{[]string{"doctor_id", "0"}, "deleted_at IS NULL AND doctor_id IS NULL", nil},
			{[]string{"media_from_id", "2", "deleted", "1"}, "deleted_at IS NOT NULL AND media_from_id = 2", nil},
			{[]string{"disease_id", "0"}, "deleted_at IS NULL AND disease_id IS NULL", nil},
			{[]string{"disease_id", "3", "author_id", bobID}, "deleted_at IS NULL AND disease_id = 3 AND author_id = ?", []any{bob.id}},
			// Others are counted in the indexes.
			{[]string{"doctor_id", "2", "state", "2"}, "deleted_at IS NULL AND doctor_id = 2 AND state = 2", nil},
			{[]string{"doctor_id", "2", "media_from_id", "1"}, "deleted_at IS NULL AND doctor_id = 2 AND media_from_id = 1", nil},
		}
		aliceCases := []totalsCase{
			{nil, "deleted_at IS NULL AND author_id = ?", []any{alice.id}},
			{[]string{"state", "0"}, "deleted_at IS NULL AND author_id = ? AND state = 0", []any{alice.id}},
			{[]string{"author_id", bobID}, "1 = 0", nil},
			{[]string{"add_time_from", from}, "deleted_at IS NULL AND author_id = ? AND add_time >= ?", []any{alice.id, from}},
			{[]string{"doctor_id", "0"}, "deleted_at IS NULL AND author_id = ? AND doctor_id IS NULL", []any{alice.id}},
			{[]string{"media_from_id", "1"}, "deleted_at IS NULL AND author_id = ? AND media_from_id = 1", []any{alice.id}},
		}
		check := func(stage string) {
			t.Helper()
			t.Run(stage, func(t *testing.T) {
				checkTotals(t, e, manager.token, managerCases)
				checkTotals(t, e, alice.token, aliceCases)
			})
		}
		seal := func(before int64) {
			t.Helper()
			if err := patient.SealCounts(context.Background(), e.db, before); err != nil {
				t.Fatal(err)
			}
		}
		check("registered, nothing counted yet")
		// Half of them counted: totals add the counters and the rest.
		seal(base + 2*day)
		check("registered, half counted")

		path := func(id string) string { return api + "/patient/" + id + "/" }
		// A state change, a move to another day, a change of author.
		e.call(t, "PATCH", path(ids[0]), form("token", manager.token, "state", "3"))
		e.call(t, "PATCH", path(ids[1]), form("token", manager.token, "add_time", strconv.FormatInt(base+3*day, 10)))
		e.call(t, "PATCH", path(ids[2]), form("token", manager.token, "author_id", aliceID, "state", "0"))
		e.call(t, "PATCH", path(ids[3]), form("token", manager.token, "remarks", "no count changes"))
		e.call(t, "PATCH", path(ids[9]), form("token", manager.token, "doctor_id", "0", "disease_id", "2", "media_from_id", "1"))
		// A patient moved from the counted days to after the seal, and back.
		e.call(t, "PATCH", path(ids[10]), form("token", manager.token, "add_time", strconv.FormatInt(base+day/2, 10)))
		e.call(t, "PATCH", path(ids[0]), form("token", manager.token, "add_time", strconv.FormatInt(base+3*day, 10)))
		check("edited")

		for _, id := range ids[4:8] {
			wantJSON(t, e.call(t, "DELETE", path(id), form("token", manager.token)), `{"deleted": true}`)
		}
		e.call(t, "POST", path(ids[4])+"restore", form("token", manager.token))
		wantJSON(t, e.call(t, "DELETE", path(ids[5])+"purge", form("token", admin.token)), `{"purged": true}`)
		wantJSON(t, e.call(t, "DELETE", path(ids[11]), form("token", manager.token)), `{"deleted": true}`)
		wantJSON(t, e.call(t, "DELETE", path(ids[11])+"purge", form("token", admin.token)), `{"purged": true}`)
		check("binned, restored and purged")
		seal(base + 5*day)
		check("all counted")

		// What the writes kept is what a rebuild from scratch computes.
		before := derivedRows(t, e.db)
		if _, err := patient.RebuildDerived(context.Background(), e.db); err != nil {
			t.Fatal(err)
		}
		if after := derivedRows(t, e.db); after != before {
			t.Errorf("derived rows drifted from the patients:\nkept:    %s\nrebuilt: %s", before, after)
		}
	})
}

// derivedRows prints the derived tables in key order, counts of zero left out.
func derivedRows(t *testing.T, db *gorm.DB) string {
	t.Helper()
	var counts, facets []string
	countsSQL := "SELECT deleted || '/' || author_id || '/' || state || '/' || span || '/' || bucket || '=' || n FROM patient_counts WHERE n <> 0 ORDER BY deleted, author_id, state, span, bucket"
	facetsSQL := "SELECT deleted || '/' || facet || '/' || value || '/' || author_id || '=' || n FROM patient_facets WHERE n <> 0 ORDER BY deleted, facet, value, author_id"
	if db.Dialector.Name() == "mysql" {
		countsSQL = "SELECT CONCAT(deleted, '/', author_id, '/', state, '/', span, '/', bucket, '=', n) FROM patient_counts WHERE n <> 0 ORDER BY deleted, author_id, state, span, bucket"
		facetsSQL = "SELECT CONCAT(deleted, '/', facet, '/', value, '/', author_id, '=', n) FROM patient_facets WHERE n <> 0 ORDER BY deleted, facet, value, author_id"
	}
	if err := db.Raw(countsSQL).Scan(&counts).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Raw(facetsSQL).Scan(&facets).Error; err != nil {
		t.Fatal(err)
	}
	var terms []struct {
		Term      string
		Deleted   bool
		AddTime   int64
		PatientID uint64
		AuthorID  uint64
	}
	if err := db.Table("patient_terms").Order("patient_id, term").Find(&terms).Error; err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("counts %v facets %v terms %v", counts, facets, terms)
}

func TestDeepPagesMatchTheOrder(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		manager := e.newAccount(t, access.RoleManager)
		alice := e.newAccount(t, access.RoleConsultant)
		bob := e.newAccount(t, access.RoleConsultant)
		// 3,000 patients over 40 days, several per second at times (ties
		// broken by id), 1 in 50 in the bin: enough for pages past the
		// point where the counts per day locate the page.
		rng := rand.New(rand.NewPCG(1, 2))
		start := int64(1_700_000_000)
		var patients []patient.Patient
		for i := range 3000 {
			p := patient.Patient{Name: "患者" + strconv.Itoa(i), AddTime: start + rng.Int64N(40*day)/7*7,
				AuthorID: []uint64{alice.id, bob.id, manager.id}[rng.IntN(3)], State: int8(rng.IntN(4)),
				CreatedAt: time.Now(), UpdatedAt: time.Now()}
			if i%50 == 0 {
				p.DeletedAt = gorm.DeletedAt{Time: time.Now(), Valid: true}
			}
			patients = append(patients, p)
		}
		if err := e.db.Transaction(func(tx *gorm.DB) error { return patient.InsertPatients(tx, patients) }); err != nil {
			t.Fatal(err)
		}
		// Counted up to the middle of day 20; the rest from the indexes.
		if err := patient.SealCounts(context.Background(), e.db, start+20*day+day/2); err != nil {
			t.Fatal(err)
		}
		from, to := start+5*day+day/3, start+33*day+day/2
		for _, c := range []struct {
			token  string
			params []string
			where  string
			args   []any
		}{
			{manager.token, nil, "deleted_at IS NULL", nil},
			{manager.token, []string{"state", "2"}, "deleted_at IS NULL AND state = 2", nil},
			{manager.token, []string{"author_id", strconv.FormatUint(bob.id, 10)}, "deleted_at IS NULL AND author_id = ?", []any{bob.id}},
			{manager.token, []string{"add_time_from", fmt.Sprint(from), "add_time_to", fmt.Sprint(to)}, "deleted_at IS NULL AND add_time BETWEEN ? AND ?", []any{from, to}},
			{alice.token, nil, "deleted_at IS NULL AND author_id = ?", []any{alice.id}},
			{manager.token, []string{"deleted", "1"}, "deleted_at IS NOT NULL", nil},
		} {
			for _, order := range []string{"desc", "asc"} {
				sqlOrder := "add_time " + order + ", id " + order
				total := sqlCount(t, e, c.where, c.args...)
				for _, page := range []int{1, 2, 34, 35, 50, 60, 80, int(total)/30 + 1, int(total)/30 + 2} {
					params := append([]string{"token", c.token, "order", order, "page", strconv.Itoa(page)}, c.params...)
					resp := e.call(t, "GET", api+"/patient/", query(params...))
					want := sqlIDs(t, e, c.where, sqlOrder, 30, (page-1)*30, c.args...)
					if got := listIDs(t, resp); strings.Join(got, ",") != strings.Join(want, ",") {
						t.Errorf("%v %s page %d: %v, want %v", c.params, order, page, got, want)
					}
					if got := fmt.Sprint(field(t, resp, "count")); got != fmt.Sprint(total) {
						t.Errorf("%v page %d: count %s, want %d", c.params, page, got, total)
					}
				}
			}
		}
		// Every sort column walks its index in the same order as the table sorts.
		for _, column := range []string{"id", "name", "sex", "age", "order_time", "reach_time", "state", "author_id",
			"doctor_id", "disease_id", "media_from_id"} {
			for _, order := range []string{"asc", "desc"} {
				sqlOrder := column + " " + order + ", add_time " + order + ", id " + order
				if column == "id" {
					sqlOrder = "id " + order
				}
				for _, page := range []int{1, 40} {
					resp := e.call(t, "GET", api+"/patient/", query("token", manager.token, "sort_by", column, "order", order, "page", strconv.Itoa(page)))
					want := sqlIDs(t, e, "deleted_at IS NULL", sqlOrder, 30, (page-1)*30)
					if got := listIDs(t, resp); strings.Join(got, ",") != strings.Join(want, ",") {
						t.Errorf("sort %s %s page %d: %v, want %v", column, order, page, got, want)
					}
				}
			}
		}
	})
}

func TestSearchFollowsNameChanges(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		admin := e.admin(t)
		alice := e.newAccount(t, access.RoleConsultant)
		manager := e.newAccount(t, access.RoleManager)
		search := func(token, q string, extra ...string) []string {
			return listIDs(t, e.call(t, "GET", api+"/patient/", query(append([]string{"token", token, "q", q}, extra...)...)))
		}
		count := func(token, q string, extra ...string) string {
			return fmt.Sprint(field(t, e.call(t, "GET", api+"/patient/", query(append([]string{"token", token, "q", q, "count", "1"}, extra...)...)), "count"))
		}
		zsf := e.createPatient(t, alice.token, "name", "张三丰", "add_time", "1000", "state", "0")
		tom := e.createPatient(t, manager.token, "name", "Tom Li", "add_time", "2000", "state", "0", "wechat", "zhang")
		ouyang := e.createPatient(t, alice.token, "name", "欧阳小明", "add_time", "3000", "state", "1", "order_time", "3500")

		for q, want := range map[string][]string{
			"张": {zsf}, "三丰": {zsf}, "张三丰": {zsf}, "三": {zsf},
			"tom": {tom}, "TOM L": {tom}, "m l": {tom}, "om Li": {tom},
			"欧阳小明": {ouyang}, "阳小明": {ouyang}, "欧阳小": {ouyang}, "欧阳小明明": {},
			// A WeChat id whole, beside the names.
			"zhang": {tom}, "ZHANG": {tom}, "zhan": {},
		} {
			if got := search(manager.token, q); strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("q=%q: %v, want %v", q, got, want)
			}
		}
		// Combined with a filter and another order, the same matches.
		if got := search(manager.token, "阳", "state", "1", "sort_by", "name"); strings.Join(got, ",") != ouyang {
			t.Errorf("q with a filter: %v", got)
		}
		// A consultant searches its own patients only.
		if got := search(alice.token, "tom"); len(got) != 0 {
			t.Errorf("alice finds only her own: %v", got)
		}
		if count(alice.token, "小") != "1" || count(manager.token, "l") != "1" {
			t.Error("counts of a search")
		}

		// Renamed, the old name no longer finds it and the new one does.
		e.call(t, "PATCH", api+"/patient/"+zsf+"/", form("token", alice.token, "name", "李四"))
		if got := search(manager.token, "张"); len(got) != 0 {
			t.Errorf("old name still found: %v", got)
		}
		if got := search(manager.token, "李四"); strings.Join(got, ",") != zsf {
			t.Errorf("new name: %v", got)
		}
		// Binned: found in the bin only; restored: back in the pool.
		e.call(t, "DELETE", api+"/patient/"+zsf+"/", form("token", manager.token))
		if got := search(manager.token, "李四"); len(got) != 0 {
			t.Errorf("a binned patient is not in the pool: %v", got)
		}
		if got := search(manager.token, "李四", "deleted", "1"); strings.Join(got, ",") != zsf {
			t.Errorf("the bin searches the same way: %v", got)
		}
		if count(manager.token, "李", "deleted", "1") != "1" {
			t.Error("bin search count")
		}
		// Purged: gone from every search.
		e.call(t, "DELETE", api+"/patient/"+zsf+"/purge", form("token", admin.token))
		if got := search(manager.token, "李四", "deleted", "1"); len(got) != 0 {
			t.Errorf("purged: %v", got)
		}
		var left int64
		e.db.Table("patient_terms").Where("patient_id = ?", zsf).Count(&left)
		if left != 0 {
			t.Errorf("%d terms left of a purged patient", left)
		}
	})
}

// Registrations sent at once are written together (models.Registrar):
// each still gets its own answer, its own id, history and log entry, and a
// refused one does not take the others down with it.
func TestConcurrentRegistrations(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		admin := e.admin(t)
		alice := e.newAccount(t, access.RoleConsultant)
		e.db.Model(&dict.Doctor{}).Where("id = ?", 3).Update("enabled", false)
		existing := e.createPatient(t, admin.token, "name", "老病人", "add_time", "1000", "state", "0", "tel", "13800000000")

		const n = 40
		type answer struct {
			i    int
			resp response
		}
		answers := make(chan answer, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				kv := []string{"token", alice.token, "name", fmt.Sprintf("并发%02d", i), "add_time", strconv.Itoa(2000 + i), "state", "0",
					"tel", fmt.Sprintf("1390000%04d", i)}
				switch i % 5 {
				case 1:
					kv = append(kv, "doctor_id", "3") // disabled: refused
				case 2:
					kv[len(kv)-1] = "13800000000" // the existing patient's number
				case 3:
					kv[7] = "2" // state: a consultant may not confirm an arrival
				}
				answers <- answer{i, e.call(t, "POST", api+"/patient/", form(kv...))}
			}()
		}
		wg.Wait()
		close(answers)
		created := 0
		for a := range answers {
			switch a.i % 5 {
			case 1:
				wantError(t, a.resp, 40035, "参数不合法: doctor_id")
				continue
			case 3:
				wantError(t, a.resp, 48001, "用户没有权限")
				continue
			}
			p, ok := field(t, a.resp, "newPatient").(map[string]any)
			if !ok {
				t.Fatalf("%d: %s", a.i, a.resp.body)
			}
			created++
			id := p["id"].(string)
			// The id answered is the row written with this request's fields.
			var row patient.Patient
			e.db.Take(&row, id)
			if row.Name != fmt.Sprintf("并发%02d", a.i) || p["name"] != row.Name || p["authorId"] != strconv.FormatUint(alice.id, 10) {
				t.Errorf("%d: answered %v, stored %q", a.i, p, row.Name)
			}
			var history []patient.PatientHistoryEntry
			e.db.Where("patient_id = ?", id).Find(&history)
			if len(history) != 1 || !strings.Contains(history[0].Changes, row.Name) || history[0].Action != patient.ActionCreate {
				t.Errorf("%d: history %+v", a.i, history)
			}
			var logged int64
			e.db.Model(&oplog.OpLogEntry{}).Where("action = ? AND target_id = ?", oplog.OpPatientCreate, id).Count(&logged)
			if logged != 1 {
				t.Errorf("%d: %d log entries", a.i, logged)
			}
			dups, _ := decodeJSON(t, a.resp.body).(map[string]any)["duplicates"].([]any)
			if a.i%5 == 2 && (len(dups) == 0 || dups[0] != existing) {
				t.Errorf("%d: the existing patient with the same number is a duplicate: %v", a.i, dups)
			}
		}
		if created != n*3/5 {
			t.Errorf("%d registered, want %d", created, n*3/5)
		}
		// Searches and totals know every one of them.
		wantJSON(t, e.call(t, "GET", api+"/patient/", query("token", alice.token, "count", "1")), fmt.Sprintf(`{"count": %d}`, created))
		wantJSON(t, e.call(t, "GET", api+"/patient/", query("token", alice.token, "count", "1", "q", "并发")), fmt.Sprintf(`{"count": %d}`, created))
	})
}
