package patient

import (
	"testing"

	"crm/internal/casing"
)

// The table's export places are 1..n, each once, each with a header; each
// writable field has its own bit and copies itself; names are the
// columns' camelCase.
func TestPatientFieldTableIsConsistent(t *testing.T) {
	places := map[int]string{}
	var bits PatientFieldSet
	for _, f := range patientFields {
		if f.exportAt > 0 {
			if other, taken := places[f.exportAt]; taken || f.header == "" {
				t.Errorf("%s: export place %d (taken by %q) or no header", f.Name, f.exportAt, other)
			}
			places[f.exportAt] = f.Name
		}
		if f.Writable != (f.Bit != 0) || f.Writable != (f.assign != nil) || bits&f.Bit != 0 {
			t.Errorf("%s: writable %v, bit %b (used: %b), assignment %v", f.Name, f.Writable, f.Bit, bits, f.assign != nil)
		}
		bits |= f.Bit
		if f.Name != casing.Camel(f.Column) {
			t.Errorf("%s: name is not the camelCase of %s", f.Name, f.Column)
		}
	}
	for i := 1; i <= len(places); i++ {
		if _, ok := places[i]; !ok {
			t.Errorf("no field exported at place %d", i)
		}
	}
	if bits != AllPatientFields {
		t.Errorf("bits %b, AllPatientFields %b", bits, AllPatientFields)
	}
	if got := len(ExportHeader()); got != len(places)+1 {
		t.Errorf("export header of %d, want %d", got, len(places)+1)
	}
}

// A write copies exactly the fields in its set, each from its own field.
func TestApplyCopiesTheFieldsInTheSet(t *testing.T) {
	age, tel, way := int16(30), "135-1111-2222", "电话"
	order, doctor := int64(1_700_000_100), uint64(3)
	in := Patient{Name: "张三", Sex: 1, Age: &age, Tel: &tel, AddTime: 1_700_000_000, OrderTime: &order,
		DoctorID: &doctor, State: StateWaiting, AdvisoryWay: &way}
	for _, f := range patientFields {
		if !f.Writable {
			continue
		}
		p := Patient{ID: 9, AuthorID: 2}
		p.apply(&in, f.Bit)
		got, want := p.ContractValues(), in.ContractValues()
		for i, v := range got {
			copied := patientFields[i].Name == f.Name
			same := (v.Value == nil) == (want[i].Value == nil) && (v.Value == nil || *v.Value == *want[i].Value)
			empty := Patient{ID: 9, AuthorID: 2}
			untouched := empty.ContractValues()[i]
			unchanged := (v.Value == nil) == (untouched.Value == nil) && (v.Value == nil || *v.Value == *untouched.Value)
			if copied && !same || !copied && !unchanged {
				t.Errorf("apply %s: %s is %v", f.Name, v.Name, orEmpty(v.Value))
			}
		}
		if f.Name == "tel" && p.TelDigits != "13511112222" {
			t.Errorf("apply tel: digits %q", p.TelDigits)
		}
	}
}
