package middleware

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/gin-contrib/cors"
	"github.com/gin-gonic/gin"

	"crm/apierr"
)

// CORS allows the configured origins ("*" only if the operator lists it).
// With no origins configured it returns nil: no CORS headers are sent and
// browsers keep other origins out. A request from the server's own origin
// passes untouched, also behind a proxy that rewrites Host (nginx's
// default), whose X-Forwarded-Host and X-Forwarded-Proto are believed
// from the trusted proxies only. Any other origin not on the list is
// refused with 48001 in the contract's shape (the library would answer a
// bare 403). A malformed origin is a configuration error.
func CORS(origins, trustedProxies []string) (gin.HandlerFunc, error) {
	if len(origins) == 0 {
		return nil, nil
	}
	cfg := cors.Config{
		AllowMethods: []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodPut,
			http.MethodDelete, http.MethodOptions},
		AllowHeaders:  []string{"Authorization", "Content-Type", "X-Requested-With", IdempotencyKeyHeader},
		ExposeHeaders: []string{requestIDHeader, "Content-Disposition", "Idempotent-Replayed"},
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
	trusted, err := parseProxies(trustedProxies)
	if err != nil {
		return nil, err
	}
	allowed := func(origin string) bool {
		return cfg.AllowAllOrigins || slices.Contains(origins, origin)
	}
	library := cors.New(cfg)
	return func(c *gin.Context) {
		origin := c.GetHeader("Origin")
		switch {
		case origin == "" || origin == ownOrigin(c.Request, trusted):
			c.Next()
		case !allowed(origin):
			Fail(c, apierr.ErrOriginRefused)
		default:
			library(c)
		}
	}, nil
}

// ownOrigin is the origin the client addressed: scheme and host, as the
// trusted proxy in front says they were, else as the request arrived.
func ownOrigin(r *http.Request, trusted []netip.Prefix) string {
	scheme, host := "http", r.Host
	if r.TLS != nil {
		scheme = "https"
	}
	if fromTrusted(r.RemoteAddr, trusted) {
		if h := firstValue(r.Header.Get("X-Forwarded-Host")); h != "" {
			host = h
		}
		if p := firstValue(r.Header.Get("X-Forwarded-Proto")); p == "http" || p == "https" {
			scheme = p
		}
	}
	return scheme + "://" + host
}

// firstValue is the first of a comma-separated list: the client's side of
// a chain of proxies.
func firstValue(header string) string {
	first, _, _ := strings.Cut(header, ",")
	return strings.TrimSpace(first)
}

func fromTrusted(remoteAddr string, trusted []netip.Prefix) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, p := range trusted {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// parseProxies reads http.trusted_proxies as Gin does: addresses or CIDRs.
func parseProxies(proxies []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, p := range proxies {
		if prefix, err := netip.ParsePrefix(p); err == nil {
			out = append(out, prefix.Masked())
			continue
		}
		ip, err := netip.ParseAddr(p)
		if err != nil {
			return nil, fmt.Errorf("http.trusted_proxies: %q is not an address or CIDR", p)
		}
		out = append(out, netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()))
	}
	return out, nil
}
