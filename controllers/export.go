package controllers

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"crm/middleware"
	"crm/models/access"
	"crm/models/export"
	"crm/models/patient"
)

// ExportController writes the patient list as a file. It is not a JSON
// handler: errors found before the first byte are rendered as usual; an
// error after it aborts the connection, so a broken download never looks
// like a complete file.
type ExportController struct {
	DB     *gorm.DB
	Now    func() time.Time
	Clinic *Clinic // the time zone of the file's times
	Log    *slog.Logger
	loc    *time.Location // the Clinic's, read once per export
}

// Writes are given this long, renewed every flushEvery rows: an export of
// a million rows takes longer than the server's write timeout.
const (
	exportWriteWindow  = 2 * time.Minute
	flushEvery         = 5000
	xlsxMaxRows        = 1_048_576 // Excel's rows per sheet, the header included
	exportAuditTimeout = 5 * time.Second
)

// Export is GET /patient/export: format (csv|xlsx, default csv), and the
// list's filters and sort.
func (ec ExportController) Export(c *gin.Context) {
	viewer, err := middleware.CurrentUser(c)
	if err != nil {
		middleware.Fail(c, err)
		return
	}
	b := newBinder(c)
	format := "csv"
	if f, ok := b.optionalChoice([]string{"csv", "xlsx"}, "format"); ok {
		format = f
	}
	filter := bindPatientFilter(b)
	order := bindPatientOrder(b)
	if b.err != nil {
		middleware.Fail(c, b.err)
		return
	}
	ec.loc = ec.Clinic.Location(c)
	rc := http.NewResponseController(c.Writer)
	_ = rc.SetWriteDeadline(time.Now().Add(exportWriteWindow))
	stamp := ec.Now().In(ec.loc).Format("20060102_150405") + "." + format
	name := downloadName{utf8: "患者导出_" + stamp, ascii: "patients_" + stamp}
	write := ec.writeCSV
	if format == "xlsx" {
		write = ec.writeXLSX
	}
	started, rows, err := write(c, rc, viewer, filter, order, name)
	if started {
		ec.audit(c, viewer, export.ExportAudit{Format: format, Filter: filter, Page: order, Rows: rows, Complete: err == nil})
	}
	ec.finish(c, started, rows, err)
}

// audit logs an export that sent something, complete or not; the client
// may be gone, so the entry is written on a context of its own.
func (ec ExportController) audit(c *gin.Context, v access.Viewer, a export.ExportAudit) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), exportAuditTimeout)
	defer cancel()
	if err := export.RecordExport(ctx, ec.DB, v, a, ec.Now()); err != nil {
		ec.Log.Error("export not logged", "request_id", middleware.RequestID(c), "rows", a.Rows, "error", err.Error())
	}
}

func (ec ExportController) values(r patient.ExportRecord) []string { return r.Cells(ec.loc) }

// writeCSV and writeXLSX send the file; started: its first byte went out.
func (ec ExportController) writeCSV(c *gin.Context, rc *http.ResponseController, v access.Viewer, f patient.PatientFilter, order patient.PatientPage, name downloadName) (started bool, rows int, err error) {
	var out *bufio.Writer
	var w *csv.Writer
	err = export.ExportPatients(c.Request.Context(), ec.DB, v, f, order, func(r patient.ExportRecord) error {
		if !started {
			started = true
			ec.startDownload(c, "text/csv; charset=utf-8", name)
			out = bufio.NewWriterSize(c.Writer, 64<<10)
			out.WriteString("\ufeff") // a BOM, or Excel reads the UTF-8 as GBK
			w = csv.NewWriter(out)
			if err := w.Write(patient.ExportHeader()); err != nil {
				return err
			}
		}
		values := ec.values(r)
		for i, s := range values {
			values[i] = defuseFormula(s)
		}
		if err := w.Write(values); err != nil {
			return err
		}
		if rows++; rows%flushEvery == 0 {
			return flushExport(w, out, rc)
		}
		return nil
	})
	if err == nil && !started { // no rows: still a file, with its header
		started = true
		ec.startDownload(c, "text/csv; charset=utf-8", name)
		out = bufio.NewWriterSize(c.Writer, 64<<10)
		out.WriteString("\ufeff")
		w = csv.NewWriter(out)
		err = w.Write(patient.ExportHeader())
	}
	if err == nil {
		err = flushExport(w, out, rc)
	}
	return started, rows, err
}

func flushExport(w *csv.Writer, out *bufio.Writer, rc *http.ResponseController) error {
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	if err := out.Flush(); err != nil {
		return err
	}
	_ = rc.SetWriteDeadline(time.Now().Add(exportWriteWindow))
	return rc.Flush()
}

// defuseFormula keeps a spreadsheet from running text as a formula
// (CSV injection): a cell starting with = + - @ or a control character
// gets a leading apostrophe, which Excel hides.
func defuseFormula(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// writeXLSX builds the workbook with excelize's stream writer, which
// spills rows to a temporary file, then sends it: a zip is only complete
// at its end. Cells are written as strings, never formulas.
func (ec ExportController) writeXLSX(c *gin.Context, rc *http.ResponseController, v access.Viewer, f patient.PatientFilter, order patient.PatientPage, name downloadName) (started bool, rows int, err error) {
	book := excelize.NewFile()
	defer book.Close()
	sheets := 0
	var sw *excelize.StreamWriter
	row := 0
	newSheet := func() error {
		sheets++
		sheet := "患者"
		if sheets > 1 {
			sheet = fmt.Sprintf("患者%d", sheets)
			if _, err := book.NewSheet(sheet); err != nil {
				return err
			}
		} else if err := book.SetSheetName("Sheet1", sheet); err != nil {
			return err
		}
		var err error
		if sw, err = book.NewStreamWriter(sheet); err != nil {
			return err
		}
		row = 1
		return sw.SetRow("A1", toCells(patient.ExportHeader()))
	}
	err = newSheet()
	if err == nil {
		err = export.ExportPatients(c.Request.Context(), ec.DB, v, f, order, func(r patient.ExportRecord) error {
			if row == xlsxMaxRows {
				if err := sw.Flush(); err != nil {
					return err
				}
				if err := newSheet(); err != nil {
					return err
				}
			}
			row++
			cell, err := excelize.CoordinatesToCellName(1, row)
			if err != nil {
				return err
			}
			if rows++; rows%flushEvery == 0 {
				_ = rc.SetWriteDeadline(time.Now().Add(exportWriteWindow))
			}
			return sw.SetRow(cell, toCells(ec.values(r)))
		})
	}
	if err == nil {
		err = sw.Flush()
	}
	if err != nil {
		return false, rows, err
	}
	ec.startDownload(c, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name)
	_ = rc.SetWriteDeadline(time.Now().Add(exportWriteWindow))
	// excelize assembles the zip in a bytes.Buffer (hundreds of MB for a
	// million rows); its zip-writer hook sends the archive straight to the
	// client instead, leaving that buffer empty.
	book.SetZipWriter(func(io.Writer) excelize.ZipWriter {
		return zip.NewWriter(&deadlineWriter{w: c.Writer, rc: rc})
	})
	return true, rows, book.Write(io.Discard)
}

// deadlineWriter renews the write deadline as a large body goes out.
type deadlineWriter struct {
	w       io.Writer
	rc      *http.ResponseController
	written int64
}

func (d *deadlineWriter) Write(p []byte) (int, error) {
	if d.written/(16<<20) != (d.written+int64(len(p)))/(16<<20) {
		_ = d.rc.SetWriteDeadline(time.Now().Add(exportWriteWindow))
	}
	d.written += int64(len(p))
	return d.w.Write(p)
}

func toCells(values []string) []any {
	cells := make([]any, len(values))
	for i, s := range values {
		cells[i] = s
	}
	return cells
}

type downloadName struct{ utf8, ascii string }

// startDownload sends the headers: the UTF-8 filename (RFC 6266/5987) with
// an ASCII one for old clients.
func (ec ExportController) startDownload(c *gin.Context, contentType string, name downloadName) {
	c.Header("Content-Type", contentType)
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, name.ascii, url.PathEscape(name.utf8)))
	c.Header("Cache-Control", "no-store")
	c.Status(http.StatusOK)
}

// finish reports how the export ended. Before the first byte an error is
// an ordinary answer; after it the connection is aborted.
func (ec ExportController) finish(c *gin.Context, started bool, rows int, err error) {
	switch {
	case err == nil:
		ec.Log.Info("export", "request_id", middleware.RequestID(c), "rows", rows)
	case !started:
		middleware.Fail(c, err)
	default:
		ec.Log.Error("export broken off", "request_id", middleware.RequestID(c), "rows", rows, "error", err.Error())
		panic(http.ErrAbortHandler)
	}
}
