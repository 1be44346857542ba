package tests

import (
	"strings"
	"testing"
	"time"

	"crm/models/access"
	"crm/models/dict"
	"crm/models/idempotency"
)

// Creating POSTs with an Idempotency-Key: a retry gets the first answer
// and stores nothing new.

func TestIdempotentRegistration(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		alice := e.newAccount(t, access.RoleConsultant)
		bob := e.newAccount(t, access.RoleConsultant)
		register := func(who account, key string, kv ...string) response {
			params := append([]string{"token", who.token, "name", "张三", "add_time", "1700000000", "state", "0", "tel", "13511112222"}, kv...)
			return e.call(t, "POST", api+"/patient/", form(params...), header("Idempotency-Key", key))
		}
		first := register(alice, "8a7c5f0e-6a0b-4a43-9a8e-0b1c2d3e4f50")
		created, ok := field(t, first, "newPatient").(map[string]any)
		if !ok {
			t.Fatalf("first attempt: %s", first.body)
		}
		// The retry: the same answer, byte for byte, and still one patient.
		retry := register(alice, "8a7c5f0e-6a0b-4a43-9a8e-0b1c2d3e4f50")
		if string(retry.body) != string(first.body) || retry.header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("retry answered %s (replayed %q), want %s", retry.body, retry.header.Get("Idempotent-Replayed"), first.body)
		}
		if n := e.patientCount(t); n != 1 {
			t.Fatalf("%d patients after a retry, want 1", n)
		}
		// The same key for other parameters is refused, and changes nothing.
		wantError(t, register(alice, "8a7c5f0e-6a0b-4a43-9a8e-0b1c2d3e4f50", "sex", "1"), 46002, "Idempotency-Key 已用于另一个请求")
		// Keys are each user's own.
		if _, ok := field(t, register(bob, "8a7c5f0e-6a0b-4a43-9a8e-0b1c2d3e4f50"), "newPatient").(map[string]any); !ok {
			t.Error("bob's request with alice's key was not run")
		}
		if n := e.patientCount(t); n != 2 {
			t.Fatalf("%d patients, want 2", n)
		}

		// A request refused before it wrote anything does not keep its key.
		wantError(t, e.call(t, "POST", api+"/patient/", form("token", alice.token, "add_time", "1700000000", "state", "0"),
			header("Idempotency-Key", "refused-once")), 44001, "缺少参数: name")
		if _, ok := field(t, register(alice, "refused-once"), "newPatient").(map[string]any); !ok {
			t.Error("the key of a refused request could not be used again")
		}

		// Committed, but its answer was lost (the database went away in
		// between): the retry answers with the patient, registering nothing.
		field(t, register(alice, "answer-lost"), "newPatient")
		e.db.Model(&idempotency.IdempotencyKey{}).Where("user_id = ? AND state = ?", alice.id, "done").
			Where("created_at = (SELECT MAX(created_at) FROM idempotency_keys)").
			Updates(map[string]any{"state": "committed", "body": nil})
		before := e.patientCount(t)
		lost := register(alice, "answer-lost")
		if p, ok := field(t, lost, "newPatient").(map[string]any); !ok || p["name"] != "张三" {
			t.Errorf("retry after a lost answer: %s", lost.body)
		}
		if n := e.patientCount(t); n != before {
			t.Errorf("%d patients after the retry, want %d", n, before)
		}

		// Remembered for 24 hours.
		e.clock.Advance(24*time.Hour + time.Second)
		alice.token = e.login(t, alice.username, alice.password)
		if again := register(alice, "8a7c5f0e-6a0b-4a43-9a8e-0b1c2d3e4f50"); field(t, again, "newPatient").(map[string]any)["id"] == created["id"] {
			t.Error("a key older than 24 h still replayed")
		}
	})
}

func TestIdempotencyKeyInFlight(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		alice := e.newAccount(t, access.RoleConsultant)
		register := func() response {
			return e.call(t, "POST", api+"/patient/", form("token", alice.token, "name", "张三", "add_time", "1700000000", "state", "0"),
				header("Idempotency-Key", "in-flight"))
		}
		field(t, register(), "newPatient")
		// As if the first attempt were still running (or had died before it
		// committed): the claim is pending.
		e.db.Model(&idempotency.IdempotencyKey{}).Where("user_id = ?", alice.id).
			Updates(map[string]any{"state": "pending", "body": nil, "resource_id": nil, "created_at": e.clock.Now()})
		e.db.Exec("DELETE FROM patient_history")
		e.db.Exec("DELETE FROM patient_terms")
		e.db.Exec("DELETE FROM patients")
		wantError(t, register(), 46002, "同一 Idempotency-Key 的请求正在处理，请稍后重试")
		// Once the first attempt cannot be running any more (three request
		// timeouts), the retry takes the key over and runs.
		e.clock.Advance(3*e.cfg.Database.RequestTimeout + time.Second)
		if _, ok := field(t, register(), "newPatient").(map[string]any); !ok {
			t.Error("a stale claim was not taken over")
		}
		if n := e.patientCount(t); n != 1 {
			t.Errorf("%d patients, want 1", n)
		}
	})
}

func TestIdempotencyKeyRules(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		admin := e.admin(t)
		for _, key := range []string{"", "has space", "中文", strings.Repeat("k", 256)} {
			resp := e.call(t, "POST", api+"/dict/doctor/", form("token", admin.token, "name", "赵医生"), header("Idempotency-Key", key))
			wantError(t, resp, 40035, "参数不合法: Idempotency-Key")
		}
		// Other creating POSTs replay too.
		first := e.call(t, "POST", api+"/dict/doctor/", form("token", admin.token, "name", "赵医生"), header("Idempotency-Key", "doctor-1"))
		retry := e.call(t, "POST", api+"/dict/doctor/", form("token", admin.token, "name", "赵医生"), header("Idempotency-Key", "doctor-1"))
		if string(first.body) != string(retry.body) {
			t.Errorf("retry %s, want %s", retry.body, first.body)
		}
		var n int64
		e.db.Model(&dict.Doctor{}).Where("name = ?", "赵医生").Count(&n)
		if n != 1 {
			t.Errorf("%d doctors, want 1", n)
		}
	})
}
