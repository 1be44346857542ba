package spreadsheet_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"crm/internal/hostilefiles"
	"crm/internal/spreadsheet"
)

type row struct {
	Line  int
	Cells []string
}

func read(t *testing.T, data []byte, name string, lim spreadsheet.Limits) ([]row, spreadsheet.Format, error) {
	t.Helper()
	var out []row
	format, err := spreadsheet.Read(context.Background(), data, name, lim, func(line int, cells []string) error {
		out = append(out, row{line, append([]string(nil), cells...)})
		return nil
	})
	return out, format, err
}

func TestXLSXAsExcelAndExcelizeWriteIt(t *testing.T) {
	book := excelize.NewFile()
	defer book.Close()
	mustDo(t, book.SetSheetRow("Sheet1", "A1", &[]any{"姓名", "电话", "登记时间", "年龄", "备注"}))
	mustDo(t, book.SetSheetRow("Sheet1", "A2", &[]any{"张三", 13512345678, time.Date(2026, 11, 24, 10, 30, 0, 0, time.UTC), 30, "  带空格  "}))
	mustDo(t, book.SetCellValue("Sheet1", "C4", time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)))
	mustDo(t, book.SetCellRichText("Sheet1", "A4", []excelize.RichTextRun{{Text: "李"}, {Text: "四"}}))
	mustDo(t, book.SetCellBool("Sheet1", "D4", true))
	mustDo(t, book.SetCellFormula("Sheet1", "E4", "1+1"))
	mustDo(t, book.SetCellInt("Sheet1", "D5", 7))
	_, err := book.NewSheet("second")
	mustDo(t, err)
	mustDo(t, book.SetCellStr("second", "A1", "not read"))
	var buf bytes.Buffer
	mustDo(t, book.Write(&buf))

	got, format, err := read(t, buf.Bytes(), "a.xlsx", spreadsheet.Default)
	if err != nil || format != spreadsheet.XLSX {
		t.Fatalf("%v %v", format, err)
	}
	want := []row{
		{1, []string{"姓名", "电话", "登记时间", "年龄", "备注"}},
		{2, []string{"张三", "13512345678", "2026-11-24 10:30:00", "30", "  带空格  "}},
		{4, []string{"李四", "", "2026-11-25", "TRUE"}},
		{5, []string{"", "", "", "7"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

func TestXLSXStreamedInlineAndPrefixed(t *testing.T) {
	// The export's writer: inline strings, rows written in order.
	book := excelize.NewFile()
	defer book.Close()
	sw, err := book.NewStreamWriter("Sheet1")
	mustDo(t, err)
	mustDo(t, sw.SetRow("A1", []any{"姓名", "电话"}))
	mustDo(t, sw.SetRow("A2", []any{"王五", "13600000000"}))
	mustDo(t, sw.Flush())
	var buf bytes.Buffer
	mustDo(t, book.Write(&buf))
	got, _, err := read(t, buf.Bytes(), "export.xlsx", spreadsheet.Default)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]row{{1, []string{"姓名", "电话"}}, {2, []string{"王五", "13600000000"}}}, got); diff != "" {
		t.Errorf("streamed (-want +got):\n%s", diff)
	}

	// The OpenXML SDK's habit: every element with a prefix, a date style
	// of the Chinese locale, a number in exponent form, no cell references.
	sheet := `<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>` +
		`<x:row><x:c t="inlineStr"><x:is><x:t>赵六</x:t></x:is></x:c><x:c><x:v>1.3512345678E10</x:v></x:c><x:c s="1"><x:v>46350.4375</x:v></x:c></x:row>` +
		`</x:sheetData></x:worksheet>`
	styles := `<x:styleSheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:cellXfs count="2"><x:xf numFmtId="0"/><x:xf numFmtId="31"/></x:cellXfs></x:styleSheet>`
	data := zipOf(t, map[string]string{
		"_rels/.rels":     `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="R1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="/xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml": `<x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><x:sheets><x:sheet name="A" sheetId="1" r:id="R2"/></x:sheets></x:workbook>`,
		"xl/_rels/workbook.xml.rels": `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="R2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/s.xml"/>` +
			`<Relationship Id="R3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`,
		"xl/worksheets/s.xml": sheet,
		"xl/styles.xml":       styles,
	})
	got, _, err = read(t, data, "sdk.xlsx", spreadsheet.Default)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]row{{1, []string{"赵六", "13512345678", "2026-11-24 10:30:00"}}}, got); diff != "" {
		t.Errorf("prefixed (-want +got):\n%s", diff)
	}
}

func TestCSVEncodingsAndLines(t *testing.T) {
	text := "姓名,备注\r\n\r\n张三,\"两行\n备注\"\n李四,,,,\n"
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(text)
	mustDo(t, err)
	want := []row{{1, []string{"姓名", "备注"}}, {3, []string{"张三", "两行\n备注"}}, {5, []string{"李四"}}}
	for name, data := range map[string]string{"utf8": text, "bom": "\ufeff" + text, "gb18030": gbk} {
		got, format, err := read(t, []byte(data), "a.csv", spreadsheet.Default)
		if err != nil || format != spreadsheet.CSV {
			t.Fatalf("%s: %v %v", name, format, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
}

func TestRefusals(t *testing.T) {
	lim := spreadsheet.Default
	small := spreadsheet.Limits{Rows: 3, Columns: 4, CellChars: 5, SharedStrings: 3, SharedStringBytes: 1 << 10, Unzipped: 64 << 10}
	limit := func(l spreadsheet.Limit, n int64) error { return &spreadsheet.LimitError{Limit: l, Max: n} }
	cases := []struct {
		name string
		data []byte
		file string
		lim  spreadsheet.Limits
		want error
	}{
		{"a column past XFD", hostilefiles.WideXLSX(6000), "a.xlsx", lim, limit(spreadsheet.LimitColumns, 64)},
		{"a row bomb", hostilefiles.ZipBomb(250 << 20), "a.xlsx", lim, limit(spreadsheet.LimitRows, 20_001)},
		{"a comment bomb", hostilefiles.CommentBomb(1 << 30), "a.xlsx", lim, limit(spreadsheet.LimitUnzipped, 64<<20)},
		{"2M shared strings", hostilefiles.SharedStringsBomb(2_000_000), "a.xlsx", lim, limit(spreadsheet.LimitSharedStrings, 500_000)},
		{"shared strings past their bytes", hostilefiles.SharedStringsBomb(200), "a.xlsx", small, limit(spreadsheet.LimitSharedStringBytes, 1<<10)},
		{"a 60 MiB cell", hostilefiles.HugeCell(60 << 20), "a.xlsx", lim, limit(spreadsheet.LimitCellChars, 10_000)},
		{"XXE", hostilefiles.XXE(), "a.xlsx", lim, spreadsheet.ErrUnreadable},
		{"billion laughs", hostilefiles.BillionLaughs(), "a.xlsx", lim, spreadsheet.ErrUnreadable},
		{"10 MB of empty fields", hostilefiles.EmptyFieldsCSV(10 << 20), "a.csv", lim, limit(spreadsheet.LimitColumns, 64)},
		{"10 MB of empty rows", hostilefiles.EmptyRowsCSV(10 << 20), "a.csv", lim, limit(spreadsheet.LimitRows, 20_001)},
		{"quoted line breaks", hostilefiles.QuotedFieldsCSV(10 << 20), "a.csv", lim, limit(spreadsheet.LimitColumns, 64)},
		{"a long CSV cell", []byte("姓名\n" + strings.Repeat("长", 6)), "a.csv", small, limit(spreadsheet.LimitCellChars, 5)},
		{"a long CSV record", []byte("姓名\n" + strings.Repeat("a", 200)), "a.csv", small, limit(spreadsheet.LimitCellChars, 5)},
		{"CSV rows", []byte("a\nb\nc\nd\n"), "a.csv", small, limit(spreadsheet.LimitRows, 3)},
		{"CSV columns", []byte("a,b,c,d,e\n"), "a.csv", small, nil},
		{"an .xls", append([]byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), make([]byte, 512)...), "a.xls", lim, spreadsheet.ErrLegacyExcel},
		{"binary", []byte("\x00\x01"), "a.csv", lim, spreadsheet.ErrUnreadable},
		{"text named .xlsx", []byte("姓名"), "a.xlsx", lim, spreadsheet.ErrUnreadable},
		{"truncated zip", hostilefiles.WideXLSX(10)[:200], "a.xlsx", lim, spreadsheet.ErrUnreadable},
		{"unterminated quote", []byte("姓名\n\"赵"), "a.csv", lim, spreadsheet.ErrUnreadable},
	}
	cases[14].want = limit(spreadsheet.LimitColumns, 4)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, _, err := read(t, c.data, c.file, c.lim)
			runtime.ReadMemStats(&after)
			var gotLimit, wantLimit *spreadsheet.LimitError
			switch {
			case errors.As(c.want, &wantLimit):
				if !errors.As(err, &gotLimit) || *gotLimit != *wantLimit {
					t.Fatalf("got %v, want %v", err, c.want)
				}
			case !errors.Is(err, c.want):
				t.Fatalf("got %v, want %v", err, c.want)
			}
			// Whatever the file, reading it allocates a bounded amount in
			// all: the limits, not the file's claims, decide it.
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 200<<20 {
				t.Errorf("allocated %d MiB", alloc>>20)
			}
		})
	}
}

// The bombs are valid archives: read whole, they unzip to what they claim.
func TestBombsUnzip(t *testing.T) {
	data := hostilefiles.CommentBomb(3 << 20)
	z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	mustDo(t, err)
	for _, f := range z.File {
		rc, err := f.Open()
		mustDo(t, err)
		n, err := io.Copy(io.Discard, rc)
		if err != nil || uint64(n) != f.UncompressedSize64 {
			t.Errorf("%s: %d bytes, %v", f.Name, n, err)
		}
	}
	if len(data) > 64<<10 {
		t.Errorf("a 3 MiB bomb is %d bytes", len(data))
	}
}

func TestDeadline(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := spreadsheet.Read(ctx, hostilefiles.CommentBomb(32<<20), "a.xlsx", spreadsheet.Default, func(int, []string) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
}

func zipOf(t *testing.T, parts map[string]string) []byte {
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for name, text := range parts {
		w, err := z.Create(name)
		mustDo(t, err)
		_, err = w.Write([]byte(text))
		mustDo(t, err)
	}
	mustDo(t, z.Close())
	return buf.Bytes()
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
