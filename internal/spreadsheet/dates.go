package spreadsheet

import (
	"encoding/xml"
	"math"
	"strconv"
	"strings"
	"time"
)

// Excel keeps a typed date as a number (days since 1900, the time of day
// as the fraction) with a date format; what a person typed as 2026/11/24
// 10:30 must read back as that, not as 46350.4375.

// builtinDate are the built-in number formats that show dates or times,
// the Chinese locale's (27-36, 50-58) included.
func builtinDate(id int) bool {
	return (id >= 14 && id <= 22) || (id >= 27 && id <= 36) || (id >= 45 && id <= 47) || (id >= 50 && id <= 58)
}

// customDate tells a format code that shows a date or time: one of
// y m d h s outside quotes, escapes and brackets ([Red], [$-804]); an
// elapsed time ([h]:mm) is a duration, not a date.
func customDate(code string) bool {
	if strings.Contains(code, "[h") || strings.Contains(code, "[m") || strings.Contains(code, "[s") {
		return false
	}
	for i := 0; i < len(code); i++ {
		switch c := code[i]; c {
		case '"':
			if j := strings.IndexByte(code[i+1:], '"'); j >= 0 {
				i += j + 1
			} else {
				return false
			}
		case '\\', '_', '*':
			i++
		case '[':
			if j := strings.IndexByte(code[i:], ']'); j >= 0 {
				i += j
			}
		case 'y', 'Y', 'm', 'M', 'd', 'D', 'h', 'H', 's', 'S':
			return true
		}
	}
	return false
}

// dateStyles reads, for each cell style (cellXfs), whether its number
// format shows a date.
func (a *archive) dateStyles(name string) ([]bool, error) {
	if a.find(name) == nil {
		return nil, nil
	}
	custom := map[int]bool{}
	var styles []bool
	inXfs := false
	err := a.eachToken(name, func(t xml.Token) {
		switch e := t.(type) {
		case xml.StartElement:
			switch e.Name.Local {
			case "numFmt":
				if id, err := strconv.Atoi(attr(e, "numFmtId")); err == nil {
					custom[id] = customDate(attr(e, "formatCode"))
				}
			case "cellXfs":
				inXfs = true
			case "xf":
				if inXfs {
					id, _ := strconv.Atoi(attr(e, "numFmtId"))
					date, known := custom[id]
					styles = append(styles, (known && date) || (!known && builtinDate(id)))
				}
			}
		case xml.EndElement:
			if e.Name.Local == "cellXfs" {
				inXfs = false
			}
		}
	})
	if err != nil {
		return nil, err
	}
	return styles, nil
}

// serialDate turns a date serial into the local time it shows: a date,
// or a date and time when it has a time of day.
func serialDate(text string, date1904 bool) (string, bool) {
	v, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
	if err != nil || v < 0 || v > 2958465 { // 9999-12-31
		return "", false
	}
	base := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC) // serial 60 is Excel's 1900-02-29, which never was
	if date1904 {
		base = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	days := math.Floor(v)
	seconds := math.Round((v - days) * 86400)
	t := base.AddDate(0, 0, int(days)).Add(time.Duration(seconds) * time.Second)
	if seconds == 0 {
		return t.Format(time.DateOnly), true
	}
	return t.Format(time.DateTime), true
}

// isoDate is a cell of type d (ISO 8601) as a local time.
func isoDate(text string) string {
	text = strings.TrimSpace(text)
	for _, layout := range []string{"2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999", "2006-01-02T15:04", time.DateOnly} {
		if t, err := time.Parse(layout, text); err == nil {
			if layout == time.DateOnly {
				return t.Format(time.DateOnly)
			}
			return t.Format(time.DateTime)
		}
	}
	return text
}

// plainNumber writes an integer stored in exponent form (1.3512345678E10,
// as some writers store a phone number) with all its digits.
func plainNumber(text string) string {
	if !strings.ContainsAny(text, "eE") {
		return text
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
	if err != nil || v != math.Trunc(v) || math.Abs(v) >= 1e15 {
		return text
	}
	return strconv.FormatInt(int64(v), 10)
}
