package access

import "testing"

func TestPermissionSetRoundTrip(t *testing.T) {
	set := NewPermissionSet(PermPatientViewAll, PermPatientList, PermPatientList)
	v, _ := set.Value()
	if v != "patient.list patient.view_all" {
		t.Errorf("stored as %q", v)
	}
	var back PermissionSet
	if err := back.Scan([]byte("  patient.view_all\tpatient.list ")); err != nil {
		t.Fatal(err)
	}
	if !back.Has(PermPatientList) || !back.Has(PermPatientViewAll) || back.Has(PermPatientFullPhone) || len(back) != 2 {
		t.Errorf("scanned %v", back)
	}
	if err := back.Scan(42); err == nil {
		t.Error("a number is not a permission set")
	}
}

func TestEveryPermissionIsDescribed(t *testing.T) {
	seen := map[Permission]bool{}
	for _, p := range Permissions() {
		if p.Description == "" || seen[p.Key] {
			t.Errorf("%q: empty or duplicate", p.Key)
		}
		seen[p.Key] = true
	}
}
