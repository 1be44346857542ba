package tests

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"crm/config"
	"crm/internal/hostilefiles"
	"crm/models/access"
	"crm/models/leadimport"
)

// Hostile input: lead files that would take the server down, uploads
// refused before their body is read, and the bodies held at once bounded.

var hostileFiles = sync.OnceValue(func() map[string][]byte {
	return map[string][]byte{
		"wide.xlsx":         hostilefiles.WideXLSX(6000),
		"bomb.xlsx":         hostilefiles.ZipBomb(250 << 20),
		"bomb1g.xlsx":       hostilefiles.CommentBomb(1 << 30),
		"strings.xlsx":      hostilefiles.SharedStringsBomb(2_000_000),
		"cell.xlsx":         hostilefiles.HugeCell(60 << 20),
		"xxe.xlsx":          hostilefiles.XXE(),
		"laughs.xlsx":       hostilefiles.BillionLaughs(),
		"empty-fields.csv":  hostilefiles.EmptyFieldsCSV(10 << 20),
		"empty-rows.csv":    hostilefiles.EmptyRowsCSV(10 << 20),
		"quoted-breaks.csv": hostilefiles.QuotedFieldsCSV(10 << 20),
		"legacy.xls":        append([]byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), make([]byte, 4096)...),
	}
})

func TestLeadImportHostileFiles(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		manager := e.newAccount(t, access.RoleManager)
		cases := []struct{ file, message string }{
			{"wide.xlsx", "参数不合法: file（最多 64 列）"},
			{"bomb.xlsx", "参数不合法: file（最多 20000 行）"},
			{"bomb1g.xlsx", "参数不合法: file（解压后最多 64 MiB）"},
			{"strings.xlsx", "参数不合法: file（共享字符串最多 500000 个）"},
			{"cell.xlsx", "参数不合法: file（单元格最多 10000 字）"},
			{"xxe.xlsx", "参数不合法: file"},
			{"laughs.xlsx", "参数不合法: file"},
			{"empty-fields.csv", "参数不合法: file（最多 64 列）"},
			{"empty-rows.csv", "参数不合法: file（最多 20000 行）"},
			{"quoted-breaks.csv", "参数不合法: file（最多 64 列）"},
			{"legacy.xls", "参数不合法: file（不支持 Excel 97-2003 的 .xls 或加密的文件，请另存为 .xlsx 或 .csv）"},
		}
		for _, c := range cases {
			t.Run(c.file, func(t *testing.T) {
				data := hostileFiles()[c.file]
				for _, path := range []string{api + "/patient/import/preview/", api + "/patient/import/"} {
					wantError(t, e.call(t, "POST", path, bearer(manager.token), fileUpload(c.file, data, "mode", "skip")), 40035, c.message)
				}
			})
		}
		if n := e.patientCount(t); n != 0 {
			t.Errorf("hostile files stored %d patients", n)
		}
		if entries := readLog(t, e, e.admin(t).token, "action", "patient.import"); len(entries) != 0 {
			t.Errorf("hostile files were logged as imports: %+v", entries)
		}
		// The caps are under test here, not the parse deadline (which has its
		// own test): the race detector reads a gigabyte slower than 5 s.
	}, func(c *config.Config) { c.Import.ParseTimeout, c.Import.Timeout = 5*time.Minute, 5*time.Minute })
}

// A parse past import.parse_timeout says so, rather than 50002.
func TestLeadImportParseTimeout(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		manager := e.newAccount(t, access.RoleManager)
		resp := e.call(t, "POST", api+"/patient/import/preview/", bearer(manager.token), fileUpload("bomb.xlsx", hostileFiles()["bomb1g.xlsx"]))
		wantError(t, resp, 40035, "参数不合法: file（未能在 100ms 内读完，文件过大或过于复杂）")
	}, func(c *config.Config) { c.Import.ParseTimeout = 100 * time.Millisecond })
}

// The largest valid file still imports whole, in one transaction.
func TestLeadImportLargestFile(t *testing.T) {
	t.Parallel()
	data := hostilefiles.ValidXLSX(leadimport.MaxLeadRows)
	eachDB(t, func(t *testing.T, e *env) {
		manager := e.newAccount(t, access.RoleManager)
		resp := e.call(t, "POST", api+"/patient/import/", bearer(manager.token), fileUpload("leads.xlsx", data))
		got := field(t, resp, "import").(map[string]any)
		if fmt.Sprintf("%v %v %v %v", got["rows"], got["valid"], got["imported"], got["committed"]) != "20000 20000 20000 true" {
			t.Fatalf("import: %.300s", resp.body)
		}
		if n := e.patientCount(t); n != leadimport.MaxLeadRows {
			t.Errorf("%d patients", n)
		}
	}, func(c *config.Config) { c.Import.ParseTimeout, c.Import.Timeout = 5*time.Minute, 5*time.Minute }) // the race detector's pace, not the server's
}

// The token of an upload comes from the Authorization header or the query
// string, before the body is read; never from the body.
func TestLeadUploadTokenBeforeBody(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		manager := e.newAccount(t, access.RoleManager)
		alice := e.newAccount(t, access.RoleConsultant)
		good := csvFile([][]string{{"姓名"}, {"赵一"}})
		path := api + "/patient/import/preview/"
		// In the query string, as the 2017 frontend sends tokens.
		resp := e.call(t, "POST", path, query("token", manager.token), fileUpload("a.csv", good))
		if got := field(t, resp, "import").(map[string]any); fmt.Sprint(got["valid"]) != "1" {
			t.Errorf("token in the query: %s", resp.body)
		}
		// In the body only: no token.
		wantError(t, e.call(t, "POST", path, fileUpload("a.csv", good, "token", manager.token)), 41001, "缺少token参数")

		srv := serveHTTP(t, e.handler)
		// Headers, the start of a 20 MiB body, then nothing: refused at
		// once, without waiting for the body.
		for _, c := range []struct {
			name, auth string
			code       int
			message    string
		}{
			{"no token", "", 41001, "缺少token参数"},
			{"a bad token", "Bearer not-a-token", 40014, "无效的token"},
			{"no permission", "Bearer " + alice.token, 48001, "用户没有权限"},
		} {
			t.Run(c.name, func(t *testing.T) {
				conn, answer := stalledUpload(t, srv.URL, path, c.auth, 20<<20)
				defer conn.Close()
				wantJSON(t, answer, fmt.Sprintf(`{"stateCode": %d, "message": %q}`, c.code, c.message))
			})
		}
	})
}

// stalledUpload sends a multipart request declaring length bytes, writes
// its first kilobyte and stops, then reads the answer (within 5 s).
func stalledUpload(t *testing.T, base, path, authorization string, length int) (net.Conn, response) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	var head strings.Builder
	fmt.Fprintf(&head, "POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: multipart/form-data; boundary=xyz\r\nContent-Length: %d\r\n", path, length)
	if authorization != "" {
		fmt.Fprintf(&head, "Authorization: %s\r\n", authorization)
	}
	head.WriteString("\r\n--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\n")
	head.WriteString(strings.Repeat("姓名,", 256))
	if _, err := conn.Write([]byte(head.String())); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer while the body stalls: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return conn, response{status: resp.StatusCode, header: resp.Header, body: body}
}

// Only import.concurrency files are read at once; the next waits up to
// import.max_wait, then is told the server is busy.
func TestLeadImportConcurrency(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		manager := e.newAccount(t, access.RoleManager)
		srv := serveHTTP(t, e.handler)
		path := api + "/patient/import/preview/"
		preview := func() response {
			return e.call(t, "POST", path, bearer(manager.token), fileUpload("a.csv", []byte("姓名\n赵一")))
		}
		// One upload, its body still arriving, holds the only slot.
		conn := stalledRequest(t, srv.URL, path, "Bearer "+manager.token, "multipart/form-data; boundary=xyz", 1<<20)
		waitUntil(t, func() bool { return bytes.Contains(preview().body, []byte("45011")) })
		wantError(t, preview(), 45011, "服务器繁忙，请稍后再试")
		// Once it ends, the next file is read.
		conn.Close()
		waitUntil(t, func() bool { return bytes.Contains(preview().body, []byte(`"import"`)) })
	}, func(c *config.Config) { c.Import.Concurrency, c.Import.MaxWait = 1, 50*time.Millisecond })
}

// stalledRequest sends the headers of a request declaring length bytes of
// body and the body's first kilobyte, and leaves it there.
func stalledRequest(t *testing.T, base, path, authorization, contentType string, length int) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: %s\r\nContent-Length: %d\r\n", path, contentType, length)
	if authorization != "" {
		head += "Authorization: " + authorization + "\r\n"
	}
	head += "\r\n" + strings.Repeat("a", 1024)
	if _, err := conn.Write([]byte(head)); err != nil {
		t.Fatal(err)
	}
	return conn
}

// serveHTTP serves handler on a real port until the test ends, after the
// connections the test left open (registered later, closed first).
func serveHTTP(t *testing.T, handler http.Handler) *httptest.Server {
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	return srv
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
	}
}

// Bodies held in memory at once stay within http.body_budget_bytes: past
// it a body waits, then is told the server is busy; GETs, and bodies
// within the budget, are served meanwhile.
func TestBodyBudget(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		manager := e.newAccount(t, access.RoleManager)
		srv := serveHTTP(t, e.handler)
		post := func() response {
			return e.call(t, "POST", api+"/patient/", form("token", manager.token, "name", "预算", "add_time", "1700000000", "state", "0"))
		}
		// Two bodies of 1 MiB still arriving take the whole budget.
		for range 2 {
			stalledRequest(t, srv.URL, api+"/patient/", "", "application/x-www-form-urlencoded", 1<<20)
		}
		// (Probed with a body that stores nothing when it is read.)
		waitUntil(t, func() bool {
			return bytes.Contains(e.call(t, "POST", api+"/patient/", form("token", manager.token)).body, []byte("45011"))
		})
		wantError(t, post(), 45011, "服务器繁忙，请稍后再试")
		if resp := e.call(t, "GET", api+"/menu/", query("token", manager.token)); resp.status != http.StatusOK || bytes.Contains(resp.body, []byte("stateCode")) {
			t.Errorf("GET /menu meanwhile: %s", resp.body)
		}
		// A body too large is refused before it could wait.
		wantError(t, e.call(t, "POST", api+"/patient/", rawBody("application/x-www-form-urlencoded", strings.Repeat("a", 1<<20+1))), 45002, "请求体过大")
		if n := e.patientCount(t); n != 0 {
			t.Errorf("%d patients stored", n)
		}
	}, func(c *config.Config) { c.HTTP.BodyBudgetBytes, c.HTTP.BodyBudgetWait = 2<<20, 50*time.Millisecond })
}

// JSON bodies are read token by token: nested values are refused as
// before, and a body of many nested arrays answers like any other.
func TestJSONBodyNested(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		manager := e.newAccount(t, access.RoleManager)
		for _, body := range []string{
			`{"name": {"a": [1, {"b": 2}]}, "add_time": 1700000000, "state": 0}`,
			`{"name": [` + strings.Repeat("[],", 100_000) + `[]], "add_time": 1700000000, "state": 0}`,
		} {
			resp := e.call(t, "POST", api+"/patient/", bearer(manager.token), rawBody("application/json", body))
			wantError(t, resp, 40035, "参数不合法: name")
		}
		for _, body := range []string{`{"name": "x"} {}`, `{"name": "x"`, `[1]`, `"x"`} {
			wantError(t, e.call(t, "POST", api+"/patient/", bearer(manager.token), rawBody("application/json", body)), 40035, "参数不合法: 请求体格式错误")
		}
		resp := e.call(t, "POST", api+"/patient/", bearer(manager.token), jsonBody(map[string]any{"name": "张三", "add_time": 1700000000, "state": 0, "extra": map[string]any{"x": []int{1}}}))
		var created map[string]any
		if err := json.Unmarshal(resp.body, &created); err != nil || created["newPatient"] == nil {
			t.Errorf("with an unused nested field: %s", resp.body)
		}
	})
}
