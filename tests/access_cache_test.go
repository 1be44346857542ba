package tests

import (
	"strconv"
	"testing"

	"crm/config"
	"crm/models/access"
	"crm/models/staff"
)

// Sessions, users, roles and menus are served from memory for up to
// auth.cache_ttl. A change made through this server applies to the very
// next request; one made through another replica, within the TTL.

func TestAccessChangesApplyToTheNextRequest(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		admin := e.admin(t)
		menu := func(token string) response { return e.call(t, "GET", api+"/menu/", query("token", token)) }

		// Disabled through the API: refused at once, cache warm or not.
		alice := e.newAccount(t, access.RoleConsultant)
		menu(alice.token)
		e.call(t, "PATCH", api+"/user/"+strconv.FormatUint(alice.id, 10)+"/", form("token", admin.token, "enabled", "0"))
		wantError(t, menu(alice.token), 40014, "无效的token")

		// A role lowered: its users lose the permission on their next request.
		e.customRole(t, "desk", access.PermPatientList)
		desk := e.newAccount(t, "desk")
		list := func() response { return e.call(t, "GET", api+"/patient/", query("token", desk.token, "count", "1")) }
		wantJSON(t, list(), `{"count": 0}`)
		var role staff.Role
		e.db.Where("role_key = ?", "desk").Take(&role)
		roleID := strconv.FormatUint(role.ID, 10)
		e.call(t, "PATCH", api+"/role/"+roleID+"/", form("token", admin.token, "permissions", "patient.create"))
		wantError(t, list(), 48001, "用户没有权限")
		// And its menu follows its menus at once.
		wantJSON(t, menu(desk.token), `{"menu_data": []}`)
		e.call(t, "PATCH", api+"/role/"+roleID+"/", form("token", admin.token, "menus", "1"))
		wantJSON(t, menu(desk.token), `{"menu_data": [{"title": "仪表盘", "name": "1", "url": "dashboard", "child": []}]}`)

		// Logging out, or refreshing, retires the token at once.
		bob := e.newAccount(t, access.RoleConsultant)
		menu(bob.token)
		wantJSON(t, e.call(t, "DELETE", api+"/token/", form("token", bob.token)), `{"revoked": true}`)
		wantError(t, menu(bob.token), 40014, "无效的token")
		carol := e.newAccount(t, access.RoleConsultant)
		menu(carol.token)
		fresh := field(t, e.call(t, "PATCH", api+"/token/", form("token", carol.token)), "token").(string)
		wantError(t, menu(carol.token), 40014, "无效的token")
		if resp := menu(fresh); resp.status != 200 || field(t, resp, "menu_data") == nil {
			t.Fatalf("the new token works: %s", resp.body)
		}

		// A password reset ends the user's sessions.
		dave := e.newAccount(t, access.RoleConsultant)
		menu(dave.token)
		e.call(t, "POST", api+"/user/"+strconv.FormatUint(dave.id, 10)+"/password", form("token", admin.token, "password", "another-password-1"))
		wantError(t, menu(dave.token), 40014, "无效的token")
	})
}

func TestAnotherReplicaSeesAccessChangesWithinTheCacheTTL(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		other := e.serverOn(t, e.cfg, e.db) // a replica: its own caches
		admin := e.admin(t)
		alice := e.newAccount(t, access.RoleConsultant)
		menu := func(on *env) response { return on.call(t, "GET", api+"/menu/", query("token", alice.token)) }
		menu(e)
		menu(other)

		e.call(t, "PATCH", api+"/user/"+strconv.FormatUint(alice.id, 10)+"/", form("token", admin.token, "enabled", "0"))
		wantError(t, menu(e), 40014, "无效的token")
		// The other replica still has the session in memory...
		if resp := menu(other); resp.status != 200 || string(resp.body[:12]) != `{"menu_data"` {
			t.Fatalf("within the TTL the other replica answers from memory: %s", resp.body)
		}
		// ...until the TTL has passed: then it asks the database.
		e.clock.Advance(e.cfg.Auth.CacheTTL)
		wantError(t, menu(other), 40014, "无效的token")
	})
}

func TestCacheTTLZeroReadsEveryTime(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		alice := e.newAccount(t, access.RoleConsultant)
		if resp := e.call(t, "GET", api+"/menu/", query("token", alice.token)); string(resp.body[:12]) != `{"menu_data"` {
			t.Fatal(string(resp.body))
		}
		// Another process disables her: seen at once without a cache.
		e.db.Model(&staff.User{}).Where("id = ?", alice.id).Update("enabled", false)
		wantError(t, e.call(t, "GET", api+"/menu/", query("token", alice.token)), 40014, "无效的token")
	}, func(c *config.Config) { c.Auth.CacheTTL = 0 })
}
