package casing

import "testing"

func TestCamel(t *testing.T) {
	for snake, camel := range map[string]string{
		"order_time": "orderTime", "media_from_id": "mediaFromId", "q": "q", "add_time_from": "addTimeFrom",
		"per_page": "perPage", "trailing_": "trailing", "": "",
	} {
		if got := Camel(snake); got != camel {
			t.Errorf("Camel(%q) = %q, want %q", snake, got, camel)
		}
	}
	if !Either("doctorId", "doctor_id") || !Either("doctor_id", "doctor_id") || Either("doctorid", "doctor_id") {
		t.Error("Either")
	}
}
