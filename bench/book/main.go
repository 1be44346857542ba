// Command book measures the appointment book on a database filled by
// bench/datagen (-appointments): a doctor's week and a day's slots one
// request at a time, a booking beside a registration, and the no-show job
// over a day of 5,000 appointments; each against its target. bench/book.sh
// drives it.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"crm/config"
	"crm/models/appointment"
	"crm/models/reminder"
	"crm/models/settings"
	"crm/sms"
	"crm/sms/smsfake"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:18080", "the server")
	password := flag.String("password", "", "the admin's password")
	dsn := flag.String("dsn", "", "the database, for the no-show job (MySQL DSN)")
	n := flag.Int("n", 51, "requests per measurement (the median is reported)")
	onlyReminders := flag.Bool("reminders", false, "measure the reminder worker only")
	flag.Parse()
	if *onlyReminders {
		db, err := gorm.Open(mysql.Open(*dsn), &gorm.Config{Logger: logger.Discard})
		if err != nil {
			fail(err)
		}
		loc, _ := time.LoadLocation("Asia/Shanghai")
		sendReminders(db, loc)
		return
	}
	api := strings.TrimRight(*base, "/") + "/back_end/api/v1"
	token := login(api, "admin", *password)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	loc, _ := time.LoadLocation("Asia/Shanghai")
	monday := func(weeksAgo int) time.Time {
		d := time.Now().In(loc).AddDate(0, 0, -7*weeksAgo)
		for d.Weekday() != time.Monday {
			d = d.AddDate(0, 0, -1)
		}
		y, m, day := d.Date()
		return time.Date(y, m, day, 0, 0, 0, 0, loc)
	}
	fmt.Printf("| measurement | median | p90 | target |\n|---|---|---|---|\n")

	weekOf := func(weeksAgo func() int) func() string {
		return func() string {
			start := monday(weeksAgo())
			return fmt.Sprintf("%s/appointment?token=%s&doctor_id=%d&from=%d&to=%d", api, token, 1+rng.IntN(30), start.Unix(), start.AddDate(0, 0, 7).Unix()-1)
		}
	}
	// What the desk looks at: this week or next, any of the 30 doctors.
	week := measure(*n, weekOf(func() int { return -rng.IntN(2) }), get)
	report("a doctor's week, this or next (GET /appointment)", week, 20*time.Millisecond)
	// A week of the past year, rarely looked at: cold pages.
	past := measure(*n, weekOf(func() int { return 1 + rng.IntN(52) }), get)
	report("a doctor's week of the past year (cold)", past, 0)
	slots := measure(*n, func() string {
		day := monday(rng.IntN(52)).AddDate(0, 0, rng.IntN(6))
		return fmt.Sprintf("%s/slots?token=%s&doctor_id=%d&date=%s", api, token, 1+rng.IntN(30), day.Format(time.DateOnly))
	}, get)
	report("a day's slots (GET /slots)", slots, 10*time.Millisecond)

	// A registration, then a booking of it into a slot of next week:
	// the same writes a consultant makes, one at a time, alternating.
	next := monday(-8 - rng.IntN(40)) // beyond the bookings datagen made, a week of its own per run
	var registrations, bookings []time.Duration
	for i := 0; i < *n; i++ {
		start := time.Now()
		body := post(api+"/patient", url.Values{"token": {token}, "name": {"预约测试"}, "tel": {fmt.Sprintf("139%08d", rng.IntN(100_000_000))},
			"add_time": {fmt.Sprint(time.Now().Unix())}, "state": {"0"}})
		registrations = append(registrations, time.Since(start))
		var created struct {
			NewPatient struct{ ID string } `json:"newPatient"`
		}
		if err := json.Unmarshal(body, &created); err != nil || created.NewPatient.ID == "" {
			fail(fmt.Errorf("register: %s", body))
		}
		slot := next.AddDate(0, 0, i%6).Add(8*time.Hour + time.Duration(i/6%20)*30*time.Minute)
		start = time.Now()
		body = post(api+"/patient/"+created.NewPatient.ID+"/appointments", url.Values{"token": {token},
			"doctor_id": {fmt.Sprint(1 + i%30)}, "start_time": {fmt.Sprint(slot.Unix())}})
		bookings = append(bookings, time.Since(start))
		if strings.Contains(string(body), "stateCode") {
			fail(fmt.Errorf("book: %s", body))
		}
	}
	reg, book := quantiles(registrations), quantiles(bookings)
	report("POST /patient (registration)", reg, 0)
	fmt.Printf("| POST /patient/{id}/appointments | %s | %s | %s ≤ 1.2× registration (%.2f×) |\n", ms(book[0]), ms(book[1]),
		pass(book[0], reg[0]*12/10), float64(book[0])/float64(reg[0]))

	if *dsn != "" {
		db, err := gorm.Open(mysql.Open(*dsn), &gorm.Config{Logger: logger.Discard})
		if err != nil {
			fail(err)
		}
		// 5,000 appointments yesterday still booked: what the job finds
		// after a day it did not run.
		y, m, d := time.Now().In(loc).AddDate(0, 0, -1).Date()
		day := time.Date(y, m, d, 8, 0, 0, 0, loc)
		var patients []uint64
		if err := db.Table("patients").Order("id DESC").Limit(5000).Pluck("id", &patients).Error; err != nil {
			fail(err)
		}
		rows := make([]appointment.Appointment, len(patients))
		for i, p := range patients {
			doctor := uint64(1 + i%30)
			start := day.Add(time.Duration(i%20) * 30 * time.Minute)
			rows[i] = appointment.Appointment{PatientID: p, DoctorID: &doctor, StartTime: start.Unix(), EndTime: start.Add(30 * time.Minute).Unix(),
				Status: appointment.StatusBooked, BookedByName: "bench", CreatedAt: day, UpdatedAt: day}
		}
		if err := db.CreateInBatches(rows, 1000).Error; err != nil {
			fail(err)
		}
		start := time.Now()
		marked, err := appointment.MarkNoShows(context.Background(), db, time.Now(), 2*time.Hour)
		took := time.Since(start)
		if err != nil {
			fail(err)
		}
		fmt.Printf("| no-show job over a day of 5,000 (marked %d) | %s | — | %s ≤ 1 s |\n", marked, ms(took), pass(took, time.Second))
		// They would crowd yesterday's calendar of the next run.
		if err := db.Where("booked_by_name = ?", "bench").Delete(&appointment.Appointment{}).Error; err != nil {
			fail(err)
		}
		sendReminders(db, loc)
	}
}

// sendReminders times the reminder worker over 10,000 reminders due, of
// 10,000 appointments next month of patients who agreed, sent by the
// Aliyun client (signing each request) to the local fake.
func sendReminders(db *gorm.DB, loc *time.Location) {
	const n = 10000
	var patients []uint64
	if err := db.Table("patients").Where("tel_digits LIKE '1%' AND LENGTH(tel_digits) = 11 AND deleted_at IS NULL").Order("id").Limit(n).Pluck("id", &patients).Error; err != nil {
		fail(err)
	}
	if err := db.Table("patients").Where("id IN ?", patients).Update("sms_consent", 1).Error; err != nil {
		fail(err)
	}
	now := time.Now()
	start := now.AddDate(0, 1, 0).Truncate(time.Hour)
	rows := make([]appointment.Appointment, len(patients))
	for i, p := range patients {
		rows[i] = appointment.Appointment{PatientID: p, StartTime: start.Unix(), EndTime: start.Add(30 * time.Minute).Unix(),
			Status: appointment.StatusBooked, BookedByName: "bench-reminder", CreatedAt: now, UpdatedAt: now}
	}
	if err := db.CreateInBatches(rows, 1000).Error; err != nil {
		fail(err)
	}
	due := make([]reminder.Reminder, len(rows))
	for i, a := range rows {
		s := a.StartTime
		due[i] = reminder.Reminder{AppointmentID: a.ID, PatientID: a.PatientID, Rule: "before 2h", LiveStart: &s, StartTime: s,
			DueAt: now.Unix() - 60, Status: reminder.StatusPending, CreatedAt: now, UpdatedAt: now}
	}
	if err := db.CreateInBatches(due, 1000).Error; err != nil {
		fail(err)
	}
	if err := db.Table("settings").Where("name = ?", "reminder.settings").Delete(nil).Error; err != nil {
		fail(err)
	}
	if err := db.Exec("INSERT INTO settings (name, value, created_at) VALUES ('reminder.settings', ?, ?)",
		`{"enabled":true,"rules":"before 2h","template":"{name}您好，您预约了{time}就诊。","quiet_hours":"","address":""}`, now).Error; err != nil {
		fail(err)
	}
	fake := smsfake.Aliyun("bench-key", "bench-secret")
	defer fake.Close()
	cfg := config.Default().Reminders
	w := reminder.Worker{DB: db, Batch: cfg.Batch, Concurrency: cfg.Concurrency, MaxAttempts: cfg.MaxAttempts, Backoff: cfg.Backoff,
		Lease: cfg.Lease, SendTimeout: cfg.SendTimeout,
		Sender: sms.Aliyun{Endpoint: fake.URL, AccessKeyID: "bench-key", AccessSecret: "bench-secret", SignName: "诊所",
			TemplateCode: "SMS_1", Params: cfg.Aliyun.Params},
		Clinic: func(context.Context) settings.ClinicSettings {
			return settings.ClinicSettings{ClinicName: "诊所", TimeZone: loc.String()}
		}}
	began := time.Now()
	sent, err := w.SendDue(context.Background(), now)
	took := time.Since(began)
	if err != nil {
		fail(err)
	}
	fmt.Printf("| reminder worker, 10,000 due to the local fake (%+v; the fake took %d) | %s | — | %s ≤ 30 s |\n",
		sent, len(fake.Sent()), ms(took), pass(took, 30*time.Second))
	ids := make([]uint64, len(rows))
	for i, a := range rows {
		ids[i] = a.ID
	}
	if err := errors.Join(db.Where("id IN ?", ids).Delete(&appointment.Appointment{}).Error, // its reminders cascade
		db.Table("patients").Where("id IN ?", patients).Update("sms_consent", 0).Error,
		db.Table("settings").Where("name = ?", "reminder.settings").Delete(nil).Error); err != nil {
		fail(err)
	}
}

func login(api, username, password string) string {
	var body struct{ Token string }
	if err := json.Unmarshal(post(api+"/token", url.Values{"username": {username}, "password": {password}}), &body); err != nil || body.Token == "" {
		fail(fmt.Errorf("login %s failed", username))
	}
	return body.Token
}

func measure(n int, next func() string, do func(string) []byte) [2]time.Duration {
	do(next()) // warm-up
	times := make([]time.Duration, n)
	for i := range times {
		u := next()
		start := time.Now()
		body := do(u)
		times[i] = time.Since(start)
		if strings.Contains(string(body), "stateCode") {
			fail(fmt.Errorf("%s: %s", u, body))
		}
	}
	return quantiles(times)
}

func quantiles(times []time.Duration) [2]time.Duration {
	times = slices.Clone(times)
	slices.Sort(times)
	return [2]time.Duration{times[len(times)/2], times[len(times)*9/10]}
}

func report(name string, q [2]time.Duration, target time.Duration) {
	t := "—"
	if target > 0 {
		t = fmt.Sprintf("%s ≤ %s", pass(q[0], target), ms(target))
	}
	fmt.Printf("| %s | %s | %s | %s |\n", name, ms(q[0]), ms(q[1]), t)
}

func pass(got, limit time.Duration) string {
	if got <= limit {
		return "✓"
	}
	return "✗"
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func get(u string) []byte {
	resp, err := http.Get(u)
	if err != nil {
		fail(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return body
}

func post(u string, form url.Values) []byte {
	resp, err := http.PostForm(u, form)
	if err != nil {
		fail(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return body
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "book:", err)
	os.Exit(1)
}
