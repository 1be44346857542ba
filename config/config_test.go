package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// clearEnv keeps the machine's CRM_* variables out of these tests.
func clearEnv(t *testing.T) {
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "CRM_") {
			t.Setenv(name, "")
			os.Unsetenv(name)
		}
	}
}

func TestConfigFileMatchesDefaults(t *testing.T) {
	clearEnv(t)
	cfg, err := Load("../config.yaml", true)
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("config.yaml and Default() disagree:\nfile:    %+v\ndefault: %+v", cfg, want)
	}
	// Every key is written out (documented) in the file.
	text, err := os.ReadFile("../config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range Keys() {
		leaf := key[strings.LastIndex(key, ".")+1:]
		if !strings.Contains(string(text), "\n  "+leaf+":") && !strings.Contains(string(text), "\n    "+leaf+":") {
			t.Errorf("config.yaml does not document %s", key)
		}
	}
}

func TestNoFileMeansDefaults(t *testing.T) {
	clearEnv(t)
	cfg, err := Load(filepath.Join(t.TempDir(), "absent.yaml"), false)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg, Default()) {
		t.Errorf("%+v", cfg)
	}
	d := Default()
	if d.HTTP.Addr != ":8080" || d.Database.Driver != "sqlite" || d.Auth.TokenTTL != 7200*time.Second ||
		d.Auth.RefreshWindow != 7*24*time.Hour || d.Auth.JWTSecret != "" || d.Admin.Password != "" {
		t.Errorf("defaults: %+v", d)
	}
}

func TestExplicitFileMustExist(t *testing.T) {
	clearEnv(t)
	if _, err := Load(filepath.Join(t.TempDir(), "absent.yaml"), true); err == nil {
		t.Error("a named config file that does not exist must be an error")
	}
}

// The names operators' scripts rely on.
func TestEnvironmentOverrides(t *testing.T) {
	clearEnv(t)
	secret := strings.Repeat("s", 40)
	for name, value := range map[string]string{
		"CRM_HTTP_ADDR":                         "127.0.0.1:9000",
		"CRM_DATABASE_DRIVER":                   "mysql",
		"CRM_DATABASE_DSN":                      "crm:pw@tcp(db:3306)/crm",
		"CRM_AUTH_JWT_SECRET":                   secret,
		"CRM_AUTH_TOKEN_TTL":                    "600s",
		"CRM_AUTH_REFRESH_WINDOW":               "24h",
		"CRM_ADMIN_PASSWORD":                    "first-password",
		"CRM_ADMIN_USERNAME":                    "root",
		"CRM_HTTP_CORS_ORIGINS":                 "https://a.example, https://b.example",
		"CRM_HTTP_TRUSTED_PROXIES":              "10.0.0.0/8",
		"CRM_HTTP_REAL_STATUS_CODES":            "true",
		"CRM_AUTH_LOGIN_THROTTLE_ADDRESS_BURST": "7",
	} {
		t.Setenv(name, value)
	}
	cfg, err := Load("../config.yaml", true)
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.HTTP.Addr = "127.0.0.1:9000"
	want.Database.Driver = "mysql"
	want.Database.DSN = "crm:pw@tcp(db:3306)/crm"
	want.Auth.JWTSecret = secret
	want.Auth.TokenTTL = 600 * time.Second
	want.Auth.RefreshWindow = 24 * time.Hour
	want.Admin.Password = "first-password"
	want.Admin.Username = "root"
	want.HTTP.CORSOrigins = []string{"https://a.example", "https://b.example"}
	want.HTTP.TrustedProxies = []string{"10.0.0.0/8"}
	want.HTTP.RealStatusCodes = true
	want.Auth.Throttle.AddressBurst = 7
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("got  %+v\nwant %+v", cfg, want)
	}
}

func TestInvalidSettingsRefused(t *testing.T) {
	for name, c := range map[string]struct {
		env, value, mention string
	}{
		"short secret":     {"CRM_AUTH_JWT_SECRET", "too-short", "at least 32"},
		"unknown driver":   {"CRM_DATABASE_DRIVER", "postgres", "sqlite or mysql"},
		"bad duration":     {"CRM_AUTH_TOKEN_TTL", "two hours", "token_ttl"},
		"window below ttl": {"CRM_AUTH_REFRESH_WINDOW", "1s", "refresh_window"},
		"bcrypt cost":      {"CRM_AUTH_BCRYPT_COST", "3", "bcrypt_cost"},
		"log level":        {"CRM_LOG_LEVEL", "loud", "log.level"},
		"empty dsn":        {"CRM_DATABASE_DSN", " ", ""},
		"tiny body limit":  {"CRM_HTTP_MAX_BODY_BYTES", "10", "max_body_bytes"},
		"throttle burst":   {"CRM_AUTH_LOGIN_THROTTLE_USER_ADDRESS_BURST", "0", "login_throttle"},
		"admin password":   {"CRM_ADMIN_PASSWORD", "abc", "admin.password"},
		"request timeout":  {"CRM_DATABASE_REQUEST_TIMEOUT", "1ms", "request_timeout"},
		"clock skew":       {"CRM_AUTH_CLOCK_SKEW", "1h", "clock_skew"},
		"rotation grace":   {"CRM_AUTH_ROTATION_GRACE", "-1s", "rotation_grace"},
	} {
		t.Run(name, func(t *testing.T) {
			clearEnv(t)
			t.Setenv(c.env, c.value)
			_, err := Load("../config.yaml", true)
			if err == nil || !strings.Contains(err.Error(), c.mention) {
				t.Errorf("%s=%q: error %v, want one mentioning %q", c.env, c.value, err, c.mention)
			}
		})
	}
}

func TestLogValueMasksSecrets(t *testing.T) {
	cfg := Default()
	cfg.Auth.JWTSecret = strings.Repeat("k", 40)
	cfg.Admin.Password = "admin-secret"
	cfg.Database.Driver = "mysql"
	cfg.Database.DSN = "crm:db-password@tcp(db:3306)/crm"
	text := cfg.LogValue().String()
	for _, secret := range []string{cfg.Auth.JWTSecret, "admin-secret", "db-password"} {
		if strings.Contains(text, secret) {
			t.Errorf("logged configuration contains %q: %s", secret, text)
		}
	}
	if !strings.Contains(text, "crm:xxxxx@tcp(db:3306)/crm") {
		t.Errorf("the DSN should be logged with its password masked: %s", text)
	}
}
