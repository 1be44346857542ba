// Package sqlguard is a fixture: every call below must be flagged by
// TestNoSQLBuiltFromInput, which proves the guard can fail.
package sqlguard

import (
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

func Bad(db *gorm.DB, column, name string) {
	db.Order(column + " desc")                             // flagged: Order
	db.Where(fmt.Sprintf("name = '%s'", name))             // flagged: Where
	db.Raw("SELECT * FROM t WHERE a = " + name)            // flagged: Raw
	db.Where(clause.Expr{SQL: "name LIKE '" + name + "'"}) // flagged: clause.Expr
	db.Select(column)                                      // flagged: Select
	db.Exec(gorm.Expr("x = " + name).SQL)                  // flagged: gorm.Expr, Exec
	const ok = "id = ?"
	db.Where(ok, name).Order("id desc").Where(clause.Eq{Column: column, Value: name}) // not flagged
}
