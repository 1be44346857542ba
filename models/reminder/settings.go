// Package reminder reminds patients of their appointments by text
// message: the clinic's rules (when), template (what) and quiet hours, an
// outbox row per reminder due, written with the booking, and the worker
// that sends them, at most once each.
package reminder

import (
	"context"
	"crm/apierr"
	"crm/models/access"
	"crm/models/oplog"
	"crm/models/settings"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Rule says when a reminder goes: the day before at a time of day
// (DayBefore, At minutes after midnight), or Before minutes before the
// appointment starts.
type Rule struct {
	DayBefore bool
	At        int // minutes of the day, with DayBefore
	Before    int // minutes, without
}

// Name is the rule as written and as the outbox keys it: "day_before
// 18:00", "before 2h", "before 30m".
func (r Rule) Name() string {
	if r.DayBefore {
		return "day_before " + clock(r.At)
	}
	if r.Before%60 == 0 {
		return "before " + strconv.Itoa(r.Before/60) + "h"
	}
	return "before " + strconv.Itoa(r.Before) + "m"
}

// Due is when the rule reminds of an appointment starting at start, in
// the clinic's zone.
func (r Rule) Due(start int64, loc *time.Location) int64 {
	if !r.DayBefore {
		return start - int64(r.Before)*60
	}
	day := time.Unix(start, 0).In(loc)
	y, m, d := day.AddDate(0, 0, -1).Date()
	return time.Date(y, m, d, r.At/60, r.At%60, 0, 0, loc).Unix()
}

// Settings are the clinic's reminders: off until enabled with rules.
type Settings struct {
	Enabled  bool
	Rules    []Rule
	Template string
	// Quiet hours, minutes of the day; no message goes out from
	// QuietStart until QuietEnd (across midnight when QuietEnd is
	// smaller). Equal: none.
	QuietStart, QuietEnd int
	Address              string
}

// Bounds and defaults.
const (
	MaxRules         = 5
	MaxTemplateRunes = 300
	MaxAddressRunes  = 100
	// DefaultTemplate is the message until the clinic writes its own.
	DefaultTemplate = "{name}您好，您预约了{time}在{clinic}就诊（{doctor}），地址：{address}。如需改约请来电。"
)

// Variables are the template's placeholders.
var Variables = []string{"name", "doctor", "time", "clinic", "address"}

var (
	ErrBadRules    = apierr.Invalid("rules")
	ErrBadTemplate = apierr.Invalid("template")
	ErrBadQuiet    = apierr.Invalid("quiet_hours")
	ErrBadAddress  = apierr.Invalid("address")
	// ErrNoRules: reminders cannot be enabled without a rule.
	ErrNoRules = apierr.Missing("rules")
)

// RulesText is the rules as written: "day_before 18:00; before 2h".
func (s Settings) RulesText() string {
	names := make([]string, len(s.Rules))
	for i, r := range s.Rules {
		names[i] = r.Name()
	}
	return strings.Join(names, "; ")
}

// QuietText is "21:00-08:00", or "" for none.
func (s Settings) QuietText() string {
	if s.QuietStart == s.QuietEnd {
		return ""
	}
	return clock(s.QuietStart) + "-" + clock(s.QuietEnd)
}

// Quiet says whether t (in the clinic's zone) falls in the quiet hours,
// and when they end.
func (s Settings) Quiet(t time.Time) (bool, time.Time) {
	if s.QuietStart == s.QuietEnd {
		return false, t
	}
	minute := t.Hour()*60 + t.Minute()
	y, m, d := t.Date()
	end := time.Date(y, m, d, s.QuietEnd/60, s.QuietEnd%60, 0, 0, t.Location())
	if s.QuietStart < s.QuietEnd { // within one day: 12:00-14:00
		return minute >= s.QuietStart && minute < s.QuietEnd, end
	}
	switch { // across midnight: 21:00-08:00
	case minute >= s.QuietStart:
		return true, end.AddDate(0, 0, 1)
	case minute < s.QuietEnd:
		return true, end
	}
	return false, t
}

var (
	ruleSeparator = regexp.MustCompile(`[;\n]+`)
	dayBeforeRule = regexp.MustCompile(`^day_before\s+(\d{1,2}):(\d{2})$`)
	beforeRule    = regexp.MustCompile(`^before\s+(\d{1,4})\s*(h|m)$`)
	placeholder   = regexp.MustCompile(`\{([^{}]*)\}`)
	clockRange    = regexp.MustCompile(`^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$`)
)

// ParseRules reads rules text: lines or ";"-separated rules, each
// "day_before HH:MM" or "before Nh" / "before Nm" (up to 7 days).
func ParseRules(text string) ([]Rule, error) {
	rules := []Rule{}
	seen := map[string]bool{}
	for _, line := range ruleSeparator.Split(text, -1) {
		line = strings.Join(strings.Fields(line), " ")
		if line == "" {
			continue
		}
		var r Rule
		if m := dayBeforeRule.FindStringSubmatch(line); m != nil {
			at, ok := minuteOf(m[1], m[2])
			if !ok {
				return nil, ErrBadRules
			}
			r = Rule{DayBefore: true, At: at}
		} else if m := beforeRule.FindStringSubmatch(line); m != nil {
			n, _ := strconv.Atoi(m[1])
			if m[2] == "h" {
				n *= 60
			}
			if n < 1 || n > 7*24*60 {
				return nil, ErrBadRules
			}
			r = Rule{Before: n}
		} else {
			return nil, ErrBadRules
		}
		if seen[r.Name()] {
			continue
		}
		seen[r.Name()] = true
		rules = append(rules, r)
	}
	if len(rules) > MaxRules {
		return nil, ErrBadRules
	}
	return rules, nil
}

// ParseQuiet reads "HH:MM-HH:MM" ("" for none).
func ParseQuiet(text string) (start, end int, err error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return 0, 0, nil
	}
	m := clockRange.FindStringSubmatch(text)
	if m == nil {
		return 0, 0, ErrBadQuiet
	}
	start, ok1 := minuteOf(m[1], m[2])
	end, ok2 := minuteOf(m[3], m[4])
	if !ok1 || !ok2 || start == end {
		return 0, 0, ErrBadQuiet
	}
	return start, end, nil
}

// CheckTemplate allows text of at most MaxTemplateRunes with no
// placeholder but Variables'.
func CheckTemplate(text string) error {
	if strings.TrimSpace(text) == "" || utf8.RuneCountInString(text) > MaxTemplateRunes {
		return ErrBadTemplate
	}
	for _, m := range placeholder.FindAllStringSubmatch(text, -1) {
		if !known(m[1]) {
			return ErrBadTemplate
		}
	}
	return nil
}

func known(name string) bool {
	for _, v := range Variables {
		if v == name {
			return true
		}
	}
	return false
}

// Render fills the template's placeholders.
func Render(template string, values map[string]string) string {
	return placeholder.ReplaceAllStringFunc(template, func(m string) string { return values[m[1:len(m)-1]] })
}

func minuteOf(hour, minute string) (int, bool) {
	h, _ := strconv.Atoi(hour)
	m, _ := strconv.Atoi(minute)
	return h*60 + m, h < 24 && m < 60
}

func clock(minute int) string { return fmt.Sprintf("%02d:%02d", minute/60, minute%60) }

// settingName is the settings-table row holding them, as JSON.
const settingName = "reminder.settings"

type storedSettings struct {
	Enabled    bool   `json:"enabled"`
	Rules      string `json:"rules"`
	Template   string `json:"template"`
	QuietHours string `json:"quiet_hours"`
	Address    string `json:"address"`
}

func (s Settings) stored() storedSettings {
	return storedSettings{s.Enabled, s.RulesText(), s.Template, s.QuietText(), s.Address}
}

// defaults are the settings before any change: off, no rules.
func defaults() Settings { return Settings{Template: DefaultTemplate} }

// Load reads the settings (db may be a transaction); a stored value that
// no longer reads leaves reminders off.
func Load(db *gorm.DB) (Settings, error) {
	var row settings.Setting
	err := db.Where(clause.Eq{Column: "name", Value: settingName}).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return defaults(), nil
	}
	if err != nil {
		return Settings{}, err
	}
	var st storedSettings
	s := defaults()
	if json.Unmarshal([]byte(row.Value), &st) != nil {
		return s, nil
	}
	rules, err1 := ParseRules(st.Rules)
	start, end, err2 := ParseQuiet(st.QuietHours)
	if err1 != nil || err2 != nil || CheckTemplate(st.Template) != nil {
		return s, nil
	}
	return Settings{Enabled: st.Enabled && len(rules) > 0, Rules: rules, Template: st.Template,
		QuietStart: start, QuietEnd: end, Address: st.Address}, nil
}

// Change is what a request changes; nil fields stay.
type Change struct {
	Enabled  *bool
	Rules    *string
	Template *string
	Quiet    *string
	Address  *string
}

// Update stores a change (schedule.manage) and logs it from → to. Rules
// changed apply to bookings made or moved from now on.
func Update(ctx context.Context, db *gorm.DB, v access.Viewer, ch Change, now time.Time) (Settings, error) {
	if !v.Can(access.PermScheduleManage) {
		return Settings{}, apierr.ErrForbidden
	}
	var after Settings
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		before, err := Load(tx)
		if err != nil {
			return err
		}
		after = before
		if ch.Rules != nil {
			if after.Rules, err = ParseRules(*ch.Rules); err != nil {
				return err
			}
		}
		if ch.Template != nil {
			if err := CheckTemplate(*ch.Template); err != nil {
				return err
			}
			after.Template = *ch.Template
		}
		if ch.Quiet != nil {
			if after.QuietStart, after.QuietEnd, err = ParseQuiet(*ch.Quiet); err != nil {
				return err
			}
		}
		if ch.Address != nil {
			if utf8.RuneCountInString(*ch.Address) > MaxAddressRunes {
				return ErrBadAddress
			}
			after.Address = *ch.Address
		}
		if ch.Enabled != nil {
			after.Enabled = *ch.Enabled
		}
		if after.Enabled && len(after.Rules) == 0 {
			return ErrNoRules
		}
		from, err1 := json.Marshal(before.stored())
		to, err2 := json.Marshal(after.stored())
		if err := errors.Join(err1, err2); err != nil || string(from) == string(to) {
			return err
		}
		row := settings.Setting{Name: settingName, Value: string(to), CreatedAt: now}
		if err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "name"}},
			DoUpdates: clause.AssignmentColumns([]string{"value"})}).Create(&row).Error; err != nil {
			return err
		}
		fromText, toText := string(from), string(to)
		return oplog.RecordOp(tx, v, oplog.OpSettingUpdate, oplog.TargetSetting, 0,
			map[string]any{"changes": []oplog.Change{{Field: settingName, From: &fromText, To: &toText}}}, now)
	})
	return after, err
}
