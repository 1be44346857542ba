package tests

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"crm/internal/testdb"
	"crm/models/access"
	"crm/models/patient"
)

// Plans must not rot: every query the patient list, its counts and its
// searches send to MariaDB is EXPLAINed, and none may read a table whole.
// At a million patients a full scan is seconds (docs/performance.md); here
// a few thousand rows, analysed, are enough for the optimizer to choose
// the plans it chooses at scale, and a scan shows up as type=ALL.
func TestPatientQueriesUseIndexes(t *testing.T) {
	testdb.SkipUnlessAvailable(t, "mysql")
	t.Parallel()
	e := newEnv(t, "mysql")
	manager := e.newAccount(t, access.RoleManager)
	alice := e.newAccount(t, access.RoleConsultant)
	bob := e.newAccount(t, access.RoleConsultant)

	rng := rand.New(rand.NewPCG(3, 4))
	now := time.Now().Unix()
	start := now - 400*day
	surnames := []rune("王李张刘陈杨赵黄周吴")
	var patients []patient.Patient
	for i := range 6000 {
		tel, wechat, qq := fmt.Sprintf("13%09d", rng.IntN(1_000_000_000)), "wx_"+strconv.Itoa(i), strconv.Itoa(100000+i)
		dictionary := func() *uint64 { // the seeded doctors, channels and diseases 1-3; one in four without
			if id := uint64(rng.IntN(4)); id > 0 {
				return &id
			}
			return nil
		}
		age := int16(rng.IntN(80))
		p := patient.Patient{
			Name: string(surnames[rng.IntN(len(surnames))]) + "患者" + strconv.Itoa(i),
			Tel:  &tel, Wechat: &wechat, QQ: &qq, Age: &age, Sex: int8(rng.IntN(2)),
			AddTime:  start + int64(i)*400*day/6000,
			AuthorID: []uint64{alice.id, bob.id, manager.id}[rng.IntN(3)],
			State:    int8(rng.IntN(4)), DoctorID: dictionary(), MediaFromID: dictionary(), DiseaseID: dictionary(),
			CreatedAt: time.Now(), UpdatedAt: time.Now(),
		}
		if p.State >= 1 {
			orderTime := p.AddTime + day
			p.OrderTime = &orderTime
		}
		if p.State == 2 {
			reachTime := p.AddTime + 2*day
			p.ReachTime = &reachTime
		}
		if i%100 == 0 {
			p.DeletedAt = gorm.DeletedAt{Time: time.Now(), Valid: true}
		}
		patients = append(patients, p)
	}
	if err := e.db.Transaction(func(tx *gorm.DB) error { return patient.InsertPatients(tx, patients) }); err != nil {
		t.Fatal(err)
	}
	// As the server does: counted up to ten minutes ago, the rest from the indexes.
	if err := patient.SealCounts(context.Background(), e.db, now-600); err != nil {
		t.Fatal(err)
	}
	if err := e.db.Exec("ANALYZE TABLE patients, patient_terms, patient_counts, patient_facets").Error; err != nil {
		t.Fatal(err)
	}
	// Patients registered since the seal, so the uncounted tail is not empty.
	for i := range 3 {
		e.createPatient(t, alice.token, "name", "新患者"+strconv.Itoa(i), "tel", fmt.Sprintf("1390000%04d", i),
			"add_time", strconv.FormatInt(now-60, 10), "state", "0")
	}

	statements := recordPatientQueries(t, e.db)
	sample := patients[4321]
	month := strconv.FormatInt(now-30*day, 10)
	year := strconv.FormatInt(now-365*day, 10)
	requests := []string{
		"", "page=2", "page=150", "count=1", "deleted=1", "deleted=1&page=20",
		"state=1", "state=1&page=40", "author_id=" + strconv.FormatUint(bob.id, 10),
		"doctor_id=2", "media_from_id=3", "disease_id=3", "doctor_id=0",
		"add_time_from=" + month, "order_time_from=" + month, "reach_time_from=" + month,
		"add_time_from=" + year + "&page=100",
		"q=" + url.QueryEscape("王"), "q=" + url.QueryEscape("王患"), "q=" + url.QueryEscape("患者42"),
		"q=" + *sample.Tel, "q=" + (*sample.Tel)[len(*sample.Tel)-4:], "q=" + *sample.Wechat, "q=" + *sample.QQ,
		"order=asc", "order=asc&page=120",
	}
	for _, column := range []string{"id", "name", "sex", "age", "add_time", "order_time", "reach_time", "state",
		"author_id", "doctor_id", "disease_id", "media_from_id"} {
		for _, order := range []string{"asc", "desc"} {
			requests = append(requests, "sort_by="+column+"&order="+order, "sort_by="+column+"&order="+order+"&page=30")
		}
	}
	for _, viewer := range []account{manager, alice} {
		for _, request := range requests {
			if viewer.id == alice.id && strings.Contains(request, "deleted=1") {
				continue // the recycle bin is for managers
			}
			values, _ := url.ParseQuery(request)
			values.Set("token", viewer.token)
			params := []string{}
			for k := range values {
				params = append(params, k, values.Get(k))
			}
			statements.start(request)
			resp := e.call(t, "GET", api+"/patient/", query(params...))
			statements.stop()
			if resp.status != 200 || field(t, resp, "count") == nil {
				t.Fatalf("GET /patient/?%s as %s: %s", request, viewer.username, resp.body)
			}
		}
	}

	explained := 0
	for _, s := range statements.list {
		rows, err := e.db.Raw("EXPLAIN "+s.sql, s.vars...).Rows()
		if err != nil {
			t.Fatalf("EXPLAIN %s: %v", s.sql, err)
		}
		plan := explainRows(t, rows)
		explained++
		for _, step := range plan {
			if step["type"] == "ALL" && !strings.HasPrefix(step["table"], "<") {
				t.Errorf("GET /patient/?%s scans %s whole:\n%s\n%s", s.request, step["table"], s.sql, formatPlan(plan))
			}
		}
	}
	if explained < len(requests) {
		t.Fatalf("only %d patient queries recorded for %d requests: is the recorder still hooked in?", explained, len(requests))
	}
}

type recordedQuery struct {
	request string
	sql     string
	vars    []any
}

// queryRecorder keeps the SELECTs on patients that GORM sends while a
// request is being answered.
type queryRecorder struct {
	mu      sync.Mutex
	request string
	on      bool
	list    []recordedQuery
}

func (r *queryRecorder) start(request string) {
	r.mu.Lock()
	r.request, r.on = request, true
	r.mu.Unlock()
}
func (r *queryRecorder) stop() { r.mu.Lock(); r.on = false; r.mu.Unlock() }

func recordPatientQueries(t *testing.T, db *gorm.DB) *queryRecorder {
	t.Helper()
	r := &queryRecorder{}
	record := func(tx *gorm.DB) {
		if tx.DryRun { // a subquery being built into its statement
			return
		}
		statement := tx.Statement.SQL.String()
		if !strings.HasPrefix(strings.TrimSpace(statement), "SELECT") || !strings.Contains(statement, "patient") {
			return
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.on {
			r.list = append(r.list, recordedQuery{r.request, statement, append([]any(nil), tx.Statement.Vars...)})
		}
	}
	if err := db.Callback().Query().After("gorm:query").Register("plans:record", record); err != nil {
		t.Fatal(err)
	}
	if err := db.Callback().Row().After("gorm:row").Register("plans:record", record); err != nil {
		t.Fatal(err)
	}
	return r
}

func explainRows(t *testing.T, rows *sql.Rows) []map[string]string {
	t.Helper()
	defer rows.Close()
	columns, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var plan []map[string]string
	for rows.Next() {
		values := make([]sql.NullString, len(columns))
		pointers := make([]any, len(columns))
		for i := range values {
			pointers[i] = &values[i]
		}
		if err := rows.Scan(pointers...); err != nil {
			t.Fatal(err)
		}
		step := map[string]string{}
		for i, column := range columns {
			step[column] = values[i].String
		}
		plan = append(plan, step)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan
}

func formatPlan(plan []map[string]string) string {
	var b strings.Builder
	for _, step := range plan {
		fmt.Fprintf(&b, "  %s %s type=%s key=%s rows=%s %s\n", step["id"], step["table"], step["type"], step["key"], step["rows"], step["Extra"])
	}
	return b.String()
}
