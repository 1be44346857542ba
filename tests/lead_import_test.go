package tests

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"mime/multipart"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"crm/models/access"
	"crm/models/leadimport"
)

// Lead import (XLSX or CSV): a template, a preview that reports every
// row's problems, and the import, all-or-nothing or skipping bad rows.

// fileUpload sends a multipart body with the file as the part "file".
func fileUpload(filename string, data []byte, kv ...string) option {
	return func(r *request) {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		for i := 0; i+1 < len(kv); i += 2 {
			_ = w.WriteField(kv[i], kv[i+1])
		}
		part, _ := w.CreateFormFile("file", filename)
		_, _ = part.Write(data)
		_ = w.Close()
		r.body = &buf
		r.contentType = w.FormDataContentType()
	}
}

func xlsxFile(t *testing.T, rows [][]string) []byte {
	t.Helper()
	book := excelize.NewFile()
	defer book.Close()
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := book.SetSheetRow("Sheet1", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := book.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func csvFile(rows [][]string) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.WriteAll(rows)
	return buf.Bytes()
}

var leadHeader = []string{"姓名", "性别", "年龄", "电话", "微信", "QQ", "地区", "登记时间", "来源渠道", "病种", "医生", "咨询方式", "咨询内容", "备注", "关键词", "页面URL"}

// leadFile: two good rows, then one of each problem.
func leadFile(existingTel string) [][]string {
	row := func(name, tel, channel, at string) []string {
		return []string{name, "1", "30", tel, "", "", "温州", at, channel, "", "", "商务通", "咨询", "", "男科医院", "https://m.example.com/a"}
	}
	return [][]string{
		append(leadHeader, "推广计划"), // an extra column: ignored
		row("张一", "13500000001", "百度", "2026-11-24 10:30:00"),
		row("张二", "13500000002", "", "2026/11/24 11:00"),
		{},                               // blank: skipped
		row("", "13500000003", "百度", ""), // line 5: no name
		row("张四", "135abc", "抖音商城", "yesterday"), // line 6: bad phone, unknown channel, bad time
		row("张五", existingTel, "百度", ""),         // line 7: duplicate of the pool
		row("张六", "135 0000 0001", "搜狗", ""),     // line 8: duplicate of line 2
	}
}

func TestLeadImportPreviewAndCommit(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		e.clock.Set(time.Date(2026, 11, 25, 9, 0, 0, 0, shanghai))
		manager := e.newAccount(t, access.RoleManager)
		alice := e.newAccount(t, access.RoleConsultant)
		existing := e.createPatient(t, manager.token, "name", "老患者", "add_time", "1700000000", "state", "0", "tel", "13900000000")
		data := xlsxFile(t, leadFile("13900000000"))
		preview := e.call(t, "POST", api+"/patient/import/preview/", bearer(manager.token), fileUpload("leads.xlsx", data))
		report := `"report": [
			{"line": 5, "name": "", "problems": [{"field": "name", "stateCode": 44001, "message": "缺少参数: name"}], "duplicateOf": [], "duplicateLine": null},
			{"line": 6, "name": "张四", "problems": [{"field": "add_time", "stateCode": 40035, "message": "参数不合法: add_time"},
				{"field": "tel", "stateCode": 40035, "message": "参数不合法: tel"},
				{"field": "media_from_id", "stateCode": 40035, "message": "未知或已停用: 抖音商城"}], "duplicateOf": [], "duplicateLine": null},
			{"line": 7, "name": "张五", "problems": [{"field": "duplicate", "stateCode": 46002, "message": "与已有患者重复"}], "duplicateOf": ["` + existing + `"], "duplicateLine": null},
			{"line": 8, "name": "张六", "problems": [{"field": "duplicate_in_file", "stateCode": 46002, "message": "与文件中前面的行重复"}], "duplicateOf": [], "duplicateLine": 2}]`
		wantJSON(t, preview, `{"import": {"format": "xlsx", "filename": "leads.xlsx", "rows": 6, "valid": 2, "problems": 4, "duplicates": 2,
			"imported": 0, "committed": false, "ignoredColumns": ["推广计划"], `+report+`}}`)
		if n := e.patientCount(t); n != 1 {
			t.Fatalf("a preview wrote %d patients", n)
		}
		// All or nothing: refused, nothing written.
		wantError(t, e.call(t, "POST", api+"/patient/import/", bearer(manager.token), fileUpload("leads.xlsx", data)), 40035, "参数不合法: file")
		// Skip the bad rows, for alice.
		resp := e.call(t, "POST", api+"/patient/import/", bearer(manager.token), fileUpload("leads.xlsx", data,
			"mode", "skip", "author_id", strconv.FormatUint(alice.id, 10)))
		if got := field(t, resp, "import").(map[string]any); fmt.Sprintf("%v %v", got["imported"], got["committed"]) != "2 true" {
			t.Fatalf("import: %s", resp.body)
		}
		rows := e.call(t, "GET", api+"/patient/", query("token", alice.token, "sort_by", "id", "order", "asc"))
		list := field(t, rows, "patient_data").([]any)
		if len(list) != 2 {
			t.Fatalf("alice has %d patients: %s", len(list), rows.body)
		}
		first := list[0].(map[string]any)
		at := time.Date(2026, 11, 24, 10, 30, 0, 0, shanghai).Unix()
		if fmt.Sprintf("%v %v %v %v %v %v %v", first["name"], first["tel"], first["addTime"], first["mediaFromId"], first["state"], first["keyword"], first["landingPage"]) !=
			fmt.Sprintf("张一 13500000001 %d 1 0 男科医院 https://m.example.com/a", at) {
			t.Errorf("imported: %v", first)
		}
		if second := list[1].(map[string]any); second["addTime"] != strconv.FormatInt(time.Date(2026, 11, 24, 11, 0, 0, 0, shanghai).Unix(), 10) {
			t.Errorf("2026/11/24 11:00 read as %v", second["addTime"])
		}
		entries := readLog(t, e, e.admin(t).token, "action", "patient.import")
		if len(entries) != 1 || fmt.Sprintf("%v %v %v", entries[0].Summary["imported"], entries[0].Summary["skipped"], entries[0].Summary["filename"]) != "2 4 leads.xlsx" {
			t.Errorf("log: %+v", entries)
		}
		history := field(t, e.call(t, "GET", api+"/patient/"+first["id"].(string)+"/history/", query("token", alice.token)), "history").([]any)
		if len(history) != 1 || history[0].(map[string]any)["action"] != "create" {
			t.Errorf("history: %v", history)
		}
	})
}

func TestLeadImportCSVEncodingsAndDuplicatesAllowed(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		manager := e.newAccount(t, access.RoleManager)
		rows := [][]string{{"姓名", "电话", "来源渠道"}, {"王一", "13600000001", "百度"}, {"王二", "13600000001", ""}}
		utf8BOM := append([]byte("\ufeff"), csvFile(rows)...)
		gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes(csvFile(rows))
		if err != nil {
			t.Fatal(err)
		}
		for name, data := range map[string][]byte{"utf8.csv": utf8BOM, "gbk.csv": gbk} {
			resp := e.call(t, "POST", api+"/patient/import/preview/", bearer(manager.token), fileUpload(name, data))
			got := field(t, resp, "import").(map[string]any)
			if fmt.Sprintf("%v %v %v %v", got["format"], got["rows"], got["valid"], got["duplicates"]) != "csv 2 1 1" {
				t.Errorf("%s: %s", name, resp.body)
			}
		}
		resp := e.call(t, "POST", api+"/patient/import/", bearer(manager.token), fileUpload("gbk.csv", gbk, "allow_duplicates", "1"))
		if got := field(t, resp, "import").(map[string]any); fmt.Sprint(got["imported"]) != "2" {
			t.Errorf("with duplicates allowed: %s", resp.body)
		}
		names := sqlIDs(t, e, "name IN ('王一', '王二')", "id", 10, 0)
		if len(names) != 2 {
			t.Errorf("imported %v", names)
		}
	})
}

func TestLeadImportRefusals(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		manager := e.newAccount(t, access.RoleManager)
		alice := e.newAccount(t, access.RoleConsultant)
		bob := e.newAccount(t, access.RoleConsultant)
		e.customRole(t, "importer", access.PermPatientList, access.PermPatientImport)
		importer := e.newAccount(t, "importer")
		good := csvFile([][]string{{"姓名"}, {"赵一"}})
		path := api + "/patient/import/"
		corrupt := xlsxFile(t, [][]string{{"姓名"}, {"x"}})
		corrupt = corrupt[:len(corrupt)/2]
		many := [][]string{{"姓名"}}
		for i := range leadimport.MaxLeadRows + 1 {
			many = append(many, []string{"p" + strconv.Itoa(i)})
		}
		cases := []struct {
			name    string
			token   string
			body    option
			code    int
			message string
		}{
			{"no file", manager.token, multipartBody("mode", "all"), 44001, "缺少参数: file"},
			{"bad mode", manager.token, fileUpload("a.csv", good, "mode", "some"), 40035, "参数不合法: mode"},
			{"truncated xlsx", manager.token, fileUpload("a.xlsx", corrupt), 40035, "参数不合法: file"},
			{"binary", manager.token, fileUpload("a.csv", []byte("\x00\x01\x02")), 40035, "参数不合法: file"},
			{"unterminated quote", manager.token, fileUpload("a.csv", []byte("姓名\n\"赵")), 40035, "参数不合法: file"},
			{"no name column", manager.token, fileUpload("a.csv", csvFile([][]string{{"电话"}, {"13500000000"}})), 40035, "参数不合法: file（缺少“姓名”列）"},
			{"empty", manager.token, fileUpload("a.csv", nil), 40035, "参数不合法: file"},
			{"too many rows", manager.token, fileUpload("a.csv", csvFile(many)), 40035, "参数不合法: file（最多 20000 行）"},
			{"over 20 MiB", manager.token, fileUpload("a.csv", bytes.Repeat([]byte("a"), 20<<20+1)), 45002, "请求体过大"},
			{"a consultant", alice.token, fileUpload("a.csv", good), 48001, "用户没有权限"},
			{"into another's pool", importer.token, fileUpload("a.csv", good, "author_id", strconv.FormatUint(bob.id, 10)), 48001, "用户没有权限"},
			{"no token", "", fileUpload("a.csv", good), 41001, "缺少token参数"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				opts := []option{c.body}
				if c.token != "" {
					opts = append(opts, bearer(c.token))
				}
				wantError(t, e.call(t, "POST", path, opts...), c.code, c.message)
			})
		}
		if n := e.patientCount(t); n != 0 {
			t.Errorf("refused imports wrote %d patients", n)
		}
		// The template reads back as a file with the import's columns.
		resp := e.call(t, "GET", api+"/patient/import/template/", query("token", manager.token))
		book, err := excelize.OpenReader(bytes.NewReader(resp.body))
		if err != nil {
			t.Fatalf("template: %v", err)
		}
		header, _ := book.GetRows("线索")
		if len(header) != 2 || strings.Join(header[0], ",") != strings.Join(leadHeader, ",") {
			t.Errorf("template rows %v", header)
		}
		preview := e.call(t, "POST", api+"/patient/import/preview/", bearer(manager.token), fileUpload("t.xlsx", resp.body))
		if got := field(t, preview, "import").(map[string]any); fmt.Sprint(got["valid"]) != "1" {
			t.Errorf("the template's example row: %s", preview.body)
		}
		csvTemplate := e.call(t, "GET", api+"/patient/import/template/", query("token", manager.token, "format", "csv"))
		if !bytes.HasPrefix(csvTemplate.body, []byte("\ufeff姓名,")) {
			t.Errorf("csv template: %q", csvTemplate.body[:20])
		}
	})
}
