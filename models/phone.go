package models

import (
	"crm/internal/searchkey"
)

// setTel sets the phone number and the columns derived from it.
func (p *Patient) setTel(tel *string) {
	p.Tel = tel
	p.TelDigits = PhoneDigits(tel)
	p.TelRev = searchkey.Reverse(p.TelDigits)
}

// TelFor is the phone number as this viewer may see it: whole for the
// patient's author and for roles with the full-phone permission, masked
// otherwise.
func (p Patient) TelFor(v Viewer) *string { return p.telValueFor(v, p.Tel) }

// telValueFor masks a phone number of this patient (say, an old one in its
// history) as TelFor masks the current one.
func (p Patient) telValueFor(v Viewer, tel *string) *string {
	if tel == nil || p.AuthorID == v.UserID || v.Can(PermPatientFullPhone) {
		return tel
	}
	masked := MaskPhone(PhoneDigits(tel))
	return &masked
}
