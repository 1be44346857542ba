package patient

import (
	"math"
	"testing"
)

func TestParseDecimal(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"42", 42, true},
		{"-7", -7, true},
		{"9223372036854775807", math.MaxInt64, true},
		{"-9223372036854775808", math.MinInt64, true},
		{"9223372036854775808", 0, false},
		{"-9223372036854775809", 0, false},
		{"99999999999999999999", 0, false},
		{"", 0, false},
		{"-", 0, false},
		{"1.5", 0, false},
		{" 1", 0, false},
		{"+1", 0, false},
	} {
		got, ok := parseDecimal([]byte(c.in))
		if got != c.want || ok != c.ok {
			t.Errorf("parseDecimal(%q) = %d, %v; want %d, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestColumnScannerReadsWhatBothDriversSend(t *testing.T) {
	var p Patient
	p.Age = new(int16) // a NULL must clear what was there
	for _, step := range []struct {
		target any
		src    any
	}{
		{columnScanner[uint64]{&p.ID}, []byte("1000000")},
		{columnScanner[string]{&p.Name}, []byte("王蓉")},
		{columnScanner[int8]{&p.Sex}, int64(1)},
		{columnScanner[*int16]{&p.Age}, nil},
		{columnScanner[*string]{&p.Tel}, "13512345678"},
		{columnScanner[*int64]{&p.OrderTime}, []byte("-5")},
		{columnScanner[*uint64]{&p.DoctorID}, uint64(3)},
		{columnScanner[int64]{&p.Revenue}, int64(12345)},
	} {
		if err := step.target.(interface{ Scan(any) error }).Scan(step.src); err != nil {
			t.Fatalf("%T from %#v: %v", step.target, step.src, err)
		}
	}
	if p.ID != 1000000 || p.Name != "王蓉" || p.Sex != 1 || p.Age != nil || *p.Tel != "13512345678" ||
		*p.OrderTime != -5 || *p.DoctorID != 3 || p.Revenue != 12345 {
		t.Fatalf("scanned %+v", p)
	}
}

func TestColumnScannerRefusesWhatDoesNotFit(t *testing.T) {
	var p Patient
	for _, step := range []struct {
		target any
		src    any
	}{
		{columnScanner[int8]{&p.Sex}, int64(128)},
		{columnScanner[*int16]{&p.Age}, []byte("40000")},
		{columnScanner[uint64]{&p.ID}, int64(-1)},
		{columnScanner[uint64]{&p.ID}, uint64(math.MaxUint64)},
		{columnScanner[int64]{&p.AddTime}, []byte("soon")},
		{columnScanner[int64]{&p.AddTime}, nil},
		{columnScanner[string]{&p.Name}, nil},
		{columnScanner[string]{&p.Name}, 1.5},
	} {
		if err := step.target.(interface{ Scan(any) error }).Scan(step.src); err == nil {
			t.Errorf("%T accepted %#v", step.target, step.src)
		}
	}
}
