package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"crm/models/appointment"
)

// The appointment book: a doctor's schedule makes slots with a capacity;
// bookings take seats in them (never more than the capacity, however many
// race for it); the patient follows its next appointment; a clinic that
// keeps no schedule books at any time, as before.

// monday is 2030-01-07 at hh:mm in the clinic's zone, as unix seconds.
func monday(hh, mm int) int64 { return time.Date(2030, 1, 7, hh, mm, 0, 0, shanghai).Unix() }

func appointmentJSON(id, patient, doctor string, start, end int64, status, previous string, by account, created, updated int64) string {
	return fmt.Sprintf(`{"id": %q, "patientId": %q, "doctorId": %s, "startTime": "%d", "endTime": "%d", "status": %q, `+
		`"previousStart": %s, "bookedBy": "%d", "bookedByName": %q, "createdAt": "%d", "updatedAt": "%d"}`,
		id, patient, doctor, start, end, status, previous, by.id, by.username, created, updated)
}

// wantAnswer fails the test when resp is an error.
func wantAnswer(t *testing.T, resp response) {
	t.Helper()
	if body, ok := decodeJSON(t, resp.body).(map[string]any); !ok || body["stateCode"] != nil {
		t.Fatalf("want an answer, got %s", resp.body)
	}
}

func saveSchedule(t *testing.T, e *env, token, doctor, weekly, exceptions string) response {
	t.Helper()
	return e.call(t, "PUT", api+"/schedule/"+doctor, form("token", token, "weekly", weekly, "exceptions", exceptions))
}

func TestScheduleAndSlots(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		w := newWorkflow(t, e)
		// No schedule: the doctor takes bookings at any time, so no slots.
		wantJSON(t, e.call(t, "GET", api+"/schedule/1", query("token", w.alice.token)),
			`{"schedule": {"doctorId": "1", "scheduled": "0", "weekly": [], "exceptions": [], "weeklyText": "", "exceptionsText": ""}}`)
		wantJSON(t, e.call(t, "GET", api+"/slots", query("token", w.alice.token, "doctor_id", "1", "date", "2030-01-07")),
			`{"slots": {"doctorId": "1", "date": "2030-01-07", "timeZone": "Asia/Shanghai", "scheduled": "0", "slots": []}}`)

		// Mondays 9-10 in half hours, two a slot; 2030-01-07 also 18:00-18:30
		// for one, the 9:30 slot closed; 2030-01-14 off.
		resp := saveSchedule(t, e, w.manager.token, "1", "1 09:00-10:00 30 2\n3 14:00-15:00 60 4",
			"2030-01-07 extra 18:00-18:30 30 1; 2030-01-07 capacity 09:30-10:00 0; 2030-01-14 leave")
		wantJSON(t, resp, `{"schedule": {"doctorId": "1", "scheduled": "1",
			"weekly": [{"weekday": "1", "start": "09:00", "end": "10:00", "slotMinutes": "30", "capacity": "2"},
			           {"weekday": "3", "start": "14:00", "end": "15:00", "slotMinutes": "60", "capacity": "4"}],
			"exceptions": [{"date": "2030-01-07", "kind": "capacity", "start": "09:30", "end": "10:00", "slotMinutes": "0", "capacity": "0"},
			               {"date": "2030-01-07", "kind": "extra", "start": "18:00", "end": "18:30", "slotMinutes": "30", "capacity": "1"},
			               {"date": "2030-01-14", "kind": "leave", "start": "00:00", "end": "24:00", "slotMinutes": "0", "capacity": "0"}],
			"weeklyText": "1 09:00-10:00 30 2\n3 14:00-15:00 60 4",
			"exceptionsText": "2030-01-07 capacity 09:30-10:00 0\n2030-01-07 extra 18:00-18:30 30 1\n2030-01-14 leave"}}`)
		wantJSON(t, e.call(t, "GET", api+"/slots", query("token", w.alice.token, "doctorId", "1", "date", "2030-01-07")),
			fmt.Sprintf(`{"slots": {"doctorId": "1", "date": "2030-01-07", "timeZone": "Asia/Shanghai", "scheduled": "1", "slots": [
				{"start": "%d", "end": "%d", "time": "09:00", "capacity": "2", "booked": "0", "free": "2"},
				{"start": "%d", "end": "%d", "time": "09:30", "capacity": "0", "booked": "0", "free": "0"},
				{"start": "%d", "end": "%d", "time": "18:00", "capacity": "1", "booked": "0", "free": "1"}]}}`,
				monday(9, 0), monday(9, 30), monday(9, 30), monday(10, 0), monday(18, 0), monday(18, 30)))
		wantJSON(t, e.call(t, "GET", api+"/slots", query("token", w.alice.token, "doctor_id", "1", "date", "2030-01-14")),
			`{"slots": {"doctorId": "1", "date": "2030-01-14", "timeZone": "Asia/Shanghai", "scheduled": "1", "slots": []}}`)

		// Refused, and nothing changes.
		wantError(t, saveSchedule(t, e, w.alice.token, "1", "", ""), 48001, "用户没有权限")
		for _, bad := range []struct{ weekly, exceptions, field string }{
			{"8 09:00-10:00 30 2", "", "weekly"},
			{"1 10:00-09:00 30 2", "", "weekly"},
			{"1 09:00-10:00 3 2", "", "weekly"},
			{"1 09:00-10:00 30 0", "", "weekly"},
			{"1 09:00-10:00 30 2; 1 09:30-11:00 30 2", "", "weekly"},
			{"1 9-10 30 2", "", "weekly"},
			{"", "2030-02-30 leave", "exceptions"},
			{"", "2030-01-07 holiday", "exceptions"},
			{"", "2030-01-07 extra 18:00-19:00 30", "exceptions"},
		} {
			wantError(t, saveSchedule(t, e, w.manager.token, "1", bad.weekly, bad.exceptions), 40035, "参数不合法: "+bad.field)
		}
		wantError(t, e.call(t, "PUT", api+"/schedule/1", form("token", w.manager.token)), 44001, "缺少参数: weekly")
		wantError(t, saveSchedule(t, e, w.manager.token, "999", "", ""), 46001, "记录不存在")
		wantError(t, saveSchedule(t, e, w.manager.token, "abc", "", ""), 40035, "参数不合法: id")
		if got := field(t, e.call(t, "GET", api+"/schedule/1", query("token", w.alice.token)), "schedule").(map[string]any)["weeklyText"]; got != "1 09:00-10:00 30 2\n3 14:00-15:00 60 4" {
			t.Errorf("a refused save changed the schedule: %v", got)
		}
		wantError(t, e.call(t, "GET", api+"/slots", query("token", w.alice.token, "doctor_id", "1")), 44001, "缺少参数: date")
		wantError(t, e.call(t, "GET", api+"/slots", query("token", w.alice.token, "doctor_id", "1", "date", "2030-1-7")), 40035, "参数不合法: date")
		wantError(t, e.call(t, "GET", api+"/slots", query("token", w.alice.token, "date", "2030-01-07")), 44001, "缺少参数: doctor_id")
		wantError(t, e.call(t, "GET", api+"/slots", query("doctor_id", "1", "date", "2030-01-07")), 41001, "缺少token参数")
	})
}

func TestBookAppointment(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		w := newWorkflow(t, e)
		now := e.clock.Now().Unix()
		wantAnswer(t, saveSchedule(t, e, w.manager.token, "1", "1 09:00-10:00 30 1", ""))
		path := api + "/patient/" + w.patient + "/appointments"

		resp := e.call(t, "POST", path, form("token", w.alice.token, "start_time", strconv.FormatInt(monday(9, 0), 10), "doctor_id", "1"))
		wantJSON(t, resp, `{"appointment": `+appointmentJSON("1", w.patient, `"1"`, monday(9, 0), monday(9, 30), "booked", "null", w.alice, now, now)+
			`, "patient": `+mustJSON(t, patientObject(w.alicePatient(w.patient, map[string]any{"state": 1, "orderTime": monday(9, 0), "doctorId": 1})))+`}`)

		other := e.createPatient(t, w.alice.token, "name", "李四", "tel", "13600000000", "add_time", "1700000000", "state", "0")
		otherPath := api + "/patient/" + other + "/appointments"
		// The slot holds one: full. Between slots, or on a day off: 40035.
		wantError(t, e.call(t, "POST", otherPath, form("token", w.alice.token, "start_time", strconv.FormatInt(monday(9, 0), 10), "doctor_id", "1")),
			46002, "该时段已约满，请选择其他时间")
		wantError(t, e.call(t, "POST", otherPath, form("token", w.alice.token, "start_time", strconv.FormatInt(monday(9, 10), 10), "doctor_id", "1")),
			40035, "参数不合法: start_time")
		wantError(t, e.call(t, "POST", otherPath, form("token", w.alice.token, "start_time", strconv.FormatInt(monday(9, 0)+86400, 10), "doctor_id", "1")),
			40035, "参数不合法: start_time")
		// Bad input, someone else's patient, no token.
		wantError(t, e.call(t, "POST", otherPath, form("token", w.alice.token)), 44001, "缺少参数: start_time")
		wantError(t, e.call(t, "POST", otherPath, form("token", w.alice.token, "start_time", "tomorrow")), 40035, "参数不合法: start_time")
		wantError(t, e.call(t, "POST", otherPath, form("token", w.alice.token, "start_time", "1900000000", "doctor_id", "999")), 40035, "参数不合法: doctor_id")
		wantError(t, e.call(t, "POST", otherPath, form("token", w.bob.token, "start_time", "1900000000")), 46001, "记录不存在")
		wantError(t, e.call(t, "POST", otherPath, form("token", w.supervisor.token, "start_time", "1900000000")), 48001, "用户没有权限")
		wantError(t, e.call(t, "POST", otherPath, form("start_time", "1900000000")), 41001, "缺少token参数")
		wantJSON(t, e.call(t, "GET", otherPath, query("token", w.alice.token)), `{"appointment_data": [], "noShows": "0"}`)

		// A doctor without a schedule, or no doctor: any time, 30 minutes,
		// no limit — today's behaviour, now with a row in the book.
		at := monday(9, 10)
		for i, doctor := range []string{"2", "2", ""} {
			resp := e.call(t, "POST", otherPath, form("token", w.alice.token, "start_time", strconv.FormatInt(at, 10), "doctor_id", doctor))
			got := field(t, resp, "appointment").(map[string]any)
			if got["endTime"] != strconv.FormatInt(at+1800, 10) || got["status"] != "booked" {
				t.Errorf("booking %d: %s", i, resp.body)
			}
		}
		list := field(t, e.call(t, "GET", otherPath, query("token", w.alice.token)), "appointment_data").([]any)
		if len(list) != 3 {
			t.Errorf("%d appointments", len(list))
		}
		// The calendar: the doctor's day, scoped to the patients one may see.
		day := query("token", w.alice.token, "doctor_id", "1", "from", strconv.FormatInt(monday(0, 0), 10), "to", strconv.FormatInt(monday(23, 59), 10))
		wantJSON(t, e.call(t, "GET", api+"/appointment", day),
			`{"appointment_data": [`+strings.Replace(appointmentJSON("1", w.patient, `"1"`, monday(9, 0), monday(9, 30), "booked", "null", w.alice, now, now),
				`"doctorId"`, `"patientName": "张三", "doctorId"`, 1)+`], "count": 1}`)
		wantJSON(t, e.call(t, "GET", api+"/appointment", query("token", w.bob.token, "from", strconv.FormatInt(monday(0, 0), 10), "to", strconv.FormatInt(monday(23, 59), 10))),
			`{"appointment_data": [], "count": 0}`)
		wantError(t, e.call(t, "GET", api+"/appointment", query("token", w.alice.token, "from", "100", "to", "99")), 40035, "参数不合法: to")
		wantError(t, e.call(t, "GET", api+"/appointment", query("token", w.alice.token, "from", "100", "to", "99999999")), 40035, "参数不合法: to")
		wantError(t, e.call(t, "GET", api+"/appointment", query("token", w.alice.token, "from", "100", "to", "200", "status", "gone")), 40035, "参数不合法: status")
		wantError(t, e.call(t, "GET", api+"/appointment", query("token", w.alice.token, "to", "200")), 44001, "缺少参数: from")
	})
}

// Twenty consultants' bookings race for a slot of five: exactly five win,
// the others are told the slot is full, and the slot shows five booked.
func TestConcurrentBookingsNeverOverfillASlot(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		manager := e.newAccount(t, "manager")
		wantAnswer(t, saveSchedule(t, e, manager.token, "1", "1 09:00-10:00 30 5", ""))
		patients := make([]string, 20)
		for i := range patients {
			patients[i] = e.createPatient(t, manager.token, "name", fmt.Sprintf("患者%d", i), "tel", fmt.Sprintf("1380000%04d", i), "add_time", "1700000000", "state", "0")
		}
		codes := make([]any, len(patients))
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, id := range patients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				resp := e.call(t, "POST", api+"/patient/"+id+"/appointments",
					form("token", manager.token, "start_time", strconv.FormatInt(monday(9, 0), 10), "doctor_id", "1"))
				codes[i] = decodeJSON(t, resp.body).(map[string]any)["stateCode"]
			}()
		}
		close(start)
		wg.Wait()
		booked, full := 0, 0
		for _, code := range codes {
			switch code {
			case nil:
				booked++
			case json.Number("46002"):
				full++
			default:
				t.Errorf("a racing booking answered %v", code)
			}
		}
		if booked != 5 || full != 15 {
			t.Fatalf("%d booked, %d refused as full; want 5 and 15", booked, full)
		}
		slots := field(t, e.call(t, "GET", api+"/slots", query("token", manager.token, "doctor_id", "1", "date", "2030-01-07")), "slots").(map[string]any)["slots"].([]any)
		if got := slots[0].(map[string]any); got["booked"] != "5" || got["free"] != "0" {
			t.Errorf("slot after the race: %v", got)
		}
	})
}

func TestMoveCancelArriveAppointment(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		w := newWorkflow(t, e)
		now := e.clock.Now().Unix()
		wantAnswer(t, saveSchedule(t, e, w.manager.token, "1", "1 09:00-10:00 30 1", ""))
		book := func(patient string, at int64) string {
			resp := e.call(t, "POST", api+"/patient/"+patient+"/appointments", form("token", w.alice.token, "start_time", strconv.FormatInt(at, 10), "doctor_id", "1"))
			return field(t, resp, "appointment").(map[string]any)["id"].(string)
		}
		first := book(w.patient, monday(9, 0))
		e.clock.Advance(time.Minute)
		later := now + 60
		// A move keeps the row and says where it came from.
		resp := e.call(t, "PATCH", api+"/appointment/"+first, form("token", w.alice.token, "start_time", strconv.FormatInt(monday(9, 30), 10)))
		wantJSON(t, resp, `{"appointment": `+appointmentJSON(first, w.patient, `"1"`, monday(9, 30), monday(10, 0), "booked", fmt.Sprintf(`"%d"`, monday(9, 0)), w.alice, now, later)+
			`, "patient": `+mustJSON(t, patientObject(w.alicePatient(w.patient, map[string]any{"state": 1, "orderTime": monday(9, 30), "doctorId": 1})))+`}`)
		// 9:00 is free again; 9:30 is now full.
		other := e.createPatient(t, w.alice.token, "name", "李四", "tel", "13600000000", "add_time", "1700000000", "state", "0")
		second := book(other, monday(9, 0))
		wantError(t, e.call(t, "PATCH", api+"/appointment/"+second, form("token", w.alice.token, "start_time", strconv.FormatInt(monday(9, 30), 10))),
			46002, "该时段已约满，请选择其他时间")
		// Cancelling frees the seat, and ends the appointment.
		resp = e.call(t, "PATCH", api+"/appointment/"+first, form("token", w.alice.token, "status", "cancelled"))
		if got := field(t, resp, "appointment").(map[string]any)["status"]; got != "cancelled" {
			t.Fatalf("cancel: %s", resp.body)
		}
		wantAnswer(t, e.call(t, "PATCH", api+"/appointment/"+second, form("token", w.alice.token, "start_time", strconv.FormatInt(monday(9, 30), 10))))
		wantError(t, e.call(t, "PATCH", api+"/appointment/"+first, form("token", w.alice.token, "status", "booked")), 46002, "预约已结束（已到诊、已取消或爽约），不能再修改")
		// An arrival is the manager's; the patient arrives with it.
		wantError(t, e.call(t, "PATCH", api+"/appointment/"+second, form("token", w.alice.token, "status", "arrived")), 48001, "用户没有权限")
		resp = e.call(t, "PATCH", api+"/appointment/"+second, form("token", w.manager.token, "status", "arrived"))
		if p := field(t, resp, "patient").(map[string]any); p["state"] != "2" || p["reachTime"] != strconv.FormatInt(later, 10) {
			t.Errorf("arrived: %s", resp.body)
		}
		// Bad input and others' rows.
		third := book(w.patient, monday(9, 0))
		wantError(t, e.call(t, "PATCH", api+"/appointment/"+third, form("token", w.alice.token)), 44001, "缺少参数: start_time")
		wantError(t, e.call(t, "PATCH", api+"/appointment/"+third, form("token", w.alice.token, "status", "gone")), 40035, "参数不合法: status")
		wantError(t, e.call(t, "PATCH", api+"/appointment/"+third, form("token", w.alice.token, "status", "no_show", "start_time", strconv.FormatInt(monday(9, 30), 10))),
			40035, "参数不合法: status")
		wantError(t, e.call(t, "PATCH", api+"/appointment/"+third, form("token", w.bob.token, "status", "cancelled")), 46001, "记录不存在")
		wantError(t, e.call(t, "PATCH", api+"/appointment/999", form("token", w.alice.token, "status", "cancelled")), 46001, "记录不存在")
		wantError(t, e.call(t, "PATCH", api+"/appointment/x", form("token", w.alice.token, "status", "cancelled")), 40035, "参数不合法: id")
		history := field(t, e.call(t, "GET", api+"/patient/"+w.patient+"/history/", query("token", w.alice.token)), "history").([]any)
		if got := history[0].(map[string]any)["action"]; got != "appointment" {
			t.Errorf("history action %v", got)
		}
	})
}

// The 2017 frontend books by PATCHing order_time with state 1: that books
// the appointment, a second such edit moves it, and for a patient who has
// arrived it is a return visit that keeps the patient arrived.
func TestLegacyEditBooksTheAppointment(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		// 10:00 at the clinic: the booking and its move stay within today.
		e.clock.now = time.Date(2030, 1, 7, 10, 0, 0, 0, shanghai)
		w := newWorkflow(t, e)
		path := api + "/patient/" + w.patient
		at := e.clock.Now().Add(2 * time.Hour).Unix()
		wantAnswer(t, e.call(t, "PATCH", path, form("token", w.alice.token, "state", "1", "order_time", strconv.FormatInt(at, 10))))
		list := func() []any {
			return field(t, e.call(t, "GET", path+"/appointments", query("token", w.alice.token)), "appointment_data").([]any)
		}
		if got := list(); len(got) != 1 || got[0].(map[string]any)["startTime"] != strconv.FormatInt(at, 10) {
			t.Fatalf("after the booking edit: %v", got)
		}
		moved := at + 3600
		wantAnswer(t, e.call(t, "PATCH", path, form("token", w.alice.token, "order_time", strconv.FormatInt(moved, 10))))
		if got := list(); len(got) != 1 || got[0].(map[string]any)["startTime"] != strconv.FormatInt(moved, 10) ||
			got[0].(map[string]any)["previousStart"] != strconv.FormatInt(at, 10) {
			t.Fatalf("after the move: %v", got)
		}
		// The manager marks the patient arrived: today's appointment arrives.
		wantAnswer(t, e.call(t, "PATCH", path, form("token", w.manager.token, "state", "2")))
		if got := list()[0].(map[string]any)["status"]; got != "arrived" {
			t.Errorf("appointment after the arrival: %v", got)
		}
		// Alice books the return visit (复诊) as she always did: booked, and
		// the patient stays arrived.
		next := at + 7*86400
		resp := e.call(t, "PATCH", path, form("token", w.alice.token, "state", "1", "order_time", strconv.FormatInt(next, 10)))
		if p := field(t, resp, "patient").(map[string]any); p["state"] != "2" || p["orderTime"] != strconv.FormatInt(next, 10) {
			t.Errorf("return visit: %s", resp.body)
		}
		if got := list(); len(got) != 2 || got[0].(map[string]any)["status"] != "booked" {
			t.Errorf("after the return visit: %v", got)
		}
		// Lost: the appointments to come are cancelled.
		other := e.createPatient(t, w.alice.token, "name", "李四", "tel", "13600000000", "add_time", "1700000000", "state", "1", "order_time", strconv.FormatInt(next, 10))
		wantAnswer(t, e.call(t, "PATCH", api+"/patient/"+other, form("token", w.alice.token, "order_time", strconv.FormatInt(next+60, 10))))
		wantAnswer(t, e.call(t, "PATCH", api+"/patient/"+other, form("token", w.alice.token, "state", "3")))
		got := field(t, e.call(t, "GET", api+"/patient/"+other+"/appointments", query("token", w.alice.token)), "appointment_data").([]any)
		if len(got) != 1 || got[0].(map[string]any)["status"] != "cancelled" {
			t.Errorf("lost patient's appointments: %v", got)
		}
	})
}

// The no-show job marks what was missed once, however many processes run
// it at once, and the patient's record counts it.
func TestNoShowsAreMarkedOnce(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		w := newWorkflow(t, e)
		past := e.clock.Now().Add(-5 * time.Hour).Unix()
		for i := range 3 {
			wantAnswer(t, e.call(t, "POST", api+"/patient/"+w.patient+"/appointments",
				form("token", w.alice.token, "start_time", strconv.FormatInt(past+int64(i)*60, 10))))
		}
		// One still within the grace: not yet missed.
		wantAnswer(t, e.call(t, "POST", api+"/patient/"+w.patient+"/appointments",
			form("token", w.alice.token, "start_time", strconv.FormatInt(e.clock.Now().Add(-time.Hour).Unix(), 10))))
		var wg sync.WaitGroup
		marked := make([]int, 4)
		for i := range marked {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := appointment.MarkNoShows(context.Background(), e.db, e.clock.Now(), 2*time.Hour)
				if err != nil {
					t.Errorf("no-show job: %v", err)
				}
				marked[i] = n
			}()
		}
		wg.Wait()
		if total := marked[0] + marked[1] + marked[2] + marked[3]; total != 3 {
			t.Errorf("the jobs marked %v: %d in all, want 3", marked, total)
		}
		resp := e.call(t, "GET", api+"/patient/"+w.patient+"/appointments", query("token", w.alice.token))
		if got := field(t, resp, "noShows"); got != "3" {
			t.Errorf("noShows = %v", got)
		}
		var entries int64
		e.db.Table("patient_history").Where("action = ? AND username = ?", "appointment", appointment.SystemName).Count(&entries)
		if entries != 3 {
			t.Errorf("%d history entries of the job, want 3", entries)
		}
	})
}

// Registering a patient as booked books its appointment with it; into a
// full slot, the registration is refused and nothing is stored.
func TestRegistrationAsBookedBooks(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		manager := e.newAccount(t, "manager")
		wantAnswer(t, saveSchedule(t, e, manager.token, "1", "1 09:00-10:00 30 1", ""))
		register := func(tel string) response {
			return e.call(t, "POST", api+"/patient/", form("token", manager.token, "name", "王五", "tel", tel, "add_time", "1700000000",
				"state", "1", "order_time", strconv.FormatInt(monday(9, 0), 10), "doctor_id", "1"))
		}
		id := field(t, register("13700000001"), "newPatient").(map[string]any)["id"].(string)
		got := field(t, e.call(t, "GET", api+"/patient/"+id+"/appointments", query("token", manager.token)), "appointment_data").([]any)
		if len(got) != 1 || got[0].(map[string]any)["startTime"] != strconv.FormatInt(monday(9, 0), 10) {
			t.Fatalf("appointments of the booked registration: %v", got)
		}
		before := e.patientCount(t)
		wantError(t, register("13700000002"), 46002, "该时段已约满，请选择其他时间")
		if after := e.patientCount(t); after != before {
			t.Errorf("a refused registration stored a patient: %d → %d", before, after)
		}
	})
}

// The appointment report: what became of the period's appointments, by
// doctor, channel or consultant, with the arrival rate.
func TestAppointmentReport(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		w := newWorkflow(t, e)
		other := e.createPatient(t, w.bob.token, "name", "李四", "tel", "13600000000", "add_time", "1700000000", "state", "0", "media_from_id", "2")
		book := func(token, patient, doctor string, hh int) string {
			resp := e.call(t, "POST", api+"/patient/"+patient+"/appointments", form("token", token, "start_time", strconv.FormatInt(monday(hh, 0), 10), "doctor_id", doctor))
			return field(t, resp, "appointment").(map[string]any)["id"].(string)
		}
		a := book(w.alice.token, w.patient, "1", 9)
		book(w.alice.token, w.patient, "1", 10)
		c := book(w.bob.token, other, "2", 11)
		d := book(w.bob.token, other, "", 12)
		wantAnswer(t, e.call(t, "PATCH", api+"/appointment/"+a, form("token", w.manager.token, "status", "arrived")))
		wantAnswer(t, e.call(t, "PATCH", api+"/appointment/"+c, form("token", w.bob.token, "status", "no_show")))
		wantAnswer(t, e.call(t, "PATCH", api+"/appointment/"+d, form("token", w.bob.token, "status", "cancelled")))
		week := func(token, by string) response {
			return e.call(t, "GET", api+"/report/appointments", query("token", token, "from", "2030-01-07", "to", "2030-01-13", "by", by))
		}
		head := `"from": "2030-01-07", "to": "2030-01-13", "timezone": "Asia/Shanghai"`
		wantJSON(t, week(w.manager.token, "doctor"), `{"appointments": {`+head+`, "by": "doctor",
			"total": {"booked": 3, "arrived": 1, "noShow": 1, "open": 1, "cancelled": 1, "arrivalRate": 0.3333},
			"groups": [
				{"id": "1", "name": "张明", "booked": 2, "arrived": 1, "noShow": 0, "open": 1, "cancelled": 0, "arrivalRate": 0.5},
				{"id": "2", "name": "李华", "booked": 1, "arrived": 0, "noShow": 1, "open": 0, "cancelled": 0, "arrivalRate": 0},
				{"id": null, "name": "未指定", "booked": 0, "arrived": 0, "noShow": 0, "open": 0, "cancelled": 1, "arrivalRate": 0}]}}`)
		byAuthor := field(t, week(w.manager.token, "author"), "appointments").(map[string]any)["groups"].([]any)
		if len(byAuthor) != 2 || byAuthor[0].(map[string]any)["name"] != w.alice.username {
			t.Errorf("by author: %v", byAuthor)
		}
		// An empty week; a consultant may not read reports; an unknown grouping.
		wantJSON(t, e.call(t, "GET", api+"/report/appointments", query("token", w.manager.token, "from", "2030-01-14", "to", "2030-01-20", "by", "media")),
			`{"appointments": {"from": "2030-01-14", "to": "2030-01-20", "timezone": "Asia/Shanghai", "by": "media",
			"total": {"booked": 0, "arrived": 0, "noShow": 0, "open": 0, "cancelled": 0, "arrivalRate": 0}, "groups": []}}`)
		wantError(t, week(w.manager.token, "disease"), 40035, "参数不合法: by")
		wantError(t, week(w.alice.token, "doctor"), 48001, "用户没有权限")
	})
}

// The console books and arrives by visits: each visit's booking is the
// patient's appointment, moved with it, arrived with it, and refused when
// its slot is full.
func TestVisitsBookAndArriveTheirAppointment(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		w := newWorkflow(t, e)
		now := e.clock.Now().Unix()
		wantAnswer(t, saveSchedule(t, e, w.manager.token, "1", "1 09:00-11:00 60 1", ""))
		visits := api + "/patient/" + w.patient + "/visits"
		appointments := api + "/patient/" + w.patient + "/appointments"
		wantAnswer(t, e.call(t, "POST", visits, form("token", w.alice.token, "order_time", strconv.FormatInt(monday(9, 0), 10), "doctor_id", "1")))
		wantJSON(t, e.call(t, "GET", appointments, query("token", w.alice.token)), `{"appointment_data": [`+
			appointmentJSON("1", w.patient, `"1"`, monday(9, 0), monday(10, 0), "booked", "null", w.alice, now, now)+`], "noShows": "0"}`)

		// The slot holds one: another patient's visit there is refused, and
		// not stored.
		other := e.createPatient(t, w.alice.token, "name", "李四", "add_time", "1700000000", "state", "0")
		wantError(t, e.call(t, "POST", api+"/patient/"+other+"/visits", form("token", w.alice.token,
			"order_time", strconv.FormatInt(monday(9, 0), 10), "doctor_id", "1")), 46002, "该时段已约满，请选择其他时间")
		wantJSON(t, e.call(t, "GET", api+"/patient/"+other+"/visits", query("token", w.alice.token)), `{"visit_data": []}`)

		// Moved with its visit: one row, where it came from kept.
		wantAnswer(t, e.call(t, "PATCH", api+"/visit/1", form("token", w.alice.token, "order_time", strconv.FormatInt(monday(10, 0), 10))))
		wantJSON(t, e.call(t, "GET", appointments, query("token", w.alice.token)), `{"appointment_data": [`+
			appointmentJSON("1", w.patient, `"1"`, monday(10, 0), monday(11, 0), "booked", fmt.Sprintf(`"%d"`, monday(9, 0)), w.alice, now, now)+`], "noShows": "0"}`)

		// A visit today, arrived: today's appointment is arrived.
		today := e.createPatient(t, w.alice.token, "name", "王五", "add_time", "1700000000", "state", "0")
		booked := e.call(t, "POST", api+"/patient/"+today+"/visits", form("token", w.alice.token, "order_time", strconv.FormatInt(now+60, 10)))
		visit := field(t, booked, "visit").(map[string]any)["id"].(string) // MariaDB spent an id on the refused one
		wantAnswer(t, e.call(t, "PATCH", api+"/visit/"+visit, form("token", w.manager.token, "reach_time", strconv.FormatInt(now, 10))))
		rows := field(t, e.call(t, "GET", api+"/patient/"+today+"/appointments", query("token", w.alice.token)), "appointment_data").([]any)
		if len(rows) != 1 || rows[0].(map[string]any)["status"] != "arrived" {
			t.Fatalf("today's appointment: %v", rows)
		}
	})
}
