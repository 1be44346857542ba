package middleware

import (
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/gin-contrib/cors"
	"github.com/gin-gonic/gin"
)

// CORS allows the configured origins ("*" only if the operator lists it).
// With no origins configured it returns nil: no CORS headers are sent and
// browsers keep other origins out. A request from an origin not on the
// list is refused by the library with a bare 403, which browsers would
// block anyway. A malformed origin is a configuration error.
func CORS(origins []string) (gin.HandlerFunc, error) {
	if len(origins) == 0 {
		return nil, nil
	}
	cfg := cors.Config{
		AllowMethods: []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodPut,
			http.MethodDelete, http.MethodOptions},
		AllowHeaders:  []string{"Authorization", "Content-Type", "X-Requested-With"},
		ExposeHeaders: []string{requestIDHeader, "Content-Disposition"},
		MaxAge:        12 * time.Hour,
	}
	if slices.Contains(origins, "*") {
		cfg.AllowAllOrigins = true
	} else {
		cfg.AllowOrigins = origins
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("http.cors_origins: %w", err)
	}
	return cors.New(cfg), nil
}
