package store

import (
	"strings"

	"gorm.io/gorm/clause"
)

// SQL text helpers shared by the queries of every model.

func Like(column, pattern string) clause.Expression {
	return clause.Expr{SQL: "? LIKE ? ESCAPE '!'", Vars: []any{clause.Column{Name: column}, pattern}}
}

// likeFold ignores case also where the column's collation is binary
// (usernames on MySQL), as SQLite's LIKE does for Latin letters.
func LikeFold(column, pattern string) clause.Expression {
	return clause.Expr{SQL: "LOWER(?) LIKE ? ESCAPE '!'", Vars: []any{clause.Column{Name: column}, strings.ToLower(pattern)}}
}

// escapeLike neutralises LIKE wildcards; '!' is the escape character on
// both databases because MySQL treats a backslash in a literal specially.
func EscapeLike(s string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s)
}

// boundedText makes client-supplied text storable: valid UTF-8 (MySQL's
// strict mode refuses anything else) and at most max bytes, cut on a rune
// boundary.
func BoundedText(s string, max int) string {
	s = strings.ToValidUTF8(s, "")
	if len(s) <= max {
		return s
	}
	for max > 0 && s[max]&0xC0 == 0x80 {
		max--
	}
	return s[:max]
}

// digitsPrefix matches a column of digits that starts with prefix (digits
// too), as an index range both databases use: SQLite does not use an
// index for a LIKE with an ESCAPE clause. Letters sort after digits in
// binary order and in MySQL's collations alike, so prefix+"a" bounds every
// number that starts with prefix.
func DigitsPrefix(column, prefix string) clause.Expression {
	return clause.And(clause.Gte{Column: column, Value: prefix}, clause.Lt{Column: column, Value: prefix + "a"})
}
