package spreadsheet

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"io"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"
)

const (
	// maxDirectory bounds the zip's central directory: archive/zip keeps
	// a struct per entry, and an XLSX has a few dozen entries, not the
	// hundreds of thousands 20 MiB of headers could declare.
	maxDirectory = 1 << 20
	// maxPartBytes bounds the small parts (relationships, the workbook,
	// the styles), unzipped.
	maxPartBytes = 8 << 20
	// maxDepth bounds XML nesting: encoding/xml keeps a record per open
	// element, and a sheet nests five deep.
	maxDepth = 64
)

// archive is the XLSX file's parts and what may still be unzipped of it.
type archive struct {
	ctx    context.Context
	lim    Limits
	parts  map[string]*zip.File // by name, and by lower-case name
	budget int64
}

func readXLSX(ctx context.Context, data []byte, lim Limits, each RowFunc) error {
	if err := checkDirectory(data); err != nil {
		return err
	}
	z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return ErrUnreadable
	}
	a := &archive{ctx: ctx, lim: lim, parts: map[string]*zip.File{}, budget: lim.Unzipped}
	for _, f := range z.File {
		name := strings.TrimPrefix(strings.ReplaceAll(f.Name, `\`, "/"), "/")
		if _, dup := a.parts[name]; !dup {
			a.parts[name] = f
		}
		if lower := strings.ToLower(name); a.parts[lower] == nil {
			a.parts[lower] = f
		}
	}
	book, err := a.workbook()
	if err != nil {
		return err
	}
	var strs []string
	if book.sharedStrings != "" {
		if strs, err = a.sharedStrings(book.sharedStrings); err != nil {
			return err
		}
	}
	var dates []bool
	if book.styles != "" {
		if dates, err = a.dateStyles(book.styles); err != nil {
			return err
		}
	}
	if book.sheet == "" {
		return ErrUnreadable
	}
	s := sheet{strings: strs, dateStyle: dates, date1904: book.date1904, cells: make([]string, lim.Columns),
		out: rows{ctx: ctx, lim: lim, each: each}}
	x, err := a.open(book.sheet, a.budget, nil)
	if err != nil {
		return err
	}
	return s.read(x)
}

// checkDirectory finds the end-of-central-directory record as
// archive/zip does (the last one whose comment fits) and refuses a
// directory that is not right before it, larger than maxDirectory, or
// zip64 (which no XLSX of 20 MiB needs).
func checkDirectory(data []byte) error {
	const recordLen = 22
	for at := len(data) - recordLen; at >= 0 && at >= len(data)-recordLen-65535; at-- {
		record := data[at:]
		if binary.LittleEndian.Uint32(record) != 0x06054b50 {
			continue
		}
		if at+recordLen+int(binary.LittleEndian.Uint16(record[20:])) > len(data) {
			continue
		}
		entries := binary.LittleEndian.Uint16(record[10:])
		size := int64(binary.LittleEndian.Uint32(record[12:]))
		offset := int64(binary.LittleEndian.Uint32(record[16:]))
		if entries == 0xffff || size == 0xffffffff || offset == 0xffffffff ||
			offset+size != int64(at) || size > maxDirectory {
			return ErrUnreadable
		}
		return nil
	}
	return ErrUnreadable
}

func (a *archive) find(name string) *zip.File {
	name = strings.TrimPrefix(name, "/")
	if f := a.parts[name]; f != nil {
		return f
	}
	return a.parts[strings.ToLower(name)]
}

// open starts reading a part as XML, at most partMax bytes of it unzipped
// (past that, tooLarge; nil: the file is unreadable) and within what is
// left of the archive's budget.
func (a *archive) open(name string, partMax int64, tooLarge error) (*xmlReader, error) {
	f := a.find(name)
	if f == nil {
		return nil, ErrUnreadable
	}
	rc, err := f.Open()
	if err != nil {
		return nil, ErrUnreadable
	}
	if tooLarge == nil {
		tooLarge = ErrUnreadable
	}
	counted := &unzipped{r: rc, archive: a, partLeft: partMax, tooLarge: tooLarge,
		maxGap: a.lim.CellChars*utf8.UTFMax + 4096}
	d := xml.NewDecoder(counted)
	d.Strict = true
	return &xmlReader{ctx: a.ctx, d: d, close: rc, src: counted}, nil
}

// unzipped counts what a part unzips to, against its own bound and the
// archive's, and refuses a run of more than maxGap bytes without a '<':
// encoding/xml buffers a whole token (text or tag), so without this one
// cell of 60 MiB would be held twice over.
type unzipped struct {
	r        io.Reader
	archive  *archive
	partLeft int64
	tooLarge error
	gap      int
	maxGap   int
	// failed is why a read was refused: encoding/xml may report a
	// token cut short by it as a syntax error instead.
	failed error
}

func (u *unzipped) Read(p []byte) (int, error) {
	if u.failed != nil {
		return 0, u.failed
	}
	n, err := u.r.Read(p)
	if u.archive.budget -= int64(n); u.archive.budget < 0 {
		u.failed = &LimitError{LimitUnzipped, u.archive.lim.Unzipped}
	} else if u.partLeft -= int64(n); u.partLeft < 0 {
		u.failed = u.tooLarge
	}
	for _, b := range p[:n] {
		if b == '<' {
			u.gap = 0
		} else if u.gap++; u.gap > u.maxGap && u.failed == nil {
			u.failed = &LimitError{LimitCellChars, int64(u.archive.lim.CellChars)}
		}
	}
	if u.failed != nil {
		return 0, u.failed
	}
	return n, err
}

// xmlReader hands out raw tokens (element names without their namespace
// prefix, so x:row is row), keeping the nesting bounded and refusing DTDs:
// no entity of a file's own is ever expanded.
type xmlReader struct {
	ctx    context.Context
	d      *xml.Decoder
	close  io.Closer
	src    *unzipped
	depth  int
	tokens int
}

func (x *xmlReader) next() (xml.Token, error) {
	if x.tokens++; x.tokens%4096 == 0 {
		if err := x.ctx.Err(); err != nil {
			return nil, err
		}
	}
	t, err := x.d.RawToken()
	if err != nil {
		if x.src.failed != nil {
			return nil, x.src.failed
		}
		switch {
		case errors.Is(err, io.EOF) && x.depth == 0:
			return nil, io.EOF
		}
		return nil, ErrUnreadable
	}
	switch t.(type) {
	case xml.StartElement:
		if x.depth++; x.depth > maxDepth {
			return nil, ErrUnreadable
		}
	case xml.EndElement:
		x.depth--
	case xml.Directive:
		return nil, ErrUnreadable
	}
	return t, nil
}

func (x *xmlReader) Close() { _ = x.close.Close() }

func attr(e xml.StartElement, local string) string {
	for _, a := range e.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// book is what the workbook says of its parts.
type book struct {
	sheet, sharedStrings, styles string
	date1904                     bool
}

// workbook follows the package's relationships to the workbook, its first
// sheet, its shared strings and its styles.
func (a *archive) workbook() (book, error) {
	var b book
	rels, err := a.relationships("_rels/.rels", "")
	if err != nil {
		return b, err
	}
	workbook := "xl/workbook.xml"
	for _, r := range rels {
		if strings.HasSuffix(r.kind, "/officeDocument") {
			workbook = r.target
			break
		}
	}
	parts, err := a.relationships(path.Join(path.Dir(workbook), "_rels", path.Base(workbook)+".rels"), path.Dir(workbook))
	if err != nil {
		return b, err
	}
	byID := map[string]string{}
	for _, r := range parts {
		byID[r.id] = r.target
		switch {
		case strings.HasSuffix(r.kind, "/sharedStrings") && b.sharedStrings == "":
			b.sharedStrings = r.target
		case strings.HasSuffix(r.kind, "/styles") && b.styles == "":
			b.styles = r.target
		}
	}
	err = a.eachToken(workbook, func(t xml.Token) {
		e, ok := t.(xml.StartElement)
		if !ok {
			return
		}
		switch e.Name.Local {
		case "workbookPr":
			v := attr(e, "date1904")
			b.date1904 = v == "1" || v == "true"
		case "sheet":
			if b.sheet == "" {
				b.sheet = byID[attr(e, "id")]
			}
		}
	})
	return b, err
}

type relationship struct{ id, kind, target string }

// relationships reads a .rels part, its targets resolved against dir (the
// directory of the part they belong to). A missing part has none.
func (a *archive) relationships(name, dir string) ([]relationship, error) {
	if a.find(name) == nil {
		return nil, nil
	}
	var out []relationship
	err := a.eachToken(name, func(t xml.Token) {
		e, ok := t.(xml.StartElement)
		if !ok || e.Name.Local != "Relationship" || attr(e, "TargetMode") == "External" {
			return
		}
		target := attr(e, "Target")
		if strings.HasPrefix(target, "/") {
			target = strings.TrimPrefix(target, "/")
		} else {
			target = path.Join(dir, target)
		}
		out = append(out, relationship{id: attr(e, "Id"), kind: attr(e, "Type"), target: target})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// eachToken passes each token of a small part (the workbook, its
// relationships, its styles: at most maxPartBytes unzipped) to each.
func (a *archive) eachToken(name string, each func(xml.Token)) error {
	x, err := a.open(name, maxPartBytes, nil)
	if err != nil {
		return err
	}
	defer x.Close()
	for {
		t, err := x.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		each(t)
	}
}

// sharedStrings reads the table the cells of type s index into, each
// entry's text being its runs' text (phonetic guides left out).
func (a *archive) sharedStrings(name string) ([]string, error) {
	x, err := a.open(name, a.lim.SharedStringBytes, &LimitError{LimitSharedStringBytes, a.lim.SharedStringBytes})
	if err != nil {
		return nil, err
	}
	defer x.Close()
	var out []string
	var text textOf
	for {
		t, err := x.next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if e, ok := t.(xml.StartElement); ok && e.Name.Local == "si" {
			if len(out) >= a.lim.SharedStrings {
				return nil, &LimitError{LimitSharedStrings, int64(a.lim.SharedStrings)}
			}
			text.reset()
		}
		if err := text.take(t, a.lim); err != nil {
			return nil, err
		}
		if e, ok := t.(xml.EndElement); ok && e.Name.Local == "si" {
			out = append(out, text.String())
		}
	}
}

// textOf gathers the text of a cell's value (v) or of a string's runs (t),
// leaving out phonetic runs (rPh), within the cell limit.
type textOf struct {
	strings.Builder
	in, phonetic bool
}

func (s *textOf) reset() { s.Reset(); s.in, s.phonetic = false, false }

func (s *textOf) take(t xml.Token, lim Limits) error {
	switch t := t.(type) {
	case xml.StartElement:
		switch t.Name.Local {
		case "t", "v":
			s.in = !s.phonetic
		case "rPh":
			s.phonetic = true
		}
	case xml.EndElement:
		switch t.Name.Local {
		case "t", "v":
			s.in = false
		case "rPh":
			s.phonetic = false
		}
	case xml.CharData:
		if !s.in {
			return nil
		}
		if s.Len()+len(t) > lim.CellChars*utf8.UTFMax {
			return &LimitError{LimitCellChars, int64(lim.CellChars)}
		}
		s.Write(t)
	}
	return nil
}

// sheet streams a worksheet's rows.
type sheet struct {
	strings   []string
	dateStyle []bool // by cell style index: its number format is a date or time
	date1904  bool
	cells     []string
	out       rows
}

func (s *sheet) read(x *xmlReader) error {
	defer x.Close()
	var (
		text               textOf
		inData, inRow      bool
		row, col, rightest int
		kind, style        string
		inCell             bool
	)
	for {
		t, err := x.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		switch e := t.(type) {
		case xml.StartElement:
			switch {
			case e.Name.Local == "sheetData":
				inData = true
			case inData && e.Name.Local == "row":
				if inRow {
					return ErrUnreadable
				}
				inRow, col, rightest = true, 0, 0
				if row, err = rowNumber(attr(e, "r"), row); err != nil {
					return err
				}
			case inRow && e.Name.Local == "c":
				if inCell {
					return ErrUnreadable
				}
				inCell, kind, style = true, attr(e, "t"), attr(e, "s")
				if col, err = columnNumber(attr(e, "r"), col); err != nil {
					return err
				}
				text.reset()
			}
		case xml.EndElement:
			switch {
			case e.Name.Local == "sheetData":
				return nil // the rest of the sheet is not rows
			case inRow && e.Name.Local == "row":
				if err := s.out.emit(row, s.cells[:rightest]); err != nil {
					return err
				}
				clear(s.cells[:rightest])
				inRow = false
			case inCell && e.Name.Local == "c":
				inCell = false
				value, err := s.value(kind, style, text.String())
				if err != nil || value == "" {
					if err != nil {
						return err
					}
					continue
				}
				if col > len(s.cells) {
					return &LimitError{LimitColumns, int64(len(s.cells))}
				}
				if len(value) > s.out.lim.CellChars && utf8.RuneCountInString(value) > s.out.lim.CellChars {
					return &LimitError{LimitCellChars, int64(s.out.lim.CellChars)}
				}
				s.cells[col-1] = value
				rightest = max(rightest, col)
			}
		}
		if inCell {
			if err := text.take(t, s.out.lim); err != nil {
				return err
			}
		}
	}
}

// rowNumber is a row's r attribute, or the one after the previous row.
func rowNumber(r string, previous int) (int, error) {
	if r == "" {
		return previous + 1, nil
	}
	n, err := strconv.Atoi(r)
	if err != nil || n < 1 || n > 1<<20 {
		return 0, ErrUnreadable
	}
	return n, nil
}

// columnNumber is the column of a cell reference (B7: 2), or the one after
// the previous cell; columns past Excel's last (XFD) are unreadable.
func columnNumber(ref string, previous int) (int, error) {
	if ref == "" {
		return previous + 1, nil
	}
	col := 0
	for i := 0; i < len(ref); i++ {
		c := ref[i] | 0x20 // lower case
		if c < 'a' || c > 'z' {
			if i == 0 {
				return 0, ErrUnreadable
			}
			break
		}
		if col = col*26 + int(c-'a') + 1; col > 16384 {
			return 0, ErrUnreadable
		}
	}
	return col, nil
}

// value is what a cell shows, as text: shared strings looked up, numbers
// in a date or time format as local times (2026-11-24 10:30:00),
// booleans as TRUE/FALSE.
func (s *sheet) value(kind, style, text string) (string, error) {
	switch kind {
	case "s":
		i, err := strconv.Atoi(strings.TrimSpace(text))
		if err != nil || i < 0 || i >= len(s.strings) {
			return "", ErrUnreadable
		}
		return s.strings[i], nil
	case "b":
		switch strings.TrimSpace(text) {
		case "1":
			return "TRUE", nil
		case "0":
			return "FALSE", nil
		}
		return text, nil
	case "d":
		return isoDate(text), nil
	case "", "n":
		if i, err := strconv.Atoi(style); err == nil && i >= 0 && i < len(s.dateStyle) && s.dateStyle[i] {
			if t, ok := serialDate(text, s.date1904); ok {
				return t, nil
			}
		}
		return plainNumber(text), nil
	}
	return text, nil // inlineStr, str (a formula's text), e (an error such as #N/A)
}
