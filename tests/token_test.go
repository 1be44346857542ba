package tests

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"crm/config"
	"crm/models/access"
	"crm/models/staff"
)

const testSecret = "0123456789abcdef0123456789abcdef-test-secret"

func withSecret(c *config.Config) { c.Auth.JWTSecret = testSecret }

func TestLoginOK(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		for name, body := range map[string]option{
			"form":      form("username", adminUsername, "password", adminPassword),
			"json":      jsonBody(map[string]string{"username": adminUsername, "password": adminPassword}),
			"multipart": multipartBody("username", adminUsername, "password", adminPassword),
			"trimmed":   form("username", "  "+adminUsername+" ", "password", " "+adminPassword+"  "),
			"query":     query("username", adminUsername, "password", adminPassword),
		} {
			resp := e.call(t, "POST", api+"/token/", body)
			token, _ := field(t, resp, "token").(string)
			if strings.Count(token, ".") != 2 {
				t.Errorf("%s: not a JWT: %s", name, resp.body)
			}
			// The token works.
			if resp := e.call(t, "GET", api+"/menu/", query("token", token)); resp.status != 200 || strings.Contains(string(resp.body), "stateCode") {
				t.Errorf("%s: token refused: %s", name, resp.body)
			}
		}
	})
}

func TestLoginMissing(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		for name, body := range map[string]option{
			"nothing":        form(),
			"no password":    form("username", adminUsername),
			"no username":    form("password", adminPassword),
			"blank username": form("username", "   ", "password", adminPassword),
			"blank password": jsonBody(map[string]any{"username": adminUsername, "password": "  "}),
			"null password":  jsonBody(map[string]any{"username": adminUsername, "password": nil}),
		} {
			t.Run(name, func(t *testing.T) {
				wantError(t, e.call(t, "POST", api+"/token/", body), 40036, "用户名或密码缺失")
			})
		}
	})
}

func TestLoginInvalid(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		for name, body := range map[string]option{
			"short username":   form("username", "ab", "password", adminPassword),
			"long username":    form("username", strings.Repeat("a", 33), "password", adminPassword),
			"username chars":   form("username", "ad min", "password", adminPassword),
			"chinese username": form("username", "管理员", "password", adminPassword),
			"short password":   form("username", adminUsername, "password", "abc"),
			"73-byte password": form("username", adminUsername, "password", strings.Repeat("p", 73)),
			"object password":  jsonBody(map[string]any{"username": adminUsername, "password": map[string]string{"a": "b"}}),
			"array username":   jsonBody(map[string]any{"username": []string{adminUsername}, "password": adminPassword}),
		} {
			t.Run(name, func(t *testing.T) {
				wantError(t, e.call(t, "POST", api+"/token/", body), 40035, "用户名或密码不合法")
			})
		}
	})
}

func TestLoginRefused(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		wantError(t, e.call(t, "POST", api+"/token/", form("username", "nobody", "password", adminPassword)), 46004, "用户名错误或无此用户")
		wantError(t, e.call(t, "POST", api+"/token/", form("username", adminUsername, "password", "wrong-password")), 46005, "密码错误")
		// Usernames compare exactly on both databases.
		wantError(t, e.call(t, "POST", api+"/token/", form("username", "ADMIN", "password", adminPassword)), 46004, "用户名错误或无此用户")

		consultant := e.newAccount(t, access.RoleConsultant)
		e.db.Model(&staff.User{}).Where("id = ?", consultant.id).Update("enabled", false)
		wantError(t, e.call(t, "POST", api+"/token/", form("username", consultant.username, "password", consultant.password)), 46006, "账号已停用")
		// A wrong password does not reveal that the account is disabled.
		wantError(t, e.call(t, "POST", api+"/token/", form("username", consultant.username, "password", "not-the-password")), 46005, "密码错误")
	})
}

func TestLoginThrottledPerUsernameAndAddress(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		attacker := from("203.0.113.9:5555")
		for i := 0; i < 5; i++ {
			wantError(t, e.call(t, "POST", api+"/token/", form("username", adminUsername, "password", "wrong-password"), attacker), 46005, "密码错误")
		}
		// From there, even the right password waits: the check happens before bcrypt.
		wantError(t, e.call(t, "POST", api+"/token/", form("username", adminUsername, "password", adminPassword), attacker), 45011, "请求过于频繁，请稍后再试")
		// Case does not escape the bucket.
		wantError(t, e.call(t, "POST", api+"/token/", form("username", "Admin", "password", adminPassword), attacker), 45011, "请求过于频繁，请稍后再试")
		// The attacker knows the username, but cannot lock its owner out:
		// from another address the owner logs in.
		e.login(t, adminUsername, adminPassword)
		// Another user is not affected from the attacker's address either.
		wantError(t, e.call(t, "POST", api+"/token/", form("username", "someone", "password", "password"), attacker), 46004, "用户名错误或无此用户")

		e.clock.Advance(time.Minute)
		if field(t, e.call(t, "POST", api+"/token/", form("username", adminUsername, "password", adminPassword), attacker), "token") == nil {
			t.Error("no token a minute later")
		}
	})
}

func TestLoginsBehindOneAddress(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		// A clinic of forty behind one NAT address, all at nine o'clock:
		// successful logins do not use up the address's budget.
		var staff []account
		for range 40 {
			staff = append(staff, e.newAccount(t, access.RoleConsultant))
		}
		nat := from("198.51.100.20:40000")
		for _, a := range staff {
			if field(t, e.call(t, "POST", api+"/token/", form("username", a.username, "password", a.password), nat), "token") == nil {
				t.Fatalf("%s refused behind the shared address", a.username)
			}
		}
	})
}

func TestLoginSuccessGivesTheAttemptBack(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		for round := 0; round < 3; round++ {
			for i := 0; i < 4; i++ {
				wantError(t, e.call(t, "POST", api+"/token/", form("username", adminUsername, "password", "wrong-password")), 46005, "密码错误")
			}
			e.login(t, adminUsername, adminPassword)
			e.clock.Advance(4 * time.Minute) // refills the four failures
		}
	})
}

func TestLoginThrottledPerAddress(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		attacker := from("203.0.113.9:5555")
		for i := 0; i < 30; i++ {
			// A different X-Forwarded-For each time: no proxy is trusted,
			// so the header does not change the address.
			resp := e.call(t, "POST", api+"/token/", form("username", "guess"+randomHex(2), "password", "password"),
				attacker, header("X-Forwarded-For", "10.0.0."+randomHex(1)))
			wantError(t, resp, 46004, "用户名错误或无此用户")
		}
		wantError(t, e.call(t, "POST", api+"/token/", form("username", adminUsername, "password", adminPassword), attacker), 45011, "请求过于频繁，请稍后再试")
		// Other addresses log in normally.
		e.login(t, adminUsername, adminPassword)
	})
}

func TestLoginTrustedProxyAddress(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		proxy := from("10.1.2.3:443")
		for i := 0; i < 30; i++ {
			e.call(t, "POST", api+"/token/", form("username", "guess"+randomHex(2), "password", "password"), proxy, header("X-Forwarded-For", "203.0.113.50"))
		}
		wantCode(t, e.call(t, "POST", api+"/token/", form("username", "x-y-z", "password", "password"), proxy, header("X-Forwarded-For", "203.0.113.50")), 45011)
		// Behind the trusted proxy, another client is another address.
		wantError(t, e.call(t, "POST", api+"/token/", form("username", "x-y-z", "password", "password"), proxy, header("X-Forwarded-For", "203.0.113.51")), 46004, "用户名错误或无此用户")
	}, func(c *config.Config) { c.HTTP.TrustedProxies = []string{"10.0.0.0/8"} })
}

func TestSeveralSessions(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		first := e.login(t, adminUsername, adminPassword)
		second := e.login(t, adminUsername, adminPassword)
		for _, token := range []string{first, second} {
			if resp := e.call(t, "GET", api+"/menu/", query("token", token)); strings.Contains(string(resp.body), "stateCode") {
				t.Errorf("a second login must not end the first session: %s", resp.body)
			}
		}
	})
}

func TestTokenMissing(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		wantError(t, e.call(t, "GET", api+"/menu/"), 41001, "缺少token参数")
		wantError(t, e.call(t, "GET", api+"/menu/", query("token", "")), 41001, "缺少token参数")
		wantError(t, e.call(t, "GET", api+"/menu/", header("Authorization", "Bearer ")), 41001, "缺少token参数")
		wantError(t, e.call(t, "PATCH", api+"/token/", form()), 41001, "缺少token参数")
		wantError(t, e.call(t, "DELETE", api+"/token/"), 41001, "缺少token参数")
	})
}

// craft signs claims with the test secret (or another key) and method.
func craft(t *testing.T, method jwt.SigningMethod, key any, claims jwt.Claims) string {
	t.Helper()
	token, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// claimsOf reads our own token without checking it, to forge variants.
func claimsOf(t *testing.T, token string) jwt.MapClaims {
	t.Helper()
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(token, claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

func TestTokenInvalid(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		good := e.login(t, adminUsername, adminPassword)
		base := claimsOf(t, good)
		with := func(changes map[string]any) jwt.MapClaims {
			c := jwt.MapClaims{}
			for k, v := range base {
				c[k] = v
			}
			for k, v := range changes {
				if v == nil {
					delete(c, k)
				} else {
					c[k] = v
				}
			}
			return c
		}
		key := []byte(testSecret)
		past := e.clock.Now().Add(-3 * time.Hour).Unix()
		cases := map[string]string{
			"garbage":                  "not-a-token",
			"truncated":                good[:len(good)-5],
			"other secret":             craft(t, jwt.SigningMethodHS256, []byte("another-secret-another-secret-1234"), base),
			"HS512":                    craft(t, jwt.SigningMethodHS512, key, base),
			"alg none":                 craft(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, base),
			"wrong issuer":             craft(t, jwt.SigningMethodHS256, key, with(map[string]any{"iss": "someone-else"})),
			"wrong audience":           craft(t, jwt.SigningMethodHS256, key, with(map[string]any{"aud": "other-app"})),
			"no exp":                   craft(t, jwt.SigningMethodHS256, key, with(map[string]any{"exp": nil})),
			"no iat":                   craft(t, jwt.SigningMethodHS256, key, with(map[string]any{"iat": nil})),
			"iat in the future":        craft(t, jwt.SigningMethodHS256, key, with(map[string]any{"iat": e.clock.Now().Add(time.Hour).Unix()})),
			"no jti":                   craft(t, jwt.SigningMethodHS256, key, with(map[string]any{"jti": nil})),
			"no sid":                   craft(t, jwt.SigningMethodHS256, key, with(map[string]any{"sid": nil})),
			"other jti":                craft(t, jwt.SigningMethodHS256, key, with(map[string]any{"jti": "0123456789abcdef0123456789abcdef"})),
			"other user":               craft(t, jwt.SigningMethodHS256, key, with(map[string]any{"sub": "2"})),
			"other session":            craft(t, jwt.SigningMethodHS256, key, with(map[string]any{"sid": 999})),
			"expired and wrong issuer": craft(t, jwt.SigningMethodHS256, key, with(map[string]any{"iss": "x", "exp": past, "iat": past - 7200})),
			"oversized":                strings.Repeat("a", 5000),
		}
		for name, token := range cases {
			t.Run(name, func(t *testing.T) {
				wantError(t, e.call(t, "GET", api+"/menu/", query("token", token)), 40014, "无效的token")
				// The refresh parser's leeway is the refresh window, so it
				// tolerates an iat that far ahead; and a PATCH with another
				// jti of a live session is a replay, which revokes the
				// session (TestRefreshReuseRevokesTheSession). Only our key
				// can make either token.
				if name != "iat in the future" && name != "other jti" {
					wantError(t, e.call(t, "PATCH", api+"/token/", form("token", token)), 40014, "无效的token")
				}
			})
		}
		// The real token still works after all that.
		if resp := e.call(t, "GET", api+"/menu/", bearer(good)); strings.Contains(string(resp.body), "stateCode") {
			t.Fatalf("good token refused: %s", resp.body)
		}
	}, withSecret)
}

func TestBearerHeaderWins(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		good := e.login(t, adminUsername, adminPassword)
		if resp := e.call(t, "GET", api+"/menu/", bearer(good), query("token", "garbage")); strings.Contains(string(resp.body), "stateCode") {
			t.Errorf("header must win over the parameter: %s", resp.body)
		}
		wantError(t, e.call(t, "GET", api+"/menu/", bearer("garbage"), query("token", good)), 40014, "无效的token")
		// Another scheme is not a bearer token; the parameter is used.
		if resp := e.call(t, "GET", api+"/menu/", header("Authorization", "Basic YWRtaW46eA=="), query("token", good)); strings.Contains(string(resp.body), "stateCode") {
			t.Errorf("Basic must not shadow the token parameter: %s", resp.body)
		}
	})
}

// The frontend's real flow: wait out the token, get 42001, refresh, retry.
func TestExpiredTokenRefreshFlow(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		token := e.login(t, adminUsername, adminPassword)
		e.clock.Advance(7200*time.Second + 29*time.Second) // inside the 30 s leeway
		if resp := e.call(t, "GET", api+"/menu/", query("token", token)); strings.Contains(string(resp.body), "stateCode") {
			t.Fatalf("within the leeway the token still works: %s", resp.body)
		}
		e.clock.Advance(2 * time.Second)
		wantError(t, e.call(t, "GET", api+"/menu/", query("token", token)), 42001, "token超时")
		wantError(t, e.call(t, "GET", api+"/patient/", query("token", token)), 42001, "token超时")

		resp := e.call(t, "PATCH", api+"/token/", form("token", token))
		fresh, _ := field(t, resp, "token").(string)
		if fresh == "" || fresh == token {
			t.Fatalf("refresh: %s", resp.body)
		}
		if resp := e.call(t, "GET", api+"/menu/", query("token", fresh)); strings.Contains(string(resp.body), "stateCode") {
			t.Fatalf("the refreshed token is refused: %s", resp.body)
		}
		// The presented token stopped working at once.
		wantError(t, e.call(t, "GET", api+"/menu/", query("token", token)), 40014, "无效的token")
	})
}

func TestRefreshBeforeExpiryAndBySpelling(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		token := e.login(t, adminUsername, adminPassword)
		for name, how := range map[string]func(string) option{
			"form":   func(tok string) option { return form("token", tok) },
			"json":   func(tok string) option { return jsonBody(map[string]string{"token": tok}) },
			"query":  func(tok string) option { return query("token", tok) },
			"bearer": bearer,
		} {
			resp := e.call(t, "PATCH", api+"/token", how(token)) // and without the slash
			next, _ := field(t, resp, "token").(string)
			if next == "" {
				t.Fatalf("%s: %s", name, resp.body)
			}
			token = next
		}
	})
}

func TestRefreshRace(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		token := e.login(t, adminUsername, adminPassword)
		e.clock.Advance(3 * time.Hour)
		const racers = 4
		results := make([]response, racers)
		var wg sync.WaitGroup
		for i := range racers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = e.call(t, "PATCH", api+"/token/", form("token", token))
			}()
		}
		wg.Wait()
		var winners []string
		for _, r := range results {
			if strings.Contains(string(r.body), `"token"`) {
				winners = append(winners, string(r.body))
			} else {
				wantError(t, r, 40014, "无效的token")
			}
		}
		if len(winners) != 1 {
			t.Fatalf("exactly one refresh must win, got %d: %v", len(winners), winners)
		}
	})
}

func TestRefreshTwoTabsWithinGrace(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		token := e.login(t, adminUsername, adminPassword)
		fresh, _ := field(t, e.call(t, "PATCH", api+"/token/", form("token", token)), "token").(string)
		e.clock.Advance(9 * time.Second)
		wantError(t, e.call(t, "PATCH", api+"/token/", form("token", token)), 40014, "无效的token")
		// Nothing else happened: the session lives on.
		if resp := e.call(t, "GET", api+"/menu/", query("token", fresh)); strings.Contains(string(resp.body), "stateCode") {
			t.Fatalf("a second tab's late refresh must not end the session: %s", resp.body)
		}
		if strings.Contains(e.logs.String(), "reused") {
			t.Error("a refresh within the grace period is not reuse")
		}
	})
}

func TestRefreshReuseRevokesTheSession(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		stolen := e.login(t, adminUsername, adminPassword)
		other := e.login(t, adminUsername, adminPassword) // another device
		fresh, _ := field(t, e.call(t, "PATCH", api+"/token/", form("token", stolen)), "token").(string)
		e.clock.Advance(11 * time.Second)
		wantError(t, e.call(t, "PATCH", api+"/token/", form("token", stolen)), 40014, "无效的token")
		// The whole session is gone, including its newest token.
		wantError(t, e.call(t, "GET", api+"/menu/", query("token", fresh)), 40014, "无效的token")
		wantError(t, e.call(t, "PATCH", api+"/token/", form("token", fresh)), 40014, "无效的token")
		if !strings.Contains(e.logs.String(), "refresh token reused; session revoked") {
			t.Error("reuse must be logged")
		}
		// Other sessions of the user are untouched.
		if resp := e.call(t, "GET", api+"/menu/", query("token", other)); strings.Contains(string(resp.body), "stateCode") {
			t.Fatalf("another device's session must survive: %s", resp.body)
		}
	})
}

func TestRefreshWindowCountsFromLogin(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		token := e.login(t, adminUsername, adminPassword)
		for day := 1; day <= 6; day++ {
			e.clock.Advance(24 * time.Hour)
			resp := e.call(t, "PATCH", api+"/token/", form("token", token))
			token, _ = field(t, resp, "token").(string)
		}
		e.clock.Advance(24 * time.Hour) // 7 days after the login
		wantError(t, e.call(t, "PATCH", api+"/token/", form("token", token)), 40014, "无效的token")
		wantError(t, e.call(t, "GET", api+"/menu/", query("token", token)), 40014, "无效的token")
	})
}

func TestRefreshWindowConfigurable(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		token := e.login(t, adminUsername, adminPassword)
		e.clock.Advance(61 * time.Second)
		wantError(t, e.call(t, "GET", api+"/menu/", query("token", token)), 42001, "token超时")
		e.clock.Advance(2 * time.Minute)
		wantError(t, e.call(t, "GET", api+"/menu/", query("token", token)), 40014, "无效的token")
		wantError(t, e.call(t, "PATCH", api+"/token/", form("token", token)), 40014, "无效的token")
	}, func(c *config.Config) {
		c.Auth.TokenTTL = 30 * time.Second
		c.Auth.RefreshWindow = 2 * time.Minute
	})
}

func TestLogout(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		token := e.login(t, adminUsername, adminPassword)
		other := e.login(t, adminUsername, adminPassword)
		wantJSON(t, e.call(t, "DELETE", api+"/token/", form("token", token)), `{"revoked": true}`)
		wantError(t, e.call(t, "GET", api+"/menu/", query("token", token)), 40014, "无效的token")
		wantError(t, e.call(t, "PATCH", api+"/token/", form("token", token)), 40014, "无效的token")
		wantError(t, e.call(t, "DELETE", api+"/token/", form("token", token)), 40014, "无效的token")
		if resp := e.call(t, "GET", api+"/menu/", query("token", other)); strings.Contains(string(resp.body), "stateCode") {
			t.Fatalf("logout ends only its own session: %s", resp.body)
		}
		// An expired token can still log out.
		e.clock.Advance(3 * time.Hour)
		wantJSON(t, e.call(t, "DELETE", api+"/token", bearer(other)), `{"revoked": true}`)
		wantError(t, e.call(t, "PATCH", api+"/token/", form("token", other)), 40014, "无效的token")
	})
}

func TestDisabledOrDeletedUserLosesTokensAtOnce(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		disabled := e.newAccount(t, access.RoleConsultant)
		e.db.Model(&staff.User{}).Where("id = ?", disabled.id).Update("enabled", false)
		wantError(t, e.call(t, "GET", api+"/menu/", query("token", disabled.token)), 40014, "无效的token")
		wantError(t, e.call(t, "PATCH", api+"/token/", form("token", disabled.token)), 40014, "无效的token")

		deleted := e.newAccount(t, access.RoleConsultant)
		if err := e.db.Exec("DELETE FROM users WHERE id = ?", deleted.id).Error; err != nil {
			t.Fatal(err)
		}
		wantError(t, e.call(t, "GET", api+"/menu/", query("token", deleted.token)), 40014, "无效的token")

		// Expired tokens of such users are not "refreshable": 40014, not 42001.
		expiring := e.newAccount(t, access.RoleConsultant)
		e.clock.Advance(3 * time.Hour)
		e.db.Model(&staff.User{}).Where("id = ?", expiring.id).Update("enabled", false)
		wantError(t, e.call(t, "GET", api+"/menu/", query("token", expiring.token)), 40014, "无效的token")
	})
}

func TestRealStatusCodes(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		resp := e.call(t, "GET", api+"/menu/")
		if resp.status != http.StatusUnauthorized {
			t.Errorf("status %d, want 401", resp.status)
		}
		if string(resp.body) != `{"stateCode":41001,"message":"缺少token参数"}` {
			t.Errorf("body %s", resp.body)
		}
		if resp := e.call(t, "POST", api+"/token/", form()); resp.status != http.StatusBadRequest {
			t.Errorf("40036: status %d, want 400", resp.status)
		}
		if resp := e.call(t, "PUT", api+"/menu/"); resp.status != http.StatusMethodNotAllowed {
			t.Errorf("43001: status %d, want 405", resp.status)
		}
	}, func(c *config.Config) { c.HTTP.RealStatusCodes = true })
}
