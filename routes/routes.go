// Package routes is the one map of the HTTP API: every endpoint, with the
// permission it needs on its own line.
package routes

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-contrib/gzip"
	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	"crm/auth"
	"crm/config"
	"crm/controllers"
	"crm/docs"
	"crm/internal/memo"
	"crm/middleware"
	"crm/models/access"
	"crm/models/appointment"
	"crm/models/dict"
	"crm/models/patient"
	"crm/models/settings"
	"crm/models/store"
	"crm/models/visit"
	"crm/web"
)

// APIPrefix is where the frontend expects the API.
const APIPrefix = "/back_end/api/v1"

// MaxLeadFileBytes bounds an uploaded lead file (45002 beyond it).
const MaxLeadFileBytes = 20 << 20

// Deps is everything the handlers need; main builds it once, tests build
// their own.
type Deps struct {
	Config config.Config
	DB     *gorm.DB
	Log    *slog.Logger
	Auth   *auth.Service
	Clock  func() time.Time
	// Changes retires what the caches of sessions, users, roles and menus
	// hold; the routes that change those bump it.
	Changes *memo.Generation
	// Redis is shared with the other replicas (nil: none configured);
	// whoever built the Deps closes it.
	Redis *redis.Client
	// Metrics counts every request, when metrics.addr says where serve is
	// to expose them (nil: no metrics, and nothing counted).
	Metrics *middleware.Metrics
}

// NewDeps completes the dependencies from a migrated database: the JWT
// secret comes from the configuration or, if none is set, from the
// database, generated there on first use so restarts and replicas share it.
func NewDeps(ctx context.Context, cfg config.Config, db *gorm.DB, log *slog.Logger, now func() time.Time) (Deps, error) {
	secret := cfg.Auth.JWTSecret
	if secret == "" {
		candidate := make([]byte, 48)
		_, _ = rand.Read(candidate)
		stored, err := settings.EnsureSetting(ctx, db, settings.SettingJWTSecret, base64.RawStdEncoding.EncodeToString(candidate))
		if err != nil {
			return Deps{}, fmt.Errorf("load the generated JWT secret: %w", err)
		}
		secret = stored
	}
	changes := &memo.Generation{}
	var rdb *redis.Client
	if cfg.Redis.Addr != "" {
		rdb = redis.NewClient(&redis.Options{Addr: cfg.Redis.Addr, Password: cfg.Redis.Password, DB: cfg.Redis.DB})
		if err := rdb.Ping(ctx).Err(); err != nil {
			_ = rdb.Close()
			return Deps{}, fmt.Errorf("redis at %s: %w", cfg.Redis.Addr, err)
		}
		if err := changes.Share(ctx, rdb, log); err != nil {
			_ = rdb.Close()
			return Deps{}, err
		}
	}
	svc, err := auth.NewService(db, cfg.Auth, []byte(secret), changes, rdb, now, log)
	if err != nil {
		return Deps{}, err
	}
	d := Deps{Config: cfg, DB: db, Log: log, Auth: svc, Clock: now, Changes: changes, Redis: rdb}
	if cfg.Metrics.Addr != "" {
		sqlDB, err := db.DB()
		if err != nil {
			return Deps{}, err
		}
		d.Metrics = middleware.NewMetrics(sqlDB, svc)
	}
	return d, nil
}

// New builds the HTTP handler.
func New(d Deps) (http.Handler, error) {
	engine, err := Engine(d)
	if err != nil {
		return nil, err
	}
	return trailingSlashOptional(engine), nil
}

// Engine is the route map itself; New wraps it. Tests list its routes.
func Engine(d Deps) (*gin.Engine, error) {
	engine := gin.New()
	// Gin trusts every proxy by default, which lets any client choose its
	// address with X-Forwarded-For and so escape per-address throttling.
	if err := engine.SetTrustedProxies(d.Config.HTTP.TrustedProxies); err != nil {
		return nil, fmt.Errorf("http.trusted_proxies: %w", err)
	}
	engine.RedirectTrailingSlash = false // trailingSlashOptional serves both forms directly
	engine.RedirectFixedPath = false
	engine.HandleMethodNotAllowed = true

	engine.Use(middleware.AssignRequestID, middleware.AccessLog(d.Log))
	if d.Metrics != nil {
		engine.Use(d.Metrics.Observe)
	}
	engine.Use(
		middleware.RenderErrors(d.Config.HTTP.RealStatusCodes, d.Log),
		middleware.Recover(d.Log),
		middleware.LimitHeaders(d.Config.HTTP.MaxHeaderBytes),
	)
	cors, err := middleware.CORS(d.Config.HTTP.CORSOrigins, d.Config.HTTP.TrustedProxies)
	if err != nil {
		return nil, err
	}
	if cors != nil {
		engine.Use(cors)
	}
	engine.NoRoute(middleware.NoRoute)
	engine.NoMethod(middleware.MethodNotAllowed)

	health := controllers.HealthController{DB: d.DB}
	tokens := controllers.TokenController{Auth: d.Auth}
	menus := controllers.NewMenuController(d.DB, d.Clock, d.Changes, d.Config.Auth.CacheTTL)
	users := controllers.UserController{DB: d.DB, Auth: d.Auth}
	roles := controllers.RoleController{DB: d.DB, Now: d.Clock}
	oplog := controllers.OpLogController{DB: d.DB}
	clinic := controllers.NewClinic(d.DB, ClinicDefaults(d.Config), d.Changes, d.Config.Auth.CacheTTL, d.Clock)
	// The heavy reads go to a read replica when there are any.
	reads := store.ReportReads(d.DB)
	book := controllers.AppointmentController{DB: d.DB, Now: d.Clock, Clinic: clinic}
	reports := controllers.ReportController{DB: reads, Now: d.Clock, Clinic: clinic}
	export := controllers.ExportController{DB: reads, Now: d.Clock, Clinic: clinic, Log: d.Log}
	registrar := patient.NewRegistrar(d.DB, d.Config.Database.RequestTimeout)
	// A registration as booked writes its appointment with it.
	registrar.Booked = func(ctx context.Context, tx *gorm.DB, v access.Viewer, p patient.Patient, now time.Time) error {
		return appointment.BookRegistered(tx, v, p, clinic.SettingsIn(ctx).Location(), now)
	}
	patients := controllers.PatientController{DB: d.DB, Now: d.Clock, Registrar: registrar, Clinic: clinic}
	dicts := controllers.DictController{DB: d.DB, Now: d.Clock}
	followups := controllers.FollowupController{DB: d.DB, Now: d.Clock, Clinic: clinic}
	// A visit booked or arrived books or arrives its appointment with it.
	visits := controllers.VisitController{DB: d.DB, Now: d.Clock,
		Booked: func(tx *gorm.DB, v access.Viewer, p patient.Patient, vs visit.Visit, now time.Time) error {
			return appointment.FollowVisit(tx, v, p, vs.OrderTime, vs.DoctorID, vs.ReachTime != nil, clinic.SettingsIn(tx.Statement.Context).Location(), now)
		}}
	notices := controllers.NoticeController{DB: d.DB, Now: d.Clock}
	settings := controllers.SettingController{DB: d.DB, Now: d.Clock, Clinic: clinic}
	reminders := controllers.ReminderController{DB: d.DB, Now: d.Clock}
	leads := controllers.LeadImportController{DB: d.DB, Now: d.Clock, Clinic: clinic, ParseTimeout: d.Config.Import.ParseTimeout}
	h := controllers.JSON

	engine.GET("/healthz", health.Live)
	engine.GET("/readyz", health.Ready)
	reference := controllers.DocsController{Files: docs.Files}
	engine.GET("/openapi.yaml", reference.Spec)
	engine.GET("/docs", reference.Page)
	engine.GET("/docs/swagger-ui-bundle.js", reference.Asset("swagger-ui-bundle.js", "text/javascript; charset=utf-8"))
	engine.GET("/docs/swagger-ui.css", reference.Asset("swagger-ui.css", "text/css; charset=utf-8"))
	engine.GET("/docs/api-docs.js", reference.Asset("api-docs.js", "text/javascript; charset=utf-8"))
	// The web console: its page and its assets, compressed (the API's
	// responses are left as they are).
	console := controllers.ConsoleController{Files: web.Files, Missing: middleware.NoRoute}
	compressed := engine.Group("", gzip.Gzip(gzip.DefaultCompression))
	compressed.GET("/", console.Page)
	compressed.GET("/assets/*file", console.Asset)

	bodies := middleware.NewGate(d.Config.HTTP.BodyBudgetBytes, d.Config.HTTP.BodyBudgetWait)
	api := engine.Group(APIPrefix, middleware.ParseParams(d.Config.HTTP.MaxBodyBytes, bodies))
	// Every request's database work ends by database.request_timeout,
	// but the export's: it streams for as long as the file takes, each
	// read bounded by the driver's read timeout instead.
	bounded := api.Group("", middleware.Deadline(d.Config.Database.RequestTimeout))
	streaming := api.Group("", middleware.Authenticate(d.Auth))
	// Lead files are up to MaxLeadFileBytes: the token (header or query,
	// never the body) and the permission are checked before the body is
	// read, and only import.concurrency files are read at once.
	uploads := engine.Group(APIPrefix, middleware.ParseQuery(),
		middleware.Deadline(d.Config.Import.Timeout), middleware.Authenticate(d.Auth))
	importing := middleware.Gated(middleware.NewGate(int64(d.Config.Import.Concurrency), d.Config.Import.MaxWait))
	leadFile := middleware.ParseUpload(MaxLeadFileBytes, d.Config.HTTP.MaxBodyBytes, "file")

	// Public: these check credentials or the presented token themselves.
	bounded.POST("/token", h(tokens.Login))
	bounded.PATCH("/token", h(tokens.Refresh))
	bounded.DELETE("/token", h(tokens.Logout))

	// Everything else needs a valid token, then the permission named.
	user := bounded.Group("", middleware.Authenticate(d.Auth))
	can := middleware.Require

	// Writes to staff, roles and menus (and a password change, which ends
	// the user's other sessions) retire the cached sessions, users, roles
	// and menus once they have committed: the change applies to the very
	// next request here, and within auth.cache_ttl on other replicas.
	changesAccess := middleware.RetireCachedAccess(d.Changes)
	// Creating POSTs take an Idempotency-Key. An attempt runs for at most
	// the request timeout, plus as long again queued for a write: a claim
	// older than that never committed.
	staleAfter := 3 * d.Config.Database.RequestTimeout
	idempotent := func(replay middleware.Replayer) gin.HandlerFunc {
		return middleware.Idempotency(d.DB, d.Clock, staleAfter, replay, d.Log)
	}

	user.GET("/menu", h(menus.Mine))                                     // any authenticated user: the menu follows the role
	user.GET("/me", h(users.Me))                                         // any authenticated user
	user.POST("/me/password", changesAccess, h(users.ChangeOwnPassword)) // any authenticated user; needs the old password
	user.GET("/permission", h(roles.Permissions))                        // any authenticated user: the keys and what they mean

	// Patients. Every {id} route finds the patient within the caller's
	// data scope (46001 outside it); finer rules (others' patients,
	// arrivals, authors) are the model's.
	user.GET("/patient", can(access.PermPatientList), h(patients.List)) // deleted=1 also needs patient.restore
	user.POST("/patient", can(access.PermPatientCreate), idempotent(patients.Replay), h(patients.Create))
	user.GET("/patient/duplicates", can(access.PermPatientList), h(patients.Duplicates))
	user.POST("/patient/reassign", can(access.PermPatientReassign), h(patients.Reassign))
	streaming.GET("/patient/export", can(access.PermPatientExport), export.Export) // a file, not JSON
	user.GET("/patient/:id", can(access.PermPatientList), h(patients.Get))
	user.PATCH("/patient/:id", can(access.PermPatientEdit), h(patients.Update))
	user.DELETE("/patient/:id", can(access.PermPatientDelete), h(patients.Delete))
	user.POST("/patient/:id/restore", can(access.PermPatientRestore), h(patients.Restore))
	user.DELETE("/patient/:id/purge", can(access.PermPatientPurge), h(patients.Purge))
	user.GET("/patient/:id/history", can(access.PermPatientList), h(patients.History))
	// Follow-ups: recording one is an edit of the patient (patient.edit_all
	// for others', checked by the model).
	user.POST("/patient/:id/followups", can(access.PermPatientEdit), idempotent(followups.Replay), h(followups.Create))
	user.GET("/patient/:id/followups", can(access.PermPatientList), h(followups.List))
	user.GET("/followup/due", can(access.PermPatientList), h(followups.Due))
	// Lead import: leads become patients of the caller (or of author_id,
	// with patient.register_for_others, checked by the model).
	streaming.GET("/patient/import/template", can(access.PermPatientImport), leads.Template) // a file, not JSON
	uploads.POST("/patient/import/preview", can(access.PermPatientImport), importing, leadFile, h(leads.Preview))
	uploads.POST("/patient/import", can(access.PermPatientImport), importing, leadFile, h(leads.Import))
	// Visits: booking and recording one is an edit of the patient (the
	// model checks patient.edit_all, patient.confirm_arrival for an arrival
	// and visit.charge for an amount).
	user.POST("/patient/:id/visits", can(access.PermPatientEdit), idempotent(visits.Replay), h(visits.Create))
	user.GET("/patient/:id/visits", can(access.PermPatientList), h(visits.List))
	user.PATCH("/visit/:id", can(access.PermPatientEdit), h(visits.Update))

	// The appointment book: schedules are the managers'; booking, moving and
	// ending an appointment are edits of its patient (the model checks
	// patient.edit_all, and patient.confirm_arrival for an arrival).
	user.GET("/schedule/:id", can(access.PermPatientList), h(book.Schedule))
	user.PUT("/schedule/:id", can(access.PermScheduleManage), h(book.SaveSchedule))
	user.GET("/slots", can(access.PermPatientList), h(book.Slots))
	user.GET("/appointment", can(access.PermPatientList), h(book.List))
	user.PATCH("/appointment/:id", can(access.PermPatientEdit), h(book.Update))
	user.POST("/patient/:id/appointments", can(access.PermPatientEdit), idempotent(book.Replay), h(book.Book))
	user.GET("/patient/:id/appointments", can(access.PermPatientList), h(book.OfPatient))
	// Reminders: their rules and template, and the send log, are the
	// managers' (the worker in serve.go sends them).
	user.GET("/reminder/settings", can(access.PermScheduleManage), h(reminders.Settings))
	user.PUT("/reminder/settings", can(access.PermScheduleManage), h(reminders.SaveSettings))
	user.GET("/reminder/outbox", can(access.PermScheduleManage), h(reminders.Outbox))

	// Dictionaries: all of them for the frontend's cache, then each one's
	// administration.
	user.GET("/dict", h(dicts.All)) // any authenticated user
	for _, kind := range dict.DictKinds() {
		one, path := dicts.Of(kind), "/dict/"+string(kind)
		user.GET(path, can(access.PermDictManage), h(one.List))
		user.POST(path, can(access.PermDictManage), idempotent(nil), h(one.Create))
		user.PUT(path+"/order", can(access.PermDictManage), h(one.Reorder))
		user.PATCH(path+"/:id", can(access.PermDictManage), h(one.Update))
		user.DELETE(path+"/:id", can(access.PermDictManage), h(one.Delete))
	}

	// Staff, roles, menus. The models refuse what would raise anyone above
	// the caller's own permissions.
	user.GET("/user", can(access.PermUserManage), h(users.List))
	user.POST("/user", can(access.PermUserManage), changesAccess, idempotent(nil), h(users.Create))
	user.PATCH("/user/:id", can(access.PermUserManage), changesAccess, h(users.Update))
	user.DELETE("/user/:id", can(access.PermUserManage), changesAccess, h(users.Delete))
	user.POST("/user/:id/password", can(access.PermUserManage), changesAccess, h(users.ResetPassword))
	user.GET("/role", can(access.PermRoleManage), h(roles.List))
	user.POST("/role", can(access.PermRoleManage), changesAccess, idempotent(nil), h(roles.Create))
	user.PATCH("/role/:id", can(access.PermRoleManage), changesAccess, h(roles.Update))
	user.DELETE("/role/:id", can(access.PermRoleManage), changesAccess, h(roles.Delete))
	user.GET("/menus", can(access.PermMenuManage), h(menus.Tree))
	user.POST("/menus", can(access.PermMenuManage), changesAccess, idempotent(nil), h(menus.Create))
	user.PATCH("/menus/:id", can(access.PermMenuManage), changesAccess, h(menus.Update))
	user.DELETE("/menus/:id", can(access.PermMenuManage), changesAccess, h(menus.Delete))

	// Figures, in the clinic's calendar and the caller's data scope.
	user.GET("/dashboard", can(access.PermPatientList), h(reports.Dashboard))
	user.GET("/report", can(access.PermReportView), h(reports.Report))
	user.GET("/rank", can(access.PermReportView), h(reports.Rank))
	user.GET("/report/revenue", can(access.PermReportView), h(reports.Revenue))
	user.GET("/report/funnel", can(access.PermReportView), h(reports.Funnel))
	user.GET("/report/followups", can(access.PermReportView), h(reports.Followups))
	user.GET("/report/appointments", can(access.PermReportView), h(reports.Appointments))

	// Notices (通知管理) and the clinic's settings (参数设置). A settings
	// change retires the cached settings as access changes do.
	user.GET("/notice", h(notices.List)) // any authenticated user: the notices addressed to its role
	user.POST("/notice", can(access.PermNoticeManage), idempotent(nil), h(notices.Create))
	user.PATCH("/notice/:id", can(access.PermNoticeManage), h(notices.Update))
	user.DELETE("/notice/:id", can(access.PermNoticeManage), h(notices.Delete))
	user.POST("/notice/:id/read", h(notices.Read)) // any authenticated user, of a notice addressed to it
	user.GET("/setting", h(settings.Get))          // any authenticated user
	user.PATCH("/setting", can(access.PermSettingManage), changesAccess, h(settings.Update))

	// The operation log is read-only here: no route changes or deletes it.
	user.GET("/log", can(access.PermLogView), h(oplog.List))

	return engine, nil
}

// PublicRoutes are the routes that answer without a token; a test checks
// that every other route refuses a request without one.
func PublicRoutes() []string {
	return []string{
		"GET /healthz",
		"GET /readyz",
		"GET /openapi.yaml",
		"GET /docs",
		"GET /docs/swagger-ui-bundle.js",
		"GET /docs/swagger-ui.css",
		"GET /docs/api-docs.js",
		"GET /",
		"GET /assets/*file",
		"POST " + APIPrefix + "/token",
		"PATCH " + APIPrefix + "/token",
		"DELETE " + APIPrefix + "/token",
	}
}

// trailingSlashOptional serves /path/ as /path. The frontend writes the
// slash, curl users often do not; a redirect instead would break CORS
// preflights, which browsers do not follow.
func trailingSlashOptional(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; len(p) > 1 && strings.HasSuffix(p, "/") {
			r.URL.Path = strings.TrimRight(p, "/")
			if r.URL.Path == "" {
				r.URL.Path = "/"
			}
			r.URL.RawPath = ""
		}
		next.ServeHTTP(w, r)
	})
}

// ClinicDefaults are the clinic's settings before any change: config.yaml's.
func ClinicDefaults(c config.Config) settings.ClinicSettings {
	return settings.ClinicSettings{ClinicName: c.Clinic.Name, TimeZone: c.Clinic.TimeZone,
		LogRetentionDays: c.Audit.RetentionDays, DefaultPageSize: c.Clinic.DefaultPageSize}
}
