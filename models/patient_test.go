package models

import "testing"

func TestMaskPhone(t *testing.T) {
	for digits, want := range map[string]string{
		"13566666666":   "135****6666",
		"8613566666666": "861******6666",
		"057788889999":  "057*****9999",
		"0577888899":    "******8899",
		"88889999":      "****9999",
		"1234567":       "*******",
		"110":           "***",
		"":              "",
	} {
		if got := MaskPhone(digits); got != want {
			t.Errorf("MaskPhone(%q) = %q, want %q", digits, got, want)
		}
		if hidden := countStars(MaskPhone(digits)); len(digits) > 0 && hidden < 4 && hidden != len(digits) {
			t.Errorf("%q hides only %d digits", digits, hidden)
		}
	}
}

func countStars(s string) int {
	n := 0
	for _, r := range s {
		if r == '*' {
			n++
		}
	}
	return n
}

func TestTelFor(t *testing.T) {
	tel := "135-1234-6666"
	p := Patient{Tel: &tel, TelDigits: "13512346666", AuthorID: 7}
	author := Viewer{UserID: 7, Permissions: NewPermissionSet(PermPatientList)}
	other := Viewer{UserID: 8, Permissions: NewPermissionSet(PermPatientList, PermPatientViewAll)}
	full := Viewer{UserID: 9, Permissions: NewPermissionSet(PermPatientFullPhone)}
	for name, c := range map[string]struct {
		v    Viewer
		want string
	}{"author": {author, tel}, "other": {other, "135****6666"}, "full-phone": {full, tel}} {
		if got := p.TelFor(c.v); got == nil || *got != c.want {
			t.Errorf("%s: %v, want %s", name, got, c.want)
		}
	}
	if (Patient{AuthorID: 7}).TelFor(other) != nil {
		t.Error("no phone stays null")
	}
}

func TestSortWhitelist(t *testing.T) {
	for _, name := range []string{"tel", "created_at", "deleted_at", "id desc", "ID", "name;", "", "tel_digits"} {
		if col, ok := PatientSortColumn(name); ok {
			t.Errorf("%q must not be sortable (got %q)", name, col)
		}
	}
	if col, ok := PatientSortColumn("mediaFromId"); !ok || col != "media_from_id" {
		t.Errorf("mediaFromId -> %q %v", col, ok)
	}
}

func TestScopeOfUnknownViewerMatchesNothing(t *testing.T) {
	if (Viewer{}).patientScope() != scopeNone {
		t.Error("the zero viewer must see nothing")
	}
	if (Viewer{UserID: 1, Permissions: NewPermissionSet(PermPatientCreate)}).patientScope() != scopeNone {
		t.Error("a viewer without patient.list sees nothing")
	}
}
