package models

import "testing"

// The table's export places are 1..n, each once, each with a header; the
// writable bits are each used once.
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
		if f.Bit != 0 {
			if bits&f.Bit != 0 || (f.assign == nil) {
				t.Errorf("%s: bit %b used twice, or no assignment", f.Name, f.Bit)
			}
			bits |= f.Bit
		}
		if PatientFieldBit(f.Param) != f.Bit {
			t.Errorf("%s: PatientFieldBit(%q) = %b", f.Name, f.Param, PatientFieldBit(f.Param))
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
