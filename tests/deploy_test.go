package tests

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"crm/config"
)

// No Docker engine runs where the tests run, so the deployment files are
// checked as files: what compose and docker would need from them.

type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Image       string                       `yaml:"image"`
	Build       any                          `yaml:"build"`
	Command     []string                     `yaml:"command"`
	Environment map[string]string            `yaml:"environment"`
	Volumes     []string                     `yaml:"volumes"`
	Ports       []string                     `yaml:"ports"`
	DependsOn   map[string]map[string]string `yaml:"depends_on"`
	Healthcheck struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
}

func loadCompose(t *testing.T) composeFile {
	t.Helper()
	raw, err := os.ReadFile("../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	return c
}

func TestComposeDatabaseService(t *testing.T) {
	db, ok := loadCompose(t).Services["db"]
	if !ok {
		t.Fatal("no db service")
	}
	if !strings.HasPrefix(db.Image, "mysql:8") {
		t.Errorf("db image %q, want MySQL 8", db.Image)
	}
	command := strings.Join(db.Command, " ")
	if !strings.Contains(command, "--character-set-server=utf8mb4") || !strings.Contains(command, "--collation-server=utf8mb4_unicode_ci") {
		t.Errorf("db must run utf8mb4: %q", command)
	}
	if len(db.Healthcheck.Test) < 2 || !strings.Contains(strings.Join(db.Healthcheck.Test, " "), "mysqladmin ping") {
		t.Errorf("db health check: %v", db.Healthcheck.Test)
	}
	for _, name := range []string{"MYSQL_DATABASE", "MYSQL_USER", "MYSQL_PASSWORD", "MYSQL_ROOT_PASSWORD"} {
		if db.Environment[name] == "" {
			t.Errorf("db lacks %s", name)
		}
	}
}

func TestComposeNamedVolume(t *testing.T) {
	c := loadCompose(t)
	found := false
	for _, v := range c.Services["db"].Volumes {
		source, target, _ := strings.Cut(v, ":")
		if target == "/var/lib/mysql" {
			found = true
			if strings.ContainsAny(source, "./") {
				t.Errorf("the data must live in a named volume, not a bind mount: %q", v)
			}
			if _, declared := c.Volumes[source]; !declared {
				t.Errorf("volume %q is not declared", source)
			}
		}
	}
	if !found {
		t.Error("MySQL data is not on a volume")
	}
}

func TestComposeAppService(t *testing.T) {
	app, ok := loadCompose(t).Services["app"]
	if !ok {
		t.Fatal("no app service")
	}
	if app.Build != "." {
		t.Errorf("app must be built from the Dockerfile here: build %v", app.Build)
	}
	if app.DependsOn["db"]["condition"] != "service_healthy" {
		t.Errorf("app must wait for a healthy db: %v", app.DependsOn)
	}
	if got := strings.Join(app.Healthcheck.Test, " "); got != "CMD /app/crm healthcheck" {
		t.Errorf("app health check %q", got)
	}
	env := app.Environment
	if env["CRM_DATABASE_DRIVER"] != "mysql" || !strings.Contains(env["CRM_DATABASE_DSN"], "@tcp(db:3306)/crm") {
		t.Errorf("database settings: %v", env)
	}
	// Secrets are required references to the environment, never literals.
	required := regexp.MustCompile(`^\$\{[A-Z_]+:\?[^}]*\}$`)
	if !required.MatchString(env["CRM_AUTH_JWT_SECRET"]) {
		t.Errorf("CRM_AUTH_JWT_SECRET must be required from the environment: %q", env["CRM_AUTH_JWT_SECRET"])
	}
	if !strings.Contains(env["CRM_DATABASE_DSN"], "${CRM_DB_PASSWORD:?") {
		t.Errorf("the database password must come from the environment: %q", env["CRM_DATABASE_DSN"])
	}
	for name, value := range env {
		lower := strings.ToLower(name)
		if (strings.Contains(lower, "password") || strings.Contains(lower, "secret")) && !strings.HasPrefix(value, "${") {
			t.Errorf("%s has a literal value", name)
		}
	}
	// Every CRM_ variable names a real configuration key.
	keys := map[string]bool{}
	for _, k := range config.Keys() {
		keys["CRM_"+strings.ToUpper(strings.ReplaceAll(k, ".", "_"))] = true
	}
	for name := range env {
		if strings.HasPrefix(name, "CRM_") && !keys[name] {
			t.Errorf("%s is not a configuration key", name)
		}
	}
	if len(app.Ports) != 1 || !strings.HasSuffix(app.Ports[0], ":8080") {
		t.Errorf("ports %v", app.Ports)
	}
}

func TestDockerfile(t *testing.T) {
	raw, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	stages := regexp.MustCompile(`(?m)^FROM `).FindAllStringIndex(text, -1)
	if len(stages) < 2 {
		t.Fatal("the Dockerfile must be multi-stage")
	}
	final := text[stages[len(stages)-1][0]:]
	if !strings.Contains(text, "CGO_ENABLED=0") {
		t.Error("the binary must be static (CGO_ENABLED=0)")
	}
	user := regexp.MustCompile(`(?m)^USER (\S+)`).FindStringSubmatch(final)
	if user == nil || strings.HasPrefix(user[1], "root") || strings.HasPrefix(user[1], "0") {
		t.Errorf("the final stage must run as a non-root user: %v", user)
	}
	if !strings.Contains(final, `ENTRYPOINT ["/app/crm"]`) {
		t.Error("the entrypoint must be the binary the compose health check calls")
	}
	// The builder's Go must be at least go.mod's.
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	want := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(string(mod))
	got := regexp.MustCompile(`FROM golang:(\d+\.\d+)`).FindStringSubmatch(text)
	if want == nil || got == nil || got[1] != want[1] {
		t.Errorf("builder Go %v, go.mod %v", got, want)
	}
	ignore, err := os.ReadFile("../.dockerignore")
	if err != nil || !strings.Contains(string(ignore), ".git") || !strings.Contains(string(ignore), "data") {
		t.Error(".dockerignore must keep .git and the local database out of the build context")
	}
}
