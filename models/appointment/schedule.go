package appointment

import (
	"context"
	"crm/apierr"
	"crm/models/access"
	"crm/models/oplog"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Block is a stretch of a doctor's week cut into slots: from Start to End
// (minutes of the clinic's day), Slot minutes each, Capacity patients per
// slot. Weekday is ISO: 1 Monday … 7 Sunday.
type Block struct {
	ID          uint64 `gorm:"primaryKey"`
	DoctorID    uint64
	Weekday     int8
	StartMinute int16
	EndMinute   int16
	SlotMinutes int16
	Capacity    int16
}

func (Block) TableName() string { return "doctor_schedules" }

// Exception changes one day of a doctor's week: leave takes its blocks
// away between Start and End (the whole day for 00:00-24:00), extra adds a
// block, capacity changes the capacity of the slots between Start and End.
type Exception struct {
	ID          uint64 `gorm:"primaryKey"`
	DoctorID    uint64
	Date        string // 2026-12-24, the clinic's day
	Kind        string
	StartMinute int16
	EndMinute   int16
	SlotMinutes int16
	Capacity    int16
}

func (Exception) TableName() string { return "doctor_schedule_exceptions" }

// Exception kinds.
const (
	KindLeave    = "leave"
	KindExtra    = "extra"
	KindCapacity = "capacity"
)

// Schedule is a doctor's week and its exceptions.
type Schedule struct {
	DoctorID   uint64
	Weekly     []Block
	Exceptions []Exception
}

// Limits of a schedule: enough for any clinic, small enough that a day's
// slots are computed in microseconds.
const (
	MaxBlocks     = 70
	MaxExceptions = 400
	MinSlot       = 5
	MaxSlot       = 480
	MaxCapacity   = 999
	dayMinutes    = 24 * 60
)

var (
	ErrInvalidWeekly     = apierr.Invalid("weekly")
	ErrInvalidExceptions = apierr.Invalid("exceptions")
)

// ParseWeekly reads the weekly text: blocks separated by ";" or new
// lines, each "weekday HH:MM-HH:MM slot capacity" ("1 09:00-12:00 30 5":
// Mondays 9 to 12 in half hours, five patients each). Blocks of one day
// may not overlap.
func ParseWeekly(text string) ([]Block, error) {
	var blocks []Block
	for _, entry := range entries(text) {
		f := strings.Fields(entry)
		if len(f) != 4 {
			return nil, ErrInvalidWeekly
		}
		day, err1 := strconv.Atoi(f[0])
		start, end, err2 := parseRange(f[1])
		slot, err3 := strconv.Atoi(f[2])
		capacity, err4 := strconv.Atoi(f[3])
		if err1 != nil || err2 != nil || err3 != nil || err4 != nil || day < 1 || day > 7 ||
			!validBlock(start, end, slot, capacity) {
			return nil, ErrInvalidWeekly
		}
		blocks = append(blocks, Block{Weekday: int8(day), StartMinute: int16(start), EndMinute: int16(end),
			SlotMinutes: int16(slot), Capacity: int16(capacity)})
	}
	if len(blocks) > MaxBlocks {
		return nil, ErrInvalidWeekly
	}
	sort.Slice(blocks, func(i, j int) bool {
		a, b := blocks[i], blocks[j]
		return a.Weekday < b.Weekday || a.Weekday == b.Weekday && a.StartMinute < b.StartMinute
	})
	for i := 1; i < len(blocks); i++ {
		if blocks[i].Weekday == blocks[i-1].Weekday && blocks[i].StartMinute < blocks[i-1].EndMinute {
			return nil, ErrInvalidWeekly
		}
	}
	return blocks, nil
}

// ParseExceptions reads the exceptions text: entries separated by ";" or
// new lines, each one of
//
//	2026-12-24 leave                      the whole day off
//	2026-12-24 leave 14:00-18:00          the afternoon off
//	2026-12-26 extra 18:00-20:00 30 2     extra hours, as a weekly block
//	2026-12-27 capacity 09:00-12:00 3     three patients a slot that morning
func ParseExceptions(text string) ([]Exception, error) {
	var out []Exception
	for _, entry := range entries(text) {
		f := strings.Fields(entry)
		if len(f) < 2 {
			return nil, ErrInvalidExceptions
		}
		if _, err := time.Parse(time.DateOnly, f[0]); err != nil {
			return nil, ErrInvalidExceptions
		}
		e := Exception{Date: f[0], Kind: f[1], EndMinute: dayMinutes}
		ok := false
		switch {
		case f[1] == KindLeave && len(f) == 2:
			ok = true
		case f[1] == KindLeave && len(f) == 3:
			start, end, err := parseRange(f[2])
			e.StartMinute, e.EndMinute, ok = int16(start), int16(end), err == nil
		case f[1] == KindExtra && len(f) == 5:
			start, end, err1 := parseRange(f[2])
			slot, err2 := strconv.Atoi(f[3])
			capacity, err3 := strconv.Atoi(f[4])
			ok = err1 == nil && err2 == nil && err3 == nil && validBlock(start, end, slot, capacity)
			e.StartMinute, e.EndMinute, e.SlotMinutes, e.Capacity = int16(start), int16(end), int16(slot), int16(capacity)
		case f[1] == KindCapacity && len(f) == 4:
			start, end, err1 := parseRange(f[2])
			capacity, err2 := strconv.Atoi(f[3])
			ok = err1 == nil && err2 == nil && capacity >= 0 && capacity <= MaxCapacity
			e.StartMinute, e.EndMinute, e.Capacity = int16(start), int16(end), int16(capacity)
		}
		if !ok {
			return nil, ErrInvalidExceptions
		}
		out = append(out, e)
	}
	if len(out) > MaxExceptions {
		return nil, ErrInvalidExceptions
	}
	sort.SliceStable(out, func(i, j int) bool {
		return out[i].Date < out[j].Date || out[i].Date == out[j].Date && out[i].StartMinute < out[j].StartMinute
	})
	return out, nil
}

func entries(text string) []string {
	var out []string
	for _, e := range strings.FieldsFunc(text, func(r rune) bool { return r == ';' || r == '\n' || r == '\r' }) {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}

func validBlock(start, end, slot, capacity int) bool {
	return slot >= MinSlot && slot <= MaxSlot && end-start >= slot && capacity >= 1 && capacity <= MaxCapacity
}

// parseRange reads "09:00-12:30" as minutes of the day; 24:00 is the end
// of the day.
func parseRange(s string) (start, end int, err error) {
	from, to, ok := strings.Cut(s, "-")
	if !ok {
		return 0, 0, ErrInvalidWeekly
	}
	if start, err = parseClock(from); err != nil {
		return 0, 0, err
	}
	if end, err = parseClock(to); err != nil {
		return 0, 0, err
	}
	if start >= end {
		return 0, 0, ErrInvalidWeekly
	}
	return start, end, nil
}

func parseClock(s string) (int, error) {
	h, m, ok := strings.Cut(s, ":")
	hour, err1 := strconv.Atoi(h)
	minute, err2 := strconv.Atoi(m)
	if !ok || len(m) != 2 || err1 != nil || err2 != nil || hour < 0 || minute < 0 || minute > 59 ||
		hour*60+minute > dayMinutes {
		return 0, ErrInvalidWeekly
	}
	return hour*60 + minute, nil
}

// Clock shows minutes of the day as HH:MM.
func Clock(minute int16) string { return fmt.Sprintf("%02d:%02d", minute/60, minute%60) }

// WeeklyText is the weekly blocks as ParseWeekly reads them.
func (s Schedule) WeeklyText() string {
	lines := make([]string, len(s.Weekly))
	for i, b := range s.Weekly {
		lines[i] = fmt.Sprintf("%d %s-%s %d %d", b.Weekday, Clock(b.StartMinute), Clock(b.EndMinute), b.SlotMinutes, b.Capacity)
	}
	return strings.Join(lines, "\n")
}

// ExceptionsText is the exceptions as ParseExceptions reads them.
func (s Schedule) ExceptionsText() string {
	lines := make([]string, len(s.Exceptions))
	for i, e := range s.Exceptions {
		span := Clock(e.StartMinute) + "-" + Clock(e.EndMinute)
		switch e.Kind {
		case KindLeave:
			lines[i] = e.Date + " leave"
			if e.StartMinute != 0 || e.EndMinute != dayMinutes {
				lines[i] += " " + span
			}
		case KindExtra:
			lines[i] = fmt.Sprintf("%s extra %s %d %d", e.Date, span, e.SlotMinutes, e.Capacity)
		default:
			lines[i] = fmt.Sprintf("%s capacity %s %d", e.Date, span, e.Capacity)
		}
	}
	return strings.Join(lines, "\n")
}

// doctorExists: schedules are kept for doctors in the dictionary only.
func doctorExists(tx *gorm.DB, doctorID uint64) error {
	var n int64
	if err := tx.Table("doctors").Where(clause.Eq{Column: "id", Value: doctorID}).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return apierr.ErrNotFound
	}
	return nil
}

// LoadSchedule is a doctor's schedule (empty: none kept, so the doctor
// takes bookings at any time).
func LoadSchedule(ctx context.Context, db *gorm.DB, doctorID uint64) (Schedule, error) {
	db = db.WithContext(ctx)
	if err := doctorExists(db, doctorID); err != nil {
		return Schedule{}, err
	}
	return loadSchedule(db, doctorID)
}

func loadSchedule(db *gorm.DB, doctorID uint64) (Schedule, error) {
	s := Schedule{DoctorID: doctorID, Weekly: []Block{}, Exceptions: []Exception{}}
	if err := db.Where(clause.Eq{Column: "doctor_id", Value: doctorID}).
		Order("weekday, start_minute").Find(&s.Weekly).Error; err != nil {
		return s, err
	}
	err := db.Where(clause.Eq{Column: "doctor_id", Value: doctorID}).Order("date, start_minute, id").Find(&s.Exceptions).Error
	return s, err
}

// SaveSchedule replaces a doctor's schedule. Appointments already booked
// keep their time and seat: a slot that shrinks below its bookings takes
// no more until some are cancelled.
func SaveSchedule(ctx context.Context, db *gorm.DB, v access.Viewer, s Schedule, now time.Time) (Schedule, error) {
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := doctorExists(tx, s.DoctorID); err != nil {
			return err
		}
		where := clause.Eq{Column: "doctor_id", Value: s.DoctorID}
		if err := tx.Where(where).Delete(&Block{}).Error; err != nil {
			return err
		}
		if err := tx.Where(where).Delete(&Exception{}).Error; err != nil {
			return err
		}
		for i := range s.Weekly {
			s.Weekly[i].ID, s.Weekly[i].DoctorID = 0, s.DoctorID
		}
		for i := range s.Exceptions {
			s.Exceptions[i].ID, s.Exceptions[i].DoctorID = 0, s.DoctorID
		}
		if len(s.Weekly) > 0 {
			if err := tx.Create(&s.Weekly).Error; err != nil {
				return err
			}
		}
		if len(s.Exceptions) > 0 {
			if err := tx.Create(&s.Exceptions).Error; err != nil {
				return err
			}
		}
		return oplog.RecordOp(tx, v, oplog.OpScheduleSave, oplog.TargetDoctor, s.DoctorID,
			map[string]any{"blocks": len(s.Weekly), "exceptions": len(s.Exceptions)}, now)
	})
	return s, err
}

// Slot is one bookable time of a doctor's day.
type Slot struct {
	Start, End int64 // unix seconds
	Capacity   int
	Booked     int
}

// Free is how many more the slot takes (never below zero).
func (s Slot) Free() int { return max(s.Capacity-s.Booked, 0) }

// Scheduled reports whether the schedule constrains bookings at all: a
// doctor with neither blocks nor exceptions takes them at any time.
func (s Schedule) Scheduled() bool { return len(s.Weekly) > 0 || len(s.Exceptions) > 0 }

// DaySlots are the slots of one of the clinic's days (date in loc), in
// order, booked counts not filled in.
func (s Schedule) DaySlots(date time.Time, loc *time.Location) []Slot {
	y, m, d := date.Date()
	key := date.Format(time.DateOnly)
	iso := int8(date.Weekday())
	if iso == 0 {
		iso = 7
	}
	at := func(minute int16) int64 { return time.Date(y, m, d, 0, int(minute), 0, 0, loc).Unix() }
	type span struct{ start, end, slot, capacity int16 }
	var spans []span
	for _, b := range s.Weekly {
		if b.Weekday == iso {
			spans = append(spans, span{b.StartMinute, b.EndMinute, b.SlotMinutes, b.Capacity})
		}
	}
	var leave, capacity []Exception
	for _, e := range s.Exceptions {
		if e.Date != key {
			continue
		}
		switch e.Kind {
		case KindExtra:
			spans = append(spans, span{e.StartMinute, e.EndMinute, e.SlotMinutes, e.Capacity})
		case KindLeave:
			leave = append(leave, e)
		case KindCapacity:
			capacity = append(capacity, e)
		}
	}
	within := func(e Exception, start, end int16) bool { return start < e.EndMinute && end > e.StartMinute }
	var slots []Slot
	seen := map[int64]bool{}
	for _, sp := range spans {
	cut:
		for start := sp.start; start+sp.slot <= sp.end; start += sp.slot {
			end := start + sp.slot
			for _, e := range leave {
				if within(e, start, end) {
					continue cut
				}
			}
			c := int(sp.capacity)
			for _, e := range capacity {
				if within(e, start, end) {
					c = int(e.Capacity)
				}
			}
			if begin := at(start); !seen[begin] { // an extra block over a weekly one adds no second slot
				seen[begin] = true
				slots = append(slots, Slot{Start: begin, End: at(end), Capacity: c})
			}
		}
	}
	sort.Slice(slots, func(i, j int) bool { return slots[i].Start < slots[j].Start })
	return slots
}
