package patient

import (
	"crm/models/access"
	"testing"
)

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
		if got := access.MaskPhone(digits); got != want {
			t.Errorf("MaskPhone(%q) = %q, want %q", digits, got, want)
		}
		if hidden := countStars(access.MaskPhone(digits)); len(digits) > 0 && hidden < 4 && hidden != len(digits) {
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
	author := access.Viewer{UserID: 7, Permissions: access.NewPermissionSet(access.PermPatientList)}
	other := access.Viewer{UserID: 8, Permissions: access.NewPermissionSet(access.PermPatientList, access.PermPatientViewAll)}
	full := access.Viewer{UserID: 9, Permissions: access.NewPermissionSet(access.PermPatientFullPhone)}
	for name, c := range map[string]struct {
		v    access.Viewer
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
	if (access.Viewer{}).PatientScope() != access.ScopeNone {
		t.Error("the zero viewer must see nothing")
	}
	if (access.Viewer{UserID: 1, Permissions: access.NewPermissionSet(access.PermPatientCreate)}).PatientScope() != access.ScopeNone {
		t.Error("a viewer without patient.list sees nothing")
	}
}
