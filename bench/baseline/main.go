// Command baseline is what the server is measured against (bench/pool.sh):
// the least code that can answer the same requests. GET /bare/menu is a
// bare Gin handler returning the menu as constant JSON; GET /sql/list and
// POST /sql/patient are plain net/http + database/sql handlers running the
// one SELECT ... LIMIT 30 of the list's first page and the one INSERT of a
// registration, on the same table with the same connection settings.
package main

import (
	"database/sql"
	"encoding/json"
	"flag"
	"log"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	_ "github.com/go-sql-driver/mysql"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18081", "listen address")
	dsn := flag.String("dsn", "root@tcp(127.0.0.1:3306)/crm_bench?parseTime=true&loc=UTC&interpolateParams=true", "MySQL DSN")
	conns := flag.Int("conns", 20, "connection pool size (the server's database.max_open_conns)")
	authorID := flag.Uint64("author", 1, "author_id of inserted rows")
	flag.Parse()

	db, err := sql.Open("mysql", *dsn)
	if err != nil {
		log.Fatal(err)
	}
	db.SetMaxOpenConns(*conns)
	db.SetMaxIdleConns(*conns)

	gin.SetMode(gin.ReleaseMode)
	bare := gin.New()
	bare.GET("/bare/menu", func(c *gin.Context) { c.JSON(http.StatusOK, menu) })

	mux := http.NewServeMux()
	mux.Handle("/bare/", bare)
	mux.HandleFunc("GET /sql/list", func(w http.ResponseWriter, r *http.Request) { list(w, r, db) })
	mux.HandleFunc("POST /sql/patient", func(w http.ResponseWriter, r *http.Request) { insert(w, r, db, *authorID) })
	log.Fatal(http.ListenAndServe(*addr, mux))
}

type menuItem struct {
	Title string          `json:"title"`
	Name  string          `json:"name"`
	URL   string          `json:"url"`
	Child []menuChildItem `json:"child"`
}

type menuChildItem struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Name  string `json:"name"`
	URL   string `json:"url"`
}

// menu is the superadmin's menu of a new installation, as the server
// answers it.
var menu = gin.H{"menu_data": []menuItem{
	{"仪表盘", "1", "dashboard", []menuChildItem{}},
	{"客户池", "2", "patients", []menuChildItem{{"3", "登记用户", "2-1", "regsiter"}}},
	{"数据报表", "3", "data", []menuChildItem{{"5", "绩效数据", "3-1", "effect"}, {"6", "业绩报表", "3-2", "performance"}}},
	{"信息管理", "4", "info", []menuChildItem{{"8", "医生管理", "4-1", "doctor"}, {"9", "病种科室", "4-2", "disease"},
		{"10", "来源渠道", "4-3", "media"}, {"11", "咨询方式", "4-4", "way"}}},
	{"系统设置", "5", "system", []menuChildItem{{"13", "菜单管理", "5-1", "menu"}, {"14", "人员管理", "5-2", "admin"},
		{"15", "行为日志", "5-3", "log"}, {"16", "通知管理", "5-4", "notice"}, {"17", "参数设置", "5-5", "config"}}},
}}

type patient struct {
	ID              uint64  `json:"id"`
	Name            string  `json:"name"`
	Sex             int     `json:"sex"`
	Tel             *string `json:"tel"`
	Age             *int    `json:"age"`
	Wechat          *string `json:"wechat"`
	QQ              *string `json:"qq"`
	AddTime         int64   `json:"addTime"`
	OrderTime       *int64  `json:"orderTime"`
	ReachTime       *int64  `json:"reachTime"`
	DiseaseID       *uint64 `json:"diseaseId"`
	AuthorID        uint64  `json:"authorId"`
	State           int     `json:"state"`
	MediaFromID     *uint64 `json:"mediaFromId"`
	DoctorID        *uint64 `json:"doctorId"`
	AdvisoryWay     *string `json:"advisoryWay"`
	AdvisoryContent *string `json:"advisoryContent"`
	Area            *string `json:"area"`
	Remarks         *string `json:"remarks"`
}

func list(w http.ResponseWriter, r *http.Request, db *sql.DB) {
	rows, err := db.QueryContext(r.Context(), "SELECT id, name, sex, tel, age, wechat, qq, add_time, order_time, "+
		"reach_time, disease_id, author_id, state, media_from_id, doctor_id, advisory_way, advisory_content, area, remarks "+
		"FROM patients WHERE deleted_at IS NULL ORDER BY add_time DESC, id DESC LIMIT 30")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	defer rows.Close()
	out := make([]patient, 0, 30)
	for rows.Next() {
		var p patient
		if err := rows.Scan(&p.ID, &p.Name, &p.Sex, &p.Tel, &p.Age, &p.Wechat, &p.QQ, &p.AddTime, &p.OrderTime,
			&p.ReachTime, &p.DiseaseID, &p.AuthorID, &p.State, &p.MediaFromID, &p.DoctorID, &p.AdvisoryWay,
			&p.AdvisoryContent, &p.Area, &p.Remarks); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		out = append(out, p)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(map[string]any{"patient_data": out})
}

// insert stores the registration the server's POST /patient/ receives, as
// the same INSERT, with no checks, history or log.
func insert(w http.ResponseWriter, r *http.Request, db *sql.DB, authorID uint64) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f := r.PostForm
	num := func(name string) any {
		if v, err := strconv.ParseInt(f.Get(name), 10, 64); err == nil {
			return v
		}
		return nil
	}
	text := func(name string) any {
		if v := f.Get(name); v != "" {
			return v
		}
		return nil
	}
	now := time.Now().UTC()
	tel := f.Get("tel") // the benchmark's numbers are digits only
	res, err := db.ExecContext(r.Context(), "INSERT INTO patients (name, sex, age, tel, tel_digits, tel_rev, wechat, qq, add_time, "+
		"order_time, disease_id, author_id, state, media_from_id, doctor_id, advisory_way, area, remarks, created_at, updated_at) "+
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		f.Get("name"), num("sex"), num("age"), text("tel"), tel, reverse(tel), text("wechat"), text("qq"), num("add_time"),
		num("order_time"), num("disease_id"), authorID, num("state"), num("media_from_id"), num("doctor_id"),
		text("advisory_way"), text("area"), text("remarks"), now, now)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	id, _ := res.LastInsertId()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(map[string]any{"id": strconv.FormatInt(id, 10)})
}

func reverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}
