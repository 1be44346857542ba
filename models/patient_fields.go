package models

import "strconv"

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
}

// patientFields are the fields in the order the contract lists them.
var patientFields = []PatientField{
	{"name", "name", "name", FieldName, func(p *Patient) *string { return text(p.Name) },
		func(p *Patient, f *PatientFields) { p.Name = f.Name }},
	{"sex", "sex", "sex", FieldSex, func(p *Patient) *string { return number(int64(p.Sex)) },
		func(p *Patient, f *PatientFields) { p.Sex = f.Sex }},
	{"tel", "tel", "tel", FieldTel, func(p *Patient) *string { return p.Tel },
		func(p *Patient, f *PatientFields) { p.setTel(f.Tel) }},
	{"age", "age", "age", FieldAge, func(p *Patient) *string { return optionalNumber(p.Age) },
		func(p *Patient, f *PatientFields) { p.Age = f.Age }},
	{"wechat", "wechat", "wechat", FieldWechat, func(p *Patient) *string { return p.Wechat },
		func(p *Patient, f *PatientFields) { p.Wechat = f.Wechat }},
	{"qq", "qq", "qq", FieldQQ, func(p *Patient) *string { return p.QQ },
		func(p *Patient, f *PatientFields) { p.QQ = f.QQ }},
	{"addTime", "add_time", "add_time", FieldAddTime, func(p *Patient) *string { return number(p.AddTime) },
		func(p *Patient, f *PatientFields) { p.AddTime = f.AddTime }},
	{"orderTime", "order_time", "order_time", FieldOrderTime, func(p *Patient) *string { return optionalNumber(p.OrderTime) },
		func(p *Patient, f *PatientFields) { p.OrderTime = f.OrderTime }},
	{"reachTime", "reach_time", "reach_time", FieldReachTime, func(p *Patient) *string { return optionalNumber(p.ReachTime) },
		func(p *Patient, f *PatientFields) { p.ReachTime = f.ReachTime }},
	{"diseaseId", "disease_id", "disease_id", FieldDiseaseID, func(p *Patient) *string { return optionalID(p.DiseaseID) },
		func(p *Patient, f *PatientFields) { p.DiseaseID = f.DiseaseID }},
	{"authorId", "author_id", "author_id", 0, func(p *Patient) *string { return optionalID(&p.AuthorID) }, nil},
	{"state", "state", "state", FieldState, func(p *Patient) *string { return number(int64(p.State)) },
		func(p *Patient, f *PatientFields) { p.State = f.State }},
	{"mediaFromId", "media_from_id", "media_from_id", FieldMediaFromID, func(p *Patient) *string { return optionalID(p.MediaFromID) },
		func(p *Patient, f *PatientFields) { p.MediaFromID = f.MediaFromID }},
	{"doctorId", "doctor_id", "doctor_id", FieldDoctorID, func(p *Patient) *string { return optionalID(p.DoctorID) },
		func(p *Patient, f *PatientFields) { p.DoctorID = f.DoctorID }},
	{"advisoryWay", "advisory_way", "advisory_way", FieldAdvisoryWay, func(p *Patient) *string { return p.AdvisoryWay },
		func(p *Patient, f *PatientFields) { p.AdvisoryWay = f.AdvisoryWay }},
	{"advisoryContent", "advisory_content", "advisory_content", FieldAdvisoryContent, func(p *Patient) *string { return p.AdvisoryContent },
		func(p *Patient, f *PatientFields) { p.AdvisoryContent = f.AdvisoryContent }},
	{"area", "area", "area", FieldArea, func(p *Patient) *string { return p.Area },
		func(p *Patient, f *PatientFields) { p.Area = f.Area }},
	{"remarks", "remarks", "remarks", FieldRemarks, func(p *Patient) *string { return p.Remarks },
		func(p *Patient, f *PatientFields) { p.Remarks = f.Remarks }},
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
