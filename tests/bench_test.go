package tests

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"crm/config"
	"crm/internal/testdb"
	"crm/models/patient"
	"crm/models/staff"
)

// Benchmarks of whole requests through the real router (no network, no
// spec validation). Run:
//
//	go test ./tests -run '^$' -bench . -benchtime 2s
//	CRM_TEST_MYSQL_DSN='root@tcp(127.0.0.1:3306)/crm_bench' go test ./tests -run '^$' -bench .
//
// Figures measured on the project machine are in docs/performance.md.

func eachBenchDB(b *testing.B, bench func(b *testing.B, e *env), opts ...func(*config.Config)) {
	for name, driver := range map[string]string{"sqlite": "sqlite", "mariadb": "mysql"} {
		b.Run(name, func(b *testing.B) {
			testdb.SkipUnlessAvailable(b, driver)
			bench(b, newEnv(b, driver, opts...))
		})
	}
}

// serve sends one request and checks only that it did not fail.
func (e *env) serve(b *testing.B, method, target, body string) {
	req := httptest.NewRequest(method, "http://localhost:8080"+target, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.RemoteAddr = "192.0.2.1:40000"
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("%s %s: %d %s", method, target, rec.Code, rec.Body)
	}
}

func unthrottled(c *config.Config) {
	c.Auth.Throttle.UserAddressBurst, c.Auth.Throttle.AddressBurst, c.Auth.Throttle.UnknownBurst = 1<<30, 1<<30, 1<<30
}

// Login at the production bcrypt cost: the three outcomes should cost the
// same (one bcrypt each), which is what hides whether a user exists.
func BenchmarkLogin(b *testing.B) {
	for _, outcome := range []struct{ name, username, password string }{
		{"unknown-user", "nobody", adminPassword},
		{"wrong-password", adminUsername, "wrong-password"},
		{"success", adminUsername, adminPassword},
	} {
		b.Run(outcome.name, func(b *testing.B) {
			e := newEnv(b, "sqlite", unthrottled, func(c *config.Config) { c.Auth.BcryptCost = 10 })
			// The seeded admin was hashed at the test cost; rehash at 10.
			hash := mustHash(b, adminPassword, 10)
			e.db.Model(&staff.User{}).Where("username = ?", adminUsername).Update("password_hash", hash)
			body := url.Values{"username": {outcome.username}, "password": {outcome.password}}.Encode()
			b.ResetTimer()
			for b.Loop() {
				e.serve(b, "POST", api+"/token/", body)
			}
		})
	}
}

// An authenticated request's fixed cost: token parse, session and user
// lookups, the menu query.
func BenchmarkMenu(b *testing.B) {
	eachBenchDB(b, func(b *testing.B, e *env) {
		target := api + "/menu/?token=" + e.admin(b).token
		for b.Loop() {
			e.serve(b, "GET", target, "")
		}
	})
}

func BenchmarkPatientList(b *testing.B) {
	eachBenchDB(b, func(b *testing.B, e *env) {
		admin := e.admin(b)
		seedPatients(b, e, admin.id, 5000)
		for name, q := range map[string]string{
			"first-page":   "",
			"state-filter": "&state=1",
			"search":       "&q=" + url.QueryEscape("患者12"),
			"count":        "&count=1",
		} {
			b.Run(name, func(b *testing.B) {
				target := api + "/patient/?per_page=30&token=" + admin.token + q
				for b.Loop() {
					e.serve(b, "GET", target, "")
				}
			})
		}
	})
}

func BenchmarkPatientCreate(b *testing.B) {
	eachBenchDB(b, func(b *testing.B, e *env) {
		token := e.admin(b).token
		i := 0
		for b.Loop() {
			i++
			body := url.Values{"token": {token}, "name": {"患者"}, "add_time": {"1700000000"}, "state": {"1"},
				"tel": {fmt.Sprintf("138%08d", i)}, "doctor_id": {"1"}, "media_from_id": {"2"}}.Encode()
			e.serve(b, "POST", api+"/patient/", body)
		}
	})
}

func seedPatients(b *testing.B, e *env, author uint64, n int) {
	b.Helper()
	rows := make([]patient.Patient, 0, 500)
	flush := func() {
		if err := e.db.WithContext(context.Background()).CreateInBatches(rows, 500).Error; err != nil {
			b.Fatal(err)
		}
		rows = rows[:0]
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	for i := range n {
		tel := fmt.Sprintf("139%08d", i)
		rows = append(rows, patient.Patient{Name: fmt.Sprintf("患者%d", i), Tel: &tel, TelDigits: tel,
			AddTime: base + int64(i)*600, AuthorID: author, State: int8(i % 4)})
		if len(rows) == cap(rows) {
			flush()
		}
	}
	if len(rows) > 0 {
		flush()
	}
}
