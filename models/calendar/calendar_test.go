package calendar

import (
	"testing"
	"time"
)

// ParsePeriod reads back what periodKey writes, for every granularity,
// across year ends and ISO weeks that straddle them.
func TestParsePeriodReadsPeriodKey(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	for day := Date(2019, time.December, 20, loc); day.Before(Date(2027, time.January, 15, loc)); day = day.AddDate(0, 0, 3) {
		for _, g := range []Granularity{GroupDay, GroupWeek, GroupMonth, GroupYear} {
			start := PeriodStart(day, g)
			key := periodKey(start, g)
			parsed, ok := ParsePeriod(key, g, loc)
			if !ok || !parsed.Equal(start) {
				t.Fatalf("%s %s: ParsePeriod(%q) = %v %v, want %v", g, day.Format(time.DateOnly), key, parsed, ok, start)
			}
		}
	}
	for _, bad := range []struct {
		v string
		g Granularity
	}{{"2026-W54", GroupWeek}, {"2026-13", GroupMonth}, {"20266", GroupYear}, {"2026-W48", GroupMonth}, {"yesterday", GroupDay}} {
		if _, ok := ParsePeriod(bad.v, bad.g, loc); ok {
			t.Errorf("ParsePeriod(%q, %s) accepted", bad.v, bad.g)
		}
	}
}
