package models

import (
	"slices"
	"strconv"
	"time"
)

// PatientField is one field of a patient as the contract knows it: the
// name it is presented and recorded under (camelCase), the parameter that
// writes it (snake_case; the binder accepts the camelCase spelling too),
// its column, its bit in a PatientFieldSet (0: no request writes it), how
// its value reads as the contract's string-or-null, and how a write
// copies it from PatientFields. Adding a field is a row here, its
// migration, and its binding rule (a test names what is missing).
type PatientField struct {
	Name   string
	Param  string
	Column string
	Bit    PatientFieldSet
	value  func(p *Patient) *string
	assign func(p *Patient, f *PatientFields)
	// The export's column: its header and place (1 first; 0: not
	// exported), and its cell where that is not the contract value ("" for
	// null): names for ids, local times for unix seconds.
	header   string
	exportAt int
	cell     func(r *ExportRecord, loc *time.Location) string
}

// patientFields are the fields in the order the contract lists them.
var patientFields = []PatientField{
	{"name", "name", "name", FieldName, func(p *Patient) *string { return text(p.Name) },
		func(p *Patient, f *PatientFields) { p.Name = f.Name },
		"姓名", 1, func(r *ExportRecord, _ *time.Location) string { return r.Name }},
	{"sex", "sex", "sex", FieldSex, func(p *Patient) *string { return number(int64(p.Sex)) },
		func(p *Patient, f *PatientFields) { p.Sex = f.Sex },
		"性别", 2, nil},
	{"tel", "tel", "tel", FieldTel, func(p *Patient) *string { return p.Tel },
		func(p *Patient, f *PatientFields) { p.setTel(f.Tel) },
		"电话", 4, func(r *ExportRecord, _ *time.Location) string { return orEmpty(r.Tel) }}, // masked as the list masks it
	{"age", "age", "age", FieldAge, func(p *Patient) *string { return optionalNumber(p.Age) },
		func(p *Patient, f *PatientFields) { p.Age = f.Age },
		"年龄", 3, nil},
	{"wechat", "wechat", "wechat", FieldWechat, func(p *Patient) *string { return p.Wechat },
		func(p *Patient, f *PatientFields) { p.Wechat = f.Wechat },
		"微信", 5, nil},
	{"qq", "qq", "qq", FieldQQ, func(p *Patient) *string { return p.QQ },
		func(p *Patient, f *PatientFields) { p.QQ = f.QQ },
		"QQ", 6, nil},
	{"addTime", "add_time", "add_time", FieldAddTime, func(p *Patient) *string { return number(p.AddTime) },
		func(p *Patient, f *PatientFields) { p.AddTime = f.AddTime },
		"登记时间", 8, func(r *ExportRecord, loc *time.Location) string { return localTime(&r.AddTime, loc) }},
	{"orderTime", "order_time", "order_time", FieldOrderTime, func(p *Patient) *string { return optionalNumber(p.OrderTime) },
		func(p *Patient, f *PatientFields) { p.OrderTime = f.OrderTime },
		"预约时间", 9, func(r *ExportRecord, loc *time.Location) string { return localTime(r.OrderTime, loc) }},
	{"reachTime", "reach_time", "reach_time", FieldReachTime, func(p *Patient) *string { return optionalNumber(p.ReachTime) },
		func(p *Patient, f *PatientFields) { p.ReachTime = f.ReachTime },
		"到诊时间", 10, func(r *ExportRecord, loc *time.Location) string { return localTime(r.ReachTime, loc) }},
	{"diseaseId", "disease_id", "disease_id", FieldDiseaseID, func(p *Patient) *string { return optionalID(p.DiseaseID) },
		func(p *Patient, f *PatientFields) { p.DiseaseID = f.DiseaseID },
		"病种", 12, func(r *ExportRecord, _ *time.Location) string { return r.DiseaseName }},
	{"authorId", "author_id", "author_id", 0, func(p *Patient) *string { return optionalID(&p.AuthorID) }, nil,
		"登记人", 18, func(r *ExportRecord, _ *time.Location) string { return r.AuthorName }},
	{"state", "state", "state", FieldState, func(p *Patient) *string { return number(int64(p.State)) },
		func(p *Patient, f *PatientFields) { p.State = f.State },
		"状态", 11, func(r *ExportRecord, _ *time.Location) string { return r.StateName }},
	{"mediaFromId", "media_from_id", "media_from_id", FieldMediaFromID, func(p *Patient) *string { return optionalID(p.MediaFromID) },
		func(p *Patient, f *PatientFields) { p.MediaFromID = f.MediaFromID },
		"来源渠道", 14, func(r *ExportRecord, _ *time.Location) string { return r.MediaName }},
	{"doctorId", "doctor_id", "doctor_id", FieldDoctorID, func(p *Patient) *string { return optionalID(p.DoctorID) },
		func(p *Patient, f *PatientFields) { p.DoctorID = f.DoctorID },
		"医生", 13, func(r *ExportRecord, _ *time.Location) string { return r.DoctorName }},
	{"advisoryWay", "advisory_way", "advisory_way", FieldAdvisoryWay, func(p *Patient) *string { return p.AdvisoryWay },
		func(p *Patient, f *PatientFields) { p.AdvisoryWay = f.AdvisoryWay },
		"咨询方式", 15, nil},
	{"advisoryContent", "advisory_content", "advisory_content", FieldAdvisoryContent, func(p *Patient) *string { return p.AdvisoryContent },
		func(p *Patient, f *PatientFields) { p.AdvisoryContent = f.AdvisoryContent },
		"咨询内容", 16, nil},
	{"area", "area", "area", FieldArea, func(p *Patient) *string { return p.Area },
		func(p *Patient, f *PatientFields) { p.Area = f.Area },
		"地区", 7, nil},
	{"remarks", "remarks", "remarks", FieldRemarks, func(p *Patient) *string { return p.Remarks },
		func(p *Patient, f *PatientFields) { p.Remarks = f.Remarks },
		"备注", 17, nil},
}

// PatientFieldTable lists the patient's fields, in the contract's order.
func PatientFieldTable() []PatientField { return patientFields }

// PatientFieldBit is the bit of the field written by param (0: none).
func PatientFieldBit(param string) PatientFieldSet {
	for _, f := range patientFields {
		if f.Param == param {
			return f.Bit
		}
	}
	return 0
}

// FieldValue is a patient field's value under its contract name: a string
// or null.
type FieldValue struct {
	Name  string
	Value *string
}

// ContractValues are p's fields as the contract presents them, in order;
// history compares and stores these.
func (p Patient) ContractValues() []FieldValue {
	out := make([]FieldValue, len(patientFields))
	for i, f := range patientFields {
		out[i] = FieldValue{f.Name, f.value(&p)}
	}
	return out
}

// apply copies the fields in set from f.
func (p *Patient) apply(f PatientFields, set PatientFieldSet) {
	for _, field := range patientFields {
		if set&field.Bit != 0 {
			field.assign(p, &f)
		}
	}
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
