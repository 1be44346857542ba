// Package spreadsheet reads the first sheet of an XLSX file, or a CSV file,
// row by row within fixed bounds: a file from the internet is hostile
// until read, so every quantity that could make the reader's memory or
// time grow faster than the upload itself (columns, a cell's length,
// shared strings, the unzipped size, nesting) has a limit checked while
// the bytes flow, never after they are held.
package spreadsheet

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
)

// Limits bound a read; Default is what lead files get.
type Limits struct {
	Rows      int // rows of the sheet, the header and blank rows included
	Columns   int // the rightmost column a value may be in
	CellChars int // characters of one cell
	// XLSX only.
	SharedStrings     int   // entries of the shared-string table
	SharedStringBytes int64 // its unzipped size
	Unzipped          int64 // everything read from the archive, unzipped
}

// Default: a lead file has 16 columns (an exported file 22, and people add
// their own), its longest field is 5,000 characters, and 20,000 rows of it
// unzip to a few tens of MiB at most.
var Default = Limits{
	Rows:              20_001,
	Columns:           64,
	CellChars:         10_000,
	SharedStrings:     500_000,
	SharedStringBytes: 16 << 20,
	Unzipped:          64 << 20,
}

// Format is the kind of file read.
type Format string

const (
	XLSX Format = "xlsx"
	CSV  Format = "csv"
)

// ErrUnreadable: not a spreadsheet this reads (corrupt, encrypted, a
// binary of some other kind, XML with a DTD).
var ErrUnreadable = errors.New("spreadsheet: not a readable XLSX or CSV file")

// ErrLegacyExcel: an Excel 97-2003 .xls (or an encrypted .xlsx, which is
// stored the same way).
var ErrLegacyExcel = errors.New("spreadsheet: an Excel 97-2003 or encrypted workbook")

// Limit names a bound of Limits.
type Limit string

const (
	LimitRows              Limit = "rows"
	LimitColumns           Limit = "columns"
	LimitCellChars         Limit = "cell_chars"
	LimitSharedStrings     Limit = "shared_strings"
	LimitSharedStringBytes Limit = "shared_string_bytes"
	LimitUnzipped          Limit = "unzipped"
)

// LimitError: the file goes past one of the limits.
type LimitError struct {
	Limit Limit
	Max   int64
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("spreadsheet: more than %d %s", e.Max, strings.ReplaceAll(string(e.Limit), "_", " "))
}

// RowFunc receives each row in order: its number in the file (1 first;
// for CSV the line where the record starts) and its cells, trailing empty
// cells left out. cells is reused once RowFunc returns.
type RowFunc func(line int, cells []string) error

// Read reads data as XLSX (a zip archive) or CSV (UTF-8 with or without a
// byte-order mark, or GB18030 as Excel saves it on Chinese Windows),
// passing each row to each, until ctx ends (its error is returned). name
// is the uploaded file's name: a .xlsx that is not a zip is refused rather
// than read as text.
func Read(ctx context.Context, data []byte, name string, lim Limits, each RowFunc) (Format, error) {
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return XLSX, readXLSX(ctx, data, lim, each)
	case bytes.HasPrefix(data, []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")):
		return "", ErrLegacyExcel
	case strings.HasSuffix(strings.ToLower(name), ".xlsx") || bytes.IndexByte(data, 0) >= 0:
		return "", ErrUnreadable
	}
	return CSV, readCSV(ctx, data, lim, each)
}

// rows counts rows against the limit and checks the context now and then.
type rows struct {
	ctx  context.Context
	lim  Limits
	n    int
	each RowFunc
}

func (r *rows) emit(line int, cells []string) error {
	if r.n++; r.n > r.lim.Rows {
		return &LimitError{LimitRows, int64(r.lim.Rows)}
	}
	if r.n%256 == 0 {
		if err := r.ctx.Err(); err != nil {
			return err
		}
	}
	for len(cells) > 0 && cells[len(cells)-1] == "" {
		cells = cells[:len(cells)-1]
	}
	if len(cells) > r.lim.Columns {
		return &LimitError{LimitColumns, int64(r.lim.Columns)}
	}
	return r.each(line, cells)
}
