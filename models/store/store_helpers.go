package store

import (
	"errors"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"crm/apierr"
)

// notFound turns a missing row into the contract's 46001; other errors
// pass as they are.
func NotFound(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return apierr.ErrNotFound
	}
	return err
}

// toAny is values as the arguments of an IN clause.
func ToAny[T any](values []T) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = v
	}
	return out
}

// pruneOlder deletes the rows of model created before the given time,
// batch rows at a time, so a large backlog never holds a long lock. It
// returns how many it deleted.
func PruneOlder(db *gorm.DB, model any, before time.Time, batch int) (int64, error) {
	var total int64
	for {
		var ids []uint64
		err := db.Model(model).Where(clause.Lt{Column: "created_at", Value: before}).
			Order("id").Limit(batch).Pluck("id", &ids).Error
		if err != nil || len(ids) == 0 {
			return total, err
		}
		res := db.Where(clause.IN{Column: "id", Values: ToAny(ids)}).Delete(model)
		if res.Error != nil {
			return total, res.Error
		}
		total += res.RowsAffected
		if len(ids) < batch {
			return total, nil
		}
		if err := db.Statement.Context.Err(); err != nil {
			return total, err
		}
	}
}

// sortOrderStep spaces sort orders so one entry can be moved between two
// others by hand.
const SortOrderStep = 10

// sortOrderFor is a new row's sort order: the one asked for, else a step
// after the last of the table's rows (0 for the first).
func SortOrderFor(table *gorm.DB, asked *int) (int, error) {
	if asked != nil {
		return *asked, nil
	}
	var last *int
	if err := table.Select("MAX(sort_order)").Scan(&last).Error; err != nil {
		return 0, err
	}
	if last == nil {
		return 0, nil
	}
	return *last + SortOrderStep, nil
}

// RetryDeadlocks runs a whole transaction again when MySQL chose it as a
// deadlock's victim (1213): the victim's work was rolled back, so a second
// run is the same request, and the winner has usually finished by then.
func RetryDeadlocks(run func() error) error {
	var err error
	for attempt := 0; attempt < 4; attempt++ {
		if err = run(); !isDeadlock(err) {
			return err
		}
	}
	return err
}

func isDeadlock(err error) bool {
	var myErr *mysqldriver.MySQLError
	return errors.As(err, &myErr) && myErr.Number == 1213
}
