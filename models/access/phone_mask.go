package access

import (
	"strings"

	"crm/internal/searchkey"
)

// PhoneDigits keeps the digits of a phone number.
func PhoneDigits(tel *string) string {
	if tel == nil {
		return ""
	}
	return searchkey.Digits(*tel)
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
