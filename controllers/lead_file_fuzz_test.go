package controllers

import (
	"context"
	"errors"
	"runtime/metrics"
	"testing"
	"time"

	"crm/apierr"
	"crm/internal/hostilefiles"
	"crm/middleware"
)

// Whatever a lead file holds, reading it (the preview's path, up to the
// database) answers within the parse timeout plus this slack...
const fuzzLeadSlack = time.Second

// ...and allocates no more than this: the caps bound what is held, and the
// readers stream, so allocation is bounded by the caps, not by the file.
const fuzzLeadAllocs = 200 << 20

// FuzzLeadFile reads whatever bytes as an uploaded lead file, CSV or XLSX
// as their first bytes say, through the same reader and row binding as
// POST /patient/import/preview: it answers rows or a 40035, never panics,
// never answers past its deadline and never allocates past the caps. The
// seeds (the hostile files, small, and valid ones) run with every `go
// test`; bench/fuzz.sh explores further.
func FuzzLeadFile(f *testing.F) {
	valid := "姓名,性别,年龄,电话,登记时间,咨询内容\n张三,1,30,13512345678,2026-11-24 10:30,咨询\n李四,女,,,,\"多行\n内容\"\n"
	for _, seed := range [][]byte{
		[]byte(valid),
		append([]byte("\xef\xbb\xbf"), valid...),
		[]byte("\xd0\xd5\xc3\xfb,\xb5\xe7\xbb\xb0\n\xd5\xc5\xc8\xfd,13512345678\n"), // GB18030
		hostilefiles.ValidXLSX(3),
		hostilefiles.WideXLSX(3),
		hostilefiles.ZipBomb(64 << 10),
		hostilefiles.CommentBomb(64 << 10),
		hostilefiles.SharedStringsBomb(1000),
		hostilefiles.HugeCell(20000),
		hostilefiles.XXE(),
		hostilefiles.BillionLaughs(),
		hostilefiles.EmptyFieldsCSV(4096),
		hostilefiles.EmptyRowsCSV(4096),
		hostilefiles.QuotedFieldsCSV(4096),
		[]byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
		[]byte("PK\x03\x04"),
	} {
		f.Add(seed)
	}
	lc := LeadImportController{ParseTimeout: 2 * time.Second}
	sample := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	f.Fuzz(func(t *testing.T, data []byte) {
		rows := leadRowReader{loc: time.UTC, now: time.Unix(1764000000, 0)}
		metrics.Read(sample)
		before, start := sample[0].Value.Uint64(), time.Now()
		_, err := lc.readLeadFile(context.Background(), middleware.Upload{Filename: "leads", Data: data}, rows.add)
		took := time.Since(start)
		metrics.Read(sample)
		if took > lc.ParseTimeout+fuzzLeadSlack {
			t.Fatalf("answered after %s", took)
		}
		if alloc := sample[0].Value.Uint64() - before; alloc > fuzzLeadAllocs {
			t.Fatalf("allocated %d MiB", alloc>>20)
		}
		if err != nil {
			var public *apierr.Error
			if !errors.As(err, &public) || public.Code != apierr.CodeInvalidParam {
				t.Fatalf("answered %v", err)
			}
			return
		}
		if len(rows.rows) > leadFileLimits.Rows {
			t.Fatalf("%d rows", len(rows.rows))
		}
		for _, row := range rows.rows {
			if row.Line < 1 {
				t.Fatalf("row at line %d", row.Line)
			}
		}
	})
}
