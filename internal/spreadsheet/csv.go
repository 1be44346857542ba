package spreadsheet

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// maxRecordFields bounds the fields encoding/csv splits one record into
// before Read can look at them: past Columns, trailing empty fields are
// forgiven (spreadsheets save them), but a line of ten million commas
// would cost a quarter of a gigabyte of slices.
const maxRecordFields = 1024

func readCSV(ctx context.Context, data []byte, lim Limits, each RowFunc) error {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	var src io.Reader = bytes.NewReader(data)
	if !utf8.Valid(data) {
		src = transform.NewReader(src, simplifiedchinese.GB18030.NewDecoder())
	}
	guard := &recordGuard{r: src, lim: lim, maxFields: max(maxRecordFields, lim.Columns), maxBytes: int64(lim.Columns) * int64(lim.CellChars) * utf8.UTFMax}
	r := csv.NewReader(guard)
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	out := rows{ctx: ctx, lim: lim, each: each}
	for {
		record, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			if guard.failed != nil {
				return guard.failed // encoding/csv may see the record cut short as malformed
			}
			return ErrUnreadable
		}
		for _, cell := range record {
			if len(cell) > lim.CellChars && utf8.RuneCountInString(cell) > lim.CellChars {
				return &LimitError{LimitCellChars, int64(lim.CellChars)}
			}
		}
		line, _ := r.FieldPos(0)
		if err := out.emit(line, record); err != nil {
			return err
		}
	}
}

// recordGuard passes CSV text through while following its quoting, and
// fails once a record has more than maxFields fields or maxBytes bytes:
// encoding/csv holds a whole record, and its fields, before returning it.
// A stray quote can only make it count a record as longer than it is,
// and encoding/csv refuses such a file anyway.
type recordGuard struct {
	r         io.Reader
	lim       Limits
	maxFields int
	maxBytes  int64
	quoted    bool
	fields    int
	bytes     int64
	failed    error
}

func (g *recordGuard) Read(p []byte) (int, error) {
	if g.failed != nil {
		return 0, g.failed
	}
	n, err := g.r.Read(p)
	for _, b := range p[:n] {
		g.bytes++
		switch {
		case b == '"':
			g.quoted = !g.quoted
		case g.quoted:
		case b == ',':
			g.fields++
		case b == '\n':
			g.fields, g.bytes = 0, 0
		}
		if g.fields >= g.maxFields {
			g.failed = &LimitError{LimitColumns, int64(g.lim.Columns)}
			return 0, g.failed
		}
		if g.bytes > g.maxBytes {
			g.failed = &LimitError{LimitCellChars, int64(g.lim.CellChars)}
			return 0, g.failed
		}
	}
	return n, err
}
