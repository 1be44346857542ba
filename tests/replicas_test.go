package tests

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"crm/config"
	"crm/internal/testdb"
	"crm/models"
	"crm/routes"
)

// Two server processes on one database and one Redis: the login throttle
// and a revocation are shared between them. (Each server here is built as
// main builds one; they share nothing in memory.)
func TestReplicasShareThrottleAndRevocations(t *testing.T) {
	testdb.SkipUnlessAvailable(t, "mysql")
	redisAddr := testdb.RedisAddr(t)
	t.Parallel()
	shared := func(c *config.Config) {
		c.Redis.Addr = redisAddr
		c.Auth.CacheTTL = time.Minute // a revocation must not wait for the TTL
	}
	one := newEnv(t, "mysql", shared)
	two := one.replicaWith(t, one.cfg)

	// Guessing admin's password: five tries on one replica, the sixth on
	// the other is refused. (An address of this run's own: Redis outlives
	// the test.)
	attacker := from(fmt.Sprintf("198.18.%d.%d:1000", rand.IntN(256), rand.IntN(256)))
	for range 5 {
		wantError(t, one.call(t, "POST", api+"/token/", form("username", adminUsername, "password", "wrong-password"), attacker), 46005, "密码错误")
	}
	wantError(t, two.call(t, "POST", api+"/token/", form("username", adminUsername, "password", "wrong-password"), attacker), 45011, "请求过于频繁，请稍后再试")

	// A consultant served by replica two (its session cached there for a
	// minute) is disabled through replica one: two refuses the next request.
	admin := one.admin(t)
	alice := one.newAccount(t, models.RoleConsultant)
	if resp := two.call(t, "GET", api+"/menu/", query("token", alice.token)); resp.status != 200 || field(t, resp, "menu_data") == nil {
		t.Fatalf("menu on replica two: %s", resp.body)
	}
	one.call(t, "PATCH", api+"/user/"+strconv.FormatUint(alice.id, 10)+"/", form("token", admin.token, "enabled", "0"))
	// The news travels through Redis: give it the moment it takes.
	deadline := time.Now().Add(time.Second)
	for {
		resp := two.call(t, "GET", api+"/menu/", query("token", alice.token))
		if string(resp.body) == `{"stateCode":40014,"message":"无效的token"}` {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica two still serves a disabled user after 1 s: %s", resp.body)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// replicaWith is a second server on e's database with cfg, built from
// scratch as main builds one: its own caches, throttle and Redis client.
func (e *env) replicaWith(t *testing.T, cfg config.Config) *env {
	t.Helper()
	deps, err := routes.NewDeps(context.Background(), cfg, e.db, slog.New(slog.NewTextHandler(io.Discard, nil)), e.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	if deps.Redis != nil {
		t.Cleanup(func() { _ = deps.Redis.Close() })
	}
	handler, err := routes.New(deps)
	if err != nil {
		t.Fatal(err)
	}
	r := *e
	r.handler, r.cfg, r.deps = handler, cfg, deps
	return &r
}
