package tests

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"crm/config"
	"crm/models/access"
)

// /metrics counts requests by route pattern, method and stateCode, and
// shows the database pool, the throttle's refusals and the bcrypt queue.
func TestMetrics(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		alice := e.newAccount(t, access.RoleConsultant)
		e.call(t, "GET", api+"/menu/", query("token", alice.token))
		e.call(t, "GET", api+"/menu/", query("token", "not-a-token"))
		e.call(t, "GET", api+"/patient/12345/", query("token", alice.token))
		e.call(t, "GET", api+"/no-such-thing/")
		for range 6 {
			e.call(t, "POST", api+"/token/", form("username", alice.username, "password", "wrong"), from("203.0.113.7:1"))
		}

		rec := httptest.NewRecorder()
		e.deps.Metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		body, _ := io.ReadAll(rec.Body)
		for _, line := range []string{
			`crm_http_requests_total{method="GET",route="/back_end/api/v1/menu",state_code="0"} 1`,
			`crm_http_requests_total{method="GET",route="/back_end/api/v1/menu",state_code="40014"} 1`,
			`crm_http_requests_total{method="GET",route="/back_end/api/v1/patient/:id",state_code="46001"} 1`,
			`crm_http_requests_total{method="GET",route="unmatched",state_code="46001"} 1`,
			`crm_http_requests_total{method="POST",route="/back_end/api/v1/token",state_code="46005"} 5`,
			`crm_http_requests_total{method="POST",route="/back_end/api/v1/token",state_code="45011"} 1`,
			`crm_login_throttled_total{budget="user_address"} 1`,
			`crm_http_request_duration_seconds_count{method="GET",route="/back_end/api/v1/menu"} 2`,
			`crm_bcrypt_waiting 0`,
			`crm_bcrypt_running 0`,
			`go_sql_max_open_connections{db_name="crm"} 20`,
		} {
			if !strings.Contains(string(body), line+"\n") {
				t.Errorf("no %q in /metrics", line)
			}
		}
		if t.Failed() {
			t.Logf("/metrics:\n%s", body)
		}
	}, func(c *config.Config) { c.Metrics.Addr = "127.0.0.1:9090" }) // where serve would listen; the test scrapes the handler
}

// Without metrics.addr nothing is counted.
func TestNoMetricsByDefault(t *testing.T) {
	t.Parallel()
	if e := newEnv(t, "sqlite"); e.deps.Metrics != nil {
		t.Error("metrics built without metrics.addr")
	}
}
