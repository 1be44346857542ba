package patient

import (
	"fmt"
	"math"
)

// columnScanner reads a listed column straight into a patient's field.
// database/sql reaches a nullable field (a **string, a **int64) and any
// number sent as text (MySQL's text protocol sends every value so)
// through reflection and a string per value; for a page of 30 patients
// of 25 columns that was a tenth of a list request's CPU.
type columnScanner[T patientFieldType] struct{ dst *T }

func (s columnScanner[T]) Scan(src any) error {
	switch dst := any(s.dst).(type) {
	case *string:
		v, err := scannedText(src)
		*dst = v
		return err
	case **string:
		if src == nil {
			*dst = nil
			return nil
		}
		v, err := scannedText(src)
		*dst = &v
		return err
	case *int8:
		return scanInt(src, math.MinInt8, math.MaxInt8, dst)
	case **int16:
		return scanOptional(src, dst, func(v *int16) error { return scanInt(src, math.MinInt16, math.MaxInt16, v) })
	case *int64:
		return scanInt(src, math.MinInt64, math.MaxInt64, dst)
	case **int64:
		return scanOptional(src, dst, func(v *int64) error { return scanInt(src, math.MinInt64, math.MaxInt64, v) })
	case *uint64:
		return scanID(src, dst)
	case **uint64:
		return scanOptional(src, dst, func(v *uint64) error { return scanID(src, v) })
	}
	return fmt.Errorf("columnScanner: no conversion to %T", s.dst)
}

func scanOptional[N any](src any, dst **N, scan func(*N) error) error {
	if src == nil {
		*dst = nil
		return nil
	}
	v := new(N)
	*dst = v
	return scan(v)
}

// scannedText is a text column's value. []byte belongs to the driver
// until the next row: string() copies it.
func scannedText(src any) (string, error) {
	switch v := src.(type) {
	case []byte:
		return string(v), nil
	case string:
		return v, nil
	}
	return "", fmt.Errorf("columnScanner: text from %T", src)
}

func scanInt[N int8 | int16 | int64](src any, lowest, highest int64, dst *N) error {
	var n int64
	switch v := src.(type) {
	case int64: // SQLite, and MySQL's binary protocol
		n = v
	case uint64:
		if v > math.MaxInt64 {
			return fmt.Errorf("columnScanner: %d out of range", v)
		}
		n = int64(v)
	case []byte:
		parsed, ok := parseDecimal(v)
		if !ok {
			return fmt.Errorf("columnScanner: %q is not an integer", v)
		}
		n = parsed
	default:
		return fmt.Errorf("columnScanner: integer from %T", src)
	}
	if n < lowest || n > highest {
		return fmt.Errorf("columnScanner: %d out of range", n)
	}
	*dst = N(n)
	return nil
}

// scanID reads an id: a positive integer, well inside int64 (ids are
// auto-increment columns).
func scanID(src any, dst *uint64) error {
	var n int64
	if err := scanInt(src, 0, math.MaxInt64, &n); err != nil {
		return err
	}
	*dst = uint64(n)
	return nil
}

// parseDecimal reads an optionally negative decimal integer without a
// string in between (strconv.ParseInt takes one, which would be copied).
func parseDecimal(b []byte) (int64, bool) {
	negative := len(b) > 0 && b[0] == '-'
	if negative {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	switch {
	case negative && n <= 1<<63:
		return int64(-n), true
	case !negative && n < 1<<63:
		return int64(n), true
	}
	return 0, false
}
