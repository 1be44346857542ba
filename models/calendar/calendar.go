package calendar

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"crm/apierr"
)

// Granularity of calendar periods in the clinic's time zone.
type Granularity string

const (
	GroupDay   Granularity = "day"
	GroupWeek  Granularity = "week" // ISO weeks, Monday first
	GroupMonth Granularity = "month"
	GroupYear  Granularity = "year"
)

// maxPeriods bounds a report: a year of days, five years of weeks, ten of
// months or years.
func (g Granularity) MaxPeriods() int {
	switch g {
	case GroupDay:
		return 366
	case GroupWeek:
		return 262
	default:
		return 120
	}
}

// Period is [Start, End) in the clinic's zone; Key names it ("2026-11-24",
// "2026-W48", "2026-11", "2026").
type Period struct {
	Key        string
	Start, End time.Time
}

// Date is a calendar day in the clinic's zone: its local midnight.
func Date(year int, month time.Month, day int, loc *time.Location) time.Time {
	return time.Date(year, month, day, 0, 0, 0, 0, loc)
}

// periodStart is the start of the period of g that holds day.
func PeriodStart(day time.Time, g Granularity) time.Time {
	y, m, d := day.Date()
	switch g {
	case GroupWeek:
		return Date(y, m, d-(int(day.Weekday())+6)%7, day.Location())
	case GroupMonth:
		return Date(y, m, 1, day.Location())
	case GroupYear:
		return Date(y, 1, 1, day.Location())
	}
	return Date(y, m, d, day.Location())
}

func NextPeriod(start time.Time, g Granularity) time.Time {
	y, m, d := start.Date()
	switch g {
	case GroupWeek:
		return Date(y, m, d+7, start.Location())
	case GroupMonth:
		return Date(y, m+1, 1, start.Location())
	case GroupYear:
		return Date(y+1, 1, 1, start.Location())
	}
	return Date(y, m, d+1, start.Location())
}

func periodKey(start time.Time, g Granularity) string {
	switch g {
	case GroupWeek:
		year, week := start.ISOWeek()
		return fmt.Sprintf("%d-W%02d", year, week)
	case GroupMonth:
		return start.Format("2006-01")
	case GroupYear:
		return start.Format("2006")
	}
	return start.Format("2006-01-02")
}

var weekPattern = regexp.MustCompile(`^(\d{4})-W(\d{2})$`)

// ParsePeriod reads a period's name as periodKey writes it (2026-W48,
// 2026-11, 2026; 2026-11-24 for a day), or any date within it, and returns
// the date it names in loc.
func ParsePeriod(v string, g Granularity, loc *time.Location) (time.Time, bool) {
	if d, err := time.ParseInLocation(time.DateOnly, v, loc); err == nil {
		return d, true
	}
	switch g {
	case GroupWeek:
		if m := weekPattern.FindStringSubmatch(v); m != nil {
			year, _ := strconv.Atoi(m[1])
			week, _ := strconv.Atoi(m[2])
			// ISO week 1 holds January 4th.
			jan4 := Date(year, time.January, 4, loc)
			monday := jan4.AddDate(0, 0, -((int(jan4.Weekday())+6)%7)+(week-1)*7)
			if y, w := monday.ISOWeek(); y == year && w == week {
				return monday, true
			}
		}
	case GroupMonth:
		if d, err := time.ParseInLocation("2006-01", v, loc); err == nil {
			return d, true
		}
	case GroupYear:
		if d, err := time.ParseInLocation("2006", v, loc); err == nil {
			return d, true
		}
	}
	return time.Time{}, false
}

// CalendarPeriods splits the days from..to (inclusive local dates) into
// periods of g, the first and last clipped to the range.
func CalendarPeriods(from, to time.Time, g Granularity) []Period {
	end := NextPeriod(to, GroupDay)
	var out []Period
	for start := from; start.Before(end); {
		next := NextPeriod(PeriodStart(start, g), g)
		if next.After(end) {
			next = end
		}
		out = append(out, Period{Key: periodKey(PeriodStart(start, g), g), Start: start, End: next})
		start = next
	}
	return out
}

// PeriodOf is the whole period of g holding day (a ranking's month).
func PeriodOf(day time.Time, g Granularity) Period {
	start := PeriodStart(day, g)
	return Period{Key: periodKey(start, g), Start: start, End: NextPeriod(start, g)}
}

// dayBuckets maps the SQL buckets of a time column to the local days of a
// range. Where the zone's offset is the same all through the range (any
// zone without daylight saving, Asia/Shanghai included), the database
// computes the local day itself; otherwise it groups by quarter hour
// (every zone's offset is a multiple of 15 minutes) and the days are found
// here. Either way the counting happens in the database.
type dayBuckets struct {
	days   []time.Time // local midnights, then the end
	fixed  bool
	offset int64
}

func NewDayBuckets(from, end time.Time) dayBuckets {
	b := dayBuckets{fixed: true}
	_, first := from.Zone()
	b.offset = int64(first)
	for day := from; !day.After(end); day = NextPeriod(day, GroupDay) {
		b.days = append(b.days, day)
		if _, off := day.Zone(); int64(off) != b.offset {
			b.fixed = false
		}
	}
	// A transition inside a day also breaks the fixed path.
	for i := 0; b.fixed && i+1 < len(b.days); i++ {
		if b.days[i+1].Sub(b.days[i]) != 24*time.Hour {
			b.fixed = false
		}
	}
	return b
}

const quarterHour = 900

// expression is the bucket of column, in SQL.
func (b dayBuckets) Expression(db *gorm.DB, column string) clause.Expression {
	col := clause.Column{Name: column}
	mysql := db.Dialector.Name() == "mysql"
	switch {
	case b.fixed && mysql:
		return clause.Expr{SQL: "(? + ?) DIV 86400", Vars: []any{col, b.offset}}
	case b.fixed:
		return clause.Expr{SQL: "(? + ?) / 86400", Vars: []any{col, b.offset}}
	case mysql:
		return clause.Expr{SQL: "? DIV 900", Vars: []any{col}}
	default:
		return clause.Expr{SQL: "? / 900", Vars: []any{col}}
	}
}

// periodOfDay is the index in periods of each day of b.
func (b dayBuckets) PeriodOfDay(periods []Period) []int {
	out := make([]int, len(b.days)-1)
	for i, p := 0, 0; i < len(out); i++ {
		for !b.days[i].Before(periods[p].End) {
			p++
		}
		out[i] = p
	}
	return out
}

// dayIndex is the index in days of a bucket, or -1 outside the range.
func (b dayBuckets) DayIndex(bucket int64) int {
	var at int64
	if b.fixed {
		at = bucket*86400 - b.offset
	} else {
		at = bucket * quarterHour
	}
	i := sort.Search(len(b.days), func(i int) bool { return b.days[i].Unix() > at }) - 1
	if i < 0 || i >= len(b.days)-1 {
		return -1
	}
	return i
}

// DateSpan is the days from, to (inclusive) as one period; to before from
// is refused.
func DateSpan(from, to time.Time) (Period, error) {
	if to.Before(from) {
		return Period{}, apierr.Invalid("to")
	}
	return Period{Key: from.Format(time.DateOnly) + "/" + to.Format(time.DateOnly), Start: from, End: NextPeriod(to, GroupDay)}, nil
}
