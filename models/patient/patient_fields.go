package patient

import (
	"crm/internal/casing"
	"crm/models/access"
	"fmt"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm/clause"
)

// PatientField is one field of a patient as the contract knows it. Its
// column is also the parameter that writes it (snake_case; the binder
// accepts the camelCase spelling too) and, in camelCase, the name it is
// presented and recorded under. Everything else (the value as the
// contract's string-or-null, the scan target of the list, how a write
// copies it, the binder's default rule) follows from the Patient field it
// points at. Adding a field is a Patient field, its row here and its
// migration; docs/decisions.md lists where it then reaches.
type PatientField struct {
	Name   string // contract name: camelCase of Column
	Column string // column and parameter
	Bit    PatientFieldSet
	// Writable fields are bound from requests; the others (the author) are
	// set by rules of their own.
	Writable bool
	// Text fields' bounds in characters (the column's size).
	MaxRunes  int
	Multiline bool

	ref    func(p *Patient) any // the field in p, as a pointer
	scan   func(p *Patient) any // a scan target reading the column into the field
	value  func(p *Patient) *string
	shown  func(p *Patient, v access.Viewer) *string // value as v may see it; nil: value
	assign func(dst, src *Patient)
	// The export's column: its header and place (1 first; 0: not
	// exported), and its cell where that is not the contract value ("" for
	// null): names for ids, local times for unix seconds.
	header   string
	exportAt int
	cell     func(r *ExportRecord, loc *time.Location) string
}

// patientFieldType lists the Go types a patient field may have: those
// contractValue converts.
type patientFieldType interface {
	string | *string | int8 | *int16 | int64 | *int64 | uint64 | *uint64
}

// field is a row of the table for the Patient field that ref points at.
func field[T patientFieldType](column string, ref func(p *Patient) *T, export exportColumn) PatientField {
	convert := contractValue[T]()
	return PatientField{
		Name:     casing.Camel(column),
		Column:   column,
		Writable: true,
		ref:      func(p *Patient) any { return ref(p) },
		scan:     func(p *Patient) any { return columnScanner[T]{ref(p)} },
		value:    func(p *Patient) *string { return convert(*ref(p)) },
		assign:   func(dst, src *Patient) { *ref(dst) = *ref(src) },
		header:   export.header,
		exportAt: export.at,
		cell:     export.cell,
	}
}

// textField is a row for free text of at most maxRunes characters.
func textField[T string | *string](column string, ref func(p *Patient) *T, maxRunes int, multiline bool, export exportColumn) PatientField {
	f := field(column, ref, export)
	f.MaxRunes, f.Multiline = maxRunes, multiline
	return f
}

type exportColumn struct {
	header string
	at     int
	cell   func(r *ExportRecord, loc *time.Location) string
}

// contractValue converts a T to the contract's string-or-null, chosen
// once per field so that no value is boxed on the way (a page presents
// six hundred of them).
func contractValue[T patientFieldType]() func(T) *string {
	var convert any
	switch any(*new(T)).(type) {
	case string:
		convert = text
	case *string:
		convert = func(s *string) *string { return s }
	case int8:
		convert = func(n int8) *string { return number(int64(n)) }
	case *int16:
		convert = optionalNumber[int16]
	case int64:
		convert = number
	case *int64:
		convert = optionalNumber[int64]
	case uint64:
		convert = func(id uint64) *string { return text(strconv.FormatUint(id, 10)) }
	case *uint64:
		convert = optionalID
	}
	return convert.(func(T) *string)
}

// patientFields are the fields in the order the contract lists them.
var patientFields = numbered([]PatientField{
	textField("name", func(p *Patient) *string { return &p.Name }, 30, false,
		exportColumn{"姓名", 1, nil}),
	field("sex", func(p *Patient) *int8 { return &p.Sex },
		exportColumn{"性别", 2, nil}),
	phoneField(field("tel", func(p *Patient) **string { return &p.Tel },
		exportColumn{"电话", 4, func(r *ExportRecord, _ *time.Location) string { return orEmpty(r.Tel) }})), // masked as the list masks it
	field("age", func(p *Patient) **int16 { return &p.Age },
		exportColumn{"年龄", 3, nil}),
	textField("wechat", func(p *Patient) **string { return &p.Wechat }, 64, false,
		exportColumn{"微信", 5, nil}),
	field("qq", func(p *Patient) **string { return &p.QQ },
		exportColumn{"QQ", 6, nil}),
	field("add_time", func(p *Patient) *int64 { return &p.AddTime },
		exportColumn{"登记时间", 8, func(r *ExportRecord, loc *time.Location) string { return localTime(&r.AddTime, loc) }}),
	field("order_time", func(p *Patient) **int64 { return &p.OrderTime },
		exportColumn{"预约时间", 9, func(r *ExportRecord, loc *time.Location) string { return localTime(r.OrderTime, loc) }}),
	field("reach_time", func(p *Patient) **int64 { return &p.ReachTime },
		exportColumn{"到诊时间", 10, func(r *ExportRecord, loc *time.Location) string { return localTime(r.ReachTime, loc) }}),
	field("disease_id", func(p *Patient) **uint64 { return &p.DiseaseID },
		exportColumn{"病种", 12, func(r *ExportRecord, _ *time.Location) string { return r.DiseaseName }}),
	readOnly(field("author_id", func(p *Patient) *uint64 { return &p.AuthorID },
		exportColumn{"登记人", 18, func(r *ExportRecord, _ *time.Location) string { return r.AuthorName }})),
	field("state", func(p *Patient) *int8 { return &p.State },
		exportColumn{"状态", 11, func(r *ExportRecord, _ *time.Location) string { return r.StateName }}),
	field("media_from_id", func(p *Patient) **uint64 { return &p.MediaFromID },
		exportColumn{"来源渠道", 14, func(r *ExportRecord, _ *time.Location) string { return r.MediaName }}),
	field("doctor_id", func(p *Patient) **uint64 { return &p.DoctorID },
		exportColumn{"医生", 13, func(r *ExportRecord, _ *time.Location) string { return r.DoctorName }}),
	textField("advisory_way", func(p *Patient) **string { return &p.AdvisoryWay }, 32, false,
		exportColumn{"咨询方式", 15, nil}),
	textField("advisory_content", func(p *Patient) **string { return &p.AdvisoryContent }, 5000, true,
		exportColumn{"咨询内容", 16, nil}),
	textField("area", func(p *Patient) **string { return &p.Area }, 64, false,
		exportColumn{"地区", 7, nil}),
	textField("remarks", func(p *Patient) **string { return &p.Remarks }, 2000, true,
		exportColumn{"备注", 17, nil}),
	textField("keyword", func(p *Patient) **string { return &p.Keyword }, 100, false,
		exportColumn{"关键词", 19, nil}),
	textField("landing_page", func(p *Patient) **string { return &p.LandingPage }, 500, false,
		exportColumn{"页面URL", 20, nil}),
	field("next_followup_time", func(p *Patient) **int64 { return &p.NextFollowupTime },
		exportColumn{"下次回访", 21, func(r *ExportRecord, loc *time.Location) string { return localTime(r.NextFollowupTime, loc) }}),
	readOnly(field("revenue", func(p *Patient) *int64 { return &p.Revenue },
		exportColumn{"消费金额(元)", 22, func(r *ExportRecord, _ *time.Location) string { return Yuan(r.Revenue) }})),
	field("sms_consent", func(p *Patient) *int8 { return &p.SmsConsent }, exportColumn{"短信提醒", 0, nil}),
})

// phoneField keeps the number's digits with it and masks it for viewers
// who may not see it whole.
func phoneField(f PatientField) PatientField {
	f.assign = func(dst, src *Patient) { dst.SetTel(src.Tel) }
	f.shown = func(p *Patient, v access.Viewer) *string { return p.TelFor(v) }
	return f
}

func readOnly(f PatientField) PatientField {
	f.Writable, f.assign = false, nil
	return f
}

// numbered gives each writable field its bit, in the table's order.
func numbered(fields []PatientField) []PatientField {
	next := PatientFieldSet(1)
	for i := range fields {
		if fields[i].Writable {
			fields[i].Bit, next = next, next<<1
		}
	}
	return fields
}

// PatientFieldSet marks which fields of a write are sent; the others stay
// as they are.
type PatientFieldSet uint32

// AllPatientFields are the bits of every writable field.
var AllPatientFields = allBits()

func allBits() PatientFieldSet {
	var all PatientFieldSet
	for _, f := range patientFields {
		all |= f.Bit
	}
	return all
}

// PatientFieldTable lists the patient's fields, in the contract's order.
func PatientFieldTable() []PatientField { return patientFields }

// Header is the field's column title in exported files ("" for none),
// which imported files use too.
func (f PatientField) Header() string { return f.header }

// Target is the field in p, as a pointer (a *string, **int64, …): what the
// binder writes into.
func (f PatientField) Target(p *Patient) any { return f.ref(p) }

// ShownTarget is Target, or for a field masked for some viewers (the
// phone number) a pointer to its value as v may see it.
func (f *PatientField) ShownTarget(p *Patient, v access.Viewer) any {
	if f.shown != nil {
		shown := f.shown(p, v)
		return &shown
	}
	return f.ref(p)
}

// FieldValue is a patient field's value under its contract name: a string
// or null.
type FieldValue struct {
	Name  string
	Value *string
}

// ContractValues are p's fields as the contract presents them, in order;
// history compares and stores these, the presenter shows them.
func (p *Patient) ContractValues() []FieldValue {
	out := make([]FieldValue, len(patientFields))
	for i, f := range patientFields {
		out[i] = FieldValue{f.Name, f.value(p)}
	}
	return out
}

// apply copies the fields in set from in.
func (p *Patient) apply(in *Patient, set PatientFieldSet) {
	for _, field := range patientFields {
		if set&field.Bit != 0 {
			field.assign(p, in)
		}
	}
}

// listedSelect reads a listed patient: the id, the phone digits (the
// masking needs them) and every field of the table, in the order
// listedTargets scans them.
var ListedSelect = listedColumns()

func listedColumns(extra ...clause.Column) clause.Select {
	columns := []clause.Column{{Table: "patients", Name: "id"}, {Table: "patients", Name: "tel_digits"}}
	for _, f := range patientFields {
		columns = append(columns, clause.Column{Table: "patients", Name: f.Column})
	}
	return clause.Select{Columns: append(columns, extra...)}
}

// listedTargets are the scan targets of a listedSelect row into p, then
// the extra columns'.
func ListedTargets(p *Patient, extra ...*int64) []any {
	targets := make([]any, 0, len(patientFields)+2+len(extra))
	targets = append(targets, columnScanner[uint64]{&p.ID}, columnScanner[string]{&p.TelDigits})
	for _, f := range patientFields {
		targets = append(targets, f.scan(p))
	}
	for _, e := range extra {
		targets = append(targets, columnScanner[int64]{e})
	}
	return targets
}

func text(s string) *string { return &s }

func number(n int64) *string { return text(strconv.FormatInt(n, 10)) }

func optionalNumber[N int16 | int64](n *N) *string {
	if n == nil {
		return nil
	}
	return number(int64(*n))
}

func optionalID(id *uint64) *string {
	if id == nil {
		return nil
	}
	return text(strconv.FormatUint(*id, 10))
}

func orEmpty(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// localTime is unix seconds as a local date and time ("" for none).
func localTime(t *int64, loc *time.Location) string {
	if t == nil {
		return ""
	}
	return time.Unix(*t, 0).In(loc).Format(time.DateTime)
}

// exportColumns are the exported fields in their export order, worked out
// once: an export writes a million rows.
var exportColumns = exportedFields()

func exportedFields() []PatientField {
	var out []PatientField
	for _, f := range patientFields {
		if f.exportAt > 0 {
			out = append(out, f)
		}
	}
	slices.SortFunc(out, func(a, b PatientField) int { return a.exportAt - b.exportAt })
	return out
}

// ExportHeader is the export's first row: the id, then each exported
// field's header.
func ExportHeader() []string {
	header := []string{"编号"}
	for _, f := range exportColumns {
		header = append(header, f.header)
	}
	return header
}

// Cells are r's row of the export, under ExportHeader; times in loc.
func (r *ExportRecord) Cells(loc *time.Location) []string {
	cells := make([]string, 0, len(exportColumns)+1)
	cells = append(cells, strconv.FormatUint(r.ID, 10))
	for _, f := range exportColumns {
		if f.cell != nil {
			cells = append(cells, f.cell(r, loc))
		} else {
			cells = append(cells, orEmpty(f.value(&r.Patient)))
		}
	}
	return cells
}

// ExportRecord is a patient with the names its ids stand for, and its phone
// number as the viewer may see it.
type ExportRecord struct {
	Patient
	Tel         *string // masked like the list
	DiseaseName string
	DoctorName  string
	MediaName   string
	AuthorName  string
	StateName   string
}

// Ref is an optional id, 0 for none.
func Ref(id *uint64) uint64 {
	if id == nil {
		return 0
	}
	return *id
}

// Yuan writes an amount in fen as yuan with two decimals.
func Yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s%d.%02d", sign, fen/100, fen%100)
}
