package models

import (
	"strings"

	"crm/internal/searchkey"
)

// setTel sets the phone number and the columns derived from it.
func (p *Patient) setTel(tel *string) {
	p.Tel = tel
	p.TelDigits = PhoneDigits(tel)
	p.TelRev = searchkey.Reverse(p.TelDigits)
}

// PhoneDigits keeps the digits of a phone number.
func PhoneDigits(tel *string) string {
	if tel == nil {
		return ""
	}
	return searchkey.Digits(*tel)
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

// MaskPhone keeps the first 3 and last 4 digits of a mobile number
// (135****6666). Shorter numbers keep only their last 4 digits, and numbers
// of fewer than 8 digits are hidden whole, so at least 4 digits are always
// hidden.
func MaskPhone(digits string) string {
	n := len(digits)
	switch {
	case n >= 11:
		return digits[:3] + strings.Repeat("*", n-7) + digits[n-4:]
	case n >= 8:
		return strings.Repeat("*", n-4) + digits[n-4:]
	default:
		return strings.Repeat("*", n)
	}
}
