package patient

import (
	"crm/internal/searchkey"
	"crm/models/access"
)

// setTel sets the phone number and the columns derived from it.
func (p *Patient) SetTel(tel *string) {
	p.Tel = tel
	p.TelDigits = access.PhoneDigits(tel)
	p.TelRev = searchkey.Reverse(p.TelDigits)
}

// TelFor is the phone number as this viewer may see it: whole for the
// patient's author and for roles with the full-phone permission, masked
// otherwise.
func (p Patient) TelFor(v access.Viewer) *string { return p.telValueFor(v, p.Tel) }

// telValueFor masks a phone number of this patient (say, an old one in its
// history) as TelFor masks the current one.
func (p Patient) telValueFor(v access.Viewer, tel *string) *string {
	if tel == nil || p.AuthorID == v.UserID || v.Can(access.PermPatientFullPhone) {
		return tel
	}
	masked := access.MaskPhone(access.PhoneDigits(tel))
	return &masked
}
