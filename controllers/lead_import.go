package controllers

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"gorm.io/gorm"

	"crm/apierr"
	"crm/middleware"
	"crm/models"
)

// LeadImportController imports leads from spreadsheets (XLSX or CSV): a
// template to fill, a preview that reports every row's problems, and the
// import itself, all-or-nothing or skipping the bad rows.
type LeadImportController struct {
	DB     *gorm.DB
	Now    func() time.Time
	Clinic *Clinic // times without a zone are the clinic's
}

// The file's columns are the export's (models.PatientField.Header), so an
// exported file imports back; leads come in untreated, so the workflow's
// columns are not read. Channels, diseases and doctors are named.
var leadParams = []string{"name", "sex", "age", "tel", "wechat", "qq", "area", "add_time", "media_from_id",
	"disease_id", "doctor_id", "advisory_way", "advisory_content", "remarks", "keyword", "landing_page"}

// namedParams are the dictionary columns, written as names.
var namedParams = map[string]bool{"media_from_id": true, "disease_id": true, "doctor_id": true}

var leadHeaders = func() map[string]string {
	out := map[string]string{}
	for _, param := range leadParams {
		out[fieldNamed(param).Header()] = param
	}
	return out
}()

func leadTemplateRows() [][]string {
	header := make([]string, len(leadParams))
	for i, param := range leadParams {
		header[i] = fieldNamed(param).Header()
	}
	example := []string{"张三", "1", "30", "13512345678", "wx_zhangsan", "", "温州", "2026-11-24 10:30:00", "百度",
		"", "", "商务通", "咨询前列腺炎", "", "温州男科医院", "https://m.example.com/nk/"}
	return [][]string{header, example}
}

// errLeadFile: the upload is not a spreadsheet this reads.
var (
	errLeadFile     = apierr.Invalid("file")
	errLeadNoFile   = apierr.Missing("file")
	errLeadTooLarge = &apierr.Error{Code: apierr.CodeInvalidParam, Message: "参数不合法: file（最多 20000 行）"}
)

// Template is GET /patient/import/template: the columns to fill and an
// example row, as xlsx (default) or csv.
func (lc LeadImportController) Template(c *gin.Context) {
	b := newBinder(c)
	format, _ := b.optionalChoice([]string{"xlsx", "csv"}, "format")
	if b.err != nil {
		middleware.Fail(c, b.err)
		return
	}
	rows := leadTemplateRows()
	var body bytes.Buffer
	contentType := "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	if format == "csv" {
		contentType = "text/csv; charset=utf-8"
		body.WriteString("\ufeff")
		w := csv.NewWriter(&body)
		_ = w.WriteAll(rows)
	} else {
		format = "xlsx"
		book := excelize.NewFile()
		defer book.Close()
		for i, row := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := book.SetSheetRow("Sheet1", cell, &row); err != nil {
				middleware.Fail(c, err)
				return
			}
		}
		_ = book.SetSheetName("Sheet1", "线索")
		if err := book.Write(&body); err != nil {
			middleware.Fail(c, err)
			return
		}
	}
	name := downloadName{utf8: "线索导入模板." + format, ascii: "lead_template." + format}
	ExportController{}.startDownload(c, contentType, name)
	_, _ = c.Writer.Write(body.Bytes())
}

type leadProblemJSON struct {
	Field     string `json:"field"`
	StateCode int    `json:"stateCode"`
	Message   string `json:"message"`
}

type leadRowJSON struct {
	Line          int               `json:"line"`
	Name          string            `json:"name"`
	Problems      []leadProblemJSON `json:"problems"`
	DuplicateOf   []string          `json:"duplicateOf"`
	DuplicateLine *int              `json:"duplicateLine"`
}

type leadImportJSON struct {
	Format         string        `json:"format"`
	Filename       string        `json:"filename"`
	Rows           int           `json:"rows"`
	Valid          int           `json:"valid"`
	Problems       int           `json:"problems"`
	Duplicates     int           `json:"duplicates"`
	Imported       int           `json:"imported"`
	Committed      bool          `json:"committed"`
	IgnoredColumns []string      `json:"ignoredColumns"`
	Report         []leadRowJSON `json:"report"`
}

type leadImportEnvelope struct {
	Import leadImportJSON `json:"import"`
}

// Preview is POST /patient/import/preview: the file checked, nothing
// written.
func (lc LeadImportController) Preview(c *gin.Context) (any, error) {
	return lc.run(c, false)
}

// Import is POST /patient/import: mode all (default: nothing unless every
// row is good) or skip (the good rows), allow_duplicates, author_id.
func (lc LeadImportController) Import(c *gin.Context) (any, error) {
	return lc.run(c, true)
}

func (lc LeadImportController) run(c *gin.Context, commit bool) (any, error) {
	viewer, err := middleware.CurrentUser(c)
	if err != nil {
		return nil, err
	}
	b := newBinder(c)
	in := models.LeadImport{Commit: commit, AuthorID: b.optionalRef("author_id")}
	if mode, ok := b.optionalChoice([]string{"all", "skip"}, "mode"); ok {
		in.SkipBad = mode == "skip"
	}
	if allow := b.optionalBool("allow_duplicates"); allow != nil {
		in.AllowDuplicates = *allow
	}
	if b.err != nil {
		return nil, b.err
	}
	upload, ok := middleware.UploadOf(c)
	if !ok {
		return nil, errLeadNoFile
	}
	in.Filename = path.Base(strings.ReplaceAll(upload.Filename, `\`, "/"))
	table, format, err := readSpreadsheet(upload)
	if err != nil {
		return nil, err
	}
	in.Format = format
	rows, ignored, err := lc.leadRows(table, lc.Clinic.Location(c))
	if err != nil {
		return nil, err
	}
	in.Rows = rows
	report, err := models.ImportLeads(c.Request.Context(), lc.DB, viewer, in, lc.Now())
	if err != nil {
		return nil, err
	}
	out := leadImportJSON{Format: format, Filename: in.Filename, Rows: report.Rows, Valid: report.Valid, Problems: report.Problems,
		Duplicates: report.Duplicates, Imported: report.Imported, Committed: report.Committed, IgnoredColumns: ignored,
		Report: make([]leadRowJSON, len(report.Report))}
	for i, r := range report.Report {
		row := leadRowJSON{Line: r.Line, Name: r.Name, Problems: make([]leadProblemJSON, len(r.Problems)), DuplicateOf: presentIDs(r.DuplicateOf)}
		for j, p := range r.Problems {
			row.Problems[j] = leadProblemJSON{Field: p.Field, StateCode: p.Code, Message: p.Message}
		}
		if r.DuplicateLine > 0 {
			line := r.DuplicateLine
			row.DuplicateLine = &line
		}
		out.Report[i] = row
	}
	return leadImportEnvelope{Import: out}, nil
}

// readSpreadsheet reads the first sheet of an XLSX file, or a CSV file in
// UTF-8 (with or without a BOM) or GB18030 (as Excel saves it on Chinese
// Windows), as rows of trimmed cells.
func readSpreadsheet(u middleware.Upload) ([][]string, string, error) {
	if bytes.HasPrefix(u.Data, []byte("PK\x03\x04")) {
		rows, err := readXLSX(u.Data)
		return rows, "xlsx", err
	}
	if strings.HasSuffix(strings.ToLower(u.Filename), ".xlsx") || bytes.IndexByte(u.Data, 0) >= 0 {
		return nil, "", errLeadFile
	}
	data := bytes.TrimPrefix(u.Data, []byte("\ufeff"))
	if !utf8.Valid(data) {
		decoded, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
		if err != nil || !utf8.Valid(decoded) {
			return nil, "", errLeadFile
		}
		data = decoded
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	var rows [][]string
	for {
		record, err := r.Read()
		if errors.Is(err, io.EOF) {
			return rows, "csv", nil
		}
		if err != nil {
			return nil, "", errLeadFile
		}
		if rows = append(rows, record); len(rows) > models.MaxLeadRows+1 {
			return nil, "", errLeadTooLarge
		}
	}
}

func readXLSX(data []byte) ([][]string, error) {
	// Bounds on what the zip may unpack to: a small file must not expand
	// into gigabytes.
	book, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: 256 << 20, UnzipXMLSizeLimit: 64 << 20})
	if err != nil {
		return nil, errLeadFile
	}
	defer book.Close()
	sheets := book.GetSheetList()
	if len(sheets) == 0 {
		return nil, errLeadFile
	}
	iter, err := book.Rows(sheets[0])
	if err != nil {
		return nil, errLeadFile
	}
	defer iter.Close()
	var rows [][]string
	for iter.Next() {
		cells, err := iter.Columns()
		if err != nil {
			return nil, errLeadFile
		}
		if rows = append(rows, cells); len(rows) > models.MaxLeadRows+1 {
			return nil, errLeadTooLarge
		}
	}
	return rows, iter.Error()
}

// leadRows binds each row after the header by the registration's rules,
// noting every problem of a row, not only its first; blank rows are
// skipped. Columns with other headers are ignored and named.
func (lc LeadImportController) leadRows(table [][]string, loc *time.Location) ([]models.LeadRow, []string, error) {
	header := -1
	for i, row := range table {
		if !blankRow(row) {
			header = i
			break
		}
	}
	if header < 0 {
		return nil, nil, errLeadFile
	}
	params := make([]string, len(table[header]))
	ignored := []string{}
	seen := map[string]bool{}
	for i, title := range table[header] {
		title = strings.TrimSpace(title)
		if param, ok := leadHeaders[title]; ok && !seen[param] {
			params[i], seen[param] = param, true
		} else if title != "" {
			ignored = append(ignored, title)
		}
	}
	if !seen["name"] {
		return nil, nil, &apierr.Error{Code: apierr.CodeInvalidParam, Message: "参数不合法: file（缺少“姓名”列）"}
	}
	now := lc.Now()
	var rows []models.LeadRow
	for i, cells := range table[header+1:] {
		if blankRow(cells) {
			continue
		}
		values := map[string]string{"state": "0", "add_time": strconv.FormatInt(now.Unix(), 10)}
		row := models.LeadRow{Line: header + i + 2, Names: map[string]string{}}
		for j, cell := range cells {
			param := ""
			if j < len(params) {
				param = params[j]
			}
			cell = strings.TrimSpace(cell)
			switch {
			case param == "" || cell == "":
			case namedParams[param]:
				row.Names[param] = cell
			case param == "add_time":
				at, ok := parseLocalTime(cell, loc)
				if !ok {
					row.Problems = append(row.Problems, models.LeadProblem{Field: param, Code: apierr.CodeInvalidParam, Message: "参数不合法: add_time"})
					continue
				}
				values[param] = strconv.FormatInt(at, 10)
			default:
				values[param] = cell
			}
		}
		row.Patient, row.Problems = bindLeadRow(values, row.Problems)
		rows = append(rows, row)
	}
	return rows, ignored, nil
}

// bindLeadRow binds a row's values; each field is bound on its own too
// when any fails, so that the report lists every problem of the row.
func bindLeadRow(values map[string]string, problems []models.LeadProblem) (models.Patient, []models.LeadProblem) {
	all := &binder{params: middleware.ParamsFrom(values)}
	p, _ := bindPatientFields(all, func(...string) bool { return true })
	if all.err == nil {
		return p, problems
	}
	for _, f := range models.PatientFieldTable() {
		if !f.Writable {
			continue
		}
		one := &binder{params: middleware.ParamsFrom(values)}
		bindPatientFields(one, func(names ...string) bool { return names[0] == f.Column })
		var e *apierr.Error
		if errors.As(one.err, &e) {
			problems = append(problems, models.LeadProblem{Field: f.Column, Code: e.Code, Message: e.Message})
		}
	}
	return p, problems
}

func blankRow(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// parseLocalTime reads the times people type in spreadsheets, in the
// clinic's zone, or unix seconds.
func parseLocalTime(s string, loc *time.Location) (int64, bool) {
	for _, layout := range []string{time.DateTime, "2006-01-02 15:04", "2006/1/2 15:04:05", "2006/1/2 15:04", time.DateOnly, "2006/1/2"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil && t.Year() >= 1970 && t.Year() <= 9999 {
			return t.Unix(), true
		}
	}
	n, ok := parseInt(s, minUnixTime, maxUnixTime)
	return n, ok
}
