package middleware

import (
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"crm/auth"
)

// Metrics are the server's Prometheus metrics, in a registry of their own
// (no package-level state): requests by route, method and stateCode, their
// latency, the database pool, the login throttle's refusals and the
// bcrypt queue, and the Go runtime's.
type Metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func NewMetrics(db *sql.DB, svc *auth.Service) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "crm_http_requests_total",
			Help: "API requests answered, by route, method and stateCode (0: success; client_gone: the client hung up first).",
		}, []string{"route", "method", "state_code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "crm_http_request_duration_seconds",
			Help:    "Time to answer API requests, by route and method.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route", "method"}),
	}
	throttled := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "crm_login_throttled_total",
		Help: "Login and password-check attempts refused by the throttle (45011), by budget.",
	}, []string{"budget"})
	svc.Throttle().CountRefusals(func(budget string) { throttled.WithLabelValues(budget).Inc() })
	passwords := svc.Passwords()
	m.registry.MustRegister(
		m.requests, m.latency, throttled,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "crm_bcrypt_waiting",
			Help: "bcrypt operations waiting for a slot.",
		}, func() float64 { waiting, _ := passwords.Queue(); return float64(waiting) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "crm_bcrypt_running",
			Help: "bcrypt operations running.",
		}, func() float64 { _, running := passwords.Queue(); return float64(running) }),
		collectors.NewDBStatsCollector(db, "crm"),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Observe counts and times every request. Routes are the pattern
// ("/patient/:id"), so ids do not multiply the series; paths that match
// no route are counted together.
func (m *Metrics) Observe(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	code, _ := valueOf[int](c, stateCodeKey)
	label := strconv.Itoa(code)
	if _, gone := valueOf[bool](c, clientGoneKey); gone {
		label = "client_gone"
	}
	m.requests.WithLabelValues(route, c.Request.Method, label).Inc()
	m.latency.WithLabelValues(route, c.Request.Method).Observe(time.Since(start).Seconds())
}

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}
