package searchkey

import (
	"slices"
	"testing"
)

func TestTerms(t *testing.T) {
	for name, want := range map[string][]string{
		"张三":   {"张", "张三", "三"},
		"欧阳小明": {"欧", "欧阳", "欧阳小", "阳", "阳小", "阳小明", "小", "小明", "明"},
		"王王":   {"王", "王王"},
		"Tom":  {"t", "to", "tom", "o", "om", "m"},
		"":     nil,
		"a%_":  {"a", "a%", "a%_", "%", "%_", "_"},
		"李 先生": {"李", "李 ", "李 先", " ", " 先", " 先生", "先", "先生", "生"},
	} {
		if got := Terms(name); !slices.Equal(got, want) {
			t.Errorf("Terms(%q) = %q, want %q", name, got, want)
		}
	}
	// Each distinct term once, whatever the case it was written in.
	got := Terms("TOMtom")
	slices.Sort(got)
	if want := []string{"m", "mt", "mto", "o", "om", "omt", "t", "to", "tom"}; !slices.Equal(got, want) {
		t.Errorf("Terms(TOMtom) = %q, want %q", got, want)
	}
}

func TestQueryTerm(t *testing.T) {
	for q, want := range map[string]struct {
		term  string
		whole bool
	}{
		"张":     {"张", true},
		"张三丰":   {"张三丰", true},
		"张三丰丰":  {"张三丰", false},
		"TOM":   {"tom", true},
		"Tomas": {"tom", false},
	} {
		term, whole := QueryTerm(q)
		if term != want.term || whole != want.whole {
			t.Errorf("QueryTerm(%q) = %q, %v; want %q, %v", q, term, whole, want.term, want.whole)
		}
	}
}

func TestNumbers(t *testing.T) {
	if Reverse("13512345678") != "87654321531" || Reverse("") != "" || Reverse("7") != "7" {
		t.Error("Reverse")
	}
	for q, want := range map[string]bool{"13512345678": true, "+86 135-1234": true, "1234": true,
		"": false, " - ": false, "wx_123": false, "１２３": false, "张1": false} {
		if IsNumber(q) != want {
			t.Errorf("IsNumber(%q) = %v", q, !want)
		}
	}
	if Digits("+86 135-1234") != "861351234" {
		t.Error("Digits")
	}
}
