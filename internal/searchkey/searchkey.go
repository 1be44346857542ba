// Package searchkey derives what patients are searched by without a full
// scan: the short substrings of a name (its terms) and the reversed digits
// of a phone number, whose prefixes are the number's tails. The models keep
// them up to date and a migration computed them for existing rows, so the
// rules here change only together with a migration that recomputes them.
package searchkey

import (
	"strings"
	"unicode/utf8"
)

// MaxTermRunes is the longest term stored. Chinese names are two to four
// characters, so most searches for a whole name are one term; a longer
// query is looked up by its first MaxTermRunes characters and then checked
// against the name itself.
const MaxTermRunes = 3

// Normalize is how names and queries are compared: case folded, so Latin
// letters match either way, as the name column's collation does on MySQL.
func Normalize(s string) string { return strings.ToLower(s) }

// Terms lists the distinct substrings of the normalized name of 1 to
// MaxTermRunes characters, in the order they first appear.
func Terms(name string) []string {
	runes := []rune(Normalize(name))
	seen := make(map[string]bool, 3*len(runes))
	var terms []string
	for start := range runes {
		for n := 1; n <= MaxTermRunes && start+n <= len(runes); n++ {
			term := string(runes[start : start+n])
			if !seen[term] {
				seen[term] = true
				terms = append(terms, term)
			}
		}
	}
	return terms
}

// QueryTerm is the term a name query is looked up by, and whether the
// term is the whole (normalized) query, so that matching it is enough.
func QueryTerm(q string) (term string, whole bool) {
	q = Normalize(q)
	if utf8.RuneCountInString(q) <= MaxTermRunes {
		return q, true
	}
	return string([]rune(q)[:MaxTermRunes]), false
}

// Reverse reverses a string of ASCII digits: a phone number's tail is then
// a prefix, which an index can find.
func Reverse(digits string) string {
	b := []byte(digits)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

// IsNumber reports whether q could be a phone, QQ or all-digit WeChat
// number: digits, with the spaces, '+' and '-' people type in phone numbers.
func IsNumber(q string) bool {
	digits := 0
	for _, r := range q {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == ' ' || r == '+' || r == '-':
		default:
			return false
		}
	}
	return digits > 0
}

// Digits keeps the ASCII digits of s.
func Digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
