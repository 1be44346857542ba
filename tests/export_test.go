package tests

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"crm/models/access"
)

func readCSV(t *testing.T, resp response) [][]string {
	t.Helper()
	if resp.status != 200 || resp.header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("not a CSV: %d %s %s", resp.status, resp.header.Get("Content-Type"), resp.body)
	}
	body, found := bytes.CutPrefix(resp.body, []byte("\xef\xbb\xbf"))
	if !found {
		t.Fatal("the CSV must start with a UTF-8 BOM")
	}
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

var exportHeaderLine = "编号,姓名,性别,年龄,电话,微信,QQ,地区,登记时间,预约时间,到诊时间,状态,病种,医生,来源渠道,咨询方式,咨询内容,备注,登记人,关键词,页面URL,下次回访,消费金额(元)"

func joinRows(rows [][]string) string {
	lines := make([]string, len(rows))
	for i, r := range rows {
		lines[i] = strings.Join(r, ",")
	}
	return strings.Join(lines, "\n")
}

func TestExportCSV(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		e.clock.Set(time.Date(2026, 11, 24, 15, 30, 5, 0, shanghai))
		d := newReportData(t, e, shanghai)
		e.call(t, "PATCH", api+"/patient/3", form("token", d.manager.token, "tel", "135 1234 6666", "wechat", "wx3", "age", "41",
			"disease_id", "2", "advisory_way", "电话", "advisory_content", "多行\n内容, 带逗号", "remarks", `引号"测试"`))
		resp := e.call(t, "GET", api+"/patient/export/", query("token", d.manager.token))
		disposition := resp.header.Get("Content-Disposition")
		if disposition != `attachment; filename="patients_20261124_153005.csv"; filename*=UTF-8''%E6%82%A3%E8%80%85%E5%AF%BC%E5%87%BA_20261124_153005.csv` {
			t.Errorf("Content-Disposition %q", disposition)
		}
		a, b := d.alice.username, d.bob.username
		want := exportHeaderLine + "\n" +
			"6,p,0,,,,,,2026-12-01 00:30:00,,,未处理,,,360,,,," + b + ",,,,0.00\n" +
			"5,p,0,,,,,,2026-11-30 23:30:00,2026-12-01 09:00:00,2026-12-01 10:00:00,已到诊,,张明,搜狗,,,," + a + ",,,,0.00\n" +
			"4,p,0,,,,,,2026-11-15 12:00:00,,,流失,,,,,,," + b + ",,,,0.00\n" +
			"3,p,0,41,135 1234 6666,wx3,,,2026-11-01 09:00:00,2026-11-02 14:00:00,2026-11-02 15:00:00,已到诊,前列腺炎,张明,搜狗,电话,多行\n内容, 带逗号,引号\"测试\"," + b + ",,,,0.00\n" +
			"2,p,0,,,,,温州,2026-11-01 00:10:00,2026-11-03 10:00:00,,已预约,,,百度,,,," + a + ",,,,0.00\n" +
			"1,p,0,,,,,温州,2026-10-31 23:30:00,,,未处理,,,百度,,,," + a + ",,,,0.00"
		if got := joinRows(readCSV(t, resp)); got != want {
			t.Errorf("CSV:\n%s\nwant:\n%s", got, want)
		}
		// The list's filters and sort.
		rows := readCSV(t, e.call(t, "GET", api+"/patient/export", query("token", d.manager.token, "state", "2", "sort_by", "id", "order", "asc", "format", "csv")))
		if len(rows) != 3 || rows[1][0] != "3" || rows[2][0] != "5" {
			t.Errorf("filtered: %v", rows)
		}
		// Nothing to export is still a file, with its header.
		rows = readCSV(t, e.call(t, "GET", api+"/patient/export/", query("token", d.manager.token, "q", "nobody")))
		if joinRows(rows) != exportHeaderLine {
			t.Errorf("empty export: %v", rows)
		}
	})
}

func TestExportScopeMaskingAndFormulas(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		manager := e.newAccount(t, access.RoleManager)
		e.customRole(t, "auditor", access.PermPatientList, access.PermPatientViewAll, access.PermPatientExport, access.PermPatientCreate)
		e.customRole(t, "own_export", access.PermPatientList, access.PermPatientExport, access.PermPatientCreate)
		auditor := e.newAccount(t, "auditor")
		own := e.newAccount(t, "own_export")
		e.createPatient(t, manager.token, "name", "=HYPERLINK(\"http://evil\")", "add_time", "1700000000", "state", "0",
			"tel", "+86 135 1234 6666", "remarks", "@SUM(A1)")
		e.createPatient(t, own.token, "name", "自己的", "add_time", "1700000100", "state", "0", "tel", "13900001111")
		// Masked for others' patients, formulas defused.
		rows := readCSV(t, e.call(t, "GET", api+"/patient/export/", query("token", auditor.token, "sort_by", "id", "order", "asc")))
		if rows[1][1] != `'=HYPERLINK("http://evil")` || rows[1][4] != "861******6666" || rows[1][17] != "'@SUM(A1)" {
			t.Errorf("auditor row: %q", rows[1])
		}
		if rows[2][4] != "139****1111" {
			t.Errorf("others' numbers are masked: %q", rows[2])
		}
		// The manager sees whole numbers (defused, as text).
		rows = readCSV(t, e.call(t, "GET", api+"/patient/export/", query("token", manager.token, "sort_by", "id", "order", "asc")))
		if rows[1][4] != "'+86 135 1234 6666" {
			t.Errorf("manager row: %q", rows[1])
		}
		// Scope: only one's own patients.
		rows = readCSV(t, e.call(t, "GET", api+"/patient/export/", query("token", own.token)))
		if len(rows) != 2 || rows[1][1] != "自己的" || rows[1][4] != "13900001111" {
			t.Errorf("own scope: %v", rows)
		}
		// Refused before the first byte: ordinary JSON errors.
		wantError(t, e.call(t, "GET", api+"/patient/export/", query("token", e.newAccount(t, access.RoleConsultant).token)), 48001, "用户没有权限")
		wantError(t, e.call(t, "GET", api+"/patient/export/", query("token", manager.token, "format", "pdf")), 40035, "参数不合法: format")
		wantError(t, e.call(t, "GET", api+"/patient/export/", query("token", manager.token, "sort_by", "tel")), 40035, "参数不合法: sort_by")
		wantError(t, e.call(t, "GET", api+"/patient/export/"), 41001, "缺少token参数")
	})
}

func TestExportXLSX(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		d := newReportData(t, e, shanghai)
		csvRows := readCSV(t, e.call(t, "GET", api+"/patient/export/", query("token", d.manager.token)))
		resp := e.call(t, "GET", api+"/patient/export/", query("token", d.manager.token, "format", "xlsx"))
		if resp.header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" ||
			!regexp.MustCompile(`^attachment; filename="patients_\d{8}_\d{6}\.xlsx"; filename\*=UTF-8''%E6%82%A3`).MatchString(resp.header.Get("Content-Disposition")) {
			t.Errorf("headers: %v", resp.header)
		}
		book, err := excelize.OpenReader(bytes.NewReader(resp.body))
		if err != nil {
			t.Fatal(err)
		}
		defer book.Close()
		if sheets := book.GetSheetList(); len(sheets) != 1 || sheets[0] != "患者" {
			t.Errorf("sheets %v", sheets)
		}
		rows, err := book.GetRows("患者")
		if err != nil {
			t.Fatal(err)
		}
		// Spreadsheet rows drop trailing empty cells; compare padded.
		for i := range rows {
			for len(rows[i]) < len(csvRows[i]) {
				rows[i] = append(rows[i], "")
			}
		}
		if joinRows(rows) != joinRows(csvRows) {
			t.Errorf("XLSX and CSV differ:\n%s\n---\n%s", joinRows(rows), joinRows(csvRows))
		}
		if n, _ := strconv.Atoi(rows[1][0]); n != 6 {
			t.Errorf("first row %v", rows[1])
		}
	})
}

// Every export leaves an operation-log entry: who, which filter and sort,
// the format and how many rows; a searched number is masked as phone
// numbers are in the log. A refused export leaves none.
func TestExportIsAudited(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		e.clock.Set(time.Date(2026, 11, 24, 15, 30, 5, 0, shanghai))
		d := newReportData(t, e, shanghai)
		m := d.manager.token
		e.call(t, "GET", api+"/patient/export/", query("token", m))
		e.call(t, "GET", api+"/patient/export/", query("token", m, "format", "xlsx", "state", "2", "keyword", "男科",
			"sort_by", "orderTime", "order", "asc", "add_time_from", "1700000000"))
		e.call(t, "GET", api+"/patient/export/", query("token", m, "q", "135 1234 6666"))
		e.call(t, "GET", api+"/patient/export/", query("token", m, "format", "pdf")) // 40035
		e.call(t, "GET", api+"/patient/export/", query("token", d.alice.token))      // 48001 for a consultant
		var lines []string
		for _, en := range readLog(t, e, e.admin(t).token, "action", "patient.export") {
			summary, _ := json.Marshal(en.Summary)
			lines = append(lines, fmt.Sprintf("%s %s %s/%s %s", *en.UserID, en.Username, en.TargetType, en.TargetID, summary))
		}
		who := fmt.Sprintf("%d %s patient/", d.manager.id, d.manager.username)
		want := []string{
			who + ` {"complete":true,"filter":{"q":"135****6666"},"format":"csv","order":"desc","rows":0,"sort_by":"add_time"}`,
			who + ` {"complete":true,"filter":{"add_time_from":1700000000,"keyword":"男科","state":2},"format":"xlsx","order":"asc","rows":0,"sort_by":"order_time"}`,
			who + ` {"complete":true,"filter":{},"format":"csv","order":"desc","rows":6,"sort_by":"add_time"}`,
		}
		if strings.Join(lines, "\n") != strings.Join(want, "\n") {
			t.Errorf("log:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
		}
	})
}
