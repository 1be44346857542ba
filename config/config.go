// Package config is the server's whole configuration: one struct, read from
// config.yaml and overridden key by key by CRM_* environment variables.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"strings"
	"time"
	_ "time/tzdata" // the clinic's zone must load even where the system has no zoneinfo

	mysqldriver "github.com/go-sql-driver/mysql"
	"github.com/spf13/viper"
)

type Config struct {
	HTTP      HTTP      `mapstructure:"http"`
	Database  Database  `mapstructure:"database"`
	Auth      Auth      `mapstructure:"auth"`
	Admin     Admin     `mapstructure:"admin"`
	Log       Log       `mapstructure:"log"`
	Audit     Audit     `mapstructure:"audit"`
	Clinic    Clinic    `mapstructure:"clinic"`
	Redis     Redis     `mapstructure:"redis"`
	Metrics   Metrics   `mapstructure:"metrics"`
	Import    Import    `mapstructure:"import"`
	Book      Book      `mapstructure:"appointments"`
	Reminders Reminders `mapstructure:"reminders"`
}

// Reminders is how appointment reminders are sent (what and when are the
// clinic's settings, off until a manager enables them): by Provider, log
// (the default: sends nothing, records what would go), aliyun or tencent.
// Every server process runs the worker every Every; each reminder is sent
// at most once however many run.
type Reminders struct {
	Provider    string        `mapstructure:"provider"`
	Every       time.Duration `mapstructure:"every"`
	Batch       int           `mapstructure:"batch"`
	Concurrency int           `mapstructure:"concurrency"`
	MaxAttempts int           `mapstructure:"max_attempts"`
	Backoff     time.Duration `mapstructure:"backoff"`
	Lease       time.Duration `mapstructure:"lease"`
	SendTimeout time.Duration `mapstructure:"send_timeout"`
	Aliyun      AliyunSMS     `mapstructure:"aliyun"`
	Tencent     TencentSMS    `mapstructure:"tencent"`
}

// AliyunSMS is Alibaba Cloud SMS. The keys come from the environment
// only (CRM_REMINDERS_ALIYUN_ACCESS_KEY_ID, …_SECRET).
type AliyunSMS struct {
	Endpoint        string   `mapstructure:"endpoint"`
	AccessKeyID     string   `mapstructure:"access_key_id"`
	AccessKeySecret string   `mapstructure:"access_key_secret"`
	SignName        string   `mapstructure:"sign_name"`
	TemplateCode    string   `mapstructure:"template_code"`
	Params          []string `mapstructure:"params"`
}

// TencentSMS is Tencent Cloud SMS. The keys come from the environment
// only (CRM_REMINDERS_TENCENT_SECRET_ID, …_KEY).
type TencentSMS struct {
	Endpoint   string   `mapstructure:"endpoint"`
	Region     string   `mapstructure:"region"`
	SecretID   string   `mapstructure:"secret_id"`
	SecretKey  string   `mapstructure:"secret_key"`
	SdkAppID   string   `mapstructure:"sdk_app_id"`
	SignName   string   `mapstructure:"sign_name"`
	TemplateID string   `mapstructure:"template_id"`
	Params     []string `mapstructure:"params"`
}

// reminderKeys are the SMS vendors' credentials: never in a file.
var reminderKeys = []string{"reminders.aliyun.access_key_id", "reminders.aliyun.access_key_secret",
	"reminders.tencent.secret_id", "reminders.tencent.secret_key"}

// Book is the appointment book's job: an appointment still booked
// NoShowAfter past its slot's end becomes no_show, checked every
// NoShowEvery by every server process (the job is safe to run at once).
type Book struct {
	NoShowAfter time.Duration `mapstructure:"no_show_after"`
	NoShowEvery time.Duration `mapstructure:"no_show_every"`
}

// Import bounds the lead-file imports (线索导入): each holds its file and
// its rows in memory, so only so many run at once.
type Import struct {
	// Concurrency is how many files are read and imported at once; more
	// wait up to MaxWait, then answer 45011.
	Concurrency int           `mapstructure:"concurrency"`
	MaxWait     time.Duration `mapstructure:"max_wait"`
	// ParseTimeout bounds reading one file; past it the file is refused
	// with 40035 saying so.
	ParseTimeout time.Duration `mapstructure:"parse_timeout"`
	// Timeout bounds a whole import request (the file read, checked and
	// written) in place of database.request_timeout: 20,000 leads take
	// seconds. At most http.write_timeout, which cuts any response off.
	Timeout time.Duration `mapstructure:"timeout"`
}

// Metrics is where /metrics (Prometheus) listens: an address of its own,
// never the API's, so it is not exposed where the API is. Empty: off.
type Metrics struct {
	Addr string `mapstructure:"addr"`
}

// Clinic is where the clinic is: reports, the dashboard and exports use
// its calendar.
type Clinic struct {
	TimeZone string `mapstructure:"timezone"`
	// Name and DefaultPageSize, with TimeZone and audit.retention_days,
	// are the defaults of the settings the superadmin changes at runtime
	// (参数设置, GET/PATCH /setting).
	Name            string `mapstructure:"name"`
	DefaultPageSize int    `mapstructure:"default_page_size"`
}

// Location is the clinic's time zone; Validate has checked it loads.
func (c Clinic) Location() *time.Location {
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

type HTTP struct {
	Addr            string   `mapstructure:"addr"`
	CORSOrigins     []string `mapstructure:"cors_origins"`
	TrustedProxies  []string `mapstructure:"trusted_proxies"`
	RealStatusCodes bool     `mapstructure:"real_status_codes"`
	MaxBodyBytes    int64    `mapstructure:"max_body_bytes"`
	// BodyBudgetBytes bounds the bytes of request bodies held in memory at
	// once, server-wide (bodies are read before the token is known: the
	// legacy frontend sends it in the body); a body past the budget waits
	// up to BodyBudgetWait, then answers 45011. GETs take none of it.
	BodyBudgetBytes   int64         `mapstructure:"body_budget_bytes"`
	BodyBudgetWait    time.Duration `mapstructure:"body_budget_wait"`
	MaxHeaderBytes    int           `mapstructure:"max_header_bytes"`
	ReadHeaderTimeout time.Duration `mapstructure:"read_header_timeout"`
	ReadTimeout       time.Duration `mapstructure:"read_timeout"`
	WriteTimeout      time.Duration `mapstructure:"write_timeout"`
	IdleTimeout       time.Duration `mapstructure:"idle_timeout"`
	ShutdownTimeout   time.Duration `mapstructure:"shutdown_timeout"`
}

type Database struct {
	Driver          string        `mapstructure:"driver"`
	DSN             string        `mapstructure:"dsn"`
	MaxOpenConns    int           `mapstructure:"max_open_conns"`
	ConnMaxLifetime time.Duration `mapstructure:"conn_max_lifetime"`
	ConnectTimeout  time.Duration `mapstructure:"connect_timeout"`
	SlowQuery       time.Duration `mapstructure:"slow_query"`
	// RequestTimeout bounds the database work of one API request (the
	// export, which streams for as long as the file takes, excepted): a
	// silent database answers 50002 by then instead of hanging.
	RequestTimeout time.Duration `mapstructure:"request_timeout"`
	// ReadTimeout and WriteTimeout bound each read and write on a MySQL
	// connection (the driver's readTimeout/writeTimeout): the export's
	// stream and the background jobs stop waiting for a silent server too.
	ReadTimeout  time.Duration `mapstructure:"read_timeout"`
	WriteTimeout time.Duration `mapstructure:"write_timeout"`
	// Replicas are DSNs of MySQL read replicas. Reports, the dashboard,
	// the ranking and exports read from them (figures a moment behind do
	// no harm there); everything else, patient reads after a write
	// included, stays on the primary.
	Replicas []string `mapstructure:"replicas"`
}

type Auth struct {
	JWTSecret         string        `mapstructure:"jwt_secret"`
	Issuer            string        `mapstructure:"issuer"`
	Audience          string        `mapstructure:"audience"`
	TokenTTL          time.Duration `mapstructure:"token_ttl"`
	RefreshWindow     time.Duration `mapstructure:"refresh_window"`
	BcryptCost        int           `mapstructure:"bcrypt_cost"`
	BcryptConcurrency int           `mapstructure:"bcrypt_concurrency"`
	BcryptMaxWait     time.Duration `mapstructure:"bcrypt_max_wait"`
	Throttle          Throttle      `mapstructure:"login_throttle"`
	// CacheTTL bounds how long a session, its user and role (and a role's
	// menu) are served from memory. Changes made through this process take
	// effect on the next request; changes made elsewhere within CacheTTL.
	CacheTTL time.Duration `mapstructure:"cache_ttl"`
	// ClockSkew is how long past its expiry an access token is still
	// accepted: replicas' clocks differ by a few seconds.
	ClockSkew time.Duration `mapstructure:"clock_skew"`
	// RotationGrace is how long the token a refresh just replaced may
	// still be presented for a refresh (a second tab) without being taken
	// for a stolen one, which would end the session.
	RotationGrace time.Duration `mapstructure:"rotation_grace"`
}

// Throttle is three budgets of token buckets: Burst attempts at once, then
// one more every Every. Per username and client address; per address, of
// which a successful login gives its attempt back; and, for the whole
// service, the bcrypt checks spent on usernames that do not exist.
type Throttle struct {
	UserAddressBurst int           `mapstructure:"user_address_burst"`
	UserAddressEvery time.Duration `mapstructure:"user_address_every"`
	AddressBurst     int           `mapstructure:"address_burst"`
	AddressEvery     time.Duration `mapstructure:"address_every"`
	UnknownBurst     int           `mapstructure:"unknown_burst"`
	UnknownEvery     time.Duration `mapstructure:"unknown_every"`
}

// Redis, when Addr is set, holds what replicas must share: the login
// throttle's buckets and the news that cached sessions, users and roles
// changed.
type Redis struct {
	Addr     string `mapstructure:"addr"`
	Password string `mapstructure:"password"`
	DB       int    `mapstructure:"db"`
}

type Admin struct {
	Username string `mapstructure:"username"`
	Password string `mapstructure:"password"`
}

// Audit is the operation log's retention; old sessions go with it.
type Audit struct {
	RetentionDays int           `mapstructure:"retention_days"`
	PruneInterval time.Duration `mapstructure:"prune_interval"`
	PruneBatch    int           `mapstructure:"prune_batch"`
}

type Log struct {
	Level  string `mapstructure:"level"`
	Format string `mapstructure:"format"`
}

// MinSecretBytes: HS256 keys shorter than the hash output weaken the MAC, and
// golang-jwt does not check the length itself.
const MinSecretBytes = 32

// Default is the configuration when no file and no environment says otherwise.
func Default() Config {
	return Config{
		HTTP: HTTP{
			Addr:              ":8080",
			MaxBodyBytes:      1 << 20,
			BodyBudgetBytes:   32 << 20,
			BodyBudgetWait:    2 * time.Second,
			MaxHeaderBytes:    64 << 10,
			ReadHeaderTimeout: 5 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      30 * time.Second,
			IdleTimeout:       120 * time.Second,
			ShutdownTimeout:   20 * time.Second,
		},
		Database: Database{
			Driver:          "sqlite",
			DSN:             "data/crm.db",
			MaxOpenConns:    20,
			ConnMaxLifetime: 3 * time.Minute,
			ConnectTimeout:  60 * time.Second,
			SlowQuery:       500 * time.Millisecond,
			RequestTimeout:  10 * time.Second,
			ReadTimeout:     30 * time.Second,
			WriteTimeout:    30 * time.Second,
		},
		Auth: Auth{
			Issuer:            "clinic-crm",
			Audience:          "clinic-crm-admin",
			TokenTTL:          7200 * time.Second,
			RefreshWindow:     7 * 24 * time.Hour,
			BcryptCost:        10,
			BcryptConcurrency: 0,
			BcryptMaxWait:     3 * time.Second,
			CacheTTL:          time.Second,
			ClockSkew:         30 * time.Second,
			RotationGrace:     10 * time.Second,
			Throttle: Throttle{
				UserAddressBurst: 5,
				UserAddressEvery: time.Minute,
				AddressBurst:     30,
				AddressEvery:     2 * time.Second,
				UnknownBurst:     20,
				UnknownEvery:     200 * time.Millisecond,
			},
		},
		Admin:  Admin{Username: "admin"},
		Log:    Log{Level: "info", Format: "text"},
		Audit:  Audit{RetentionDays: 365, PruneInterval: 24 * time.Hour, PruneBatch: 1000},
		Clinic: Clinic{TimeZone: "Asia/Shanghai", Name: "诊所", DefaultPageSize: 30},
		Import: Import{Concurrency: 2, MaxWait: 3 * time.Second, ParseTimeout: 5 * time.Second, Timeout: 25 * time.Second},
		Book:   Book{NoShowAfter: 2 * time.Hour, NoShowEvery: time.Minute},
		Reminders: Reminders{Provider: "log", Every: 15 * time.Second, Batch: 100, Concurrency: 8, MaxAttempts: 5,
			Backoff: time.Minute, Lease: 5 * time.Minute, SendTimeout: 10 * time.Second,
			Aliyun: AliyunSMS{Endpoint: "https://dysmsapi.aliyuncs.com", Params: []string{"name", "time", "doctor", "clinic"}},
			Tencent: TencentSMS{Endpoint: "https://sms.tencentcloudapi.com", Region: "ap-guangzhou",
				Params: []string{"name", "time", "doctor", "clinic"}}},
	}
}

// Load reads path (if it exists; an explicitly named file must exist) and
// then the environment. Every key of Default can be overridden by CRM_ plus
// the key in upper case with dots as underscores: auth.token_ttl is
// CRM_AUTH_TOKEN_TTL.
func Load(path string, mustExist bool) (Config, error) {
	v := viper.New()
	setDefaults(v, Default())
	v.SetEnvPrefix("CRM")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()

	if path != "" {
		v.SetConfigFile(path)
		v.SetConfigType("yaml")
		if err := v.ReadInConfig(); err != nil {
			var notFound *os.PathError
			if mustExist || !errors.As(err, &notFound) {
				return Config{}, fmt.Errorf("read config %s: %w", path, err)
			}
		}
	}

	for _, key := range reminderKeys {
		env := "CRM_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
		if v.InConfig(key) && os.Getenv(env) == "" && v.GetString(key) != "" {
			return Config{}, fmt.Errorf("config: %s is a secret: set it in %s, not in %s", key, env, path)
		}
	}
	var cfg Config
	if err := v.Unmarshal(&cfg); err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	cfg.HTTP.CORSOrigins = cleanList(cfg.HTTP.CORSOrigins)
	cfg.HTTP.TrustedProxies = cleanList(cfg.HTTP.TrustedProxies)
	cfg.Database.Replicas = cleanList(cfg.Database.Replicas)
	return cfg, cfg.Validate()
}

// setDefaults registers every key with its default, which is also what
// lets AutomaticEnv reach keys that the file does not mention.
func setDefaults(v *viper.Viper, d Config) {
	walk(reflect.ValueOf(d), "", func(key string, value reflect.Value) { v.SetDefault(key, value.Interface()) })
}

// Keys lists every configuration key ("auth.token_ttl"); its environment
// variable is CRM_ + the key in upper case with dots as underscores.
func Keys() []string {
	var keys []string
	walk(reflect.ValueOf(Default()), "", func(key string, _ reflect.Value) { keys = append(keys, key) })
	return keys
}

func walk(v reflect.Value, prefix string, visit func(key string, value reflect.Value)) {
	for i := range v.NumField() {
		field := v.Type().Field(i)
		key := prefix + field.Tag.Get("mapstructure")
		if field.Type.Kind() == reflect.Struct {
			walk(v.Field(i), key+".", visit)
		} else {
			visit(key, v.Field(i))
		}
	}
}

func cleanList(items []string) []string {
	var out []string
	for _, item := range items {
		for _, part := range strings.Split(item, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

// Validate refuses settings the server cannot run safely with.
func (c Config) Validate() error {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	switch c.Database.Driver {
	case "sqlite", "mysql":
	default:
		add("database.driver must be sqlite or mysql, not %q", c.Database.Driver)
	}
	if strings.TrimSpace(c.Database.DSN) == "" {
		add("database.dsn is empty")
	}
	if c.Database.MaxOpenConns < 1 {
		add("database.max_open_conns must be at least 1")
	}
	if len(c.Database.Replicas) > 0 && c.Database.Driver != "mysql" {
		add("database.replicas are for mysql only")
	}
	for i, dsn := range c.Database.Replicas {
		if _, err := mysqldriver.ParseDSN(dsn); err != nil {
			add("database.replicas[%d] is not a valid MySQL DSN", i)
		}
	}
	if c.Database.RequestTimeout < 100*time.Millisecond || c.Database.RequestTimeout > 10*time.Minute {
		add("database.request_timeout must be between 100ms and 10m")
	}
	if c.Database.ReadTimeout < time.Second || c.Database.WriteTimeout < time.Second {
		add("database.read_timeout and database.write_timeout must be at least 1s")
	}
	if p := c.Admin.Password; p != "" && (len(p) < 8 || len(p) > 72) {
		add("admin.password (CRM_ADMIN_PASSWORD) must be 8-72 bytes, got %d (or empty, to generate one)", len(p))
	}
	if s := c.Auth.JWTSecret; s != "" && len(s) < MinSecretBytes {
		add("auth.jwt_secret is %d bytes; it must be at least %d (or empty, to generate one and keep it in the database)", len(s), MinSecretBytes)
	}
	if c.Auth.TokenTTL <= 0 {
		add("auth.token_ttl must be positive")
	}
	if c.Auth.RefreshWindow < c.Auth.TokenTTL {
		add("auth.refresh_window must not be shorter than auth.token_ttl")
	}
	if c.Auth.BcryptCost < 4 || c.Auth.BcryptCost > 31 {
		add("auth.bcrypt_cost must be between 4 and 31")
	}
	if c.Auth.BcryptConcurrency < 0 {
		add("auth.bcrypt_concurrency must be 0 (one per CPU) or more")
	}
	if c.Auth.ClockSkew < 0 || c.Auth.ClockSkew > 5*time.Minute {
		add("auth.clock_skew must be between 0 and 5m")
	}
	if c.Auth.RotationGrace < 0 || c.Auth.RotationGrace > time.Minute {
		add("auth.rotation_grace must be between 0 and 1m")
	}
	if c.Auth.CacheTTL < 0 || c.Auth.CacheTTL > time.Minute {
		add("auth.cache_ttl must be between 0 (no cache) and 1m")
	}
	t := c.Auth.Throttle
	if t.UserAddressBurst < 1 || t.AddressBurst < 1 || t.UnknownBurst < 1 ||
		t.UserAddressEvery <= 0 || t.AddressEvery <= 0 || t.UnknownEvery <= 0 {
		add("auth.login_throttle bursts must be at least 1 and intervals positive")
	}
	if c.HTTP.MaxBodyBytes < 1024 {
		add("http.max_body_bytes must be at least 1024")
	}
	if c.HTTP.BodyBudgetBytes < c.HTTP.MaxBodyBytes || c.HTTP.BodyBudgetWait < 0 {
		add("http.body_budget_bytes must be at least http.max_body_bytes, and http.body_budget_wait 0 or more")
	}
	if c.Book.NoShowAfter < 0 || c.Book.NoShowEvery < time.Second {
		add("appointments.no_show_after must be 0 or more, appointments.no_show_every at least 1s")
	}
	r := c.Reminders
	if r.Every < time.Second || r.Batch < 1 || r.Batch > 1000 || r.Concurrency < 1 || r.Concurrency > 64 ||
		r.MaxAttempts < 1 || r.MaxAttempts > 20 || r.Backoff < time.Second || r.Lease < time.Minute || r.SendTimeout < time.Second || r.SendTimeout >= r.Lease {
		add("reminders: every and backoff at least 1s, batch 1-1000, concurrency 1-64, max_attempts 1-20, lease at least 1m, send_timeout at least 1s and under lease")
	}
	switch r.Provider {
	case "log":
	case "aliyun":
		if r.Aliyun.AccessKeyID == "" || r.Aliyun.AccessKeySecret == "" || r.Aliyun.SignName == "" || r.Aliyun.TemplateCode == "" {
			add("reminders.provider aliyun needs CRM_REMINDERS_ALIYUN_ACCESS_KEY_ID and _SECRET in the environment, and reminders.aliyun.sign_name and template_code")
		}
	case "tencent":
		if r.Tencent.SecretID == "" || r.Tencent.SecretKey == "" || r.Tencent.SdkAppID == "" || r.Tencent.SignName == "" || r.Tencent.TemplateID == "" {
			add("reminders.provider tencent needs CRM_REMINDERS_TENCENT_SECRET_ID and _KEY in the environment, and reminders.tencent.sdk_app_id, sign_name and template_id")
		}
	default:
		add("reminders.provider must be log, aliyun or tencent")
	}
	if c.Import.Concurrency < 1 || c.Import.MaxWait < 0 || c.Import.ParseTimeout < 100*time.Millisecond {
		add("import.concurrency must be at least 1, import.max_wait 0 or more, import.parse_timeout at least 100ms")
	}
	if c.Import.Timeout < c.Import.ParseTimeout || c.Import.Timeout > c.HTTP.WriteTimeout {
		add("import.timeout must be at least import.parse_timeout and at most http.write_timeout")
	}
	if c.Audit.RetentionDays < 0 || c.Audit.PruneInterval <= 0 || c.Audit.PruneBatch < 1 || c.Audit.PruneBatch > 10000 {
		add("audit.retention_days must be 0 (keep forever) or more, prune_interval positive, prune_batch 1-10000")
	}
	if c.Clinic.DefaultPageSize < 1 || c.Clinic.DefaultPageSize > 100 {
		add("clinic.default_page_size must be 1-100")
	}
	if _, err := time.LoadLocation(c.Clinic.TimeZone); err != nil || c.Clinic.TimeZone == "" {
		add("clinic.timezone %q is not a time zone name like Asia/Shanghai", c.Clinic.TimeZone)
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		add("log.format must be text or json")
	}
	if _, err := ParseLevel(c.Log.Level); err != nil {
		add("%v", err)
	}
	if len(problems) > 0 {
		return errors.New("invalid configuration: " + strings.Join(problems, "; "))
	}
	return nil
}

func ParseLevel(name string) (slog.Level, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(name)); err != nil {
		return 0, fmt.Errorf("log.level %q is not debug, info, warn or error", name)
	}
	return level, nil
}

// LogValue lets the configuration be logged at start-up with its secrets masked.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("http.addr", c.HTTP.Addr),
		slog.Any("http.cors_origins", c.HTTP.CORSOrigins),
		slog.Any("http.trusted_proxies", c.HTTP.TrustedProxies),
		slog.Bool("http.real_status_codes", c.HTTP.RealStatusCodes),
		slog.String("database.driver", c.Database.Driver),
		slog.String("database.dsn", MaskDSN(c.Database.Driver, c.Database.DSN)),
		slog.Int("database.replicas", len(c.Database.Replicas)),
		slog.Bool("auth.jwt_secret_set", c.Auth.JWTSecret != ""),
		slog.Duration("auth.token_ttl", c.Auth.TokenTTL),
		slog.Duration("auth.refresh_window", c.Auth.RefreshWindow),
		slog.Int("auth.bcrypt_cost", c.Auth.BcryptCost),
		slog.String("admin.username", c.Admin.Username),
		slog.String("redis.addr", c.Redis.Addr),
		slog.String("metrics.addr", c.Metrics.Addr),
		slog.String("log.level", c.Log.Level),
		slog.String("reminders.provider", c.Reminders.Provider),
	)
}

// MaskDSN hides a MySQL password so the DSN can be logged.
func MaskDSN(driver, dsn string) string {
	if driver != "mysql" {
		return dsn
	}
	parsed, err := mysqldriver.ParseDSN(dsn)
	if err != nil {
		return "(unparseable mysql dsn)"
	}
	if parsed.Passwd != "" {
		parsed.Passwd = "xxxxx"
	}
	return parsed.FormatDSN()
}
