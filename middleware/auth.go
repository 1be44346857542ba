package middleware

import (
	"errors"
	"strings"

	"github.com/gin-gonic/gin"

	"crm/apierr"
	"crm/auth"
	"crm/internal/memo"
	"crm/models/access"
)

// Authenticate turns the request's token into the current user, loaded by
// primary key on every request so that disabling a user or revoking a
// session takes effect at once. It needs ParseParams before it.
func Authenticate(svc *auth.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		raw := TokenOf(c)
		if raw == "" {
			Fail(c, apierr.ErrNoToken)
			return
		}
		viewer, err := svc.Authenticate(c.Request.Context(), raw)
		if err != nil {
			Fail(c, err)
			return
		}
		viewer.Address = c.ClientIP()
		c.Set(viewerKey, viewer)
		c.Next()
	}
}

// TokenOf finds the token: an Authorization Bearer header wins over the
// `token` parameter (query string for GET, body otherwise).
func TokenOf(c *gin.Context) string {
	if scheme, value, ok := strings.Cut(c.GetHeader("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
		if value = strings.TrimSpace(value); value != "" {
			return value
		}
	}
	if p, ok := ParamsOf(c).Lookup("token"); ok && !p.Structured {
		return strings.TrimSpace(p.Value)
	}
	return ""
}

var errNoViewer = errors.New("route reached a handler without authentication")

// CurrentUser is the authenticated caller. The error means a route was
// wired without Authenticate: a bug, answered as an internal error rather
// than acting as nobody.
func CurrentUser(c *gin.Context) (access.Viewer, error) {
	v, ok := valueOf[access.Viewer](c, viewerKey)
	if !ok {
		return access.Viewer{}, errNoViewer
	}
	return v, nil
}

// Require refuses callers whose role lacks the permission (48001).
func Require(p access.Permission) gin.HandlerFunc {
	return func(c *gin.Context) {
		v, err := CurrentUser(c)
		if err != nil {
			Fail(c, err)
			return
		}
		if !v.Can(p) {
			Fail(c, apierr.ErrForbidden)
			return
		}
		c.Next()
	}
}

// RetireCachedAccess bumps the generation of the cached sessions, users,
// roles and menus after the handler has run, and so after its transaction
// has committed or rolled back: a request that lowered a role, disabled a
// user or ended sessions is followed by requests that see it.
func RetireCachedAccess(changes *memo.Generation) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Next()
		changes.Bump()
	}
}
