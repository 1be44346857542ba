package legacy

import (
	"fmt"
	"sort"
	"strings"
)

// Report says, per old table, how many rows were read, imported, linked to
// rows already here, and skipped, with the reasons and the repairs.
type Report struct {
	DryRun bool
	Tables []*TableReport
}

type TableReport struct {
	Table    string
	Read     int
	Imported int
	Linked   int
	Skipped  int
	Notes    map[string]int
}

func (r *Report) table(name string) *TableReport {
	for _, t := range r.Tables {
		if t.Table == name {
			return t
		}
	}
	t := &TableReport{Table: name, Notes: map[string]int{}}
	r.Tables = append(r.Tables, t)
	return t
}

func (t *TableReport) skip(why string) { t.skipMany(1, why) }
func (t *TableReport) skipMany(n int, why string) {
	if n == 0 {
		return // no note line saying "0"
	}
	t.Skipped += n
	t.Notes["skipped: "+why] += n
}
func (t *TableReport) link(why string)  { t.Linked++; t.Notes[why]++ }
func (t *TableReport) note(what string) { t.Notes[what]++ }

// Table is the report of one old table (a zero one if it was not read).
func (r Report) Table(name string) TableReport {
	for _, t := range r.Tables {
		if t.Table == name {
			return *t
		}
	}
	return TableReport{Table: name}
}

func (r Report) String() string {
	var b strings.Builder
	if r.DryRun {
		b.WriteString("DRY RUN: nothing was written; this is what the import would do.\n")
	}
	fmt.Fprintf(&b, "%-38s %8s %8s %8s %8s\n", "table", "read", "imported", "linked", "skipped")
	for _, t := range r.Tables {
		fmt.Fprintf(&b, "%-38s %8d %8d %8d %8d\n", t.Table, t.Read, t.Imported, t.Linked, t.Skipped)
		notes := make([]string, 0, len(t.Notes))
		for note := range t.Notes {
			notes = append(notes, note)
		}
		sort.Strings(notes)
		for _, note := range notes {
			fmt.Fprintf(&b, "    %-70s %d\n", note, t.Notes[note])
		}
	}
	return b.String()
}

// summary is the report in the operation log.
func (r Report) summary() map[string]any {
	out := map[string]any{}
	for _, t := range r.Tables {
		out[t.Table] = fmt.Sprintf("read %d, imported %d, linked %d, skipped %d", t.Read, t.Imported, t.Linked, t.Skipped)
	}
	return out
}
