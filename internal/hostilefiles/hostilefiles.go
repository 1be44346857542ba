// Package hostilefiles builds the lead files an attacker would upload
// (and a valid one of the largest size), for the tests, the memory
// benchmark (bench/hostile) and the fuzz corpus. Bombs are assembled from
// one deflated block repeated, so that a gigabyte costs milliseconds to
// build, not a gigabyte of compression.
package hostilefiles

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"strings"

	"github.com/xuri/excelize/v2"
)

const (
	contentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`
	packageRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`
	workbook = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`
	workbookRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`
	sheetHead   = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" + `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`
	sheetTail   = `</sheetData></worksheet>`
	stringsHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" + `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`
	stringsTail = `</sst>`
	// The shared strings every generated sheet may use: 0 is the name
	// column's header.
	baseStrings = `<si><t>姓名</t></si><si><t>x</t></si>`
)

// part is an entry of a generated archive: its text, or (bombs) a prefix,
// a unit repeated and a suffix.
type part struct {
	name                 string
	text                 string
	prefix, unit, suffix string
	times                int
}

// workbookOf assembles an XLSX from a sheet and a shared-string table.
func workbookOf(sheet, sharedStrings part) []byte {
	sheet.name, sharedStrings.name = "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"
	return archiveOf(
		part{name: "[Content_Types].xml", text: contentTypes},
		part{name: "_rels/.rels", text: packageRels},
		part{name: "xl/workbook.xml", text: workbook},
		part{name: "xl/_rels/workbook.xml.rels", text: workbookRels},
		sheet, sharedStrings)
}

func archiveOf(parts ...part) []byte {
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for _, p := range parts {
		if p.times == 0 {
			w, err := z.Create(p.name)
			if err == nil {
				_, err = w.Write([]byte(p.text))
			}
			must(err)
			continue
		}
		deflated, crc, size := repeated(p.prefix, p.unit, p.times, p.suffix)
		w, err := z.CreateRaw(&zip.FileHeader{Name: p.name, Method: zip.Deflate, CRC32: crc,
			CompressedSize64: uint64(len(deflated)), UncompressedSize64: size})
		if err == nil {
			_, err = w.Write(deflated)
		}
		must(err)
	}
	must(z.Close())
	return buf.Bytes()
}

// repeated deflates prefix + unit×times + suffix by deflating a chunk of
// units twice and repeating the second copy's bytes: it refers back only
// to the chunk before it, which is the same every time.
func repeated(prefix, unit string, times int, suffix string) (deflated []byte, crc uint32, size uint64) {
	perChunk := max(1, (64<<10)/len(unit))
	chunk := strings.Repeat(unit, perChunk)
	chunks := max(2, times/perChunk)
	var out bytes.Buffer
	w, err := flate.NewWriter(&out, flate.BestCompression)
	must(err)
	write := func(s string) {
		_, err := w.Write([]byte(s))
		must(err)
	}
	write(prefix)
	write(chunk)
	must(w.Flush())
	first := out.Len()
	write(chunk)
	must(w.Flush())
	again := bytes.Clone(out.Bytes()[first:])
	out.Truncate(first)
	// The writer has seen two chunks; what it writes of the suffix
	// refers back no further than the second, so it follows any copy.
	head := bytes.Clone(out.Bytes())
	out.Reset()
	write(suffix)
	must(w.Close())
	tail := out.Bytes()

	var all bytes.Buffer
	all.Write(head)
	for range chunks - 1 {
		all.Write(again)
	}
	all.Write(tail)
	h := crc32.NewIEEE()
	h.Write([]byte(prefix))
	for range chunks {
		h.Write([]byte(chunk))
	}
	h.Write([]byte(suffix))
	return all.Bytes(), h.Sum32(), uint64(len(prefix) + chunks*len(chunk) + len(suffix))
}

func must(err error) {
	if err != nil {
		panic(fmt.Sprintf("hostilefiles: %v", err))
	}
}

func header() string { return `<row r="1"><c r="A1" t="s"><v>0</v></c></row>` }

// WideXLSX: rows with a value in the sheet's last column (XFD), which a
// reader that pads rows to their last cell turns into 16,384 cells each.
func WideXLSX(rows int) []byte {
	var sheet strings.Builder
	sheet.WriteString(sheetHead + header())
	for r := 2; r <= rows+1; r++ {
		fmt.Fprintf(&sheet, `<row r="%d"><c r="A%d" t="s"><v>1</v></c><c r="XFD%d" t="s"><v>1</v></c></row>`, r, r, r)
	}
	sheet.WriteString(sheetTail)
	return workbookOf(part{text: sheet.String()}, part{text: stringsHead + baseStrings + stringsTail})
}

// ZipBomb: a sheet that unzips to about size bytes of rows.
func ZipBomb(size int64) []byte {
	unit := `<row><c t="s"><v>1</v></c></row>`
	return workbookOf(part{prefix: sheetHead + header(), unit: unit, times: int(size / int64(len(unit))), suffix: sheetTail},
		part{text: stringsHead + baseStrings + stringsTail})
}

// CommentBomb: a sheet that unzips to about size bytes of XML comments,
// which no cap on rows, columns or cells stops: only the unzipped size.
func CommentBomb(size int64) []byte {
	unit := `<!-- -->`
	return workbookOf(part{prefix: sheetHead + header(), unit: unit, times: int(size / int64(len(unit))), suffix: sheetTail},
		part{text: stringsHead + baseStrings + stringsTail})
}

// SharedStringsBomb: a shared-string table of n entries.
func SharedStringsBomb(n int) []byte {
	return workbookOf(part{text: sheetHead + header() + sheetTail},
		part{prefix: stringsHead + baseStrings, unit: `<si><t>a</t></si>`, times: n, suffix: stringsTail})
}

// HugeCell: one cell of size bytes, unzipped.
func HugeCell(size int) []byte {
	return workbookOf(part{prefix: sheetHead + header() + `<row r="2"><c r="A2" t="inlineStr"><is><t>`, unit: "长",
		times: size / len("长"), suffix: `</t></is></c></row>` + sheetTail},
		part{text: stringsHead + baseStrings + stringsTail})
}

// XXE: a cell whose text is an external entity (a file of the server).
func XXE() []byte {
	sheet := `<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>` +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` + header() +
		`<row r="2"><c r="A2" t="inlineStr"><is><t>&xxe;</t></is></c></row>` + sheetTail
	return workbookOf(part{text: sheet}, part{text: stringsHead + baseStrings + stringsTail})
}

// BillionLaughs: nested entities that expand to a gigabyte.
func BillionLaughs() []byte {
	var dtd strings.Builder
	dtd.WriteString(`<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE sst [<!ENTITY lol "lol">`)
	previous := "lol"
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&dtd, `<!ENTITY lol%d "%s">`, i, strings.Repeat("&"+previous+";", 10))
		previous = fmt.Sprintf("lol%d", i)
	}
	dtd.WriteString(`]><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` + baseStrings + `<si><t>&lol9;</t></si></sst>`)
	return workbookOf(part{text: sheetHead + header() + `<row r="2"><c r="A2" t="s"><v>2</v></c></row>` + sheetTail}, part{text: dtd.String()})
}

// EmptyFieldsCSV: size bytes of one record of empty fields.
func EmptyFieldsCSV(size int) []byte {
	return append([]byte("姓名"), bytes.Repeat([]byte(","), size)...)
}

// EmptyRowsCSV: size bytes of records of empty fields.
func EmptyRowsCSV(size int) []byte {
	line := strings.Repeat(",", 63) + "\n"
	return []byte("姓名\n" + strings.Repeat(line, size/len(line)))
}

// QuotedFieldsCSV: one record of size bytes of quoted fields, each with a
// line break in it, which a guard that counts fields per line misses.
func QuotedFieldsCSV(size int) []byte {
	return append([]byte("姓名,"), bytes.Repeat([]byte("\"\n\","), size/4)...)
}

// LeadHeader is the lead template's header row.
var LeadHeader = []string{"姓名", "性别", "年龄", "电话", "微信", "QQ", "地区", "登记时间", "来源渠道", "病种", "医生", "咨询方式", "咨询内容", "备注", "关键词", "页面URL"}

// ValidXLSX: the largest file an import takes, rows leads written as the
// export writes (streamed, inline strings), each with its own phone.
func ValidXLSX(rows int) []byte {
	book := excelize.NewFile()
	defer book.Close()
	sw, err := book.NewStreamWriter("Sheet1")
	must(err)
	header := make([]any, len(LeadHeader))
	for i, h := range LeadHeader {
		header[i] = h
	}
	must(sw.SetRow("A1", header))
	for i := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		must(sw.SetRow(cell, []any{fmt.Sprintf("导入%05d", i), "1", "30", fmt.Sprintf("139%08d", i), "", "", "温州",
			"2026-11-24 10:30:00", "", "", "", "商务通", "咨询前列腺炎，想了解费用和疗程，下午方便来院", "批量导入", "温州男科医院",
			"https://m.example.com/nk/?from=baidu"}))
	}
	must(sw.Flush())
	var buf bytes.Buffer
	must(book.Write(&buf))
	return buf.Bytes()
}
