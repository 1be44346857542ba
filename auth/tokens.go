// Package auth holds the login, refresh and logout rules: JWTs, bcrypt,
// throttling, and the session checks behind every authenticated request.
package auth

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
	lru "github.com/hashicorp/golang-lru/v2"

	"crm/config"
)

// Claims of our tokens. sid names the session row, jti the token within it.
type Claims struct {
	jwt.RegisteredClaims
	SessionID uint64 `json:"sid"`
}

// Validate adds what golang-jwt v5 does not require by itself; the parser
// calls it after the standard checks.
func (c Claims) Validate() error {
	switch {
	case c.IssuedAt == nil:
		return errors.New("token has no iat")
	case c.ID == "":
		return errors.New("token has no jti")
	case c.SessionID == 0:
		return errors.New("token has no sid")
	}
	if _, err := c.UserID(); err != nil {
		return err
	}
	return nil
}

func (c Claims) UserID() (uint64, error) {
	id, err := strconv.ParseUint(c.Subject, 10, 64)
	if err != nil || id == 0 {
		return 0, errors.New("token subject is not a user id")
	}
	return id, nil
}

// maxTokenBytes: our tokens are ~300 bytes; anything far larger is not ours
// and is refused before any decoding work.
const maxTokenBytes = 2048

var errTokenTooLarge = errors.New("token too large")

// Tokens signs and checks JWTs. Both parsers are built once: the access
// parser for ordinary requests, and the refresh parser, identical but for a
// leeway as long as the refresh window, so an expired token can still be
// recognised as ours and refreshed.
type Tokens struct {
	key      []byte
	issuer   string
	audience string
	ttl      time.Duration
	skew     time.Duration // accepted past expiry: replicas' clocks differ
	access   *jwt.Parser
	refresh  *jwt.Parser
	now      func() time.Time
	// verified remembers access tokens whose signature and claims have
	// been checked, keyed by the whole token: the same bytes carry the
	// same claims, so a repeat costs a lookup and an expiry check instead
	// of an HMAC and two JSON decodings.
	verified *lru.Cache[string, *Claims]
}

// verifiedTokens bounds that memory: a few hundred bytes per token.
const verifiedTokens = 10_000

func NewTokens(secret []byte, cfg config.Auth, now func() time.Time) (*Tokens, error) {
	if len(secret) < config.MinSecretBytes {
		return nil, fmt.Errorf("JWT secret is %d bytes; at least %d are required", len(secret), config.MinSecretBytes)
	}
	parser := func(leeway time.Duration) *jwt.Parser {
		return jwt.NewParser(
			jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
			jwt.WithIssuer(cfg.Issuer),
			jwt.WithAudience(cfg.Audience),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(leeway),
			jwt.WithTimeFunc(now),
		)
	}
	verified, err := lru.New[string, *Claims](verifiedTokens)
	if err != nil {
		return nil, err
	}
	return &Tokens{
		key:      secret,
		issuer:   cfg.Issuer,
		audience: cfg.Audience,
		ttl:      cfg.TokenTTL,
		skew:     cfg.ClockSkew,
		access:   parser(cfg.ClockSkew),
		refresh:  parser(cfg.RefreshWindow),
		now:      now,
		verified: verified,
	}, nil
}

func (t *Tokens) Issue(userID, sessionID uint64, jti string) (string, error) {
	now := t.now()
	claims := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    t.issuer,
			Subject:   strconv.FormatUint(userID, 10),
			Audience:  jwt.ClaimStrings{t.audience},
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(t.ttl)),
			ID:        jti,
		},
		SessionID: sessionID,
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(t.key)
}

// ParseAccess accepts only a currently valid token.
func (t *Tokens) ParseAccess(raw string) (*Claims, error) {
	if claims, ok := t.verified.Get(raw); ok {
		// Only the time has changed since the token was checked.
		if !t.now().Before(claims.ExpiresAt.Add(t.skew)) {
			return nil, fmt.Errorf("%w", jwt.ErrTokenExpired)
		}
		return claims, nil
	}
	claims, err := t.parse(t.access, raw)
	if err != nil {
		return nil, err
	}
	t.verified.Add(raw, claims)
	return claims, nil
}

// ParseRefresh also accepts a token that expired less than the refresh
// window ago; the caller still checks the session's own window.
func (t *Tokens) ParseRefresh(raw string) (*Claims, error) { return t.parse(t.refresh, raw) }

func (t *Tokens) parse(p *jwt.Parser, raw string) (*Claims, error) {
	if len(raw) > maxTokenBytes {
		return nil, errTokenTooLarge
	}
	var claims Claims
	if _, err := p.ParseWithClaims(raw, &claims, func(*jwt.Token) (any, error) { return t.key, nil }); err != nil {
		return nil, err
	}
	return &claims, nil
}

// NewJTI is a token id: 128 random bits as 32 hex characters.
func NewJTI() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go ≥ 1.24)
	return hex.EncodeToString(b)
}
