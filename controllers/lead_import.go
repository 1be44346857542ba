package controllers

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"crm/apierr"
	"crm/internal/spreadsheet"
	"crm/middleware"
	"crm/models/leadimport"
	"crm/models/patient"
)

// LeadImportController imports leads from spreadsheets (XLSX or CSV): a
// template to fill, a preview that reports every row's problems, and the
// import itself, all-or-nothing or skipping the bad rows.
type LeadImportController struct {
	DB           *gorm.DB
	Now          func() time.Time
	Clinic       *Clinic       // times without a zone are the clinic's
	ParseTimeout time.Duration // reading one file
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
	errLeadFile   = apierr.Invalid("file")
	errLeadNoFile = apierr.Missing("file")
	// An .xls, or an encrypted workbook (stored the same way).
	errLeadLegacyExcel = &apierr.Error{Code: apierr.CodeInvalidParam, Message: "参数不合法: file（不支持 Excel 97-2003 的 .xls 或加密的文件，请另存为 .xlsx 或 .csv）"}
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
	in := leadimport.LeadImport{Commit: commit, AuthorID: b.optionalRef("author_id")}
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
	rows := leadRowReader{loc: lc.Clinic.Location(c), now: lc.Now()}
	format, err := lc.readLeadFile(c.Request.Context(), upload, rows.add)
	if err != nil {
		return nil, err
	}
	if rows.params == nil {
		return nil, errLeadFile // no header: nothing but blank rows
	}
	in.Format, in.Rows = string(format), rows.rows
	report, err := leadimport.ImportLeads(c.Request.Context(), lc.DB, viewer, in, lc.Now())
	if err != nil {
		return nil, err
	}
	out := leadImportJSON{Format: in.Format, Filename: in.Filename, Rows: report.Rows, Valid: report.Valid, Problems: report.Problems,
		Duplicates: report.Duplicates, Imported: report.Imported, Committed: report.Committed, IgnoredColumns: rows.ignored,
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

// leadFileLimits: a file of up to MaxLeadRows leads, its header above.
var leadFileLimits = func() spreadsheet.Limits {
	lim := spreadsheet.Default
	lim.Rows = leadimport.MaxLeadRows + 1
	return lim
}()

// readLeadFile reads the first sheet of an XLSX file, or a CSV file in
// UTF-8 (with or without a BOM) or GB18030 (as Excel saves it on Chinese
// Windows), passing each row to each, within the file limits and the
// parse timeout; a file past either is refused with 40035 naming it.
func (lc LeadImportController) readLeadFile(ctx context.Context, u middleware.Upload, each spreadsheet.RowFunc) (spreadsheet.Format, error) {
	ctx, cancel := context.WithTimeout(ctx, lc.ParseTimeout)
	defer cancel()
	format, err := spreadsheet.Read(ctx, u.Data, u.Filename, leadFileLimits, each)
	var limit *spreadsheet.LimitError
	switch {
	case err == nil:
		return format, nil
	case errors.As(err, &limit):
		return "", errLeadFileLimit(limit)
	case errors.Is(err, spreadsheet.ErrLegacyExcel):
		return "", errLeadLegacyExcel
	case errors.Is(err, spreadsheet.ErrUnreadable):
		return "", errLeadFile
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil:
		return "", &apierr.Error{Code: apierr.CodeInvalidParam, Message: fmt.Sprintf("参数不合法: file（未能在 %s 内读完，文件过大或过于复杂）", lc.ParseTimeout)}
	}
	return "", err // the row reader's own answer, or the client gone
}

// errLeadFileLimit names the limit a file went past.
func errLeadFileLimit(e *spreadsheet.LimitError) error {
	var what string
	switch e.Limit {
	case spreadsheet.LimitRows:
		what = fmt.Sprintf("最多 %d 行", leadimport.MaxLeadRows)
	case spreadsheet.LimitColumns:
		what = fmt.Sprintf("最多 %d 列", e.Max)
	case spreadsheet.LimitCellChars:
		what = fmt.Sprintf("单元格最多 %d 字", e.Max)
	case spreadsheet.LimitSharedStrings:
		what = fmt.Sprintf("共享字符串最多 %d 个", e.Max)
	case spreadsheet.LimitSharedStringBytes:
		what = fmt.Sprintf("共享字符串解压后最多 %d MiB", e.Max>>20)
	case spreadsheet.LimitUnzipped:
		what = fmt.Sprintf("解压后最多 %d MiB", e.Max>>20)
	default:
		return errLeadFile
	}
	return &apierr.Error{Code: apierr.CodeInvalidParam, Message: "参数不合法: file（" + what + "）"}
}

// leadRowReader binds each row after the header by the registration's
// rules as it is read, noting every problem of a row, not only its first;
// blank rows are skipped. Columns with other headers are ignored and named.
type leadRowReader struct {
	loc     *time.Location
	now     time.Time
	params  []string // by column; nil until the header is read
	ignored []string
	rows    []leadimport.LeadRow
}

func (r *leadRowReader) add(line int, cells []string) error {
	if blankRow(cells) {
		return nil
	}
	if r.params == nil {
		return r.header(cells)
	}
	values := map[string]string{"state": "0", "add_time": strconv.FormatInt(r.now.Unix(), 10)}
	row := leadimport.LeadRow{Line: line, Names: map[string]string{}}
	for j, cell := range cells {
		param := ""
		if j < len(r.params) {
			param = r.params[j]
		}
		cell = strings.TrimSpace(cell)
		switch {
		case param == "" || cell == "":
		case namedParams[param]:
			row.Names[param] = cell
		case param == "add_time":
			at, ok := parseLocalTime(cell, r.loc)
			if !ok {
				row.Problems = append(row.Problems, leadimport.LeadProblem{Field: param, Code: apierr.CodeInvalidParam, Message: "参数不合法: add_time"})
				continue
			}
			values[param] = strconv.FormatInt(at, 10)
		default:
			values[param] = cell
		}
	}
	row.Patient, row.Problems = bindLeadRow(values, row.Problems)
	r.rows = append(r.rows, row)
	return nil
}

// header reads the first row that is not blank: the columns' meanings.
func (r *leadRowReader) header(cells []string) error {
	r.params = make([]string, len(cells))
	r.ignored = []string{}
	seen := map[string]bool{}
	for i, title := range cells {
		title = strings.TrimSpace(title)
		if param, ok := leadHeaders[title]; ok && !seen[param] {
			r.params[i], seen[param] = param, true
		} else if title != "" {
			r.ignored = append(r.ignored, title)
		}
	}
	if !seen["name"] {
		return &apierr.Error{Code: apierr.CodeInvalidParam, Message: "参数不合法: file（缺少“姓名”列）"}
	}
	return nil
}

// bindLeadRow binds a row's values; each field is bound on its own too
// when any fails, so that the report lists every problem of the row.
func bindLeadRow(values map[string]string, problems []leadimport.LeadProblem) (patient.Patient, []leadimport.LeadProblem) {
	all := &binder{params: middleware.ParamsFrom(values)}
	p, _ := bindPatientFields(all, func(...string) bool { return true })
	if all.err == nil {
		return p, problems
	}
	for _, f := range patient.PatientFieldTable() {
		if !f.Writable {
			continue
		}
		one := &binder{params: middleware.ParamsFrom(values)}
		bindPatientFields(one, func(names ...string) bool { return names[0] == f.Column })
		var e *apierr.Error
		if errors.As(one.err, &e) {
			problems = append(problems, leadimport.LeadProblem{Field: f.Column, Code: e.Code, Message: e.Message})
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
