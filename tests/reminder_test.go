package tests

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"crm/models/reminder"
	"crm/models/settings"
	"crm/sms"
	"crm/sms/smsfake"
)

// Reminders: the clinic's rules put a row per reminder into the outbox
// with each booking; the worker sends it once, retries what the provider
// throttles, and drops what the booking no longer needs.

const reminderTemplate = "{name}您好，您已预约{time}{doctor}医生，{clinic}，地址{address}。"

func saveReminders(t *testing.T, e *env, token string, kv ...string) response {
	t.Helper()
	return e.call(t, "PUT", api+"/reminder/settings", form(append([]string{"token", token}, kv...)...))
}

func enableReminders(t *testing.T, e *env, token, rules, quiet string) {
	t.Helper()
	wantAnswer(t, saveReminders(t, e, token, "enabled", "1", "rules", rules, "quiet_hours", quiet,
		"template", reminderTemplate, "address", "学院路1号"))
}

// worker is a server process's reminder worker, sending by sender.
func worker(e *env, sender sms.Sender) reminder.Worker {
	return reminder.Worker{DB: e.db, Sender: sender, Batch: 10, Concurrency: 4, MaxAttempts: 3, Backoff: time.Minute,
		Lease: 5 * time.Minute, SendTimeout: 5 * time.Second, Log: e.deps.Log,
		Clinic: func(context.Context) settings.ClinicSettings {
			return settings.ClinicSettings{ClinicName: "温州门诊", TimeZone: "Asia/Shanghai"}
		}}
}

func aliyunSender(fake *smsfake.Fake) sms.Aliyun {
	return sms.Aliyun{Endpoint: fake.URL, AccessKeyID: "test-key", AccessSecret: "test-secret", SignName: "温州门诊",
		TemplateCode: "SMS_100000001", Params: []string{"name", "time", "doctor"}}
}

func sendDue(t *testing.T, w reminder.Worker, at int64) reminder.Pass {
	t.Helper()
	pass, err := w.SendDue(context.Background(), time.Unix(at, 0))
	if err != nil {
		t.Fatalf("SendDue: %v", err)
	}
	return pass
}

type outboxRow struct {
	id, appointment, patient, name, rule string
	start, due                           int64
	status                               string
	attempts                             int
	provider, providerID, requestID      string
	code, message, body                  string
	sentAt                               int64 // 0: null
}

func (r outboxRow) json() string {
	sent := "null"
	if r.sentAt != 0 {
		sent = fmt.Sprintf("%q", strconv.FormatInt(r.sentAt, 10))
	}
	return fmt.Sprintf(`{"id": %q, "appointmentId": %q, "patientId": %q, "patientName": %q, "rule": %q, "startTime": "%d", `+
		`"dueAt": "%d", "status": %q, "attempts": "%d", "provider": %q, "providerId": %q, "requestId": %q, "errorCode": %q, `+
		`"error": %q, "body": %q, "sentAt": %s}`, r.id, r.appointment, r.patient, r.name, r.rule, r.start, r.due, r.status,
		r.attempts, r.provider, r.providerID, r.requestID, r.code, r.message, r.body, sent)
}

func wantOutbox(t *testing.T, e *env, token string, rows ...outboxRow) {
	t.Helper()
	items := ""
	for i, r := range rows {
		if i > 0 {
			items += ", "
		}
		items += r.json()
	}
	wantJSON(t, e.call(t, "GET", api+"/reminder/outbox", query("token", token)),
		fmt.Sprintf(`{"reminder_data": [%s], "count": %d, "page": 1, "per_page": 30}`, items, len(rows)))
}

func TestReminderSettings(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		w := newWorkflow(t, e)
		variables := `["name", "doctor", "time", "clinic", "address"]`
		wantJSON(t, e.call(t, "GET", api+"/reminder/settings", query("token", w.manager.token)), fmt.Sprintf(
			`{"reminders": {"enabled": "0", "rules": "", "template": %q, "quietHours": "", "address": "", "variables": %s}}`,
			reminder.DefaultTemplate, variables))
		// Enabled without a rule: missing.
		wantError(t, saveReminders(t, e, w.manager.token, "enabled", "1"), 44001, "缺少参数: rules")

		saved := fmt.Sprintf(`{"reminders": {"enabled": "1", "rules": "day_before 18:00; before 2h", "template": %q, `+
			`"quietHours": "21:00-08:00", "address": "学院路1号", "variables": %s}}`, reminderTemplate, variables)
		wantJSON(t, saveReminders(t, e, w.manager.token, "enabled", "1", "rules", "day_before 18:00\nbefore 120m; before 2h",
			"quiet_hours", "21:00-08:00", "template", reminderTemplate, "address", "学院路1号"), saved)

		// Refused, and nothing changes.
		for _, bad := range []struct{ name, value, field string }{
			{"rules", "after 2h", "rules"},
			{"rules", "before 0h", "rules"},
			{"rules", "before 8d", "rules"},
			{"rules", "day_before 25:00", "rules"},
			{"rules", "before 1h; before 2h; before 3h; before 4h; before 5h; before 6h", "rules"},
			{"template", "{name}，您的验证码是{code}", "template"},
			{"template", "", "template"},
			{"quiet_hours", "21:00", "quiet_hours"},
			{"quiet_hours", "08:00-08:00", "quiet_hours"},
			{"enabled", "maybe", "enabled"},
		} {
			wantError(t, saveReminders(t, e, w.manager.token, bad.name, bad.value), 40035, "参数不合法: "+bad.field)
		}
		wantError(t, saveReminders(t, e, w.manager.token, "enabled", "1", "rules", ""), 44001, "缺少参数: rules")
		wantError(t, saveReminders(t, e, w.alice.token, "enabled", "0"), 48001, "用户没有权限")
		wantError(t, e.call(t, "GET", api+"/reminder/settings", query("token", w.alice.token)), 48001, "用户没有权限")
		wantError(t, e.call(t, "PUT", api+"/reminder/settings", form("enabled", "0")), 41001, "缺少token参数")
		wantJSON(t, e.call(t, "GET", api+"/reminder/settings", query("token", w.manager.token)), saved)
		// Off again, the rules kept.
		wantJSON(t, saveReminders(t, e, w.manager.token, "enabled", "0"), fmt.Sprintf(
			`{"reminders": {"enabled": "0", "rules": "day_before 18:00; before 2h", "template": %q, `+
				`"quietHours": "21:00-08:00", "address": "学院路1号", "variables": %s}}`, reminderTemplate, variables))
	})
}

func TestRemindersFollowBookingsAndAreSentOnce(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		w := newWorkflow(t, e)
		// Reminders off: a booking writes none.
		wantAnswer(t, saveSchedule(t, e, w.manager.token, "1", "1 09:00-11:00 60 2", ""))
		path := api + "/patient/" + w.patient + "/appointments"
		wantAnswer(t, e.call(t, "POST", path, form("token", w.alice.token, "start_time", strconv.FormatInt(monday(9, 0), 10), "doctor_id", "1")))
		wantOutbox(t, e, w.manager.token)
		wantAnswer(t, e.call(t, "PATCH", api+"/appointment/1", form("token", w.alice.token, "status", "cancelled")))

		enableReminders(t, e, w.manager.token, "day_before 18:00; before 2h", "21:00-08:00")
		consent := e.call(t, "PATCH", api+"/patient/"+w.patient, form("token", w.alice.token, "sms_consent", "1"))
		if got := field(t, consent, "patient").(map[string]any)["smsConsent"]; got != "1" {
			t.Fatalf("smsConsent %v", got)
		}
		wantAnswer(t, e.call(t, "POST", path, form("token", w.alice.token, "start_time", strconv.FormatInt(monday(9, 0), 10), "doctor_id", "1")))
		sunday18 := monday(18, 0) - 86400
		// Two hours before 9:00 is in the quiet hours: it goes at 8:00.
		dayBefore := outboxRow{id: "1", appointment: "2", patient: w.patient, name: "张三", rule: "day_before 18:00",
			start: monday(9, 0), due: sunday18, status: "pending"}
		twoHours := outboxRow{id: "2", appointment: "2", patient: w.patient, name: "张三", rule: "before 2h",
			start: monday(9, 0), due: monday(8, 0), status: "pending"}
		wantOutbox(t, e, w.manager.token, twoHours, dayBefore)

		// A move cancels them and plans the new time's.
		wantAnswer(t, e.call(t, "PATCH", api+"/appointment/2", form("token", w.alice.token, "start_time", strconv.FormatInt(monday(10, 0), 10))))
		dayBefore.status, twoHours.status = "cancelled", "cancelled"
		movedDayBefore := outboxRow{id: "3", appointment: "2", patient: w.patient, name: "张三", rule: "day_before 18:00",
			start: monday(10, 0), due: sunday18, status: "pending"}
		movedTwoHours := outboxRow{id: "4", appointment: "2", patient: w.patient, name: "张三", rule: "before 2h",
			start: monday(10, 0), due: monday(8, 0), status: "pending"}
		wantOutbox(t, e, w.manager.token, movedTwoHours, twoHours, movedDayBefore, dayBefore)

		// Sunday 18:00: the day-before reminder goes, signed, to the vendor.
		fake := smsfake.Aliyun("test-key", "test-secret")
		defer fake.Close()
		if pass := sendDue(t, worker(e, aliyunSender(fake)), sunday18+1); pass != (reminder.Pass{Sent: 1}) {
			t.Fatalf("pass %+v", pass)
		}
		body := "张三您好，您已预约1月7日 10:00张明医生，温州门诊，地址学院路1号。"
		movedDayBefore.status, movedDayBefore.attempts, movedDayBefore.sentAt = "sent", 1, sunday18+1
		movedDayBefore.provider, movedDayBefore.providerID, movedDayBefore.requestID = "aliyun", "900619746936498441^0", "F655A8D5-B967-440B-8683-100000000001"
		movedDayBefore.body = body
		wantOutbox(t, e, w.manager.token, movedTwoHours, twoHours, movedDayBefore, dayBefore)
		// Restarted, the worker finds nothing more to send.
		if pass := sendDue(t, worker(e, aliyunSender(fake)), sunday18+120); pass != (reminder.Pass{}) {
			t.Fatalf("second pass %+v", pass)
		}

		// Monday 8:00 the vendor throttles: tried again a minute later.
		fake.FailNext("isv.BUSINESS_LIMIT_CONTROL")
		eight := monday(8, 0)
		if pass := sendDue(t, worker(e, aliyunSender(fake)), eight+1); pass != (reminder.Pass{Retried: 1}) {
			t.Fatalf("throttled pass %+v", pass)
		}
		movedTwoHours.due, movedTwoHours.attempts, movedTwoHours.provider, movedTwoHours.body = eight+61, 1, "aliyun", body
		movedTwoHours.requestID, movedTwoHours.code, movedTwoHours.message = "F655A8D5-B967-440B-8683-100000000000", "isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1"
		wantOutbox(t, e, w.manager.token, movedTwoHours, twoHours, movedDayBefore, dayBefore)
		if pass := sendDue(t, worker(e, aliyunSender(fake)), eight+30); pass != (reminder.Pass{}) {
			t.Fatalf("before the backoff: %+v", pass)
		}
		if pass := sendDue(t, worker(e, aliyunSender(fake)), eight+61); pass != (reminder.Pass{Sent: 1}) {
			t.Fatalf("after the backoff: %+v", pass)
		}
		movedTwoHours.status, movedTwoHours.attempts, movedTwoHours.sentAt = "sent", 2, eight+61
		movedTwoHours.providerID, movedTwoHours.requestID, movedTwoHours.code, movedTwoHours.message = "900619746936498442^0", "F655A8D5-B967-440B-8683-100000000002", "", ""
		wantOutbox(t, e, w.manager.token, movedTwoHours, twoHours, movedDayBefore, dayBefore)
		sent := []smsfake.Sent{{Phone: "13512346666", Params: map[string]string{"name": "张三", "time": "1月7日 10:00", "doctor": "张明"}}}
		sent = append(sent, sent[0])
		if got := fake.Sent(); len(got) != 2 || got[0].Phone != sent[0].Phone || got[1].Params["time"] != "1月7日 10:00" || fake.Rejected() != 0 {
			t.Fatalf("sent %+v, rejected %d", got, fake.Rejected())
		}

		// No consent: planned, then skipped when due. Cancelled: cancelled.
		other := e.createPatient(t, w.alice.token, "name", "李四", "tel", "13600000000", "add_time", "1700000000", "state", "0")
		third := e.createPatient(t, w.alice.token, "name", "王五", "tel", "010-12345", "add_time", "1700000000", "state", "0", "sms_consent", "1")
		wantAnswer(t, e.call(t, "POST", api+"/patient/"+other+"/appointments", form("token", w.alice.token, "start_time", strconv.FormatInt(monday(11, 0), 10))))
		wantAnswer(t, e.call(t, "POST", api+"/patient/"+third+"/appointments", form("token", w.alice.token, "start_time", strconv.FormatInt(monday(11, 0), 10))))
		if pass := sendDue(t, worker(e, aliyunSender(fake)), monday(9, 30)); pass != (reminder.Pass{Skipped: 4}) {
			t.Fatalf("no consent, no mobile: %+v", pass)
		}
		resp := e.call(t, "GET", api+"/reminder/outbox", query("token", w.manager.token, "status", "skipped"))
		rows := field(t, resp, "reminder_data").([]any)
		reasons := map[string]int{}
		for _, r := range rows {
			reasons[r.(map[string]any)["patientName"].(string)+" "+r.(map[string]any)["error"].(string)]++
		}
		if want := map[string]int{"李四 患者未同意短信提醒": 2, "王五 无手机号": 2}; fmt.Sprint(reasons) != fmt.Sprint(want) {
			t.Fatalf("skipped %v", reasons)
		}
		if len(fake.Sent()) != 2 {
			t.Fatalf("sent %d", len(fake.Sent()))
		}

		// Bad filters; consultants may not read the log.
		wantError(t, e.call(t, "GET", api+"/reminder/outbox", query("token", w.manager.token, "status", "lost")), 40035, "参数不合法: status")
		wantError(t, e.call(t, "GET", api+"/reminder/outbox", query("token", w.manager.token, "from", "soon")), 40035, "参数不合法: from")
		wantError(t, e.call(t, "GET", api+"/reminder/outbox", query("token", w.alice.token)), 48001, "用户没有权限")
		wantError(t, e.call(t, "GET", api+"/reminder/outbox"), 41001, "缺少token参数")
	})
}

// blockingSender holds every send until released, as a slow provider or a
// process about to die would.
type blockingSender struct {
	calls   chan struct{}
	release chan struct{}
}

func (blockingSender) Name() string { return "log" }

func (b blockingSender) Send(ctx context.Context, _ sms.Message) (sms.Receipt, error) {
	b.calls <- struct{}{}
	<-b.release
	return sms.Receipt{ProviderID: "held"}, nil
}

func TestRemindersGoOutAtMostOnceAcrossProcessesAndRestarts(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		w := newWorkflow(t, e)
		enableReminders(t, e, w.manager.token, "before 1h", "")
		const patients = 24
		for i := range patients {
			id := e.createPatient(t, w.alice.token, "name", fmt.Sprintf("患者%02d", i), "tel", fmt.Sprintf("139%08d", i),
				"add_time", "1700000000", "state", "0", "sms_consent", "1")
			wantAnswer(t, e.call(t, "POST", api+"/patient/"+id+"/appointments", form("token", w.alice.token,
				"start_time", strconv.FormatInt(monday(9, 0)+int64(i%3)*600, 10))))
		}
		// Four server processes' workers at once, small batches.
		fake := smsfake.Tencent("AKIDtest", "test-secret")
		defer fake.Close()
		tencent := sms.Tencent{Endpoint: fake.URL, Region: "ap-guangzhou", SecretID: "AKIDtest", SecretKey: "test-secret",
			SdkAppID: "1400006666", SignName: "温州门诊", TemplateID: "1110", Params: []string{"name", "time"}}
		var wg sync.WaitGroup
		passes := make([]reminder.Pass, 4)
		start := make(chan struct{})
		for i := range passes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start // all at once
				wk := worker(e, tencent)
				wk.Batch, wk.Concurrency = 3, 2
				passes[i] = sendDue(t, wk, monday(8, 30))
			}()
		}
		close(start)
		wg.Wait()
		total := 0
		for _, p := range passes {
			total += p.Sent
		}
		phones := map[string]int{}
		for _, s := range fake.Sent() {
			phones[s.Phone]++
		}
		if total != patients || len(phones) != patients || len(fake.Sent()) != patients || fake.Rejected() != 0 {
			t.Fatalf("sent %d (passes %+v) to %d numbers, %d requests, %d rejected", total, passes, len(phones), len(fake.Sent()), fake.Rejected())
		}
		sent := e.call(t, "GET", api+"/reminder/outbox", query("token", w.manager.token, "status", "sent", "per_page", "1"))
		if got := field(t, sent, "count"); fmt.Sprint(got) != strconv.Itoa(patients) {
			t.Fatalf("sent in the log: %v", got)
		}
		// Restarted: nothing is sent again.
		if pass := sendDue(t, worker(e, tencent), monday(8, 55)); pass != (reminder.Pass{}) {
			t.Fatalf("after a restart: %+v", pass)
		}

		// A process is mid-send when another starts after its lease: the
		// claim is not taken over, and the send is not repeated.
		late := e.createPatient(t, w.alice.token, "name", "迟到", "tel", "13711112222", "add_time", "1700000000", "state", "0", "sms_consent", "1")
		wantAnswer(t, e.call(t, "POST", api+"/patient/"+late+"/appointments", form("token", w.alice.token, "start_time", strconv.FormatInt(monday(15, 0), 10))))
		held := blockingSender{calls: make(chan struct{}, 4), release: make(chan struct{})}
		done := make(chan reminder.Pass)
		go func() {
			pass, err := worker(e, held).SendDue(context.Background(), time.Unix(monday(14, 0), 0))
			if err != nil {
				t.Error(err)
			}
			done <- pass
		}()
		<-held.calls
		if pass := sendDue(t, worker(e, held), monday(14, 6)); pass != (reminder.Pass{Unknown: 1}) {
			t.Fatalf("the restarted process: %+v", pass)
		}
		unknown := e.call(t, "GET", api+"/reminder/outbox", query("token", w.manager.token, "status", "unknown"))
		if rows := field(t, unknown, "reminder_data").([]any); len(rows) != 1 || rows[0].(map[string]any)["error"] != "发送中断，可能已发出：为免重复不再重发" {
			t.Fatalf("unknown: %s", unknown.body)
		}
		close(held.release)
		if pass := <-done; pass != (reminder.Pass{Sent: 1}) {
			t.Fatalf("the first process: %+v", pass)
		}
		if len(held.calls) != 0 {
			t.Fatalf("sent again: %d more calls", len(held.calls))
		}
		// Its answer, late, is what the log keeps.
		sent = e.call(t, "GET", api+"/reminder/outbox", query("token", w.manager.token, "status", "sent", "per_page", "1"))
		if got := field(t, sent, "count"); fmt.Sprint(got) != strconv.Itoa(patients+1) {
			t.Fatalf("sent in the log: %v", got)
		}
		if pass := sendDue(t, worker(e, held), monday(14, 30)); pass != (reminder.Pass{}) {
			t.Fatalf("later: %+v", pass)
		}
	})
}
